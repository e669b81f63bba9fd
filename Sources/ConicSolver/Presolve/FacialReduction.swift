import Foundation

/// Partial facial reduction of PSD cones whose dual variable the data confine to a face.
///
/// A variable `x_j` that costs nothing (`q_j = 0`, no entry of `P` in its row or column) and whose
/// column of `A` lies in the rows of one PSD cone, with `A_j = mat(column)` semidefinite, turns the
/// dual equation `⟨A_j, Z⟩ = −q_j = 0` into `Z A_j = 0` (both are semidefinite). Every dual-feasible
/// `Z` then lies on the face `{V Ẑ Vᵀ : Ẑ ⪰ 0}`, `V` a basis of the null space of `A_j`. The dual
/// has no interior point, the primal optimum is not attained (`x_j` runs off to infinity), and the
/// interior-point iterates lose accuracy before the gap closes — SDPLIB's gpp problems, whose
/// constraint `⟨11ᵀ, Z⟩ = 0` costs nothing, stalled at a relative gap of 1.5e-8.
///
/// The reduction replaces the cone of order `n` by one of order `n − r` (`r` the rank of the
/// `A_j` together) acting on `VᵀSV`, maps every other column `A_l` to `VᵀA_lV`, and drops the
/// `x_j` (`VᵀA_jV = 0`). Nothing is lost: the reduced problem has the same optimal value, its dual
/// solution maps back to `Z = VẐVᵀ`, and the dropped `x_j` are chosen afterwards so that
/// `S = B − Σ A_l x_l` is positive semidefinite (``recover(_:)``).
///
/// `V` stays sparse: pivoted elimination on the range of `M = Σ ±A_j` gives the columns
/// `e_i − Σ_b K_bi e_b` over `r` pivot indices `b`, so data that avoid the pivots keep their sparsity.
struct FacialReduction {
    /// The problem on the reduced cones.
    let reduced: ConicProblem
    private let original: ConicProblem
    private let faces: [Face]
    /// For each column of the reduced problem, its column in the original one.
    private let keptColumns: [Int]
    /// For each original row outside the reduced cones, its row in the reduced problem (−1 inside them).
    private let rowMap: [Int]

    /// One PSD cone restricted to a face of its dual.
    struct Face {
        /// Index of the cone in the original problem.
        let cone: Int
        let originalRows: Range<Int>
        /// Set once the reduced row layout is known.
        var reducedRows: Range<Int> = 0..<0
        let order: Int
        let reducedOrder: Int
        /// `V`'s rows: for each index of the original order, the (reduced index, value) entries.
        let rowsOfV: [[(index: Int, value: Double)]]
        /// Orthonormal basis of the range of `M = Σ σ_j A_j` (`order × rank`, column-major) and
        /// `M`'s positive eigenvalues on it.
        let range: [Double]
        let rangeEigenvalues: [Double]
        /// The dropped columns with the sign `σ_j` making `σ_j A_j ⪰ 0`.
        let dropped: [(column: Int, sign: Double)]
        var rank: Int { rangeEigenvalues.count }
        /// Short description for the log.
        var summary: String {
            "PSD cone \(cone) of order \(order) → \(reducedOrder) (\(dropped.count) variable(s) without cost confine its dual to a face)"
        }
    }

    /// Relative size below which an eigenvalue counts as zero in the semidefiniteness and rank tests.
    static let eigenvalueTolerance = 1e-10
    /// Candidate matrices with more distinct rows and columns than this are not examined (one
    /// dense eigendecomposition each).
    static let maximumSupport = 2000
    /// Budget of `Σ k³` over the candidates examined in one cone (`k` their support): a few
    /// seconds of eigendecompositions at most, whatever the number of candidates.
    static let examinationBudget = 2e10

    /// The summaries of the reduced cones, for the log.
    var summaries: [String] { faces.map(\.summary) }

