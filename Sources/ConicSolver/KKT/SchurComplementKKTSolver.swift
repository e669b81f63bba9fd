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
/// Once refinement misses its tolerance, PSD blocks are assembled from the factor `V` of
/// `G = VVᵀ` as the Gram matrix of the `VᵀAⱼV`, accurate where `G`'s explicit entries are not.
///
/// Solves keep the assembled `M` to refine in its own space, accept one reduced solve when the
/// first block row is accurate enough for the step, and otherwise refine against the full Newton
/// matrix (see ``solve(rx:rz:x:z:)`` and `docs/solver.md`).
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
    /// Refinement against the full Newton matrix.
    private let refinement: IterativeRefinement
    /// Whether some rows are equalities, whose `1/δ` in `D` stands in for the zero block of `H`.
    private let hasEqualities: Bool
    private let refinementSteps: Int
    private let refinementTolerance: Double
    private let equalityRegularization: Double
    /// `δ` of the equality rows in the last assembly (raised with ``regularizationScale``).
    private var currentEqualityRegularization: Double
    /// Regularization σ of the last factorization: the static value, raised ×100 per failed attempt.
    private(set) var regularization: Double
    var regularizationScale = 1.0
    var slackFromPrimalEquation: Bool { true }
    var solveTolerance: Double {
        get { refinement.tolerance }
        set { refinement.tolerance = newValue }
    }
    private let staticRegularization: Double
    private(set) var lastResidual = 0.0
    /// Lower triangle of `M` as assembled, without the regularization (column-major `n × n`).
    private var matrix: [Double]
    /// Lower triangle of the Cholesky factor of `M + σI`.
    private var factor: [Double]
    private var rhsN: [Double]
    private var diagonal: [Double]
    /// Conjugate-gradient work vectors of ``solveAssembled(_:into:)``.
    private var cgResidual: [Double], cgPreconditioned: [Double], cgDirection: [Double], cgProduct: [Double], cgBest: [Double]
    private var workM: [Double]
    private var psdBlocks: [PSDBlock] = []
    /// Whether PSD blocks are assembled in factored form, `G = VVᵀ` (``addPSDBlockGram(_:into:)``,
    /// or `V(VᵀAⱼV)Vᵀ` for the dense columns of blocks too large for it): set for the rest of the
    /// run once refinement against the full matrix misses its tolerance. Costs up to twice the
    /// assembly, so the well-conditioned early iterations keep the explicit `G`.
    private var factoredAssembly = false
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
        hasEqualities = zip(cones.cones, cones.ranges).contains { $0.0.degree == 0 && !$0.1.isEmpty }
        refinement = IterativeRefinement(P: P, A: A, cones: cones, settings: settings)
        refinementSteps = settings.refinementMaxIterations
        refinementTolerance = settings.refinementRelativeTolerance
        equalityRegularization = settings.equalityRegularization
        currentEqualityRegularization = settings.equalityRegularization
        regularization = settings.staticRegularization
        staticRegularization = settings.staticRegularization
        factor = [Double](repeating: 0, count: n * n)
        matrix = factor
        rhsN = [Double](repeating: 0, count: n)
        diagonal = [Double](repeating: 0, count: m)
        cgResidual = [Double](repeating: 0, count: n)
        cgPreconditioned = cgResidual; cgDirection = cgResidual; cgProduct = cgResidual; cgBest = cgResidual
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
        currentEqualityRegularization = equalityRegularization * regularizationScale
        matrix.withUnsafeMutableBufferPointer { M in
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
                    let block = cone.inverseHessian(diagonal: .init(rebasing: d[range]), equalityRegularization: currentEqualityRegularization)
                    addRows(range, weights: UnsafeBufferPointer(d), into: M)
                    if case let .diagonalPlusRankOne(rho, u) = block { addRankOne(range, rho: rho, u: u, into: M) }
                }
            }
            for block in psdBlocks {
                if factoredAssembly, Double(block.order * (block.order + 1) / 2) * Double(block.columns.count) <= Self.gramLimit {
                    addPSDBlockGram(block, into: M)
                } else {
                    addPSDBlock(block, into: M)
                }
            }
        }
        // Cholesky of the lower triangle, raising σ until it succeeds.
        var sigma = staticRegularization * regularizationScale
        for _ in 0..<8 {
            factor = matrix
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

    /// Largest `svec` dimension × column count of a PSD block assembled by ``addPSDBlockGram(_:into:)``
    /// (its work matrix: 200 MB).
    static let gramLimit = 2.5e7

    /// `M_ij += ⟨VᵀAᵢV, VᵀAⱼV⟩` with `G = VVᵀ`, `V = QΩ^{-1/2}`: the same entries as
    /// ``addPSDBlock(_:into:)``, as the Gram matrix `BᵀB` of `B = [svec(VᵀAⱼV)]`. Every entry is
    /// then accurate relative to its row's and column's diagonal, which the sums over `G`'s entries
    /// are not when `Aᵢ` has many entries and `G` a condition number near `1/ε` (gpp: `Aᵢ = 11ᵀ`
    /// against the unattained optimum's direction, where `M`'s diagonal is tiny). Costs
    /// `nnz(Aⱼ)·n²` (or `4n³` for dense `Aⱼ`) per column plus one `dsyrk`, and `dim × columns`
    /// memory; used once refinement has missed its tolerance.
    private func addPSDBlockGram(_ block: PSDBlock, into M: UnsafeMutableBufferPointer<Double>) {
        guard let cone = cones.cones[block.cone] as? PSDTriangleCone else { return }
        let order = block.order, dimension = order * (order + 1) / 2, count = block.columns.count
        let root2 = 2.0.squareRoot()
        var b = [Double](repeating: 0, count: dimension * count)
        var x = [Double](repeating: 0, count: order * order), t = x
        cone.gFactor.withUnsafeBufferPointer { vp in
            let v = vp.baseAddress!
            for (jIndex, list) in block.entries.enumerated() {
                x.withUnsafeMutableBufferPointer { xm in
                    xm.update(repeating: 0)
                    if block.dense[jIndex] {
                        // X = Vᵀ Aⱼ V by two products.
                        t.withUnsafeMutableBufferPointer { tm in
                            tm.update(repeating: 0)
                            for (p, q, value) in list {
                                let entry = p == q ? value : value / root2
                                tm[p + q * order] = entry; tm[q + p * order] = entry
                            }
                            Dense.multiply(tm.baseAddress!, transposeA: false, v, transposeB: false, into: xm.baseAddress!, m: order, n: order, k: order)
                            Dense.multiply(v, transposeA: true, xm.baseAddress!, transposeB: false, into: tm.baseAddress!, m: order, n: order, k: order)
                            for i in 0..<(order * order) { xm[i] = tm[i] }
                        }
                    } else {
                        // X = Σ a_pq (v_p v_qᵀ + v_q v_pᵀ)/√2 (off the diagonal), a_pp v_p v_pᵀ, with v_p row p of V;
                        // only the upper triangle is needed.
                        for (p, q, value) in list {
                            let entry = p == q ? value : value / root2
                            for l in 0..<order {
                                let vpl = entry * v[p + l * order], vql = entry * v[q + l * order]
                                for k in 0...l {
                                    var add = vpl * v[q + k * order]
                                    if p != q { add += vql * v[p + k * order] }
                                    xm[k + l * order] += add
                                }
                            }
                        }
                    }
                    let column = jIndex * dimension
                    for l in 0..<order {
                        for k in 0...l { b[column + Svec.index(k, l)] = k == l ? xm[k + l * order] : root2 * xm[k + l * order] }
                    }
                }
            }
        }
        var gram = [Double](repeating: 0, count: count * count)
        b.withUnsafeBufferPointer { bp in gram.withUnsafeMutableBufferPointer { gp in
            Dense.gram(bp.baseAddress!, rows: dimension, columns: count, into: gp.baseAddress!)
        }}
        for (jIndex, j) in block.columns.enumerated() {
            for iIndex in jIndex..<count { M[block.columns[iIndex] + j * n] += gram[iIndex + jIndex * count] }
        }
    }

    /// `M_ij += ⟨Aᵢ, G Aⱼ G⟩` for the columns of one PSD cone (lower triangle, `i ≥ j`).
    private func addPSDBlock(_ block: PSDBlock, into M: UnsafeMutableBufferPointer<Double>) {
        guard let cone = cones.cones[block.cone] as? PSDTriangleCone else { return }
        let order = block.order
        let root2 = 2.0.squareRoot()
        let factored = factoredAssembly  // the Gram form's memory was too large for this block
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
                                let a = am.baseAddress!, t = tm.baseAddress!, y = ym.baseAddress!
                                if factored {
                                    // Y = V(VᵀAⱼV)Vᵀ: rounding stays relative to each of G's eigenvalues.
                                    cone.gFactor.withUnsafeBufferPointer { vp in
                                        let v = vp.baseAddress!
                                        Dense.multiply(a, transposeA: false, v, transposeB: false, into: t, m: order, n: order, k: order)
                                        Dense.multiply(v, transposeA: true, t, transposeB: false, into: y, m: order, n: order, k: order)
                                        Dense.multiply(v, transposeA: false, y, transposeB: false, into: t, m: order, n: order, k: order)
                                        Dense.multiply(t, transposeA: false, v, transposeB: true, into: y, m: order, n: order, k: order)
                                    }
                                } else {
                                    Dense.multiply(a, transposeA: false, g.baseAddress!, transposeB: false, into: t, m: order, n: order, k: order)
                                    Dense.multiply(g.baseAddress!, transposeA: false, t, transposeB: false, into: y, m: order, n: order, k: order)
                                }
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

    /// `x ← M⁻¹ rhs` with the regularized factor, refined against the assembled `M` (`n²` per
    /// step): removes `σ` and the error of the Cholesky factor of the ill-conditioned `M`.
    ///
    /// Stationary refinement gains only `λ/σ` per step along eigenvalues `λ` of `M` far below
    /// `σ`, which the Schur matrices of ill-posed SDPs have near the end (gpp: the direction of
    /// the unattained optimum). When it stops short of its target, conjugate gradients with the
    /// same factor as preconditioner continue from its result: they remove those few outlying
    /// eigenvalues in about as many steps. (Conjugate gradients from the start were measured
    /// worse on control5: there the damped stationary solve is the better preconditioner for
    /// the refinement against the full Newton matrix.)
    private func solveAssembled(_ rhs: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        let n = self.n
        cgResidual.withUnsafeMutableBufferPointer { r in
        cgPreconditioned.withUnsafeMutableBufferPointer { z in
        cgDirection.withUnsafeMutableBufferPointer { p in
        cgProduct.withUnsafeMutableBufferPointer { q in
        cgBest.withUnsafeMutableBufferPointer { best in
        matrix.withUnsafeBufferPointer { M in
        factor.withUnsafeBufferPointer { L in
            let m = M.baseAddress!, l = L.baseAddress!
            var rhsNorm = 0.0
            for j in 0..<n { x[j] = rhs[j]; rhsNorm = max(rhsNorm, abs(rhs[j])) }
            Dense.choleskySolve(l, n: n, x.baseAddress!)
            let target = refinementTolerance * (1 + rhsNorm)
            /// r ← rhs − M x, recomputed rather than updated so that every test sees the true residual.
            func residual() -> Double {
                Dense.symmetricMultiplyVector(m, x.baseAddress!, into: r.baseAddress!, n: n)
                var norm = 0.0
                for j in 0..<n { r[j] = rhs[j] - r[j]; norm = max(norm, abs(r[j])) }
                return norm
            }
            // Stationary refinement, kept while each step gains a factor `minimumImprovement`.
            var norm = residual()
            for _ in 0..<refinementSteps where norm > target {
                for j in 0..<n { best[j] = x[j]; z[j] = r[j] }
                Dense.choleskySolve(l, n: n, z.baseAddress!)
                for j in 0..<n { x[j] += z[j] }
                let next = residual()
                if !(next < norm) {
                    for j in 0..<n { x[j] = best[j] }
                    norm = residual()
                    break
                }
                let stalled = next > norm / IterativeRefinement.minimumImprovement
                norm = next
                if stalled { break }
            }
            guard norm > target else { return }
            // Preconditioned conjugate gradients from there, returning the best iterate seen.
            var bestNorm = norm
            for j in 0..<n { best[j] = x[j]; z[j] = r[j] }
            Dense.choleskySolve(l, n: n, z.baseAddress!)
            for j in 0..<n { p[j] = z[j] }
            var rz = 0.0
            for j in 0..<n { rz += r[j] * z[j] }
            for _ in 0..<(2 * refinementSteps) {
                Dense.symmetricMultiplyVector(m, p.baseAddress!, into: q.baseAddress!, n: n)
                var pq = 0.0
                for j in 0..<n { pq += p[j] * q[j] }
                guard pq > 0, rz > 0 else { break }
                let alpha = rz / pq
                for j in 0..<n { x[j] += alpha * p[j] }
                let next = residual()
                if next < bestNorm {
                    bestNorm = next
                    for j in 0..<n { best[j] = x[j] }
                    if next <= target { break }
                }
                for j in 0..<n { z[j] = r[j] }
                Dense.choleskySolve(l, n: n, z.baseAddress!)
                var rzNext = 0.0
                for j in 0..<n { rzNext += r[j] * z[j] }
                let beta = rzNext / rz
                rz = rzNext
                for j in 0..<n { p[j] = z[j] + beta * p[j] }
            }
            for j in 0..<n { x[j] = best[j] }
        }}}}}}}
    }

    /// One solve of the reduced system: `M x = r_x + AᵀD r_z` (see ``solveAssembled(_:into:)``),
    /// then `z = D(Ax − r_z)`; `fast` applies `D` through the explicit `G` of the PSD cones.
    private func reducedSolve(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                              x: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>, fast: Bool) {
        workM.withUnsafeMutableBufferPointer { dz in
        rhsN.withUnsafeMutableBufferPointer { rhs in
            applyD(rz, into: dz, fast: fast)
            for j in 0..<n { rhs[j] = rx[j] }
            A.transposeMultiplyAdd(UnsafeBufferPointer(dz), into: rhs)
            solveAssembled(UnsafeBufferPointer(rhs), into: x)
            for i in 0..<m { dz[i] = -rz[i] }
            A.multiplyAdd(UnsafeBufferPointer(x), into: dz)
            applyD(UnsafeBufferPointer(dz), into: z, fast: fast)
        }}
    }

    /// `‖r_x − Px − Aᵀz‖∞`: the first block row's residual (sparse products only).
    private func firstRowResidual(rx: [Double], x: [Double], z: [Double]) -> Double {
        var e = rx
        e.withUnsafeMutableBufferPointer { e in
            x.withUnsafeBufferPointer { P.symmetricMultiplyAdd($0, into: e, scale: -1) }
            z.withUnsafeBufferPointer { A.transposeMultiplyAdd($0, into: e, scale: -1) }
        }
        return e.reduce(0) { max($0, abs($1)) }
    }

    private func applyD(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>, fast: Bool) {
        for (cone, range) in zip(cones.cones, cones.ranges) {
            if fast, let psd = cone as? PSDTriangleCone {
                psd.multiplyByExplicitInverse(.init(rebasing: v[range]), into: .init(rebasing: out[range]))
            } else {
                cone.multiplyInverseHessian(.init(rebasing: v[range]), into: .init(rebasing: out[range]),
                                            equalityRegularization: currentEqualityRegularization)
            }
        }
    }

    /// Solves with one reduced solve (`D` through the explicit `G`) when its first block row is
    /// accurate to ``solveTolerance`` already: the second holds by construction of `z` up to the
    /// rounding of `D`, which the step moves into complementarity (see ``IterationState``).
    /// Otherwise — and always with equality rows, whose `1/δ` only refinement removes — refines
    /// against the full Newton matrix with `H` and `D` in the cones' eigenbases, which keeps `z`
    /// an unknown instead of computing it through the ill-conditioned `D`.
    func solve(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double]) -> Bool {
        var continuing = false
        if !hasEqualities {
            rx.withUnsafeBufferPointer { rxp in
            rz.withUnsafeBufferPointer { rzp in
            x.withUnsafeMutableBufferPointer { xp in
            z.withUnsafeMutableBufferPointer { zp in
                reducedSolve(rx: rxp, rz: rzp, x: xp, z: zp, fast: true)
            }}}}
            var rhsNorm = 0.0
            for v in rx { rhsNorm = max(rhsNorm, abs(v)) }
            for v in rz { rhsNorm = max(rhsNorm, abs(v)) }
            lastResidual = firstRowResidual(rx: rx, x: x, z: z) / (1 + rhsNorm)
            if lastResidual <= solveTolerance { return z.allSatisfy(\.isFinite) }
            continuing = true
        }
        lastResidual = refinement.solve(rx: rx, rz: rz, x: &x, z: &z, continuing: continuing) { rx, rz, x, z in
            self.reducedSolve(rx: rx, rz: rz, x: x, z: z, fast: false)
        }
        if lastResidual > solveTolerance { factoredAssembly = true }
        return lastResidual.isFinite
    }
}
