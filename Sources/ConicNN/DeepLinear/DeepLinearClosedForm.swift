import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The globally optimal deep linear network of ``DeepLinearClosedForm`` with its certificate.
public struct DeepLinearSolution: Sendable, Equatable {
    /// The balanced network `W₁ = V A S ρ₁ᵀ, Wₗ = ρₗ₋₁Sρₗᵀ, W_L = ρ_{L−1}SBᵀ` (`S = diag(σᵢ(M)^{1/L})`,
    /// `ρ` unit basis vectors): linear, or ReLU for rank-one non-negative data (Theorem 4.1).
    public let network: DeepReLUNetwork
    /// `½‖f(X) − Y‖² + (β/2)Σ‖Wₗ‖²` of ``network``: the global optimum.
    public let objective: Double
    /// The end-to-end matrix `M = W₁⋯W_L` (`d × K`).
    public let endToEnd: DenseMatrix
    /// `σ`, the common non-zero singular value of `X`.
    public let dataScale: Double
    /// The singular values `cᵢ` of `UᵀY` (`X = σUVᵀ`), descending: the directions of the target
    /// that `X` can reach. For whitened data (`σ = 1`) they are the singular values of `XᵀY`.
    public let targetSpectrum: [Double]
    /// The input directions `VA` (`d × k`, orthonormal columns, in the order of ``targetSpectrum``): the
    /// optimal first-layer neurons lie in the span of the first ``rank`` of them (Remark 2.1, Fig. 5a).
    public let inputDirections: DenseMatrix
    /// `σᵢ(XM) = pᵢ`, the singular values of the optimal prediction along those directions.
    public let predictionSpectrum: [Double]
    /// Number of non-zero directions: the rank of every layer and of `M`.
    public let rank: Int
    /// Direction `i` is kept exactly when `cᵢ > threshold` (`β/σ` for `L = 2`, ``BalancedShrinkage``).
    public let threshold: Double
    /// The dual bound of ``DeepDualBound`` at the optimal residual (equal to ``objective`` for
    /// `L = 2`, or for `L > 2` when ``rank`` ≤ 1).
    public let lowerBound: Double
    /// `‖Wₗ‖_F` and `‖Wₗ‖₂` per layer (all equal at the optimum: Proposition 3.1).
    public let layerFrobeniusNorms: [Double], layerOperatorNorms: [Double]
    /// `max |f(X) − XM|`: the rebuilt network against the formula.
    public let predictionDifference: Double
}

