import Foundation
import Testing
@testable import ConicSolver

// Shared helpers for the solver test suites: data builders, a seeded random generator and
// checks that verify optimality and infeasibility certificates from the ORIGINAL problem data
// (never from the solver's own reported residuals).

// MARK: - Vector helpers

/// `‖v‖∞` (0 for an empty vector; NaN propagates as NaN).
func certMaxAbs(_ v: [Double]) -> Double {
    var m = 0.0
    for x in v {
        if x.isNaN { return .nan }
        m = max(m, abs(x))
    }
    return m
}

/// `uᵀv`.
func certDot(_ u: [Double], _ v: [Double]) -> Double {
    precondition(u.count == v.count, "certDot: lengths \(u.count) and \(v.count) differ")
    var sum = 0.0
    for i in u.indices { sum += u[i] * v[i] }
    return sum
}

/// Euclidean norm.
func certNorm2(_ v: some Collection<Double>) -> Double {
    var sum = 0.0
    for x in v { sum += x * x }
    return sum.squareRoot()
}

// MARK: - Data builders

/// A sparse matrix from dense rows with an explicit column count (works for zero rows too).
func testMatrix(_ rows: [[Double]], columns n: Int) -> SparseMatrix {
    var r: [Int] = [], c: [Int] = [], v: [Double] = []
    for (i, row) in rows.enumerated() {
        precondition(row.count == n, "testMatrix: row \(i) has \(row.count) entries, expected \(n)")
        for (j, value) in row.enumerated() where value != 0 { r.append(i); c.append(j); v.append(value) }
    }
    return try! SparseMatrix(rowCount: rows.count, columnCount: n, rows: r, columns: c, values: v, name: "test")
}

/// The upper triangle (diagonal included) of a dense symmetric matrix, as the solver wants `P`.
func testUpperTriangle(_ dense: [[Double]]) -> SparseMatrix {
    let n = dense.count
    var r: [Int] = [], c: [Int] = [], v: [Double] = []
    for i in 0..<n {
        precondition(dense[i].count == n, "testUpperTriangle: matrix is not square")
        for j in i..<n where dense[i][j] != 0 {
            precondition(abs(dense[i][j] - dense[j][i]) <= 1e-12 * max(1, abs(dense[i][j])),
                         "testUpperTriangle: matrix is not symmetric at (\(i), \(j))")
            r.append(i); c.append(j); v.append(dense[i][j])
        }
    }
    return try! SparseMatrix(rowCount: n, columnCount: n, rows: r, columns: c, values: v, name: "P")
}

/// Dense row-major copy of a sparse matrix (entries summed).
func testDense(_ M: SparseMatrix) -> [[Double]] {
    var rows = [[Double]](repeating: [Double](repeating: 0, count: M.columnCount), count: M.rowCount)
    for j in 0..<M.columnCount {
        for k in M.columnStarts[j]..<M.columnStarts[j + 1] { rows[M.rowIndices[k]][j] += M.values[k] }
    }
    return rows
}

/// The row ranges of the cones of a problem, in the order the user gave them.
func testConeRanges(_ cones: [ConeSpec]) -> [(ConeSpec, Range<Int>)] {
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
func testConeViolation(_ spec: ConeSpec, _ v: ArraySlice<Double>) -> Double {
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
func testSmallestEigenvalue(_ matrix: [[Double]]) -> Double {
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
func testDualConeViolation(_ spec: ConeSpec, _ v: ArraySlice<Double>) -> Double {
    switch spec {
    case .zero: return v.contains { !$0.isFinite } ? .infinity : 0
    case .nonnegative, .secondOrder, .positiveSemidefinite: return testConeViolation(spec, v)
    case .exponential: return testConeViolation(.dualExponential, v)
    case .dualExponential: return testConeViolation(.exponential, v)
    case let .power(alpha): return testConeViolation(.dualPower(alpha), v)
    case let .dualPower(alpha): return testConeViolation(.power(alpha), v)
    }
}

// MARK: - Seeded random numbers

/// SplitMix64: a tiny deterministic generator so that "random" tests are reproducible.
struct TestSeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ low: Double, _ high: Double) -> Double { Double.random(in: low..<high, using: &self) }
    mutating func vector(_ count: Int, _ low: Double, _ high: Double) -> [Double] {
        (0..<count).map { _ in uniform(low, high) }
    }
}

// MARK: - Comparisons

/// Expects `|actual − expected| ≤ tol·(1 + |expected|)`.
@discardableResult
func expectClose(_ actual: Double, _ expected: Double, tol: Double = 1e-6, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let ok = abs(actual - expected) <= tol * (1 + abs(expected))
    #expect(ok, "\(what): got \(actual), expected \(expected) (tolerance \(tol) relative)", sourceLocation: sourceLocation)
    return ok
}

/// Expects `‖actual − expected‖∞ ≤ tol·(1 + ‖expected‖∞)` and equal lengths.
@discardableResult
func expectClose(_ actual: [Double], _ expected: [Double], tol: Double = 1e-6, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    guard actual.count == expected.count else {
        Issue.record("\(what): length \(actual.count), expected \(expected.count)", sourceLocation: sourceLocation)
        return false
    }
    var worst = 0.0, at = 0
    for i in actual.indices {
        let d = abs(actual[i] - expected[i])
        if !(d <= worst) { worst = d; at = i }  // NaN also lands here
    }
    let ok = worst <= tol * (1 + certMaxAbs(expected))
    #expect(ok, "\(what): largest difference \(worst) at index \(at) (got \(actual), expected \(expected), tolerance \(tol) relative)",
            sourceLocation: sourceLocation)
    return ok
}

