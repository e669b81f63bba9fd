import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first-order method used by ``GradientTrainer``.
public enum Optimizer: String, Sendable, CaseIterable, Codable {
    /// Full-batch gradient descent: one step per epoch on the whole data set.
    case gd
    /// Mini-batch stochastic gradient descent with optional heavy-ball momentum.
    case sgd
    /// Mini-batch Adam (Kingma & Ba) with `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`.
    case adam
}

/// Errors thrown by ``GradientTrainer`` for invalid settings or inconsistent data.
///
/// Divergence during training is not an error: it is reported by
/// ``GradientTrainingResult/diverged``.
public enum GradientTrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of its allowed range.
    case invalidSetting(String)
    /// Two dimensions that must agree do not (features, targets, initial network).
    case dimensionMismatch(String)
    /// A NaN or an infinity was found in the features, targets or initial weights.
    case nonFinite(String)
    /// The targets do not suit the loss (hinge needs one output with values ±1).
    case invalidTargets(String)

    public var description: String {
        switch self {
        case let .invalidSetting(message): return "invalid training setting: \(message)"
        case let .dimensionMismatch(message): return "dimension mismatch: \(message)"
        case let .nonFinite(message): return "non-finite data: \(message)"
        case let .invalidTargets(message): return "invalid targets: \(message)"
        }
    }
}

/// The settings of a non-convex training run of a ``TwoLayerNetwork`` by ``GradientTrainer``.
public struct GradientTrainingSettings: Sendable, Equatable {
    /// Number of hidden neurons `m` (at least 1).
    public var width: Int
    /// The first-order method.
    public var optimizer: Optimizer
    /// Step size (positive and finite).
    public var learningRate: Double
    /// Number of passes over the data (0 returns the initial network).
    public var epochs: Int
    /// Mini-batch size for ``Optimizer/sgd`` and ``Optimizer/adam`` (clamped to the sample
    /// count); ignored by ``Optimizer/gd``.
    public var batchSize: Int
    /// Heavy-ball momentum `μ ∈ [0, 1)` for ``Optimizer/sgd`` (`v ← μv + g`, `θ ← θ − ηv`);
    /// ignored by the other optimizers.
    public var momentum: Double
    /// Seed of the initialization and of the per-epoch shuffles.
    public var seed: UInt64
    /// Weight-decay strength `β ≥ 0` of `p(θ)`.
    public var beta: Double
    /// The data-fit term.
    public var loss: Loss
    /// Whether the network has a bias input (a ones column appended to the features).
    public var hasBias: Bool
    /// Whether weight decay covers the bias weights (the JMLR formulations leave them free).
    public var biasRegularized: Bool
    /// Whether the network has an output bias (one unregularized offset per output, starting at 0).
    public var outputBias = false
    /// Multiplier of the default initialization `uⱼ ~ N(0, I/d̃)`, `αⱼ ~ N(0, I/m)` (positive).
    public var initialScale: Double
    /// Epochs between two recorded full-data objectives (at least 1); the initial and the
    /// final objectives are always recorded.
    public var recordEvery: Int

    /// Settings with the usual defaults; call ``validate()`` (``GradientTrainer`` does) to check them.
    public init(width: Int, optimizer: Optimizer = .adam, learningRate: Double = 1e-2, epochs: Int = 100,
                batchSize: Int = 32, momentum: Double = 0, seed: UInt64 = 0, beta: Double = 1e-3,
                loss: Loss = .squared, hasBias: Bool = true, biasRegularized: Bool = true, initialScale: Double = 1,
                recordEvery: Int = 1) {
        self.width = width
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.epochs = epochs
        self.batchSize = batchSize
        self.momentum = momentum
        self.seed = seed
        self.beta = beta
        self.loss = loss
        self.hasBias = hasBias
        self.biasRegularized = biasRegularized
        self.initialScale = initialScale
        self.recordEvery = recordEvery
    }

