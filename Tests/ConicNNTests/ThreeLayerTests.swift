import Foundation
import Testing
@testable import ConicNN
import ConicSolver

@Suite("ThreeLayer")
struct ThreeLayerTests {
    /// 1-D data without bias: every sub-network outputs `αxᵢ` on the samples with `xᵢ > 0` and
    /// `γ|xᵢ|` on the others, at weight-decay cost at least `β(|α| + |γ|)` (`|c| + |c'| ≤ ‖w₂‖‖w₁‖`
    /// for the two inner slopes), and a unit attains it. So the optimum of (4) is two scalar lassos:
    /// `min ½Σ(α|xᵢ| − yᵢ)² + β|α|` on each side, `α = S(Σ|xᵢ|yᵢ, β)/Σxᵢ²`.
    static func oneDimensionalOptimum(x: [Double], y: [Double], beta: Double) -> Double {
        var total = 0.0
        for side in [true, false] {
            let rows = x.indices.filter { (x[$0] > 0) == side }
            let sxx = rows.reduce(0) { $0 + x[$1] * x[$1] }, sxy = rows.reduce(0) { $0 + abs(x[$1]) * y[$1] }
            let alpha = sxy.sign == .minus ? -max(0, -sxy - beta) / sxx : max(0, sxy - beta) / sxx
            total += rows.reduce(0) { $0 + 0.5 * (alpha * abs(x[$1]) - y[$1]) * (alpha * abs(x[$1]) - y[$1]) } + beta * abs(alpha)
        }
        return total
    }

    @Test("exhaustive units on 1-D data reach the analytic optimum; the rebuilt network predicts the convex model")
    func oneDimensionalExact() throws {
        let x = [1.5, 0.7, -1.2, -0.4, 2.0], y = [1.0, -0.3, 0.8, 0.5, 1.7], beta = 0.2
        let features = DenseMatrix(column: x)
        let result = try ThreeLayerTrainer.train(features: features, targets: y,
                                                 settings: ThreeLayerSettings(beta: beta, width: 2, units: .exhaustive))
        let optimum = Self.oneDimensionalOptimum(x: x, y: y, beta: beta)
        #expect(result.exact)
        #expect(abs(result.convexObjective - optimum) <= 1e-6 * max(1, optimum))
        #expect(abs(result.networkObjective - result.convexObjective) <= 1e-8 * max(1, optimum))
        #expect(result.predictionDifference <= 1e-8)
        #expect(result.bound.value <= optimum + 1e-9)
        #expect(result.bound.method == .exact)
        #expect(result.network.largestFirstLayerNorm <= 1 + 1e-12)
    }

    @Test("sampled units with a bias: rebuilt network = convex model (predictions 1e-8), ‖W₁‖_F = 1, a valid bound")
    func sampledRebuild() throws {
        var rng = SeededGenerator(seed: 7)
        let features = gaussianMatrix(14, 2, &rng)
        let y = (0..<14).map { k in max(0, features[k, 0] - 0.5 * features[k, 1]) - 0.3 + 0.1 * rng.nextGaussian() }
        let result = try ThreeLayerTrainer.train(features: features, targets: y,
                                                 settings: ThreeLayerSettings(beta: 0.05, width: 3, units: .sampled(count: 25, seed: 1), hasBias: true))
        #expect(!result.exact)
        #expect(result.network.count > 0)
        #expect(result.predictionDifference <= 1e-8)
        #expect(abs(result.networkObjective - result.convexObjective) <= 1e-8 * max(1, result.convexObjective))
        for sub in result.network.subNetworks {
            #expect(abs(euclideanNorm(sub.firstLayer.values) - 1) <= 1e-12)
            #expect(abs(euclideanNorm(sub.secondLayer) - abs(sub.output)) <= 1e-9 * max(1, abs(sub.output)))
        }
        // Zero is feasible in (6), so the bound is at least 0 and, valid, below the objective.
        #expect(result.bound.value >= 0 && result.bound.value <= result.networkObjective)
        // The rebuilt network, read back from its file, predicts the same.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("three-layer-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try result.network.save(to: path)
        let loaded = try ThreeLayerNetwork.load(path: path)
        #expect(zip(loaded.predict(features), result.network.predict(features)).allSatisfy { abs($0 - $1) <= 1e-12 })
    }

    @Test("Gram and residual forms, and sign-constraint generation, reach the same optimum")
    func formulationsAgree() throws {
        var rng = SeededGenerator(seed: 21)
        let features = gaussianMatrix(12, 2, &rng)
        let y = (0..<12).map { k in max(0, features[k, 0]) - max(0, features[k, 1]) + 0.1 * rng.nextGaussian() }
        var settings = ThreeLayerSettings(beta: 0.05, width: 2, units: .sampled(count: 12, seed: 4))
        settings.sparsify = false
        settings.lossFormulation = .gram
        let gram = try ThreeLayerTrainer.train(features: features, targets: y, settings: settings)
        settings.lossFormulation = .residual
        let residual = try ThreeLayerTrainer.train(features: features, targets: y, settings: settings)
        settings.initialSignRows = 3
        let generated = try ThreeLayerTrainer.train(features: features, targets: y, settings: settings)
        #expect(gram.rounds == 1 && generated.constraints <= generated.fullConstraints)
        for other in [residual, generated] {
            #expect(abs(other.convexObjective - gram.convexObjective) <= 1e-7 * max(1, gram.convexObjective))
            #expect(other.predictionDifference <= 1e-8)
        }
        #expect(gram.predictionDifference <= 1e-8)
        // Restricted to the units that carry the solution: the same optimum with fewer sub-networks.
        settings.sparsify = true
        let sparse = try ThreeLayerTrainer.train(features: features, targets: y, settings: settings)
        #expect(sparse.networkObjective <= gram.convexObjective + 2e-7 * max(1, gram.convexObjective))
        #expect(sparse.network.count <= generated.network.count)
        #expect(sparse.predictionDifference <= 1e-8)
    }

