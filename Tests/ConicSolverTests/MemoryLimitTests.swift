import Testing
@testable import ConicSolver
import ConicTestSupport

/// `min ½‖x‖² − Σxⱼ/j  s.t.  Σxⱼ = 1, x ≥ 0`: the dense row makes `AᵀDA` a dense `n × n` block
/// (about n²/2 assembly terms and factor entries) while the quasi-definite matrix keeps O(n)
/// entries, so a memory limit between the two estimates separates the forms.
private func denseRowProblem(_ n: Int) throws -> ConicProblem {
    let identity = try SparseMatrix(rowCount: n, columnCount: n, rows: Array(0..<n), columns: Array(0..<n),
                                    values: Array(repeating: 1, count: n), name: "P")
    let rows = Array(repeating: 0, count: n) + (0..<n).map { 1 + $0 }
    let columns = Array(0..<n) + Array(0..<n)
    let values = Array(repeating: 1.0, count: n) + Array(repeating: -1.0, count: n)
    let a = try SparseMatrix(rowCount: n + 1, columnCount: n, rows: rows, columns: columns, values: values, name: "A")
    return try ConicProblem(P: identity, q: (0..<n).map { -1 / Double($0 + 1) }, A: a,
                            b: [1] + Array(repeating: 0, count: n), cones: [.zero(1), .nonnegative(n)])
}

@Suite("Memory limit of the Newton system")
struct MemoryLimitTests {
    @Test("A form whose estimate exceeds the limit is refused; the automatic choice avoids it")
    func refusesFormOverLimit() throws {
        let n = 400
        let problem = try denseRowProblem(n)
        let cones = ConeProduct(problem.cones)
        let reducedBytes = ReducedKKTSolver.estimatedBytes(P: problem.P, A: problem.A, cones: cones)
        let fullBytes = QuasiDefiniteKKTSolver.estimatedBytes(P: problem.P, A: problem.A, cones: cones)
        #expect(fullBytes * 10 < reducedBytes, "estimates: quasi-definite \(fullBytes), reduced \(reducedBytes)")
        let reference = try solve(problem)
        #expect(reference.status == .solved)

        var settings = SolverSettings()
        settings.memoryLimit = (fullBytes * reducedBytes).squareRoot()
        settings.newtonSystem = .reduced
        let solver = try InteriorPointSolver(problem: problem, settings: settings)
        let forced = solver.solve()
        #expect(forced.status == .insufficientMemory)
        #expect((forced.requiredMemory ?? 0) > settings.memoryLimit)
        #expect(throws: ConicError.self) { try solve(problem, settings: settings) }

        settings.newtonSystem = .automatic
        let chosen = try solve(problem, settings: settings)
        #expect(chosen.status == .solved)
        #expect(abs(chosen.primalObjective - reference.primalObjective) <= 1e-7 * max(1, abs(reference.primalObjective)))
    }

    @Test("No form fits: a typed error that says what the smallest form needs")
    func noFormFits() throws {
        let problem = try denseRowProblem(50)
        var settings = SolverSettings()
        settings.memoryLimit = 1000
        let solution = try InteriorPointSolver(problem: problem, settings: settings).solve()
        #expect(solution.status == .insufficientMemory)
        let required = try #require(solution.requiredMemory)
        #expect(required > 1000)
        #expect(throws: ConicError.insufficientMemory(required: required, limit: 1000)) { try solve(problem, settings: settings) }
    }

    @Test("The memory budget (CONIC_MEMORY_LIMIT or MemoryBudget.limit) sets the solver's default limit")
    func budgetSetsDefaultLimit() throws {
        let problem = try denseRowProblem(50)
        let settings = MemoryBudget.$limit.withValue(1000) { SolverSettings() }
        #expect(settings.memoryLimit == 750)
        let solution = try InteriorPointSolver(problem: problem, settings: settings).solve()
        #expect(solution.status == .insufficientMemory)
        #expect(SolverSettings().memoryLimit > 1e6, "without a budget the default follows the machine")
    }
}
