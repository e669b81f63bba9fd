import CCHOLMOD
import CLAPACK

/// A sparse symmetric positive-definite factorization with a fixed pattern: the symbolic
/// analysis happens once at construction, `factor()` is repeated with new values.
protocol SymmetricFactorization: AnyObject {
    /// The values of the upper triangle, in the CSC order of the pattern given at construction;
    /// written in place by the KKT assembly before each `factor()`.
    var values: UnsafeMutableBufferPointer<Double> { get }
    /// Numeric factorization of the current values; `false` when the matrix is not positive definite.
    func factor() -> Bool
    /// `x ← M⁻¹ b` with the last successful factorization.
    func solve(_ b: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>)
    /// A short name for logs.
    var name: String { get }
}

/// Sparse symmetric factorization by CHOLMOD (64-bit integer interface): supernodal Cholesky
/// `LLᵀ` for positive-definite matrices, or simplicial `LDLᵀ` for quasi-definite ones (CHOLMOD
/// has no supernodal `LDLᵀ`).
///
/// CHOLMOD pointers never leave this class. The fill-reducing ordering (the caller's, or AMD, or
/// METIS when AMD fills badly, postordered) is chosen once; the matrix is then stored *already
/// permuted*, as the triangle of `PKPᵀ` that the method reads directly (lower, `stype = −1`, for
/// the supernodal method; upper, `stype = 1`, for the simplicial one), and analyzed again with
/// the natural ordering. So each `factor()` only scatters the values through a precomputed map,
/// where CHOLMOD would otherwise build the permuted transpose of the whole matrix at every
/// factorization (measured: 10–15 % of the solve time of small sparse problems, with its page
/// faults; the supernodal method on the upper triangle still transposes it, 5 % of thetaG11's).
final class CholmodFactorization: SymmetricFactorization {
    /// Which factorization CHOLMOD computes.
    enum Method: String {
        /// Supernodal `LLᵀ` (BLAS-3); the matrix must be positive definite.
        case supernodalCholesky = "cholmod-supernodal-llt"
        /// Simplicial `LDLᵀ` without pivoting; any quasi-definite matrix factors.
        case simplicialLDL = "cholmod-simplicial-ldlt"
    }
    let method: Method
    private let common: UnsafeMutablePointer<cholmod_common>
    /// `PKPᵀ` (one triangle, see above) in CHOLMOD's storage.
    private let matrix: UnsafeMutablePointer<cholmod_sparse>
    private let factorization: UnsafeMutablePointer<cholmod_factor>
    private let rhs: UnsafeMutablePointer<cholmod_dense>
    private var solution: UnsafeMutablePointer<cholmod_dense>?
    private var workY: UnsafeMutablePointer<cholmod_dense>?
    private var workE: UnsafeMutablePointer<cholmod_dense>?
    private let size: Int
    /// The fill-reducing permutation: row `a` of `PKPᵀ` is row `permutation[a]` of `K`.
    private let permutation: [Int]
    /// Where entry `k` of the caller's pattern lives in the permuted matrix.
    private let permutedPosition: [Int]
    /// The caller's values, in the CSC order of the pattern given at construction.
    let values: UnsafeMutableBufferPointer<Double>
    var name: String { method.rawValue }
    /// Flop count of the factorization, from the symbolic analysis.
    let flops: Double
    /// Number of entries of `L`, from the symbolic analysis.
    let factorNonzeros: Int
    /// Bytes held once the matrix is factored: the numeric factor and the stored matrix.
    let memoryBytes: Double
    /// Bytes per pattern entry while the factorization is built: the caller's pattern, CHOLMOD's
    /// copy and the permutation's sort keys (transient) on top of what ``memoryBytes`` counts.
    static let bytesPerPatternEntryDuringSetup = 72.0