// MARK: - Optimality certificate

/// Verifies that `solution` is an optimal primal-dual pair of `problem`, recomputing every
/// quantity from the original data:
///
/// * the status is `.solved` (or `.almostSolved` with `allowAlmost`) and `x`, `s`, `z` are finite;
/// * primal residual `‖Ax + s − b‖∞ ≤ tol·(1 + ‖b‖∞ + ‖Ax‖∞ + ‖s‖∞)`;
/// * dual residual `‖Px + Aᵀz + q‖∞ ≤ tol·(1 + ‖q‖∞ + ‖Px‖∞ + ‖Aᵀz‖∞)`;
/// * duality gap `|xᵀPx + qᵀx + bᵀz| ≤ tol·(1 + |xᵀPx| + |qᵀx| + |bᵀz|)`
///   (primal minus dual objective);
/// * `s ∈ K` within `tol·(1 + ‖s‖∞)` and `z ∈ K*` within `tol·(1 + ‖z‖∞)`, per cone in the user's
///   order (zero cone: `s = 0`, `z` free; orthant: `≥ 0`; SOC: `t ≥ ‖x‖`);
/// * complementarity: `|sₖᵀzₖ|` for every cone, and `|sᵀz|`, within the gap's bound;
/// * the reported objectives and residuals agree with the recomputed ones;
/// * optionally the objective equals `expectedObjective`.
///
/// `label` (e.g. the settings used) is added to every message.
/// Every failed condition is recorded with `#expect` at the caller's location (unless
/// `recordIssues` is false, which the checkers' own tests use); the result says whether all held.
@discardableResult
func checkOptimality(_ problem: ConicProblem, _ solution: Solution, tol: Double = 1e-6,
                     allowAlmost: Bool = false, expectedObjective: Double? = nil, label: String = "",
                     recordIssues: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    var ok = true
    func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if recordIssues { #expect(condition, "checkOptimality\(label.isEmpty ? "" : " [\(label)]"): \(message())", sourceLocation: sourceLocation) }
        if !condition { ok = false }
    }
    let acceptable = solution.status == .solved || (allowAlmost && solution.status == .almostSolved)
    expect(acceptable, "status is \(solution.status), expected solved\(allowAlmost ? " or almost_solved" : "")")
    let (x, s, z) = (solution.x, solution.s, solution.z)
    let n = problem.variableCount, m = problem.constraintCount
    guard x.count == n, s.count == m, z.count == m else {
        expect(false, "sizes: x \(x.count) (n = \(n)), s \(s.count), z \(z.count) (m = \(m))")
        return false
    }
    let finite = (x + s + z).allSatisfy(\.isFinite)
    expect(finite, "non-finite entries in the solution: x = \(x), s = \(s), z = \(z)")
    guard finite else { return false }

    let Ax = problem.A.multiply(x), Atz = problem.A.transposeMultiply(z), Px = problem.P.symmetricMultiply(x)
    // Primal residual.
    var rp = [Double](repeating: 0, count: m)
    for i in 0..<m { rp[i] = Ax[i] + s[i] - problem.b[i] }
    let primalBound = tol * (1 + certMaxAbs(problem.b) + certMaxAbs(Ax) + certMaxAbs(s))
    expect(certMaxAbs(rp) <= primalBound, "primal residual ‖Ax + s − b‖∞ = \(certMaxAbs(rp)) exceeds \(primalBound)")
    // Dual residual.
    var rd = [Double](repeating: 0, count: n)
    for j in 0..<n { rd[j] = Px[j] + Atz[j] + problem.q[j] }
    let dualBound = tol * (1 + certMaxAbs(problem.q) + certMaxAbs(Px) + certMaxAbs(Atz))
    expect(certMaxAbs(rd) <= dualBound, "dual residual ‖Px + Aᵀz + q‖∞ = \(certMaxAbs(rd)) exceeds \(dualBound)")
    // Gap.
    let xPx = certDot(x, Px), qx = certDot(problem.q, x), bz = certDot(problem.b, z)
    let gap = xPx + qx + bz
    let gapBound = tol * (1 + abs(xPx) + abs(qx) + abs(bz))
    expect(abs(gap) <= gapBound, "duality gap |xᵀPx + qᵀx + bᵀz| = \(abs(gap)) exceeds \(gapBound) (xᵀPx = \(xPx), qᵀx = \(qx), bᵀz = \(bz))")
    // Cones and complementarity.
    let sScale = tol * (1 + certMaxAbs(s)), zScale = tol * (1 + certMaxAbs(z))
    for (index, (spec, r)) in testConeRanges(problem.cones).enumerated() {
        let sv = testConeViolation(spec, s[r]), zv = testDualConeViolation(spec, z[r])
        expect(sv <= sScale, "s is outside cone \(index) (\(spec)) by \(sv) > \(sScale): s = \(Array(s[r]))")
        expect(zv <= zScale, "z is outside the dual of cone \(index) (\(spec)) by \(zv) > \(zScale): z = \(Array(z[r]))")
        let sz = certDot(Array(s[r]), Array(z[r]))
        expect(abs(sz) <= gapBound, "complementarity of cone \(index) (\(spec)): sᵀz = \(sz) exceeds \(gapBound)")
    }
    let sz = certDot(s, z)
    expect(abs(sz) <= gapBound, "complementarity sᵀz = \(sz) exceeds \(gapBound)")
    // Reported values agree with the data.
    let objective = problem.objective(at: x)
    let dualObjective = -0.5 * xPx - bz + problem.objectiveConstant
    let objScale = 1 + abs(objective)
    expect(abs(solution.primalObjective - objective) <= 1e-9 * objScale + tol * 1e-2,
           "reported primalObjective \(solution.primalObjective) differs from ½xᵀPx + qᵀx + c₀ = \(objective)")
    expect(abs(solution.dualObjective - dualObjective) <= 1e-9 * (1 + abs(dualObjective)) + tol * 1e-2,
           "reported dualObjective \(solution.dualObjective) differs from −½xᵀPx − bᵀz + c₀ = \(dualObjective)")
    expect(abs(solution.primalResidual - certMaxAbs(rp)) <= 1e-9 * (1 + primalBound / tol),
           "reported primalResidual \(solution.primalResidual) differs from recomputed \(certMaxAbs(rp))")
    expect(abs(solution.dualResidual - certMaxAbs(rd)) <= 1e-9 * (1 + dualBound / tol),
           "reported dualResidual \(solution.dualResidual) differs from recomputed \(certMaxAbs(rd))")
    if let expected = expectedObjective {
        expect(abs(objective - expected) <= tol * (1 + abs(expected)) * 10,
               "objective \(objective) differs from the known optimum \(expected)")
    }
    return ok
}

