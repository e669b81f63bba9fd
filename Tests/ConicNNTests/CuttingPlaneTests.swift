import ConicSolver
import Foundation
import Testing
@testable import ConicNN


/// Noisy samples of a smooth curve on [−2, 2] (1-D regression with a bias).
private func curve(count: Int, seed: UInt64) -> (DenseMatrix, DenseMatrix) {
    var rng = SeededGenerator(seed: seed)
    let x = (0..<count).map { _ in 4 * Double(rng.next() % 10_000) / 10_000 - 2 }
    return (DenseMatrix(column: x), DenseMatrix(column: x.map { $0 * $0 - 1 + 0.3 * rng.nextGaussian() }))
}

@Suite("Cutting-plane training")
struct CuttingPlaneTests {
    @Test("Whitened data with n ≤ d: the relaxation reaches the two-neuron closed form of Lemma 3.1, certified")
    func whitenedInterpolation() throws {
        let raw = gaussianMatrix(6, 10, seed: 3)
        let a = try Whitening.fit(raw).apply(raw)
        let y = DenseMatrix(column: [1.5, -0.7, 0.2, -2, 0.9, -0.4])
        var settings = CuttingPlaneSettings()
        settings.objective = .interpolation
        let result = try CuttingPlaneTrainer.train(features: a, targets: y, settings: settings)
        // Lemma 3.1 with AAᵀ = I: A† = Aᵀ, so the optimum is ‖(y)₊‖ + ‖(−y)₊‖.
        let closedForm = euclideanNorm(y.values.map { max($0, 0) }) + euclideanNorm(y.values.map { max(-$0, 0) })
        #expect(result.converged)
        #expect(abs(result.certificate.objective - closedForm) <= 1e-6 * closedForm)
        #expect(result.maximumResidual <= 1e-6)
        #expect(result.certificate.lowerBound <= result.certificate.objective + 1e-9)
        #expect(result.certificate.relativeGap <= 1e-5, "gap \(result.certificate.gap)")
        // The two closed-form neurons carry almost all the weight (the rest are near-parallel cuts).
        let weights = result.network.outputWeights.values.map(abs).sorted(by: >)
        #expect(weights.dropFirst(2).reduce(0, +) <= 0.1 * weights.prefix(2).reduce(0, +))
    }

    /// Exact-oracle settings for `loss` at `beta`, with the loop tolerance well below the 1e-5
    /// the tests assert on the gap.
    static func exactOracleSettings(loss: Loss, beta: Double) -> CuttingPlaneSettings {
        var settings = CuttingPlaneSettings()
        settings.tolerance = 1e-6
        settings.objective = loss == .hinge ? .hinge(beta: beta) : .squared(beta: beta)
        settings.oracle = .exact
        return settings
    }

    @Test("No bias, rank-2 data: the exact oracle reaches the optimum of the exact convex program",
          arguments: [Loss.squared, .hinge])
    func exactOracleMatchesEnumeration(loss: Loss) throws {
        let x = gaussianMatrix(15, 2, seed: 5)
        var y = DenseMatrix(column: (0..<15).map { sin(2 * x[$0, 0]) + x[$0, 1] })
        if loss == .hinge { y.values = y.values.map { $0 > 0 ? 1 : -1 } }
        let beta = 0.05
        var settings = Self.exactOracleSettings(loss: loss, beta: beta)
        settings.neuronsPerRound = 2
        let result = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)

