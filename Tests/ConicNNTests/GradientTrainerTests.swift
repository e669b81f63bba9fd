import Testing
@testable import ConicNN
import ConicSolver

@Suite("GradientTrainer")
struct GradientTrainerTests {
    // MARK: - Fixtures

    /// `n × d` standard normal features.

    /// A small regression problem: targets from a random planted ReLU network plus noise.
    static func regressionProblem(n: Int = 12, d: Int = 2, c: Int = 1, seed: UInt64 = 7) -> (x: DenseMatrix, y: DenseMatrix) {
        var rng = SeededGenerator(seed: seed)
        let x = gaussianMatrix(n, d, &rng)
        let planted = TwoLayerNetwork(inputWeights: gaussianMatrix(3, d + 1, &rng), outputWeights: gaussianMatrix(3, c, &rng),
                                      hasBias: true)
        var y = planted.predict(x)
        for k in y.values.indices { y.values[k] += 0.1 * rng.nextGaussian() }
        return (x, y)
    }

    /// The ICML 2020 Fig. 2 data: `X = [−2, −1, 0, 1, 2]ᵀ`, `y = [1, −1, 1, 1, −1]`.
    static let figure2Features = DenseMatrix(column: [-2, -1, 0, 1, 2])
    static let figure2Targets = DenseMatrix(column: [1, -1, 1, 1, -1])

    /// The full gradient flattened as `[vec(∂U); vec(∂A)]`.
    static func flatGradient(_ net: TwoLayerNetwork, _ x: DenseMatrix, _ y: DenseMatrix, beta: Double, loss: Loss,
                             scale: Double = 1) -> [Double] {
        let g = GradientTrainer.gradient(of: net, design: net.designMatrix(x), targets: y, scale: scale, beta: beta, loss: loss)
        return g.u.values + g.a.values
    }

    /// Central differences of `TwoLayerNetwork.objective` in every weight.
    static func numericalGradient(_ net: TwoLayerNetwork, _ x: DenseMatrix, _ y: DenseMatrix, beta: Double, loss: Loss) -> [Double] {
        let h = 1e-6
        func p(_ n: TwoLayerNetwork) -> Double { n.objective(features: x, targets: y, beta: beta, loss: loss) }
        var out = [Double]()
        for k in net.inputWeights.values.indices {
            var plus = net, minus = net
            plus.inputWeights.values[k] += h
            minus.inputWeights.values[k] -= h
            out.append((p(plus) - p(minus)) / (2 * h))
        }
        for k in net.outputWeights.values.indices {
            var plus = net, minus = net
            plus.outputWeights.values[k] += h
            minus.outputWeights.values[k] -= h
            out.append((p(plus) - p(minus)) / (2 * h))
        }
        return out
    }

    /// A random network and data at which no pre-activation and (for the hinge) no margin is
    /// within `margin` of its kink, so that central differences of step 1e-6 see a smooth function.
    static func pointAwayFromKinks(n: Int, d: Int, c: Int, loss: Loss, margin: Double = 1e-3)
        -> (net: TwoLayerNetwork, x: DenseMatrix, y: DenseMatrix)
    {
        for seed in UInt64(1)...200 {
            var rng = SeededGenerator(seed: seed)
            let x = gaussianMatrix(n, d, &rng)
            let net = TwoLayerNetwork(inputWeights: gaussianMatrix(5, d + 1, &rng), outputWeights: gaussianMatrix(5, c, &rng),
                                      hasBias: true)
            let y: DenseMatrix = loss.usesMarginMultipliers
                ? DenseMatrix(column: (0..<n).map { _ in rng.next() % 2 == 0 ? 1 : -1 })
                : gaussianMatrix(n, c, &rng)
            let z = net.designMatrix(x).multiplied(by: net.inputWeights, transposeOther: true)
            guard z.values.allSatisfy({ abs($0) > margin }) else { continue }
            if loss == .hinge {
                let f = net.predict(x)
                guard zip(f.values, y.values).allSatisfy({ abs(1 - $0 * $1) > margin }) else { continue }
            }
            return (net, x, y)
        }
        fatalError("no smooth point found")
    }

