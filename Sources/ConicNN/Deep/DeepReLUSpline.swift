import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The optimum of ``DeepReLUSpline``: a deep ReLU network with a bias on its last hidden layer.
public struct DeepSplineSolution: Sendable {
    /// `W₁ = t·â e₁ᵀ`, `Wₗ = t·e₁e₁ᵀ` (`l ≤ L − 2`), then the two-layer spline's neurons on the
    /// last hidden layer (with its bias) and output layer, each neuron balanced.
    public let network: DeepReLUNetwork
    /// `½‖f(X) − Y‖² + (β/2)Σ‖Wₗ‖²` of ``network`` (a constant costs `≤ ½β·10⁻¹²`, see
    /// ``TwoLayerNetwork/balanced()``).
    public let objective: Double
    /// A certified lower bound on the objective of every such network (``DeepDualBound`` with the
    /// gain of the spline's knots).
    public let lowerBound: Double
    /// `t = ‖Wₗ‖_F` of the first `L − 2` layers (1 for `L = 2`).
    public let layerScale: Double
    /// The two-layer problem solved at `β/t^{L−2}` on the line coordinates `c`.
    public let twoLayer: OneDimensionalResult
    /// The unit direction `â` of the data line, `X = c âᵀ`.
    public let direction: [Double]
    /// The line coordinates `cᵢ` of the samples.
    public let coordinates: [Double]
    /// The kinks of the output along the line, `−bⱼ/uⱼ` per non-constant neuron, sorted.
    public let knots: [Double]
    /// `max |f_deep(X) − f_spline(c)|`.
    public let predictionDifference: Double
    /// Two-layer programs solved in the search over `t`.
    public let programSolves: Int
}

