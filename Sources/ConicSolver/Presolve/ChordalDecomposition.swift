import Foundation

/// Chordal decomposition of sparse PSD cones into smaller ones.
///
/// For a PSD cone with slack `S = B − Σ A_j x_j`, only the entries on the aggregate pattern `E`
/// (the union of the patterns of `B` and the `A_j`) can be nonzero. Extend `E` to a chordal pattern
/// `E'` (minimum-degree elimination) with maximal cliques `C_1 … C_K`; a matrix with pattern `E'` is
/// positive semidefinite exactly when it is a sum `Σ_k T_kᵀ S_k T_k` of PSD matrices on the
/// cliques (Agler et al.). So the cone of order `n` becomes `K` cones of orders `|C_k|`:
///
/// - every entry of `E'` is *owned* by the clique farthest from the root of the clique tree
///   among those that contain it, whose row takes the entry's data (`B` and `A` on `E`, zero on
///   the fill);
/// - every other clique containing the entry gets a free *overlap* variable `y` with no cost:
///   its own row reads `s_k = y`, and the owner's row `s_own = (B − Ax)_pq − Σ y`, so that the
///   clique slacks add up to `S` (all in `svec` units, the same for one entry in every clique).
///
/// The dual variables of the cliques agree on shared entries (the equations of the `y`), so they
/// form a partial matrix with PSD clique blocks, which ``recover(_:)`` completes to a full PSD
/// `Z` (the maximum-determinant completion, clique by clique down the clique tree). The slack of
/// the original cone is the sum of the clique slacks.
///
/// Worth it when the cliques are much smaller than the cone and overlap little: the dense `n³`
/// work per iteration becomes `Σ|C_k|³`, and with few variables per clique the Schur form stores
/// its matrix sparse (SDPLIB's sparse max-cut problems).
struct ChordalDecomposition {
    /// The problem on the clique cones.
    let decomposed: ConicProblem
    private let original: ConicProblem
    private let cones: [DecomposedCone]
    /// For each original row outside the decomposed cones, its row in the decomposed problem (−1 inside them).
    private let rowMap: [Int]

    /// One PSD cone replaced by cones on its cliques.
    struct DecomposedCone {
        let cone: Int
        let order: Int
        let originalRows: Range<Int>
        /// The cliques (ascending vertices), each after its parent in the clique tree, and the first
        /// row of each in the decomposed problem.
        let cliques: [[Int]]
        let firstRows: [Int]
        /// Overlap variables added (for the log).
        let overlaps: Int
        var summary: String {
            "PSD cone \(cone) of order \(order) → \(cliques.count) cones of orders ≤ \(cliques.map(\.count).max() ?? 0), "
                + "\(overlaps) overlap variables"
        }
    }

    /// Cones of lower order are kept as they are.
    static let minimumOrder = 20
    /// Decompose only when the clique cones' `Σ|C_k|³` is at most this fraction of `n³`.
    static let maximumWorkFraction = 0.2
    /// Decompose only when no clique has more than this fraction of the cone's order (SDPLIB's
    /// qpG51, order 2000, has cliques of up to 458 and many large overlaps: not decomposed).
    static let maximumCliqueFraction = 0.2
    /// Decompose only when the overlap variables number at most this many per unit of order:
    /// they become rows and columns of the Newton system (measured on SDPLIB: maxG11, 14 per
    /// order, solves 2.6× faster decomposed; thetaG11, 19 per order, equally fast either way).
    static let maximumOverlapsPerOrder = 16
    /// Decompose only when the chordal extension has at most this fraction of the off-diagonal entries.
    static let maximumFillFraction = 0.1
    /// Set updates the minimum-degree elimination may spend on one cone (about a second).
    static let eliminationBudget = 20_000_000
    /// A child clique is merged into its parent when the union costs at most a factor `f` more
    /// than the two apart, in `|C|³`: fewer cones and fewer overlap variables. Both factors are
    /// tried and ``estimate(_:rows:rowsOfA:)`` picks (measured: maxG11 takes half the time with
    /// `f = 2`, mcp500-1 twice the time, its Schur matrix turning dense).
    static let mergeFactors = [1.0, 2.0]

