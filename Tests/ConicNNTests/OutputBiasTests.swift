import Foundation
import Testing
@testable import ConicNN
import ConicSolver

/// Points in the plane (rank 3 with the bias column, so every arrangement is enumerated) whose
/// targets sit far from zero: an output bias changes the optimum, and a bound that ignored
/// `1ᵀV = 0` would exceed it. Squared loss: `y = x₀x₁ + 0.3x₀ + 4 + noise`; the margin losses:
/// ±1 labels of which about three quarters are +1.
private func offsetPlane(count: Int, seed: UInt64, loss: Loss) -> (DenseMatrix, DenseMatrix) {
    var generator = SeededGenerator(seed: seed)
    var x = DenseMatrix(rowCount: count, columnCount: 2), y = DenseMatrix(rowCount: count, columnCount: 1)
    for i in 0..<count {
        x[i, 0] = generator.nextGaussian(); x[i, 1] = generator.nextGaussian()
        let score = x[i, 0] * x[i, 1] + 0.3 * x[i, 0] + 0.3 * generator.nextGaussian()
        y[i, 0] = loss == .squared ? score + 4 : (score > -0.6 ? 1 : -1)
    }
    return (x, y)
}

/// A network with `width` Gaussian neurons and output bias `offset`, or when it is `nil` the one
/// that best fits the targets in squared loss given its neurons (the mean residual: the adversary
/// a bound without `1ᵀV = 0` would fail on).
private func randomNetwork(width: Int, inputs: Int, outputs: Int, seed: UInt64, features: DenseMatrix,
                           targets: DenseMatrix, offset: Double?) -> TwoLayerNetwork {
    var generator = SeededGenerator(seed: seed)
    var network = TwoLayerNetwork(inputWeights: gaussianMatrix(width, inputs + 1, &generator),
                                  outputWeights: gaussianMatrix(width, outputs, &generator, scale: 0.5), hasBias: true,
                                  outputBias: [Double](repeating: 0, count: outputs))
    let f = network.predict(features)
    network.outputBias = (0..<outputs).map { k in
        if let offset { return offset }
        return (0..<f.rowCount).reduce(0.0) { $0 + targets[$1, k] - f[$1, k] } / Double(f.rowCount)
    }
    return network
}

