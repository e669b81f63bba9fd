import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of ``DeepReLUClosedForm/build(features:targets:hiddenWidths:beta:whiteningTolerance:)``.
public struct DeepClosedFormSolution: Sendable, Equatable {
    /// The closed-form network with each path's scale chosen to minimize the objective and
    /// spread evenly over the layers (``pathScales``).
    public let network: DeepReLUNetwork
    /// Its objective `½‖f − Y‖² + (β/2)Σ‖Wₗ‖²` (for `β = 0`: `Σ‖Wₗ‖²` of the interpolating network, Thm 4.3).
    public let objective: Double
    /// The weights exactly as printed in Theorem 4.4 (`t* = 1`, output weights `‖Φ₀,ᵣ‖ − β`,
    /// clipped at 0); `nil` for `β = 0`.
    public let theoremNetwork: DeepReLUNetwork?
    /// The objective of ``theoremNetwork``.
    public let theoremObjective: Double?
    /// A certified lower bound on the objective of every network of this depth, when one is
    /// known: the dual value of the two-layer convex program for depth 2 (whitened one-hot data);
    /// `nil` for deeper networks.
    public let lowerBound: Double?
    /// A certified lower bound for every depth (``DeepDualBound`` with the ReLU gain at the closed
    /// form's residual; `nil` for `β = 0`): equal to the objective for depth 2 on whitened data, loose
    /// for deeper networks with several classes, where it ties the paths to one scale.
    public let relaxedLowerBound: Double?
    /// Per path `r` (one per class with samples), the product `pᵣ` of its layer scales: the
    /// network outputs `pᵣ yⱼ/‖yⱼ‖` in column `j`.
    public let pathScales: [Double]
    /// `‖yⱼ‖` per path, the length of its target.
    public let targetNorms: [Double]
    /// `max |f(X) − Y|` of ``network``.
    public let maximumResidual: Double
}

/// Closed-form deep ReLU networks for whitened data with one-hot labels (ICLR 2021, Thms 4.3/4.4).
///
/// With `XXᵀ = I` every class `j` gets its own path: the first-layer neuron `Xᵀyⱼ/‖Xᵀyⱼ‖`
/// (so that `X` maps it to `yⱼ/‖yⱼ‖ ≥ 0`, untouched by the ReLU), then hidden unit `j` of every
/// later layer (the paper's nonnegative orthonormal `Φₗ,ᵣ` are taken as unit basis vectors), and
/// output `j`. Path `r` with layer scales `s₁ᵣ…s_Lᵣ` outputs `pᵣ yⱼ/‖yⱼ‖`, `pᵣ = Πₗ sₗᵣ`, and the
/// paths do not interact, so the objective splits into `½(‖yⱼ‖ − pᵣ)² + (β/2)Σₗ sₗᵣ²`. For fixed
/// `pᵣ` the weight decay is smallest with equal scales `pᵣ^{1/L}`, leaving the scalar problem
/// `min_p ½(c − p)² + (β/2)·L·p^{2/L}`: `p = (c − β)₊` for `L = 2` (Theorem 4.4's output weight),
/// solved exactly by ``BalancedShrinkage`` for `L > 2`. For `β = 0` (Theorem 4.3)
/// `pᵣ = ‖yⱼ‖` interpolates. The (negative) parts `(−yⱼ)₊` of Theorem 4.3 are empty for one-hot labels.
///
/// Disjoint paths are optimal for depth 2 (the dual bound is tight) and matched gradient descent at depths
/// 3 and 4 in our runs; at depth 5 on whitened digits gradient descent found networks about 10 % lower whose
/// middle layers have rank below the class count (docs/nn-deep.md), so this network is not the optimum there.
public enum DeepReLUClosedForm {
    /// Builds the network for hidden widths `m₁ … m_{L−1}` (each at least the number of classes).
    ///
    /// - Throws: ``ClosedFormError/notWhitened(maximumDeviation:)`` when `max|XXᵀ − I|` exceeds
    ///   `whiteningTolerance`, ``ClosedFormError/notOneHot(_:)`` for other labels,
    ///   ``ClosedFormError/invalidSetting(_:)`` for widths that cannot hold a path per class or a
    ///   negative `β`, and shape or finiteness errors.
    public static func build(features: DenseMatrix, targets: DenseMatrix, hiddenWidths: [Int], beta: Double,
                             whiteningTolerance: Double = 1e-8) throws(ClosedFormError) -> DeepClosedFormSolution {
        let n = features.rowCount, d = features.columnCount, classes = targets.columnCount
        guard targets.rowCount == n else { throw .dimensionMismatch("\(targets.rowCount) target rows for \(n) samples") }
        try requireFinite(features.values, "features")
        try requireFinite(targets.values, "targets")
        guard beta.isFinite, beta >= 0 else { throw .invalidSetting("beta must be non-negative, got \(beta)") }
        guard !hiddenWidths.isEmpty else { throw .invalidSetting("at least one hidden layer is needed") }
        for i in 0..<n {
            let row = targets.row(i)
            guard row.allSatisfy({ $0 == 0 || $0 == 1 }), row.reduce(0, +) == 1 else {
                throw .notOneHot("row \(i) is \(row)")
            }
        }
        guard n <= d else { throw .notWhitened(maximumDeviation: .infinity) }
        let deviation = whiteningDeviation(features)
        guard deviation <= whiteningTolerance else { throw .notWhitened(maximumDeviation: deviation) }

        let paths = (0..<classes).filter { j in (0..<n).contains { targets[$0, j] != 0 } }
        guard let narrowest = hiddenWidths.min(), narrowest >= paths.count else {
            throw .invalidSetting("hidden widths \(hiddenWidths) cannot hold one path per class (\(paths.count) classes)")
        }
        let depth = hiddenWidths.count + 1
        // Φ₀,ᵣ = Xᵀyⱼ; first-layer neurons are their directions.
        let directions = paths.map { j -> [Double] in
            let phi = features.transposeMultiplied(by: targets.column(j))
            let norm = euclideanNorm(phi)
            return phi.map { $0 / norm }
        }
        let norms = paths.map { j in euclideanNorm(targets.column(j)) }
        let products = norms.map { beta == 0 ? $0 : optimalPathScale(targetNorm: $0, beta: beta, depth: depth) }

        func network(layerScales: (Int) -> [Double]) -> DeepReLUNetwork {
            let widths = [d] + hiddenWidths + [classes]
            var weights = (0..<depth).map { DenseMatrix(rowCount: widths[$0], columnCount: widths[$0 + 1]) }
            for (r, j) in paths.enumerated() {
                let s = layerScales(r)
                for k in 0..<d { weights[0][k, r] = s[0] * directions[r][k] }
                for l in 1..<(depth - 1) { weights[l][r, r] = s[l] }
                weights[depth - 1][r, j] = s[depth - 1]
            }
            return DeepReLUNetwork(weights: weights)
        }
        let balanced = network { r in
            [Double](repeating: products[r] > 0 ? pow(products[r], 1 / Double(depth)) : 0, count: depth)
        }
        let objective = beta == 0 ? balanced.squaredWeightNorm : balanced.objective(features: features, targets: targets, beta: beta)
        var theorem: DeepReLUNetwork?
        if beta > 0 {
            theorem = network { r in [Double](repeating: 1, count: depth - 1) + [max(norms[r] - beta, 0)] }
        }
        let f = balanced.predict(features)
        let residual = zip(f.values, targets.values).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        var relaxed: Double?
        if beta > 0, let featureNorm = features.singularValueDecomposition()?.sigma.first {
            let direction = DenseMatrix(rowCount: n, columnCount: classes, values: zip(targets.values, f.values).map { $0 - $1 })
            relaxed = DeepDualBound.lowerBound(targets: targets, residual: direction, anchor: targets, beta: beta, depth: depth) {
                DeepDualBound.reluGain(featureNorm: featureNorm, direction: $0)
            }
        }
        return DeepClosedFormSolution(
            network: balanced, objective: objective, theoremNetwork: theorem,
            theoremObjective: theorem?.objective(features: features, targets: targets, beta: beta),
            lowerBound: depth == 2 && beta > 0 ? twoLayerDualValue(features: features, targetNorms: norms, beta: beta) : nil,
            relaxedLowerBound: relaxed,
            pathScales: products, targetNorms: norms, maximumResidual: residual)
    }