/// Closed forms for deep linear networks with weight decay (ICLR 2021, Sections 2–3 and A.4) and
/// deep ReLU networks on rank-one data (Theorem 4.1, Proposition 4.2):
///
///     min ½‖XW₁⋯W_L − Y‖²_F + (β/2) Σₗ ‖Wₗ‖²_F.
///
/// The weight decay of a product `M` is at least `(L/2)Σσᵢ(M)^{2/L}` (balanced factorization).
/// When `X = σUVᵀ` has equal non-zero singular values (whitened data with `XXᵀ = I` or `XᵀX = I`,
/// and every rank-one `X`), only `N = σVᵀM` enters the loss, `½‖N − UᵀY‖² + const`; by von Neumann's
/// trace inequality `N` shares the singular vectors `A, B` of `C = UᵀY = A diag(c) Bᵀ`, and each
/// singular value solves ``BalancedShrinkage`` with `β' = βσ^{−2/L}`. So the optimum has rank
/// `#{cᵢ > c*(β', L)}` (Remark 2.1: rank against `β`), every layer that rank (Theorem 3.3) and the same
/// norms (Proposition 3.1). For `L = 2` this is singular-value soft-thresholding of `C` at `β/σ`.
///
/// For rank-one `X = c a₀ᵀ` with `c ≥ 0`, every ReLU network outputs `c·g(a₀)ᵀ` with
/// `‖g(a₀)‖ ≤ ‖a₀‖Πₗ‖Wₗ‖_F`, which is the linear network's bound, and the closed form keeps every
/// activation non-negative: it is the ReLU optimum too.
public enum DeepLinearClosedForm {
    /// Builds the optimal network of depth `depth ≥ 2`.
    ///
    /// - Parameters:
    ///   - hiddenWidths: `m₁ … m_{L−1}`, each at least ``DeepLinearSolution/rank`` (default: the rank, at least 1).
    ///   - activation: ``HiddenActivation/relu`` requires rank-one data `X = c a₀ᵀ` with one-signed `c`.
    ///   - tolerance: relative spread allowed among the non-zero singular values of `X`.
    /// - Throws: ``ClosedFormError``: shapes, non-finite data, `β ≤ 0`, `depth < 2`, widths below the
    ///   rank, ``ClosedFormError/unequalSingularValues(smallest:largest:)``,
    ///   ``ClosedFormError/notRankOneNonnegative(_:)``.
    public static func solve(features: DenseMatrix, targets: DenseMatrix, depth: Int, beta: Double,
                             hiddenWidths: [Int]? = nil, activation: HiddenActivation = .linear,
                             tolerance: Double = 1e-8) throws(ClosedFormError) -> DeepLinearSolution {
        let n = features.rowCount, d = features.columnCount, outputs = targets.columnCount
        guard n > 0, d > 0, outputs > 0 else { throw .dimensionMismatch("empty data: \(n) × \(d) features, \(outputs) target columns") }
        guard targets.rowCount == n else { throw .dimensionMismatch("\(targets.rowCount) target rows for \(n) samples") }
        try requireFinite(features.values, "features")
        try requireFinite(targets.values, "targets")
        guard depth >= 2 else { throw .invalidSetting("depth must be at least 2, got \(depth)") }
        guard beta.isFinite, beta > 0 else { throw .invalidSetting("beta must be positive, got \(beta)") }
        guard tolerance >= 0, tolerance < 1 else { throw .invalidSetting("tolerance must lie in [0, 1), got \(tolerance)") }

        guard let (u, sigma, vt) = features.singularValueDecomposition() else { throw .nonFinite("the SVD of the features failed") }
        let r = NumericalRank.of(singularValues: sigma)
        guard r > 0 else { throw .invalidSetting("the features are all zero") }
        let scale = sigma[0]
        guard sigma[r - 1] >= (1 - tolerance) * scale else { throw .unequalSingularValues(smallest: sigma[r - 1], largest: scale) }
        let uR = columns(u, r), vR = columns(vt.transposed, r)          // n × r, d × r

        // C = UᵀY = A diag(c) Bᵀ and the shrunk spectrum.
        let c = uR.multiplied(by: targets, transposeSelf: true)
        guard let (aC, spectrum, btC) = c.singularValueDecomposition() else { throw .nonFinite("the SVD of UᵀY failed") }
        let effectiveBeta = beta * pow(scale, -2 / Double(depth))
        let p = spectrum.map { BalancedShrinkage.scale(targetNorm: $0, beta: effectiveBeta, depth: depth) }
        let kept = p.indices.filter { p[$0] > 0 }
        var left = vR.multiplied(by: aC)                                  // d × k: input directions VA
        var right = btC.transposed                                        // K × k: output directions B

        if activation == .relu {
            guard r == 1 else { throw .notRankOneNonnegative("X has rank \(r); Theorem 4.1 needs rank one") }
            // X·(VA)₁ = σ·(UA)₁ must be non-negative for the ReLU to pass it.
            let image = uR.multiplied(by: aC).column(0)
            if image.allSatisfy({ $0 <= 0 }) {
                for i in 0..<left.rowCount { left[i, 0] = -left[i, 0] }
                for i in 0..<right.rowCount { right[i, 0] = -right[i, 0] }
            } else if !image.allSatisfy({ $0 >= 0 }) {
                throw .notRankOneNonnegative("the samples lie on both sides of the origin along the data's line")
            }
        }

        let rank = kept.count
        let widths = hiddenWidths ?? [Int](repeating: max(rank, 1), count: depth - 1)
        guard widths.count == depth - 1 else { throw .invalidSetting("\(widths.count) hidden widths for depth \(depth)") }
        guard widths.allSatisfy({ $0 >= max(rank, 1) }) else {
            throw .invalidSetting("hidden widths \(widths) are below the optimal rank \(rank)")
        }
        // Layer scales σᵢ(M)^{1/L}, σᵢ(M) = pᵢ/σ.
        let s = kept.map { pow(p[$0] / scale, 1 / Double(depth)) }
        let all = [d] + widths + [outputs]
        var weights = (0..<depth).map { DenseMatrix(rowCount: all[$0], columnCount: all[$0 + 1]) }
        for (slot, i) in kept.enumerated() {
            for k in 0..<d { weights[0][k, slot] = s[slot] * left[k, i] }
            for l in 1..<(depth - 1) { weights[l][slot, slot] = s[slot] }
            for k in 0..<outputs { weights[depth - 1][slot, k] += s[slot] * right[k, i] }
        }
        let network = DeepReLUNetwork(weights: weights, activation: activation)

        var m = DenseMatrix(rowCount: d, columnCount: outputs)
        for i in kept { for a in 0..<d { for b in 0..<outputs { m[a, b] += p[i] / scale * left[a, i] * right[b, i] } } }
        let formula = features.multiplied(by: m)
        let f = network.predict(features)
        let difference = zip(f.values, formula.values).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        let objective = network.objective(features: features, targets: targets, beta: beta)
        let residual = DenseMatrix(rowCount: n, columnCount: outputs, values: zip(targets.values, f.values).map { $0 - $1 })
        // The bound's second direction: the residual, or, when the optimum is 0 (residual = Y), Y without
        // its leading reachable direction, so that the plane holds the duals that shrink that direction.
        var second = residual
        if rank == 0, let top = spectrum.first, top > 0 {
            let lead = uR.multiplied(by: aC).column(0)
            for i in 0..<n { for o in 0..<outputs { second[i, o] -= lead[i] * top * btC[0, o] } }
        }
        // For rank-one X = c a₀ᵀ with c ≥ 0 the ReLU passes (cφᵀu)₊ = c(φᵀu)₊, so the linear gain holds.
        let bound = DeepDualBound.lowerBound(targets: targets, residual: second, anchor: targets, beta: beta, depth: depth) {
            DeepDualBound.linearGain(features: features, direction: $0)
        }
        return DeepLinearSolution(
            network: network, objective: objective, endToEnd: m, dataScale: scale, targetSpectrum: spectrum, inputDirections: left,
            predictionSpectrum: p, rank: rank, threshold: BalancedShrinkage.threshold(beta: effectiveBeta, depth: depth),
            lowerBound: bound, layerFrobeniusNorms: network.layerFrobeniusNorms,
            layerOperatorNorms: network.layerOperatorNorms ?? [], predictionDifference: difference)
    }

    /// The first `k` columns of `a`.
    static func columns(_ a: DenseMatrix, _ k: Int) -> DenseMatrix {
        DenseMatrix(rows: (0..<a.rowCount).map { Array(a.row($0).prefix(k)) }, columnCount: k)
    }
}