/// Deep ReLU networks on rank-one data with a free bias on the last hidden layer (ICLR 2021,
/// Theorem 4.2, Proposition 4.1, Corollary 4.2), trained to global optimality:
///
///     min ½‖f(X) − Y‖²_F + (β/2)Σₗ‖Wₗ‖²_F,   X = c âᵀ,  c ≥ 0 (for L ≥ 3).
///
/// The first `L − 2` layers (no bias) send sample `i` to `cᵢφ` with `φ ≥ 0`, `‖φ‖ ≤ τ = Πₗ‖Wₗ‖_F`,
/// and their decay is at least `(β/2)(L − 2)τ^{2/(L−2)}` (AM–GM, equal for equal norms `t`). The last
/// hidden neuron `(cᵢφᵀw + b)₊` has slope `|φᵀw| ≤ τ‖w‖`, so after balancing the last two layers the
/// rest is the two-layer free-bias problem on the coordinates `c` with regularization `β/τ`, whose
/// optimum is a linear spline with knots at the samples (``OneDimensionalTrainer``). The optimum is
/// the minimum over `t` of `(β/2)(L − 2)t² + V(β/t^{L−2})`, found by a scalar search; the lower
/// bound uses the spline's residual as a dual direction for every `t` at once.
public enum DeepReLUSpline {
    /// Solves for depth `L ≥ 2`.
    ///
    /// - Parameters:
    ///   - hiddenWidths: `m₁ … m_{L−1}` (default `1, …, 1, neurons`); the last must hold the spline's neurons.
    ///   - searchPoints: grid points of the scalar search over `t` (`L ≥ 3`).
    /// - Throws: ``ClosedFormError`` (shapes, `β ≤ 0`, data not `c âᵀ` with `c ≥ 0`, widths) and
    ///   ``OneDimensionalError`` from the two-layer program.
    public static func solve(features: DenseMatrix, targets: DenseMatrix, depth: Int, beta: Double,
                             hiddenWidths: [Int]? = nil, searchPoints: Int = 24) throws -> DeepSplineSolution {
        let n = features.rowCount, d = features.columnCount, outputs = targets.columnCount
        guard n >= 2, d > 0, outputs > 0 else { throw ClosedFormError.dimensionMismatch("need at least 2 samples, 1 feature and 1 target column") }
        guard targets.rowCount == n else { throw ClosedFormError.dimensionMismatch("\(targets.rowCount) target rows for \(n) samples") }
        try requireFinite(features.values, "features")
        try requireFinite(targets.values, "targets")
        guard depth >= 2 else { throw ClosedFormError.invalidSetting("depth must be at least 2, got \(depth)") }
        guard beta.isFinite, beta > 0 else { throw ClosedFormError.invalidSetting("beta must be positive, got \(beta)") }
        guard searchPoints >= 3 else { throw ClosedFormError.invalidSetting("searchPoints must be at least 3") }
        let (direction, c) = try line(features, requireNonnegative: depth >= 3)
        let x = DenseMatrix(column: c)

        var solves = 0
        func twoLayer(_ gamma: Double) throws -> OneDimensionalResult {
            solves += 1
            return try OneDimensionalTrainer.train(features: x, targets: targets,
                                                   settings: OneDimensionalSettings(objective: .squared(beta: gamma)))
        }
        let k = Double(depth - 2)
        var t = 1.0
        var best: OneDimensionalResult
        if depth == 2 {
            best = try twoLayer(beta)
        } else {
            // Beyond t_hi the decay alone exceeds ½‖Y‖² ≥ the value at t → 0.
            let half = 0.5 * targets.values.reduce(0) { $0 + $1 * $1 }
            let high = (2 * half / (beta * k)).squareRoot()
            var cache = [Double: (Double, OneDimensionalResult)]()
            var failure: Error?
            func total(_ s: Double) -> Double {
                if let hit = cache[s] { return hit.0 }
                do {
                    let r = try twoLayer(beta / pow(s, k))
                    let v = 0.5 * beta * k * s * s + r.value
                    cache[s] = (v, r)
                    return v
                } catch { failure = error; return .infinity }
            }
            t = ScalarSearch.minimize(total, low: high * 1e-4, high: high, gridPoints: searchPoints, refinements: 40)
            if let failure { throw failure }
            _ = total(t)
            best = cache[t]!.1
        }

        // The deep network: first L − 2 layers t·â e₁ᵀ, t·e₁e₁ᵀ; then the spline's neurons.
        let spline = best.network.balanced()
        let s = pow(t, k)
        let neurons = spline.width
        let widths = hiddenWidths ?? ([Int](repeating: 1, count: depth - 2) + [max(neurons, 1)])
        guard widths.count == depth - 1, widths.allSatisfy({ $0 >= 1 }) else {
            throw ClosedFormError.invalidSetting("\(widths.count) hidden widths for depth \(depth), each at least 1")
        }
        guard widths[depth - 2] >= neurons else {
            throw ClosedFormError.invalidSetting("the last hidden layer needs \(neurons) neurons, has \(widths[depth - 2])")
        }
        let all = [d] + widths + [outputs]
        var weights = (0..<depth).map { DenseMatrix(rowCount: all[$0], columnCount: all[$0 + 1]) }
        var biases = [[Double]](repeating: [], count: depth - 1)
        biases[depth - 2] = [Double](repeating: 0, count: widths[depth - 2])
        if depth >= 3 {
            for a in 0..<d { weights[0][a, 0] = t * direction[a] }
            for l in 1..<(depth - 2) { weights[l][0, 0] = t }
        }
        var knots = [Double]()
        for j in 0..<neurons {
            let u = spline.inputWeights[j, 0], b = spline.inputWeights[j, 1]
            let a = spline.outputWeights.row(j)
            // Neuron input cᵢ·s·w + b with w = (u/s)·κ: balance ‖w‖ = ‖a‖/κ.
            let na = euclideanNorm(a)
            let kappa = u == 0 ? 1 : (na * s / abs(u)).squareRoot()
            if depth >= 3 {
                weights[depth - 2][0, j] = u / s * kappa
            } else {
                for q in 0..<d { weights[0][q, j] = u * kappa * direction[q] }
            }
            biases[depth - 2][j] = b * kappa
            for o in 0..<outputs { weights[depth - 1][j, o] = a[o] / kappa }
            if u != 0 { knots.append(-b / u) }
        }
        let network = DeepReLUNetwork(weights: weights, biases: biases)
        let f = network.predict(features)
        let g = spline.predict(x)
        let difference = zip(f.values, g.values).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        let objective = network.objective(features: features, targets: targets, beta: beta)

        // Dual direction: the residual, centred (the free constant needs 1ᵀΛ = 0); its gain is the
        // largest ‖Λᵀ(±(c − cⱼ))₊‖ over sample knots (the maximum over all knots is at a sample).
        let residual = DenseMatrix(rowCount: n, columnCount: outputs, values: zip(targets.values, f.values).map { $0 - $1 })
        let bound = DeepDualBound.lowerBound(targets: targets, residual: centred(residual), anchor: centred(targets),
                                             beta: beta, depth: depth) { knotGain($0, coordinates: c) }
        return DeepSplineSolution(network: network, objective: objective, lowerBound: bound, layerScale: t, twoLayer: best,
                                  direction: direction, coordinates: c, knots: knots.sorted(), predictionDifference: difference,
                                  programSolves: solves)
    }

