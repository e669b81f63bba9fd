/// Minimum-degree elimination of a symmetric pattern given as a union of dense groups.
///
/// The Schur matrix of a problem with many cones is such a pattern: each cone couples every
/// variable it touches. Variables touching the same set of groups are indistinguishable for the
/// elimination, so they form one node, weighted by their count, and the elimination runs on
/// these few nodes instead of the matrix: two nodes are adjacent when their group sets meet.
/// After a chordal decomposition there are a few nodes per clique, where the matrix has
/// thousands of columns; the elimination then costs little and orders (and counts the flops
/// of) the Cholesky factorization better than AMD on the assembled pattern (thetaG11: half the
/// flops).
struct CliqueCoverOrdering {
    /// Node of every variable (index into ``weights``).
    let nodeOf: [Int]
    /// Variables per node.
    let weights: [Int]
    /// The nodes in elimination order.
    let order: [Int]
    /// Flops of the Cholesky factorization in that order (CHOLMOD's count: `Σ_j |L(:,j)|²`).
    let flops: Double
    /// Bound on the elimination's word operations, about a tenth of a second.
    static let workBudget = 100_000_000

    /// The ordering of the `variableCount` variables whose pairs within each of `groups` are
    /// coupled (a variable in no group couples only with itself); `nil` when the variables form
    /// more than `maximumNodes` distinct nodes (the adjacency takes `nodes²/8` bytes) or the
    /// elimination exceeds ``workBudget``: AMD on the assembled pattern is then the better tool.
    init?(variableCount: Int, groups: [[Int]], maximumNodes: Int = 5000) {
        var groupsOf = [[Int]](repeating: [], count: variableCount)
        for (g, group) in groups.enumerated() { for j in group { groupsOf[j].append(g) } }
        var nodeIndex: [[Int]: Int] = [:], nodeOf = [Int](repeating: 0, count: variableCount)
        var nodeGroups: [[Int]] = [], weights: [Int] = []
        for j in 0..<variableCount {
            if let a = nodeIndex[groupsOf[j]] {
                nodeOf[j] = a; weights[a] += 1
            } else {
                guard nodeGroups.count < maximumNodes else { return nil }
                nodeIndex[groupsOf[j]] = nodeGroups.count
                nodeOf[j] = nodeGroups.count
                nodeGroups.append(groupsOf[j]); weights.append(1)
            }
        }
        // Adjacency as bit sets: eliminating a node ORs its row into each neighbour's.
        let count = nodeGroups.count, words = (count + 63) / 64
        var adjacent = [UInt64](repeating: 0, count: count * words)
        var nodesOf = [[Int]](repeating: [], count: groups.count)
        for (a, set) in nodeGroups.enumerated() { for g in set { nodesOf[g].append(a) } }
        for nodes in nodesOf { for a in nodes { for b in nodes where b != a { adjacent[a * words + b / 64] |= 1 << UInt64(b % 64) } } }
        let weight = weights.map(Double.init)
        /// Calls `body` with every node of row `a`.
        func forEachNeighbour(of a: Int, _ body: (Int) -> Void) {
            for w in 0..<words {
                var bits = adjacent[a * words + w]
                while bits != 0 { body(w * 64 + bits.trailingZeroBitCount); bits &= bits - 1 }
            }
        }
        var degree = [Double](repeating: 0, count: count)
        for a in 0..<count { forEachNeighbour(of: a) { degree[a] += weight[$0] } }
        var alive = [Bool](repeating: true, count: count), order: [Int] = [], flops = 0.0, work = 0
        for _ in 0..<count {
            var a = -1
            for b in 0..<count where alive[b] && (a < 0 || degree[b] < degree[a]) { a = b }
            // The node's w columns have d + w, d + w − 1, …, d + 1 entries on and below the
            // diagonal, each costing its square; variables in no group are a diagonal.
            let w = weight[a], d = degree[a]
            func squares(_ k: Double) -> Double { k * (k + 1) * (2 * k + 1) / 6 }
            flops += nodeGroups[a].isEmpty ? w : squares(d + w) - squares(d)
            alive[a] = false
            order.append(a)
            work += count + adjacent[(a * words)..<((a + 1) * words)].reduce(0) { $0 + $1.nonzeroBitCount } * words
            guard work <= Self.workBudget else { return nil }
            // Each neighbour b loses a and gains a's other neighbours.
            let clearA = ~(UInt64(1) << UInt64(a % 64))
            forEachNeighbour(of: a) { b in
                degree[b] -= w
                adjacent[b * words + a / 64] &= clearA
                for k in 0..<words {
                    var gained = adjacent[a * words + k] & ~adjacent[b * words + k]
                    if k == b / 64 { gained &= ~(UInt64(1) << UInt64(b % 64)) }
                    adjacent[b * words + k] |= gained
                    while gained != 0 { degree[b] += weight[k * 64 + gained.trailingZeroBitCount]; gained &= gained - 1 }
                }
            }
        }
        self.nodeOf = nodeOf
        self.weights = weights
        self.order = order
        self.flops = flops
    }

    /// The variables in elimination order (each node's variables together, ascending).
    var permutation: [Int] {
        var members = [[Int]](repeating: [], count: weights.count)
        for (j, a) in nodeOf.enumerated() { members[a].append(j) }
        return order.flatMap { members[$0] }
    }
}