    /// The reduction of `problem`, or `nil` when no cone qualifies.
    init?(_ problem: ConicProblem) {
        let n = problem.variableCount
        var touchedByP = [Bool](repeating: false, count: n)
        for j in 0..<n {
            for k in problem.P.columnStarts[j]..<problem.P.columnStarts[j + 1] {
                touchedByP[j] = true; touchedByP[problem.P.rowIndices[k]] = true
            }
        }
        var coneRanges: [Range<Int>] = [], start = 0
        for cone in problem.cones { coneRanges.append(start..<(start + cone.dimension)); start += cone.dimension }
        // Candidates: free of cost, supported on the rows of a single PSD cone.
        var candidates: [Int: [Int]] = [:]
        for j in 0..<n where problem.q[j] == 0 && !touchedByP[j] {
            let entries = problem.A.columnStarts[j]..<problem.A.columnStarts[j + 1]
            guard let first = entries.first, let last = entries.last else { continue }
            let firstRow = problem.A.rowIndices[first], lastRow = problem.A.rowIndices[last]
            guard let cone = coneRanges.firstIndex(where: { $0.contains(firstRow) }),
                  case .positiveSemidefinite = problem.cones[cone], coneRanges[cone].contains(lastRow) else { continue }
            candidates[cone, default: []].append(j)
        }
        var faces: [Face] = []
        for cone in candidates.keys.sorted() {
            guard case let .positiveSemidefinite(order) = problem.cones[cone],
                  let face = Self.face(cone: cone, order: order, rows: coneRanges[cone], columns: candidates[cone]!, A: problem.A)
            else { continue }
            faces.append(face)
        }
        guard !faces.isEmpty else { return nil }
        // Reduced row layout.
        var reducedCones = problem.cones
        for face in faces { reducedCones[face.cone] = .positiveSemidefinite(face.reducedOrder) }
        var reducedRanges: [Range<Int>] = []
        start = 0
        for cone in reducedCones { reducedRanges.append(start..<(start + cone.dimension)); start += cone.dimension }
        let reducedRowCount = start
        for f in faces.indices { faces[f].reducedRows = reducedRanges[faces[f].cone] }
        var rowMap = [Int](repeating: -1, count: problem.constraintCount)
        let facedCones = Set(faces.map(\.cone))
        for (cone, range) in coneRanges.enumerated() where !facedCones.contains(cone) {
            for (k, row) in range.enumerated() { rowMap[row] = reducedRanges[cone].lowerBound + k }
        }
        let droppedColumns = Set(faces.flatMap { $0.dropped.map(\.column) })
        let kept = (0..<n).filter { !droppedColumns.contains($0) }
        var newIndex = [Int](repeating: -1, count: n)
        for (k, j) in kept.enumerated() { newIndex[j] = k }

        // A and b on the reduced rows: rows outside the faces are renumbered, rows inside go
        // through VᵀXV.
        var rows: [Int] = [], columns: [Int] = [], values: [Double] = []
        var transformer = faces.map { FaceTransformer(face: $0) }
        for (k, j) in kept.enumerated() {
            for p in problem.A.columnStarts[j]..<problem.A.columnStarts[j + 1] {
                let row = problem.A.rowIndices[p]
                if rowMap[row] >= 0 {
                    rows.append(rowMap[row]); columns.append(k); values.append(problem.A.values[p])
                } else if let f = faces.firstIndex(where: { $0.originalRows.contains(row) }) {
                    transformer[f].add(svecRow: row - faces[f].originalRows.lowerBound, value: problem.A.values[p])
                }
            }
            for f in transformer.indices {
                for (row, value) in transformer[f].flush() {
                    rows.append(faces[f].reducedRows.lowerBound + row); columns.append(k); values.append(value)
                }
            }
        }
        var b = [Double](repeating: 0, count: reducedRowCount)
        for (row, value) in problem.b.enumerated() where value != 0 {
            if rowMap[row] >= 0 {
                b[rowMap[row]] = value
            } else if let f = faces.firstIndex(where: { $0.originalRows.contains(row) }) {
                transformer[f].add(svecRow: row - faces[f].originalRows.lowerBound, value: value)
            }
        }
        for f in transformer.indices {
            for (row, value) in transformer[f].flush() { b[faces[f].reducedRows.lowerBound + row] = value }
        }
        // P keeps its entries (the dropped columns have none), renumbered.
        var pRows: [Int] = [], pColumns: [Int] = [], pValues: [Double] = []
        for j in 0..<n {
            for p in problem.P.columnStarts[j]..<problem.P.columnStarts[j + 1] {
                pRows.append(newIndex[problem.P.rowIndices[p]]); pColumns.append(newIndex[j]); pValues.append(problem.P.values[p])
            }
        }
        guard let A = try? SparseMatrix(rowCount: reducedRowCount, columnCount: kept.count, rows: rows, columns: columns, values: values),
              let P = try? SparseMatrix(rowCount: kept.count, columnCount: kept.count, rows: pRows, columns: pColumns, values: pValues),
              let reduced = try? ConicProblem(P: P, q: kept.map { problem.q[$0] }, A: A, b: b, cones: reducedCones,
                                              objectiveConstant: problem.objectiveConstant)
        else { return nil }
        self.reduced = reduced
        self.original = problem
        self.faces = faces
        self.keptColumns = kept
        self.rowMap = rowMap
    }