    /// The overlap variables of a plan.
    static func overlapCount(_ cliques: [[Int]]) -> Int {
        var multiplicity: [Int: Int] = [:]
        for clique in cliques {
            for (bIndex, q) in clique.enumerated() { for p in clique[...bIndex] { multiplicity[Svec.index(p, q), default: 0] += 1 } }
        }
        return multiplicity.values.reduce(0) { $0 + $1 - 1 }
    }

    /// A plan's estimated cost per iteration: the dense work of the clique cones (about 90
    /// `|C|³`, the products and decompositions of one NT iteration) plus the Cholesky
    /// factorization of its part of the Schur matrix, where each clique couples the variables
    /// touching it: the data columns of the entries it owns and its overlap variables. Those
    /// flops come from ``CliqueCoverOrdering``, which the Schur form also factors with; a plan
    /// too large for it is charged a dense Schur matrix.
    static func estimate(_ cliques: [[Int]], rows range: Range<Int>, rowsOfA: SparseMatrix) -> Double {
        var owner: [Int: Int] = [:]
        for (k, clique) in cliques.enumerated() {
            for (bIndex, q) in clique.enumerated() { for p in clique[...bIndex] { owner[Svec.index(p, q)] = k } }
        }
        // The variables touching each clique, numbered densely: data columns, then overlap variables.
        var variable: [Int: Int] = [:], groups = [[Int]](repeating: [], count: cliques.count), count = 0
        for (k, clique) in cliques.enumerated() {
            for (bIndex, q) in clique.enumerated() {
                for p in clique[...bIndex] {
                    let entry = Svec.index(p, q), own = owner[entry]!
                    guard own == k else { groups[k].append(count); groups[own].append(count); count += 1; continue }
                    let row = range.lowerBound + entry
                    for t in rowsOfA.columnStarts[row]..<rowsOfA.columnStarts[row + 1] {
                        let column = rowsOfA.rowIndices[t]
                        if variable[column] == nil { variable[column] = count; count += 1 }
                        groups[k].append(variable[column]!)
                    }
                }
            }
        }
        let dense = pow3(Double(count)) / 3
        let schur = min(dense, CliqueCoverOrdering(variableCount: count, groups: groups.map { Array(Set($0)) })?.flops ?? dense)
        return schur + 90 * cliques.reduce(0.0) { $0 + pow3(Double($1.count)) }
    }

    /// The summaries of the decomposed cones, for the log.
    var summaries: [String] { cones.map(\.summary) }

