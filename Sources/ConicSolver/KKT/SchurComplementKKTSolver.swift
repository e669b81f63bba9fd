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
/// Once refinement misses its tolerance, the dense columns' `G Aⱼ G` are formed through the factor
/// `V` of `G = VVᵀ` instead (see `factoredAssembly`); once a step's solves lose accuracy
/// altogether, blocks that afford it are assembled as the Gram matrix of the `VᵀAⱼV`
/// (``NewtonAccuracy/increased``).
///
/// Solves keep the assembled `M` to refine in its own space, accept one reduced solve when the
/// first block row is accurate enough for the step, and otherwise refine against the full Newton
/// matrix (see ``solve(rx:rz:x:z:)`` and `docs/solver.md`).
///
/// Chosen when the variables are few against the cone sizes (SDPs in SDPA's standard form).
///
/// - Complexity: `O(n³/3)` for the factorization plus the assembly above, per iteration.
final class SchurComplementKKTSolver: RegularizedKKTForm {
    private let n: Int
    private let m: Int
    private let P: SparseMatrix
    private let A: SparseMatrix
    private let rowsOfA: SparseMatrix
    private let cones: ConeProduct
    /// Refinement against the full Newton matrix.
    let refinement: IterativeRefinement
    /// Whether some rows are equalities, whose `1/δ` in `D` stands in for the zero block of `H`.
    private let hasEqualities: Bool
    private let refinementSteps: Int
    private let refinementTolerance: Double
    private let equalityRegularization: Double
    /// `δ` of the equality rows in the last assembly (scaled by ``NewtonSystemOptions/regularizationScale``).
    private var currentEqualityRegularization: Double
    /// Regularization σ of the last factorization: the static value, raised ×100 per failed attempt.
    private(set) var regularization: Double
    var slackFromPrimalEquation: Bool { true }
    var regularizationMayBeLowered: Bool { false }
    /// The static regularization and seven raises of ×100.
    static let factorizationAttempts = 8
    /// Refinement here means dense products against the full Newton matrix: stopping early far
    /// from a solution saves iterations' worth of time on large SDPs.
    static let acceptsLooseSolves = true
    let staticRegularization: Double
    /// `M` as assembled, without the regularization: the lower triangle (column-major `n × n`)
    /// when dense; the values of ``sparse``'s pattern otherwise.
    private(set) var matrix: [Double]
    /// Lower triangle of the Cholesky factor of `M + σI` (dense storage only).
    private var factor: [Double]
    /// Sparse storage, chosen when `M` is sparse enough for CHOLMOD's supernodal Cholesky to beat
    /// the dense one by ``sparseAdvantage`` (many cones that each touch few variables, as after a
    /// chordal decomposition): the upper-triangle pattern of `M`, whose values are ``matrix``,
    /// the factorization, and where each diagonal entry is stored.
    private let sparse: (pattern: SparseMatrix, factorization: CholmodFactorization, diagonal: [Int])?
    /// Largest dense `M` (entries; 8 bytes each, held twice).
    static let maximumDenseEntries = 1e8
    /// How much cheaper the sparse factorization must be to be chosen.
    static let sparseAdvantage = 1.5
    private var rhsN: [Double], stepN: [Double]
    /// The result of a sparse factorization's solve, copied back in place.
    private var sparseSolution: [Double]
    private var diagonal: [Double]
    private var workN: [Double]
    private var workM: [Double]
    private var psdBlocks: [PSDBlock] = []
    /// Whether the dense columns' `G Aⱼ G` are formed as `V(VᵀAⱼV)Vᵀ` (`G = VVᵀ`): set for the
    /// rest of the run once refinement against the full matrix misses its tolerance. A dense `Aⱼ`
    /// lined up with a direction where `G` is tiny (gpp: `11ᵀ` along the unattained optimum;
    /// qap, hinf) gets entries of `M` far below the rounding `ε‖G‖` of sums over the explicit `G`.
    private var factoredAssembly = false
    /// Whether the PSD blocks that afford it are assembled as a Gram matrix (``addGramBlock(_:cone:into:)``):
    /// with ``NewtonAccuracy/increased``.
    private var gramAssembly = false
    /// The `VᵀAⱼV` of the Gram assembly, column after column (largest block's).
    private var gramWork: [Double] = []
    /// Largest `c·n²` (the stored `VᵀAⱼV` of a block) for the Gram form of the factored assembly.
    static let gramEntries = 25_000_000.0
    /// Estimated flops of one assembly plus factorization, and of the factorization alone.
    let flops: Double
    /// The matrix and its factor (dense, or CHOLMOD's) and the Gram work space at its cap.
    var memoryBytes: Double {
        8 * Double(matrix.count + factor.count) + (sparse?.factorization.memoryBytes ?? 0)
            + (psdBlocks.contains { $0.gramAffordable } ? 8 * Self.gramEntries : 0)
    }
    let factorizationFlops: Double