    /// The columns of `a` minus their means: a dual direction must satisfy `1ᵀΛ = 0`, or the free
    /// constant makes the dual function `−∞`.
    static func centred(_ a: DenseMatrix) -> DenseMatrix {
        var out = a
        for o in 0..<a.columnCount {
            let mean = (0..<a.rowCount).reduce(0) { $0 + a[$1, o] } / Double(a.rowCount)
            for i in 0..<a.rowCount { out[i, o] -= mean }
        }
        return out
    }

    /// `max ‖Λᵀ(±(c − cⱼ))₊‖` over the sample knots `cⱼ`: for `1ᵀΛ = 0` this is the maximum over every
    /// knot and bias (between samples the value is convex in the knot, and constant beyond them).
    static func knotGain(_ lambda: DenseMatrix, coordinates c: [Double]) -> Double {
        let n = c.count, outputs = lambda.columnCount
        var gain = 0.0
        for j in 0..<n {
            for sign in [1.0, -1.0] {
                var v = [Double](repeating: 0, count: outputs)
                for i in 0..<n { let h = max(sign * (c[i] - c[j]), 0); for o in 0..<outputs { v[o] += lambda[i, o] * h } }
                gain = max(gain, euclideanNorm(v))
            }
        }
        return gain
    }

    /// `X = c âᵀ`: the unit direction `â` and the coordinates `c` (oriented so that `c ≥ 0` when the
    /// samples lie on one side of the origin).
    static func line(_ features: DenseMatrix, requireNonnegative: Bool) throws(ClosedFormError) -> ([Double], [Double]) {
        guard let (_, sigma, vt) = features.singularValueDecomposition() else { throw .nonFinite("the SVD of the features failed") }
        guard let top = sigma.first, top > 0 else { throw .notRankOneNonnegative("the features are all zero") }
        if sigma.count > 1, sigma[1] > 1e-9 * top {
            throw .notRankOneNonnegative("X has a second singular value \(sigma[1]) (largest \(top)): the samples are not on a line through the origin")
        }
        var a = vt.row(0)
        if features.columnCount == 1 { a = [1] }
        var c = features.multiplied(by: a)
        if c.allSatisfy({ $0 <= 0 }) { a = a.map { -$0 }; c = c.map { -$0 } }
        if requireNonnegative, c.contains(where: { $0 < 0 }) {
            throw .notRankOneNonnegative("samples lie on both sides of the origin; hidden layers without a bias need c ≥ 0 (shift the data or use depth 2)")
        }
        return (a, c)
    }
}