    /// The decomposition of `problem`, or `nil` when no cone qualifies.
    init?(_ problem: ConicProblem) {
        var coneRanges: [Range<Int>] = [], start = 0
        for cone in problem.cones { coneRanges.append(start..<(start + cone.dimension)); start += cone.dimension }
        let rowsOfA = problem.A.transposed()
        // The cones to decompose, with their cliques.
        var chosen: [Int: [[Int]]] = [:]
        for (index, cone) in problem.cones.enumerated() {
            guard case let .positiveSemidefinite(order) = cone, order >= Self.minimumOrder else { continue }
            let range = coneRanges[index]
            let positions = Svec.positions(order: order)
            var neighbours = [Set<Int>](repeating: [], count: order)
            for row in range where problem.b[row] != 0 || rowsOfA.columnStarts[row + 1] > rowsOfA.columnStarts[row] {
                let (p, q) = positions[row - range.lowerBound]
                if p != q { neighbours[p].insert(q); neighbours[q].insert(p) }
            }
            // The cliques must stay small against the cone, and the extension sparse.
            let n3 = pow3(Double(order))
            let largest = Int(Self.maximumCliqueFraction * Double(order)) + 1
            // Each merge strength gives a plan; the one with the smaller estimated cost is kept.
            guard let plans = Self.cliques(of: neighbours, maximumClique: largest, mergeFactors: Self.mergeFactors,
                                           maximumFill: Int(Self.maximumFillFraction * Double(order * (order - 1) / 2)))
            else { continue }
            var best: (cliques: [[Int]], cost: Double)?
            for plan in plans {
                let work = plan.cliques.reduce(0.0) { $0 + pow3(Double($1.count)) }
                guard work <= Self.maximumWorkFraction * n3,
                      Self.overlapCount(plan.cliques) <= Self.maximumOverlapsPerOrder * order else { continue }
                let cost = Self.estimate(plan.cliques, rows: range, rowsOfA: rowsOfA)
                if cost < best?.cost ?? .infinity { best = (plan.cliques, cost) }
            }
            // Kept whole, the cone costs its own dense work and a dense Schur block over the
            // variables touching it (with looser rules, qpG51's best plan would be estimated at
            // eight times that).
            guard let best else { continue }
            var touching = Set<Int>()
            for row in range { for t in rowsOfA.columnStarts[row]..<rowsOfA.columnStarts[row + 1] { touching.insert(rowsOfA.rowIndices[t]) } }
            if best.cost < 90 * n3 + pow3(Double(touching.count)) / 3 { chosen[index] = best.cliques }
        }
        guard !chosen.isEmpty else { return nil }

        // The decomposed problem: rows cone by cone, the clique cones in place of each candidate;
        // the original columns first, then the overlap variables.
        let n = problem.variableCount
        var specs: [ConeSpec] = [], rowMap = [Int](repeating: -1, count: problem.constraintCount)
        var decomposedCones: [DecomposedCone] = []
        var triplets: (rows: [Int], columns: [Int], values: [Double]) = ([], [], [])
        var b: [Double] = []
        var overlapCount = 0
        /// Appends original row `row` (its entries of `A` and `b`) as the next row.
        func copyRow(_ row: Int) {
            for k in rowsOfA.columnStarts[row]..<rowsOfA.columnStarts[row + 1] {
                triplets.rows.append(b.count); triplets.columns.append(rowsOfA.rowIndices[k]); triplets.values.append(rowsOfA.values[k])
            }
            b.append(problem.b[row])
        }
        for (index, cone) in problem.cones.enumerated() {
            let range = coneRanges[index]
            let overlapsBefore = overlapCount
            guard let cliques = chosen[index], case let .positiveSemidefinite(order) = cone else {
                for row in range { rowMap[row] = b.count; copyRow(row) }
                specs.append(cone)
                continue
            }
            // Each entry is owned by the last clique containing it in the tree order (the one
            // farthest from the root): a parent then holds one overlap variable per entry it shares,
            // instead of the data of all of them.
            var firstRows: [Int] = [], next = b.count
            for clique in cliques { firstRows.append(next); next += Svec.length(order: clique.count) }
            var owner: [Int: Int] = [:]  // original svec index → its row in the owning clique
            for (k, clique) in cliques.enumerated().reversed() {
                for (bIndex, q) in clique.enumerated() {
                    for (aIndex, p) in clique[...bIndex].enumerated() where owner[Svec.index(p, q)] == nil {
                        owner[Svec.index(p, q)] = firstRows[k] + Svec.index(aIndex, bIndex)
                    }
                }
            }
            for clique in cliques {
                specs.append(.positiveSemidefinite(clique.count))
                for (bIndex, q) in clique.enumerated() {
                    for p in clique[...bIndex] {
                        let entry = Svec.index(p, q), row = b.count, ownerRow = owner[entry]!
                        if ownerRow != row {
                            // s_k = y here; the owner's row gives y back with +1.
                            let y = n + overlapCount
                            overlapCount += 1
                            triplets.rows.append(row); triplets.columns.append(y); triplets.values.append(-1)
                            triplets.rows.append(ownerRow); triplets.columns.append(y); triplets.values.append(1)
                            b.append(0)
                        } else {
                            copyRow(range.lowerBound + entry)
                        }
                    }
                }
            }
            decomposedCones.append(DecomposedCone(cone: index, order: order, originalRows: range, cliques: cliques,
                                                  firstRows: firstRows, overlaps: overlapCount - overlapsBefore))
        }
        // The overlap variables have no cost and no entry of P.
        guard let A = try? SparseMatrix(rowCount: b.count, columnCount: n + overlapCount, rows: triplets.rows,
                                        columns: triplets.columns, values: triplets.values),
              let P = try? SparseMatrix(rowCount: n + overlapCount, columnCount: n + overlapCount,
                                        columnStarts: problem.P.columnStarts + [Int](repeating: problem.P.nonzeroCount, count: overlapCount),
                                        rowIndices: problem.P.rowIndices, values: problem.P.values),
              let decomposed = try? ConicProblem(P: P, q: problem.q + [Double](repeating: 0, count: overlapCount), A: A, b: b,
                                                 cones: specs, objectiveConstant: problem.objectiveConstant)
        else { return nil }
        self.decomposed = decomposed
        original = problem
        cones = decomposedCones
        self.rowMap = rowMap
    }