    /// The entries of `A` on one PSD cone's rows, by column.
    private struct PSDBlock {
        let cone: Int
        let order: Int
        /// Columns of `A` with entries on the cone's rows, ascending.
        let columns: [Int]
        /// Their entries, in flat arrays (those of the column at `columns[jIndex]` are
        /// ``entries(_:)``): matrix position `(p, q)` with `p ≤ q` and the `svec` value (√2 times
        /// the matrix entry off the diagonal). Flat because the entry-by-entry assembly visits them
        /// `m²/2` times per iteration, where nested arrays cost a reference count each time.
        let start: [Int], rowP: [Int], rowQ: [Int], value: [Double]
        /// Whether column `j`'s `G Aⱼ G` is formed densely.
        let dense: [Bool]
        /// With sparse storage, where `M(columns[i], columns[j])` (`i ≥ j`) is stored, packed by
        /// columns of the lower triangle: `slots[slotColumn(j) + i]`. Empty with dense storage.
        var slots: [Int] = []

        /// The positions in the flat arrays of the entries of column `columns[jIndex]`.
        func entries(_ jIndex: Int) -> Range<Int> { start[jIndex]..<start[jIndex + 1] }

        /// The offset of column `jIndex` in ``slots``, to which the row index `i ≥ jIndex` is added.
        func slotColumn(_ jIndex: Int) -> Int { jIndex * columns.count - jIndex * (jIndex + 1) / 2 }
        /// Where `M(columns[iIndex], columns[jIndex])`, `iIndex ≥ jIndex`, is stored in a matrix of
        /// order `n`: in the dense lower triangle, or through ``slots``.
        func position(_ iIndex: Int, _ jIndex: Int, order n: Int) -> Int {
            slots.isEmpty ? columns[iIndex] + columns[jIndex] * n : slots[slotColumn(jIndex) + iIndex]
        }

        /// Whether `Aᵀ D r` is computed from the entries of `G R G` on the block's pattern alone
        /// (one product `R G` and a dot product per entry) instead of from all of `G R G` (two
        /// products): when every column is sparse and the pattern has fewer than `n²/2` entries.
        var sparseRightHandSide: Bool { !dense.contains(true) && 2 * rowP.count < order * order }
        /// Whether the Gram assembly (``addGramBlock(_:cone:into:)``) may form every column's
        /// `VᵀAⱼV` and their Gram matrix: at most ``gramEntries`` stored, and `c²n²` flops within
        /// four times the cone's own work per iteration (about `90n³`) plus its block's `c³/3`.
        var gramAffordable: Bool {
            let c = Double(columns.count), n = Double(order)
            return c * n * n <= SchurComplementKKTSolver.gramEntries && c * c * n * n <= 4 * (90 * n * n * n + c * c * c / 3)
        }
    }
    /// Cones whose blocks take the sparse right-hand side (see `PSDBlock.sparseRightHandSide`),
    /// and two work matrices of the largest such block's order, for `R` and `R G`.
    private var sparseRightHandSideCones: Set<Int> = []
    private var sparseRightHandSideMatrix: [Double] = [], sparseRightHandSideProduct: [Double] = []