        var convex = ConvexTrainingSettings(beta: beta)
        convex.loss = loss
        convex.patterns = .exact
        let reference = try ConvexTrainer.train(features: x, targets: y, settings: convex)
        #expect(result.converged)
        #expect(result.certificate.boundMethod == .exact)
        #expect(result.certificate.relativeGap <= 1e-5, "gap \(result.certificate.gap)")
        #expect(abs(result.certificate.objective - reference.certificate.objective) <= 1e-5 * reference.certificate.objective)
        // The network's own objective is what the certificate states.
        let own = result.network.objective(features: x, targets: y, beta: beta, loss: loss)
        #expect(abs(own - result.certificate.objective) <= 1e-12 * own)
    }

    @Test("Free bias, 2-D data: the exact oracle and the exact convex program (free-bias cones) agree",
          arguments: [Loss.squared, .hinge])
    func freeBiasThreeWays(loss: Loss) throws {
        let x = gaussianMatrix(14, 2, seed: 8)
        var y = DenseMatrix(column: (0..<14).map { x[$0, 0] * x[$0, 1] + 0.5 * x[$0, 0] })
        if loss == .hinge { y.values = y.values.map { $0 > 0 ? 1 : -1 } }
        let beta = 0.05
        var settings = Self.exactOracleSettings(loss: loss, beta: beta)
        settings.bias = true
        let cut = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        var convex = ConvexTrainingSettings(beta: beta)
        convex.loss = loss
        convex.hasBias = true
        convex.biasRegularized = false
        convex.patterns = .exact
        let program = try ConvexTrainer.train(features: x, targets: y, settings: convex)
        #expect(!program.network.biasRegularized)
        #expect(program.certificate.boundMethod == .exact)
        #expect(program.certificate.relativeGap <= 1e-5, "convex program gap \(program.certificate.gap)")
        #expect(cut.certificate.relativeGap <= 1e-5, "cutting-plane gap \(cut.certificate.gap)")
        #expect(abs(cut.certificate.objective - program.certificate.objective) <= 1e-5 * program.certificate.objective)
        // Each method's lower bound is below the other's objective.
        #expect(cut.certificate.lowerBound <= program.certificate.objective + 1e-9)
        #expect(program.certificate.lowerBound <= cut.certificate.objective + 1e-9)
    }

    @Test("1-D with a free bias: the exact oracle certifies the optimum, and every kink sits at a sample")
    func oneDimensionalWithBias() throws {
        let (x, y) = curve(count: 25, seed: 2)
        var settings = CuttingPlaneSettings()
        settings.tolerance = 1e-6  // well below the 1e-5 asserted on the gap
        settings.objective = .squared(beta: 1e-2)
        settings.oracle = .exact
        settings.bias = true
        let result = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.converged)
        #expect(result.certificate.relativeGap <= 1e-5, "gap \(result.certificate.gap)")
        let net = result.network
        #expect(!net.biasRegularized && net.hasBias)
        for j in 0..<net.width where net.inputWeights[j, 0] != 0 {
            let kink = -net.inputWeights[j, 1] / net.inputWeights[j, 0]
            #expect(x.values.contains { abs($0 - kink) <= 1e-7 }, "kink \(kink) is not a sample")
        }
        // Gradient descent with the same free-bias objective never beats the certified bound.
        for seed in UInt64(1)...3 {
            let gd = try GradientTrainer.train(features: x, targets: y, settings: GradientTrainingSettings(
                width: 20, optimizer: .adam, learningRate: 1e-2, epochs: 300, seed: seed, beta: 1e-2,
                hasBias: true, biasRegularized: false))
            #expect(gd.finalObjective >= result.certificate.lowerBound - 1e-9)
        }
    }

    @Test("The relaxation and ascent oracles on non-spike-free data give valid lower bounds, below the exact optimum",
          arguments: [NeuronOracle.relaxation, .ascent])
    func heuristicBoundsAreValid(oracle: NeuronOracle) throws {
        let (x, y) = curve(count: 20, seed: 4)
        var settings = CuttingPlaneSettings()
        settings.objective = .squared(beta: 1e-2)
        settings.bias = true
        settings.oracle = oracle
        let heuristic = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        settings.oracle = .exact
        let exact = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        #expect(heuristic.certificate.lowerBound <= exact.certificate.objective + 1e-7)
        #expect(heuristic.certificate.objective >= exact.certificate.lowerBound - 1e-7)
        #expect(heuristic.certificate.lowerBound > 0)
        let own = heuristic.network.objective(features: x, targets: y, beta: 1e-2, loss: .squared)
        #expect(abs(own - heuristic.certificate.objective) <= 1e-12 * own)
    }

    @Test("Interpolation starting from too few neurons follows the dual's rays until the data are interpolated")
    func interpolationFromScratch() throws {
        let (x, y) = curve(count: 8, seed: 6)
        var settings = CuttingPlaneSettings()
        settings.tolerance = 1e-6  // well below the 1e-5 asserted on the gap
        settings.objective = .interpolation
        settings.oracle = .exact
        settings.bias = true
        let result = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.converged)
        #expect(result.maximumResidual <= 1e-6)
        #expect(result.certificate.relativeGap <= 1e-5)
    }

    @Test("Free bias without the exact bound: the semidefinite and norm bounds stay above the exact maximum",
          arguments: [UInt64(1), 2])
    func freeBiasBoundsAreValid(seed: UInt64) throws {
        let x = gaussianMatrix(12, 3, seed: seed)
        var rng = SeededGenerator(seed: seed + 10)
        var v = gaussianMatrix(12, 1, &rng)
        let mean = v.values.reduce(0, +) / 12
        v.values = v.values.map { $0 - mean }  // 1ᵀv = 0, as every free-bias dual point
        let reductions = try #require(DualConstraintOracle.exactReductions(features: x, bias: true))
        let exact = DualConstraintOracle.certifiedBound(features: x, dual: v, bias: true, reductions: reductions,
                                                        maximumRelaxationSamples: 400)
        let relaxed = DualConstraintOracle.certifiedBound(features: x, dual: v, bias: true, reductions: nil,
                                                          maximumRelaxationSamples: 400)
        let normOnly = DualConstraintOracle.certifiedBound(features: x, dual: v, bias: true, reductions: nil,
                                                           maximumRelaxationSamples: 0)
        #expect(exact.method == .exact && normOnly.method == .norm)
        #expect(relaxed.value >= exact.value * (1 - 1e-7), "\(relaxed.method) bound \(relaxed.value) below the maximum \(exact.value)")
        #expect(normOnly.value >= exact.value * (1 - 1e-9))
        #expect(relaxed.value <= normOnly.value)
        #expect(relaxed.method == .semidefinite, "the relaxation should beat the norm bound here")
    }

    @Test("Bad input: contradictory duplicates, labels not ±1, the exact oracle on rank-4 data")
    func badInput() {
        let x = DenseMatrix(rows: [[0, 1], [1, 0], [0, 1]])
        var settings = CuttingPlaneSettings()
        settings.objective = .interpolation
        #expect(throws: CuttingPlaneError.contradictoryDuplicates(first: 0, second: 2)) {
            try CuttingPlaneTrainer.train(features: x, targets: DenseMatrix(column: [1, 2, 3]), settings: settings)
        }
        settings.objective = .hinge(beta: 0.1)
        #expect(throws: CuttingPlaneError.self) {
            try CuttingPlaneTrainer.train(features: x, targets: DenseMatrix(column: [1, 0, -1]), settings: settings)
        }
        settings.objective = .squared(beta: 0.1)
        settings.oracle = .exact
        #expect(throws: CuttingPlaneError.exactOracleNeedsLowRank(rank: 4)) {
            try CuttingPlaneTrainer.train(features: gaussianMatrix(10, 4, seed: 1), targets: DenseMatrix(column: Array(repeating: 1, count: 10)),
                                          settings: settings)
        }
    }
}

