import Foundation
import Testing
@testable import ConicSolver
import ConicTestSupport

// The end game on problems whose constraint matrix has eigenvalues far below the Newton
// system's static regularization (issue 15, item 4: Maros–Mészáros LISWET1–12 and YAO).

/// Convex regression of `y_j = sin(6t_j) + 0.1 sin(12.9898 j)`: `min ½‖x‖² − yᵀx` subject to
/// nonnegative second differences `x_j − 2x_{j+1} + x_{j+2} ≥ 0` — LISWET's structure at a
/// smaller size. `λ_min(DDᵀ) ≈ (π/n)⁴ ≈ 2·10⁻¹³` for n = 1,500, far below the regularization
/// 10⁻⁸; with refinement stalling on those modes the solver used to end `almost_solved` at
/// −284.56 after 60 iterations.
private func convexRegression(_ n: Int) throws -> ConicProblem {
    var rows: [Int] = [], columns: [Int] = [], values: [Double] = []
    for i in 0..<(n - 2) {
        for (offset, coefficient) in [(0, -1.0), (1, 2.0), (2, -1.0)] {   // −D x + s = 0
            rows.append(i); columns.append(i + offset); values.append(coefficient)
        }
    }
    let A = try SparseMatrix(rowCount: n - 2, columnCount: n, rows: rows, columns: columns, values: values)
    let P = try SparseMatrix(rowCount: n, columnCount: n, rows: Array(0..<n), columns: Array(0..<n),
                             values: [Double](repeating: 1, count: n))
    let q = (0..<n).map { j -> Double in
        let t = Double(j) / Double(n - 1)
        return -(sin(6 * t) + 0.1 * sin(12.9898 * Double(j)))
    }
    return try ConicProblem(P: P, q: q, A: A, b: [Double](repeating: 0, count: n - 2), cones: [.nonnegative(n - 2)])
}

@Suite struct EndGameTests {
    @Test func convexRegressionWithTinyEigenvaluesIsSolvedToItsOptimum() throws {
        let problem = try convexRegression(1500)
        let solution = try solve(problem)
        #expect(solution.status == .solved)
        // Reference: the dual as nonnegative least squares, x = y + Dᵀλ with λ = argmin ‖Dᵀλ + y‖,
        // λ ≥ 0, by SciPy's active-set `nnls` (min Dx = −3.7e-10, λᵀDx = 1.4e-9).
        expectHonest(problem, solution, optimum: -283.349587086198, tol: 1e-6, "convex regression n = 1500")
    }
}
