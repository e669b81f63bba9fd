import ConicSolver
import Foundation

/// A certified optimality gap for two-layer ReLU training: `lowerBound ≤ p* ≤ objective`, where
/// `p*` is the global minimum of the non-convex objective `p(θ)` over networks of **any** width
/// and `objective` is `p(θ)` of a concrete network.
///
/// The lower bound is the dual objective at a dual point made feasible for the full
/// semi-infinite dual constraint `max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖ ≤ β` (derivation in
/// `docs/nn-certificates.md`); it holds whatever patterns the convex program was solved over.
public struct TrainingCertificate: Sendable, Equatable, Codable {
    /// `p(θ)` of the network the certificate is about (an upper bound on `p*`).
    public var objective: Double
    /// A proven lower bound on `p*`.
    public var lowerBound: Double
    /// The certified upper bound `C ≥ max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖` of the unscaled dual point.
    public var constraintBound: Double
    /// How ``constraintBound`` was obtained.
    public var boundMethod: DualConstraintBound.Method
    /// The factor the dual point was scaled by to make it feasible (1 when it already was).
    public var dualScale: Double
    /// Whether ``constraintBound`` was proven tight (within the search's tolerance of a neuron's
    /// value, or of the threshold that matters for the lower bound); `nil` when no search ran.
    public var boundProven: Bool? = nil
    /// The largest `‖Vᵀ(X̃u)₊‖` reached by a concrete neuron, when a search ran.
    public var constraintBestValue: Double? = nil
    /// Branch-and-bound nodes the constraint bound took, when a search ran.
    public var boundNodes: Int? = nil
    /// Seconds the constraint bound took, when a search ran.
    public var boundSeconds: Double? = nil
    /// When ``lowerBound`` comes from a subsample of the data (its optimum bounds the full one's
    /// from below, see ``ConvexTrainingSettings/subsampleBoundShare``): how many samples; `nil`
    /// when it comes from the full data's dual point. The constraint-bound fields describe the
    /// full data's dual point either way.
    public var lowerBoundSamples: Int? = nil

    /// `objective − lowerBound` (≥ 0 up to rounding).
    public var gap: Double { objective - lowerBound }
    /// `gap / max(|objective|, tiny)`.
    public var relativeGap: Double { gap / max(abs(objective), .leastNormalMagnitude) }
}

/// Lower bounds on the training objective from dual points (weak duality, ICML 2020 eq. 4 and
/// JMLR Thm 6.1: `p(θ) ≥ −ℓ*(−V)`).
///
/// For any network `θ` and any `V` with `max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖ ≤ β`:
/// - squared loss: `p(θ) ≥ ⟨V, Y⟩ − ½‖V‖²` (`= ½‖Y‖² − ½‖Y − V‖²`);
/// - hinge loss with `V = λ ∘ y`, `0 ≤ λ ≤ 1`: `p(θ) ≥ Σᵢ λᵢ`;
/// - logistic loss with `V = λ ∘ y`, `0 ≤ λ ≤ 1`: `p(θ) ≥ Σᵢ H(λᵢ)`, the binary entropy
///   (``Loss/binaryEntropy(_:)``);
/// - cross-entropy with `V = Y − P`, `P` row-stochastic: `p(θ) ≥ Σᵢ H(pᵢ)`, the entropy of each
///   row (`CrossEntropyBound.swift`).
public enum DualLowerBound {
    /// The best lower bound from the ray `{tV : t ≥ 0}` through a (possibly infeasible) dual point.
    ///
    /// - Parameters:
    ///   - dual: `V` (`n × c`); for the margin losses the multipliers `λ` (clipped to `[0, 1]`), one column.
    ///   - constraint: a certified `C ≥ max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖`.
    static func bound(dual: DenseMatrix, targets: DenseMatrix, loss: Loss, beta: Double,
                      constraint: Double) -> (value: Double, scale: Double) {
        let limit = constraint > 0 ? beta / constraint : Double.infinity
        let t = min(rayOptimum(dual: dual, targets: targets, loss: loss, limit: limit), limit)
        guard t > 0 else { return (0, 0) }
        switch loss {
        case .squared:
            var inner = 0.0, squared = 0.0
            for (v, y) in zip(dual.values, targets.values) { inner += v * y; squared += v * v }
            return (t * inner - 0.5 * t * t * squared, t)
        case .hinge:
            return (t * dual.values.reduce(0) { $0 + min(max($1, 0), 1) }, t)
        case .logistic:
            return (dual.values.reduce(0) { $0 + Loss.binaryEntropy(min(t * min(max($1, 0), 1), 1)) }, t)
        case .crossEntropy:
            return (crossEntropyValue(dual: dual, targets: targets, scale: t), t)
        }
    }

