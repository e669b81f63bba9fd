import ConicSolver
import Foundation
import Testing

// Checks that verify optimality and infeasibility certificates from the ORIGINAL problem data
// (never from the solver's own reported residuals), for every test target that solves: the
// solver's, the readers' and the NN layer's. Public because this is a module of its own
// (ConicTestSupport), which only test targets depend on.

// MARK: - Vector helpers

/// `‖v‖∞` (0 for an empty vector; NaN propagates as NaN).
public func certMaxAbs(_ v: [Double]) -> Double {
    var m = 0.0
    for x in v {
        if x.isNaN { return .nan }
        m = max(m, abs(x))
    }
    return m
}

/// `uᵀv`.
public func certDot(_ u: [Double], _ v: [Double]) -> Double {
    precondition(u.count == v.count, "certDot: lengths \(u.count) and \(v.count) differ")
    var sum = 0.0
    for i in u.indices { sum += u[i] * v[i] }
    return sum
}

/// Euclidean norm.
public func certNorm2(_ v: some Collection<Double>) -> Double {
    var sum = 0.0
    for x in v { sum += x * x }
    return sum.squareRoot()
}

// MARK: - Cones

/// The row ranges of the cones of a problem, in the order the user gave them.
public func testConeRanges(_ cones: [ConeSpec]) -> [(ConeSpec, Range<Int>)] {
    var start = 0
    var out: [(ConeSpec, Range<Int>)] = []
    for cone in cones {
        out.append((cone, start..<start + cone.dimension))
        start += cone.dimension
    }
    return out
}

/// How far `v` (a slice of length `spec.dimension`) lies outside the cone `spec`:
/// 0 when inside, otherwise the violation (`|vᵢ|` for the zero cone, `−vᵢ` for the orthant,
/// `‖v₁‖ − v₀` for the second-order cone, the excess over the bound for the exponential and
/// power cones, written here from their definitions independently of the solver).
public func testConeViolation(_ spec: ConeSpec, _ v: ArraySlice<Double>) -> Double {
    switch spec {
    case .zero:
        return v.reduce(0) { max($0, abs($1)) }
    case .nonnegative:
        return v.reduce(0) { max($0, -$1) }
    case .secondOrder:
        guard let t = v.first else { return 0 }
        return max(0, certNorm2(v.dropFirst()) - t)
    case .positiveSemidefinite:
        guard let m = Svec.matrix(Array(v)) else { return .infinity }
        return max(0, -testSmallestEigenvalue(m))
    case .exponential:
        // closure{(x, y, z) : y e^{x/y} ≤ z, y > 0} = that set ∪ {y = 0, x ≤ 0, z ≥ 0}.
        let a = Array(v), (x, y, z) = (a[0], a[1], a[2])
        guard y > 0 else { return max(0, -y, x, -z) }
        return x / y > 700 ? .infinity : max(0, y * exp(x / y) - z)
    case .dualExponential:
        // closure{(u, v, w) : −u e^{v/u − 1} ≤ w, u < 0} = that set ∪ {u = 0, v ≥ 0, w ≥ 0}.
        let a = Array(v), (u, w2, w) = (a[0], a[1], a[2])
        guard u < 0 else { return max(0, u, -w2, -w) }
        return w2 / u - 1 > 700 ? .infinity : max(0, -u * exp(w2 / u - 1) - w)
    case let .power(alpha):
        let a = Array(v)
        return max(0, -a[0], -a[1], abs(a[2]) - pow(max(a[0], 0), alpha) * pow(max(a[1], 0), 1 - alpha))
    case let .dualPower(alpha):
        let a = Array(v)
        return max(0, -a[0], -a[1], abs(a[2]) - pow(max(a[0], 0) / alpha, alpha) * pow(max(a[1], 0) / (1 - alpha), 1 - alpha))
    }
}