    /// Throws ``GradientTrainingError/invalidSetting(_:)`` when a setting is out of range.
    public func validate() throws(GradientTrainingError) {
        func fail(_ message: String) -> GradientTrainingError { .invalidSetting(message) }
        guard width >= 1 else { throw fail("width must be at least 1, got \(width)") }
        guard batchSize >= 1 else { throw fail("batchSize must be at least 1, got \(batchSize)") }
        try Self.validateCommon(learningRate: learningRate, epochs: epochs, momentum: momentum, beta: beta,
                                initialScale: initialScale, recordEvery: recordEvery)
    }

    /// The checks every first-order trainer's settings share.
    static func validateCommon(learningRate: Double, epochs: Int, momentum: Double, beta: Double, initialScale: Double,
                               recordEvery: Int) throws(GradientTrainingError) {
        func fail(_ message: String) -> GradientTrainingError { .invalidSetting(message) }
        guard learningRate.isFinite, learningRate > 0 else { throw fail("learningRate must be positive and finite, got \(learningRate)") }
        guard epochs >= 0 else { throw fail("epochs must be non-negative, got \(epochs)") }
        guard momentum.isFinite, momentum >= 0, momentum < 1 else { throw fail("momentum must lie in [0, 1), got \(momentum)") }
        guard beta.isFinite, beta >= 0 else { throw fail("beta must be non-negative and finite, got \(beta)") }
        guard initialScale.isFinite, initialScale > 0 else { throw fail("initialScale must be positive and finite, got \(initialScale)") }
        guard recordEvery >= 1 else { throw fail("recordEvery must be at least 1, got \(recordEvery)") }
    }
}

/// One recorded value of the full-data objective.
public struct GradientTrainingRecord: Sendable, Equatable {
    /// Number of completed epochs (0 for the initial network).
    public let epoch: Int
    /// `p(θ)` on the whole data set after ``epoch`` epochs.
    public let objective: Double

    /// A record of `objective` after `epoch` epochs.
    public init(epoch: Int, objective: Double) {
        self.epoch = epoch
        self.objective = objective
    }
}

/// The outcome of ``GradientTrainer/train(features:targets:settings:initial:progress:)``.
public struct GradientTrainingResult: Sendable, Equatable {
    /// The trained network; after a divergence, the last one whose weights were finite.
    public let network: TwoLayerNetwork
    /// The full-data objective at epoch 0, every `recordEvery` epochs and after the last epoch
    /// (all finite: a divergence stops the history at the last finite record; empty only when the
    /// initial objective itself is not finite).
    public let history: [GradientTrainingRecord]
    /// `p(θ)` of ``network`` on the whole data set.
    public let finalObjective: Double
    /// Whether training stopped because the weights or the objective became non-finite.
    public let diverged: Bool
    /// Number of epochs fully completed (less than the setting after a divergence).
    public let epochsCompleted: Int
}

