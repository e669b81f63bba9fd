/// The reduced Newton matrix `M = P + σI + AᵀDA` (`D = H⁻¹`, `1/δ` on equality rows) held dense
/// and factored by LAPACK's Cholesky: the Schur-complement method of SDPA and SDPT3.
///
/// For a PSD cone `D(X) = G X G` with `G = (RRᵀ)⁻¹`, so with `Aⱼ = mat(column j of A on the
/// cone's rows)` its contribution is
///
///     M_ij += ⟨Aᵢ, G Aⱼ G⟩,
///
/// assembled per column `j` by whichever is cheaper: the dense product `Y = G Aⱼ G`
/// (`2n³` flops) read at the entries of every `Aᵢ`, or `Y`'s entries computed one at a time
/// from the entries of `Aⱼ` (`2 nnz(Aⱼ)` flops each) — cheap when the `Aᵢ` are very sparse
/// (max-cut, theta). The `n(n+1)/2`-square block `H⁻¹` itself is never formed. Nonnegative,
/// zero and second-order rows add `dᵢaᵢaᵢᵀ` and rank-one terms as in ``ReducedKKTSolver``.
///
/// Chosen when the variables are few against the cone sizes (SDPs in SDPA's standard form).
///
/// - Complexity: `O(n³/3)` for the factorization plus the assembly above, per iteration.
final class SchurComplementKKTSolver: KKTSolver {
    private let n: Int
    private let m: Int
    private let P: SparseMatrix
    private let A: SparseMatrix
    private let rowsOfA: SparseMatrix
    private let cones: ConeProduct
    private let refinement: IterativeRefinement
    private let equalityRegularization: Double
    /// Regularization σ of the last factorization: the static value, raised ×100 per failed attempt.
    private(set) var regularization: Double
    var regularizationScale = 1.0
    private let staticRegularization: Double
    private(set) var lastResidual = 0.0
    /// Lower triangle of `M`, then of its Cholesky factor (column-major `n × n`).
    private var factor: [Double]
    private var diagonal: [Double]
    private var workN: [Double]
    private var workM: [Double]
    private var psdBlocks: [PSDBlock] = []
    /// Estimated flops of one assembly plus factorization.
    let flops: Double

    /// The entries of `A` on one PSD cone's rows, by column.
    private struct PSDBlock {
        let cone: Int
        let order: Int
        /// Columns of `A` with entries on the cone's rows, ascending.
        let columns: [Int]
        /// For each of those columns, its entries: matrix position `(p, q)` with `p ≤ q` and the
        /// `svec` value (√2 times the matrix entry off the diagonal).
        let entries: [[(p: Int, q: Int, value: Double)]]
        /// Whether column `j`'s `G Aⱼ G` is formed densely.
        let dense: [Bool]
    }

    init?(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct, settings: SolverSettings) {
        n = P.columnCount
        m = A.rowCount
        self.P = P
        self.A = A
        self.cones = cones
        rowsOfA = A.transposed()
        refinement = IterativeRefinement(P: P, A: A, cones: cones, settings: settings)
        equalityRegularization = settings.equalityRegularization
        regularization = settings.staticRegularization
        staticRegularization = settings.staticRegularization
        factor = [Double](repeating: 0, count: n * n)
        diagonal = [Double](repeating: 0, count: m)
        workN = [Double](repeating: 0, count: n)
        workM = [Double](repeating: 0, count: m)
        var cost = Double(n) * Double(n) * Double(n) / 3
        for (index, (cone, range)) in zip(cones.cones, cones.ranges).enumerated() {
            guard let psd = cone as? PSDTriangleCone else {
                for i in range {
                    let count = Double(rowsOfA.columnStarts[i + 1] - rowsOfA.columnStarts[i])
                    cost += count * count
                }
                continue
            }
            let block = Self.makeBlock(cone: index, order: psd.order, rows: range, A: A)
            cost += Self.assemblyCost(block)
            psdBlocks.append(block)
        }
        flops = cost
    }