/// Smallest eigenvalue of a small symmetric matrix by cyclic Jacobi rotations (independent of
/// the LAPACK code under test).
public func testSmallestEigenvalue(_ matrix: [[Double]]) -> Double {
    var a = matrix
    let n = a.count
    for _ in 0..<100 {
        var off = 0.0
        for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
        if off < 1e-30 { break }
        for p in 0..<n { for q in (p + 1)..<max(n, p + 1) where abs(a[p][q]) > 1e-300 {
            let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
            let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
            let c = 1 / (t * t + 1).squareRoot(), s = t * c
            for k in 0..<n {
                let akp = a[k][p], akq = a[k][q]
                a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
            }
            for k in 0..<n {
                let apk = a[p][k], aqk = a[q][k]
                a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
            }
        } }
    }
    return (0..<n).map { a[$0][$0] }.min() ?? 0
}

/// How far `v` lies outside the dual cone `spec*` (the zero cone's dual is everything).
public func testDualConeViolation(_ spec: ConeSpec, _ v: ArraySlice<Double>) -> Double {
    switch spec {
    case .zero: return v.contains { !$0.isFinite } ? .infinity : 0
    case .nonnegative, .secondOrder, .positiveSemidefinite: return testConeViolation(spec, v)
    case .exponential: return testConeViolation(.dualExponential, v)
    case .dualExponential: return testConeViolation(.exponential, v)
    case let .power(alpha): return testConeViolation(.dualPower(alpha), v)
    case let .dualPower(alpha): return testConeViolation(.power(alpha), v)
    }
}

// MARK: - Optimality certificate

/// Verifies that `solution` is an optimal primal-dual pair of `problem`, recomputing every
/// quantity from the original data:
///
/// * the status is `.solved` (or `.almostSolved` with `allowAlmost`);
/// * the point `(x, s, z)` passes ``checkPrimalDualPoint(_:x:s:z:tol:label:recordIssues:sourceLocation:)``
///   (finite, residuals, gap, cone membership, complementarity);
/// * the reported objectives and residuals agree with the recomputed ones;
/// * optionally the objective equals `expectedObjective`.
///
/// `label` (e.g. the settings used) is added to every message.
/// Every failed condition is recorded with `#expect` at the caller's location (unless
/// `recordIssues` is false, which the checkers' own tests use); the result says whether all held.
@discardableResult
public func checkOptimality(_ problem: ConicProblem, _ solution: Solution, tol: Double = 1e-6,
                            allowAlmost: Bool = false, expectedObjective: Double? = nil, label: String = "",
                            recordIssues: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    var check = CertificateCheck(name: "checkOptimality", label: label, recordIssues: recordIssues, sourceLocation: sourceLocation)
    let acceptable = solution.status == .solved || (allowAlmost && solution.status == .almostSolved)
    check.expect(acceptable, "status is \(solution.status), expected solved\(allowAlmost ? " or almost_solved" : "")")
    guard let measured = checkPoint(problem, x: solution.x, s: solution.s, z: solution.z, tol: tol, &check) else {
        return false
    }
    // Reported values agree with the data.
    let objScale = 1 + abs(measured.objective)
    check.expect(abs(solution.primalObjective - measured.objective) <= 1e-9 * objScale + tol * 1e-2,
                 "reported primalObjective \(solution.primalObjective) differs from ½xᵀPx + qᵀx + c₀ = \(measured.objective)")
    check.expect(abs(solution.dualObjective - measured.dualObjective) <= 1e-9 * (1 + abs(measured.dualObjective)) + tol * 1e-2,
                 "reported dualObjective \(solution.dualObjective) differs from −½xᵀPx − bᵀz + c₀ = \(measured.dualObjective)")
    check.expect(abs(solution.primalResidual - measured.primalResidual) <= 1e-9 * (1 + measured.primalBound / tol),
                 "reported primalResidual \(solution.primalResidual) differs from recomputed \(measured.primalResidual)")
    check.expect(abs(solution.dualResidual - measured.dualResidual) <= 1e-9 * (1 + measured.dualBound / tol),
                 "reported dualResidual \(solution.dualResidual) differs from recomputed \(measured.dualResidual)")
    if let expected = expectedObjective {
        check.expect(abs(measured.objective - expected) <= tol * (1 + abs(expected)) * 10,
                     "objective \(measured.objective) differs from the known optimum \(expected)")
    }
    return check.holds
}

