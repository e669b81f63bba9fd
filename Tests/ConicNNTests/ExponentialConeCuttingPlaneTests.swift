import Foundation
import Testing
@testable import ConicNN
import ConicSolver

@Suite("Cutting plane with the logistic and cross-entropy losses (exponential cones in the finite-neuron program)")
struct ExponentialConeCuttingPlaneTests {
    private static func exactOracle(_ objective: TrainingObjective, bias: Bool) -> CuttingPlaneSettings {
        var settings = CuttingPlaneSettings()
        settings.objective = objective
        settings.oracle = .exact
        settings.bias = bias
        settings.tolerance = 1e-7
        settings.neuronsPerRound = 2
        return settings
    }

    @Test("logistic, exact oracle: the same optimum as nn train --loss logistic over every arrangement",
          arguments: [false, true])
    func logisticMatchesExactProgram(bias: Bool) throws {
        let x = gaussianMatrix(14, 2, seed: 8)
        let y = DenseMatrix(column: (0..<14).map { x[$0, 0] * x[$0, 1] + 0.3 * x[$0, 0] > 0 ? 1 : -1 })
        let beta = 0.1
        let cut = try CuttingPlaneTrainer.train(features: x, targets: y, settings: Self.exactOracle(.logistic(beta: beta), bias: bias))
        var convex = ConvexTrainingSettings(beta: beta)
        convex.loss = .logistic
        convex.hasBias = bias
        convex.biasRegularized = false
        if !bias { convex.biasRegularized = true }
        convex.patterns = .exact
        let program = try ConvexTrainer.train(features: x, targets: y, settings: convex)
        #expect(cut.converged)
        #expect(cut.certificate.boundMethod == .exact)
        #expect(cut.certificate.lowerBound <= cut.certificate.objective + 1e-12)
        #expect(cut.certificate.relativeGap <= 1e-5, "cutting-plane gap \(cut.certificate.gap)")
        #expect(program.certificate.relativeGap <= 1e-5, "program gap \(program.certificate.gap)")
        let optimum = program.certificate.objective
        #expect(abs(cut.certificate.objective - optimum) <= 1e-5 * optimum, "cut \(cut.certificate.objective), program \(optimum)")
        #expect(cut.certificate.lowerBound <= optimum + 1e-9)
        #expect(program.certificate.lowerBound <= cut.certificate.objective + 1e-9)
        // The certificate states the returned network's own objective.
        let own = cut.network.objective(features: x, targets: y, beta: beta, loss: .logistic)
        #expect(abs(own - cut.certificate.objective) <= 1e-12 * own)
    }

    @Test("cross-entropy, exact oracle with a free bias: the same optimum as the shared-neuron training")
    func crossEntropyMatchesSharedNeurons() throws {
        let (x, _, y) = labeledClasses(count: 12, classes: 3, seed: 17)
        let beta = 0.1
        let cut = try CuttingPlaneTrainer.train(features: x, targets: y,
                                                settings: Self.exactOracle(.crossEntropy(beta: beta), bias: true))
        var convex = ConvexTrainingSettings(beta: beta)
        convex.loss = .crossEntropy
        convex.hasBias = true
        convex.biasRegularized = false

        let trained = try ConvexTrainer.train(features: x, targets: y, settings: convex)
        #expect(cut.converged)
        #expect(cut.certificate.boundMethod == .exact)
        #expect(cut.certificate.relativeGap <= 1e-5, "cutting-plane gap \(cut.certificate.gap)")
        #expect(trained.certificate.relativeGap <= 1e-4, "training gap \(trained.certificate.gap)")
        let optimum = cut.certificate.objective
        #expect(abs(trained.certificate.objective - optimum) <= 1e-4 * optimum)
        #expect(cut.certificate.lowerBound <= trained.certificate.objective + 1e-9)
        #expect(trained.certificate.lowerBound <= optimum + 1e-9)
        let own = cut.network.objective(features: x, targets: y, beta: beta, loss: .crossEntropy)
        #expect(abs(own - optimum) <= 1e-12 * own)
    }

    @Test("the finite-neuron program's dual point satisfies the dual constraint on its own neurons and stationarity")
    func finiteProgramDual() throws {
        let (x, _, y) = labeledClasses(count: 10, classes: 3, seed: 3)
        let neurons = gaussianMatrix(6, 3, seed: 4)
        var h = x.appendingOnesColumn().multiplied(by: neurons, transposeOther: true)
        for k in h.values.indices where h.values[k] < 0 { h.values[k] = 0 }
        let beta = 0.3
        let solution = try FiniteNeuronProgram.solve(activations: h, targets: y, objective: .crossEntropy(beta: beta),
                                                     outputBias: true, settings: SolverSettings())
        #expect(solution.status == .solved)
        #expect(abs(solution.outputBias.reduce(0, +)) <= 1e-8, "the bias shift is pinned")
        // ‖Vᵀhⱼ‖ ≤ β on every neuron, = β where the neuron carries weight, and 1ᵀV = 0.
        let vh = h.multiplied(by: solution.dual, transposeSelf: true)
        for j in 0..<6 {
            let norm = euclideanNorm(vh.row(j))
            #expect(norm <= beta * (1 + 1e-4))
            if euclideanNorm(solution.weights.row(j)) > 1e-4 { #expect(abs(norm - beta) <= 1e-4 * beta) }
        }
        for k in 0..<3 { #expect(abs((0..<10).reduce(0) { $0 + solution.dual[$1, k] }) <= 1e-5) }
        // The value is the loss plus β Σ‖wⱼ‖ at the returned weights.
        var f = h.multiplied(by: solution.weights)
        for i in 0..<10 { for k in 0..<3 { f[i, k] += solution.outputBias[k] } }
        let value = Loss.crossEntropy.value(predictions: f.values, targets: y.values, columns: 3)
            + beta * (0..<6).reduce(0) { $0 + euclideanNorm(solution.weights.row($1)) }
        #expect(abs(value - solution.objective) <= 1e-6 * value)
    }

    @Test("bad targets for the logistic and cross-entropy objectives are refused")
    func rejectsBadTargets() {
        let x = gaussianMatrix(5, 2, seed: 1)
        var settings = CuttingPlaneSettings()
        settings.objective = .logistic(beta: 0.1)
        #expect(throws: CuttingPlaneError.self) {
            try CuttingPlaneTrainer.train(features: x, targets: DenseMatrix(column: [1, 0, 1, -1, 1]), settings: settings)
        }
        settings.objective = .crossEntropy(beta: 0.1)
        #expect(throws: CuttingPlaneError.self) {
            try CuttingPlaneTrainer.train(features: x, targets: DenseMatrix(column: [1, 1, 1, 1, 1]), settings: settings)
        }
    }
}