    private static func makeBlock(cone: Int, order: Int, rows range: Range<Int>, A: SparseMatrix) -> PSDBlock {
        var position = [(p: Int, q: Int)](repeating: (0, 0), count: range.count)
        for q in 0..<order { for p in 0...q { position[Svec.index(p, q)] = (p, q) } }
        var columns: [Int] = [], entries: [[(p: Int, q: Int, value: Double)]] = []
        for j in 0..<A.columnCount {
            var list: [(p: Int, q: Int, value: Double)] = []
            for k in A.columnStarts[j]..<A.columnStarts[j + 1] where range.contains(A.rowIndices[k]) {
                let (p, q) = position[A.rowIndices[k] - range.lowerBound]
                list.append((p, q, A.values[k]))
            }
            if !list.isEmpty { columns.append(j); entries.append(list) }
        }
        let total = entries.reduce(0) { $0 + $1.count }
        let denseCost = 2 * Double(order) * Double(order) * Double(order)
        let dense = entries.map { 4 * Double($0.count) * Double(total) > denseCost }
        return PSDBlock(cone: cone, order: order, columns: columns, entries: entries, dense: dense)
    }

    private static func assemblyCost(_ block: PSDBlock) -> Double {
        let total = Double(block.entries.reduce(0) { $0 + $1.count })
        let n3 = Double(block.order) * Double(block.order) * Double(block.order)
        var cost = 0.0
        for (list, dense) in zip(block.entries, block.dense) {
            cost += dense ? 2 * n3 + total : 4 * Double(list.count) * total
        }
        return cost
    }

    var methodName: String {
        "dense Schur complement (P + AᵀDA), LAPACK Cholesky, n = \(n), \(psdBlocks.count) PSD block(s), ≈ \(String(Int(flops))) flops per iteration"
    }

    func update() -> Bool {
        let n = self.n
        factor.withUnsafeMutableBufferPointer { M in
            M.update(repeating: 0)
            // P (upper triangle given; the lower triangle of M is written).
            for j in 0..<n {
                for k in P.columnStarts[j]..<P.columnStarts[j + 1] {
                    let i = P.rowIndices[k]
                    M[j + i * n] += P.values[k]
                }
            }
            diagonal.withUnsafeMutableBufferPointer { d in
                for (cone, range) in zip(cones.cones, cones.ranges) where !(cone is PSDTriangleCone) {
                    let block = cone.inverseHessian(diagonal: .init(rebasing: d[range]), equalityRegularization: equalityRegularization * regularizationScale)
                    addRows(range, weights: UnsafeBufferPointer(d), into: M)
                    if case let .diagonalPlusRankOne(rho, u) = block { addRankOne(range, rho: rho, u: u, into: M) }
                }
            }
            for block in psdBlocks {
                addPSDBlock(block, into: M)
            }
        }
        // Cholesky of the lower triangle, raising σ until it succeeds.
        let assembled = factor
        var sigma = staticRegularization * regularizationScale
        for _ in 0..<8 {
            factor = assembled
            factor.withUnsafeMutableBufferPointer { M in for j in 0..<n { M[j + j * n] += sigma } }
            if factor.withUnsafeMutableBufferPointer({ Dense.cholesky($0.baseAddress!, n: n) }) {
                regularization = sigma
                return true
            }
            sigma *= 100
        }
        return false
    }

    /// `M += Σᵢ dᵢ aᵢaᵢᵀ` over the rows `range` (lower triangle).
    private func addRows(_ range: Range<Int>, weights d: UnsafeBufferPointer<Double>, into M: UnsafeMutableBufferPointer<Double>) {
        let rs = rowsOfA.columnStarts, cols = rowsOfA.rowIndices, vals = rowsOfA.values
        for i in range {
            let w = d[i]
            for p in rs[i]..<rs[i + 1] {
                let cp = cols[p], wp = w * vals[p]
                for q in p..<rs[i + 1] { M[cols[q] + cp * n] += wp * vals[q] }
            }
        }
    }

    /// `M += ρ (A_Kᵀu)(A_Kᵀu)ᵀ` for the rows `range` (lower triangle, over the support).
    private func addRankOne(_ range: Range<Int>, rho: Double, u: [Double], into M: UnsafeMutableBufferPointer<Double>) {
        var v: [Int: Double] = [:]
        for i in range {
            for p in rowsOfA.columnStarts[i]..<rowsOfA.columnStarts[i + 1] {
                v[rowsOfA.rowIndices[p], default: 0] += u[i - range.lowerBound] * rowsOfA.values[p]
            }
        }
        let support = v.keys.sorted()
        for (a, ca) in support.enumerated() {
            let va = rho * v[ca]!
            for cb in support[a...] { M[cb + ca * n] += va * v[cb]! }
        }
    }

