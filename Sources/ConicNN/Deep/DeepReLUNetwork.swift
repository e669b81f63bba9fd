import ConicSolver

/// The activation of the hidden layers of a ``DeepReLUNetwork``.
public enum HiddenActivation: String, Sendable, Equatable, CaseIterable, Codable {
    /// `g(z) = max(z, 0)`.
    case relu
    /// `g(z) = z`: a deep linear network, `f(X) = XW₁⋯W_L` (ICLR 2021 Section 3).
    case linear
}

/// A deep network in the notation of the ICLR 2021 paper (Section 4): `A₀ = X`,
/// `Aₗ = g(Aₗ₋₁Wₗ + 1bₗᵀ)` for `l = 1, …, L − 1`, and the linear output `f(X) = A_{L−1}W_L`.
///
/// `g` is the ReLU by default (``HiddenActivation``). Hidden layers have no bias unless
/// ``biases`` gives one; the paper's Proposition 4.1 puts a bias on the last hidden layer only.
/// Biases are not regularized.
public struct DeepReLUNetwork: Sendable, Equatable {
    /// `W₁, …, W_L`; `Wₗ` is `mₗ₋₁ × mₗ` with `m₀ = d` and `m_L` the number of outputs.
    public var weights: [DenseMatrix]
    /// Per hidden layer `l = 1 … L − 1`, its bias `bₗ ∈ ℝ^{mₗ}`, or an empty array for none.
    public var biases: [[Double]]
    /// The hidden layers' activation.
    public var activation: HiddenActivation

    /// A network from its layer weights, whose shapes must chain (at least one layer), and
    /// optional hidden biases (`biases[l]` empty or of length `m_{l+1}`).
    public init(weights: [DenseMatrix], biases: [[Double]]? = nil, activation: HiddenActivation = .relu) {
        precondition(!weights.isEmpty, "DeepReLUNetwork: no layers")
        for l in 1..<weights.count {
            precondition(weights[l - 1].columnCount == weights[l].rowCount, "DeepReLUNetwork: layer \(l) and \(l + 1) do not chain")
        }
        let hidden = weights.count - 1
        let b = biases ?? [[Double]](repeating: [], count: hidden)
        precondition(b.count == hidden, "DeepReLUNetwork: \(b.count) bias vectors for \(hidden) hidden layers")
        for l in 0..<hidden {
            precondition(b[l].isEmpty || b[l].count == weights[l].columnCount, "DeepReLUNetwork: bias \(l + 1) has the wrong length")
        }
        self.weights = weights
        self.biases = b
        self.activation = activation
    }

    /// Number of layers `L` (hidden layers plus the output layer).
    public var depth: Int { weights.count }
    /// The hidden widths `m₁, …, m_{L−1}`.
    public var hiddenWidths: [Int] { weights.dropLast().map(\.columnCount) }
    /// Input dimension `d`.
    public var inputDimension: Int { weights[0].rowCount }
    /// Number of outputs.
    public var outputCount: Int { weights[weights.count - 1].columnCount }

    /// `A₀, …, A_{L−1}` for features `X` (`n × d`).
    public func activations(_ features: DenseMatrix) -> [DenseMatrix] {
        precondition(features.columnCount == inputDimension, "DeepReLUNetwork: \(features.columnCount) features, network expects \(inputDimension)")
        var out = [features]
        for l in 0..<(depth - 1) {
            var a = out[l].multiplied(by: weights[l])
            if !biases[l].isEmpty {
                let m = a.columnCount
                for i in 0..<a.rowCount { for j in 0..<m { a.values[i * m + j] += biases[l][j] } }
            }
            if activation == .relu { for k in a.values.indices where a.values[k] < 0 { a.values[k] = 0 } }
            out.append(a)
        }
        return out
    }

    /// The outputs `f(X)` (`n × m_L`).
    public func predict(_ features: DenseMatrix) -> DenseMatrix {
        activations(features)[depth - 1].multiplied(by: weights[depth - 1])
    }

    /// `Σₗ ‖Wₗ‖²_F` (biases are not regularized).
    public var squaredWeightNorm: Double {
        weights.reduce(0) { total, w in total + w.values.reduce(0) { $0 + $1 * $1 } }
    }

    /// `‖Wₗ‖_F` per layer.
    public var layerFrobeniusNorms: [Double] { weights.map { euclideanNorm($0.values) } }

    /// `‖Wₗ‖₂` (largest singular value) per layer; `nil` if an SVD fails.
    public var layerOperatorNorms: [Double]? {
        var out = [Double]()
        for w in weights {
            guard let s = w.singularValueDecomposition()?.sigma else { return nil }
            out.append(s.first ?? 0)
        }
        return out
    }

    /// The regularized objective of ICLR 2021 eq. 17: `½‖f(X) − Y‖²_F + (β/2) Σₗ ‖Wₗ‖²_F`.
    public func objective(features: DenseMatrix, targets: DenseMatrix, beta: Double) -> Double {
        Loss.squared.value(predictions: predict(features).values, targets: targets.values) + 0.5 * beta * squaredWeightNorm
    }

    /// The objective and its gradient with respect to every `Wₗ` and every present bias, by
    /// backpropagation (at a kink the ReLU's derivative is taken as 0).
    public func objectiveAndGradients(features: DenseMatrix, targets: DenseMatrix, beta: Double)
        -> (objective: Double, weights: [DenseMatrix], biases: [[Double]]) {
        let a = activations(features)
        let f = a[depth - 1].multiplied(by: weights[depth - 1])
        let value = Loss.squared.value(predictions: f.values, targets: targets.values) + 0.5 * beta * squaredWeightNorm
        var upstream = DenseMatrix(rowCount: f.rowCount, columnCount: f.columnCount,
                                   values: Loss.squared.gradient(predictions: f.values, targets: targets.values))
        var gradient = [DenseMatrix](repeating: DenseMatrix(rowCount: 0, columnCount: 0), count: depth)
        var biasGradient = [[Double]](repeating: [], count: depth - 1)
        for l in stride(from: depth - 1, through: 0, by: -1) {
            var g = a[l].multiplied(by: upstream, transposeSelf: true)
            for k in g.values.indices { g.values[k] += beta * weights[l].values[k] }
            gradient[l] = g
            guard l > 0 else { break }
            upstream = upstream.multiplied(by: weights[l], transposeOther: true)
            // Through the ReLU of layer l: zero where the activation Aₗ is zero.
            if activation == .relu { for k in upstream.values.indices where a[l].values[k] <= 0 { upstream.values[k] = 0 } }
            if !biases[l - 1].isEmpty {
                let m = upstream.columnCount
                var gb = [Double](repeating: 0, count: m)
                for i in 0..<upstream.rowCount { for j in 0..<m { gb[j] += upstream.values[i * m + j] } }
                biasGradient[l - 1] = gb
            }
        }
        return (value, gradient, biasGradient)
    }

    /// The objective and its gradient with respect to every `Wₗ` (see
    /// ``objectiveAndGradients(features:targets:beta:)`` for the biases too).
    public func objectiveAndGradient(features: DenseMatrix, targets: DenseMatrix, beta: Double)
        -> (objective: Double, gradient: [DenseMatrix]) {
        let all = objectiveAndGradients(features: features, targets: targets, beta: beta)
        return (all.objective, all.weights)
    }
}
