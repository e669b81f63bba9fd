import ConicSolver
import Foundation

/// The data-fit term of the training objective, summed (not averaged) over samples and outputs.
///
/// - `squared`: `ℓ(F) = ½‖F − Y‖²_F`, for regression and for one-hot (vector) targets.
/// - `hinge`: `ℓ(F) = Σᵢ max(0, 1 − yᵢ fᵢ)` with binary targets `yᵢ ∈ {−1, +1}` (one output).
/// - `logistic`: `ℓ(F) = Σᵢ log(1 + e^{−yᵢ fᵢ})` with binary targets `yᵢ ∈ {−1, +1}` (one output).
///
/// Hinge and logistic are margin losses: their conjugate is finite only at dual points
/// `v = λ∘y` with `λ ∈ [0, 1]` (``usesMarginMultipliers``), which is how their lower bounds and
/// dual points are stored.
public enum Loss: String, Sendable, CaseIterable, Codable {
    case squared
    case hinge
    case logistic

    /// Whether the loss takes ±1 labels and its dual points are `v = λ∘y`, `λ ∈ [0, 1]`.
    public var usesMarginMultipliers: Bool { self != .squared }

    /// `ℓ(F)` for predictions `F` against targets `Y` (both `n × c`, row-major values).
    public func value(predictions: [Double], targets: [Double]) -> Double {
        precondition(predictions.count == targets.count, "Loss: shapes differ")
        var total = 0.0
        switch self {
        case .squared:
            for (f, y) in zip(predictions, targets) { total += 0.5 * (f - y) * (f - y) }
        case .hinge:
            for (f, y) in zip(predictions, targets) { total += max(0, 1 - y * f) }
        case .logistic:
            for (f, y) in zip(predictions, targets) { total += Self.softplus(-y * f) }
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
        case .logistic:
            return zip(predictions, targets).map { f, y in -y * Self.sigmoid(-y * f) }
        }
    }

    /// `log(1 + eᵘ)` without overflow for large `u` nor loss of digits for very negative `u`.
    static func softplus(_ u: Double) -> Double {
        u > 0 ? u + log1p(exp(-u)) : log1p(exp(u))
    }

    /// `σ(u) = 1 / (1 + e⁻ᵘ)`, the derivative of ``softplus(_:)``, evaluated without overflow.
    static func sigmoid(_ u: Double) -> Double {
        if u >= 0 { return 1 / (1 + exp(-u)) }
        let e = exp(u)
        return e / (1 + e)
    }

    /// The binary entropy `H(λ) = −λ log λ − (1 − λ) log(1 − λ)` (natural log; `H(0) = H(1) = 0`),
    /// which is `−ℓ*(−λy)` for one sample of the logistic loss (JMLR Thm 6.1's conjugate term).
    static func binaryEntropy(_ lambda: Double) -> Double {
        func term(_ p: Double) -> Double { p > 0 ? -p * log(p) : 0 }
        return term(lambda) + term(1 - lambda)
    }

    /// `ℓ*(Z) = sup_F ⟨Z, F⟩ − ℓ(F)`, the convex conjugate (`+∞` outside its domain; the hinge
    /// loss's domain is `Zᵢ = −λᵢyᵢ`, `λᵢ ∈ [0, 1]`, where `ℓ* = −Σλᵢ`).
    public func conjugate(_ z: [Double], targets: [Double]) -> Double {
        precondition(z.count == targets.count, "Loss: shapes differ")
        switch self {
        case .squared:
            // sup_f z f − ½(f − y)² at f = y + z.
            return zip(z, targets).reduce(0) { $0 + 0.5 * $1.0 * $1.0 + $1.0 * $1.1 }
        case .hinge, .logistic:
            var total = 0.0
            for (zk, y) in zip(z, targets) {
                let lambda = -zk * y
                guard lambda >= 0, lambda <= 1, abs(y) == 1 else { return .infinity }
                total += self == .hinge ? -lambda : -Self.binaryEntropy(lambda)
            }
            return total
        }
    }
}
