import ConicSolver
import Foundation

/// The data-fit term of the training objective, summed (not averaged) over samples and outputs.
///
/// - `squared`: `ℓ(F) = ½‖F − Y‖²_F`, for regression and for one-hot (vector) targets.
/// - `hinge`: `ℓ(F) = Σᵢ max(0, 1 − yᵢ fᵢ)` with binary targets `yᵢ ∈ {−1, +1}` (one output).
/// - `logistic`: `ℓ(F) = Σᵢ log(1 + e^{−yᵢ fᵢ})` with binary targets `yᵢ ∈ {−1, +1}` (one output).
/// - `crossEntropy`: `ℓ(F) = Σᵢ [log Σₖ e^{Fᵢₖ} − ⟨Yᵢ, Fᵢ⟩]`, softmax over the `c ≥ 2` outputs, with
///   one-hot targets (any rows `Yᵢ` in the probability simplex are accepted). Its values, gradients
///   and conjugates need the number of outputs (`columns`), since a sample's terms are coupled.
///
/// Hinge and logistic are margin losses: their conjugate is finite only at dual points
/// `v = λ∘y` with `λ ∈ [0, 1]` (``usesMarginMultipliers``), which is how their lower bounds and
/// dual points are stored.
public enum Loss: String, Sendable, CaseIterable, Codable {
    case squared
    case hinge
    case logistic
    case crossEntropy = "cross-entropy"

    /// Whether the loss takes ±1 labels and its dual points are `v = λ∘y`, `λ ∈ [0, 1]`.
    public var usesMarginMultipliers: Bool { self == .hinge || self == .logistic }

    /// `ℓ(F)` for predictions `F` against targets `Y` (both `n × c`, row-major values; `columns`
    /// is `c`, which only the cross-entropy needs).
    public func value(predictions: [Double], targets: [Double], columns: Int = 1) -> Double {
        precondition(predictions.count == targets.count, "Loss: shapes differ")
        var total = 0.0
        switch self {
        case .crossEntropy:
            Self.forEachRow(predictions.count, columns) { range in
                // (Σₖ yₖ)·log Σ e^f − ⟨y, f⟩: the row's mass is 1 for probability targets.
                total += targets[range].reduce(0, +) * Self.logSumExp(predictions[range])
                for k in range { total -= targets[k] * predictions[k] }
            }
        case .squared:
            for (f, y) in zip(predictions, targets) { total += 0.5 * (f - y) * (f - y) }
        case .hinge:
            for (f, y) in zip(predictions, targets) { total += max(0, 1 - y * f) }
        case .logistic:
            for (f, y) in zip(predictions, targets) { total += Self.softplus(-y * f) }
        }
        return total
    }

    /// A (sub)gradient of `ℓ` with respect to the predictions, entry by entry (`columns` as for
    /// ``value(predictions:targets:columns:)``; cross-entropy: `softmax(Fᵢ)·Σₖ Yᵢₖ − Yᵢ` per row).
    public func gradient(predictions: [Double], targets: [Double], columns: Int = 1) -> [Double] {
        switch self {
        case .crossEntropy:
            var out = [Double](repeating: 0, count: predictions.count)
            Self.forEachRow(predictions.count, columns) { range in
                let p = Self.softmax(predictions[range])
                let mass = targets[range].reduce(0, +)
                for (offset, k) in range.enumerated() { out[k] = mass * p[offset] - targets[k] }
            }
            return out
        case .squared:
            return zip(predictions, targets).map { $0 - $1 }
        case .hinge:
            return zip(predictions, targets).map { f, y in 1 - y * f > 0 ? -y : 0 }
        case .logistic:
            return zip(predictions, targets).map { f, y in -y * Self.sigmoid(-y * f) }
        }
    }

    /// Calls `body` with the index range of each row of a row-major `count / columns × columns` array.
    static func forEachRow(_ count: Int, _ columns: Int, _ body: (Range<Int>) -> Void) {
        precondition(columns >= 1 && count % columns == 0, "Loss: \(count) values do not fill rows of \(columns)")
        for start in stride(from: 0, to: count, by: columns) { body(start..<(start + columns)) }
    }

    /// `log Σₖ e^{fₖ}` without overflow (shifted by the largest entry); `−∞` for no entries.
    static func logSumExp<C: Collection>(_ f: C) -> Double where C.Element == Double {
        guard let top = f.max(), top.isFinite else { return f.max() ?? -.infinity }
        return top + log(f.reduce(0) { $0 + exp($1 - top) })
    }

    /// `softmax(f)ₖ = e^{fₖ} / Σⱼ e^{fⱼ}`, evaluated without overflow.
    static func softmax<C: Collection>(_ f: C) -> [Double] where C.Element == Double {
        let top = f.max() ?? 0
        let e = f.map { exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// The entropy `H(p) = −Σₖ pₖ log pₖ` (natural log, `0 log 0 = 0`) of non-negative entries.
    static func entropy<C: Collection>(_ p: C) -> Double where C.Element == Double {
        p.reduce(0) { $0 - ($1 > 0 ? $1 * log($1) : 0) }
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
    /// loss's domain is `Zᵢ = −λᵢyᵢ`, `λᵢ ∈ [0, 1]`, where `ℓ* = −Σλᵢ`; the cross-entropy's is
    /// `Zᵢ + Yᵢ = pᵢ` in the probability simplex, where `ℓ* = Σᵢₖ pᵢₖ log pᵢₖ`, minus the entropy).
    public func conjugate(_ z: [Double], targets: [Double], columns: Int = 1) -> Double {
        precondition(z.count == targets.count, "Loss: shapes differ")
        switch self {
        case .crossEntropy:
            var total = 0.0, inDomain = true
            Self.forEachRow(z.count, columns) { range in
                let p = range.map { z[$0] + targets[$0] }
                // The sum is 1 up to the rounding of the subtraction that formed z.
                if p.contains(where: { $0 < 0 }) || abs(p.reduce(0, +) - 1) > 1e-9 { inDomain = false }
                total -= Self.entropy(p)
            }
            return inDomain ? total : .infinity
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