    /// The face of one PSD cone from its candidate columns, or `nil` when none is semidefinite.
    private static func face(cone: Int, order: Int, rows: Range<Int>, columns: [Int], A: SparseMatrix) -> Face? {
        let position = Svec.positions(order: order)
        let inverseRoot2 = 1 / 2.0.squareRoot()
        // Semidefinite candidates and their signs; M = Σ σ_j A_j on the union of their supports.
        var dropped: [(column: Int, sign: Double)] = []
        var sum: [Int: Double] = [:]   // svec row → entry of M (matrix scaling)
        var work = 0.0
        for j in columns {
            var entries: [(p: Int, q: Int, value: Double)] = []
            for k in A.columnStarts[j]..<A.columnStarts[j + 1] {
                let (p, q) = position[A.rowIndices[k] - rows.lowerBound]
                entries.append((p, q, p == q ? A.values[k] : A.values[k] * inverseRoot2))
            }
            let support = Array(Set(entries.flatMap { [$0.p, $0.q] })).sorted()
            work += pow(Double(support.count), 3)
            guard work <= examinationBudget, let sign = semidefiniteSign(entries, support: support) else { continue }
            dropped.append((j, sign))
            for (p, q, value) in entries { sum[Svec.index(p, q), default: 0] += sign * value }
        }
        guard !dropped.isEmpty else { return nil }
        let entries = sum.map { (position[$0.key].i, position[$0.key].j, $0.value) }
        let support = Array(Set(entries.flatMap { [$0.0, $0.1] })).sorted()
        guard support.count <= maximumSupport, let (vectors, eigenvalues) = eigen(entries, support: support) else { return nil }
        let k = support.count
        let largest = eigenvalues.map(abs).max() ?? 0
        guard largest > 0 else { return nil }
        let rangeColumns = eigenvalues.indices.filter { eigenvalues[$0] > eigenvalueTolerance * largest }
        let rank = rangeColumns.count
        guard rank > 0, rank < order else { return nil }
        // Reduced row echelon form of W = Uᵀ (rank × k) with complete pivoting: W = [I K] on
        // (pivots, others), so the null vectors are e_i − Σ_ρ W[ρ, i] e_{pivot ρ}.
        var w = [[Double]](repeating: [Double](repeating: 0, count: k), count: rank)
        for (row, column) in rangeColumns.enumerated() { for i in 0..<k { w[row][i] = vectors[i + column * k] } }
        var pivots: [Int] = []
        var isPivot = [Bool](repeating: false, count: k)
        for row in 0..<rank {
            var best = (row: row, column: -1, size: 0.0)
            for r in row..<rank { for c in 0..<k where !isPivot[c] && abs(w[r][c]) > best.size { best = (r, c, abs(w[r][c])) } }
            guard best.column >= 0 else { return nil }
            w.swapAt(row, best.row)
            let pivot = w[row][best.column]
            for c in 0..<k { w[row][c] /= pivot }
            for r in 0..<rank where r != row {
                let factor = w[r][best.column]
                if factor != 0 { for c in 0..<k { w[r][c] -= factor * w[row][c] } }
            }
            pivots.append(best.column); isPivot[best.column] = true
        }
        // Reduced indices: the original indices that are not pivots, in order.
        var pivotRow = [Int: Int]()
        for (row, local) in pivots.enumerated() { pivotRow[support[local]] = row }
        var reducedIndex = [Int](repeating: -1, count: order)
        var next = 0
        for i in 0..<order where pivotRow[i] == nil { reducedIndex[i] = next; next += 1 }
        var rowsOfV = [[(index: Int, value: Double)]](repeating: [], count: order)
        for i in 0..<order {
            if let row = pivotRow[i] {
                for (local, original) in support.enumerated() where !isPivot[local] && w[row][local] != 0 {
                    rowsOfV[i].append((reducedIndex[original], -w[row][local]))
                }
            } else {
                rowsOfV[i] = [(reducedIndex[i], 1)]
            }
        }
        var range = [Double](repeating: 0, count: order * rank)
        for (r, column) in rangeColumns.enumerated() {
            for (local, original) in support.enumerated() { range[original + r * order] = vectors[local + column * k] }
        }
        return Face(cone: cone, originalRows: rows, order: order, reducedOrder: order - rank,
                    rowsOfV: rowsOfV, range: range, rangeEigenvalues: rangeColumns.map { eigenvalues[$0] }, dropped: dropped)
    }

