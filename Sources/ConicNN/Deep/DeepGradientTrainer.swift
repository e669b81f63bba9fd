import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings of a full-batch training run of a ``DeepReLUNetwork`` by ``DeepGradientTrainer``.
public struct DeepGradientTrainingSettings: Sendable, Equatable {
    /// Hidden widths `m₁, …, m_{L−1}` (at least one layer).
    public var hiddenWidths: [Int]
    /// ``Optimizer/gd`` (plain steps), ``Optimizer/sgd`` (here: full-batch heavy-ball steps with
    /// ``momentum``) or ``Optimizer/adam``; every step uses the whole data set.
    public var optimizer: Optimizer
    /// Step size.
    public var learningRate: Double
    /// Number of steps.
    public var epochs: Int
    /// Heavy-ball momentum in `[0, 1)` for ``Optimizer/sgd``.
    public var momentum: Double
    /// Seed of the initialization `Wₗ ~ N(0, initialScale²/mₗ₋₁)`.
    public var seed: UInt64
    /// Weight decay `β ≥ 0` of the objective `½‖f − Y‖² + (β/2)Σ‖Wₗ‖²`.
    public var beta: Double
    /// Multiplier of the initialization's standard deviation.
    public var initialScale: Double
    /// Steps between two recorded objectives.
    public var recordEvery: Int
    /// The hidden layers' activation (``HiddenActivation/linear`` trains a deep linear network).
    public var activation: HiddenActivation
    /// Whether the last hidden layer has a (free, unregularized) bias, initialized at 0: the
    /// network of ICLR 2021 Proposition 4.1.
    public var lastHiddenBias: Bool

    /// Settings with defaults that train the small examples of the closed-form comparison.
    public init(hiddenWidths: [Int], optimizer: Optimizer = .adam, learningRate: Double = 1e-2, epochs: Int = 5000,
                momentum: Double = 0, seed: UInt64 = 0, beta: Double = 0.1, initialScale: Double = 1, recordEvery: Int = 100,
                activation: HiddenActivation = .relu, lastHiddenBias: Bool = false) {
        self.hiddenWidths = hiddenWidths
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.epochs = epochs
        self.momentum = momentum
        self.seed = seed
        self.beta = beta
        self.initialScale = initialScale
        self.recordEvery = recordEvery
        self.activation = activation
        self.lastHiddenBias = lastHiddenBias
    }

    /// Throws ``GradientTrainingError/invalidSetting(_:)`` for out-of-range settings.
    public func validate() throws(GradientTrainingError) {
        func fail(_ message: String) -> GradientTrainingError { .invalidSetting(message) }
        guard !hiddenWidths.isEmpty, hiddenWidths.allSatisfy({ $0 >= 1 }) else { throw fail("hidden widths must be ≥ 1 and at least one layer") }
        try GradientTrainingSettings.validateCommon(learningRate: learningRate, epochs: epochs, momentum: momentum, beta: beta,
                                                    initialScale: initialScale, recordEvery: recordEvery)
    }
}

/// The outcome of ``DeepGradientTrainer/train(features:targets:settings:progress:)``.
public struct DeepGradientTrainingResult: Sendable, Equatable {
    /// The trained network (the last finite one after a divergence).
    public let network: DeepReLUNetwork
    /// The objective at step 0, every `recordEvery` steps and at the end.
    public let history: [GradientTrainingRecord]
    /// `‖Wₗ‖_F` per layer at the steps of ``history`` (Proposition 3.1: equal at a stationary point).
    public let frobeniusNormHistory: [[Double]]
    /// The objective of ``network``.
    public let finalObjective: Double
    /// Whether the weights or the objective became non-finite.
    public let diverged: Bool
}

/// Full-batch first-order training of a ``DeepReLUNetwork`` on the ICLR 2021 objective (eq. 17),
/// the baseline the closed forms of Theorems 4.3/4.4 are compared against.
public enum DeepGradientTrainer {
    /// Trains from the seeded random initialization.
    ///
    /// - Throws: ``GradientTrainingError`` for invalid settings, mismatched shapes or non-finite data.
    public static func train(features: DenseMatrix, targets: DenseMatrix, settings: DeepGradientTrainingSettings,
                             progress: ((Int, Double) -> Void)? = nil) throws(GradientTrainingError) -> DeepGradientTrainingResult {
        try settings.validate()
        guard targets.rowCount == features.rowCount else {
            throw .dimensionMismatch("\(targets.rowCount) target rows for \(features.rowCount) samples")
        }
        guard features.values.allSatisfy(\.isFinite), targets.values.allSatisfy(\.isFinite) else {
            throw .nonFinite("features or targets")
        }
        var rng = SeededGenerator(seed: settings.seed)
        let shapes = Array(zip([features.columnCount] + settings.hiddenWidths, settings.hiddenWidths + [targets.columnCount]))
        let hidden = settings.hiddenWidths
        var biases = [[Double]](repeating: [], count: hidden.count)
        if settings.lastHiddenBias { biases[hidden.count - 1] = [Double](repeating: 0, count: hidden[hidden.count - 1]) }
        var network = DeepReLUNetwork(weights: shapes.map { rows, columns in
            let scale = settings.initialScale / Double(rows).squareRoot()
            return DenseMatrix(rowCount: rows, columnCount: columns,
                               values: (0..<(rows * columns)).map { _ in scale * rng.nextGaussian() })
        }, biases: biases, activation: settings.activation)
        // Blocks: the L weight matrices, then one per hidden bias (empty blocks for none).
        var update = FirstOrderUpdate(optimizer: settings.optimizer, learningRate: settings.learningRate,
                                      momentum: settings.optimizer == .sgd ? settings.momentum : 0,
                                      blockSizes: network.weights.map(\.values.count) + network.biases.map(\.count))
        var history = [GradientTrainingRecord]()
        var norms = [[Double]]()
        var last = (network: network, objective: network.objective(features: features, targets: targets, beta: settings.beta))
        func record(_ step: Int, _ value: Double) {
            history.append(GradientTrainingRecord(epoch: step, objective: value))
            norms.append(network.layerFrobeniusNorms)
            progress?(step, value)
        }
        guard last.objective.isFinite else {
            return DeepGradientTrainingResult(network: network, history: [], frobeniusNormHistory: [],
                                              finalObjective: last.objective, diverged: true)
        }
        record(0, last.objective)
        for step in 1...max(1, settings.epochs) where settings.epochs > 0 {
            let gradient = network.objectiveAndGradients(features: features, targets: targets, beta: settings.beta)
            update.beginStep()
            for l in 0..<network.depth { update.update(&network.weights[l].values, gradient: gradient.weights[l].values, block: l) }
            for l in network.biases.indices where !network.biases[l].isEmpty {
                update.update(&network.biases[l], gradient: gradient.biases[l], block: network.depth + l)
            }
            if step % settings.recordEvery == 0 || step == settings.epochs {
                let value = network.objective(features: features, targets: targets, beta: settings.beta)
                guard value.isFinite else {
                    return DeepGradientTrainingResult(network: last.network, history: history, frobeniusNormHistory: norms,
                                                      finalObjective: last.objective, diverged: true)
                }
                last = (network, value)
                record(step, value)
            }
        }
        let final = network.objective(features: features, targets: targets, beta: settings.beta)
        return DeepGradientTrainingResult(network: network, history: history, frobeniusNormHistory: norms, finalObjective: final,
                                          diverged: !final.isFinite)
    }
}
