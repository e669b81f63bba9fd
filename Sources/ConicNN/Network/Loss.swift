import ConicSolver

/// The data-fit term of the training objective, summed (not averaged) over samples and outputs.
///
/// - `squared`: `ℓ(F) = ½‖F − Y‖²_F`, for regression and for one-hot (vector) targets.
/// - `hinge`: `ℓ(F) = Σᵢ max(0, 1 − yᵢ fᵢ)` with binary targets `yᵢ ∈ {−1, +1}` (one output).
public enum Loss: String, Sendable, CaseIterable, Codable {
    case squared
    case hinge

    /// `ℓ(F)` for predictions `F` against targets `Y` (both `n × c`, row-major values).
    public func value(predictions: [Double], targets: [Double]) -> Double {
        precondition(predictions.count == targets.count, "Loss: shapes differ")
        var total = 0.0
        switch self {
        case .squared:
            for (f, y) in zip(predictions, targets) { total += 0.5 * (f - y) * (f - y) }
        case .hinge:
            for (f, y) in zip(predictions, targets) { total += max(0, 1 - y * f) }
        }
        return total
    }

    /// A (sub)gradient of `ℓ` with respect to the predictions, entry by entry.
    public func gradient(predictions: [Double], targets: [Double]) -> [Double] {
        switch self {
        case .squared:
            return zip(predictions, targets).map { $0 - $1 }
        case .hinge:
            return zip(predictions, targets).map { f, y in 1 - y * f > 0 ? -y : 0 }
        }
    }
}
