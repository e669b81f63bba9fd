import Testing
@testable import ConicSolver
import ConicTestSupport

// Small problems with solutions derived by hand (the derivation is in each comment), random
// feasible QPs, and the solver settings. Every solved problem goes through `checkOptimality`,
// which recomputes residuals, gap, cone membership and complementarity from the original data.
//
// Notation: constraints are `Ax + s = b, s ∈ K`, so a row `aᵀx ≤ β` is `a` in A and `β` in b
// with a nonnegative cone, and a cone membership `(t, v) ∈ SOC` for `(t, v) = b − Ax`.

/// Solves `problem` with each form of the Newton system (automatic, reduced, quasi-definite),
/// runs `checkOptimality` on every solution and returns the one of the automatic form.
@discardableResult
private func solveAndCheck(_ problem: ConicProblem, settings: SolverSettings = SolverSettings(),
                           objective: Double? = nil, tol: Double = 1e-6,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> Solution {
    var first: Solution? = nil
    for form in [NewtonSystemForm.automatic, .reduced, .quasiDefinite] {
        var s = settings
        s.newtonSystem = form
        let solution = try solve(problem, settings: s)
        checkOptimality(problem, solution, tol: tol, expectedObjective: objective, label: "newtonSystem \(form)",
                        sourceLocation: sourceLocation)
        if let objective {
            expectClose(solution.primalObjective, objective, tol: 1e-6, "primal objective [newtonSystem \(form)]",
                        sourceLocation: sourceLocation)
        }
        if first == nil { first = solution }
    }
    return first!
}

// MARK: - Problem builders shared by several tests

/// LP with equalities and inequalities and a unique, nondegenerate vertex.
///
///     minimize −x − 2y + 3w
///     s.t.     x + y + w = 5,  x − w = 1,  y ≤ 2,  x, y, w ≥ 0.
///
/// The equalities give x = 1 + w, y = 4 − 2w, so the objective is −9 + 6w; y ≤ 2 means w ≥ 1 and
/// y ≥ 0 means w ≤ 2: the optimum is w = 1, x = (2, 2, 1), objective −3.
/// Duals from `q + Aᵀz = 0` with only the equalities (ν₁, ν₂) and y ≤ 2 (μ) active:
/// −1 + ν₁ + ν₂ = 0, −2 + ν₁ + μ = 0, 3 + ν₁ − ν₂ = 0 ⇒ ν = (−1, 2), μ = 3 > 0 (strict
/// complementarity), so z = (−1, 2, 3, 0, 0, 0).
/// `rowScale[i]` multiplies row i of A and b (z then scales by 1/rowScale[i]).
private func vertexLP(rowScale: [Double] = [Double](repeating: 1, count: 6)) -> ConicProblem {
    let rows: [[Double]] = [[1, 1, 1], [1, 0, -1], [0, 1, 0], [-1, 0, 0], [0, -1, 0], [0, 0, -1]]
    let b: [Double] = [5, 1, 2, 0, 0, 0]
    let A = testMatrix(rows.enumerated().map { i, row in row.map { $0 * rowScale[i] } }, columns: 3)
    return try! ConicProblem(q: [-1, -2, 3], A: A, b: b.enumerated().map { $0.element * rowScale[$0.offset] },
                             cones: [.zero(2), .nonnegative(4)])
}
private let vertexLPSolution: [Double] = [2, 2, 1]
private let vertexLPDual: [Double] = [-1, 2, 3, 0, 0, 0]

/// A feasible, bounded random QP built around a known point `x0` (seeded):
///
/// * `P = GᵀG` with `G` 20×30, so `P` is PSD and rank-deficient;
/// * 5 equality rows with `b = A x0`;
/// * 40 inequality rows with `b = A x0 + slack`, slack ∈ [0.1, 1);
/// * one second-order cone of dimension 5 with `b − A x0` strictly inside it;
/// * box rows `|x − x0| ≤ u`, u ∈ [0.5, 2), which keep the problem bounded.
///
/// The 50 general rows plus 60 box rows give m = 110; cones are zero, orthant, SOC, orthant.
func randomFeasibleQP(seed: UInt64, n: Int = 30) -> ConicProblem { randomFeasibleQPWithPoint(seed: seed, n: n).problem }

/// `randomFeasibleQP` together with its strictly feasible point `x0`; `quadratic: false` makes
/// it an LP (P = 0, still bounded by the box) and `socDimensions` lists its second-order cones.
func randomFeasibleQPWithPoint(seed: UInt64, n: Int = 30, quadratic: Bool = true,
                               socDimensions: [Int] = [5]) -> (problem: ConicProblem, x0: [Double]) {
    var rng = TestSeededGenerator(seed: seed)
    let k = 20
    let G = (0..<k).map { _ in rng.vector(n, -1, 1) }
    var P = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n { for j in 0..<n { for r in 0..<k { P[i][j] += G[r][i] * G[r][j] } } }
    let q = rng.vector(n, -1, 1)
    let x0 = rng.vector(n, -1, 1)
    func sparseRow() -> [Double] { (0..<n).map { _ in rng.uniform(0, 1) < 0.3 ? rng.uniform(-1, 1) : 0 } }
    func apply(_ row: [Double]) -> Double { certDot(row, x0) }
    var rows: [[Double]] = [], b: [Double] = []
    for _ in 0..<5 { let r = sparseRow(); rows.append(r); b.append(apply(r)) }
    for _ in 0..<40 { let r = sparseRow(); rows.append(r); b.append(apply(r) + rng.uniform(0.1, 1)) }
    // SOC rows: b = A x0 + s0 with s0 = (‖tail‖ + margin, tail).
    for d in socDimensions {
        let tail = rng.vector(d - 1, -1, 1)
        let s0 = [certNorm2(tail) + rng.uniform(0.1, 1)] + tail
        for i in 0..<d { let r = sparseRow(); rows.append(r); b.append(apply(r) + s0[i]) }
    }
    for j in 0..<n {
        let u = rng.uniform(0.5, 2)
        var up = [Double](repeating: 0, count: n); up[j] = 1
        var down = [Double](repeating: 0, count: n); down[j] = -1
        rows.append(up); b.append(x0[j] + u)
        rows.append(down); b.append(-x0[j] + u)
    }
    let cones: [ConeSpec] = [.zero(5), .nonnegative(40)] + socDimensions.map { .secondOrder($0) } + [.nonnegative(2 * n)]
    let problem = try! ConicProblem(P: quadratic ? testUpperTriangle(P) : nil, q: q, A: testMatrix(rows, columns: n), b: b,
                                    cones: cones)
    return (problem, x0)
}

@Suite("Problems with known solutions")
struct ProblemTests {

    // MARK: Linear programs

    /// minimize x + y s.t. x + y ≥ 1, x, y ≥ 0. Every point of the segment x + y = 1, x, y ≥ 0
    /// is optimal (a degenerate, non-unique optimum) with objective 1; the dual is unique:
    /// `q + Aᵀz = 0` gives 1 − z₁ − z₂ = 0 and 1 − z₁ − z₃ = 0, and z₂ = z₃ = 0 on the interior
    /// of the segment, so z = (1, 0, 0) for the analytic-centre solution an interior-point method finds.
    @Test func degenerateLP() throws {
        let A = testMatrix([[-1, -1], [-1, 0], [0, -1]], columns: 2)
        let problem = try ConicProblem(q: [1, 1], A: A, b: [-1, 0, 0], cones: [.nonnegative(3)])
        let solution = try solveAndCheck(problem, objective: 1)
        expectClose(solution.x[0] + solution.x[1], 1, tol: 1e-6, "x + y")
        expectClose(solution.z[0], 1, tol: 1e-6, "multiplier of x + y ≥ 1")
    }

    /// See `vertexLP`: unique vertex (2, 2, 1), objective −3, unique dual.
    @Test func lpWithEqualitiesAndInequalities() throws {
        let problem = vertexLP()
        let solution = try solveAndCheck(problem, objective: -3)
        expectClose(solution.x, vertexLPSolution, tol: 1e-6, "x")
        expectClose(solution.z, vertexLPDual, tol: 1e-6, "z")
    }

    /// Free variables: minimize x₁ + x₂ s.t. x₁ + 2x₂ ≥ −4, 2x₁ + x₂ ≥ −5, no sign constraints.
    /// (1, 1) = ⅓(1, 2) + ⅓(2, 1), so the LP is bounded with both rows active:
    /// x₁ + 2x₂ = −4, 2x₁ + x₂ = −5 ⇒ x = (−2, −1), objective −3, z = (⅓, ⅓).
    @Test func freeVariableLP() throws {
        let A = testMatrix([[-1, -2], [-2, -1]], columns: 2)
        let problem = try ConicProblem(q: [1, 1], A: A, b: [4, 5], cones: [.nonnegative(2)])
        let solution = try solveAndCheck(problem, objective: -3)
        expectClose(solution.x, [-2, -1], tol: 1e-6, "x")
        expectClose(solution.z, [1.0 / 3, 1.0 / 3], tol: 1e-6, "z")
    }

    /// Redundant equalities: minimize x₁ + 2x₂ s.t. x₁ + x₂ = 1 (given twice, and once more as
    /// 2x₁ + 2x₂ = 2), x ≥ 0. On the line x₁ + x₂ = 1 the objective is 1 + x₂, so x = (1, 0) and
    /// the objective is 1. The equality multipliers are not unique (A has rank 1 on those rows).
    @Test func redundantEqualityRowsLP() throws {
        let A = testMatrix([[1, 1], [1, 1], [2, 2], [-1, 0], [0, -1]], columns: 2)
        let problem = try ConicProblem(q: [1, 2], A: A, b: [1, 1, 2, 0, 0], cones: [.zero(3), .nonnegative(2)])
        let solution = try solveAndCheck(problem, objective: 1)
        expectClose(solution.x, [1, 0], tol: 1e-6, "x")
    }

    /// The same with a QP: minimize ½‖x‖² s.t. x₁ + x₂ = 2 twice and 3x₁ + 3x₂ = 6.
    /// The projection of the origin onto the line is x = (1, 1), objective 1.
    @Test func redundantEqualityRowsQP() throws {
        let A = testMatrix([[1, 1], [1, 1], [3, 3]], columns: 2)
        let problem = try ConicProblem(P: testUpperTriangle([[1, 0], [0, 1]]), q: [0, 0], A: A, b: [2, 2, 6],
                                       cones: [.zero(3)])
        let solution = try solveAndCheck(problem, objective: 1)
        expectClose(solution.x, [1, 1], tol: 1e-6, "x")
    }

    /// Badly scaled rows: `vertexLP` with every row multiplied by 1e4, by 1e-4, and alternately
    /// by 1e4 and 1e-4. The primal solution is unchanged; z scales by the inverse factor.
    @Test(arguments: [
        [Double](repeating: 1e4, count: 6),
        [Double](repeating: 1e-4, count: 6),
        [1e4, 1e-4, 1e4, 1e-4, 1e4, 1e-4],
        [1e-4, 1e4, 1e-4, 1e4, 1e-4, 1e4],
    ])
    func rowScaledLP(rowScale: [Double]) throws {
        let problem = vertexLP(rowScale: rowScale)
        let solution = try solveAndCheck(problem, objective: -3)
        expectClose(solution.x, vertexLPSolution, tol: 1e-6, "x with row scales \(rowScale)")
        // z scales by 1/rowScale: compare rowScale·z with the dual of the unscaled LP.
        let unscaledZ = zip(solution.z, rowScale).map { $0 * $1 }
        expectClose(unscaledZ, vertexLPDual, tol: 1e-6, "rowScale·z with row scales \(rowScale)")
    }

    // MARK: Quadratic programs

    /// Equality-constrained QP: minimize ½(x₁² + 2x₂² + 3x₃²) + x₁ − x₃
    /// s.t. x₁ + x₂ + x₃ = 1, x₁ − x₂ = 0.
    /// KKT: Dx + q + Aᵀz = 0 ⇒ x₁ = −(1 + z₁ + z₂), x₂ = −(z₁ − z₂)/2, x₃ = (1 − z₁)/3.
    /// x₁ = x₂ ⇒ z₁ + 3z₂ = −2; x₁ + x₂ + x₃ = 1 ⇒ −7z₁ − 6z₂ = 8; so z = (−⅘, −⅖) and
    /// x = (⅕, ⅕, ⅗), objective ½(1 + 2 + 27)/25 + ⅕ − ⅗ = ⅕.
    @Test func equalityConstrainedQP() throws {
        let P = testUpperTriangle([[1, 0, 0], [0, 2, 0], [0, 0, 3]])
        let A = testMatrix([[1, 1, 1], [1, -1, 0]], columns: 3)
        let problem = try ConicProblem(P: P, q: [1, 0, -1], A: A, b: [1, 0], cones: [.zero(2)])
        let solution = try solveAndCheck(problem, objective: 0.2)
        expectClose(solution.x, [0.2, 0.2, 0.6], tol: 1e-6, "x")
        expectClose(solution.z, [-0.8, -0.4], tol: 1e-6, "z")
    }

    /// Box-constrained QP with active bounds: minimize ½‖x − c‖² with c = (2, −3, ½) over
    /// −1 ≤ x ≤ 1, written as P = I, q = −c, c₀ = ½‖c‖² = 6.625. The solution is the clipped
    /// c = (1, −1, ½), objective ½(1 + 4) = 2.5. Multipliers: x₁ − 2 + z(x₁ ≤ 1) = 0 ⇒ 1;
    /// x₂ + 3 − z(−x₂ ≤ 1) = 0 ⇒ 2; the others are 0.
    @Test func boxConstrainedQP() throws {
        let n = 3
        var rows: [[Double]] = []
        for j in 0..<n { var r = [Double](repeating: 0, count: n); r[j] = 1; rows.append(r) }
        for j in 0..<n { var r = [Double](repeating: 0, count: n); r[j] = -1; rows.append(r) }
        let c = [2.0, -3, 0.5]
        let problem = try ConicProblem(P: testUpperTriangle([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), q: c.map { -$0 },
                                       A: testMatrix(rows, columns: n), b: [Double](repeating: 1, count: 2 * n),
                                       cones: [.nonnegative(2 * n)], objectiveConstant: 6.625)
        let solution = try solveAndCheck(problem, objective: 2.5)
        expectClose(solution.x, [1, -1, 0.5], tol: 1e-6, "x")
        expectClose(solution.z, [1, 0, 0, 0, 2, 0], tol: 1e-6, "z")
    }

    /// Singular (rank-one) P: minimize ½(x₁ + x₂)² − 3x₁ − x₂ over 0 ≤ x ≤ 2.
    /// With u = x₁ + x₂ the gradient is (u − 3, u − 1). At x = (2, 0), u = 2, the gradient
    /// (−1, 1) pushes x₁ up against 2 and x₂ down against 0, and every feasible direction
    /// d (d₁ ≤ 0, d₂ ≥ 0) has slope −d₁ + d₂ > 0: the unique optimum, objective 2 − 6 = −4.
    /// Multipliers: 1 on x₁ ≤ 2 and 1 on −x₂ ≤ 0.
    @Test func singularPQP() throws {
        let P = testUpperTriangle([[1, 1], [1, 1]])
        let A = testMatrix([[1, 0], [0, 1], [-1, 0], [0, -1]], columns: 2)
        let problem = try ConicProblem(P: P, q: [-3, -1], A: A, b: [2, 2, 0, 0], cones: [.nonnegative(4)])
        let solution = try solveAndCheck(problem, objective: -4)
        expectClose(solution.x, [2, 0], tol: 1e-6, "x")
        expectClose(solution.z, [1, 0, 0, 1], tol: 1e-6, "z")
    }

    /// No constraints at all (m = 0): minimize ½(x₁² + 4x₂²) − 2x₁ + 4x₂ + 1. The gradient
    /// (x₁ − 2, 4x₂ + 4) vanishes at x = (2, −1); objective ½(4 + 4) − 4 − 4 + 1 = −3.
    @Test func unconstrainedQP() throws {
        let problem = try ConicProblem(P: testUpperTriangle([[1, 0], [0, 4]]), q: [-2, 4],
                                       A: .zeros(0, 2), b: [], cones: [], objectiveConstant: 1)
        let solution = try solveAndCheck(problem, objective: -3)
        expectClose(solution.x, [2, -1], tol: 1e-6, "x")
    }

    // MARK: Second-order cone programs

    /// Distance from a = (1, 2) to the line x₁ + x₂ = 0: minimize t s.t. ‖x − a‖ ≤ t,
    /// x₁ + x₂ = 0. The projection is a − ((a₁ + a₂)/2)(1, 1) = (−½, ½), the distance
    /// |a₁ + a₂|/√2 = 3/√2. Variables (t, x₁, x₂); SOC rows (t, x₁ − 1, x₂ − 2).
    @Test func projectionDistanceSOCP() throws {
        let A = testMatrix([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [0, 1, 1]], columns: 3)
        let problem = try ConicProblem(q: [1, 0, 0], A: A, b: [0, -1, -2, 0], cones: [.secondOrder(3), .zero(1)])
        let d = 3 / 2.0.squareRoot()
        let solution = try solveAndCheck(problem, objective: d)
        expectClose(solution.x, [d, -0.5, 0.5], tol: 1e-6, "(t, x)")
    }

    /// Minimum-norm point of the plane aᵀx = 1 with a = (1, 2, 2): x = a/‖a‖² = a/9,
    /// ‖x‖ = 1/‖a‖ = ⅓. Variables (t, x); (t, x) ∈ SOC(4).
    @Test func minimumNormSOCP() throws {
        let A = testMatrix([[0, 1, 2, 2], [-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, -1, 0], [0, 0, 0, -1]], columns: 4)
        let problem = try ConicProblem(q: [1, 0, 0, 0], A: A, b: [1, 0, 0, 0, 0], cones: [.zero(1), .secondOrder(4)])
        let solution = try solveAndCheck(problem, objective: 1.0 / 3)
        expectClose(solution.x, [1.0 / 3, 1.0 / 9, 2.0 / 9, 2.0 / 9], tol: 1e-6, "(t, x)")
    }

    /// Robust LP (no rotated cones): maximize x₁ + x₂ s.t. (a + u)ᵀx ≤ 1 for all ‖u‖ ≤ 1 with
    /// a = (1, 1), i.e. aᵀx + ‖x‖ ≤ 1, plus the inactive bounds x ≤ 10.
    /// For ‖x‖ = r, aᵀx ≤ √2 r (Cauchy–Schwarz) and aᵀx ≤ 1 − r, so the best value is at
    /// √2 r = 1 − r: r = √2 − 1, x₁ = x₂ = 1/(2 + √2), objective −(2 − √2) = √2 − 2.
    /// Variables (x₁, x₂, t) with x₁ + x₂ + t ≤ 1 and (t, x₁, x₂) ∈ SOC(3).
    @Test func robustLP() throws {
        let A = testMatrix([[1, 1, 1], [1, 0, 0], [0, 1, 0],
                            [0, 0, -1], [-1, 0, 0], [0, -1, 0]], columns: 3)
        let problem = try ConicProblem(q: [-1, -1, 0], A: A, b: [1, 10, 10, 0, 0, 0],
                                       cones: [.nonnegative(3), .secondOrder(3)])
        let solution = try solveAndCheck(problem, objective: 2.0.squareRoot() - 2)
        let u = 1 / (2 + 2.0.squareRoot())
        expectClose(solution.x, [u, u, 2.0.squareRoot() - 1], tol: 1e-6, "(x, t)")
    }

    /// Mixed cones in a non-standard order: SOC, zero, nonnegative (plus an empty one), SOC.
    /// minimize t₁ + t₂ s.t. ‖(x₁, x₂)‖ ≤ t₁, x₁ + x₂ = 2, x₁ ≥ 1.5, t₁ ≤ 100,
    /// ‖(x₁ − 2, x₂ − 2)‖ ≤ t₂. On the line x = (u, 2 − u) both distances equal
    /// √(u² + (2 − u)²), increasing for u > 1, so u = 1.5: x = (1.5, 0.5), t₁ = t₂ = √2.5,
    /// objective 2√2.5 = √10. Variables (x₁, x₂, t₁, t₂).
    @Test func mixedConesInNonStandardOrder() throws {
        let A = testMatrix([
            [0, 0, -1, 0], [-1, 0, 0, 0], [0, -1, 0, 0],  // SOC(3): (t₁, x₁, x₂)
            [1, 1, 0, 0],                                  // zero: x₁ + x₂ = 2
            [-1, 0, 0, 0], [0, 0, 1, 0],                   // x₁ ≥ 1.5, t₁ ≤ 100
            [0, 0, 0, -1], [-1, 0, 0, 0], [0, -1, 0, 0],  // SOC(3): (t₂, x₁ − 2, x₂ − 2)
        ], columns: 4)
        let problem = try ConicProblem(q: [0, 0, 1, 1], A: A, b: [0, 0, 0, 2, -1.5, 100, 0, -2, -2],
                                       cones: [.secondOrder(3), .zero(1), .nonnegative(2), .nonnegative(0), .secondOrder(3)])
        let solution = try solveAndCheck(problem, objective: 10.0.squareRoot())
        let r = 2.5.squareRoot()
        expectClose(solution.x, [1.5, 0.5, r, r], tol: 1e-6, "(x, t)")
    }

    /// Second-order cones of dimension 1 and 2: minimize t + y + w s.t. (t, x − 3) ∈ SOC(2)
    /// (|x − 3| ≤ t), y ∈ SOC(1) (y ≥ 0), x − 4 ∈ SOC(1) (x ≥ 4), (w, 1) ∈ SOC(2) (w ≥ 1).
    /// Then t = x − 3 ≥ 1, y = 0, w = 1: x = 4, objective 2. Variables (x, t, y, w).
    @Test func secondOrderConesOfDimensionOneAndTwo() throws {
        let A = testMatrix([
            [0, -1, 0, 0], [-1, 0, 0, 0],  // SOC(2): (t, x − 3)
            [0, 0, -1, 0],                 // SOC(1): y
            [-1, 0, 0, 0],                 // SOC(1): x − 4
            [0, 0, 0, -1], [0, 0, 0, 0],   // SOC(2): (w, 1)
        ], columns: 4)
        let problem = try ConicProblem(q: [0, 1, 1, 1], A: A, b: [0, -3, 0, -4, 0, 1],
                                       cones: [.secondOrder(2), .secondOrder(1), .secondOrder(1), .secondOrder(2)])
        let solution = try solveAndCheck(problem, objective: 2)
        expectClose(solution.x, [4, 1, 0, 1], tol: 1e-6, "(x, t, y, w)")
    }

    // MARK: Random problems

    /// Feasible bounded random QPs with zero, orthant and second-order cones (see
    /// `randomFeasibleQP`); the certificate must hold for every Newton-system form, and the
    /// objective cannot exceed the value at the known feasible point x0.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomQP(seed: UInt64) throws {
        let (problem, x0) = randomFeasibleQPWithPoint(seed: seed)
        let solution = try solveAndCheck(problem)
        // x0 is feasible, so the optimum cannot be worse than its objective.
        let atX0 = problem.objective(at: x0)
        #expect(solution.primalObjective <= atX0 + 1e-6 * (1 + abs(atX0)),
                "optimum \(solution.primalObjective) is worse than the feasible point's \(atX0)")
    }

    /// Random LPs (P = 0) with several second-order cones of dimensions 1, 2, 3 and 6, bounded
    /// by the box rows.
    @Test(arguments: [21, 22, 23] as [UInt64])
    func randomSOCP(seed: UInt64) throws {
        let (problem, x0) = randomFeasibleQPWithPoint(seed: seed, quadratic: false, socDimensions: [3, 1, 6, 2])
        let solution = try solveAndCheck(problem)
        let atX0 = problem.objective(at: x0)
        #expect(solution.primalObjective <= atX0 + 1e-6 * (1 + abs(atX0)),
                "optimum \(solution.primalObjective) is worse than the feasible point's \(atX0)")
    }

    /// `ConicProblem.residuals` on a hand-computed point: `Ax + s − b` and `Px + Aᵀz + q`.
    @Test func residualsOfAPoint() throws {
        // P = [[2, 1], [1, 4]] (upper triangle given), q = (1, −1), A = [[1, 2], [0, 1], [3, 0]], b = (1, 2, 3).
        let P = testUpperTriangle([[2, 1], [1, 4]])
        let A = testMatrix([[1, 2], [0, 1], [3, 0]], columns: 2)
        let problem = try ConicProblem(P: P, q: [1, -1], A: A, b: [1, 2, 3], cones: [.zero(1), .nonnegative(2)])
        let x = [1.0, -1.0], s = [0.5, 2.0, 0.0], z = [1.0, 0.0, -2.0]
        // Ax = (−1, −1, 3): Ax + s − b = (−1.5, −1, 0). Px = (1, −3), Aᵀz = (−5, 2): Px + Aᵀz + q = (−3, −2).
        let r = problem.residuals(x: x, s: s, z: z)
        #expect(r.primal == 1.5)
        #expect(r.dual == 3)
    }

    // MARK: Edge cases

    /// A pure feasibility problem (q = 0, P = 0): any feasible point is optimal, objective 0.
    /// x₁ + x₂ ≤ 1, x ≥ 0.
    @Test func feasibilityProblem() throws {
        let A = testMatrix([[1, 1], [-1, 0], [0, -1]], columns: 2)
        let problem = try ConicProblem(q: [0, 0], A: A, b: [1, 0, 0], cones: [.nonnegative(3)])
        let solution = try solveAndCheck(problem, objective: 0)
        #expect(solution.x[0] + solution.x[1] <= 1 + 1e-8 && solution.x.allSatisfy { $0 >= -1e-8 }, "x = \(solution.x)")
    }

    /// Optimum at the apex of the cone: minimize t s.t. ‖(x₁, x₂)‖ ≤ t, x = 0 ⇒ t = 0, s = 0
    /// on the SOC (not strictly complementary: z = (1, 0, 0) is on the boundary too).
    @Test func optimumAtTheApex() throws {
        let A = testMatrix([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [0, 1, 0], [0, 0, 1]], columns: 3)
        let problem = try ConicProblem(q: [1, 0, 0], A: A, b: [0, 0, 0, 0, 0], cones: [.secondOrder(3), .zero(2)])
        let solution = try solveAndCheck(problem, objective: 0)
        expectClose(solution.x, [0, 0, 0], tol: 1e-7, "(t, x)")
    }

    /// minimize x₁ + x₂ s.t. ‖(x₁, x₂)‖ ≤ t, t = 1: x = −(1, 1)/√2, objective −√2; the SOC
    /// multiplier is z = (√2, 1, 1) (from q + Aᵀz = 0: z₁ = z₂ = 1, and z₀ = ‖z₁‖ = √2 by
    /// complementarity) and the equality multiplier is √2.
    @Test func secondOrderConeWithFixedRadius() throws {
        let A = testMatrix([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 0, 0]], columns: 3)
        let problem = try ConicProblem(q: [0, 1, 1], A: A, b: [0, 0, 0, 1], cones: [.secondOrder(3), .zero(1)])
        let solution = try solveAndCheck(problem, objective: -2.0.squareRoot())
        let h = (0.5).squareRoot()
        expectClose(solution.x, [1, -h, -h], tol: 1e-6, "(t, x)")
        let r2 = 2.0.squareRoot()
        expectClose(solution.z, [r2, 1, 1, r2], tol: 1e-6, "z")
    }

    /// No variables (n = 0): the problem is the question b ∈ K, here (1, 2) ∈ ℝ²₊: feasible,
    /// objective 0, z = 0.
    @Test func noVariables() throws {
        let problem = try ConicProblem(q: [], A: .zeros(2, 0), b: [1, 2], cones: [.nonnegative(2)])
        let solution = try solveAndCheck(problem, objective: 0)
        expectClose(solution.s, [1, 2], tol: 1e-8, "s")
    }

    // MARK: Settings

    @Test func invalidSettingsThrow() throws {
        let problem = vertexLP()
        var cases: [(String, SolverSettings)] = []
        var s = SolverSettings(); s.feasibilityTolerance = -1e-8; cases.append(("negative feasibilityTolerance", s))
        s = SolverSettings(); s.gapAbsoluteTolerance = -1; cases.append(("negative gapAbsoluteTolerance", s))
        s = SolverSettings(); s.gapRelativeTolerance = 0; cases.append(("zero gapRelativeTolerance", s))
        s = SolverSettings(); s.infeasibilityAbsoluteTolerance = .nan; cases.append(("NaN infeasibilityAbsoluteTolerance", s))
        s = SolverSettings(); s.maxIterations = -1; cases.append(("maxIterations < 0", s))
        s = SolverSettings(); s.timeLimit = 0; cases.append(("timeLimit = 0", s))
        s = SolverSettings(); s.timeLimit = -5; cases.append(("timeLimit < 0", s))
        s = SolverSettings(); s.timeLimit = .nan; cases.append(("timeLimit NaN", s))
        s = SolverSettings(); s.threads = -1; cases.append(("threads < 0", s))
        s = SolverSettings(); s.maxStepFraction = 1; cases.append(("maxStepFraction = 1", s))
        for (name, settings) in cases {
            do {
                _ = try solve(problem, settings: settings)
                Issue.record("\(name): solve did not throw")
            } catch let error as ConicError {
                guard case .invalidSetting(let message) = error else {
                    Issue.record("\(name): expected ConicError.invalidSetting, got \(error)")
                    continue
                }
                #expect(!message.isEmpty && !error.description.isEmpty, "\(name): empty message")
            }
            #expect(throws: ConicError.self, "\(name): validated() must throw") { try settings.validated() }
        }
        // The defaults and the edge values that are allowed do validate.
        _ = try SolverSettings().validated()
        var edge = SolverSettings(); edge.maxIterations = 0; edge.threads = 0; edge.timeLimit = 1e-3
        _ = try edge.validated()
    }

    /// Two iterations are not enough for a random QP: the status must be `.maxIterations`.
    @Test func iterationLimit() throws {
        let problem = randomFeasibleQP(seed: 11)
        var settings = SolverSettings()
        settings.maxIterations = 2
        let solution = try solve(problem, settings: settings)
        #expect(solution.status == .maxIterations, "status \(solution.status) after 2 iterations")
        #expect(solution.iterations == 2, "iterations \(solution.iterations)")
        #expect(solution.x.count == problem.variableCount && solution.x.allSatisfy(\.isFinite),
                "the last iterate must be returned")
        // The same problem with the default limit solves.
        let full = try solve(problem)
        checkOptimality(problem, full)
        #expect(full.iterations > 2)
    }

    /// A tiny time limit stops the solve with `.timeLimit`.
    @Test func timeLimit() throws {
        let problem = randomFeasibleQP(seed: 12)
        var settings = SolverSettings()
        settings.timeLimit = 1e-9
        let solution = try solve(problem, settings: settings)
        #expect(solution.status == .timeLimit, "status \(solution.status) with a 1 ns limit")
    }

    /// Verbose output does not change the result.
    @Test func verboseSolve() throws {
        var settings = SolverSettings()
        settings.verbose = true
        let problem = vertexLP()
        let solution = try solveAndCheck(problem, settings: settings, objective: -3)
        let quiet = try solve(problem)
        #expect(solution.iterations == quiet.iterations)
        expectClose(solution.x, quiet.x, tol: 1e-12, "verbose vs quiet x")
    }

    /// No equilibration gives the same answer (exercises the unscaled path).
    @Test func withoutEquilibration() throws {
        var settings = SolverSettings()
        settings.equilibrationIterations = 0
        let solution = try solveAndCheck(vertexLP(), settings: settings, objective: -3)
        expectClose(solution.x, vertexLPSolution, tol: 1e-6, "x")
        try solveAndCheck(randomFeasibleQP(seed: 3), settings: settings)
    }
}