    /// `+1` when the symmetric matrix with upper-triangle `entries` (on the indices `support`) is
    /// positive semidefinite, `−1` when negative semidefinite, `nil` otherwise (or when it is zero
    /// or too large to examine).
    private static func semidefiniteSign(_ entries: [(p: Int, q: Int, value: Double)], support: [Int]) -> Double? {
        // Necessary: the diagonal has one sign, and a zero diagonal entry has a zero row.
        var diagonal: [Int: Double] = [:]
        for (p, q, value) in entries where p == q && value != 0 { diagonal[p] = value }
        guard let firstDiagonal = diagonal.values.first else { return nil }
        let sign: Double = firstDiagonal > 0 ? 1 : -1
        for (p, q, value) in entries where value != 0 {
            if p == q { if value * sign < 0 { return nil } } else if diagonal[p] == nil || diagonal[q] == nil { return nil }
        }
        guard support.count <= maximumSupport, let (_, eigenvalues) = eigen(entries, support: support, vectors: false) else { return nil }
        let largest = eigenvalues.map(abs).max() ?? 0
        return eigenvalues.allSatisfy { $0 * sign >= -eigenvalueTolerance * largest } ? sign : nil
    }

    /// Eigenvalues (ascending) and, when asked, eigenvectors (column-major, `k × k`) of the
    /// symmetric matrix with upper-triangle `entries`, restricted to the indices in `support`.
    private static func eigen(_ entries: [(p: Int, q: Int, value: Double)], support: [Int],
                              vectors: Bool = true) -> (vectors: [Double], values: [Double])? {
        let k = support.count
        var local = [Int: Int]()
        for (i, index) in support.enumerated() { local[index] = i }
        var matrix = [Double](repeating: 0, count: k * k)
        for (p, q, value) in entries {
            let i = local[p]!, j = local[q]!
            matrix[i + j * k] = value; matrix[j + i * k] = value
        }
        var values = [Double](repeating: 0, count: k)
        let ok = matrix.withUnsafeMutableBufferPointer { m in
            values.withUnsafeMutableBufferPointer { w in
                vectors ? Dense.symmetricEigen(m.baseAddress!, n: k, into: w.baseAddress!)
                        : Dense.symmetricEigenvalues(m.baseAddress!, n: k, into: w.baseAddress!)
            }
        }
        return ok ? (matrix, values) : nil
    }

    /// Accumulates `svec(Vᵀ X V)` for one column's entries in a face's rows.
    private struct FaceTransformer {
        let rowsOfV: [[(index: Int, value: Double)]]
        /// Matrix positions of the original and of the reduced `svec` indices.
        let position: [(i: Int, j: Int)], reducedPosition: [(i: Int, j: Int)]
        private var accumulator: [Double]
        private var touched: [Int] = []
        private var isTouched: [Bool]

        init(face: Face) {
            rowsOfV = face.rowsOfV
            position = Svec.positions(order: face.order)
            reducedPosition = Svec.positions(order: face.reducedOrder)
            accumulator = [Double](repeating: 0, count: face.reducedRows.count)
            isTouched = [Bool](repeating: false, count: face.reducedRows.count)
        }

        /// Adds the entry `value` at `svec` row `row` (of the original order) of `X`.
        mutating func add(svecRow row: Int, value: Double) {
            let (p, q) = position[row]
            let x = p == q ? value : value / 2.0.squareRoot()
            addOrdered(p, q, x)
            if p != q { addOrdered(q, p, x) }
        }

        /// `Y_ab += V_pa x V_qb` for the upper triangle `a ≤ b`.
        private mutating func addOrdered(_ p: Int, _ q: Int, _ x: Double) {
            for (a, va) in rowsOfV[p] {
                for (b, vb) in rowsOfV[q] where a <= b {
                    let index = Svec.index(a, b)
                    if !isTouched[index] { isTouched[index] = true; touched.append(index) }
                    accumulator[index] += va * x * vb
                }
            }
        }

        /// The accumulated `svec` entries (nonzero, by ascending row), and a cleared accumulator.
        mutating func flush() -> [(row: Int, value: Double)] {
            touched.sort()
            var out: [(row: Int, value: Double)] = []
            out.reserveCapacity(touched.count)
            for index in touched {
                let (a, b) = reducedPosition[index]
                let value = a == b ? accumulator[index] : accumulator[index] * 2.0.squareRoot()
                if value != 0 { out.append((index, value)) }
                accumulator[index] = 0; isTouched[index] = false
            }
            touched.removeAll(keepingCapacity: true)
            return out
        }
    }

