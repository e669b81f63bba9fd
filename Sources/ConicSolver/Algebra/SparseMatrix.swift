/// A sparse matrix in compressed sparse column (CSC) form with `Double` values.
///
/// Column `j` holds the entries `rowIndices[columnStarts[j] ..< columnStarts[j + 1]]` with the
/// matching `values`. Row indices within a column are strictly increasing once the matrix has
/// been built by one of the initializers (they sort and sum duplicates).
public struct SparseMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rowCount: Int
    /// Number of columns.
    public let columnCount: Int
    /// `columnCount + 1` offsets into `rowIndices` and `values`.
    public var columnStarts: [Int]
    /// Row index of every stored entry.
    public var rowIndices: [Int]
    /// Value of every stored entry.
    public var values: [Double]

    /// Number of stored entries.
    public var nonzeroCount: Int { rowIndices.count }

    /// Builds a matrix from raw CSC arrays, validating them.
    ///
    /// - Throws: ``ConicError/invalidMatrix(name:reason:)`` when the arrays are inconsistent,
    ///   a row index is out of range, or row indices in a column are not strictly increasing.
    public init(rowCount: Int, columnCount: Int, columnStarts: [Int], rowIndices: [Int],
                values: [Double], name: String = "matrix") throws {
        guard rowCount >= 0, columnCount >= 0 else {
            throw ConicError.invalidMatrix(name: name, reason: "negative dimensions \(rowCount)×\(columnCount)")
        }
        // Compared as `count - 1` so that `columnCount == Int.max` cannot overflow.
        guard columnStarts.count - 1 == columnCount else {
            throw ConicError.invalidMatrix(name: name,
                reason: "columnStarts has \(columnStarts.count) entries, expected columnCount + 1 = "
                    + (columnCount == Int.max ? "Int.max + 1" : "\(columnCount + 1)"))
        }
        guard columnStarts.first == 0, rowIndices.count == values.count,
              columnStarts.last == rowIndices.count else {
            throw ConicError.invalidMatrix(name: name,
                reason: "columnStarts must start at 0 and end at the number of entries (\(rowIndices.count)); values has \(values.count)")
        }
        // All starts first: with the ends pinned above, monotone starts keep every column's range
        // inside the entry arrays before any entry is read.
        for j in 0..<columnCount where columnStarts[j] > columnStarts[j + 1] {
            throw ConicError.invalidMatrix(name: name,
                reason: "columnStarts decreases at column \(j) (\(columnStarts[j]) then \(columnStarts[j + 1]))")
        }
        for j in 0..<columnCount {
            var previous = -1
            for k in columnStarts[j]..<columnStarts[j + 1] {
                let i = rowIndices[k]
                guard i >= 0, i < rowCount else {
                    throw ConicError.invalidMatrix(name: name, reason: "row index \(i) out of range 0..<\(rowCount) in column \(j)")
                }
                guard i > previous else {
                    throw ConicError.invalidMatrix(name: name,
                        reason: "row indices in column \(j) are not strictly increasing (\(previous) then \(i))")
                }
                previous = i
            }
        }
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.columnStarts = columnStarts
        self.rowIndices = rowIndices
        self.values = values
    }

    /// Internal initializer for arrays already known to be valid.
    init(unchecked rowCount: Int, _ columnCount: Int, _ columnStarts: [Int], _ rowIndices: [Int], _ values: [Double]) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.columnStarts = columnStarts
        self.rowIndices = rowIndices
        self.values = values
    }

    /// Builds a matrix from coordinate triplets; duplicate entries are summed.
    ///
    /// - Throws: ``ConicError/invalidMatrix(name:reason:)`` when an index is out of range or the
    ///   triplet arrays have different lengths; ``ConicError/problemTooLarge(what:requiredBytes:availableBytes:)``
    ///   when the column count is too large for memory.
    public init(rowCount: Int, columnCount: Int, rows: [Int], columns: [Int], values: [Double],
                name: String = "matrix") throws {
        guard rows.count == columns.count, rows.count == values.count else {
            throw ConicError.invalidMatrix(name: name, reason: "triplet arrays have different lengths")
        }
        guard rowCount >= 0, columnCount >= 0 else {
            throw ConicError.invalidMatrix(name: name, reason: "negative dimensions \(rowCount)×\(columnCount)")
        }
        // The CSC arrays take three column-start arrays and two copies of the entries; a huge
        // declared column count must be refused, not allocated (nor overflow `columnCount + 1`).
        try MemoryBudget.require(MemoryBudget.bytes([(columnCount, 3 * 8), (1, 3 * 8), (rows.count, 2 * 16)]),
                                 for: "the \(rowCount)×\(columnCount) matrix \(name)")
        for k in rows.indices {
            guard rows[k] >= 0, rows[k] < rowCount, columns[k] >= 0, columns[k] < columnCount else {
                throw ConicError.invalidMatrix(name: name,
                    reason: "entry (\(rows[k]), \(columns[k])) outside \(rowCount)×\(columnCount)")
            }
        }
        var counts = [Int](repeating: 0, count: columnCount + 1)
        for j in columns { counts[j + 1] += 1 }
        for j in 0..<columnCount { counts[j + 1] += counts[j] }
        var next = counts
        var rowTmp = [Int](repeating: 0, count: rows.count)
        var valTmp = [Double](repeating: 0, count: rows.count)
        for k in rows.indices {
            let p = next[columns[k]]
            rowTmp[p] = rows[k]; valTmp[p] = values[k]; next[columns[k]] += 1
        }
        var starts = [Int](repeating: 0, count: columnCount + 1)
        var outRows: [Int] = []; outRows.reserveCapacity(rows.count)
        var outVals: [Double] = []; outVals.reserveCapacity(rows.count)
        for j in 0..<columnCount {
            let range = counts[j]..<counts[j + 1]
            let order = range.sorted { rowTmp[$0] < rowTmp[$1] }
            for p in order {
                if outRows.count > starts[j], outRows.last == rowTmp[p] {
                    outVals[outVals.count - 1] += valTmp[p]
                } else {
                    outRows.append(rowTmp[p]); outVals.append(valTmp[p])
                }
            }
            starts[j + 1] = outRows.count
        }
        self.init(unchecked: rowCount, columnCount, starts, outRows, outVals)
    }

    /// Builds a matrix from a dense row-major array, keeping nonzero entries.
    public init(dense rows: [[Double]]) {
        let m = rows.count, n = rows.first?.count ?? 0
        var starts = [0], idx: [Int] = [], vals: [Double] = []
        for j in 0..<n {
            for i in 0..<m where rows[i][j] != 0 { idx.append(i); vals.append(rows[i][j]) }
            starts.append(idx.count)
        }
        self.init(unchecked: m, n, starts, idx, vals)
    }

    /// The `rowCount × columnCount` matrix with no stored entries.
    public static func zeros(_ rowCount: Int, _ columnCount: Int) -> SparseMatrix {
        SparseMatrix(unchecked: rowCount, columnCount, [Int](repeating: 0, count: columnCount + 1), [], [])
    }

    /// The transpose, in CSC form (equivalently, this matrix in CSR form).
    public func transposed() -> SparseMatrix {
        var counts = [Int](repeating: 0, count: rowCount + 1)
        for i in rowIndices { counts[i + 1] += 1 }
        for i in 0..<rowCount { counts[i + 1] += counts[i] }
        var next = counts
        var idx = [Int](repeating: 0, count: nonzeroCount)
        var vals = [Double](repeating: 0, count: nonzeroCount)
        for j in 0..<columnCount {
            for k in columnStarts[j]..<columnStarts[j + 1] {
                let i = rowIndices[k], p = next[i]
                idx[p] = j; vals[p] = values[k]; next[i] += 1
            }
        }
        return SparseMatrix(unchecked: columnCount, rowCount, counts, idx, vals)
    }

    /// `y ← y + α·M·x`.
    func multiplyAdd(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, scale alpha: Double = 1) {
        columnStarts.withUnsafeBufferPointer { cs in
        rowIndices.withUnsafeBufferPointer { ri in
        values.withUnsafeBufferPointer { v in
            for j in 0..<columnCount {
                let xj = alpha * x[j]
                if xj == 0 { continue }
                for k in cs[j]..<cs[j + 1] { y[ri[k]] += v[k] * xj }
            }
        }}}
    }

    /// `y ← y + α·Mᵀ·x`.
    func transposeMultiplyAdd(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, scale alpha: Double = 1) {
        columnStarts.withUnsafeBufferPointer { cs in
        rowIndices.withUnsafeBufferPointer { ri in
        values.withUnsafeBufferPointer { v in
            for j in 0..<columnCount {
                var sum = 0.0
                for k in cs[j]..<cs[j + 1] { sum += v[k] * x[ri[k]] }
                y[j] += alpha * sum
            }
        }}}
    }

    /// `y ← y + α·S·x` where this matrix holds the upper triangle of the symmetric matrix `S`.
    func symmetricMultiplyAdd(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, scale alpha: Double = 1) {
        columnStarts.withUnsafeBufferPointer { cs in
        rowIndices.withUnsafeBufferPointer { ri in
        values.withUnsafeBufferPointer { v in
            for j in 0..<columnCount {
                var sum = 0.0
                let xj = x[j]
                for k in cs[j]..<cs[j + 1] {
                    let i = ri[k]
                    sum += v[k] * x[i]
                    if i != j { y[i] += alpha * v[k] * xj }
                }
                y[j] += alpha * sum
            }
        }}}
    }

    /// `M·x` as a new array.
    public func multiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rowCount)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { multiplyAdd(xp, into: $0) } }
        return y
    }

    /// `Mᵀ·x` as a new array.
    public func transposeMultiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: columnCount)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { transposeMultiplyAdd(xp, into: $0) } }
        return y
    }

    /// `S·x` where this matrix holds the upper triangle of the symmetric `S`.
    public func symmetricMultiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rowCount)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { symmetricMultiplyAdd(xp, into: $0) } }
        return y
    }

    /// Whether every stored entry lies on or above the diagonal.
    public var isUpperTriangular: Bool {
        for j in 0..<columnCount {
            for k in columnStarts[j]..<columnStarts[j + 1] where rowIndices[k] > j { return false }
        }
        return true
    }
}
