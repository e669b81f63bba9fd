import ConicSolver

/// Zero-phase (ZCA) whitening `x ↦ Wᵀ(x − μ)` with `W = V Σ⁻¹ Vᵀ`, fitted on training
/// features `A = U Σ Vᵀ` (thin SVD, after subtracting `μ` when centering).
///
/// The whitened training matrix is `Ã = U Vᵀ`: for `n ≤ d` and full row rank it satisfies
/// `ÃÃᵀ = I` — the data for which the JMLR paper's spike-free relaxation is exact (Lemma 2.4) and
/// the two-neuron closed form is optimal (Lemma 3.2); for `n > d` it has `ÃᵀÃ = I` (identity
/// covariance up to the factor `n`). Unlike `A V Σ⁻¹`, the rotation back by `Vᵀ` keeps the
/// whitened data in the original feature coordinates ("zero phase"), so features stay
/// interpretable. Directions with singular value below ``rankTolerance``·σ₁ are dropped
/// (mapped to 0) rather than amplified.
public struct Whitening: Sendable, Equatable {
    /// Subtracted from every sample before the transform (zeros when fitted without centering).
    public var mean: [Double]
    /// `W` (`d × d`, symmetric): whitened row `= (x − μ)ᵀ W`.
    public var transform: DenseMatrix
    /// The number of directions kept (the numerical rank of the fitted data).
    public var rank: Int

    /// Singular values below this fraction of the largest count as zero.
    public static let rankTolerance = 1e-10

    /// Fits the whitening transform on `features` (`n × d`).
    /// - Parameter centering: subtract the column means first (classic ZCA); the JMLR paper's
    ///   `Ã = AVΣ⁻¹` whitens without centering, which is the default here.
    /// - Throws: ``WhiteningError`` when the features are empty, non-finite, or all zero.
    public static func fit(_ features: DenseMatrix, centering: Bool = false) throws(WhiteningError) -> Whitening {
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
        let largest = sigma.first ?? 0
        let rank = sigma.filter { $0 > rankTolerance * largest }.count
        guard rank > 0 else { throw .zeroData }
        // W = Σ_k v_k v_kᵀ / σ_k over the kept directions.
        var w = DenseMatrix(rowCount: d, columnCount: d)
        for k in 0..<rank {
            let v = vt.row(k), inverse = 1 / sigma[k]
            for i in 0..<d where v[i] != 0 {
                let scaled = v[i] * inverse
                for j in 0..<d { w.values[i * d + j] += scaled * v[j] }
            }
        }
        return Whitening(mean: mean, transform: w, rank: rank)
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

    public var description: String {
        switch self {
        case .empty: return "whitening needs at least one sample and one feature"
        case .nonFinite: return "whitening: the features hold NaN or infinity (or their SVD did not converge)"
        case .zeroData: return "whitening: the data are all zero (after centering: all samples equal), nothing to whiten"
        }
    }
}