    /// Analyzes the pattern (upper triangle, CSC, sorted rows, diagonal present), in the given
    /// elimination `ordering` (`ordering[a]` is the `a`-th column eliminated) or CHOLMOD's.
    /// Returns `nil` when CHOLMOD cannot allocate or analyze it.
    init?(size n: Int, columnStarts: [Int], rowIndices: [Int], method: Method, ordering: [Int]? = nil) {
        self.method = method
        // A local name, so that the helpers below need no `self` before every property is set.
        let cc = UnsafeMutablePointer<cholmod_common>.allocate(capacity: 1)
        common = cc
        cholmod_l_start(cc)
        cc.pointee.print = 0
        switch method {
        case .supernodalCholesky: cc.pointee.supernodal = Int32(CHOLMOD_SUPERNODAL)
        case .simplicialLDL: cc.pointee.supernodal = Int32(CHOLMOD_SIMPLICIAL)
        }
        size = n
        let nnz = rowIndices.count
        func finish() { cholmod_l_finish(cc); cc.deallocate() }
        func sparse(_ starts: [Int], _ rows: [Int], stype: Int32) -> UnsafeMutablePointer<cholmod_sparse>? {
            guard let m = cholmod_l_allocate_sparse(n, n, max(nnz, 1), 1, 1, stype, Int32(CHOLMOD_REAL), cc) else { return nil }
            let p = m.pointee.p.assumingMemoryBound(to: Int.self), i = m.pointee.i.assumingMemoryBound(to: Int.self)
            for k in 0...n { p[k] = starts[k] }
            for k in 0..<nnz { i[k] = rows[k] }
            UnsafeMutableBufferPointer(start: m.pointee.x.assumingMemoryBound(to: Double.self), count: nnz).update(repeating: 0)
            return m
        }

        // 1. The ordering: the caller's, or CHOLMOD's default choice of methods on the pattern.
        if let ordering {
            permutation = ordering
        } else {
            guard let made = sparse(columnStarts, rowIndices, stype: 1) else { finish(); return nil }
            var original: UnsafeMutablePointer<cholmod_sparse>? = made
            var analyzed = cholmod_l_analyze(original, cc)
            cholmod_l_free_sparse(&original, cc)
            guard let first = analyzed, cc.pointee.status >= CHOLMOD_OK else {
                cholmod_l_free_factor(&analyzed, cc); finish(); return nil
            }
            let perm = first.pointee.Perm.assumingMemoryBound(to: Int.self)
            permutation = (0..<n).map { perm[$0] }
            cholmod_l_free_factor(&analyzed, cc)
        }

        // 2. The permuted matrix, stored as the triangle CHOLMOD factors without transposing it
        // first: the lower one for the supernodal method, the upper one for the simplicial.
        // Entry (i, j) moves to (inverse[i], inverse[j]), or its mirror.
        let lower = method == .supernodalCholesky
        var inverse = [Int](repeating: 0, count: n)
        for a in 0..<n { inverse[permutation[a]] = a }
        // Two stable counting sorts, by new row and then by new column, leave every column's
        // rows ascending without a comparison sort.
        var newRow = [Int](repeating: 0, count: nnz), newColumn = [Int](repeating: 0, count: nnz)
        for j in 0..<n {
            for k in columnStarts[j]..<columnStarts[j + 1] {
                let a = inverse[rowIndices[k]], b = inverse[j]
                (newRow[k], newColumn[k]) = lower ? (max(a, b), min(a, b)) : (min(a, b), max(a, b))
            }
        }
        /// The entries `order` stably sorted by `key`, and the start of each key's run.
        func countingSort(_ order: [Int], by key: [Int]) -> (sorted: [Int], starts: [Int]) {
            var starts = [Int](repeating: 0, count: n + 1)
            for k in order { starts[key[k] + 1] += 1 }
            for j in 0..<n { starts[j + 1] += starts[j] }
            var next = starts, sorted = [Int](repeating: 0, count: order.count)
            for k in order {
                sorted[next[key[k]]] = k
                next[key[k]] += 1
            }
            return (sorted, starts)
        }
        let (byColumn, starts) = countingSort(countingSort(Array(0..<nnz), by: newRow).sorted, by: newColumn)
        var rows = [Int](repeating: 0, count: nnz), position = [Int](repeating: 0, count: nnz)
        for (slot, k) in byColumn.enumerated() {
            rows[slot] = newRow[k]
            position[k] = slot
        }
        permutedPosition = position

        // 3. Analyze the permuted matrix in its natural order (already postordered).
        guard let m = sparse(starts, rows, stype: lower ? -1 : 1) else { finish(); return nil }
        matrix = m
        cc.pointee.nmethods = 1
        cc.pointee.method.0.ordering = Int32(CHOLMOD_NATURAL)
        cc.pointee.postorder = 0
        guard let l = cholmod_l_analyze(m, cc), cc.pointee.status >= CHOLMOD_OK else {
            var mm: UnsafeMutablePointer<cholmod_sparse>? = m
            cholmod_l_free_sparse(&mm, cc)
            finish(); return nil
        }
        factorization = l
        flops = cc.pointee.fl
        factorNonzeros = Int(cc.pointee.lnz)
        // The numeric factor is allocated by the first factorization: the supernodal one stores
        // its supernodes dense (`xsize` values, `ssize` row indices), the simplicial one `lnz`
        // values and row indices plus its column arrays.
        let factorBytes = lower
            ? 8 * (Double(l.pointee.xsize) + Double(l.pointee.ssize))
            : 16 * Double(cc.pointee.lnz) + 40 * Double(n)
        // Per entry of the pattern: our values and map, CHOLMOD's row index and value.
        memoryBytes = factorBytes + 32 * Double(nnz)
        rhs = cholmod_l_allocate_dense(n, 1, n, Int32(CHOLMOD_REAL), cc)
        values = .allocate(capacity: nnz)
        values.update(repeating: 0)
    }

    deinit {
        values.deallocate()
        var m: UnsafeMutablePointer<cholmod_sparse>? = matrix
        cholmod_l_free_sparse(&m, common)
        var l: UnsafeMutablePointer<cholmod_factor>? = factorization
        cholmod_l_free_factor(&l, common)
        var b: UnsafeMutablePointer<cholmod_dense>? = rhs
        cholmod_l_free_dense(&b, common)
        cholmod_l_free_dense(&solution, common)
        cholmod_l_free_dense(&workY, common)
        cholmod_l_free_dense(&workE, common)
        cholmod_l_finish(common)
        common.deallocate()
    }

    func factor() -> Bool {
        let x = matrix.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0..<values.count { x[permutedPosition[k]] = values[k] }
        let ok = cholmod_l_factorize(matrix, factorization, common)
        return ok != 0 && common.pointee.status == CHOLMOD_OK && factorization.pointee.minor == size
    }

    func solve(_ b: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        // (PKPᵀ)(Px) = Pb.
        let bx = rhs.pointee.x.assumingMemoryBound(to: Double.self)
        for a in 0..<size { bx[a] = b[permutation[a]] }
        cholmod_l_solve2(Int32(CHOLMOD_A), factorization, rhs, nil, &solution, nil, &workY, &workE, common)
        guard let sol = solution else { x.update(repeating: .nan); return }
        let sx = sol.pointee.x.assumingMemoryBound(to: Double.self)
        for a in 0..<size { x[permutation[a]] = sx[a] }
    }
}
