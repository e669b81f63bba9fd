import ConicSolver

/// A two-layer ReLU network `f(x) = Σⱼ αⱼ (x̃ᵀuⱼ)₊ + c` with `m` hidden neurons and `c` outputs.
///
/// The output bias `c` (``outputBias``, PyTorch's bias of the last `Linear`) is optional and never
/// regularized; without it (`nil`) the network is `f(x) = Σⱼ αⱼ (x̃ᵀuⱼ)₊`.
///
/// `x̃` is the input `x` with a trailing 1 appended when ``hasBias`` is true, so the bias of
/// neuron `j` is the last entry of `uⱼ`. By default the bias is regularized like any other weight
/// (the convention of the ICML 2020 paper's experiments); with ``biasRegularized`` false it is free,
/// as in the JMLR paper's min-norm and cutting-plane formulations, where the weight decay
/// `(β/2)Σ(‖uⱼ‖² + ‖αⱼ‖²)` covers the input weights without the bias.
public struct TwoLayerNetwork: Sendable, Equatable {
    /// `m × d̃`: row `j` is `uⱼ`, the input weights of neuron `j` (bias weight last when ``hasBias``).
    public var inputWeights: DenseMatrix
    /// `m × c`: row `j` is `αⱼ`, the output weights of neuron `j`.
    public var outputWeights: DenseMatrix
    /// Whether a constant-1 input is appended to every sample.
    public var hasBias: Bool
    /// Whether the weight decay includes the bias weights (only meaningful with ``hasBias``).
    public var biasRegularized: Bool
    /// The output bias: one unregularized offset per output, added to every prediction; `nil`
    /// when the network has none.
    public var outputBias: [Double]?

    /// Builds a network; the two weight matrices must have one row per neuron, and an output
    /// bias one entry per output.
    public init(inputWeights: DenseMatrix, outputWeights: DenseMatrix, hasBias: Bool, biasRegularized: Bool = true,
                outputBias: [Double]? = nil) {
        precondition(inputWeights.rowCount == outputWeights.rowCount, "TwoLayerNetwork: one output row per neuron")
        precondition(outputBias.map { $0.count == outputWeights.columnCount } ?? true, "TwoLayerNetwork: one output bias per output")
        self.inputWeights = inputWeights
        self.outputWeights = outputWeights
        self.hasBias = hasBias
        self.biasRegularized = biasRegularized
        self.outputBias = outputBias
    }

    /// Whether the network has an output bias.
    public var hasOutputBias: Bool { outputBias != nil }

    /// Number of leading columns of ``inputWeights`` that the weight decay covers.
    public var regularizedInputColumns: Int {
        hasBias && !biasRegularized ? inputWeights.columnCount - 1 : inputWeights.columnCount
    }

    /// `‖uⱼ‖` over the regularized input weights of neuron `j`.
    func regularizedInputNorm(_ j: Int) -> Double {
        euclideanNorm(inputWeights.row(j).prefix(regularizedInputColumns))
    }

    /// Number of hidden neurons `m`.
    public var width: Int { inputWeights.rowCount }
    /// Number of outputs `c`.
    public var outputCount: Int { outputWeights.columnCount }
    /// Input dimension `d` of the raw features (without the bias input).
    public var inputDimension: Int { inputWeights.columnCount - (hasBias ? 1 : 0) }

    /// The features with the bias column appended when the network has one (`n × d̃`).
    public func designMatrix(_ features: DenseMatrix) -> DenseMatrix {
        hasBias ? features.appendingOnesColumn() : features
    }

    /// Hidden activations `(X̃ uⱼ)₊` for raw features `X` (`n × d`), as an `n × m` matrix.
    public func hiddenActivations(_ features: DenseMatrix) -> DenseMatrix {
        precondition(features.columnCount == inputDimension, "TwoLayerNetwork: \(features.columnCount) features, network expects \(inputDimension)")
        var h = designMatrix(features).multiplied(by: inputWeights, transposeOther: true)
        for k in h.values.indices where h.values[k] < 0 { h.values[k] = 0 }
        return h
    }

    /// Predictions `F` (`n × c`) for raw features `X` (`n × d`), the output bias included.
    ///
    /// Computed a block of samples at a time, so that the `n × m` hidden activations of a wide
    /// network on many samples (32 MB at n = m = 2000) are never held at once.
    public func predict(_ features: DenseMatrix) -> DenseMatrix {
        let n = features.rowCount, d = features.columnCount, c = outputCount
        let blockRows = max(1, min(n, (1 << 16) / max(width, 1)))
        var out: DenseMatrix
        if n <= blockRows {
            out = hiddenActivations(features).multiplied(by: outputWeights)
        } else {
            out = DenseMatrix(rowCount: n, columnCount: c)
            for start in stride(from: 0, to: n, by: blockRows) {
                let end = min(n, start + blockRows)
                let block = DenseMatrix(rowCount: end - start, columnCount: d, values: Array(features.values[(start * d)..<(end * d)]))
                let f = hiddenActivations(block).multiplied(by: outputWeights)
                out.values.replaceSubrange((start * c)..<(end * c), with: f.values)
            }
        }
        if let offset = outputBias {
            for i in 0..<n { for k in 0..<c { out.values[i * c + k] += offset[k] } }
        }
        return out
    }