    init?(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct, settings: SolverSettings) {
        // The exponential and power cones' 3 × 3 blocks are not among its assembly strategies.
        guard !cones.hasNonsymmetric else { return nil }
        n = P.columnCount
        m = A.rowCount
        self.P = P
        self.A = A
        self.cones = cones
        rowsOfA = A.transposed()
        hasEqualities = zip(cones.cones, cones.ranges).contains { $0.0.isZero && !$0.1.isEmpty }
        refinement = IterativeRefinement(P: P, A: A, cones: cones, settings: settings)
        refinementSteps = settings.refinementMaxIterations
        refinementTolerance = settings.refinementRelativeTolerance
        equalityRegularization = settings.equalityRegularization
        currentEqualityRegularization = settings.equalityRegularization
        regularization = settings.staticRegularization
        staticRegularization = settings.staticRegularization
        rhsN = [Double](repeating: 0, count: n)
        stepN = rhsN
        sparseSolution = rhsN
        diagonal = [Double](repeating: 0, count: m)
        workN = [Double](repeating: 0, count: n)
        workM = [Double](repeating: 0, count: m)
        var assembly = 0.0
        var blocks: [PSDBlock] = []
        for (index, (cone, range)) in zip(cones.cones, cones.ranges).enumerated() {
            guard let psd = cone.psd else {
                for i in range {
                    let count = Double(rowsOfA.columnStarts[i + 1] - rowsOfA.columnStarts[i])
                    assembly += count * count
                }
                continue
            }
            let block = Self.makeBlock(cone: index, order: psd.order, rows: range, rowsOfA: rowsOfA)
            assembly += Self.assemblyCost(block)
            blocks.append(block)
            if block.sparseRightHandSide {
                sparseRightHandSideCones.insert(index)
                let size = max(sparseRightHandSideMatrix.count, psd.order * psd.order)
                sparseRightHandSideMatrix = [Double](repeating: 0, count: size)
                sparseRightHandSideProduct = sparseRightHandSideMatrix
            }
        }
        let denseFactorization = Double(n) * Double(n) * Double(n) / 3
        sparse = Self.sparseStorage(n: n, P: P, rowsOfA: rowsOfA, cones: cones, blocks: blocks,
                                    denseFlops: denseFactorization)
        if let pattern = sparse?.pattern {
            for b in blocks.indices {
                let columns = blocks[b].columns, c = columns.count
                var slots = [Int](repeating: 0, count: c * (c + 1) / 2)
                // Column `columns[iIndex]` of the pattern holds rows `columns[...iIndex]` in
                // ascending order, as they are listed: one walk down it finds them all.
                for iIndex in 0..<c {
                    var position = pattern.columnStarts[columns[iIndex]]
                    for jIndex in 0...iIndex {
                        while pattern.rowIndices[position] < columns[jIndex] { position += 1 }
                        slots[blocks[b].slotColumn(jIndex) + iIndex] = position
                    }
                }
                blocks[b].slots = slots
            }
        }
        // Dense storage needs n² entries twice (M and its factor).
        guard sparse != nil || Double(n) * Double(n) <= Self.maximumDenseEntries else { return nil }
        psdBlocks = blocks
        factor = sparse == nil ? [Double](repeating: 0, count: n * n) : []
        matrix = [Double](repeating: 0, count: sparse?.pattern.nonzeroCount ?? n * n)
        factorizationFlops = sparse?.factorization.flops ?? denseFactorization
        flops = factorizationFlops + assembly
    }

