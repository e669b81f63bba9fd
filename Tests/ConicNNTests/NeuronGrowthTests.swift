import Testing
import Foundation
@testable import ConicNN
import ConicSolver

@Suite("Neuron growth: the non-convex warm start of pattern generation")
struct NeuronGrowthTests {
    /// Gaussian features in `d` dimensions, a target from a small teacher network plus noise.
    static func teacher(count: Int, dimension d: Int, seed: UInt64) -> (DenseMatrix, [Double]) {
        var generator = SeededGenerator(seed: seed)
        let x = gaussianMatrix(count, d, &generator)
        let y = (0..<count).map { i in
            max(0, x[i, 0] - x[i, 1]) - 0.5 * max(0, x[i, 2] + 0.3) + 0.1 * generator.nextGaussian()
        }
        return (x, y)
    }

    @Test("L-BFGS reaches the minimum of the Rosenbrock function and of a convex quadratic")
    func lbfgsMinimizes() {
        let rosenbrock = LBFGS(maximumIterations: 2000).minimize(from: [-1.2, 1]) { x, g in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            g[0] = -2 * a - 400 * x[0] * b
            g[1] = 200 * b
            return a * a + 100 * b * b
        }
        #expect(abs(rosenbrock.x[0] - 1) < 1e-6 && abs(rosenbrock.x[1] - 1) < 1e-6, "\(rosenbrock.x)")
        // ½xᵀDx − 1ᵀx with D = diag(1 … 100): minimum at xᵢ = 1/dᵢ.
        let quadratic = LBFGS().minimize(from: [Double](repeating: 0, count: 100)) { x, g in
            var value = 0.0
            for i in x.indices {
                let d = Double(i + 1)
                g[i] = d * x[i] - 1
                value += 0.5 * d * x[i] * x[i] - x[i]
            }
            return value
        }
        let error = quadratic.x.indices.map { abs(quadratic.x[$0] - 1 / Double($0 + 1)) }.max()!
        #expect(error < 1e-6)
    }

    @Test("The model's gradient matches central differences (regularized and free bias)", arguments: [false, true])
    func gradient(freeBias: Bool) {
        let (x, y) = Self.teacher(count: 30, dimension: 3, seed: 2)
        let design = x.appendingOnesColumn()
        let width = 4, d = design.columnCount
        let model = NeuronGrowth.Model(design: design, targets: y, beta: 0.05, penalized: freeBias ? d - 1 : d,
                                       hasOffset: freeBias, width: width)
        var generator = SeededGenerator(seed: 7)
        let point = (0..<(width * d + width + (freeBias ? 1 : 0))).map { _ in generator.nextGaussian() }
        var gradient = [Double](repeating: 0, count: point.count), scratch = gradient
        _ = model.evaluate(point, &gradient)
        for k in point.indices {
            var plus = point, minus = point
            plus[k] += 1e-6; minus[k] -= 1e-6
            let numeric = (model.evaluate(plus, &scratch) - model.evaluate(minus, &scratch)) / 2e-6
            #expect(abs(numeric - gradient[k]) <= 1e-5 * max(1, abs(numeric)), "coordinate \(k): \(numeric) vs \(gradient[k])")
        }
    }

    @Test("The convex program over the grown neurons' patterns is at most the grown network's objective",
          arguments: [false, true])
    func programBelowNetwork(freeBias: Bool) throws {
        let (x, y) = Self.teacher(count: 60, dimension: 4, seed: 5)
        let design = x.appendingOnesColumn()
        let beta = 0.02
        let grown = NeuronGrowth.grow(design: design, targets: y, beta: beta, freeBias: freeBias, tolerance: 1e-5,
                                      settings: NeuronGrowth.Settings(iterationsPerRound: 500, rounds: 6),
                                      seed: 1, deadline: .distantFuture, progress: nil)
        #expect(grown.rounds > 1 && !grown.neurons.isEmpty)
        // Growth descends: far below the zero network's ½‖y − ȳ‖² (free bias) or ½‖y‖².
        let mean = freeBias ? y.reduce(0, +) / Double(y.count) : 0
        let zero = 0.5 * y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(grown.objective < 0.5 * zero, "\(grown.objective) vs \(zero)")

        var patterns = ActivationPatterns(sampleCount: design.rowCount)
        if freeBias {
            patterns.insert(preActivations: [Double](repeating: 1, count: design.rowCount),
                            gate: [Double](repeating: 0, count: design.columnCount - 1) + [1])
        }
        for u in grown.neurons { patterns.insert(preActivations: design.multiplied(by: u), gate: u) }
        let everySample = Array(0..<design.rowCount)
        let program = try ConvexReLUProgram(design: design, targets: y, beta: beta, loss: .squared, patterns: patterns,
                                            signRows: Array(repeating: everySample, count: patterns.count), freeBias: freeBias)
        let solution = try solve(program.problem)
        #expect(solution.status == .solved)
        #expect(solution.primalObjective <= grown.objective + 1e-6 * grown.objective,
                "program \(solution.primalObjective) vs grown network \(grown.objective)")
    }

    @Test("Training with growth reaches at most the objective of training without it, and its bound stays below")
    func trainerUsesGrowth() throws {
        let (x, y) = Self.teacher(count: 80, dimension: 5, seed: 9)
        var settings = ConvexTrainingSettings(beta: 0.02)
        settings.hasBias = true
        settings.patterns = .sampled(count: 10, seed: 3)
        settings.generationRounds = 3
        settings.growthRounds = 4
        var without = settings
        without.growthTimeShare = 0
        let targets = DenseMatrix(column: y)
        let grown = try ConvexTrainer.train(features: x, targets: targets, settings: settings)
        let plain = try ConvexTrainer.train(features: x, targets: targets, settings: without)
        #expect(grown.certificate.objective <= plain.certificate.objective * (1 + 1e-6),
                "with growth \(grown.certificate.objective), without \(plain.certificate.objective)")
        for result in [grown, plain] {
            #expect(result.certificate.lowerBound <= grown.certificate.objective)
            #expect(result.certificate.lowerBound <= plain.certificate.objective)
        }
    }
}