/// Trains a two-layer ReLU network on the non-convex objective of Pilanci & Ergen (ICML 2020, eq. 2)
/// `p(θ) = ℓ(Σⱼ (X̃uⱼ)₊αⱼᵀ, Y) + (β/2) Σⱼ (‖uⱼ‖² + ‖αⱼ‖²)` by a first-order method, as the
/// baseline that the exact convex training is compared against.
public enum GradientTrainer {
    /// Trains from the seeded default initialization or from `initial`.
    ///
    /// The objective is exactly ``TwoLayerNetwork/objective(features:targets:beta:loss:)`` (loss
    /// summed over samples, not averaged), so a mini-batch `B` uses the unbiased gradient estimate
    /// `(n/|B|)·∇ℓ_B + βθ`. Each epoch of ``Optimizer/sgd`` and ``Optimizer/adam`` visits the
    /// samples in an order drawn from the seeded generator, so runs are reproducible.
    ///
    /// - Parameters:
    ///   - features: raw features `X` (`n × d`, without the bias column).
    ///   - targets: `Y` (`n × c`); the hinge loss needs `c = 1` and values ±1.
    ///   - settings: the run's settings (validated here).
    ///   - initial: a starting network of width `settings.width` matching the data and
    ///     `settings.hasBias`; `nil` draws one from `settings.seed`.
    ///   - progress: called with `(epoch, objective)` for every entry appended to the history.
    /// - Returns: the trained network, its objective history and whether training diverged.
    /// - Throws: ``GradientTrainingError`` for invalid settings, shapes, non-finite data or
    ///   targets unsuited to the loss.
    public static func train(features: DenseMatrix, targets: DenseMatrix, settings: GradientTrainingSettings,
                             initial: TwoLayerNetwork? = nil,
                             progress: ((Int, Double) -> Void)? = nil) throws(GradientTrainingError) -> GradientTrainingResult {
        try settings.validate()
        try checkData(features: features, targets: targets, settings: settings)
        var rng = SeededGenerator(seed: settings.seed)
        var network: TwoLayerNetwork
        if let initial {
            try checkInitial(initial, features: features, targets: targets, settings: settings)
            network = initial
        } else {
            network = defaultInitialization(inputDimension: features.columnCount, outputCount: targets.columnCount,
                                            settings: settings, using: &rng)
        }
        // The settings decide what the objective penalizes, whatever the starting network says.
        network.biasRegularized = settings.biasRegularized
        if settings.outputBias, network.outputBias == nil {
            network.outputBias = [Double](repeating: 0, count: targets.columnCount)
        } else if !settings.outputBias {
            network.outputBias = nil
        }

        let n = features.rowCount
        let design = network.designMatrix(features)
        let batchSize = settings.optimizer == .gd ? n : min(settings.batchSize, n)
        var state = FirstOrderUpdate(optimizer: settings.optimizer, learningRate: settings.learningRate,
                                     momentum: settings.optimizer == .sgd ? settings.momentum : 0,
                                     blockSizes: [network.inputWeights.values.count, network.outputWeights.values.count,
                                                  network.outputBias?.count ?? 0])
        var order = Array(0..<n)

        func objective(_ net: TwoLayerNetwork) -> Double {
            net.objective(features: features, targets: targets, beta: settings.beta, loss: settings.loss)
        }
        var history = [GradientTrainingRecord]()
        func record(_ epoch: Int, _ value: Double) {
            history.append(GradientTrainingRecord(epoch: epoch, objective: value))
            progress?(epoch, value)
        }

        var lastGood = (network: network, objective: objective(network))
        // The initial point can already be non-finite (a huge initialScale): report it as diverged.
        guard lastGood.objective.isFinite else {
            return GradientTrainingResult(network: network, history: history, finalObjective: lastGood.objective,
                                          diverged: true, epochsCompleted: 0)
        }
        record(0, lastGood.objective)

        for epoch in stride(from: 1, through: settings.epochs, by: 1) {
            if settings.optimizer != .gd { shuffle(&order, using: &rng) }
            var start = 0
            while start < n {
                let end = min(start + batchSize, n)
                let before = network
                if batchSize == n {
                    // Full batch: the design and targets are used as they are, in their order.
                    step(&network, design: design, targets: targets, scale: 1, settings: settings, state: &state)
                } else {
                    let batch = Array(order[start..<end])
                    step(&network, design: design.rows(batch), targets: targets.rows(batch),
                         scale: Double(n) / Double(batch.count), settings: settings, state: &state)
                }
                start = end
                if !isFinite(network) {
                    // Return the most recent finite network: the one before this step when its
                    // objective is still finite, otherwise the last recorded one.
                    let previous = objective(before)
                    let (net, value) = previous.isFinite ? (before, previous) : (lastGood.network, lastGood.objective)
                    return GradientTrainingResult(network: net, history: history, finalObjective: value,
                                                  diverged: true, epochsCompleted: epoch - 1)
                }
            }
            if epoch % settings.recordEvery == 0 || epoch == settings.epochs {
                let value = objective(network)
                guard value.isFinite else {
                    return GradientTrainingResult(network: lastGood.network, history: history,
                                                  finalObjective: lastGood.objective, diverged: true,
                                                  epochsCompleted: epoch)
                }
                lastGood = (network, value)
                record(epoch, value)
            }
        }
        return GradientTrainingResult(network: network, history: history, finalObjective: lastGood.objective,
                                      diverged: false, epochsCompleted: settings.epochs)
    }

