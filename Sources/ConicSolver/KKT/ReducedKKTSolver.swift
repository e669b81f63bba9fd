/// The Newton system of every interior-point iteration,
///
///     [ P   Aᵀ ] [x]   [r_x]
///     [ A  −H  ] [z] = [r_z],        H = blockdiag(WᵀW) (zero on equality rows),
///
/// solved through the reduced, symmetric positive-definite matrix
///
///     M = P + σI + Aᵀ D A,   D = (H + δ E)⁻¹,
///
/// where `E` selects the equality rows (their `H` block is zero, so `δ` stands in for it) and
/// `σ` is a small static regularization: `M x = r_x + Aᵀ D r_z`, then `z = D(A x − r_z)`.
///
/// Why this form: CHOLMOD factors SPD matrices with a supernodal LLᵀ (BLAS-3), while its LDLᵀ for
/// the indefinite quasi-definite system is simplicial only and measured ~30× slower
/// (`../shared/PLATFORM.md`). The regularizations `σ` and `δ` are removed again by iterative
/// refinement against the unregularized system above.
///
/// `D` is block diagonal: diagonal for zero and nonnegative rows, and for a second-order cone a
/// diagonal plus a rank-one term, so each second-order cone couples all columns its rows touch.
/// The pattern of `M`, CHOLMOD's symbolic analysis and the map from the terms of `P` and
/// `AᵀDA` to entries of `M` are computed once; each iteration only fills values and refactors.
///
/// - Complexity: per update, `O(Σ_rows nnz(row)² + Σ_cones |support|²)` for the assembly plus the
///   numeric factorization.
final class ReducedKKTSolver: RegularizedKKTForm {
    private let n: Int
    private let m: Int
    private let P: SparseMatrix
    private let A: SparseMatrix
    /// Rows of `A` (CSC of `Aᵀ`).
    private let rowsOfA: SparseMatrix
    private let cones: ConeProduct
    private var factorization: CholmodFactorization!
    private let equalityRegularization: Double
    let refinement: IterativeRefinement
    /// Regularization σ of the last factorization: the static value, raised ×100 per failed attempt.
    private(set) var regularization: Double
    var slackFromPrimalEquation: Bool { false }
    /// The static regularization and seven raises of ×100.
    static let factorizationAttempts = 8
    /// `σ` already on the diagonal of the matrix being factored.
    private var addedRegularization = 0.0
    let staticRegularization: Double

    // Assembly maps (see the type's documentation).
    private var positionOfP: [Int] = []
    private var positionOfDiagonal: [Int] = []
    /// Row boundaries of the coupling groups (a single row, or the rows of a second-order cone).
    private var groupRowStart: [Int] = []
    private var groupColumnStart: [Int] = []
    private var groupColumns: [Int] = []
    private var groupPairStart: [Int] = []
    private var pairPosition: [Int] = []
    /// For each entry of `rowsOfA`, the index of its column within its group's columns.
    private var localIndex: [Int] = []
    /// Group index of each coupling (second-order, PSD) cone, `nil` for diagonal cones.
    private var coneGroup: [Int?] = []
    /// Group index of every row.
    private var rowGroup: [Int] = []

    /// Current `D`.
    private var scaling: ScalingBlocks
    /// For each group of a coupling cone: its rows of `A` as a dense (rows × group columns) matrix.
    private var denseRows: [Int: [Double]] = [:]

    // Work space.
    private var work: [Double]
    private var workN: [Double]
    private var workM: [Double]


    init?(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct, settings: SolverSettings) {
        n = P.columnCount
        m = A.rowCount
        self.P = P
        self.A = A
        self.cones = cones
        rowsOfA = A.transposed()
        equalityRegularization = settings.equalityRegularization
        regularization = settings.staticRegularization
        staticRegularization = settings.staticRegularization
        refinement = IterativeRefinement(P: P, A: A, cones: cones, settings: settings)
        scaling = ScalingBlocks(rowCount: m)
        work = []
        workN = [Double](repeating: 0, count: n)
        workM = [Double](repeating: 0, count: m)
        let pattern = Self.buildGroups(rowsOfA: rowsOfA, cones: cones)
        groupRowStart = pattern.rowStart
        coneGroup = pattern.coneGroup
        rowGroup = [Int](repeating: 0, count: m)
        for g in 0..<(groupRowStart.count - 1) { for i in groupRowStart[g]..<groupRowStart[g + 1] { rowGroup[i] = g } }
        let (starts, rows) = buildPattern()
        guard let f = CholmodFactorization(size: n, columnStarts: starts, rowIndices: rows, method: .supernodalCholesky) else { return nil }
        factorization = f
    }

