import Foundation
import Testing
@testable import ConicSolver
import ConicTestSupport

/// Facial reduction of PSD cones whose dual the data confine to a face: the reduced problem's
/// shape, and solutions and certificates mapped back to the original problem and checked there.
@Suite("Facial reduction")
struct FacialReductionTests {
    /// Graph bisection in SDPA's form, like SDPLIB's gpp: minimize Σ xᵢ subject to
    /// `S = Diag(x) + x₀ 11ᵀ − C ⪰ 0`, with `x₀` free of cost. Its dual (maximize ⟨C, Z⟩ over
    /// `diag Z = 1`, `⟨11ᵀ, Z⟩ = 0`, `Z ⪰ 0`) has no interior point: `Z1 = 0`.
    static func bisection(weights c: [[Double]], cost: [Double]? = nil) throws -> ConicProblem {
        let n = c.count
        var rows: [Int] = [], cols: [Int] = [], vals: [Double] = []
        let root2 = 2.0.squareRoot()
        for j in 0..<n {
            for i in 0...j { rows.append(Svec.index(i, j)); cols.append(0); vals.append(i == j ? -1 : -root2) }
            rows.append(Svec.index(j, j)); cols.append(1 + j); vals.append(-1)
        }
        let A = try SparseMatrix(rowCount: Svec.length(order: n), columnCount: n + 1, rows: rows, columns: cols, values: vals)
        let b = Svec.svec(c).map { -$0 }
        return try ConicProblem(q: [0] + (cost ?? [Double](repeating: 1, count: n)), A: A, b: b, cones: [.positiveSemidefinite(n)])
    }

    /// A weighted 6-vertex graph (a cycle with two chords).
    static let weights: [[Double]] = {
        var c = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
        for (i, j, w) in [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.5), (3, 4, 1.0), (4, 5, 3.0), (0, 5, 0.5), (0, 3, 2.5), (1, 4, 1.0)] {
            c[i][j] = -w; c[j][i] = -w
            c[i][i] += w; c[j][j] += w
        }
        return c
    }()

    @Test func reducedProblemDropsTheFreeVariableAndOneOrder() throws {
        let problem = try Self.bisection(weights: Self.weights)
        let reduction = try #require(FacialReduction(problem))
        #expect(reduction.reduced.variableCount == problem.variableCount - 1)
        #expect(reduction.reduced.cones == [.positiveSemidefinite(5)])
        // No further reduction applies: the remaining matrices are indefinite or cost something.
        #expect(FacialReduction(reduction.reduced) == nil)
    }

    @Test func problemsWithoutAFaceAreLeftAlone() throws {
        // Same data, but x₀ now costs something: its equation no longer confines Z.
        let problem = try Self.bisection(weights: Self.weights)
        let costly = try ConicProblem(q: [0.5] + problem.q.dropFirst(), A: problem.A, b: problem.b, cones: problem.cones)
        #expect(FacialReduction(costly) == nil)
        // An indefinite zero-cost column (an off-diagonal pair) does not qualify either.
        let A = try SparseMatrix(rowCount: 3, columnCount: 2, rows: [1, 0, 2], columns: [0, 1, 1], values: [-1, -1, -1])
        let offDiagonal = try ConicProblem(q: [0, 1], A: A, b: [-1, 0, -1], cones: [.positiveSemidefinite(2)])
        #expect(FacialReduction(offDiagonal) == nil)
    }

    /// The same optimum with and without the reduction; with it, the full tolerances are met and
    /// the recovered point is checked against the original data (residuals, gap, `S ⪰ 0`, `Z ⪰ 0`).
    @Test func recoveredSolutionIsOptimalForTheOriginalProblem() throws {
        let problem = try Self.bisection(weights: Self.weights)
        let reduced = try solve(problem)
        #expect(reduced.status == .solved)
        checkOptimality(problem, reduced, tol: 1e-7, label: "with facial reduction")
        var settings = SolverSettings()
        settings.facialReduction = false
        let direct = try solve(problem, settings: settings)
        #expect(direct.status.isOptimal)
        expectClose(reduced.primalObjective, direct.primalObjective, tol: 1e-6, "objective with and without reduction")
        // Z1 = 0 holds for the recovered dual.
        let z = try #require(Svec.matrix(reduced.z))
        for row in z { #expect(abs(row.reduce(0, +)) <= 1e-7) }
    }

    /// A primal-infeasibility certificate of the reduced problem maps to one of the original:
    /// `S = x₀11ᵀ + x₁I` with `x₁ = −1` fixed by an equality is never PSD for `n ≥ 2`.
    @Test func primalInfeasibilityCertificateMapsBack() throws {
        let n = 4
        var rows: [Int] = [0], cols: [Int] = [1], vals: [Double] = [1]   // x₁ = −1
        let root2 = 2.0.squareRoot()
        for j in 0..<n {
            for i in 0...j { rows.append(1 + Svec.index(i, j)); cols.append(0); vals.append(i == j ? -1 : -root2) }
            rows.append(1 + Svec.index(j, j)); cols.append(1); vals.append(-1)
        }
        let m = 1 + Svec.length(order: n)
        let A = try SparseMatrix(rowCount: m, columnCount: 2, rows: rows, columns: cols, values: vals)
        var b = [Double](repeating: 0, count: m); b[0] = -1
        let problem = try ConicProblem(q: [0, 1], A: A, b: b, cones: [.zero(1), .positiveSemidefinite(n)])
        #expect(FacialReduction(problem) != nil)
        let solution = try solve(problem)
        #expect(solution.status == .primalInfeasible)
        checkPrimalInfeasibilityCertificate(problem, solution.z)
    }

    /// A dual-infeasibility (unboundedness) certificate maps back too: with a negative cost on
    /// `x₁`, raising it keeps `S ⪰ 0` and lowers the objective without bound.
    @Test func dualInfeasibilityCertificateMapsBack() throws {
        let problem = try Self.bisection(weights: Self.weights, cost: [-1, 1, 1, 1, 1, 1])
        let solution = try solve(problem)
        #expect(solution.status == .dualInfeasible)
        checkDualInfeasibilityCertificate(problem, solution.x)
    }
}