    /// The pattern of `M` (upper triangle, CSC) and its factorization, when the sparse factorization
    /// is at least ``sparseAdvantage`` times cheaper than the dense one; `nil` otherwise. `M(i, j)`
    /// can be nonzero when `P(i, j)` is, or when columns `i` and `j` of `A` share a row (nonnegative,
    /// zero and second-order cones, whose `D` is diagonal or, for the second-order cone, diagonal
    /// plus rank one over the cone) or a PSD cone (whose `D` couples all of its rows). Each such
    /// group of columns is a dense block of `M`; when they make few distinct nodes,
    /// ``CliqueCoverOrdering`` orders the factorization (and counts its flops before the pattern
    /// is built), AMD otherwise.
    private static func sparseStorage(n: Int, P: SparseMatrix, rowsOfA: SparseMatrix, cones: ConeProduct, blocks: [PSDBlock],
                                      denseFlops: Double) -> (pattern: SparseMatrix, factorization: CholmodFactorization, diagonal: [Int])? {
        let halfDense = Double(n) * Double(n + 1) / 2
        // The groups of columns whose pairs all enter M.
        var groups: [[Int]] = blocks.map(\.columns)
        for (cone, range) in zip(cones.cones, cones.ranges) where cone.psd == nil {
            func columns(of rows: Range<Int>) -> [Int] {
                var set = Set<Int>()
                for i in rows { for k in rowsOfA.columnStarts[i]..<rowsOfA.columnStarts[i + 1] { set.insert(rowsOfA.rowIndices[k]) } }
                return set.sorted()
            }
            if cone.isSecondOrder { groups.append(columns(of: range)) } else { for i in range { groups.append(columns(of: i..<(i + 1))) } }
        }
        // P's off-diagonal entries couple their two variables.
        for j in 0..<n { for k in P.columnStarts[j]..<P.columnStarts[j + 1] where P.rowIndices[k] < j { groups.append([P.rowIndices[k], j]) } }
        // A quick bound first: the dense form is kept when the groups alone could fill half of M.
        let pairs = groups.reduce(0.0) { $0 + Double($1.count) * Double($1.count + 1) / 2 }
        guard n >= 100, pairs < 0.5 * halfDense else { return nil }
        // The groups' own ordering, when they make few distinct nodes, and its flop count.
        let cover = CliqueCoverOrdering(variableCount: n, groups: groups)
        if let cover, cover.flops * sparseAdvantage >= denseFlops { return nil }
        // The lower triangle column by column (a marker per row avoids repeats), then transposed:
        // the upper triangle's columns come out with ascending rows.
        var groupsOf = [[Int]](repeating: [], count: n)
        for (g, group) in groups.enumerated() { for j in group { groupsOf[j].append(g) } }
        var lowerStarts = [0], lowerRows: [Int] = [], mark = [Int](repeating: -1, count: n)
        for j in 0..<n {
            mark[j] = j
            lowerRows.append(j)
            for g in groupsOf[j] { for i in groups[g] where i > j && mark[i] != j { mark[i] = j; lowerRows.append(i) } }
            lowerStarts.append(lowerRows.count)
        }
        var starts = [Int](repeating: 0, count: n + 1)
        for i in lowerRows { starts[i + 1] += 1 }
        for j in 0..<n { starts[j + 1] += starts[j] }
        var next = starts, rows = [Int](repeating: 0, count: lowerRows.count)
        for j in 0..<n {
            for k in lowerStarts[j]..<lowerStarts[j + 1] { rows[next[lowerRows[k]]] = j; next[lowerRows[k]] += 1 }
        }
        guard let pattern = try? SparseMatrix(rowCount: n, columnCount: n, columnStarts: starts, rowIndices: rows,
                                             values: [Double](repeating: 0, count: rows.count)),
              let factorization = CholmodFactorization(size: n, columnStarts: starts, rowIndices: rows, method: .supernodalCholesky,
                                                       ordering: cover?.permutation),
              factorization.flops * sparseAdvantage < denseFlops else { return nil }
        return (pattern, factorization, (0..<n).map { slot(pattern, $0, $0) })
    }

    /// Where `M(i, j)`, `i ≥ j`, is stored in the upper-triangle pattern: entry `(j, i)`.
    private static func slot(_ pattern: SparseMatrix, _ i: Int, _ j: Int) -> Int {
        let (row, column) = (min(i, j), max(i, j))
        var low = pattern.columnStarts[column], high = pattern.columnStarts[column + 1]
        while low < high {
            let mid = (low + high) / 2
            if pattern.rowIndices[mid] < row { low = mid + 1 } else { high = mid }
        }
        precondition(low < pattern.columnStarts[column + 1] && pattern.rowIndices[low] == row, "entry outside the pattern of M")
        return low
    }

    /// Where `M(i, j)` is stored in ``matrix``.
    @inline(__always) private func slot(_ i: Int, _ j: Int) -> Int {
        guard let sparse else { return max(i, j) + min(i, j) * n }
        return Self.slot(sparse.pattern, i, j)
    }

    private static func makeBlock(cone: Int, order: Int, rows range: Range<Int>, rowsOfA: SparseMatrix) -> PSDBlock {
        let position = Svec.positions(order: order)
        // The block's entries by column of A, from the rows of A in the cone's range.
        var byColumn: [Int: [(p: Int, q: Int, value: Double)]] = [:]
        for i in range {
            let (p, q) = position[i - range.lowerBound]
            for k in rowsOfA.columnStarts[i]..<rowsOfA.columnStarts[i + 1] {
                byColumn[rowsOfA.rowIndices[k], default: []].append((p, q, rowsOfA.values[k]))
            }
        }
        let columns = byColumn.keys.sorted()
        var start = [0], rowP: [Int] = [], rowQ: [Int] = [], value: [Double] = []
        for j in columns {
            for entry in byColumn[j]! { rowP.append(entry.p); rowQ.append(entry.q); value.append(entry.value) }
            start.append(rowP.count)
        }
        let total = Double(rowP.count)
        let denseCost = 2 * Double(order) * Double(order) * Double(order)
        let dense = columns.indices.map { 4 * Double(start[$0 + 1] - start[$0]) * total > denseCost }
        return PSDBlock(cone: cone, order: order, columns: columns, start: start, rowP: rowP, rowQ: rowQ, value: value, dense: dense)
    }

