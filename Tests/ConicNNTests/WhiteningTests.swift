import ConicSolver
import Testing
@testable import ConicNN

@Suite("Zero-phase whitening")
struct WhiteningTests {
    static func gaussian(_ n: Int, _ d: Int, seed: UInt64) -> DenseMatrix {
        var rng = SeededGenerator(seed: seed)
        return DenseMatrix(rowCount: n, columnCount: d, values: (0..<(n * d)).map { _ in rng.nextGaussian() })
    }

    static func maxDeviationFromIdentity(_ m: DenseMatrix) -> Double {
        var worst = 0.0
        for i in 0..<m.rowCount { for j in 0..<m.columnCount { worst = max(worst, abs(m[i, j] - (i == j ? 1 : 0))) } }
        return worst
    }

    @Test("n ≤ d: the whitened rows are orthonormal (ÃÃᵀ = I); n > d: the columns are (ÃᵀÃ = I)")
    func whitenedGramIsIdentity() throws {
        for (n, d) in [(5, 9), (12, 4)] {
            let a = Self.gaussian(n, d, seed: UInt64(n))
            let w = try Whitening.fit(a)
            let white = w.apply(a)
            let gram = n <= d ? white.multiplied(by: white, transposeOther: true) : white.multiplied(by: white, transposeSelf: true)
            #expect(Self.maxDeviationFromIdentity(gram) < 1e-10, "n = \(n), d = \(d)")
            #expect(w.rank == min(n, d))
            // Zero phase: W is symmetric.
            #expect(zip(w.transform.values, w.transform.transposed.values).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }

    @Test("centering: the whitened training data have zero column means and identity covariance × n")
    func centeredWhitening() throws {
        var a = Self.gaussian(30, 3, seed: 4)
        for i in 0..<30 { a.values[i * 3] = 5 + 2 * a.values[i * 3] }
        let white = try Whitening.fit(a, centering: true).apply(a)
        for j in 0..<3 { #expect(abs(white.column(j).reduce(0, +)) < 1e-10) }
        #expect(Self.maxDeviationFromIdentity(white.multiplied(by: white, transposeSelf: true)) < 1e-10)
    }

    @Test("rank-deficient data: dropped directions map to zero instead of blowing up")
    func rankDeficient() throws {
        let b = Self.gaussian(6, 2, seed: 8)
        let a = b.multiplied(by: Self.gaussian(2, 5, seed: 9))  // 6 × 5 of rank 2
        let w = try Whitening.fit(a)
        #expect(w.rank == 2)
        #expect(w.apply(a).values.allSatisfy { $0.isFinite && abs($0) < 10 })
    }

    @Test("bad input throws")
    func badInput() {
        #expect(throws: WhiteningError.empty) { try Whitening.fit(DenseMatrix(rowCount: 0, columnCount: 3)) }
        #expect(throws: WhiteningError.nonFinite) { try Whitening.fit(DenseMatrix(rows: [[1, .nan]])) }
        #expect(throws: WhiteningError.zeroData) { try Whitening.fit(DenseMatrix(rows: [[0, 0], [0, 0]])) }
        #expect(throws: WhiteningError.zeroData) { try Whitening.fit(DenseMatrix(rows: [[1, 2], [1, 2]]), centering: true) }
    }
}