    /// The maximal cliques of a minimum-degree chordal extension of the graph, merged once per
    /// factor `f` of `mergeFactors` where that costs at most `f` times as much (one elimination
    /// for all), each clique ordered after its parent in the clique tree; plans that merge into a
    /// single clique are left out.
    /// Gives up (`nil`) as soon as one clique would exceed `maximumClique` vertices, the
    /// extension `maximumFill` off-diagonal entries, or the elimination ``eliminationBudget``
    /// set updates: random sparse graphs fill in almost completely, and eliminating them would
    /// take long for nothing (SDPLIB's maxG51 took 72 s without the budget).
    static func cliques(of neighbours: [Set<Int>], maximumClique: Int = .max, mergeFactors: [Double] = [1],
                        maximumFill: Int = .max) -> [(cliques: [[Int]], parent: [Int])]? {
        let n = neighbours.count
        var fill = 0, work = 0
        // Minimum-degree elimination; `later[v]`: v's neighbours eliminated after it (with fill).
        var graph = neighbours
        var order: [Int] = [], later = [[Int]](repeating: [], count: n)
        var buckets = [Set<Int>](repeating: [], count: n + 1)
        for v in 0..<n { buckets[graph[v].count].insert(v) }
        var smallest = 0
        for _ in 0..<n {
            while buckets[smallest].isEmpty { smallest += 1 }
            let v = buckets[smallest].min()!
            buckets[smallest].remove(v)
            order.append(v)
            let clique = Array(graph[v])
            fill += clique.count
            work += clique.count * clique.count
            guard clique.count + 1 <= maximumClique, fill <= maximumFill, work <= eliminationBudget else { return nil }
            later[v] = clique
            for a in clique {
                let before = graph[a].count
                graph[a].remove(v)
                for c in clique where c != a { graph[a].insert(c) }
                if graph[a].count != before {
                    buckets[before].remove(a); buckets[graph[a].count].insert(a)
                    smallest = min(smallest, graph[a].count)
                }
            }
            graph[v] = []
        }
        var position = [Int](repeating: 0, count: n)
        for (k, v) in order.enumerated() { position[v] = k }
        // Elimination tree and supernodal cliques: v's clique {v} ∪ later[v] is contained in a
        // child u's exactly when |later[u]| = |later[v]| + 1 with v first in later[u].
        var parentVertex = [Int](repeating: -1, count: n)
        var childVertices = [[Int]](repeating: [], count: n)
        for v in 0..<n where !later[v].isEmpty {
            let p = later[v].min { position[$0] < position[$1] }!
            parentVertex[v] = p
            childVertices[p].append(v)
        }
        var representative = [Int](repeating: -1, count: n)
        var sets: [Set<Int>] = []
        for v in order {
            if let u = childVertices[v].first(where: { later[$0].count == later[v].count + 1 }) {
                representative[v] = representative[u]
                sets[representative[v]].formUnion(later[v]); sets[representative[v]].insert(v)
            } else {
                representative[v] = sets.count
                sets.append(Set(later[v]).union([v]))
            }
        }
        var parent = [Int](repeating: -1, count: sets.count)
        for v in order where parentVertex[v] >= 0 && representative[parentVertex[v]] != representative[v] {
            parent[representative[v]] = representative[parentVertex[v]]
        }
        // Parents before children (breadth first from the roots).
        var children = [[Int]](repeating: [], count: sets.count)
        for c in sets.indices where parent[c] >= 0 { children[parent[c]].append(c) }
        var topological = sets.indices.filter { parent[$0] < 0 }
        var next = 0
        while next < topological.count { topological.append(contentsOf: children[topological[next]]); next += 1 }
        return mergeFactors.compactMap { merged(sets, parent: parent, children: children, topological: topological,
                                                mergeFactor: $0, maximumClique: maximumClique) }
    }

