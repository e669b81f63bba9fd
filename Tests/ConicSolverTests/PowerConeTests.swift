import Foundation
import Testing
@testable import ConicSolver
import ConicTestSupport

// Problems with power cones `(x, y, z) ∈ K_α ⇔ x^α y^{1−α} ≥ |z|, x, y ≥ 0`, in triples
// (solved against an optimum computed independently, primal infeasible, dual infeasible), each
// certificate checked from the data, on every Newton-system form (helpers in
// ExponentialConeTests.swift).

@Suite("Power cone problems")
struct PowerConeTests {

    /// Weighted geometric mean: max x^α y^{1−α} s.t. x + y ≤ 2. The optimum is at x = 2α,
    /// y = 2(1 − α), value (2α)^α (2(1−α))^{1−α}. Variables (x, y, z); minimize −z.
    @Test(arguments: [0.25, 0.5, 0.8])
    func geometricMean(alpha: Double) throws {
        let (A, b) = slackRows([(2, [0: -1, 1: -1]), (0, [0: 1]), (0, [1: 1]), (0, [2: 1])], columns: 3)
        let problem = try ConicProblem(q: [0, 0, -1], A: A, b: b, cones: [.nonnegative(1), .power(alpha)])
        let value = pow(2 * alpha, alpha) * pow(2 * (1 - alpha), 1 - alpha)
        try solveAndCheck(problem, expected: -value, label: "geometric mean α = \(alpha)")
    }

    /// p-norm regression through power cones, p = 3: min ‖a x − d‖₃ over a scalar x, with
    /// ‖r‖_p ≤ t ⇔ ∃v: (vᵢ, t, rᵢ) ∈ K_{1/p}, Σ vᵢ = t. The optimum's x is the root of the
    /// derivative Σ aᵢ sign(rᵢ)|rᵢ|² (decreasing in −x), found here by bisection.
    @Test func pNormRegression() throws {
        let a = [1.0, 2.0, -1.0, 0.5], d = [1.0, -2.0, 0.5, 3.0]
        let n = d.count, p = 3.0
        func derivative(_ x: Double) -> Double { (0..<n).reduce(0) { let r = a[$1] * x - d[$1]; return $0 + a[$1] * r * abs(r) } }
        var low = -10.0, high = 10.0
        for _ in 0..<200 { let mid = (low + high) / 2; if derivative(mid) < 0 { low = mid } else { high = mid } }
        let xStar = (low + high) / 2
        let optimum = pow((0..<n).reduce(0) { $0 + pow(abs(a[$1] * xStar - d[$1]), p) }, 1 / p)
        // Variables: x, v (n), t.
        let t = n + 1
        var rows: [(constant: Double, terms: [Int: Double])] = []
        var cones: [ConeSpec] = []
        var sum: [Int: Double] = [t: 1]; for i in 0..<n { sum[1 + i] = -1 }
        rows.append((0, sum))                                                      // t − Σv = 0
        cones.append(.zero(1))
        for i in 0..<n {
            // (vᵢ, t, aᵢx − dᵢ) ∈ K_{1/p}: vᵢ^{1/p} t^{1−1/p} ≥ |aᵢx − dᵢ|.
            rows.append((0, [1 + i: 1])); rows.append((0, [t: 1])); rows.append((-d[i], [0: a[i]]))
            cones.append(.power(1 / p))
        }
        let (A, b) = slackRows(rows, columns: n + 2)
        var q = [Double](repeating: 0, count: n + 2); q[t] = 1
        let problem = try ConicProblem(q: q, A: A, b: b, cones: cones)
        try solveAndCheck(problem, expected: optimum, label: "3-norm regression")
    }

    /// The dual power cone: max w s.t. (α, 1 − α, w) ∈ K*_α, i.e. |w| ≤ 1: optimum −1 for min −w.
    @Test func dualPowerBound() throws {
        let alpha = 0.3
        let (A, b) = slackRows([(alpha, [:]), (1 - alpha, [:]), (0, [0: 1])], columns: 1)
        let problem = try ConicProblem(q: [-1], A: A, b: b, cones: [.dualPower(alpha)])
        try solveAndCheck(problem, expected: -1, label: "dual power")
    }

    /// √(xy) ≥ 1 with x + y ≤ 1 is impossible (√(xy) ≤ (x + y)/2 ≤ ½).
    @Test func primalInfeasible() throws {
        let (A, b) = slackRows([(1, [0: -1, 1: -1]), (0, [0: 1]), (0, [1: 1]), (1, [:])], columns: 2)
        let problem = try ConicProblem(q: [0, 0], A: A, b: b, cones: [.nonnegative(1), .power(0.5)])
        try solveExpectingInfeasible(problem, primal: true, label: "power primal infeasible")
    }

    /// min −x s.t. x^{0.4} y^{0.6} ≥ 1: x grows without bound. Certificate: Δx = (1, 0), with
    /// −AΔx = (1, 0, 0) ∈ K_α.
    @Test func dualInfeasible() throws {
        let (A, b) = slackRows([(0, [0: 1]), (0, [1: 1]), (1, [:])], columns: 2)
        let problem = try ConicProblem(q: [-1, 0], A: A, b: b, cones: [.power(0.4)])
        try solveExpectingInfeasible(problem, primal: false, label: "power dual infeasible")
    }
}