// MARK: - Infeasibility certificates

/// Verifies a primal-infeasibility certificate `z`: `bᵀz < 0`, and after normalizing to
/// `bᵀz = −1`, `‖Aᵀz‖∞ ≤ tol` and `z ∈ K*` within `tol·max(1, ‖z‖∞)`.
/// With `normalized` (the solver's documented convention) `bᵀz = −1` is also expected of the
/// vector as given.
@discardableResult
func checkPrimalInfeasibilityCertificate(_ problem: ConicProblem, _ z: [Double], tol: Double = 1e-6,
                                         normalized: Bool = true, recordIssues: Bool = true,
                                         sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    var ok = true
    func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if recordIssues { #expect(condition, "primal infeasibility certificate: \(message())", sourceLocation: sourceLocation) }
        if !condition { ok = false }
    }
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
    return ok
}

/// Verifies a dual-infeasibility (unboundedness) certificate `x`: `qᵀx < 0`, and after
/// normalizing to `qᵀx = −1`, `‖Px‖∞ ≤ tol` and `−Ax ∈ K` within `tol·max(1, ‖Ax‖∞)`.
/// With `normalized` (the solver's documented convention) `qᵀx = −1` is also expected of the
/// vector as given.
@discardableResult
func checkDualInfeasibilityCertificate(_ problem: ConicProblem, _ x: [Double], tol: Double = 1e-6,
                                       normalized: Bool = true, recordIssues: Bool = true,
                                       sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    var ok = true
    func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if recordIssues { #expect(condition, "dual infeasibility certificate: \(message())", sourceLocation: sourceLocation) }
        if !condition { ok = false }
    }
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
    return ok
}

// MARK: - Errors

/// Runs `body`, expects it to throw a `ConicError`, and returns it (recording an issue otherwise).
func conicError(_ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) -> ConicError? {
    do {
        try body()
        Issue.record("\(what): no error was thrown", sourceLocation: sourceLocation)
    } catch let error as ConicError {
        return error
    } catch {
        Issue.record("\(what): expected a ConicError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

// MARK: - Readers

/// The line number and message of the `ConicError.parse` that `parse` throws for `text` (checking
/// that it names `fileName`), or nil — with an issue recorded for any other error — if none is thrown.
func expectedParseError(_ text: String, fileName: String = "<input>",
                        _ parse: (String, String) throws -> ConicProblem) -> (line: Int, message: String)? {
    do {
        _ = try parse(text, fileName)
        return nil
    } catch let ConicError.parse(file, line, message) {
        #expect(file == fileName)
        return (line, message)
    } catch {
        Issue.record("expected ConicError.parse, got \(error)")
        return nil
    }
}

/// The slack `s = b − Ax` of `problem` at `x`.
func testSlack(_ problem: ConicProblem, _ x: [Double]) -> [Double] {
    var s = problem.b
    let Ax = problem.A.multiply(x)
    for i in s.indices { s[i] -= Ax[i] }
    return s
}