/// Verifies that `(x, s, z)` is an optimal primal-dual point of `problem` from the data alone, for
/// points that do not come as a ``Solution`` (read back from JSON, built by a caller):
///
/// * sizes match and every entry is finite;
/// * primal residual `‖Ax + s − b‖∞ ≤ tol·(1 + ‖b‖∞ + ‖Ax‖∞ + ‖s‖∞)`;
/// * dual residual `‖Px + Aᵀz + q‖∞ ≤ tol·(1 + ‖q‖∞ + ‖Px‖∞ + ‖Aᵀz‖∞)`;
/// * duality gap `|xᵀPx + qᵀx + bᵀz| ≤ tol·(1 + |xᵀPx| + |qᵀx| + |bᵀz|)`
///   (primal minus dual objective);
/// * `s ∈ K` within `tol·(1 + ‖s‖∞)` and `z ∈ K*` within `tol·(1 + ‖z‖∞)`, per cone in the user's
///   order (zero cone: `s = 0`, `z` free; orthant: `≥ 0`; SOC: `t ≥ ‖x‖`; the others by their
///   definitions, see ``testConeViolation(_:_:)``);
/// * complementarity: `|sₖᵀzₖ|` for every cone, and `|sᵀz|`, within the gap's bound.
@discardableResult
public func checkPrimalDualPoint(_ problem: ConicProblem, x: [Double], s: [Double], z: [Double], tol: Double = 1e-6,
                                 label: String = "", recordIssues: Bool = true,
                                 sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    var check = CertificateCheck(name: "checkPrimalDualPoint", label: label, recordIssues: recordIssues,
                                 sourceLocation: sourceLocation)
    return checkPoint(problem, x: x, s: s, z: z, tol: tol, &check) != nil && check.holds
}

/// Records the failed conditions of one check at the caller's location and remembers whether
/// all held.
private struct CertificateCheck {
    let name: String
    let label: String
    let recordIssues: Bool
    let sourceLocation: SourceLocation
    private(set) var holds = true

    init(name: String, label: String, recordIssues: Bool, sourceLocation: SourceLocation) {
        self.name = name
        self.label = label
        self.recordIssues = recordIssues
        self.sourceLocation = sourceLocation
    }

    mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if recordIssues {
            #expect(condition, "\(name)\(label.isEmpty ? "" : " [\(label)]"): \(message())", sourceLocation: sourceLocation)
        }
        if !condition { holds = false }
    }
}

/// What ``checkPoint(_:x:s:z:tol:_:)`` recomputed from the data, for comparisons with a report.
private struct RecomputedMeasures {
    let primalResidual: Double
    let primalBound: Double
    let dualResidual: Double
    let dualBound: Double
    let objective: Double
    let dualObjective: Double
}