    /// The scale `t ≥ 0` that maximizes the dual objective along `tV` when the dual constraint is
    /// ignored, or at most `limit` when that is lower (0 when no point of the ray beats the zero bound).
    /// The objective is concave in `t`, so the certified bound is its value at `min(t, β/C)`.
    static func rayOptimum(dual: DenseMatrix, targets: DenseMatrix, loss: Loss, limit: Double = .infinity) -> Double {
        switch loss {
        case .squared:
            var inner = 0.0, squared = 0.0
            for (v, y) in zip(dual.values, targets.values) { inner += v * y; squared += v * v }
            return squared > 0 && inner > 0 ? inner / squared : 0
        case .hinge, .logistic:
            let lambda = dual.values.map { min(max($0, 0), 1) }.filter { $0 > 0 }
            guard let largest = lambda.max() else { return 0 }
            if loss == .hinge { return 1 / largest }
            return logisticRayOptimum(lambda, upper: min(1 / largest, limit))
        case .crossEntropy:
            return crossEntropyRayOptimum(dual: dual, targets: targets,
                                          upper: min(crossEntropyRayLimit(dual: dual, targets: targets), limit))
        }
    }

    /// The maximizer of `Σₖ H(tλₖ)` over `t ∈ [0, upper]` (`λₖ ∈ (0, 1]`, `upper ≤ 1/max λ`): the
    /// derivative `Σₖ λₖ log((1 − tλₖ)/(tλₖ))` decreases from `+∞`, so bisection on its sign.
    /// Any `t` in the range gives a valid bound; the bisection only decides how tight.
    static func logisticRayOptimum(_ lambda: [Double], upper: Double) -> Double {
        func slope(_ t: Double) -> Double {
            lambda.reduce(0) { total, l in total + l * (log(max(1 - t * l, 0)) - log(t * l)) }
        }
        guard upper > 0 else { return 0 }
        if slope(upper) >= 0 { return upper }
        var low = 0.0, high = upper
        for _ in 0..<100 where high - low > 1e-15 * upper {
            let middle = 0.5 * (low + high)
            if slope(middle) > 0 { low = middle } else { high = middle }
        }
        return low
    }

    /// The dual point `V` (`n × c`; for the margin losses `V = λ∘y` with `λ ∈ [0, 1]`) moved onto
    /// `1ᵀV = 0`, which a free bias adds to the dual (otherwise the infimum over the bias is −∞):
    /// each column loses its mean; for the margin losses the multipliers of the heavier class shrink
    /// instead, which keeps `0 ≤ λ ≤ 1`.
    static func zeroSumProjection(_ dual: DenseMatrix, targets: DenseMatrix, loss: Loss) -> DenseMatrix {
        var v = dual
        let n = v.rowCount, c = v.columnCount
        switch loss {
        case .crossEntropy:
            return crossEntropyZeroSumProjection(dual, targets: targets)
        case .hinge, .logistic:
            let positive = (0..<n).filter { targets.values[$0] > 0 }.reduce(0.0) { $0 + v.values[$1] }
            let negative = -(0..<n).filter { targets.values[$0] < 0 }.reduce(0.0) { $0 + v.values[$1] }
            if positive > negative, positive > 0 {
                for i in 0..<n where targets.values[i] > 0 { v.values[i] *= negative / positive }
            } else if negative > positive, negative > 0 {
                for i in 0..<n where targets.values[i] < 0 { v.values[i] *= positive / negative }
            }
        case .squared:
            for k in 0..<c {
                let mean = (0..<n).reduce(0.0) { $0 + v.values[$1 * c + k] } / Double(n)
                for i in 0..<n { v.values[i * c + k] -= mean }
            }
        }
        return v
    }