    // MARK: - Recovery

    /// The solution of the original problem from one of the reduced problem: `Z = VẐVᵀ` on each
    /// face, and the dropped variables set to the smallest multiple `t` (times `−σ_j`) that makes
    /// `S = B − Σ A_l x_l` positive semidefinite — from the Schur complement of `VᵀSV` in
    /// `[V U]ᵀ S [V U]`, `U` spanning the range of `M`. For a dual-infeasibility certificate the
    /// same is done with `B = 0`. Residuals are recomputed in the original data.
    func recover(_ solution: Solution) -> Solution {
        let n = original.variableCount, m = original.constraintCount
        var x = [Double](repeating: 0, count: n)
        for (k, j) in keptColumns.enumerated() { x[j] = solution.x[k] }
        var s = [Double](repeating: .nan, count: m), z = s
        for (row, reducedRow) in rowMap.enumerated() where reducedRow >= 0 {
            s[row] = solution.s[reducedRow]; z[row] = solution.z[reducedRow]
        }
        let xKnown = x.allSatisfy(\.isFinite)
        for face in faces {
            let zHat = Array(solution.z[face.reducedRows])
            if zHat.allSatisfy(\.isFinite) {
                let full = face.lift(zHat)
                for (k, row) in face.originalRows.enumerated() { z[row] = full[k] }
            }
        }
        // Slacks on the faces: S̃ = B − A x (x without the dropped variables), then t.
        if xKnown, solution.s.allSatisfy(\.isFinite) {
            let homogeneous = solution.status == .dualInfeasible || solution.status == .almostDualInfeasible
            for face in faces {
                let (t, correction) = face.completeSlack(faceSlack(face, x: x, homogeneous: homogeneous),
                                                         reduced: Array(solution.s[face.reducedRows]))
                for (column, sign) in face.dropped { x[column] = -sign * t }
                let final = faceSlack(face, x: x, homogeneous: homogeneous)
                for (k, row) in face.originalRows.enumerated() { s[row] = final[k] + correction[k] }
            }
        } else if xKnown {
            for face in faces { for row in face.originalRows { s[row] = .nan } }
        }
        var out = solution
        out.x = xKnown ? x : [Double](repeating: .nan, count: n)
        out.s = s
        out.z = z
        if !solution.status.isInfeasible, xKnown, s.allSatisfy(\.isFinite), z.allSatisfy(\.isFinite) {
            (out.primalResidual, out.dualResidual) = original.residuals(x: x, s: s, z: z)
        }
        return out
    }

    /// `svec` of `B − A x` (or `−A x`) on a face's rows, in the original data.
    private func faceSlack(_ face: Face, x: [Double], homogeneous: Bool) -> [Double] {
        var slack = homogeneous ? [Double](repeating: 0, count: face.originalRows.count) : Array(original.b[face.originalRows])
        for j in 0..<original.variableCount where x[j] != 0 {
            for p in original.A.columnStarts[j]..<original.A.columnStarts[j + 1] {
                let row = original.A.rowIndices[p]
                if face.originalRows.contains(row) { slack[row - face.originalRows.lowerBound] -= original.A.values[p] * x[j] }
            }
        }
        return slack
    }
}

extension FacialReduction.Face {
    /// `V` as a dense column-major `order × reducedOrder` matrix.
    private var denseV: [Double] {
        var v = [Double](repeating: 0, count: order * reducedOrder)
        for (i, row) in rowsOfV.enumerated() { for (a, value) in row { v[i + a * order] = value } }
        return v
    }

    /// `svec(V mat(ẑ) Vᵀ)`.
    func lift(_ zHat: [Double]) -> [Double] {
        let n = order, r = reducedOrder
        var small = [Double](repeating: 0, count: r * r), t = [Double](repeating: 0, count: n * r)
        var full = [Double](repeating: 0, count: n * n), out = [Double](repeating: 0, count: n * (n + 1) / 2)
        let v = denseV
        zHat.withUnsafeBufferPointer { Svec.unpack($0, into: &small, order: r) }
        Dense.multiply(v, transposeA: false, small, transposeB: false, into: &t, m: n, n: r, k: r)
        Dense.multiply(t, transposeA: false, v, transposeB: true, into: &full, m: n, n: n, k: r)
        out.withUnsafeMutableBufferPointer { Svec.pack(full, into: $0, order: n) }
        return out
    }

