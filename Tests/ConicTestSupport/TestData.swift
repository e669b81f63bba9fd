import ConicSolver

// Problem data and reproducible random numbers for tests.

// MARK: - Data builders

/// A sparse matrix from dense rows with an explicit column count (works for zero rows too).
public func testMatrix(_ rows: [[Double]], columns n: Int) -> SparseMatrix {
    var r: [Int] = [], c: [Int] = [], v: [Double] = []
    for (i, row) in rows.enumerated() {
        precondition(row.count == n, "testMatrix: row \(i) has \(row.count) entries, expected \(n)")
        for (j, value) in row.enumerated() where value != 0 { r.append(i); c.append(j); v.append(value) }
    }
    return try! SparseMatrix(rowCount: rows.count, columnCount: n, rows: r, columns: c, values: v, name: "test")
}

/// The upper triangle (diagonal included) of a dense symmetric matrix, as the solver wants `P`.
public func testUpperTriangle(_ dense: [[Double]]) -> SparseMatrix {
    let n = dense.count
    var r: [Int] = [], c: [Int] = [], v: [Double] = []
    for i in 0..<n {
        precondition(dense[i].count == n, "testUpperTriangle: matrix is not square")
        for j in i..<n where dense[i][j] != 0 {
            precondition(abs(dense[i][j] - dense[j][i]) <= 1e-12 * max(1, abs(dense[i][j])),
                         "testUpperTriangle: matrix is not symmetric at (\(i), \(j))")
            r.append(i); c.append(j); v.append(dense[i][j])
        }
    }
    return try! SparseMatrix(rowCount: n, columnCount: n, rows: r, columns: c, values: v, name: "P")
}

/// Dense row-major copy of a sparse matrix (entries summed).
public func testDense(_ M: SparseMatrix) -> [[Double]] {
    var rows = [[Double]](repeating: [Double](repeating: 0, count: M.columnCount), count: M.rowCount)
    for j in 0..<M.columnCount {
        for k in M.columnStarts[j]..<M.columnStarts[j + 1] { rows[M.rowIndices[k]][j] += M.values[k] }
    }
    return rows
}

// MARK: - Seeded random numbers

/// SplitMix64: a tiny deterministic generator so that "random" tests are reproducible.
public struct TestSeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { Double.random(in: low..<high, using: &self) }
    public mutating func vector(_ count: Int, _ low: Double, _ high: Double) -> [Double] {
        (0..<count).map { _ in uniform(low, high) }
    }
}
