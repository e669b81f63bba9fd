import Foundation
import Testing
import ConicIO
@testable import ConicSolver
import ConicTestSupport

// Problems with exponential cones, in triples (solved against an optimum computed here
// independently, primal infeasible, dual infeasible), each certificate checked from the data
// (residuals, gap, cone membership by the cones' definitions), on every Newton-system form that
// takes these cones. Rows of a cone `(x, y, z)` mean `y e^{x/y} ≤ z`.

/// The forms that must solve problems with non-symmetric cones (the Schur form hands over to
/// the automatic choice), with the default primal–dual scaling.
let nonsymmetricForms: [(form: NewtonSystemForm, scaling: NonsymmetricScaling)] = [
    (.automatic, .primalDual), (.reduced, .primalDual), (.quasiDefinite, .primalDual), (.schurComplement, .primalDual),
]

/// Builds `A`, `b` row by row: each row is `s_i = b_i − Σ A_ij x_j` given as `(b_i, [j: −A_ij])`,
/// i.e. the slack as an affine function of `x`.
func slackRows(_ rows: [(constant: Double, terms: [Int: Double])], columns n: Int) -> (A: SparseMatrix, b: [Double]) {
    var dense = [[Double]](repeating: [Double](repeating: 0, count: n), count: rows.count)
    for (i, row) in rows.enumerated() { for (j, c) in row.terms { dense[i][j] = -c } }
    return (testMatrix(dense, columns: n), rows.map(\.constant))
}

/// Solves with every form and checks optimality against `expected`.
func solveAndCheck(_ problem: ConicProblem, expected: Double, tol: Double = 1e-6, label: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (form, scaling) in nonsymmetricForms {
        var settings = SolverSettings()
        settings.newtonSystem = form
        settings.nonsymmetricScaling = scaling
        let solution = try solve(problem, settings: settings)
        checkOptimality(problem, solution, tol: tol, expectedObjective: expected, label: "\(label), \(form), \(scaling)",
                        sourceLocation: sourceLocation)
        #expect(problem.claimFailure(of: solution, settings: settings) == nil,
                "\(label), \(form): the solver's own verification rejects its claim", sourceLocation: sourceLocation)
    }
}

/// Solves with every form, expects the infeasibility status and checks its certificate.
func solveExpectingInfeasible(_ problem: ConicProblem, primal: Bool, label: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (form, scaling) in nonsymmetricForms {
        var settings = SolverSettings()
        settings.newtonSystem = form
        settings.nonsymmetricScaling = scaling
        let solution = try solve(problem, settings: settings)
        let expected: SolverStatus = primal ? .primalInfeasible : .dualInfeasible
        #expect(solution.status == expected, "\(label), \(form): status \(solution.status), expected \(expected)",
                sourceLocation: sourceLocation)
        if solution.status == .primalInfeasible { checkPrimalInfeasibilityCertificate(problem, solution.z, sourceLocation: sourceLocation) }
        if solution.status == .dualInfeasible { checkDualInfeasibilityCertificate(problem, solution.x, sourceLocation: sourceLocation) }
        #expect(problem.claimFailure(of: solution, settings: settings) == nil,
                "\(label), \(form): the solver's own verification rejects its claim", sourceLocation: sourceLocation)
    }
}

@Suite("Exponential cone problems")
struct ExponentialConeTests {

