import Foundation
import Testing
import ConicIO
@testable import ConicSolver
import ConicTestSupport

/// Chordal decomposition of sparse PSD cones: the cliques, and solutions and certificates mapped
/// back to the original problem and checked there (residuals, gap, `S ⪰ 0` and the completed `Z ⪰ 0`).
@Suite("Chordal decomposition")
struct ChordalDecompositionTests {
    /// A PSD cone of order `n` with tridiagonal slack `S_ii = d + x_i`, `S_{i,i+1} = 0.5`, and
    /// the cost `Σ c_i x_i`; optionally `x_i ≤ bound` as nonnegative rows.
    /// With `dense`, every off-diagonal entry is 0.5 instead (a complete pattern).
    static func tridiagonal(order n: Int, diagonal d: Double, cost: [Double], bound: Double? = nil,
                            dense: Bool = false) throws -> ConicProblem {
        var rows: [Int] = [], cols: [Int] = [], vals: [Double] = []
        var b = [Double](repeating: 0, count: Svec.length(order: n))
        for i in 0..<n {
            rows.append(Svec.index(i, i)); cols.append(i); vals.append(-1)
            b[Svec.index(i, i)] = d
            for j in (i + 1)..<(dense ? n : min(i + 2, n)) { b[Svec.index(i, j)] = 0.5 * 2.0.squareRoot() }
        }
        var cones: [ConeSpec] = [.positiveSemidefinite(n)]
        if let bound {
            for i in 0..<n { rows.append(b.count); cols.append(i); vals.append(1); b.append(bound) }
            cones.append(.nonnegative(n))
        }
        let A = try SparseMatrix(rowCount: b.count, columnCount: n, rows: rows, columns: cols, values: vals)
        return try ConicProblem(q: cost, A: A, b: b, cones: cones)
    }

    /// Cliques of a chordal extension cover every edge, and the clique tree has the running
    /// intersection property: a clique meets the cliques before it only inside its parent.
    @Test func cliquesCoverTheGraphAndFormATree() throws {
        // A 12-cycle with two chords: not chordal, so the extension adds fill.
        let n = 12
        var neighbours = [Set<Int>](repeating: [], count: n)
        for (i, j) in (0..<n).map({ ($0, ($0 + 1) % n) }) + [(0, 6), (3, 9)] {
            neighbours[i].insert(j); neighbours[j].insert(i)
        }
        let (cliques, parent) = try #require(ChordalDecomposition.cliques(of: neighbours)?.first)
        #expect(cliques.count > 1)
        for i in 0..<n {
            for j in neighbours[i] { #expect(cliques.contains { $0.contains(i) && $0.contains(j) }, "edge \(i)–\(j) uncovered") }
        }
        var seen = Set<Int>()
        for (k, clique) in cliques.enumerated() {
            #expect(parent[k] < k)
            let shared = seen.intersection(clique)
            if parent[k] >= 0 {
                #expect(shared.isSubset(of: Set(cliques[parent[k]])), "clique \(k) meets earlier cliques outside its parent")
            } else {
                #expect(shared.isEmpty)
            }
            seen.formUnion(clique)
        }
    }

    /// A dense pattern is left alone; a tridiagonal one becomes cones of order 2.
    @Test func onlySparseConesAreDecomposed() throws {
        let full = try Self.tridiagonal(order: 30, diagonal: 1, cost: [Double](repeating: 1, count: 30), dense: true)
        #expect(ChordalDecomposition(full) == nil)
        let problem = try Self.tridiagonal(order: 30, diagonal: 1, cost: [Double](repeating: 1, count: 30))
        let decomposition = try #require(ChordalDecomposition(problem))
        let orders = decomposition.decomposed.cones.compactMap { spec -> Int? in
            if case let .positiveSemidefinite(k) = spec { return k } else { return nil }
        }
        #expect(!orders.isEmpty && orders.allSatisfy { $0 <= 3 })
    }

    /// SDPLIB's mcp124-1 (a sparse max-cut relaxation, order 124): the reference value, and the
    /// recovered point checked on the original problem, including the completed `Z ⪰ 0`.
    @Test(.tags(.slow), .enabled(if: SlowTests.enabled, SlowTests.skipReason))
    func maxCutSolutionMapsBack() throws {
        let path = SemidefiniteTests.sdplib.appendingPathComponent("mcp124-1.dat-s").path
        guard FileManager.default.fileExists(atPath: path) else { return }  // as the other SDPLIB tests
        let problem = try SDPAReader.read(path: path)
        #expect(ChordalDecomposition(problem) != nil)
        let decomposed = try solve(problem)
        checkOptimality(problem, decomposed, tol: 1e-6, expectedObjective: 141.9905, label: "mcp124-1 decomposed")
    }

    /// A tridiagonal problem whose diagonal must stay at or below −1: no PSD slack exists, and
    /// the certificate of the decomposed problem maps back to one of the original.
    @Test func primalInfeasibilityCertificateMapsBack() throws {
        let n = 30
        let problem = try Self.tridiagonal(order: n, diagonal: 0, cost: [Double](repeating: 1, count: n), bound: -1)
        #expect(ChordalDecomposition(problem) != nil)
        let solution = try solve(problem)
        #expect(solution.status == .primalInfeasible)
        checkPrimalInfeasibilityCertificate(problem, solution.z)
    }

    /// Raising `x₀` keeps the tridiagonal slack PSD and lowers `−x₀` without bound.
    @Test func dualInfeasibilityCertificateMapsBack() throws {
        let n = 30
        var cost = [Double](repeating: 1, count: n); cost[0] = -1
        let problem = try Self.tridiagonal(order: n, diagonal: 1, cost: cost)
        #expect(ChordalDecomposition(problem) != nil)
        let solution = try solve(problem)
        #expect(solution.status == .dualInfeasible)
        checkDualInfeasibilityCertificate(problem, solution.x)
    }
}