    @Test("with exhaustive units on tiny 2-D data no projected Adam run beats the convex optimum")
    func gradientNeverBeatsExhaustive() throws {
        let features = DenseMatrix(rows: [[1.0, 0.2], [-0.4, 1.0], [0.3, -0.9]])
        let y = [0.9, -0.6, 0.4], beta = 0.05
        let convex = try ThreeLayerTrainer.train(features: features, targets: y,
                                                 settings: ThreeLayerSettings(beta: beta, width: 2, units: .exhaustive))
        #expect(convex.predictionDifference <= 1e-8)
        var best = Double.infinity
        for seed in 0..<3 {
            let run = try ThreeLayerGradientTrainer.train(features: features, targets: y, settings: ThreeLayerGradientSettings(
                subNetworks: 4, width: 2, optimizer: .adam, learningRate: 0.03, epochs: 500, batchSize: 3, beta: beta,
                seed: UInt64(seed), recordEvery: 500))
            #expect(run.network.largestFirstLayerNorm <= 1 + 1e-12)
            best = min(best, run.finalObjective)
        }
        #expect(convex.networkObjective <= best + 1e-7)
        #expect(convex.bound.value <= convex.networkObjective)
    }

    @Test("the backpropagated gradient matches finite differences")
    func gradientCheck() throws {
        var rng = SeededGenerator(seed: 3)
        let x = gaussianMatrix(6, 3, &rng)
        let y = (0..<6).map { _ in rng.nextGaussian() }
        let network = ThreeLayerNetwork(subNetworks: (0..<2).map { _ in
            .init(firstLayer: gaussianMatrix(3, 2, &rng, scale: 0.5), secondLayer: [rng.nextGaussian(), rng.nextGaussian()],
                  output: rng.nextGaussian())
        }, hasBias: false)
        let beta = 0.3
        let gradient = ThreeLayerGradientTrainer.gradient(network, design: x, targets: y, beta: beta, lossScale: 1)
        let h = 1e-6
        func value(_ net: ThreeLayerNetwork) -> Double { net.objective(features: x, targets: y, beta: beta) }
        for k in 0..<2 {
            for i in 0..<6 {
                var plus = network, minus = network
                plus.subNetworks[k].firstLayer.values[i] += h
                minus.subNetworks[k].firstLayer.values[i] -= h
                #expect(abs((value(plus) - value(minus)) / (2 * h) - gradient[k].w1[i]) <= 1e-5)
            }
            for j in 0..<2 {
                var plus = network, minus = network
                plus.subNetworks[k].secondLayer[j] += h
                minus.subNetworks[k].secondLayer[j] -= h
                #expect(abs((value(plus) - value(minus)) / (2 * h) - gradient[k].w2[j]) <= 1e-5)
            }
            var plus = network, minus = network
            plus.subNetworks[k].output += h
            minus.subNetworks[k].output -= h
            #expect(abs((value(plus) - value(minus)) / (2 * h) - gradient[k].w3) <= 1e-5)
        }
    }

    @Test("bad settings and inputs get typed errors")
    func errors() throws {
        let features = DenseMatrix(column: [1, 2, 3])
        #expect(throws: ThreeLayerError.self) { try ThreeLayerTrainer.train(features: features, targets: [1, 2, 3], settings: ThreeLayerSettings(beta: 0, width: 2)) }
        #expect(throws: ThreeLayerError.self) { try ThreeLayerTrainer.train(features: features, targets: [1, 2, 3], settings: ThreeLayerSettings(beta: 1, width: 0)) }
        #expect(throws: ThreeLayerError.self) { try ThreeLayerTrainer.train(features: features, targets: [1, 2], settings: ThreeLayerSettings(beta: 1, width: 2)) }
        #expect(throws: ThreeLayerError.self) { try ThreeLayerTrainer.train(features: features, targets: [1, .nan, 2], settings: ThreeLayerSettings(beta: 1, width: 2)) }
        #expect(throws: ThreeLayerError.self) { try ThreeLayerUnits.exhaustive(gaussianMatrix(20, 2, seed: 1), width: 2) }
        #expect(throws: ThreeLayerError.self) { try ThreeLayerUnits.exhaustive(gaussianMatrix(8, 5, seed: 1), width: 2) }
        #expect(throws: ThreeLayerError.self) { try ThreeLayerGradientTrainer.train(features: features, targets: [1, 2, 3], settings: ThreeLayerGradientSettings(batchSize: 0)) }
        let network = ThreeLayerNetwork(subNetworks: [.init(firstLayer: DenseMatrix(rows: [[1]]), secondLayer: [1], output: 1)], hasBias: false)
        #expect(throws: ThreeLayerError.self) { try network.save(to: "/tmp/three-layer.npz") }
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try Data(#"{"architecture": "three-layer-parallel", "bias": false, "subnetworks": [{"W1": [[1, 2]], "w2": [1], "w3": 1}]}"#.utf8)
            .write(to: URL(fileURLWithPath: bad))
        #expect(throws: ThreeLayerError.self) { try ThreeLayerNetwork.load(path: bad) }
    }
}