    private static func assemblyCost(_ block: PSDBlock) -> Double {
        let total = Double(block.rowP.count)
        let n3 = Double(block.order) * Double(block.order) * Double(block.order)
        var cost = 0.0
        for (jIndex, dense) in block.dense.enumerated() {
            cost += dense ? 2 * n3 + total : 4 * Double(block.entries(jIndex).count) * total
        }
        return cost
    }

    var form: NewtonSystemForm { .schurComplement }

    var methodName: String {
        let storage = sparse.map { "sparse Schur complement (P + AᵀDA), \($0.factorization.name), nnz(M) = \($0.pattern.nonzeroCount)" }
            ?? "dense Schur complement (P + AᵀDA), LAPACK Cholesky"
        return "\(storage), n = \(n), \(psdBlocks.count) PSD block(s), ≈ \(String(Int(flops))) flops per iteration"
    }

    func assemble(_ options: NewtonSystemOptions) {
        let n = self.n
        if options.accuracy == .increased, offersIncreasedAccuracy {
            gramAssembly = true
            factoredAssembly = true
        }
        currentEqualityRegularization = equalityRegularization * options.regularizationScale
        matrix.withUnsafeMutableBufferPointer { M in
            M.update(repeating: 0)
            // P (upper triangle given).
            for j in 0..<n {
                for k in P.columnStarts[j]..<P.columnStarts[j + 1] {
                    M[slot(P.rowIndices[k], j)] += P.values[k]
                }
            }
            diagonal.withUnsafeMutableBufferPointer { d in
                for (cone, range) in zip(cones.cones, cones.ranges) where cone.psd == nil {
                    let block = cone.inverseHessian(diagonal: .init(rebasing: d[range]), equalityRegularization: currentEqualityRegularization)
                    addRows(range, weights: UnsafeBufferPointer(d), into: M)
                    if case let .diagonalPlusRankOne(rho, u) = block { addRankOne(range, rho: rho, u: u, into: M) }
                }
            }
            for block in psdBlocks {
                addPSDBlock(block, into: M)
            }
        }
    }

    /// Cholesky of `M + σI`, from the assembled `M` each attempt.
    func tryFactor(attempt: Int, options: NewtonSystemOptions) -> Bool {
        let n = self.n
        let sigma = regularization(attempt: attempt, options: options)
        let factored: Bool
        if let sparse {
            let values = sparse.factorization.values
            for k in 0..<matrix.count { values[k] = matrix[k] }
            for k in sparse.diagonal { values[k] += sigma }
            factored = sparse.factorization.factor()
        } else {
            factor = matrix
            factor.withUnsafeMutableBufferPointer { M in for j in 0..<n { M[j + j * n] += sigma } }
            factored = factor.withUnsafeMutableBufferPointer { Dense.cholesky($0.baseAddress!, n: n) }
        }
        if factored { regularization = sigma }
        return factored
    }