    static func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
        let scale = max(1, b.map(abs).max() ?? 0)
        return zip(a, b).map { abs($0 - $1) }.max()! / scale
    }

    // MARK: - Gradient

    @Test("the analytic gradient matches central differences of the objective", arguments: [
        (Loss.squared, 1), (Loss.squared, 3), (Loss.hinge, 1), (Loss.logistic, 1),
    ])
    func gradientMatchesFiniteDifferences(loss: Loss, outputs: Int) {
        var (net, x, y) = Self.pointAwayFromKinks(n: 8, d: 3, c: outputs, loss: loss)
        for biasRegularized in [true, false] {
            net.biasRegularized = biasRegularized
            for beta in [0.0, 0.3] {
                let analytic = Self.flatGradient(net, x, y, beta: beta, loss: loss)
                let numeric = Self.numericalGradient(net, x, y, beta: beta, loss: loss)
                #expect(Self.maxRelativeError(analytic, numeric) < 1e-6,
                        "loss \(loss), c = \(outputs), β = \(beta), bias regularized \(biasRegularized)")
                #expect(analytic.contains { abs($0) > 1e-3 }, "the check must not be vacuous")
            }
        }
    }

    @Test("balanced() and merged() keep the function and never raise the weight decay, bias regularized or free")
    func balancingKeepsFunction() {
        var rng = SeededGenerator(seed: 9)
        let x = gaussianMatrix(12, 2, &rng)
        var u = gaussianMatrix(6, 3, &rng)
        // Neuron 5 is neuron 0 scaled by 3, so merging has something to do.
        for k in 0..<3 { u.values[15 + k] = 3 * u.values[k] }
        for biasRegularized in [true, false] {
            let net = TwoLayerNetwork(inputWeights: u, outputWeights: gaussianMatrix(6, 1, &rng), hasBias: true,
                                      biasRegularized: biasRegularized)
            for reshaped in [net.balanced(), net.merged()] {
                #expect(Self.maxRelativeError(reshaped.predict(x).values, net.predict(x).values) < 1e-12)
                #expect(reshaped.halfSquaredWeightNorm <= net.halfSquaredWeightNorm + 1e-12)
                #expect(reshaped.biasRegularized == biasRegularized)
            }
            #expect(net.merged().width == 5)
            // Balanced neurons have ‖uⱼ‖ = ‖αⱼ‖ over the penalized weights only.
            let balanced = net.balanced()
            for j in 0..<balanced.width {
                let uNorm = euclideanNorm(balanced.inputWeights.row(j).prefix(biasRegularized ? 3 : 2))
                #expect(abs(uNorm - abs(balanced.outputWeights.values[j])) < 1e-12)
            }
        }
    }

    @Test("the mini-batch gradient (n/|B|)∇ℓ_B + βθ averages to the full gradient over a partition")
    func miniBatchGradientIsUnbiased() {
        let (x, y) = Self.regressionProblem(n: 12, d: 2, c: 2)
        var rng = SeededGenerator(seed: 3)
        let net = GradientTrainer.defaultInitialization(inputDimension: 2, outputCount: 2,
                                                        settings: GradientTrainingSettings(width: 6), using: &rng)
        let beta = 0.2
        let full = Self.flatGradient(net, x, y, beta: beta, loss: .squared)
        var mean = [Double](repeating: 0, count: full.count)
        let batches = [[0, 5, 7, 2], [1, 3, 11, 9], [4, 6, 8, 10]]
        for batch in batches {
            let g = Self.flatGradient(net, x.rows(batch), y.rows(batch), beta: beta, loss: .squared, scale: 12.0 / 4.0)
            for k in mean.indices { mean[k] += g[k] / Double(batches.count) }
        }
        #expect(Self.maxRelativeError(mean, full) < 1e-12)
    }

    // MARK: - Optimization

    @Test("full-batch GD with a small step decreases p(θ) monotonically")
    func gradientDescentIsMonotone() throws {
        let (x, y) = Self.regressionProblem()
        let settings = GradientTrainingSettings(width: 8, optimizer: .gd, learningRate: 2e-3, epochs: 300, seed: 5, beta: 1e-2)
        let result = try GradientTrainer.train(features: x, targets: y, settings: settings)
        #expect(!result.diverged)
        #expect(result.history.count == 301)
        for (before, after) in zip(result.history, result.history.dropFirst()) {
            #expect(after.objective <= before.objective + 1e-12, "epoch \(after.epoch)")
        }
        #expect(result.finalObjective < 0.1 * result.history[0].objective)
    }

    @Test("Adam and SGD (with and without momentum) end below the initial objective", arguments: [
        (Optimizer.adam, 0.0, Loss.squared), (Optimizer.sgd, 0.0, Loss.squared), (Optimizer.sgd, 0.9, Loss.squared),
        (Optimizer.adam, 0.0, Loss.hinge), (Optimizer.sgd, 0.5, Loss.hinge),
    ])
    func stochasticOptimizersDecrease(optimizer: Optimizer, momentum: Double, loss: Loss) throws {
        var (x, y) = Self.regressionProblem(n: 16)
        if loss == .hinge { y.values = y.values.map { $0 >= y.values.sorted()[8] ? 1 : -1 } }
        let lr = optimizer == .adam ? 1e-2 : 1e-3
        let settings = GradientTrainingSettings(width: 10, optimizer: optimizer, learningRate: lr, epochs: 100, batchSize: 4,
                                                momentum: momentum, seed: 11, beta: 1e-2, loss: loss)
        let result = try GradientTrainer.train(features: x, targets: y, settings: settings)
        #expect(!result.diverged)
        #expect(result.finalObjective < 0.2 * result.history[0].objective)
        #expect(result.finalObjective == result.network.objective(features: x, targets: y, beta: 1e-2, loss: loss))
    }

    @Test("the same seed gives identical runs, different seeds differ", arguments: Optimizer.allCases)
    func reproducibility(optimizer: Optimizer) throws {
        let (x, y) = Self.regressionProblem()
        var settings = GradientTrainingSettings(width: 6, optimizer: optimizer, learningRate: 1e-3, epochs: 20, batchSize: 5,
                                                momentum: 0.5, seed: 42)
        let first = try GradientTrainer.train(features: x, targets: y, settings: settings)
        let second = try GradientTrainer.train(features: x, targets: y, settings: settings)
        #expect(first == second)
        settings.seed = 43
        let other = try GradientTrainer.train(features: x, targets: y, settings: settings)
        #expect(other.network != first.network)
        #expect(other.finalObjective != first.finalObjective)
    }

    @Test("a given initial network is used as the starting point")
    func initialNetworkIsUsed() throws {
        let (x, y) = Self.regressionProblem()
        var rng = SeededGenerator(seed: 99)
        let start = TwoLayerNetwork(inputWeights: gaussianMatrix(4, 3, &rng), outputWeights: gaussianMatrix(4, 1, &rng),
                                    hasBias: true)
        var settings = GradientTrainingSettings(width: 4, optimizer: .gd, learningRate: 1e-3, epochs: 0, beta: 0.1)
        let unchanged = try GradientTrainer.train(features: x, targets: y, settings: settings, initial: start)
        #expect(unchanged.network == start)
        #expect(unchanged.history == [GradientTrainingRecord(epoch: 0, objective: start.objective(features: x, targets: y, beta: 0.1, loss: .squared))])

        // One GD step from `start` is exactly θ − η∇p(θ), whatever the seed.
        settings.epochs = 1
        settings.seed = 1234
        let stepped = try GradientTrainer.train(features: x, targets: y, settings: settings, initial: start)
        let g = GradientTrainer.gradient(of: start, design: start.designMatrix(x), targets: y, scale: 1, beta: 0.1, loss: .squared)
        #expect(stepped.network.inputWeights.values == zip(start.inputWeights.values, g.u.values).map { $0 - 1e-3 * $1 })
        #expect(stepped.network.outputWeights.values == zip(start.outputWeights.values, g.a.values).map { $0 - 1e-3 * $1 })
    }

    @Test("history and progress report epoch 0, every recordEvery epochs and the last one")
    func historyAndProgress() throws {
        let (x, y) = Self.regressionProblem()
        let settings = GradientTrainingSettings(width: 5, optimizer: .sgd, learningRate: 1e-3, epochs: 10, batchSize: 5, recordEvery: 3)
        var reported = [GradientTrainingRecord]()
        let result = try GradientTrainer.train(features: x, targets: y, settings: settings) { epoch, value in
            reported.append(GradientTrainingRecord(epoch: epoch, objective: value))
        }
        #expect(result.history.map(\.epoch) == [0, 3, 6, 9, 10])
        #expect(reported == result.history)
        #expect(result.history.last?.objective == result.finalObjective)
        #expect(result.epochsCompleted == 10)
    }

    @Test("Adam fits the ICML 2020 Fig. 2 data with a wide network (m = 50)", arguments: [UInt64(1), 2, 3])
    func figure2NearInterpolation(seed: UInt64) throws {
        let beta = 1e-3
        let settings = GradientTrainingSettings(width: 50, optimizer: .adam, learningRate: 1e-2, epochs: 2000, batchSize: 5,
                                                seed: seed, beta: beta, loss: .squared, hasBias: true, recordEvery: 100)
        let result = try GradientTrainer.train(features: Self.figure2Features, targets: Self.figure2Targets, settings: settings)
        #expect(!result.diverged)
        let fit = Loss.squared.value(predictions: result.network.predict(Self.figure2Features).values,
                                     targets: Self.figure2Targets.values)
        // Interpolation is possible with m ≥ n, so the data-fit term can be made as small as β allows.
        #expect(fit < 0.05, "data fit \(fit)")
        #expect(result.finalObjective < 0.1 * result.history[0].objective)
        #expect(result.finalObjective < 0.05)
        let predictions = result.network.predict(Self.figure2Features).values
        #expect(zip(predictions, Self.figure2Targets.values).allSatisfy { abs($0 - $1) < 0.25 }, "\(predictions)")
    }

    // MARK: - Divergence and validation

    @Test("a huge learning rate is reported as divergence with finite weights", arguments: Optimizer.allCases)
    func divergenceIsReported(optimizer: Optimizer) throws {
        let (x, y) = Self.regressionProblem()
        // Adam's steps are bounded by the learning rate, so only a step that overflows `p` makes it diverge.
        let settings = GradientTrainingSettings(width: 8, optimizer: optimizer, learningRate: optimizer == .adam ? 1e200 : 1e8,
                                                epochs: 500, batchSize: 4, momentum: 0.9, seed: 2, beta: 1e-2)
        let result = try GradientTrainer.train(features: x, targets: y, settings: settings)
        let diverged = result.diverged
        #expect(diverged)
        #expect(result.epochsCompleted < 500)
        #expect(result.network.inputWeights.values.allSatisfy { $0.isFinite })
        #expect(result.network.outputWeights.values.allSatisfy { $0.isFinite })
        #expect(result.finalObjective.isFinite)
        #expect(result.finalObjective == result.network.objective(features: x, targets: y, beta: 1e-2, loss: .squared))
        #expect(result.history.allSatisfy { $0.objective.isFinite })
    }

    @Test("invalid settings throw invalidSetting")
    func invalidSettingsThrow() {
        let (x, y) = Self.regressionProblem()
        let valid = GradientTrainingSettings(width: 4)
        #expect(throws: Never.self) { try valid.validate() }
        let mutations: [(inout GradientTrainingSettings) -> Void] = [
            { $0.width = 0 }, { $0.learningRate = 0 }, { $0.learningRate = .nan }, { $0.learningRate = .infinity },
            { $0.epochs = -1 }, { $0.batchSize = 0 }, { $0.momentum = 1 }, { $0.momentum = -0.1 },
            { $0.beta = -1 }, { $0.beta = .nan }, { $0.initialScale = 0 }, { $0.recordEvery = 0 },
        ]
        for mutate in mutations {
            var settings = valid
            mutate(&settings)
            #expect { try settings.validate() } throws: { error in
                guard case .invalidSetting = error as? GradientTrainingError else { return false }
                return true
            }
            #expect(throws: GradientTrainingError.self) { try GradientTrainer.train(features: x, targets: y, settings: settings) }
        }
    }

    @Test("shape mismatches, non-finite data and targets unsuited to the hinge loss throw")
    func invalidDataThrow() {
        let (x, y) = Self.regressionProblem(n: 12)
        let settings = GradientTrainingSettings(width: 4)
        var hinge = settings
        hinge.loss = .hinge
        func failure(_ x: DenseMatrix, _ y: DenseMatrix, _ s: GradientTrainingSettings, _ initial: TwoLayerNetwork? = nil) -> GradientTrainingError? {
            do {
                _ = try GradientTrainer.train(features: x, targets: y, settings: s, initial: initial)
                return nil
            } catch {
                return error
            }
        }
        var nanFeatures = x
        nanFeatures.values[3] = .nan
        let signs = DenseMatrix(column: y.values.map { $0 > 0 ? 1 : -1 })
        var rng = SeededGenerator(seed: 1)
        let wrongWidth = TwoLayerNetwork(inputWeights: gaussianMatrix(5, 3, &rng), outputWeights: gaussianMatrix(5, 1, &rng), hasBias: true)
        let noBias = TwoLayerNetwork(inputWeights: gaussianMatrix(4, 2, &rng), outputWeights: gaussianMatrix(4, 1, &rng), hasBias: false)

        #expect(failure(x, y.rows(Array(0..<11)), settings).map { if case .dimensionMismatch = $0 { true } else { false } } == true)
        #expect(failure(nanFeatures, y, settings) == .nonFinite("features"))
        #expect(failure(x, signs, hinge) == nil)
        #expect(failure(x, y, hinge).map { if case .invalidTargets = $0 { true } else { false } } == true)
        #expect(failure(x, DenseMatrix(rowCount: 12, columnCount: 2, repeating: 1), hinge).map { if case .invalidTargets = $0 { true } else { false } } == true)
        #expect(failure(x, y, settings, wrongWidth).map { if case .dimensionMismatch = $0 { true } else { false } } == true)
        #expect(failure(x, y, settings, noBias).map { if case .dimensionMismatch = $0 { true } else { false } } == true)
    }
}
