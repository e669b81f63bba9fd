import ConicSolver

/// Zero-phase (ZCA) whitening `x ↦ Wᵀ(x − μ)` with `W = V Σ⁻¹ Vᵀ`, fitted on training
/// features `A = U Σ Vᵀ` (thin SVD, after subtracting `μ` when centering).
///
/// The whitened training matrix is `Ã = U Vᵀ`: for `n ≤ d` and full row rank it satisfies
/// `ÃÃᵀ = I` — the data for which the JMLR paper's spike-free relaxation is exact (Lemma 2.4) and
/// the two-neuron closed form is optimal (Lemma 3.2); for `n > d` it has `ÃᵀÃ = I` (identity
/// covariance up to the factor `n`). Unlike `A V Σ⁻¹`, the rotation back by `Vᵀ` keeps the
/// whitened data in the original feature coordinates ("zero phase"), so features stay
/// interpretable. Directions below the numerical rank (``NumericalRank``) are dropped
/// (mapped to 0) rather than amplified.
public struct Whitening: Sendable, Equatable {
    /// Subtracted from every sample before the transform (zeros when fitted without centering).
    public var mean: [Double]
    /// `W` (`d × d`, symmetric): whitened row `= (x − μ)ᵀ W`.
    public var transform: DenseMatrix
    /// The number of directions kept (the numerical rank of the fitted data).
    public var rank: Int

    /// Fits the whitening transform on `features` (`n × d`).
    /// - Parameter centering: subtract the column means first (classic ZCA); the JMLR paper's
    ///   `Ã = AVΣ⁻¹` whitens without centering, which is the default here.
    /// - Throws: ``WhiteningError`` when the features are empty, non-finite, or all zero.
    public static func fit(_ features: DenseMatrix, centering: Bool = false) throws(WhiteningError) -> Whitening {
        let (mean, sigma, vt) = try decomposition(features, centering: centering)
        let rank = NumericalRank.of(singularValues: sigma)
        guard rank > 0 else { throw .zeroData }
        // W = Σ_k v_k v_kᵀ / σ_k over the kept directions.
        let scales = sigma.indices.map { $0 < rank ? 1 / sigma[$0] : 0 }
        return Whitening(mean: mean, transform: transform(vt: vt, scales: scales, elsewhere: 0), rank: rank)
    }

    /// Classic regularized ZCA on the sample covariance: centered, `W = V(D + εI)^{-1/2}Vᵀ` with
    /// `C = VDVᵀ = AᵀA/(n − 1)` the covariance of the centered features (directions the samples do
    /// not reach get `ε^{-1/2}`). With `ε > 0` nothing is dropped; the whitened covariance has
    /// eigenvalues `D/(D + ε)`. This is the whitening of image patches (JMLR Algorithm 2).
    public static func fitCovariance(_ features: DenseMatrix, epsilon: Double) throws(WhiteningError) -> Whitening {
        guard epsilon.isFinite, epsilon > 0 else { throw .invalidEpsilon(epsilon) }
        let (mean, sigma, vt) = try decomposition(features, centering: true)
        let n = Double(max(features.rowCount - 1, 1))
        let scales = sigma.map { 1 / ($0 * $0 / n + epsilon).squareRoot() }
        return Whitening(mean: mean, transform: transform(vt: vt, scales: scales, elsewhere: 1 / epsilon.squareRoot()),
                         rank: features.columnCount)
    }

    /// The (optionally centered) features' mean and thin SVD `σ`, `Vᵀ`.
    private static func decomposition(_ features: DenseMatrix, centering: Bool) throws(WhiteningError)
        -> (mean: [Double], sigma: [Double], vt: DenseMatrix) {
        let n = features.rowCount, d = features.columnCount
        guard n > 0, d > 0 else { throw .empty }
        guard features.values.allSatisfy(\.isFinite) else { throw .nonFinite }
        var mean = [Double](repeating: 0, count: d)
        var centered = features
        if centering {
            for i in 0..<n { for j in 0..<d { mean[j] += features.values[i * d + j] } }
            for j in 0..<d { mean[j] /= Double(n) }
            for i in 0..<n { for j in 0..<d { centered.values[i * d + j] -= mean[j] } }
        }
        guard let (_, sigma, vt) = centered.singularValueDecomposition() else { throw .nonFinite }
        return (mean, sigma, vt)
    }

    /// `W = c·I + Σ_k (s_k − c) v_k v_kᵀ` for the rows `v_k` of `Vᵀ`, scales `s_k` and `c` elsewhere.
    private static func transform(vt: DenseMatrix, scales: [Double], elsewhere c: Double) -> DenseMatrix {
        let d = vt.columnCount
        var w = DenseMatrix(rowCount: d, columnCount: d)
        for i in 0..<d { w.values[i * d + i] = c }
        for k in scales.indices {
            let v = vt.row(k), change = scales[k] - c
            guard change != 0 else { continue }
            for i in 0..<d where v[i] != 0 {
                let scaled = v[i] * change
                for j in 0..<d { w.values[i * d + j] += scaled * v[j] }
            }
        }
        return w
    }

    /// The whitened features `(X − 1μᵀ) W` (`X` with as many columns as the fitted data).
    public func apply(_ features: DenseMatrix) -> DenseMatrix {
        let d = features.columnCount
        precondition(d == mean.count, "Whitening: \(d) columns, fitted on \(mean.count)")
        var centered = features
        if mean.contains(where: { $0 != 0 }) {
            for i in 0..<features.rowCount { for j in 0..<d { centered.values[i * d + j] -= mean[j] } }
        }
        return centered.multiplied(by: transform)
    }
}

/// Why whitening could not be fitted.
public enum WhiteningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No samples or no features.
    case empty
    /// The features hold NaN or an infinity (or the SVD did not converge).
    case nonFinite
    /// Every feature is zero (after centering, every sample is the same).
    case zeroData
    /// The regularization of ``Whitening/fitCovariance(_:epsilon:)`` must be positive and finite.
    case invalidEpsilon(Double)

    public var description: String {
        switch self {
        case .empty: return "whitening needs at least one sample and one feature"
        case .nonFinite: return "whitening: the features hold NaN or infinity (or their SVD did not converge)"
        case .zeroData: return "whitening: the data are all zero (after centering: all samples equal), nothing to whiten"
        case let .invalidEpsilon(value): return "whitening: ε must be positive and finite, got \(value)"
        }
    }
}