@Suite("Spike-free check")
struct SpikeFreeTests {
    @Test("Whitened data with n ≤ d and rank-one data with c ≥ 0 are certified (Lemmas 2.4, 2.5)")
    func certifiedCases() throws {
        let raw = gaussianMatrix(5, 8, seed: 11)
        let whitened = SpikeFreeCheck.check(features: try Whitening.fit(raw).apply(raw))
        #expect(whitened.verdict == .certified)
        #expect(whitened.largestPseudoinverseNorm <= 1 + 1e-9)
        let c = [0.5, 2, 1, 3], a = [1.0, -2, 0.5]
        let rankOne = DenseMatrix(rowCount: 4, columnCount: 3, values: c.flatMap { ci in a.map { ci * $0 } })
        #expect(SpikeFreeCheck.check(features: rankOne).verdict == .certified)
    }

    @Test("Two samples at an obtuse angle and Gaussian data with n > d are not spike-free, with a witness")
    func violatedCases() {
        let angle = 2.5
        let spiky = DenseMatrix(rows: [[1, 0], [cos(angle), sin(angle)]])
        let report = SpikeFreeCheck.check(features: spiky)
        #expect(report.verdict == .violated)
        #expect(report.largestPseudoinverseNorm > 1)
        // The witness really violates: ‖A⁻¹(Au)₊‖ > 1 for the 2 × 2 invertible A.
        let u = report.witness ?? [0, 0]
        let h = spiky.multiplied(by: u).map { max($0, 0) }
        let det = spiky[0, 0] * spiky[1, 1] - spiky[0, 1] * spiky[1, 0]
        let z = [(spiky[1, 1] * h[0] - spiky[0, 1] * h[1]) / det, (-spiky[1, 0] * h[0] + spiky[0, 0] * h[1]) / det]
        #expect(euclideanNorm(z) > 1 + 1e-9)
        let tall = SpikeFreeCheck.check(features: gaussianMatrix(20, 3, seed: 2))
        #expect(tall.verdict == .violated && tall.largestRangeResidual > 1e-3)
    }
}