/// The checks of ``checkPrimalDualPoint(_:x:s:z:tol:label:recordIssues:sourceLocation:)``; nil when
/// the sizes are wrong or an entry is not finite (nothing else can be measured then).
private func checkPoint(_ problem: ConicProblem, x: [Double], s: [Double], z: [Double], tol: Double,
                        _ check: inout CertificateCheck) -> RecomputedMeasures? {
    let n = problem.variableCount, m = problem.constraintCount
    guard x.count == n, s.count == m, z.count == m else {
        check.expect(false, "sizes: x \(x.count) (n = \(n)), s \(s.count), z \(z.count) (m = \(m))")
        return nil
    }
    let finite = (x + s + z).allSatisfy(\.isFinite)
    check.expect(finite, "non-finite entries in the solution: x = \(x), s = \(s), z = \(z)")
    guard finite else { return nil }

    let Ax = problem.A.multiply(x), Atz = problem.A.transposeMultiply(z), Px = problem.P.symmetricMultiply(x)
    // Primal residual.
    var rp = [Double](repeating: 0, count: m)
    for i in 0..<m { rp[i] = Ax[i] + s[i] - problem.b[i] }
    let primalBound = tol * (1 + certMaxAbs(problem.b) + certMaxAbs(Ax) + certMaxAbs(s))
    check.expect(certMaxAbs(rp) <= primalBound, "primal residual ‖Ax + s − b‖∞ = \(certMaxAbs(rp)) exceeds \(primalBound)")
    // Dual residual.
    var rd = [Double](repeating: 0, count: n)
    for j in 0..<n { rd[j] = Px[j] + Atz[j] + problem.q[j] }
    let dualBound = tol * (1 + certMaxAbs(problem.q) + certMaxAbs(Px) + certMaxAbs(Atz))
    check.expect(certMaxAbs(rd) <= dualBound, "dual residual ‖Px + Aᵀz + q‖∞ = \(certMaxAbs(rd)) exceeds \(dualBound)")
    // Gap.
    let xPx = certDot(x, Px), qx = certDot(problem.q, x), bz = certDot(problem.b, z)
    let gap = xPx + qx + bz
    let gapBound = tol * (1 + abs(xPx) + abs(qx) + abs(bz))
    check.expect(abs(gap) <= gapBound,
                 "duality gap |xᵀPx + qᵀx + bᵀz| = \(abs(gap)) exceeds \(gapBound) (xᵀPx = \(xPx), qᵀx = \(qx), bᵀz = \(bz))")
    // Cones and complementarity.
    let sScale = tol * (1 + certMaxAbs(s)), zScale = tol * (1 + certMaxAbs(z))
    for (index, (spec, r)) in testConeRanges(problem.cones).enumerated() {
        let sv = testConeViolation(spec, s[r]), zv = testDualConeViolation(spec, z[r])
        check.expect(sv <= sScale, "s is outside cone \(index) (\(spec)) by \(sv) > \(sScale): s = \(Array(s[r]))")
        check.expect(zv <= zScale, "z is outside the dual of cone \(index) (\(spec)) by \(zv) > \(zScale): z = \(Array(z[r]))")
        let sz = certDot(Array(s[r]), Array(z[r]))
        check.expect(abs(sz) <= gapBound, "complementarity of cone \(index) (\(spec)): sᵀz = \(sz) exceeds \(gapBound)")
    }
    let sz = certDot(s, z)
    check.expect(abs(sz) <= gapBound, "complementarity sᵀz = \(sz) exceeds \(gapBound)")
    return RecomputedMeasures(primalResidual: certMaxAbs(rp), primalBound: primalBound,
                              dualResidual: certMaxAbs(rd), dualBound: dualBound,
                              objective: problem.objective(at: x),
                              dualObjective: -0.5 * xPx - bz + problem.objectiveConstant)
}

// MARK: - Infeasibility certificates