private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite("Output bias: a free offset in the program, 1ᵀV = 0 in the certificate")
struct OutputBiasTests {
    @Test("rank 3, every arrangement: the rebuilt network (with its offset) predicts what the convex model does, and the bound meets the optimum",
          arguments: [Loss.squared, .hinge, .logistic])
    func exactGapCloses(loss: Loss) throws {
        let (x, y) = offsetPlane(count: 14, seed: 3, loss: loss)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        settings.loss = loss
        settings.patterns = .exact
        settings.outputBias = true
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        // The exponential-cone programs sometimes end at reduced accuracy (with or without the
        // offset, depending on the data); the checks below hold either way.
        #expect(result.exact && result.solverStatus.isOptimal, "\(result.solverStatus)")
        let network = result.network
        let offset = try #require(network.outputBias)
        #expect(offset.count == 1)
        let predictions = network.predict(x)
        let scale = max(1, predictions.values.map(abs).max() ?? 0)
        #expect(maxDifference(predictions.values, result.convexPredictions.values) <= 1e-8 * scale,
                "network vs convex model: \(maxDifference(predictions.values, result.convexPredictions.values))")
        let certificate = result.certificate
        #expect(certificate.boundMethod == .exact)
        #expect(abs(network.objective(features: x, targets: y, beta: settings.beta, loss: loss) - certificate.objective)
                <= 1e-12 * certificate.objective)
        #expect(abs(certificate.objective - result.convexObjective) <= 1e-6 * certificate.objective,
                "p(θ) \(certificate.objective) vs convex \(result.convexObjective)")
        #expect(certificate.lowerBound <= certificate.objective + 1e-12)
        #expect(certificate.relativeGap <= 1e-4, "gap \(certificate.gap), relative \(certificate.relativeGap)")

        // The offset can only help; on the squared-loss data it matters: without it the optimum
        // is higher, and its bound (no 1ᵀV = 0) lies above the optimum with an offset, so it would
        // be wrong here.
        settings.outputBias = false
        let plain = try ConvexTrainer.train(features: x, targets: y, settings: settings).certificate
        #expect(certificate.objective <= plain.objective * (1 + 1e-6))
        if loss == .squared {
            #expect(certificate.objective < plain.objective - 0.05 * plain.objective)
            #expect(plain.lowerBound > certificate.objective, "the data do not test the projection")
        }

        // The bound holds for networks with an output bias that the program never saw.
        for seed in UInt64(1)...3 {
            let random = randomNetwork(width: 3 + Int(seed), inputs: 2, outputs: 1, seed: seed, features: x, targets: y,
                                       offset: loss == .squared ? nil : 0.4 * Double(seed))
            #expect(certificate.lowerBound <= random.objective(features: x, targets: y, beta: settings.beta, loss: loss))
            var sgd = GradientTrainingSettings(width: 4 * Int(seed), epochs: 300, seed: seed, beta: settings.beta, loss: loss)
            sgd.outputBias = true
            let trained = try GradientTrainer.train(features: x, targets: y, settings: sgd)
            #expect(trained.network.hasOutputBias)
            #expect(certificate.lowerBound <= trained.finalObjective + 1e-12)
        }
    }

    @Test("the offset in the Gram and the residual forms of the squared loss: the same optimum and offset")
    func formulations() throws {
        let (x, y) = offsetPlane(count: 14, seed: 3, loss: .squared)
        let design = x.appendingOnesColumn()
        let patterns = ActivationPatterns.sampled(design, count: 12, seed: 2)
        let rows = Array(repeating: Array(0..<14), count: patterns.count)
        var results = [(objective: Double, offset: Double, predictions: [Double])]()
        for form in [ConvexReLUProgram.Formulation.gram, .residual] {
            let program = try ConvexReLUProgram(design: design, targets: y.column(0), beta: 0.1, loss: .squared,
                                                patterns: patterns, signRows: rows, offset: true, formulation: form)
            #expect(program.formulation == form)
            let solution = try solve(program.problem)
            #expect(solution.status == .solved)
            results.append((solution.primalObjective, program.offset(of: solution.x), program.predictions(solution.x)))
        }
        #expect(abs(results[0].objective - results[1].objective) <= 1e-7 * results[0].objective)
        #expect(abs(results[0].offset - results[1].offset) <= 1e-4 * abs(results[0].offset))
        #expect(maxDifference(results[0].predictions, results[1].predictions) <= 1e-4)
        // The program's value is its loss plus decay at the predictions: ½‖f − y‖² is in it.
        let loss = 0.5 * zip(results[1].predictions, y.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        #expect(loss < results[1].objective && results[1].offset > 2, "offset \(results[1].offset)")
    }

    @Test("a β above every neuron's worth: no neuron is left, the offset is the mean target and the bound is exact")
    func largeBeta() throws {
        let (x, y) = offsetPlane(count: 14, seed: 3, loss: .squared)
        var settings = ConvexTrainingSettings(beta: 50)
        settings.hasBias = true
        settings.patterns = .exact
        settings.outputBias = true
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        let mean = y.values.reduce(0, +) / 14
        let constantFit = 0.5 * y.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(result.network.width == 0, "\(result.network.width) neurons of solver noise kept")
        #expect(abs((result.network.outputBias?[0] ?? 0) - mean) <= 1e-6 * abs(mean))
        #expect(abs(result.certificate.objective - constantFit) <= 1e-9 * constantFit)
        #expect(result.certificate.lowerBound <= result.certificate.objective + 1e-12)
        #expect(result.certificate.relativeGap <= 1e-8)
    }

    @Test("a free hidden bias with an output bias: the constant neuron becomes the output bias, same optimum")
    func freeBiasFoldsIntoOutputBias() throws {
        let (x, y) = offsetPlane(count: 12, seed: 5, loss: .squared)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        settings.biasRegularized = false
        settings.patterns = .exact
        let free = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        settings.outputBias = true
        let both = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(both.network.hasOutputBias)
        // No neuron is left with zero input weights and a bias only: it moved into the offset.
        let width = both.network.inputWeights.columnCount
        #expect((0..<both.network.width).allSatisfy { j in
            euclideanNorm(both.network.inputWeights.row(j).prefix(width - 1)) > 0
        })
        #expect(abs(both.certificate.objective - free.certificate.objective) <= 1e-6 * free.certificate.objective)
        #expect(both.certificate.relativeGap <= 1e-4)
        #expect(maxDifference(both.network.predict(x).values, both.convexPredictions.values) <= 1e-8 * 10)
    }

    @Test("vector outputs (shared neurons): the offset per output is the network's, and the bound stays below every network")
    func vectorOutputs() throws {
        let (x, y1) = offsetPlane(count: 12, seed: 7, loss: .squared)
        var y = DenseMatrix(rowCount: 12, columnCount: 2)
        for i in 0..<12 { y[i, 0] = y1[i, 0]; y[i, 1] = -2 + 0.5 * x[i, 1] }
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        settings.outputBias = true
        settings.patterns = .sampled(count: 20, seed: 1)
        settings.generationRounds = 10
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        let offset = try #require(result.network.outputBias)
        #expect(offset.count == 2)
        #expect(maxDifference(result.network.predict(x).values, result.convexPredictions.values) <= 1e-8 * 10)
        let certificate = result.certificate
        #expect(certificate.lowerBound <= certificate.objective + 1e-12)
        for seed in UInt64(1)...3 {
            let random = randomNetwork(width: 5, inputs: 2, outputs: 2, seed: seed, features: x, targets: y, offset: nil)
            #expect(certificate.lowerBound <= random.objective(features: x, targets: y, beta: settings.beta, loss: .squared))
        }
    }

    @Test("certify a network with an output bias: its own objective, and the bound of training with an offset")
    func certifyGivenNetwork() throws {
        let (x, y) = offsetPlane(count: 14, seed: 3, loss: .squared)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        settings.patterns = .exact
        settings.outputBias = true
        let trained = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        let given = randomNetwork(width: 6, inputs: 2, outputs: 1, seed: 9, features: x, targets: y, offset: nil)
        var other = settings
        other.outputBias = false  // certify takes the biases from the network
        let certified = try ConvexTrainer.certify(given, features: x, targets: y, settings: other)
        #expect(certified.objective == given.objective(features: x, targets: y, beta: 0.1, loss: .squared))
        #expect(abs(certified.lowerBound - trained.certificate.lowerBound) <= 1e-6 * trained.certificate.lowerBound)
        #expect(certified.lowerBound <= certified.bestObjective + 1e-12 && certified.bestObjective <= certified.objective)
        #expect(certified.training.network.hasOutputBias)
    }

    @Test("the gradient of the output bias is the column sums of ∂ℓ/∂F (finite differences)")
    func gradient() {
        let (x, y) = offsetPlane(count: 8, seed: 2, loss: .squared)
        let network = randomNetwork(width: 3, inputs: 2, outputs: 1, seed: 4, features: x, targets: y, offset: 0.7)
        let design = network.designMatrix(x)
        let analytic = GradientTrainer.gradient(of: network, design: design, targets: y, scale: 1, beta: 0.1, loss: .squared).c
        let h = 1e-6
        var plus = network, minus = network
        plus.outputBias = [0.7 + h]
        minus.outputBias = [0.7 - h]
        let numeric = (plus.objective(features: x, targets: y, beta: 0.1, loss: .squared)
            - minus.objective(features: x, targets: y, beta: 0.1, loss: .squared)) / (2 * h)
        #expect(analytic.count == 1)
        #expect(abs(analytic[0] - numeric) <= 1e-5 * max(1, abs(numeric)))
    }

    @Test("network files: b2 round-trips in JSON and npz, files without it load unchanged, a wrong length is refused")
    func files() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("output-bias-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var network = TwoLayerNetwork(inputWeights: gaussianMatrix(3, 3, seed: 1), outputWeights: gaussianMatrix(3, 2, seed: 2),
                                      hasBias: true, outputBias: [1.0 / 3.0, -2.5e-9])
        for name in ["net.json", "net.npz"] {
            try network.save(to: dir + "/" + name)
            #expect(try TwoLayerNetwork.load(path: dir + "/" + name) == network)
        }
        network.outputBias = nil
        try network.save(to: dir + "/plain.json")
        #expect(try !String(contentsOfFile: dir + "/plain.json", encoding: .utf8).contains("b2"))
        #expect(try TwoLayerNetwork.load(path: dir + "/plain.json") == network)
        let scalar = #"{"bias": true, "W1": [[1, 2]], "w2": [3], "b2": 0.5}"#
        try scalar.write(toFile: dir + "/scalar.json", atomically: true, encoding: .utf8)
        #expect(try TwoLayerNetwork.load(path: dir + "/scalar.json").outputBias == [0.5])
        let wrong = #"{"bias": true, "W1": [[1, 2]], "w2": [3], "b2": [0.5, 1]}"#
        try wrong.write(toFile: dir + "/wrong.json", atomically: true, encoding: .utf8)
        #expect(throws: NetworkFileError.self) { try TwoLayerNetwork.load(path: dir + "/wrong.json") }
        let text = #"{"bias": true, "W1": [[1, 2]], "w2": [3], "b2": "x"}"#
        try text.write(toFile: dir + "/text.json", atomically: true, encoding: .utf8)
        #expect(throws: NetworkFileError.self) { try TwoLayerNetwork.load(path: dir + "/text.json") }
    }
}
