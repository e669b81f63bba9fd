import CLAPACK

/// Dense linear algebra on column-major `Double` buffers, through LAPACK and CBLAS.
/// The C calls stay in this file; callers pass Swift buffers and get Swift results. `package`
/// (not public) for the NN layer's `DenseMatrix`, which computes through the same calls.
package enum Dense {
    /// `C ← α·op(A)·op(B) + β·C` for `m × k` times `k × n` (after `op`), all column-major with
    /// leading dimensions equal to their row counts.
    package static func multiply(_ a: UnsafePointer<Double>, transposeA: Bool, _ b: UnsafePointer<Double>, transposeB: Bool,
                         into c: UnsafeMutablePointer<Double>, m: Int, n: Int, k: Int,
                         alpha: Double = 1, beta: Double = 0) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: m * n) } else { for i in 0..<(m * n) { c[i] *= beta } }
            return
        }
        cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(transposeA ? k : m), b, Int32(transposeB ? n : k),
                    beta, c, Int32(m))
    }

    /// `y ← α·A·x + β·y` for a square `n × n` matrix `A`.
    static func multiplyVector(_ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                               n: Int, alpha: Double = 1, beta: Double = 0) {
        guard n > 0 else { return }
        cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(n), Int32(n), alpha, a, Int32(n), x, 1, beta, y, 1)
    }

    /// `y ← A·x` for a symmetric `n × n` matrix `A` of which only the lower triangle is read.
    static func symmetricMultiplyVector(_ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
                                        into y: UnsafeMutablePointer<Double>, n: Int) {
        guard n > 0 else { return }
        cblas_dsymv(CblasColMajor, CblasLower, Int32(n), 1, a, Int32(n), x, 1, 0, y, 1)
    }

    /// In-place Cholesky `A = LLᵀ` of a symmetric positive-definite `n × n` matrix (lower triangle
    /// read); the strict upper triangle is zeroed so the buffer holds exactly `L`.
    /// Returns `false` when `A` is not numerically positive definite.
    static func cholesky(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        guard n > 0 else { return true }
        let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), a, Int32(n))
        guard info == 0 else { return false }
        for j in 1..<max(n, 1) { for i in 0..<j { a[i + j * n] = 0 } }
        return true
    }

    /// Solves `A X = B` with the Cholesky factor from ``cholesky(_:n:)`` for `columns` right-hand sides.
    /// (The `_work` entry point: the plain one scans the whole factor for NaN on every call, which
    /// costs as much as the solve itself — 7 % of theta5's run in the Schur form's refinement.)
    static func choleskySolve(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>, columns: Int = 1) {
        guard n > 0 else { return }
        LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), Int32(columns), l, Int32(n), b, Int32(n))
    }

    /// `B ← L⁻¹ B` (or `B ← B L⁻ᵀ` when `right`) for a lower-triangular `n × n` `L` and a `B` of
    /// `n × columns` (`columns × n` when `right`; square by default).
    static func triangularSolve(_ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int, columns: Int? = nil, right: Bool) {
        let other = columns ?? n
        guard n > 0, other > 0 else { return }
        let rows = right ? other : n
        cblas_dtrsm(CblasColMajor, right ? CblasRight : CblasLeft, CblasLower, right ? CblasTrans : CblasNoTrans,
                    CblasNonUnit, Int32(rows), Int32(right ? n : other), 1, l, Int32(n), b, Int32(rows))
    }

    /// Eigenvalues (ascending) of a symmetric `n × n` matrix; the buffer is overwritten.
    package static func symmetricEigenvalues(_ a: UnsafeMutablePointer<Double>, n: Int, into w: UnsafeMutablePointer<Double>) -> Bool {
        guard n > 0 else { return true }
        let info = LAPACKE_dsyev(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "L")), Int32(n), a, Int32(n), w)
        return info == 0
    }

    /// Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric `n × n` matrix: the
    /// buffer is overwritten by the eigenvectors (columns).
    static func symmetricEigen(_ a: UnsafeMutablePointer<Double>, n: Int, into w: UnsafeMutablePointer<Double>) -> Bool {
        guard n > 0 else { return true }
        let info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "L")), Int32(n), a, Int32(n), w)
        return info == 0
    }

    /// Singular value decomposition `A = U Σ Vᵀ` of a square `n × n` matrix (overwritten);
    /// `u` and `vt` receive `U` and `Vᵀ`, `sigma` the singular values (descending).
    static func singularValueDecomposition(_ a: UnsafeMutablePointer<Double>, n: Int, u: UnsafeMutablePointer<Double>,
                                           sigma: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>) -> Bool {
        guard n > 0 else { return true }
        // Divide and conquer (dgesdd): several times faster than dgesvd for full U and Vᵀ.
        let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "A")), Int32(n), Int32(n),
                                  a, Int32(n), sigma, u, Int32(n), vt, Int32(n))
        return info == 0
    }

    /// Thin singular value decomposition `A = U Σ Vᵀ` of an `m × n` column-major matrix
    /// (overwritten): `u` receives `m × k`, `vt` receives `k × n` and `sigma` the `k = min(m, n)`
    /// singular values in descending order.
    package static func thinSingularValueDecomposition(_ a: UnsafeMutablePointer<Double>, m: Int, n: Int,
                                               u: UnsafeMutablePointer<Double>, sigma: UnsafeMutablePointer<Double>,
                                               vt: UnsafeMutablePointer<Double>) -> Bool {
        let k = min(m, n)
        guard k > 0 else { return true }
        let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n),
                                  a, Int32(m), sigma, u, Int32(m), vt, Int32(k))
        return info == 0
    }
}
