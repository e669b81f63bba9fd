import Testing
@testable import ConicSolver
import ConicTestSupport

/// The minimum-degree ordering of a pattern given as dense groups: a valid permutation whose
/// flop count is CHOLMOD's for the same pattern in that order, and far below AMD's on a chain
/// of blocks glued by small separators (the Schur matrix after a chordal decomposition).
@Suite("Clique-cover ordering")
struct CliqueCoverOrderingTests {
    /// `count` groups of `size` private variables each, consecutive groups sharing `shared`
    /// further variables, plus one variable in every group (a trace constraint).
    static func chain(count: Int, size: Int, shared: Int) -> (variables: Int, groups: [[Int]]) {
        var groups: [[Int]] = [], next = 1
        var previous: [Int] = []
        for _ in 0..<count {
            let own = Array(next..<(next + size)); next += size
            let link = Array(next..<(next + shared)); next += shared
            groups.append([0] + previous + own + link)
            previous = link
        }
        return (next, groups)
    }

    /// The upper-triangle pattern (CSC, ascending rows, diagonal present) of the groups.
    static func pattern(variables n: Int, groups: [[Int]]) -> (starts: [Int], rows: [Int]) {
        var upper = [Set<Int>](repeating: [], count: n)
        for j in 0..<n { upper[j].insert(j) }
        for group in groups { for i in group { for j in group where i <= j { upper[j].insert(i) } } }
        var starts = [0], rows: [Int] = []
        for j in 0..<n { rows += upper[j].sorted(); starts.append(rows.count) }
        return (starts, rows)
    }

    @Test func flopsMatchCholmodAndBeatAMDOnAChain() throws {
        let (n, groups) = Self.chain(count: 12, size: 40, shared: 15)
        let ordering = try #require(CliqueCoverOrdering(variableCount: n, groups: groups, maximumNodes: 1000))
        // One node per group's private part, one per link, one for the shared variable.
        #expect(ordering.weights.count == 12 + 11 + 1)
        #expect(ordering.weights.reduce(0, +) == n)
        #expect(ordering.permutation.sorted() == Array(0..<n))

        let (starts, rows) = Self.pattern(variables: n, groups: groups)
        let ours = try #require(CholmodFactorization(size: n, columnStarts: starts, rowIndices: rows,
                                                     method: .supernodalCholesky, ordering: ordering.permutation))
        let amd = try #require(CholmodFactorization(size: n, columnStarts: starts, rowIndices: rows, method: .supernodalCholesky))
        #expect(abs(ours.flops - ordering.flops) <= 0.02 * ours.flops)
        #expect(ours.flops <= amd.flops)
        #expect(ordering.flops < 0.1 * Double(n * n * n) / 3)

        // The ordering factors a positive-definite matrix on that pattern correctly: M = I·(n) +
        // Σ over groups of the all-ones block, solved against M·1.
        for j in 0..<n {
            for k in starts[j]..<starts[j + 1] {
                let i = rows[k]
                ours.values[k] = (i == j ? Double(n) : 0) + Double(groups.filter { $0.contains(i) && $0.contains(j) }.count)
            }
        }
        #expect(ours.factor())
        var rhs = [Double](repeating: 0, count: n)
        for j in 0..<n {
            for k in starts[j]..<starts[j + 1] { rhs[j] += ours.values[k]; if rows[k] != j { rhs[rows[k]] += ours.values[k] } }
        }
        var x = [Double](repeating: 0, count: n)
        rhs.withUnsafeBufferPointer { b in x.withUnsafeMutableBufferPointer { ours.solve(b, into: $0) } }
        #expect(x.allSatisfy { abs($0 - 1) < 1e-10 })
    }

    @Test func variablesInNoGroupAndNodeLimit() throws {
        // A dense 3×3 block costs 3² + 2² + 1²; two variables outside every group are a diagonal,
        // one flop each.
        let ordering = try #require(CliqueCoverOrdering(variableCount: 5, groups: [[0, 1, 2]], maximumNodes: 10))
        #expect(ordering.weights.sorted() == [2, 3])
        #expect(abs(ordering.flops - (14 + 2)) < 1e-12)
        // Every variable its own node: more nodes than allowed.
        let single = (0..<20).map { [$0, ($0 + 1) % 20] }
        #expect(CliqueCoverOrdering(variableCount: 20, groups: single, maximumNodes: 10) == nil)
    }
}
