import ConicSolver
import Foundation

/// Settings of ``ThreeLayerGradientTrainer``: the non-convex problem (4) itself, by projected
/// first-order steps.
public struct ThreeLayerGradientSettings: Sendable, Equatable {
    /// `K`, the number of sub-networks.
    public var subNetworks: Int
    /// `m₁`, the first-layer width of each.
    public var width: Int
    /// ``Optimizer/gd`` (full batch), ``Optimizer/sgd`` (mini-batch, heavy-ball ``momentum``) or ``Optimizer/adam``.
    public var optimizer: Optimizer
    /// Step size.
    public var learningRate: Double
    /// Passes over the data.
    public var epochs: Int
    /// Mini-batch size (clamped to the sample count; ignored by ``Optimizer/gd``).
    public var batchSize: Int
    /// Heavy-ball momentum in `[0, 1)` for ``Optimizer/sgd``.
    public var momentum: Double
    /// Weight decay `β ≥ 0`.
    public var beta: Double
    /// Seed of the initialization and the shuffles.
    public var seed: UInt64
    /// Standard deviation multiplier of `w₂ ~ N(0, s²/m₁)` and `w₃ ~ N(0, s²)`; `W₁` starts on the unit Frobenius sphere.
    public var initialScale: Double
    /// Epochs between two recorded objectives.
    public var recordEvery: Int
    /// Whether the input gets a constant-1 column.
    public var hasBias: Bool

    /// Settings with the defaults of the paper's UCI runs where it gives them (K = 10, m₁ = 7).
    public init(subNetworks: Int = 10, width: Int = 7, optimizer: Optimizer = .sgd, learningRate: Double = 1e-2,
                epochs: Int = 1000, batchSize: Int = 32, momentum: Double = 0.9, beta: Double = 0.1, seed: UInt64 = 0,
                initialScale: Double = 1, recordEvery: Int = 10, hasBias: Bool = false) {
        self.subNetworks = subNetworks
        self.width = width
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.epochs = epochs
        self.batchSize = batchSize
        self.momentum = momentum
        self.beta = beta
        self.seed = seed
        self.initialScale = initialScale
        self.recordEvery = recordEvery
        self.hasBias = hasBias
    }

    /// Throws ``ThreeLayerError/invalidSetting(_:)`` for out-of-range settings.
    public func validate() throws(ThreeLayerError) {
        guard subNetworks >= 1, width >= 1 else { throw .invalidSetting("K and m₁ must be at least 1") }
        guard batchSize >= 1 else { throw .invalidSetting("the batch size must be at least 1") }
        do {
            try GradientTrainingSettings.validateCommon(learningRate: learningRate, epochs: epochs, momentum: momentum, beta: beta,
                                                        initialScale: initialScale, recordEvery: recordEvery)
        } catch { throw .invalidSetting(error.description) }
    }
}

/// One recorded point of a gradient run: the full objective after `epoch` epochs, `seconds` after the start.
public struct ThreeLayerGradientRecord: Sendable, Equatable {
    public let epoch: Int
    public let objective: Double
    public let seconds: Double
}

/// The outcome of a gradient run.
public struct ThreeLayerGradientResult: Sendable, Equatable {
    /// The trained network (the last finite one after a divergence).
    public let network: ThreeLayerNetwork
    /// The objective at epoch 0, every `recordEvery` epochs and at the end.
    public let history: [ThreeLayerGradientRecord]
    /// `p(θ)` of ``network``.
    public let finalObjective: Double
    /// Whether the weights or the objective became non-finite.
    public let diverged: Bool
    /// Wall-clock seconds of the run.
    public let seconds: Double
}