    /// `½ Σⱼ (‖uⱼ‖² + ‖αⱼ‖²)`, the weight-decay term without `β` (a free bias and the output bias excluded).
    public var halfSquaredWeightNorm: Double {
        let inputs = (0..<width).reduce(0.0) { total, j in let r = regularizedInputNorm(j); return total + r * r }
        return 0.5 * (inputs + outputWeights.values.reduce(0) { $0 + $1 * $1 })
    }

    /// The non-convex training objective `p(θ) = ℓ(f(X), Y) + (β/2) Σⱼ (‖uⱼ‖² + ‖αⱼ‖²)`.
    public func objective(features: DenseMatrix, targets: DenseMatrix, beta: Double, loss: Loss) -> Double {
        loss.value(predictions: predict(features).values, targets: targets.values, columns: targets.columnCount) + beta * halfSquaredWeightNorm
    }

    /// The same network with every neuron rescaled to `‖uⱼ‖ = ‖αⱼ‖`, which leaves `f` unchanged
    /// (ReLU is positively homogeneous) and minimizes the weight decay among such rescalings;
    /// neurons with `αⱼ = 0` or no input weights at all contribute nothing and are removed. With a
    /// free bias, `‖uⱼ‖` excludes the bias, and a bias-only neuron (the constant `bⱼ₊αⱼ`) has no
    /// balanced scaling — its decay `½‖αⱼ‖²` shrinks without bound as `bⱼ` grows — so it is
    /// rescaled to `bⱼ = 10⁶·max(1, b₊‖αⱼ‖)`, where the decay is below `½·10⁻¹²` — or, when the
    /// network has an output bias, joins it (`c += bⱼαⱼ`) and costs nothing.
    public func balanced() -> TwoLayerNetwork {
        var u = [[Double]](), a = [[Double]]()
        var offset = outputBias
        for j in 0..<width {
            let uj = inputWeights.row(j), aj = outputWeights.row(j)
            let nu = regularizedInputNorm(j), na = euclideanNorm(aj)
            guard na > 0, euclideanNorm(uj) > 0 else { continue }
            guard nu > 0 else {
                // Only a free bias is left; a negative one makes the neuron zero everywhere.
                guard let bias = uj.last, bias > 0 else { continue }
                if let c = offset {
                    offset = zip(c, aj).map { $0 + bias * $1 }
                    continue
                }
                let target = 1e6 * max(1, bias * na)
                u.append(uj.dropLast() + [target])
                a.append(aj.map { $0 * bias / target })
                continue
            }
            let scale = (na / nu).squareRoot()
            u.append(uj.map { $0 * scale })
            a.append(aj.map { $0 / scale })
        }
        return TwoLayerNetwork(inputWeights: DenseMatrix(rows: u, columnCount: inputWeights.columnCount),
                               outputWeights: DenseMatrix(rows: a, columnCount: outputCount), hasBias: hasBias,
                               biasRegularized: biasRegularized, outputBias: offset)
    }

    /// The same function with neurons whose input weights point in the same direction (within
    /// `tolerance` on the unit vectors) merged into one: `(X̃u)₊α + (X̃cu)₊α' = (X̃u)₊(α + cα')`
    /// for `c > 0`, and by the triangle inequality the merged neuron's weight decay is no larger.
    /// The result is ``balanced()``.
    public func merged(tolerance: Double = 1e-9) -> TwoLayerNetwork {
        var directions = [[Double]](), outputs = [[Double]]()
        for j in 0..<width {
            let u = inputWeights.row(j)
            let norm = euclideanNorm(u)
            guard norm > 0 else { continue }
            let direction = u.map { $0 / norm }
            let alpha = outputWeights.row(j).map { $0 * norm }
            if let k = directions.firstIndex(where: { d in zip(d, direction).allSatisfy { abs($0 - $1) <= tolerance } }) {
                for c in 0..<outputCount { outputs[k][c] += alpha[c] }
            } else {
                directions.append(direction)
                outputs.append(alpha)
            }
        }
        return TwoLayerNetwork(inputWeights: DenseMatrix(rows: directions, columnCount: inputWeights.columnCount),
                               outputWeights: DenseMatrix(rows: outputs, columnCount: outputCount), hasBias: hasBias,
                               biasRegularized: biasRegularized, outputBias: outputBias).balanced()
    }
}

extension DenseMatrix {
    /// The rows given, with an explicit column count so that zero rows are representable.
    init(rows: [[Double]], columnCount: Int) {
        self.init(rowCount: rows.count, columnCount: columnCount, values: rows.flatMap { $0 })
    }

    /// This matrix with a column of ones appended (the bias input).
    public func appendingOnesColumn() -> DenseMatrix {
        var out = [Double]()
        out.reserveCapacity(rowCount * (columnCount + 1))
        for i in 0..<rowCount {
            out.append(contentsOf: values[(i * columnCount)..<((i + 1) * columnCount)])
            out.append(1)
        }
        return DenseMatrix(rowCount: rowCount, columnCount: columnCount + 1, values: out)
    }
}

/// `‖v‖₂`.
func euclideanNorm<C: Collection<Double>>(_ v: C) -> Double {
    v.reduce(0) { $0 + $1 * $1 }.squareRoot()
}