    /// The factorization's flop count from the symbolic analysis.
    var flops: Double { factorization.flops }

    var memoryBytes: Double {
        factorization.memoryBytes + 8 * Double(pairPosition.count + positionOfP.count) + 24 * Double(A.nonzeroCount)
    }

    /// Bytes needed to build this form, from counts alone (before any allocation): the
    /// assembly map has one position per term of `AᵀDA`, and `M` (at most dense) as many entries
    /// as its terms and `P` give, each held several times during setup; the factor has at least
    /// the entries of `M`. A row of `A` with `k` entries costs `k²/2` map entries, so a few dense
    /// rows make this form impossible where the quasi-definite one stays sparse.
    static func estimatedBytes(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct) -> Double {
        let terms = assemblyTerms(A: A, cones: cones)
        let n = Double(P.columnCount)
        let entries = min(distinctTerms(A: A, cones: cones) + Double(P.nonzeroCount) + n, n * (n + 1) / 2)
        return 8 * terms + (CholmodFactorization.bytesPerPatternEntryDuringSetup + 8) * entries
            + 24 * Double(A.nonzeroCount)
    }

    var form: NewtonSystemForm { .reduced }

    var methodName: String {
        let nnzM = factorization.values.count
        let nnzL = factorization.factorNonzeros
        return "reduced SPD (P + AᵀDA), \(factorization.name), n = \(n), nnz(M) = \(nnzM), nnz(L) = \(nnzL), assembly terms = \(pairPosition.count)"
    }

    /// Number of multiply-adds one assembly of `AᵀDA` takes (a cheap count, before any analysis):
    /// `Σ nnz(row)(nnz(row) + 1)/2` over rows of diagonal cones, and for each second-order cone
    /// the same over the (at most) total number of entries of its rows.
    static func assemblyTerms(A: SparseMatrix, cones: ConeProduct) -> Double {
        var rowCount = [Int](repeating: 0, count: A.rowCount)
        for i in A.rowIndices { rowCount[i] += 1 }
        var terms = 0.0
        for (cone, range) in zip(cones.cones, cones.ranges) {
            if cone.couplesRows {
                let t = Double(range.reduce(0) { $0 + rowCount[$1] })
                terms += t * (t + 1) / 2
            } else {
                for i in range { terms += Double(rowCount[i] * (rowCount[i] + 1) / 2) }
            }
        }
        return terms
    }

    /// ``assemblyTerms(A:cones:)`` with each run of consecutive rows of the same support counted
    /// once: a bound on the entries of `AᵀDA` that is tight for the blocks of identical rows
    /// (such as the sign constraints of one activation pattern).
    static func distinctTerms(A: SparseMatrix, cones: ConeProduct) -> Double {
        let rowsOfA = A.transposed()
        let starts = rowsOfA.columnStarts, columns = rowsOfA.rowIndices
        func sameSupport(_ i: Int, _ j: Int) -> Bool {
            starts[i + 1] - starts[i] == starts[j + 1] - starts[j]
                && (0..<(starts[i + 1] - starts[i])).allSatisfy { columns[starts[i] + $0] == columns[starts[j] + $0] }
        }
        var terms = 0.0
        for (cone, range) in zip(cones.cones, cones.ranges) {
            if cone.couplesRows {
                let t = Double(range.reduce(0) { $0 + starts[$1 + 1] - starts[$1] })
                terms += t * (t + 1) / 2
            } else {
                for i in range where i == range.lowerBound || !sameSupport(i, i - 1) {
                    let k = Double(starts[i + 1] - starts[i])
                    terms += k * (k + 1) / 2
                }
            }
        }
        return terms
    }

    /// Groups of rows coupled by `D`: one per row of a diagonal cone, one per second-order cone.
    private static func buildGroups(rowsOfA: SparseMatrix, cones: ConeProduct) -> (rowStart: [Int], coneGroup: [Int?]) {
        var rowStart = [0]
        var coneGroup: [Int?] = []
        for (cone, range) in zip(cones.cones, cones.ranges) {
            if cone.couplesRows {
                coneGroup.append(rowStart.count - 1)
                rowStart.append(range.upperBound)
            } else {
                coneGroup.append(nil)
                for i in range { rowStart.append(i + 1) }
            }
        }
        return (rowStart, coneGroup)
    }

