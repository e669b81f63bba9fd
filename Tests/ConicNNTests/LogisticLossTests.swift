import Foundation
import Testing
@testable import ConicNN
import ConicSolver

/// Points in the plane with ±1 labels from a noisy rule (not separable by one neuron), from a seed.
private func labeledPlane(count: Int, seed: UInt64) -> (DenseMatrix, DenseMatrix) {
    var generator = SeededGenerator(seed: seed)
    var x = DenseMatrix(rowCount: count, columnCount: 2), y = DenseMatrix(rowCount: count, columnCount: 1)
    for i in 0..<count {
        x[i, 0] = generator.nextGaussian(); x[i, 1] = generator.nextGaussian()
        let score = x[i, 0] * x[i, 1] + 0.3 * x[i, 0] + 0.4 * generator.nextGaussian()
        y[i, 0] = score > 0 ? 1 : -1
    }
    return (x, y)
}

@Suite("Logistic loss: conjugate, exponential-cone program, entropy lower bound")
struct LogisticLossTests {
    @Test("Fenchel–Young: ℓ(f) + ℓ*(z) ≥ ⟨z, f⟩, with equality at z = ∇ℓ(f)", arguments: [Loss.logistic, .squared])
    func fenchelYoung(loss: Loss) {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<20 {
            let n = 5
            let f = (0..<n).map { _ in 3 * generator.nextGaussian() }
            let y = (0..<n).map { _ in generator.next() % 2 == 0 ? 1.0 : -1.0 }
            let value = loss.value(predictions: f, targets: y)
            let gradient = loss.gradient(predictions: f, targets: y)
            let atGradient = value + loss.conjugate(gradient, targets: y) - zip(gradient, f).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(atGradient) <= 1e-12 * max(1, value), "equality at the gradient: \(atGradient)")
            // Any other point of the conjugate's domain: z = −λ∘y with λ ∈ (0, 1) (any z for squared).
            let z = (0..<n).map { k in
                loss == .squared ? generator.nextGaussian() : -Double.random(in: 0.01...0.99, using: &generator) * y[k]
            }
            let slack = value + loss.conjugate(z, targets: y) - zip(z, f).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(slack >= -1e-12, "Fenchel–Young violated: \(slack)")
            #expect(slack > 1e-8, "a random z is not the gradient, so the inequality is strict")
        }
    }

    @Test("the logistic value and derivative are stable at large margins, the conjugate is +∞ off λ ∈ [0, 1]")
    func logisticExtremes() {
        #expect(Loss.logistic.value(predictions: [800], targets: [1]) == Loss.softplus(-800))
        #expect(Loss.logistic.value(predictions: [800], targets: [-1]) == 800 + log1p(exp(-800.0)))
        #expect(abs(Loss.logistic.value(predictions: [0], targets: [1]) - log(2)) <= 1e-15)
        #expect(Loss.logistic.gradient(predictions: [-800], targets: [1]) == [-1])
        #expect(Loss.logistic.conjugate([0.5], targets: [1]) == .infinity)  // λ = −0.5
        #expect(Loss.logistic.conjugate([-1.5], targets: [1]) == .infinity)  // λ = 1.5
        #expect(abs(Loss.logistic.conjugate([-0.5], targets: [1]) + log(2)) <= 1e-15)
    }

    @Test("the ray's best scale maximizes Σ H(tλ) on its interval")
    func rayOptimum() {
        let lambda = [0.2, 0.9, 0.05, 0.6]
        let entropy = { (t: Double) in lambda.reduce(0) { $0 + Loss.binaryEntropy(t * $1) } }
        for upper in [1 / 0.9, 0.3] {
            let t = DualLowerBound.logisticRayOptimum(lambda, upper: upper)
            #expect(t >= 0 && t <= upper)
            for s in stride(from: 0.0, through: upper, by: upper / 200) {
                #expect(entropy(s) <= entropy(t) + 1e-12, "t = \(t) beaten at \(s)")
            }
        }
    }

    @Test("exact arrangements in rank 3: p(θ) of the rebuilt network equals the convex optimum and the entropy bound meets it",
          arguments: [false, true])
    func exactCertificate(freeBias: Bool) throws {
        let (x, y) = labeledPlane(count: 12, seed: 11)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        settings.biasRegularized = !freeBias
        settings.loss = .logistic
        settings.patterns = .exact
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.exact)
        #expect(result.solverStatus == .solved)
        let certificate = result.certificate
        let objective = result.network.objective(features: x, targets: y, beta: settings.beta, loss: .logistic)
        #expect(abs(objective - certificate.objective) <= 1e-12 * objective)
        #expect(abs(certificate.objective - result.convexObjective) <= 1e-6 * certificate.objective,
                "p(θ) \(certificate.objective) vs convex \(result.convexObjective)")
        #expect(certificate.boundMethod == .exact)
        #expect(certificate.lowerBound <= certificate.objective + 1e-12)
        #expect(certificate.relativeGap <= 1e-4, "gap \(certificate.gap)")
        // Below the zero network's n log 2 (or the best constant's, with a free bias): a trained network.
        #expect(certificate.objective < 12 * log(2.0) - 0.5)

        // The bound also holds for networks the convex program never saw.
        for seed in UInt64(1)...3 {
            var sgd = GradientTrainingSettings(width: 4 * Int(seed), epochs: 200, seed: seed, beta: settings.beta,
                                               loss: .logistic, hasBias: true, biasRegularized: !freeBias)
            sgd.batchSize = 16
            let trained = try GradientTrainer.train(features: x, targets: y, settings: sgd)
            #expect(certificate.lowerBound <= trained.finalObjective + 1e-12)
            var generator = SeededGenerator(seed: seed + 100)
            let random = TwoLayerNetwork(
                inputWeights: DenseMatrix(rowCount: 5, columnCount: 3, values: (0..<15).map { _ in generator.nextGaussian() }),
                outputWeights: DenseMatrix(rowCount: 5, columnCount: 1, values: (0..<5).map { _ in generator.nextGaussian() }),
                hasBias: true, biasRegularized: !freeBias)
            #expect(certificate.lowerBound <= random.objective(features: x, targets: y, beta: settings.beta, loss: .logistic))
        }
    }

    @Test("the derivative's dual point λ = σ(−y∘f) matches the exponential cones' multipliers")
    func multipliersMatchCones() throws {
        let (x, y) = labeledPlane(count: 12, seed: 5)
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.loss = .logistic
        settings.patterns = .exact
        let design = x.appendingOnesColumn()
        let patterns = try ConvexTrainer.makePatterns(design: design, settings: settings)
        let samples = ConvexReLUProgram.constrainingSamples(design)
        let (program, solution, _, _) = try ConvexTrainer.solveWithSignConstraintGeneration(
            design: design, targets: y.values, patterns: patterns,
            initialRows: Array(repeating: samples, count: patterns.count), samples: samples, settings: settings, progress: nil)
        #expect(solution.status == .solved)
        let lambda = ConvexReLUProgram.logisticMultipliers(program.predictions(solution.x), targets: y.values)
        for k in 0..<y.rowCount {
            let cone = program.logisticConeRow(sample: k)
            #expect(abs(-solution.z[cone + 3] - lambda[k]) <= 1e-5, "sample \(k)")
            #expect(abs(-solution.z[cone] - (1 - lambda[k])) <= 1e-5, "sample \(k)")
        }
        #expect(lambda.contains { $0 > 0.2 } && lambda.contains { $0 < 0.8 }, "the check must not be vacuous")
    }

    @Test("the logistic loss rejects targets other than one ±1 column")
    func rejectsBadTargets() {
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.loss = .logistic
        let x = DenseMatrix(column: [0, 1, 2])
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: x, targets: DenseMatrix(column: [1, 0, -1]), settings: settings)
        }
    }
}