    /// Largest `d̃` (columns of the design) for which the certificate bounds the constraint by
    /// ``DualConstraintBound/search(design:dual:threshold:starts:freeBias:budget:maximumViolators:)``
    /// instead of the norm and semidefinite bounds.
    public static let searchDimensionLimit = 20

    /// The certificate for `objective` given a dual point: `C` from the exact method (rank ≤ 3), the
    /// branch and bound (`d̃ ≤` ``searchDimensionLimit``), or else the norm and semidefinite bounds.
    ///
    /// With `freeBias`, `design` is `[X 1]` with an unregularized last column: the dual point is
    /// first projected onto `1ᵀV = 0` and the constraint is bounded over `‖u‖ ≤ 1` with `b` free.
    /// The search's threshold is the `C` below which the lower bound no longer depends on `C`
    /// (`β/t*` for the best scale `t*` of the ray: `β‖V‖²/⟨V,Y⟩`, hinge `β·maxλ`), so it stops as soon as that is proven.
    static func certificate(objective: Double, dual: DenseMatrix, design: DenseMatrix, targets: DenseMatrix,
                            loss: Loss, beta: Double, relaxationSampleLimit: Int, freeBias: Bool = false,
                            searchBudget: DualConstraintSearchBudget = DualConstraintSearchBudget()) -> TrainingCertificate {
        // For the margin losses the dual point is λ∘y; the constraint involves V = λ∘y.
        var v = dual
        if loss.usesMarginMultipliers {
            for k in v.values.indices { v.values[k] = min(max(v.values[k], 0), 1) * targets.values[k] }
        }
        var multipliers = dual
        if freeBias {
            v = zeroSumProjection(v, targets: targets, loss: loss)
            if loss.usesMarginMultipliers { multipliers.values = zip(v.values, targets.values).map { $0 * $1 } } else { multipliers = v }
        }
        if design.columnCount <= searchDimensionLimit {
            // The C below which bound(...) no longer changes: t is then limited by the loss.
            let optimum = rayOptimum(dual: multipliers, targets: targets, loss: loss)
            let threshold = optimum > 0 ? beta / optimum : 0
            // The semidefinite relaxation is not tried: on the measured runs (statlog-heart, half of
            // energy) it took twice the search's budget and was not tighter than the search.
            let search = DualConstraintBound.search(design: design, dual: v, threshold: threshold, freeBias: freeBias,
                                                    budget: searchBudget, maximumViolators: 0)
            let (value, scale) = bound(dual: multipliers, targets: targets, loss: loss, beta: beta,
                                       constraint: search.upperBound)
            return TrainingCertificate(objective: objective, lowerBound: value, constraintBound: search.upperBound,
                                       boundMethod: search.method, dualScale: scale, boundProven: search.proven,
                                       constraintBestValue: search.bestValue, boundNodes: search.nodes,
                                       boundSeconds: search.seconds)
        }
        let constraint: Double, method: DualConstraintBound.Method
        if freeBias {
            let features = DenseMatrix(rows: (0..<design.rowCount).map { Array(design.row($0).dropLast()) },
                                       columnCount: design.columnCount - 1)
            (constraint, method) = DualConstraintOracle.certifiedBound(
                features: features, dual: v, bias: true,
                reductions: DualConstraintOracle.exactReductions(features: features, bias: true),
                maximumRelaxationSamples: relaxationSampleLimit)
        } else {
            (constraint, method) = DualConstraintBound.best(design: design, dual: v, maximumRelaxationSamples: relaxationSampleLimit)
        }
        let (value, scale) = bound(dual: multipliers, targets: targets, loss: loss, beta: beta, constraint: constraint)
        return TrainingCertificate(objective: objective, lowerBound: value, constraintBound: constraint,
                                   boundMethod: method, dualScale: scale)
    }
}