    /// Computes the pattern of `M` (upper triangle) and every assembly map.
    private func buildPattern() -> (starts: [Int], rows: [Int]) {
        let groupCount = groupRowStart.count - 1
        let rs = rowsOfA.columnStarts, rc = rowsOfA.rowIndices
        // Columns of each group and local indices of the entries.
        var marker = [Int](repeating: -1, count: n)
        var local = [Int](repeating: 0, count: rowsOfA.nonzeroCount)
        groupColumnStart = [0]
        for g in 0..<groupCount {
            let r0 = groupRowStart[g], r1 = groupRowStart[g + 1]
            var cols: [Int] = []
            for i in r0..<r1 {
                for k in rs[i]..<rs[i + 1] where marker[rc[k]] != g { marker[rc[k]] = g; cols.append(rc[k]) }
            }
            if r1 - r0 > 1 { cols.sort() }
            var where_ = [Int: Int]()
            if r1 - r0 > 1 { for (a, c) in cols.enumerated() { where_[c] = a } }
            for i in r0..<r1 {
                for k in rs[i]..<rs[i + 1] { local[k] = r1 - r0 > 1 ? where_[rc[k]]! : k - rs[i] }
            }
            groupColumns.append(contentsOf: cols)
            groupColumnStart.append(groupColumns.count)
        }
        localIndex = local
        // Groups touching each column.
        var columnGroupStart = [Int](repeating: 0, count: n + 1)
        for c in groupColumns { columnGroupStart[c + 1] += 1 }
        for j in 0..<n { columnGroupStart[j + 1] += columnGroupStart[j] }
        var columnGroups = [Int](repeating: 0, count: groupColumns.count)
        var next = columnGroupStart
        for g in 0..<groupCount {
            for p in groupColumnStart[g]..<groupColumnStart[g + 1] {
                let c = groupColumns[p]; columnGroups[next[c]] = g; next[c] += 1
            }
        }
        groupPairStart = [0]
        for g in 0..<groupCount {
            let t = groupColumnStart[g + 1] - groupColumnStart[g]
            groupPairStart.append(groupPairStart[g] + t * (t + 1) / 2)
        }
        pairPosition = [Int](repeating: 0, count: groupPairStart[groupCount])
        positionOfP = [Int](repeating: 0, count: P.nonzeroCount)
        positionOfDiagonal = [Int](repeating: 0, count: n)
        var cursor = [Int](repeating: 0, count: groupCount)
        var starts = [0], rows: [Int] = []
        var position = [Int](repeating: 0, count: n)
        marker = [Int](repeating: -1, count: n)
        for l in 0..<n {
            var column: [Int] = [l]
            marker[l] = l
            for k in P.columnStarts[l]..<P.columnStarts[l + 1] where marker[P.rowIndices[k]] != l {
                marker[P.rowIndices[k]] = l; column.append(P.rowIndices[k])
            }
            for p in columnGroupStart[l]..<columnGroupStart[l + 1] {
                let g = columnGroups[p]
                for q in groupColumnStart[g]..<groupColumnStart[g + 1] {
                    let k = groupColumns[q]
                    if k > l { break }
                    if marker[k] != l { marker[k] = l; column.append(k) }
                }
            }
            column.sort()
            for (offset, k) in column.enumerated() { position[k] = rows.count + offset }
            positionOfDiagonal[l] = position[l]
            for k in P.columnStarts[l]..<P.columnStarts[l + 1] { positionOfP[k] = position[P.rowIndices[k]] }
            for p in columnGroupStart[l]..<columnGroupStart[l + 1] {
                let g = columnGroups[p]
                let b = cursor[g]; cursor[g] += 1
                let base = groupPairStart[g] + b * (b + 1) / 2
                let first = groupColumnStart[g]
                for a in 0...b { pairPosition[base + a] = position[groupColumns[first + a]] }
            }
            rows.append(contentsOf: column)
            starts.append(rows.count)
        }
        return (starts, rows)
    }

