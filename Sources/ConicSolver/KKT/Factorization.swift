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

/// The number of threads OpenBLAS uses (process-wide).
var blasThreads: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(newValue, 1))) }
}

/// Sparse symmetric factorization by CHOLMOD (64-bit integer interface): supernodal Cholesky
/// `LLᵀ` for positive-definite matrices, or simplicial `LDLᵀ` for quasi-definite ones (CHOLMOD
/// has no supernodal `LDLᵀ`).
///
/// CHOLMOD pointers never leave this class. The matrix is stored as its upper triangle
/// (`stype = 1`); the fill-reducing ordering (AMD, or METIS when AMD fills badly) is chosen once.
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
    private let matrix: UnsafeMutablePointer<cholmod_sparse>
    private let factorization: UnsafeMutablePointer<cholmod_factor>
    private let rhs: UnsafeMutablePointer<cholmod_dense>
    private var solution: UnsafeMutablePointer<cholmod_dense>?
    private var workY: UnsafeMutablePointer<cholmod_dense>?
    private var workE: UnsafeMutablePointer<cholmod_dense>?
    private let size: Int
    let values: UnsafeMutableBufferPointer<Double>
    var name: String { method.rawValue }
    /// Flop count of the factorization, from the symbolic analysis.
    let flops: Double
    /// Number of entries of `L`, from the symbolic analysis.
    let factorNonzeros: Int

    /// Analyzes the pattern (upper triangle, CSC, sorted rows, diagonal present).
    /// Returns `nil` when CHOLMOD cannot allocate or analyze it.
    init?(size n: Int, columnStarts: [Int], rowIndices: [Int], method: Method) {
        self.method = method
        common = .allocate(capacity: 1)
        cholmod_l_start(common)
        common.pointee.print = 0
        switch method {
        case .supernodalCholesky: common.pointee.supernodal = Int32(CHOLMOD_SUPERNODAL)
        case .simplicialLDL: common.pointee.supernodal = Int32(CHOLMOD_SIMPLICIAL)
        }
        size = n
        let nnz = rowIndices.count
        guard let m = cholmod_l_allocate_sparse(n, n, max(nnz, 1), 1, 1, 1, Int32(CHOLMOD_REAL), common) else {
            cholmod_l_finish(common); common.deallocate(); return nil
        }
        matrix = m
        let p = m.pointee.p.assumingMemoryBound(to: Int.self)
        let i = m.pointee.i.assumingMemoryBound(to: Int.self)
        for k in 0...n { p[k] = columnStarts[k] }
        for k in 0..<nnz { i[k] = rowIndices[k] }
        let x = m.pointee.x.assumingMemoryBound(to: Double.self)
        values = UnsafeMutableBufferPointer(start: x, count: nnz)
        values.update(repeating: 0)
        guard let l = cholmod_l_analyze(m, common), common.pointee.status >= CHOLMOD_OK else {
            var mm: UnsafeMutablePointer<cholmod_sparse>? = m
            cholmod_l_free_sparse(&mm, common)
            cholmod_l_finish(common); common.deallocate(); return nil
        }
        factorization = l
        flops = common.pointee.fl
        factorNonzeros = Int(common.pointee.lnz)
        rhs = cholmod_l_allocate_dense(n, 1, n, Int32(CHOLMOD_REAL), common)
    }

    deinit {
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
        let ok = cholmod_l_factorize(matrix, factorization, common)
        return ok != 0 && common.pointee.status == CHOLMOD_OK && factorization.pointee.minor == size
    }

    func solve(_ b: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        let bx = rhs.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0..<size { bx[k] = b[k] }
        cholmod_l_solve2(Int32(CHOLMOD_A), factorization, rhs, nil, &solution, nil, &workY, &workE, common)
        guard let sol = solution else { x.update(repeating: .nan); return }
        let sx = sol.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0..<size { x[k] = sx[k] }
    }
}