    /// The gradient `(∂U, ∂A, ∂c)` of `scale·ℓ(F_B) + (β/2)(‖U‖² + ‖A‖²)` on the batch whose design
    /// rows (`X̃_B`, bias column included) and targets are given.
    ///
    /// With `Z = X̃Uᵀ`, `H = Z₊`, `F = HA + 1cᵀ` and `G = scale·∂ℓ/∂F`:
    /// `∂A = HᵀG + βA`, `∂U = ((GAᵀ) ∘ 1[Z > 0])ᵀX̃ + βU` and `∂c = Gᵀ1` (empty without an output bias).
    static func gradient(of network: TwoLayerNetwork, design: DenseMatrix, targets: DenseMatrix,
                         scale: Double, beta: Double, loss: Loss) -> (u: DenseMatrix, a: DenseMatrix, c: [Double]) {
        let u = network.inputWeights, a = network.outputWeights
        let z = design.multiplied(by: u, transposeOther: true)
        var h = z
        for k in h.values.indices where h.values[k] < 0 { h.values[k] = 0 }
        var f = h.multiplied(by: a)
        if let offset = network.outputBias {
            for i in 0..<f.rowCount { for k in 0..<f.columnCount { f[i, k] += offset[k] } }
        }
        var g = DenseMatrix(rowCount: f.rowCount, columnCount: f.columnCount,
                            values: loss.gradient(predictions: f.values, targets: targets.values, columns: f.columnCount))
        if scale != 1 { for k in g.values.indices { g.values[k] *= scale } }

        var gradA = h.multiplied(by: g, transposeSelf: true)
        for k in gradA.values.indices { gradA.values[k] += beta * a.values[k] }
        var back = g.multiplied(by: a, transposeOther: true)
        // The ReLU passes the gradient only where the pre-activation is positive (subgradient 0 at 0).
        for k in back.values.indices where z.values[k] <= 0 { back.values[k] = 0 }
        var gradU = back.multiplied(by: design, transposeSelf: true)
        let decayed = network.regularizedInputColumns
        for j in 0..<u.rowCount {
            for k in (j * u.columnCount)..<(j * u.columnCount + decayed) { gradU.values[k] += beta * u.values[k] }
        }
        var gradC = [Double]()
        if network.outputBias != nil {
            gradC = [Double](repeating: 0, count: g.columnCount)
            for i in 0..<g.rowCount { for k in 0..<g.columnCount { gradC[k] += g[i, k] } }
        }
        return (gradU, gradA, gradC)
    }

    /// The default initialization `uⱼ ~ N(0, I/d̃)`, `αⱼ ~ N(0, I/m)`, both times `initialScale`
    /// (all of `U` is drawn first, then `A`).
    static func defaultInitialization(inputDimension d: Int, outputCount c: Int, settings: GradientTrainingSettings,
                                      using rng: inout SeededGenerator) -> TwoLayerNetwork {
        let m = settings.width, dTilde = d + (settings.hasBias ? 1 : 0)
        let uScale = settings.initialScale / Double(dTilde).squareRoot()
        let aScale = settings.initialScale / Double(m).squareRoot()
        let u = (0..<(m * dTilde)).map { _ in uScale * rng.nextGaussian() }
        let a = (0..<(m * c)).map { _ in aScale * rng.nextGaussian() }
        return TwoLayerNetwork(inputWeights: DenseMatrix(rowCount: m, columnCount: dTilde, values: u),
                               outputWeights: DenseMatrix(rowCount: m, columnCount: c, values: a),
                               hasBias: settings.hasBias,
                               outputBias: settings.outputBias ? [Double](repeating: 0, count: c) : nil)
    }