    /// The completion of a face's slack: the reduced problem fixes `Vᵀ S V = Ŝ` (positive definite,
    /// an interior iterate) only up to its own residual, so `S̃ = mat(slack)` (from `B − A x`) is first
    /// corrected by `Y = W (Ŝ − VᵀS̃V) Wᵀ` with `W = V(VᵀV)⁻¹` (then `Vᵀ(S̃ + Y)V = Ŝ`; `Y` is of the
    /// size of that residual). Returns `svec(Y)` and the smallest `t ≥ 0` (with a relative margin of
    /// 1e-6) with `S̃ + Y + tM ⪰ 0`, from the Schur complement of `Ŝ` in `[V U]ᵀ(S̃ + Y)[V U]`;
    /// `t = 0` when `Ŝ` is not numerically positive definite (nothing better is known then).
    func completeSlack(_ slack: [Double], reduced: [Double]) -> (t: Double, correction: [Double]) {
        let n = order, r = reducedOrder, k = rank
        var s = [Double](repeating: 0, count: n * n), sHat = [Double](repeating: 0, count: r * r)
        slack.withUnsafeBufferPointer { Svec.unpack($0, into: &s, order: n) }
        reduced.withUnsafeBufferPointer { Svec.unpack($0, into: &sHat, order: r) }
        let v = denseV
        // Y = W (Ŝ − VᵀS̃V) Wᵀ, Wᵀ = (VᵀV)⁻¹Vᵀ.
        var sv = [Double](repeating: 0, count: n * r), difference = sHat
        Dense.multiply(s, transposeA: false, v, transposeB: false, into: &sv, m: n, n: r, k: n)
        Dense.multiply(v, transposeA: true, sv, transposeB: false, into: &difference, m: r, n: r, k: n, alpha: -1, beta: 1)
        var gram = [Double](repeating: 0, count: r * r)
        Dense.multiply(v, transposeA: true, v, transposeB: false, into: &gram, m: r, n: r, k: n)
        var wt = [Double](repeating: 0, count: r * n)
        for i in 0..<n { for a in 0..<r { wt[a + i * r] = v[i + a * n] } }
        var correction = [Double](repeating: 0, count: n * (n + 1) / 2)
        guard Dense.cholesky(&gram, n: r) else { return (0, correction) }
        Dense.choleskySolve(gram, n: r, &wt, columns: n)
        var t1 = [Double](repeating: 0, count: r * n), y = [Double](repeating: 0, count: n * n)
        Dense.multiply(difference, transposeA: false, wt, transposeB: false, into: &t1, m: r, n: n, k: r)
        Dense.multiply(wt, transposeA: true, t1, transposeB: false, into: &y, m: n, n: n, k: r)
        correction.withUnsafeMutableBufferPointer { Svec.pack(y, into: $0, order: n) }
        for i in 0..<(n * n) { s[i] += y[i] }
        // E = VᵀSU, C = UᵀSU with S = S̃ + Y.
        var su = [Double](repeating: 0, count: n * k)
        var e = [Double](repeating: 0, count: r * k), c = [Double](repeating: 0, count: k * k)
        Dense.multiply(s, transposeA: false, range, transposeB: false, into: &su, m: n, n: k, k: n)
        Dense.multiply(v, transposeA: true, su, transposeB: false, into: &e, m: r, n: k, k: n)
        Dense.multiply(range, transposeA: true, su, transposeB: false, into: &c, m: k, n: k, k: n)
        guard Dense.cholesky(&sHat, n: r) else { return (0, correction) }
        // Q = C − EᵀŜ⁻¹E = C − ZᵀZ with Z = L⁻¹E; then t = −λ_min(Λ^{-1/2} Q Λ^{-1/2}).
        Dense.triangularSolve(sHat, &e, n: r, columns: k, right: false)
        Dense.multiply(e, transposeA: true, e, transposeB: false, into: &c, m: k, n: k, k: r, alpha: -1, beta: 1)
        for j in 0..<k { for i in 0..<k { c[i + j * k] /= (rangeEigenvalues[i] * rangeEigenvalues[j]).squareRoot() } }
        var w = [Double](repeating: 0, count: k)
        guard Dense.symmetricEigenvalues(&c, n: k, into: &w), let smallest = w.first, smallest.isFinite else { return (0, correction) }
        return (smallest < 0 ? -smallest * (1 + 1e-6) : 0, correction)
    }
}