    /// Maximum entropy with a prescribed mean: max −Σ pᵢ log pᵢ s.t. Σ pᵢ = 1, Σ i·pᵢ = m over
    /// i = 0…n−1. The optimum is the Gibbs distribution pᵢ ∝ e^{λi}, λ found here by bisection on
    /// the mean. Variables (p, t), tᵢ ≤ −pᵢ log pᵢ as (tᵢ, pᵢ, 1) ∈ K_exp; minimize −Σ tᵢ.
    @Test func entropyMaximizationWithAMean() throws {
        let n = 5, mean = 1.3
        func gibbs(_ lambda: Double) -> [Double] {
            let w = (0..<n).map { exp(lambda * Double($0)) }
            let total = w.reduce(0, +)
            return w.map { $0 / total }
        }
        var low = -20.0, high = 20.0
        for _ in 0..<200 {
            let mid = (low + high) / 2
            let p = gibbs(mid)
            if (0..<n).reduce(0.0, { $0 + Double($1) * p[$1] }) < mean { low = mid } else { high = mid }
        }
        let p = gibbs((low + high) / 2)
        let entropy = -p.reduce(0) { $0 + $1 * log($1) }

        var rows: [(constant: Double, terms: [Int: Double])] = [
            (1, Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, -1.0) })),           // 1 − Σp = 0
            (mean, Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, -Double($0)) })),  // m − Σ i·p = 0
        ]
        var cones: [ConeSpec] = [.zero(2)]
        for i in 0..<n {
            rows.append((0, [n + i: 1])); rows.append((0, [i: 1])); rows.append((1, [:]))
            cones.append(.exponential)
        }
        let (A, b) = slackRows(rows, columns: 2 * n)
        let q = [Double](repeating: 0, count: n) + [Double](repeating: -1, count: n)
        let problem = try ConicProblem(q: q, A: A, b: b, cones: cones)
        try solveAndCheck(problem, expected: -entropy, label: "entropy")
    }

    /// log-sum-exp with lower bounds: min t s.t. t ≥ log Σ e^{xᵢ}, x ≥ d. The optimum is
    /// log Σ e^{dᵢ}. Variables (x, u, t): uᵢ ≥ e^{xᵢ − t} as (xᵢ − t, 1, uᵢ) ∈ K_exp, Σ u ≤ 1.
    @Test func logSumExpWithLowerBounds() throws {
        let d = [0.5, -1.0, 2.0, 0.0]
        let n = d.count, t = 2 * n
        var rows: [(constant: Double, terms: [Int: Double])] = []
        var cones: [ConeSpec] = []
        for i in 0..<n { rows.append((-d[i], [i: 1])) }                       // xᵢ − dᵢ ≥ 0
        rows.append((1, Dictionary(uniqueKeysWithValues: (0..<n).map { (n + $0, -1.0) })))  // 1 − Σu ≥ 0
        cones.append(.nonnegative(n + 1))
        for i in 0..<n {
            rows.append((0, [i: 1, t: -1])); rows.append((1, [:])); rows.append((0, [n + i: 1]))
            cones.append(.exponential)
        }
        let (A, b) = slackRows(rows, columns: 2 * n + 1)
        var q = [Double](repeating: 0, count: 2 * n + 1); q[t] = 1
        let problem = try ConicProblem(q: q, A: A, b: b, cones: cones)
        try solveAndCheck(problem, expected: log(d.reduce(0) { $0 + exp($1) }), label: "log-sum-exp")
    }

    /// The dual exponential cone: min w s.t. (−1, 0, w) ∈ K*_exp, i.e. w ≥ e^{−1}·1·e^{0} = 1/e.
    @Test func dualExponentialBound() throws {
        let (A, b) = slackRows([(-1, [:]), (0, [:]), (0, [0: 1])], columns: 1)
        let problem = try ConicProblem(q: [1], A: A, b: b, cones: [.dualExponential])
        try solveAndCheck(problem, expected: exp(-1), label: "dual exponential")
    }

    /// x ≥ 1, y = 1, z ≤ 2 and (x, y, z) ∈ K_exp would need e ≤ 2: infeasible. A certificate:
    /// z* = (u, v, w) ∈ K*_exp paired with the bounds.
    @Test func primalInfeasible() throws {
        // Variables (x, z); rows: x − 1 ≥ 0, 2 − z ≥ 0, then (x, 1, z) ∈ K_exp.
        let (A, b) = slackRows([(-1, [0: 1]), (2, [1: -1]), (0, [0: 1]), (1, [:]), (0, [1: 1])], columns: 2)
        let problem = try ConicProblem(q: [0, 0], A: A, b: b, cones: [.nonnegative(2), .exponential])
        try solveExpectingInfeasible(problem, primal: true, label: "exp primal infeasible")
    }

    /// min x s.t. (x, 1, 1) ∈ K_exp: x ≤ 0 is the only constraint, so x → −∞. Certificate: the
    /// direction x = −1 with −AΔx = (−1, 0, 0) in K_exp's closure.
    @Test func dualInfeasible() throws {
        let (A, b) = slackRows([(0, [0: 1]), (1, [:]), (1, [:])], columns: 1)
        let problem = try ConicProblem(q: [1], A: A, b: b, cones: [.exponential])
        try solveExpectingInfeasible(problem, primal: false, label: "exp dual infeasible")
    }

    /// All cone families at once: log-sum-exp (exponential, nonnegative), a norm (second-order),
    /// the largest eigenvalue of a 2 × 2 matrix (PSD) and a geometric mean (power), as one
    /// separable problem whose optimum is the sum of the parts': log Σ e^{dᵢ} + ‖(3, 4)‖ +
    /// λmax([[2, 1], [1, 2]]) − √(2·3) (max √(xy) with x ≤ 2, y ≤ 3).
    @Test func mixedConeFamilies() throws {
        let d = [0.0, 1.0]
        // Variables: x₀ x₁ u₀ u₁ t | r y₀ y₁ | λ | a c g
        let x0 = 0, u0 = 2, t = 4, r = 5, y0 = 6, lam = 8, a = 9, c = 10, g = 11
        var rows: [(constant: Double, terms: [Int: Double])] = []
        var cones: [ConeSpec] = []
        rows.append((-3, [y0: 1])); rows.append((-4, [y0 + 1: 1]))  // y = (3, 4)
        cones.append(.zero(2))
        rows.append((-d[0], [x0: 1])); rows.append((-d[1], [x0 + 1: 1])); rows.append((1, [u0: -1, u0 + 1: -1]))
        rows.append((2, [a: -1])); rows.append((3, [c: -1]))
        cones.append(.nonnegative(5))
        for i in 0..<2 {
            rows.append((0, [x0 + i: 1, t: -1])); rows.append((1, [:])); rows.append((0, [u0 + i: 1]))
            cones.append(.exponential)
        }
        rows.append((0, [r: 1])); rows.append((0, [y0: 1])); rows.append((0, [y0 + 1: 1]))
        cones.append(.secondOrder(3))
        // λI − [[2, 1], [1, 2]] ⪰ 0 in svec: (λ − 2, −√2, λ − 2).
        rows.append((-2, [lam: 1])); rows.append((-2.0.squareRoot(), [:])); rows.append((-2, [lam: 1]))
        cones.append(.positiveSemidefinite(2))
        rows.append((0, [a: 1])); rows.append((0, [c: 1])); rows.append((0, [g: 1]))
        cones.append(.power(0.5))
        let (A, b) = slackRows(rows, columns: 12)
        var q = [Double](repeating: 0, count: 12)
        q[t] = 1; q[r] = 1; q[lam] = 1; q[g] = -1
        let problem = try ConicProblem(q: q, A: A, b: b, cones: cones)
        let expected = log(exp(d[0]) + exp(d[1])) + 5 + 3 - 6.0.squareRoot()
        try solveAndCheck(problem, expected: expected, label: "mixed")
    }

    /// CBF: `EXP` rows are reversed into the solver's order, `@k:POW` and `@k:POW*` take their
    /// α from `POWCONES` / `POW*CONES`, and the file's problem solves to its optimum
    /// (max x s.t. e ≥ 1·e^{x/1}: x = 1; the power and dual power rows are fixed points inside).
    @Test func cbfReadsExponentialAndPowerCones() throws {
        let text = """
        VER
        4

        POWCONES
        1 2
        2
        1.0
        3.0

        POW*CONES
        1 2
        2
        3.0
        1.0

        OBJSENSE
        MAX

        VAR
        1 1
        F 1

        CON
        12 4
        EXP 3
        @0:POW 3
        @0:POW* 3
        EXP* 3

        OBJACOORD
        1
        0 1.0

        ACOORD
        1
        2 0 1.0

        BCOORD
        10
        0 2.718281828459045
        1 1.0
        3 1.0
        4 1.0
        5 0.5
        6 1.0
        7 1.0
        9 1.0
        10 1.0
        11 -1.0
        """
        let model = try CBFReader.parseModel(text)
        let problem = model.problem
        #expect(problem.cones == [.exponential, .power(0.25), .dualPower(0.75), .dualExponential])
        // The EXP block (g₀, g₁, g₂) = (e, 1, x) becomes rows (x, 1, e): s = b − Ax with A = −1 in row 0.
        #expect(Array(problem.b[0..<3]) == [0, 1, 2.718281828459045])
        #expect(problem.A.multiply([1])[0] == -1)
        // EXP* (g₀, g₁, g₂) = (1, 1, −1) becomes (u, v, w) = (−1, 1, 1): −u e^{v/u − 1} = e^{−2} ≤ 1.
        #expect(Array(problem.b[9..<12]) == [-1, 1, 1])
        for (form, scaling) in nonsymmetricForms {
            var settings = SolverSettings()
            settings.newtonSystem = form
            settings.nonsymmetricScaling = scaling
            let solution = try solve(problem, settings: settings)
            checkOptimality(problem, solution, expectedObjective: -1, label: "cbf, \(form), \(scaling)")
        }
        // Malformed parametric cones are parse errors, not crashes.
        for bad in ["@1:POW 3", "@0:POW 4", "@x:POW 3", "EXP 2"] {
            let broken = text.replacingOccurrences(of: "@0:POW 3", with: bad)
            #expect(throws: ConicError.self) { try CBFReader.parseModel(broken) }
        }
    }
}