    // MARK: - Steps

    /// One optimizer step on the batch given.
    private static func step(_ network: inout TwoLayerNetwork, design: DenseMatrix, targets: DenseMatrix,
                             scale: Double, settings: GradientTrainingSettings, state: inout FirstOrderUpdate) {
        let grad = gradient(of: network, design: design, targets: targets, scale: scale,
                            beta: settings.beta, loss: settings.loss)
        state.beginStep()
        state.update(&network.inputWeights.values, gradient: grad.u.values, block: 0)
        state.update(&network.outputWeights.values, gradient: grad.a.values, block: 1)
        if var offset = network.outputBias {
            state.update(&offset, gradient: grad.c, block: 2)
            network.outputBias = offset
        }
    }

    /// Fisher–Yates with the generator's raw output, so that the order depends only on the seed
    /// (not on the standard library's shuffle algorithm).
    private static func shuffle(_ a: inout [Int], using rng: inout SeededGenerator) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
    }

    private static func isFinite(_ network: TwoLayerNetwork) -> Bool {
        network.inputWeights.values.allSatisfy(\.isFinite) && network.outputWeights.values.allSatisfy(\.isFinite)
            && (network.outputBias ?? []).allSatisfy(\.isFinite)
    }

    // MARK: - Validation

    private static func checkData(features: DenseMatrix, targets: DenseMatrix,
                                  settings: GradientTrainingSettings) throws(GradientTrainingError) {
        guard features.rowCount >= 1 else { throw .dimensionMismatch("no samples") }
        guard targets.rowCount == features.rowCount else {
            throw .dimensionMismatch("\(features.rowCount) feature rows but \(targets.rowCount) target rows")
        }
        guard targets.columnCount >= 1 else { throw .dimensionMismatch("targets have no column") }
        guard features.columnCount + (settings.hasBias ? 1 : 0) >= 1 else {
            throw .dimensionMismatch("no feature columns and no bias: the network would have no input")
        }
        guard features.values.allSatisfy(\.isFinite) else { throw .nonFinite("features") }
        guard targets.values.allSatisfy(\.isFinite) else { throw .nonFinite("targets") }
        if settings.loss.usesMarginMultipliers {
            guard targets.columnCount == 1 else {
                throw .invalidTargets("the \(settings.loss.rawValue) loss needs one output, got \(targets.columnCount) target columns")
            }
            if let bad = targets.values.firstIndex(where: { $0 != 1 && $0 != -1 }) {
                throw .invalidTargets("the \(settings.loss.rawValue) loss needs targets ±1, sample \(bad) has \(targets.values[bad])")
            }
        }
        if settings.loss == .crossEntropy, let problem = ConvexTrainer.crossEntropyTargetProblem(targets) {
            throw .invalidTargets(problem)
        }
    }

    private static func checkInitial(_ initial: TwoLayerNetwork, features: DenseMatrix, targets: DenseMatrix,
                                     settings: GradientTrainingSettings) throws(GradientTrainingError) {
        guard initial.hasBias == settings.hasBias else {
            throw .dimensionMismatch("initial network hasBias = \(initial.hasBias), settings say \(settings.hasBias)")
        }
        guard initial.width == settings.width else {
            throw .dimensionMismatch("initial network has width \(initial.width), settings say \(settings.width)")
        }
        guard initial.inputDimension == features.columnCount else {
            throw .dimensionMismatch("initial network takes \(initial.inputDimension) features, data have \(features.columnCount)")
        }
        guard initial.outputCount == targets.columnCount else {
            throw .dimensionMismatch("initial network has \(initial.outputCount) outputs, targets have \(targets.columnCount)")
        }
        guard isFinite(initial) else { throw .nonFinite("initial network weights") }
    }
}