    /// `M += Σᵢ dᵢ aᵢaᵢᵀ` over the rows `range` (lower triangle).
    private func addRows(_ range: Range<Int>, weights d: UnsafeBufferPointer<Double>, into M: UnsafeMutableBufferPointer<Double>) {
        let rs = rowsOfA.columnStarts, cols = rowsOfA.rowIndices, vals = rowsOfA.values
        for i in range {
            let w = d[i]
            for p in rs[i]..<rs[i + 1] {
                let cp = cols[p], wp = w * vals[p]
                for q in p..<rs[i + 1] { M[slot(cols[q], cp)] += wp * vals[q] }
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
            for cb in support[a...] { M[slot(cb, ca)] += va * v[cb]! }
        }
    }

    /// `M_ij += ⟨Aᵢ, G Aⱼ G⟩` for the columns of one PSD cone (lower triangle, `i ≥ j`).
    private func addPSDBlock(_ block: PSDBlock, into M: UnsafeMutableBufferPointer<Double>) {
        guard let cone = cones.cones[block.cone].psd else { return }
        if gramAssembly && block.gramAffordable { return addGramBlock(block, cone: cone, into: M) }
        let order = block.order
        let root2 = 2.0.squareRoot()
        var y = [Double](repeating: 0, count: order * order)
        var a = y, t = y
        // V with G = VVᵀ, once per block and assembly, when the dense columns go through it.
        let gFactor = factoredAssembly && block.dense.contains(true) ? cone.gFactor() : []
        cone.g.withUnsafeBufferPointer { g in
            for (jIndex, j) in block.columns.enumerated() {
                if block.dense[jIndex] {
                    // Y = G Aⱼ G densely (see `factoredAssembly`).
                    a.withUnsafeMutableBufferPointer { am in
                        am.update(repeating: 0)
                        for e in block.entries(jIndex) {
                            let p = block.rowP[e], q = block.rowQ[e], value = block.value[e]
                            let entry = p == q ? value : value / root2
                            am[p + q * order] = entry; am[q + p * order] = entry
                        }
                        t.withUnsafeMutableBufferPointer { tm in
                            y.withUnsafeMutableBufferPointer { ym in
                                let a = am.baseAddress!, t = tm.baseAddress!, y = ym.baseAddress!
                                if factoredAssembly {
                                    // Y = V(VᵀAⱼV)Vᵀ with G = VVᵀ: twice the products, but the rounding
                                    // stays relative to each eigenvalue of G.
                                    gFactor.withUnsafeBufferPointer { vp in
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
                        for e in block.entries(iIndex) {
                            let p = block.rowP[e], q = block.rowQ[e], value = block.value[e]
                            sum += p == q ? value * y[p + q * order] : value * root2 * y[p + q * order]
                        }
                        M[block.position(iIndex, jIndex, order: n)] += sum
                    }
                } else {
                    // Y's entries one at a time: Y_pq = Σ_{(k,l) ∈ Aⱼ} a_kl (G_pk G_lq + G_pl G_kq), k < l;
                    // a_kk G_pk G_kq on the diagonal.
                    block.start.withUnsafeBufferPointer { start in
                    block.rowP.withUnsafeBufferPointer { rowP in
                    block.rowQ.withUnsafeBufferPointer { rowQ in
                    block.value.withUnsafeBufferPointer { values in
                    block.columns.withUnsafeBufferPointer { columns in
                    block.slots.withUnsafeBufferPointer { slots in
                        let own = start[jIndex]..<start[jIndex + 1], slotColumn = block.slotColumn(jIndex)
                        for iIndex in jIndex..<columns.count {
                            var sum = 0.0
                            for e in start[iIndex]..<start[iIndex + 1] {
                                let p = rowP[e], q = rowQ[e], vi = values[e]
                                var ypq = 0.0
                                for f in own {
                                    let k = rowP[f], l = rowQ[f], vj = values[f]
                                    if k == l {
                                        ypq += vj * g[p + k * order] * g[k + q * order]
                                    } else {
                                        ypq += vj / root2 * (g[p + k * order] * g[l + q * order] + g[p + l * order] * g[k + q * order])
                                    }
                                }
                                sum += p == q ? vi * ypq : vi * root2 * ypq
                            }
                            M[slots.isEmpty ? columns[iIndex] + j * n : slots[slotColumn + iIndex]] += sum
                        }
                    }}}}}}
                }
            }
        }
    }

    /// `M_ij += ⟨Bᵢ, Bⱼ⟩` with `Bⱼ = VᵀAⱼV` and `G = VVᵀ` (`⟨Aᵢ, G Aⱼ G⟩ = tr(Bᵢ Bⱼ)`), for every
    /// column of the block: each `Bⱼ` from the `r` rows of `V` that `Aⱼ` touches (`2r²n + 2rn²`
    /// flops), then one Gram product (`c²n²` flops). The rounding of every entry is
    /// then relative to the `Bⱼ` it pairs, where the explicit `G` rounds to `ε‖G‖` — which near
    /// the end of ss30 left refinement stalled at 10⁻³ whatever the regularization. Costlier than
    /// the other assembly (arch2: 18 % more time when used throughout), so only on demand.
    private func addGramBlock(_ block: PSDBlock, cone: PSDTriangleCone, into M: UnsafeMutableBufferPointer<Double>) {
        let order = block.order, c = block.columns.count, size = order * order
        let root2 = 2.0.squareRoot()
        let v = cone.gFactor()
        // The Bⱼ side by side; kept between assemblies (the mode lasts for the rest of the run).
        if gramWork.count < size * c { gramWork = [Double](repeating: 0, count: size * c) }
        var gram = [Double](repeating: 0, count: c * c)
        // Per column: the r rows S that Aⱼ touches, Bⱼ = V_Sᵀ (A_SS V_S) (2r²n + 2rn² flops).
        var a = [Double](repeating: 0, count: size), rowsOfV = a, t = a
        var local = [Int](repeating: -1, count: order)
        v.withUnsafeBufferPointer { v in
        gramWork.withUnsafeMutableBufferPointer { b in
        a.withUnsafeMutableBufferPointer { am in
        rowsOfV.withUnsafeMutableBufferPointer { vs in
        t.withUnsafeMutableBufferPointer { tm in
            for jIndex in 0..<c {
                var touched: [Int] = []
                func touch(_ p: Int) { if local[p] < 0 { local[p] = 0; touched.append(p) } }
                for e in block.entries(jIndex) { touch(block.rowP[e]); touch(block.rowQ[e]) }
                touched.sort()
                for (k, p) in touched.enumerated() { local[p] = k }
                let r = touched.count
                am.baseAddress!.update(repeating: 0, count: r * r)
                for e in block.entries(jIndex) {
                    let p = local[block.rowP[e]], q = local[block.rowQ[e]], value = block.value[e]
                    let entry = p == q ? value : value / root2
                    am[p + q * r] = entry; am[q + p * r] = entry
                }
                for s in 0..<order { for (k, p) in touched.enumerated() { vs[k + s * r] = v[p + s * order] } }
                Dense.multiply(am.baseAddress!, transposeA: false, vs.baseAddress!, transposeB: false, into: tm.baseAddress!,
                               m: r, n: order, k: r)
                Dense.multiply(vs.baseAddress!, transposeA: true, tm.baseAddress!, transposeB: false, into: b.baseAddress! + jIndex * size,
                               m: order, n: order, k: r)
                for p in touched { local[p] = -1 }
            }
        }}}
            gram.withUnsafeMutableBufferPointer { g in
                Dense.multiply(b.baseAddress!, transposeA: true, b.baseAddress!, transposeB: false, into: g.baseAddress!,
                               m: c, n: c, k: size)
            }
        }}
        for jIndex in 0..<c {
            for iIndex in jIndex..<c { M[block.position(iIndex, jIndex, order: n)] += gram[iIndex + jIndex * c] }
        }
    }

    /// `x ← M⁻¹ rhs` with the regularized factor, refined against the assembled `M` (`n²` per
    /// step): removes `σ` and the error of the Cholesky factor of the ill-conditioned `M`.
    private func solveAssembled(_ rhs: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        let n = self.n
        workN.withUnsafeMutableBufferPointer { correction in
        stepN.withUnsafeMutableBufferPointer { lastCorrection in
            var rhsNorm = 0.0
            for j in 0..<n { x[j] = rhs[j]; rhsNorm = max(rhsNorm, abs(rhs[j])) }
            factorSolve(x)
            let target = refinementTolerance * (1 + rhsNorm)
            var previous = Double.infinity
            for step in 0...refinementSteps {
                // correction ← rhs − M x
                multiplyAssembled(UnsafeBufferPointer(x), into: correction)
                var norm = 0.0
                for j in 0..<n { correction[j] = rhs[j] - correction[j]; norm = max(norm, abs(correction[j])) }
                if step > 0, !(norm < previous) {
                    for j in 0..<n { x[j] -= lastCorrection[j] }  // the last correction made it worse
                    break
                }
                guard norm > target, norm < previous / IterativeRefinement.minimumImprovement,
                      step < refinementSteps else { break }
                previous = norm
                factorSolve(correction)
                for j in 0..<n { x[j] += correction[j]; lastCorrection[j] = correction[j] }
            }
        }}
    }

    /// `v ← (M + σI)⁻¹ v` with the last factorization.
    private func factorSolve(_ v: UnsafeMutableBufferPointer<Double>) {
        if let sparse {
            sparseSolution.withUnsafeMutableBufferPointer { out in
                sparse.factorization.solve(UnsafeBufferPointer(v), into: out)
                for j in 0..<n { v[j] = out[j] }
            }
        } else {
            factor.withUnsafeBufferPointer { Dense.choleskySolve($0.baseAddress!, n: n, v.baseAddress!) }
        }
    }

    /// `y ← M x` with the assembled `M`.
    private func multiplyAssembled(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        if var assembled = sparse?.pattern {
            assembled.values = matrix  // shares the storage: no copy
            y.update(repeating: 0)
            assembled.symmetricMultiplyAdd(x, into: y)
        } else {
            matrix.withUnsafeBufferPointer { Dense.symmetricMultiplyVector($0.baseAddress!, x.baseAddress!, into: y.baseAddress!, n: n) }
        }
    }

    /// One solve of the reduced system: `M x = r_x + AᵀD r_z` (see ``solveAssembled(_:into:)``),
    /// then `z = D(Ax − r_z)`; `fast` applies `D` through the explicit `G` of the PSD cones.
    private func reducedSolve(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                              x: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>, fast: Bool) {
        workM.withUnsafeMutableBufferPointer { dz in
        rhsN.withUnsafeMutableBufferPointer { rhs in
            let sparseCones = fast ? sparseRightHandSideCones : []
            applyD(rz, into: dz, fast: fast, skipping: sparseCones)
            for j in 0..<n { rhs[j] = rx[j] }
            A.transposeMultiplyAdd(UnsafeBufferPointer(dz), into: rhs)
            for block in psdBlocks where sparseCones.contains(block.cone) {
                addSparseTransposeD(block, rz: .init(rebasing: rz[cones.ranges[block.cone]]), into: rhs)
            }
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

    /// `out ← D v`; the rows of the cones in `skipping` are set to zero instead.
    private func applyD(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>, fast: Bool,
                        skipping: Set<Int> = []) {
        for (index, (cone, range)) in zip(cones.cones, cones.ranges).enumerated() {
            if skipping.contains(index) {
                for i in range { out[i] = 0 }
            } else if fast, let psd = cone.psd {
                psd.multiplyByExplicitInverse(.init(rebasing: v[range]), into: .init(rebasing: out[range]))
            } else {
                cone.multiplyInverseHessian(.init(rebasing: v[range]), into: .init(rebasing: out[range]),
                                            equalityRegularization: currentEqualityRegularization)
            }
        }
    }

    /// `rhs += A_Kᵀ svec(G R G)` for one PSD block with `R = mat(r)`, from the entries of `G R G`
    /// on the block's pattern: `T = R G` once, then `(G R G)_pq = G[:, p] · T[:, q]`.
    private func addSparseTransposeD(_ block: PSDBlock, rz r: UnsafeBufferPointer<Double>, into rhs: UnsafeMutableBufferPointer<Double>) {
        guard let cone = cones.cones[block.cone].psd else { return }
        let order = block.order
        let root2 = 2.0.squareRoot()
        sparseRightHandSideMatrix.withUnsafeMutableBufferPointer { matrix in
        sparseRightHandSideProduct.withUnsafeMutableBufferPointer { product in
        cone.g.withUnsafeBufferPointer { g in
            Svec.unpack(r, into: matrix.baseAddress!, order: order)
            Dense.multiply(matrix.baseAddress!, transposeA: false, g.baseAddress!, transposeB: false,
                           into: product.baseAddress!, m: order, n: order, k: order)
            for (jIndex, j) in block.columns.enumerated() {
                var sum = 0.0
                for e in block.entries(jIndex) {
                    let p = block.rowP[e], q = block.rowQ[e], value = block.value[e]
                    var entry = 0.0
                    let gp = g.baseAddress! + p * order, tq = product.baseAddress! + q * order
                    for k in 0..<order { entry += gp[k] * tq[k] }
                    sum += p == q ? value * entry : value * root2 * entry
                }
                rhs[j] += sum
            }
        }}}
    }

    /// The Gram assembly, when a PSD block affords it (see ``PSDBlock/gramAffordable``).
    var offersIncreasedAccuracy: Bool { psdBlocks.contains(where: \.gramAffordable) }

    /// One reduced solve through the explicit `G`, the approximate inverse of refinement.
    func regularizedSolve(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                          x: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>) {
        reducedSolve(rx: rx, rz: rz, x: x, z: z, fast: false)
    }

    /// Solves with one reduced solve (`D` through the explicit `G`) when its first block row is
    /// accurate to ``NewtonSystemOptions/solveTolerance`` already: the second holds by construction of `z` up to the
    /// rounding of `D`, which the step moves into complementarity (``KKTSolver/slackFromPrimalEquation``).
    /// Otherwise — and always with equality rows, whose `1/δ` only refinement removes — refines
    /// against the full Newton matrix with `H` and `D` in the cones' eigenbases, which keeps `z`
    /// an unknown instead of computing it through the ill-conditioned `D`.
    func solve(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double],
               options: NewtonSystemOptions) -> Result<NewtonSolve, NewtonSystemFailure> {
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
            let residual = firstRowResidual(rx: rx, x: x, z: z) / (1 + rhsNorm)
            if residual <= options.solveTolerance {
                return z.allSatisfy(\.isFinite) ? .success(NewtonSolve(residual: residual)) : .failure(.notFinite)
            }
            continuing = true
        }
        let residual = refinedResidual(rx: rx, rz: rz, x: &x, z: &z, options: options, continuing: continuing)
        if residual > options.solveTolerance { factoredAssembly = true }
        return NewtonSolve.checked(residual)
    }
}