    /// The clique tree with each child merged into its parent when `|P ∪ C|³ ≤ mergeFactor ·
    /// (|P|³ + |C|³)` (leaves first), renumbered parents first; `nil` when one clique is left.
    private static func merged(_ cliqueSets: [Set<Int>], parent cliqueParent: [Int], children cliqueChildren: [[Int]],
                               topological: [Int], mergeFactor: Double, maximumClique: Int) -> (cliques: [[Int]], parent: [Int])? {
        var sets = cliqueSets, parent = cliqueParent, children = cliqueChildren
        var alive = [Bool](repeating: true, count: sets.count)
        for c in topological.reversed() {
            let p = parent[c]
            guard p >= 0 else { continue }
            let union = sets[p].union(sets[c])
            if union.count <= maximumClique,
               pow3(Double(union.count)) <= mergeFactor * (pow3(Double(sets[p].count)) + pow3(Double(sets[c].count))) {
                sets[p] = union
                alive[c] = false
                for g in children[c] where alive[g] { parent[g] = p }
                children[p].append(contentsOf: children[c])
            }
        }
        let kept = topological.filter { alive[$0] }
        guard kept.count > 1 else { return nil }
        var newIndex = [Int](repeating: -1, count: sets.count)
        for (k, c) in kept.enumerated() { newIndex[c] = k }
        return (kept.map { sets[$0].sorted() }, kept.map { parent[$0] >= 0 ? newIndex[parent[$0]] : -1 })
    }

    /// The solution of the original problem from that of the decomposed one.
    func recover(_ solution: Solution) -> Solution {
        let n = original.variableCount, m = original.constraintCount
        var s = [Double](repeating: .nan, count: m), z = s
        for (row, decomposedRow) in rowMap.enumerated() where decomposedRow >= 0 {
            s[row] = solution.s[decomposedRow]; z[row] = solution.z[decomposedRow]
        }
        for cone in cones {
            // S = Σ_k T_kᵀ S_k T_k; Z from the owners' entries, then completed.
            var slack = [Double](repeating: 0, count: cone.originalRows.count)
            var partial = [Double?](repeating: nil, count: cone.originalRows.count)
            for (k, clique) in cone.cliques.enumerated() {
                var row = cone.firstRows[k]
                for (bIndex, q) in clique.enumerated() {
                    for p in clique[...bIndex] {
                        let entry = Svec.index(p, q)
                        slack[entry] += solution.s[row]
                        if partial[entry] == nil { partial[entry] = solution.z[row] }
                        row += 1
                    }
                }
            }
            let completed = cone.complete(partial)
            for (k, row) in cone.originalRows.enumerated() { s[row] = slack[k]; z[row] = completed[k] }
        }
        var out = solution
        out.x = Array(solution.x.prefix(n))
        out.s = s
        out.z = z
        if !solution.status.isInfeasible, out.x.allSatisfy(\.isFinite), s.allSatisfy(\.isFinite), z.allSatisfy(\.isFinite) {
            (out.primalResidual, out.dualResidual) = original.residuals(x: out.x, s: s, z: z)
        }
        return out
    }
}

