import ConicSolver

/// A dense real matrix stored row by row: the NN layer's data matrices (samples in rows) and
/// weights. Products go through BLAS, the SVD through LAPACK (the solver's `Dense` calls).
public struct DenseMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rowCount: Int
    /// Number of columns.
    public let columnCount: Int
    /// The entries, row after row: entry `(i, j)` is `values[i * columnCount + j]`.
    public var values: [Double]

    /// A matrix filled with `value`.
    public init(rowCount: Int, columnCount: Int, repeating value: Double = 0) {
        precondition(rowCount >= 0 && columnCount >= 0, "DenseMatrix: negative dimensions")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = Array(repeating: value, count: rowCount * columnCount)
    }

    /// A matrix from its row-major entries.
    public init(rowCount: Int, columnCount: Int, values: [Double]) {
        precondition(values.count == rowCount * columnCount, "DenseMatrix: \(values.count) values for \(rowCount)×\(columnCount)")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    /// A matrix from its rows, which must all have the same length.
    public init(rows: [[Double]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "DenseMatrix: rows of different lengths")
        self.init(rowCount: rows.count, columnCount: columns, values: rows.flatMap { $0 })
    }

    /// A column vector (`values.count × 1`).
    public init(column values: [Double]) {
        self.init(rowCount: values.count, columnCount: 1, values: values)
    }

    /// Entry `(i, j)`.
    public subscript(i: Int, j: Int) -> Double {
        get { values[i * columnCount + j] }
        set { values[i * columnCount + j] = newValue }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        Array(values[(i * columnCount)..<((i + 1) * columnCount)])
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        (0..<rowCount).map { values[$0 * columnCount + j] }
    }

    /// The rows selected by `indices`, in that order.
    public func rows(_ indices: [Int]) -> DenseMatrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * columnCount)
        for i in indices { out.append(contentsOf: values[(i * columnCount)..<((i + 1) * columnCount)]) }
        return DenseMatrix(rowCount: indices.count, columnCount: columnCount, values: out)
    }

    /// The transpose.
    public var transposed: DenseMatrix {
        var t = DenseMatrix(rowCount: columnCount, columnCount: rowCount)
        for i in 0..<rowCount { for j in 0..<columnCount { t.values[j * rowCount + i] = values[i * columnCount + j] } }
        return t
    }

    /// `op(self) · op(other)` where `op` transposes when asked.
    ///
    /// - Complexity: `O(m·n·k)` through BLAS `dgemm`.
    public func multiplied(by other: DenseMatrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> DenseMatrix {
        let m = transposeSelf ? columnCount : rowCount
        let k = transposeSelf ? rowCount : columnCount
        let k2 = transposeOther ? other.columnCount : other.rowCount
        let n = transposeOther ? other.rowCount : other.columnCount
        precondition(k == k2, "DenseMatrix: inner dimensions \(k) and \(k2) differ")
        var c = DenseMatrix(rowCount: m, columnCount: n)
        // A row-major buffer is the column-major transpose, so C = op(A)·op(B) is computed as
        // the column-major product Cᵀ = op(B)ᵀ·op(A)ᵀ.
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                c.values.withUnsafeMutableBufferPointer { cc in
                    Dense.multiply(b.baseAddress!, transposeA: transposeOther, a.baseAddress!, transposeB: transposeSelf,
                                   into: cc.baseAddress!, m: n, n: m, k: k)
                }
            }
        }
        return c
    }

    /// `self · x`.
    public func multiplied(by x: [Double]) -> [Double] {
        multiplied(by: DenseMatrix(column: x)).values
    }

    /// `selfᵀ · x`.
    public func transposeMultiplied(by x: [Double]) -> [Double] {
        multiplied(by: DenseMatrix(column: x), transposeSelf: true).values
    }

    /// Thin singular value decomposition `self = U·diag(σ)·Vᵀ` with `k = min(rows, columns)`
    /// singular values in descending order; `nil` when LAPACK does not converge or the matrix
    /// holds NaN or infinity.
    public func singularValueDecomposition() -> (u: DenseMatrix, sigma: [Double], vt: DenseMatrix)? {
        let m = rowCount, n = columnCount, k = min(m, n)
        guard values.allSatisfy(\.isFinite) else { return nil }
        if k == 0 {
            return (DenseMatrix(rowCount: m, columnCount: 0), [], DenseMatrix(rowCount: 0, columnCount: n))
        }
        // LAPACK sees the row-major buffer as Aᵀ (n × m): Aᵀ = V Σ Uᵀ, so its U is our V and vice versa.
        var a = values
        var uOfTranspose = [Double](repeating: 0, count: n * k)   // n × k column-major = V
        var vtOfTranspose = [Double](repeating: 0, count: k * m)  // k × m column-major = Uᵀ
        var sigma = [Double](repeating: 0, count: k)
        let ok = Dense.thinSingularValueDecomposition(&a, m: n, n: m, u: &uOfTranspose, sigma: &sigma, vt: &vtOfTranspose)
        guard ok else { return nil }
        // Column-major k × m (Uᵀ) read row-major is m × k = U; column-major n × k (V) read row-major is Vᵀ.
        return (DenseMatrix(rowCount: m, columnCount: k, values: vtOfTranspose), sigma,
                DenseMatrix(rowCount: k, columnCount: n, values: uOfTranspose))
    }

    /// Eigenvalues in ascending order of this symmetric matrix (its lower triangle is read);
    /// `nil` when it is not square, holds NaN or infinity, or LAPACK does not converge.
    public func symmetricEigenvalues() -> [Double]? {
        guard rowCount == columnCount, values.allSatisfy(\.isFinite) else { return nil }
        var a = values
        var w = [Double](repeating: 0, count: rowCount)
        let ok = a.withUnsafeMutableBufferPointer { a in
            w.withUnsafeMutableBufferPointer { w in
                Dense.symmetricEigenvalues(a.baseAddress!, n: rowCount, into: w.baseAddress!)
            }
        }
        return ok ? w : nil
    }
}
