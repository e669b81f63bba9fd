import ConicSolver

/// A deep ReLU network without biases, in the notation of the ICLR 2021 paper (Section 4):
/// `A₀ = X`, `Aₗ = (Aₗ₋₁Wₗ)₊` for `l = 1, …, L − 1`, and the linear output `f(X) = A_{L−1}W_L`.
public struct DeepReLUNetwork: Sendable, Equatable {
    /// `W₁, …, W_L`; `Wₗ` is `mₗ₋₁ × mₗ` with `m₀ = d` and `m_L` the number of outputs.
    public var weights: [DenseMatrix]

    /// A network from its layer weights, whose shapes must chain (at least one layer).
    public init(weights: [DenseMatrix]) {
        precondition(!weights.isEmpty, "DeepReLUNetwork: no layers")
        for l in 1..<weights.count {
            precondition(weights[l - 1].columnCount == weights[l].rowCount, "DeepReLUNetwork: layer \(l) and \(l + 1) do not chain")
        }
        self.weights = weights
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
            for k in a.values.indices where a.values[k] < 0 { a.values[k] = 0 }
            out.append(a)
        }
        return out
    }

    /// The outputs `f(X)` (`n × m_L`).
    public func predict(_ features: DenseMatrix) -> DenseMatrix {
        activations(features)[depth - 1].multiplied(by: weights[depth - 1])
    }

    /// `Σₗ ‖Wₗ‖²_F`.
    public var squaredWeightNorm: Double {
        weights.reduce(0) { total, w in total + w.values.reduce(0) { $0 + $1 * $1 } }
    }

    /// The regularized objective of ICLR 2021 eq. 17: `½‖f(X) − Y‖²_F + (β/2) Σₗ ‖Wₗ‖²_F`.
    public func objective(features: DenseMatrix, targets: DenseMatrix, beta: Double) -> Double {
        Loss.squared.value(predictions: predict(features).values, targets: targets.values) + 0.5 * beta * squaredWeightNorm
    }

    /// The objective and its gradient with respect to every `Wₗ`, by backpropagation (at a kink
    /// the ReLU's derivative is taken as 0).
    public func objectiveAndGradient(features: DenseMatrix, targets: DenseMatrix, beta: Double)
        -> (objective: Double, gradient: [DenseMatrix]) {
        let a = activations(features)
        let f = a[depth - 1].multiplied(by: weights[depth - 1])
        let value = Loss.squared.value(predictions: f.values, targets: targets.values) + 0.5 * beta * squaredWeightNorm
        var upstream = DenseMatrix(rowCount: f.rowCount, columnCount: f.columnCount,
                                   values: Loss.squared.gradient(predictions: f.values, targets: targets.values))
        var gradient = [DenseMatrix](repeating: DenseMatrix(rowCount: 0, columnCount: 0), count: depth)
        for l in stride(from: depth - 1, through: 0, by: -1) {
            var g = a[l].multiplied(by: upstream, transposeSelf: true)
            for k in g.values.indices { g.values[k] += beta * weights[l].values[k] }
            gradient[l] = g
            guard l > 0 else { break }
            upstream = upstream.multiplied(by: weights[l], transposeOther: true)
            // Through the ReLU of layer l: zero where the activation Aₗ is zero.
            for k in upstream.values.indices where a[l].values[k] <= 0 { upstream.values[k] = 0 }
        }
        return (value, gradient)
    }
}