    /// `max |(XXᵀ − I)ᵢⱼ|`: 0 exactly when the rows of `X` are orthonormal (whitened, `n ≤ d`).
    public static func whiteningDeviation(_ features: DenseMatrix) -> Double {
        let gram = features.multiplied(by: features, transposeOther: true)
        var worst = 0.0
        for i in 0..<gram.rowCount { for j in 0..<gram.columnCount { worst = max(worst, abs(gram[i, j] - (i == j ? 1 : 0))) } }
        return worst
    }

    /// The global minimizer over `p ≥ 0` of `½(c − p)² + (β/2)·L·p^{2/L}` (``BalancedShrinkage``).
    static func optimalPathScale(targetNorm c: Double, beta: Double, depth: Int) -> Double {
        BalancedShrinkage.scale(targetNorm: c, beta: beta, depth: depth)
    }

    /// The dual value of the two-layer convex program (group-ℓ1 over neurons) at
    /// `V = [min(cⱼ, β)yⱼ/cⱼ]/max(1, σ₁(X))`: `Σⱼ ½cⱼ² − ½‖Vⱼ − yⱼ‖²`. `V` is dual feasible because
    /// `‖Vᵀ(Xu)₊‖ ≤ β‖(Xu)₊‖/σ₁ ≤ β` (orthonormal columns `yⱼ/cⱼ`), so this bounds every two-layer
    /// network's objective from below; with `σ₁ = 1` it equals the closed form's objective.
    static func twoLayerDualValue(features: DenseMatrix, targetNorms: [Double], beta: Double) -> Double? {
        guard let sigma = features.singularValueDecomposition()?.sigma.first else { return nil }
        let shrink = 1 / max(1, sigma)
        return targetNorms.reduce(0.0) { total, c in
            let v = min(c, beta) * shrink   // ‖Vⱼ‖, parallel to yⱼ
            return total + 0.5 * c * c - 0.5 * (c - v) * (c - v)
        }
    }
}
