import ConicSolver
import Foundation
import Testing
@testable import ConicNN

/// Cutting-plane runs that used to end in "never became feasible": the relaxation oracle with a free
/// bias (at the projected duals, `1ᵀv = 0`, the bias has no cost and an interval of optima, which a
/// conic solve did not settle, so the loop had no candidate), and a β at which no neuron is needed.
@Suite("Cutting plane: free-bias relaxation and no-neuron regressions")
struct CuttingPlaneRelaxationBiasTests {
    @Test("at 1ᵀv = 0 the relaxation returns the maximizer u = σAᵀv/‖Aᵀv‖ with every sample active")
    func zeroSumRelaxation() throws {
        let a = gaussianMatrix(30, 2, seed: 21)
        let y = gaussianMatrix(30, 1, seed: 22)
        let v = DualLowerBound.zeroSumProjection(y, targets: y, loss: .squared)
        let design = DualConstraintOracle.design(a, bias: true)
        let g = a.transposeMultiplied(by: v.values)
        for sign in [1.0, -1.0] {
            let neuron = try #require(try DualConstraintOracle.relaxation(features: a, column: v.values, sign: sign, bias: true,
                                                                         settings: SolverSettings()))
            let value = DualConstraintOracle.outputs(design: design, dual: v, neuron: neuron)[0]
            // The relaxation's optimum ‖Aᵀv‖ is reached by the neuron itself (all samples active).
            #expect(abs(sign * value - euclideanNorm(g)) <= 1e-9 * euclideanNorm(g))
            #expect(abs(euclideanNorm(Array(neuron.prefix(2))) - 1) <= 1e-12)
        }
    }

    @Test("a regularized fit from V = Y (16 × 2 Gaussian, β = 0.1) trains and is certified against the exact oracle")
    func regularizedFromScratch() throws {
        let x = gaussianMatrix(16, 2, seed: 0)
        let y = gaussianMatrix(16, 1, seed: 1)
        var settings = CuttingPlaneSettings()
        settings.objective = .squared(beta: 0.1)
        settings.bias = true
        let relaxed = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        #expect(relaxed.rounds.count >= 2, "the oracle found neurons at V = Y")
        // Better than the best constant, ½‖y − ȳ‖².
        let mean = y.values.reduce(0, +) / 16
        #expect(relaxed.certificate.objective < 0.5 * y.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) })
        settings.oracle = .exact
        let exact = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        #expect(relaxed.certificate.lowerBound <= exact.certificate.objective + 1e-7)
        #expect(exact.certificate.lowerBound <= relaxed.certificate.objective + 1e-7)
    }

    @Test("interpolation of 15 points on a line with a free bias interpolates")
    func interpolationFromScratch() throws {
        let x = DenseMatrix(column: (0..<15).map { -1 + Double($0) / 7 })
        let y = DenseMatrix(column: x.values.map { sin(3 * $0) + 0.2 * cos(11 * $0) })
        var settings = CuttingPlaneSettings()
        settings.objective = .interpolation
        settings.bias = true
        let result = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.maximumResidual <= 1e-6)
        #expect(result.certificate.lowerBound <= result.certificate.objective + 1e-9)
    }

    @Test("a β above C(Y) leaves no neuron to add: the constant network, certified optimal", arguments: [false, true])
    func noNeuronNeeded(bias: Bool) throws {
        let x = gaussianMatrix(12, 2, seed: 4)
        let y = gaussianMatrix(12, 1, seed: 5)
        var settings = CuttingPlaneSettings()
        settings.objective = .squared(beta: 100)
        settings.oracle = .exact
        settings.bias = bias
        let result = try CuttingPlaneTrainer.train(features: x, targets: y, settings: settings)
        let mean = bias ? y.values.reduce(0, +) / 12 : 0
        let constant = 0.5 * y.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(abs(result.certificate.objective - constant) <= 1e-6 * constant)
        #expect(result.certificate.lowerBound <= result.certificate.objective + 1e-9)
        #expect(result.certificate.relativeGap <= 1e-6)
    }
}
