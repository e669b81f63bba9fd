import ConicSolver
import Testing
@testable import ConicNN

@Suite("Zero-phase whitening")
struct WhiteningTests {

    static func maxDeviationFromIdentity(_ m: DenseMatrix) -> Double {
        var worst = 0.0
        for i in 0..<m.rowCount { for j in 0..<m.columnCount { worst = max(worst, abs(m[i, j] - (i == j ? 1 : 0))) } }
        return worst
    }

    @Test("n ≤ d: the whitened rows are orthonormal (ÃÃᵀ = I); n > d: the columns are (ÃᵀÃ = I)")
    func whitenedGramIsIdentity() throws {
        for (n, d) in [(5, 9), (12, 4)] {
            let a = gaussianMatrix(n, d, seed: UInt64(n))
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
        var a = gaussianMatrix(30, 3, seed: 4)
        for i in 0..<30 { a.values[i * 3] = 5 + 2 * a.values[i * 3] }
        let white = try Whitening.fit(a, centering: true).apply(a)
        for j in 0..<3 { #expect(abs(white.column(j).reduce(0, +)) < 1e-10) }
        #expect(Self.maxDeviationFromIdentity(white.multiplied(by: white, transposeSelf: true)) < 1e-10)
    }

    @Test("rank-deficient data: dropped directions map to zero instead of blowing up")
    func rankDeficient() throws {
        let b = gaussianMatrix(6, 2, seed: 8)
        let a = b.multiplied(by: gaussianMatrix(2, 5, seed: 9))  // 6 × 5 of rank 2
        let w = try Whitening.fit(a)
        #expect(w.rank == 2)
        #expect(w.apply(a).values.allSatisfy { $0.isFinite && abs($0) < 10 })
    }

    @Test("regularized covariance ZCA: the whitened covariance has eigenvalues D/(D + ε)")
    func covarianceWhitening() throws {
        let a = gaussianMatrix(40, 5, seed: 12).multiplied(by: gaussianMatrix(5, 5, seed: 13))
        let epsilon = 0.1
        let white = try Whitening.fitCovariance(a, epsilon: epsilon).apply(a)
        let covariance = { (m: DenseMatrix) -> DenseMatrix in
            var c = m.multiplied(by: m, transposeSelf: true)
            for k in c.values.indices { c.values[k] /= Double(m.rowCount - 1) }
            return c
        }
        var centered = a
        let means = (0..<5).map { j in a.column(j).reduce(0, +) / 40 }
        for i in 0..<40 { for j in 0..<5 { centered[i, j] -= means[j] } }
        let before = try #require(covariance(centered).symmetricEigenvalues())
        let after = try #require(covariance(white).symmetricEigenvalues())
        for (d, e) in zip(before, after) { #expect(abs(e - d / (d + epsilon)) < 1e-10) }
        #expect(throws: WhiteningError.invalidEpsilon(0)) { try Whitening.fitCovariance(a, epsilon: 0) }
    }

    @Test("bad input throws")
    func badInput() {
        #expect(throws: WhiteningError.empty) { try Whitening.fit(DenseMatrix(rowCount: 0, columnCount: 3)) }
        #expect(throws: WhiteningError.nonFinite) { try Whitening.fit(DenseMatrix(rows: [[1, .nan]])) }
        #expect(throws: WhiteningError.zeroData) { try Whitening.fit(DenseMatrix(rows: [[0, 0], [0, 0]])) }
        #expect(throws: WhiteningError.zeroData) { try Whitening.fit(DenseMatrix(rows: [[1, 2], [1, 2]]), centering: true) }
    }
}