/// Verifies a primal-infeasibility certificate `z`: `bᵀz < 0`, and after normalizing to
/// `bᵀz = −1`, `‖Aᵀz‖∞ ≤ tol` and `z ∈ K*` within `tol·max(1, ‖z‖∞)`.
/// With `normalized` (the solver's documented convention) `bᵀz = −1` is also expected of the
/// vector as given.
@discardableResult
public func checkPrimalInfeasibilityCertificate(_ problem: ConicProblem, _ z: [Double], tol: Double = 1e-6,
                                         normalized: Bool = true, recordIssues: Bool = true,
                                         sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    var check = CertificateCheck(name: "primal infeasibility certificate", label: "", recordIssues: recordIssues,
                                 sourceLocation: sourceLocation)
    func expect(_ condition: Bool, _ message: @autoclosure () -> String) { check.expect(condition, message()) }
    guard z.count == problem.constraintCount, z.allSatisfy(\.isFinite) else {
        expect(false, "z must be finite with \(problem.constraintCount) entries, got \(z)")
        return false
    }
    let bz = certDot(problem.b, z)
    expect(bz < 0, "bᵀz = \(bz) is not negative (z = \(z))")
    guard bz < 0 else { return false }
    if normalized {
        expect(abs(bz + 1) <= 1e-6, "z is not normalized: bᵀz = \(bz), expected −1")
    }
    let zn = z.map { $0 / -bz }
    let Atz = problem.A.transposeMultiply(zn)
    expect(certMaxAbs(Atz) <= tol, "‖Aᵀz‖∞ = \(certMaxAbs(Atz)) exceeds \(tol) with bᵀz = −1 (Aᵀz = \(Atz))")
    let coneTol = tol * max(1, certMaxAbs(zn))
    for (index, (spec, r)) in testConeRanges(problem.cones).enumerated() {
        let v = testDualConeViolation(spec, zn[r])
        expect(v <= coneTol, "z is outside the dual of cone \(index) (\(spec)) by \(v) > \(coneTol): z = \(Array(zn[r]))")
    }
    return check.holds
}

/// Verifies a dual-infeasibility (unboundedness) certificate `x`: `qᵀx < 0`, and after
/// normalizing to `qᵀx = −1`, `‖Px‖∞ ≤ tol` and `−Ax ∈ K` within `tol·max(1, ‖Ax‖∞)`.
/// With `normalized` (the solver's documented convention) `qᵀx = −1` is also expected of the
/// vector as given.
@discardableResult
public func checkDualInfeasibilityCertificate(_ problem: ConicProblem, _ x: [Double], tol: Double = 1e-6,
                                       normalized: Bool = true, recordIssues: Bool = true,
                                       sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    var check = CertificateCheck(name: "dual infeasibility certificate", label: "", recordIssues: recordIssues,
                                 sourceLocation: sourceLocation)
    func expect(_ condition: Bool, _ message: @autoclosure () -> String) { check.expect(condition, message()) }
    guard x.count == problem.variableCount, x.allSatisfy(\.isFinite) else {
        expect(false, "x must be finite with \(problem.variableCount) entries, got \(x)")
        return false
    }
    let qx = certDot(problem.q, x)
    expect(qx < 0, "qᵀx = \(qx) is not negative (x = \(x))")
    guard qx < 0 else { return false }
    if normalized {
        expect(abs(qx + 1) <= 1e-6, "x is not normalized: qᵀx = \(qx), expected −1")
    }
    let xn = x.map { $0 / -qx }
    let Px = problem.P.symmetricMultiply(xn)
    expect(certMaxAbs(Px) <= tol, "‖Px‖∞ = \(certMaxAbs(Px)) exceeds \(tol) with qᵀx = −1 (Px = \(Px))")
    let minusAx = problem.A.multiply(xn).map { -$0 }
    let coneTol = tol * max(1, certMaxAbs(minusAx))
    for (index, (spec, r)) in testConeRanges(problem.cones).enumerated() {
        let v = testConeViolation(spec, minusAx[r])
        expect(v <= coneTol, "−Ax is outside cone \(index) (\(spec)) by \(v) > \(coneTol): −Ax = \(Array(minusAx[r]))")
    }
    return check.holds
}

// MARK: - Points

/// The slack `s = b − Ax` of `problem` at `x`.
public func testSlack(_ problem: ConicProblem, _ x: [Double]) -> [Double] {
    var s = problem.b
    let Ax = problem.A.multiply(x)
    for i in s.indices { s[i] -= Ax[i] }
    return s
}
