import ConicSolver
@testable import ConicNN

/// A `rows × columns` matrix of independent standard normal entries (times `scale`), drawn from `rng`.
func gaussianMatrix(_ rows: Int, _ columns: Int, _ rng: inout SeededGenerator, scale: Double = 1) -> DenseMatrix {
    DenseMatrix(rowCount: rows, columnCount: columns, values: (0..<(rows * columns)).map { _ in scale * rng.nextGaussian() })
}

/// The same, from a fresh generator seeded with `seed`.
func gaussianMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> DenseMatrix {
    var rng = SeededGenerator(seed: seed)
    return gaussianMatrix(rows, columns, &rng)
}
