/// Why a closed-form solution (JMLR Lemma 3.1, ICLR 2021 Theorems 4.3/4.4) cannot be built for
/// the data given: each case names the assumption of the result that the data violates.
public enum ClosedFormError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Lemma 3.1 needs at most as many samples as features (`n ≤ d`).
    case tooManySamples(samples: Int, features: Int)
    /// The data matrix is not of full row rank: its numerical rank is below the sample count.
    case rankDeficient(rank: Int, samples: Int)
    /// Lemma 3.1 needs targets with both positive and negative entries.
    case targetsOfOneSign(String)
    /// Theorems 4.3/4.4 need one-hot labels (entries 0/1, exactly one 1 per row).
    case notOneHot(String)
    /// Theorems 4.3/4.4 need whitened data, `XXᵀ = I` (within the tolerance); apply
    /// ``ZeroPhaseWhitening`` first.
    case notWhitened(maximumDeviation: Double)
    /// The deep linear closed form needs data whose non-zero singular values are all equal
    /// (orthonormal rows or columns up to a scale, or rank one); whiten first.
    case unequalSingularValues(smallest: Double, largest: Double)
    /// The rank-one ReLU results need `X = c a₀ᵀ` with `c ≥ 0` (the line through the origin,
    /// samples on one side of it).
    case notRankOneNonnegative(String)
    /// The shapes of features, targets or settings do not fit together.
    case dimensionMismatch(String)
    /// A NaN or an infinity in the features or targets.
    case nonFinite(String)
    /// A setting is out of range.
    case invalidSetting(String)
    /// The LP over a finite set of neurons could not be solved.
    case solverFailed(String)

    public var description: String {
        switch self {
        case let .tooManySamples(n, d):
            return "the two-neuron closed form needs n ≤ d, got n = \(n) samples and d = \(d) features"
        case let .rankDeficient(rank, n):
            return "the data matrix must have full row rank: rank \(rank) < \(n) samples"
        case let .targetsOfOneSign(message): return "the targets need both signs: \(message)"
        case let .notOneHot(message): return "the labels must be one-hot: \(message)"
        case let .notWhitened(deviation):
            return "the data is not whitened: max |XXᵀ − I| = \(deviation) (use zero-phase whitening, --whiten)"
        case let .unequalSingularValues(smallest, largest):
            return "the closed form needs equal non-zero singular values of X (whitened data), got \(smallest) … \(largest) (use --whiten)"
        case let .notRankOneNonnegative(message): return "the data must be X = c a₀ᵀ with c ≥ 0: \(message)"
        case let .dimensionMismatch(message): return "dimension mismatch: \(message)"
        case let .nonFinite(message): return "non-finite data: \(message)"
        case let .invalidSetting(message): return "invalid setting: \(message)"
        case let .solverFailed(message): return "solver failed: \(message)"
        }
    }
}

/// Throws ``ClosedFormError/nonFinite(_:)`` when `values` hold a NaN or an infinity.
func requireFinite(_ values: [Double], _ what: String) throws(ClosedFormError) {
    guard values.allSatisfy(\.isFinite) else { throw .nonFinite("\(what) hold a NaN or an infinity") }
}