    func assemble(_ options: NewtonSystemOptions) {
        scaling.refresh(from: cones, inverse: true, equalityRegularization: equalityRegularization * options.regularizationScale)
        let values = factorization.values
        values.update(repeating: 0)
        P.values.withUnsafeBufferPointer { pv in
            positionOfP.withUnsafeBufferPointer { pp in
                for k in 0..<pv.count { values[pp[k]] += pv[k] }
            }
        }
        let rs = rowsOfA.columnStarts
        rowsOfA.values.withUnsafeBufferPointer { av in
        localIndex.withUnsafeBufferPointer { loc in
        pairPosition.withUnsafeBufferPointer { pos in
        scaling.diagonal.withUnsafeBufferPointer { d in
            /// `M += dᵢ aᵢaᵢᵀ` for row `i`, whose group's pairs start at `base`.
            func addRow(_ i: Int, base: Int) {
                let w = d[i], end = rs[i + 1]
                for p in rs[i]..<end {
                    let la = loc[p], wa = w * av[p]
                    for q in p..<end {
                        let lb = loc[q]
                        values[pos[base + lb * (lb + 1) / 2 + la]] += wa * av[q]
                    }
                }
            }
            // Rows of diagonal cones: each its own group.
            for (cone, range) in zip(cones.cones, cones.ranges) where !cone.couplesRows {
                for i in range { addRow(i, base: groupPairStart[rowGroup[i]]) }
            }
            for (index, range, block) in scaling.coupled {
                guard let g = coneGroup[index] else { continue }
                let t = groupColumnStart[g + 1] - groupColumnStart[g]
                if work.count < t { work = [Double](repeating: 0, count: t) }
                switch block {
                case .diagonal:
                    break
                case let .diagonalPlusRankOne(rho, u):
                    // Σ dᵢ aᵢaᵢᵀ over the cone's rows, then ρ (A_Kᵀu)(A_Kᵀu)ᵀ.
                    for i in range { addRow(i, base: groupPairStart[g]) }
                    work.withUnsafeMutableBufferPointer { v in
                        for a in 0..<t { v[a] = 0 }
                        for i in range {
                            let ui = u[i - range.lowerBound]
                            for p in rs[i]..<rs[i + 1] { v[loc[p]] += ui * av[p] }
                        }
                        var offset = groupPairStart[g]
                        for b in 0..<t {
                            let vb = rho * v[b]
                            for a in 0...b { values[pos[offset + a]] += vb * v[a] }
                            offset += b + 1
                        }
                    }
                case let .dense(matrix):
                    // A_Kᵀ D A_K with A_K held dense: Y = D A_K, then A_Kᵀ Y.
                    let rowsDense = denseRows[g] ?? denseRowsOfGroup(g, rows: range)
                    denseRows[g] = rowsDense
                    let k = range.count
                    var y = [Double](repeating: 0, count: k * t)
                    var c = [Double](repeating: 0, count: t * t)
                    matrix.withUnsafeBufferPointer { dp in
                        rowsDense.withUnsafeBufferPointer { ap in
                            y.withUnsafeMutableBufferPointer { yp in
                                Dense.multiply(dp.baseAddress!, transposeA: false, ap.baseAddress!, transposeB: false,
                                               into: yp.baseAddress!, m: k, n: t, k: k)
                                c.withUnsafeMutableBufferPointer { cp in
                                    Dense.multiply(ap.baseAddress!, transposeA: true, yp.baseAddress!, transposeB: false,
                                                   into: cp.baseAddress!, m: t, n: t, k: k)
                                }
                            }
                        }
                    }
                    var offset = groupPairStart[g]
                    for b in 0..<t {
                        for a in 0...b { values[pos[offset + a]] += c[a + b * t] }
                        offset += b + 1
                    }
                }
            }
        }}}}
        addedRegularization = 0
    }

    func tryFactor(attempt: Int, options: NewtonSystemOptions) -> Bool {
        let sigma = regularization(attempt: attempt, options: options)
        let values = factorization.values
        let delta = sigma - addedRegularization
        for j in 0..<n { values[positionOfDiagonal[j]] += delta }
        addedRegularization = sigma
        guard factorization.factor() else { return false }
        regularization = sigma
        return true
    }

    /// The rows `range` of `A` (group `g`) as a dense `range.count × t` column-major matrix
    /// over the group's columns.
    private func denseRowsOfGroup(_ g: Int, rows range: Range<Int>) -> [Double] {
        let t = groupColumnStart[g + 1] - groupColumnStart[g], k = range.count
        var dense = [Double](repeating: 0, count: k * t)
        for i in range {
            for p in rowsOfA.columnStarts[i]..<rowsOfA.columnStarts[i + 1] {
                dense[(i - range.lowerBound) + localIndex[p] * k] = rowsOfA.values[p]
            }
        }
        return dense
    }

    /// `out ← D v` (the regularized inverse of the `H` block).
    private func applyD(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        scaling.multiply(v, into: out)
    }

    /// One solve with the regularized factorization: `x`, `z` from `r_x`, `r_z`.
    func regularizedSolve(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                              x: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>) {
        workM.withUnsafeMutableBufferPointer { dz in
        workN.withUnsafeMutableBufferPointer { rhs in
            applyD(rz, into: dz)
            for j in 0..<n { rhs[j] = rx[j] }
            A.transposeMultiplyAdd(UnsafeBufferPointer(dz), into: rhs)
            factorization.solve(UnsafeBufferPointer(rhs), into: x)
            // z = D(Ax − r_z)
            for i in 0..<m { dz[i] = -rz[i] }
            A.multiplyAdd(UnsafeBufferPointer(x), into: dz)
            applyD(UnsafeBufferPointer(dz), into: z)
        }}
    }

}