/// Projected SGD/Adam on the non-convex parallel model (4): after every step each `W₁ₖ` is
/// projected back onto the unit Frobenius ball, the constraint of `Θ`.
public enum ThreeLayerGradientTrainer {
    /// Trains from the seeded random initialization.
    ///
    /// - Throws: ``ThreeLayerError`` for invalid settings, mismatched shapes or non-finite data.
    public static func train(features: DenseMatrix, targets y: [Double], settings: ThreeLayerGradientSettings,
                             progress: ((Int, Double) -> Void)? = nil) throws(ThreeLayerError) -> ThreeLayerGradientResult {
        try settings.validate()
        guard y.count == features.rowCount, features.rowCount > 0 else { throw .invalidData("\(y.count) targets for \(features.rowCount) samples") }
        guard features.values.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { throw .invalidData("non-finite features or targets") }
        let started = Date()
        let x = ThreeLayerNetwork.design(features, bias: settings.hasBias)
        let n = x.rowCount, d = x.columnCount, m = settings.width, beta = settings.beta
        var rng = SeededGenerator(seed: settings.seed)
        var network = ThreeLayerNetwork(subNetworks: (0..<settings.subNetworks).map { _ in
            var w1 = DenseMatrix(rowCount: d, columnCount: m, values: (0..<(d * m)).map { _ in rng.nextGaussian() })
            let norm = euclideanNorm(w1.values)
            for i in w1.values.indices { w1.values[i] /= norm }
            let s = settings.initialScale
            return .init(firstLayer: w1, secondLayer: (0..<m).map { _ in s / Double(m).squareRoot() * rng.nextGaussian() },
                         output: s * rng.nextGaussian())
        }, hasBias: settings.hasBias)
        var update = FirstOrderUpdate(optimizer: settings.optimizer, learningRate: settings.learningRate,
                                      momentum: settings.optimizer == .sgd ? settings.momentum : 0,
                                      blockSizes: Array(repeating: [d * m, m, 1], count: settings.subNetworks).flatMap { $0 })
        var history = [ThreeLayerGradientRecord]()
        func objective(_ net: ThreeLayerNetwork) -> Double { net.objective(features: features, targets: y, beta: beta) }
        func record(_ epoch: Int, _ value: Double) {
            history.append(.init(epoch: epoch, objective: value, seconds: Date().timeIntervalSince(started)))
            progress?(epoch, value)
        }
        var last = (network: network, objective: objective(network))
        guard last.objective.isFinite else {
            return .init(network: network, history: [], finalObjective: last.objective, diverged: true, seconds: 0)
        }
        record(0, last.objective)
        let batch = settings.optimizer == .gd ? n : min(settings.batchSize, n)
        var order = Array(0..<n)
        for epoch in stride(from: 1, through: settings.epochs, by: 1) {
            if settings.optimizer != .gd { order.shuffle(using: &rng) }
            var start = 0
            while start < n {
                let rows = Array(order[start..<min(n, start + batch)])
                start += batch
                let gradient = Self.gradient(network, design: x.rows(rows), targets: rows.map { y[$0] }, beta: beta,
                                             lossScale: Double(n) / Double(rows.count))
                update.beginStep()
                for k in 0..<network.count {
                    update.update(&network.subNetworks[k].firstLayer.values, gradient: gradient[k].w1, block: 3 * k)
                    update.update(&network.subNetworks[k].secondLayer, gradient: gradient[k].w2, block: 3 * k + 1)
                    var w3 = [network.subNetworks[k].output]
                    update.update(&w3, gradient: [gradient[k].w3], block: 3 * k + 2)
                    network.subNetworks[k].output = w3[0]
                    let norm = euclideanNorm(network.subNetworks[k].firstLayer.values)
                    if norm > 1 { for i in 0..<(d * m) { network.subNetworks[k].firstLayer.values[i] /= norm } }
                }
            }
            if epoch % settings.recordEvery == 0 || epoch == settings.epochs {
                let value = objective(network)
                guard value.isFinite else {
                    return .init(network: last.network, history: history, finalObjective: last.objective, diverged: true,
                                 seconds: Date().timeIntervalSince(started))
                }
                last = (network, value)
                record(epoch, value)
            }
        }
        let final = objective(network)
        return .init(network: network, history: history, finalObjective: final, diverged: !final.isFinite,
                     seconds: Date().timeIntervalSince(started))
    }

    /// The gradient of `lossScale·½‖f − y‖² + (β/2)Σ(‖w₂ₖ‖² + w₃ₖ²)` on a batch (design rows `x`),
    /// per sub-network; at a kink the ReLU's derivative is taken as 0.
    static func gradient(_ network: ThreeLayerNetwork, design x: DenseMatrix, targets y: [Double], beta: Double,
                         lossScale: Double) -> [(w1: [Double], w2: [Double], w3: Double)] {
        let n = x.rowCount
        let forward = network.subNetworks.map { sub -> (h1: DenseMatrix, h2: [Double]) in
            let h1 = x.multiplied(by: sub.firstLayer)
            let h2 = (0..<n).map { k in (0..<sub.secondLayer.count).reduce(0.0) { $0 + max(0, h1[k, $1]) * sub.secondLayer[$1] } }
            return (h1, h2)
        }
        var r = [Double](repeating: 0, count: n)
        for (sub, (_, h2)) in zip(network.subNetworks, forward) { for k in 0..<n { r[k] += max(0, h2[k]) * sub.output } }
        for k in 0..<n { r[k] = lossScale * (r[k] - y[k]) }
        return zip(network.subNetworks, forward).map { sub, pass in
            let m = sub.secondLayer.count
            var w3 = beta * sub.output
            var g2 = [Double](repeating: 0, count: n)
            for k in 0..<n where pass.h2[k] > 0 {
                w3 += r[k] * pass.h2[k]
                g2[k] = r[k] * sub.output
            }
            var w2 = sub.secondLayer.map { beta * $0 }
            var gh1 = DenseMatrix(rowCount: n, columnCount: m)
            for k in 0..<n where g2[k] != 0 {
                for j in 0..<m where pass.h1[k, j] > 0 {
                    w2[j] += pass.h1[k, j] * g2[k]
                    gh1[k, j] = g2[k] * sub.secondLayer[j]
                }
            }
            return (x.multiplied(by: gh1, transposeSelf: true).values, w2, w3)
        }
    }
}