    /// `M_ij += ⟨Aᵢ, G Aⱼ G⟩` for the columns of one PSD cone (lower triangle, `i ≥ j`).
    private func addPSDBlock(_ block: PSDBlock, into M: UnsafeMutableBufferPointer<Double>) {
        guard let cone = cones.cones[block.cone] as? PSDTriangleCone else { return }
        let order = block.order
        let root2 = 2.0.squareRoot()
        var y = [Double](repeating: 0, count: order * order)
        var a = y, t = y
        cone.g.withUnsafeBufferPointer { g in
            for (jIndex, j) in block.columns.enumerated() {
                let list = block.entries[jIndex]
                if block.dense[jIndex] {
                    // Y = G Aⱼ G densely.
                    a.withUnsafeMutableBufferPointer { am in
                        am.update(repeating: 0)
                        for (p, q, value) in list {
                            let entry = p == q ? value : value / root2
                            am[p + q * order] = entry; am[q + p * order] = entry
                        }
                        t.withUnsafeMutableBufferPointer { tm in
                            y.withUnsafeMutableBufferPointer { ym in
                                Dense.multiply(am.baseAddress!, transposeA: false, g.baseAddress!, transposeB: false,
                                               into: tm.baseAddress!, m: order, n: order, k: order)
                                Dense.multiply(g.baseAddress!, transposeA: false, tm.baseAddress!, transposeB: false,
                                               into: ym.baseAddress!, m: order, n: order, k: order)
                            }
                        }
                    }
                    for iIndex in jIndex..<block.columns.count {
                        var sum = 0.0
                        for (p, q, value) in block.entries[iIndex] {
                            sum += p == q ? value * y[p + q * order] : value * root2 * y[p + q * order]
                        }
                        M[block.columns[iIndex] + j * n] += sum
                    }
                } else {
                    // Y's entries one at a time: Y_pq = Σ_{(k,l) ∈ Aⱼ} a_kl (G_pk G_lq + G_pl G_kq), k < l;
                    // a_kk G_pk G_kq on the diagonal.
                    for iIndex in jIndex..<block.columns.count {
                        var sum = 0.0
                        for (p, q, vi) in block.entries[iIndex] {
                            var ypq = 0.0
                            for (k, l, vj) in list {
                                if k == l {
                                    ypq += vj * g[p + k * order] * g[k + q * order]
                                } else {
                                    ypq += vj / root2 * (g[p + k * order] * g[l + q * order] + g[p + l * order] * g[k + q * order])
                                }
                            }
                            sum += p == q ? vi * ypq : vi * root2 * ypq
                        }
                        M[block.columns[iIndex] + j * n] += sum
                    }
                }
            }
        }
    }

    /// One solve with the regularized factorization: `M x = r_x + AᵀD r_z`, `z = D(Ax − r_z)`.
    private func reducedSolve(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                              x: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>) {
        workM.withUnsafeMutableBufferPointer { dz in
            applyD(rz, into: dz)
            for j in 0..<n { x[j] = rx[j] }
            A.transposeMultiplyAdd(UnsafeBufferPointer(dz), into: x)
            factor.withUnsafeBufferPointer { l in Dense.choleskySolve(l.baseAddress!, n: n, x.baseAddress!) }
            for i in 0..<m { dz[i] = -rz[i] }
            A.multiplyAdd(UnsafeBufferPointer(x), into: dz)
            applyD(UnsafeBufferPointer(dz), into: z)
        }
    }

    private func applyD(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        for (cone, range) in zip(cones.cones, cones.ranges) {
            cone.multiplyInverseHessian(.init(rebasing: v[range]), into: .init(rebasing: out[range]),
                                        equalityRegularization: equalityRegularization)
        }
    }

    func solve(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double]) -> Bool {
        lastResidual = refinement.solve(rx: rx, rz: rz, x: &x, z: &z) { rx, rz, x, z in
            self.reducedSolve(rx: rx, rz: rz, x: x, z: z)
        }
        return lastResidual.isFinite
    }
}