extension ChordalDecomposition.DecomposedCone {
    /// `W(Σ, Σ)⁻¹ W(Σ, N)` (`|Σ| × |N|`, column-major) by Cholesky, with a diagonal shift of
    /// `10⁻¹⁴·max W_ii` raised ×100 while the factorization fails (a dual solution on the boundary).
    private static func separatorSolve(_ w: [Double], order n: Int, separator: [Int], new: [Int]) -> [Double]? {
        let sep = separator.count
        var rhs = [Double](repeating: 0, count: sep * new.count)
        for (b, q) in new.enumerated() { for (a, p) in separator.enumerated() { rhs[a + b * sep] = w[p + q * n] } }
        let largest = separator.map { w[$0 + $0 * n] }.max() ?? 0
        var shift = 0.0
        for _ in 0..<6 {
            var gram = [Double](repeating: 0, count: sep * sep)
            for (b, q) in separator.enumerated() { for (a, p) in separator.enumerated() { gram[a + b * sep] = w[p + q * n] } }
            for a in 0..<sep { gram[a + a * sep] += shift }
            if gram.withUnsafeMutableBufferPointer({ Dense.cholesky($0.baseAddress!, n: sep) }) {
                gram.withUnsafeBufferPointer { l in rhs.withUnsafeMutableBufferPointer { Dense.choleskySolve(l.baseAddress!, n: sep, $0.baseAddress!, columns: new.count) } }
                return rhs
            }
            shift = shift == 0 ? 1e-14 * max(largest, .leastNormalMagnitude) : shift * 100
        }
        return nil
    }

    /// `svec` of the maximum-determinant PSD completion of the partial matrix given on the
    /// cliques' entries (`nil` elsewhere): clique by clique down the tree, the entries between a
    /// clique's new vertices `N` and the vertices `U` placed before it are
    /// `W(N, U) = W(N, Σ) W(Σ, Σ)⁻¹ W(Σ, U)` with `Σ` the separator (its overlap with its
    /// parent). NaN entries (no dual solution) stay NaN; should `W(Σ, Σ)` not factor even
    /// shifted, that clique's entries outside its own blocks stay zero.
    func complete(_ partial: [Double?]) -> [Double] {
        let n = order
        let root2 = 2.0.squareRoot()
        var w = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            for i in 0...j {
                guard let value = partial[Svec.index(i, j)] else { continue }
                let entry = i == j ? value : value / root2
                w[i + j * n] = entry; w[j + i * n] = entry
            }
        }
        guard w.allSatisfy(\.isFinite) else { return [Double](repeating: .nan, count: Svec.length(order: n)) }
        var placed = [Bool](repeating: false, count: n), inClique = placed
        var placedList: [Int] = []
        for clique in cliques {
            for v in clique { inClique[v] = true }
            let separator = clique.filter { placed[$0] }, new = clique.filter { !placed[$0] }
            let others = placedList.filter { !inClique[$0] }
            if !separator.isEmpty, !others.isEmpty, !new.isEmpty,
               let x = Self.separatorSolve(w, order: n, separator: separator, new: new) {
                // W(U', N) = W(U', Σ) X for the placed vertices U' outside the clique.
                let sep = separator.count, u = others.count
                var left = [Double](repeating: 0, count: u * sep), product = [Double](repeating: 0, count: u * new.count)
                for (a, p) in separator.enumerated() { for (r, o) in others.enumerated() { left[r + a * u] = w[o + p * n] } }
                left.withUnsafeBufferPointer { l in x.withUnsafeBufferPointer { xp in product.withUnsafeMutableBufferPointer { out in
                    Dense.multiply(l.baseAddress!, transposeA: false, xp.baseAddress!, transposeB: false, into: out.baseAddress!,
                                   m: u, n: new.count, k: sep)
                }}}
                for (b, v) in new.enumerated() {
                    for (r, o) in others.enumerated() { w[o + v * n] = product[r + b * u]; w[v + o * n] = product[r + b * u] }
                }
            }
            for v in clique { inClique[v] = false }
            for v in new { placed[v] = true; placedList.append(v) }
        }
        var out = [Double](repeating: 0, count: Svec.length(order: n))
        for j in 0..<n { for i in 0...j { out[Svec.index(i, j)] = i == j ? w[i + j * n] : root2 * w[i + j * n] } }
        return out
    }
}

private func pow3(_ v: Double) -> Double { v * v * v }
