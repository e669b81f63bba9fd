import Testing
import Foundation
@testable import ConicNN
import ConicSolver
import ConicTestSupport

/// Points in the plane with a target from a fixed rule (±1 labels for the hinge loss).
private func planeData(count: Int, seed: UInt64, labels: Bool) -> (DenseMatrix, DenseMatrix) {
    var generator = SeededGenerator(seed: seed)
    var x = DenseMatrix(rowCount: count, columnCount: 2), y = DenseMatrix(rowCount: count, columnCount: 1)
    for i in 0..<count {
        x[i, 0] = generator.nextGaussian(); x[i, 1] = generator.nextGaussian()
        let value = x[i, 0] * x[i, 1] + 0.3 * x[i, 0]
        y[i, 0] = labels ? (value > 0 ? 1 : -1) : value + 0.1 * generator.nextGaussian()
    }
    return (x, y)
}

/// Gaussian features in `d` dimensions and a target from a small teacher network plus noise.
private func teacherData(count: Int, dimension d: Int, seed: UInt64) -> (DenseMatrix, DenseMatrix) {
    var generator = SeededGenerator(seed: seed)
    let x = gaussianMatrix(count, d, &generator)
    var y = DenseMatrix(rowCount: count, columnCount: 1)
    for i in 0..<count {
        y[i, 0] = max(0, x[i, 0] - x[i, 1]) - 0.5 * max(0, x[i, 2] + 0.3) + 0.05 * generator.nextGaussian()
    }
    return (x, y)
}

private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite("Pattern generation from the dual")
struct PatternGenerationTests {
    /// (loss, free bias): every combination the program supports on rank-3 data.
    static let cases: [(Loss, Bool)] = [(.squared, false), (.hinge, false), (.squared, true), (.hinge, true)]

    @Test("From 3 sampled patterns, generation reaches the optimum of the exact enumeration (rank 3)",
          arguments: 0..<4)
    func reachesExactOptimum(caseIndex: Int) throws {
        let (loss, freeBias) = Self.cases[caseIndex]
        let (x, y) = planeData(count: 20, seed: 3, labels: loss == .hinge)
        var exact = ConvexTrainingSettings(beta: 0.05)
        exact.hasBias = true
        exact.biasRegularized = !freeBias
        exact.loss = loss
        exact.patterns = .exact
        let reference = try ConvexTrainer.train(features: x, targets: y, settings: exact)
        #expect(reference.exact)

        var generated = exact
        generated.patterns = .sampled(count: 3, seed: 1)
        let result = try ConvexTrainer.train(features: x, targets: y, settings: generated)
        #expect(!result.exact)
        #expect(result.rounds.count > 1, "generation ran")
        #expect(result.stop == .noViolation || result.stop == .noNewPattern)
        let optimum = reference.convexObjective
        #expect(abs(result.convexObjective - optimum) <= 1e-5 * abs(optimum),
                "generated \(result.convexObjective) vs exact \(optimum) (\(loss), free bias \(freeBias))")
        #expect(abs(result.certificate.objective - reference.certificate.objective) <= 1e-5 * abs(optimum))
        // The exact bound on C(V) makes the certificate close too; it never passes the optimum.
        #expect(result.certificate.boundMethod == .exact)
        #expect(result.certificate.lowerBound <= optimum * (1 + 1e-9))
        #expect(result.certificate.relativeGap <= 1e-4, "gap \(result.certificate.relativeGap)")
        // The rebuilt network realizes the convex model.
        #expect(maxDifference(result.network.predict(x).values, result.convexPredictions.values) <= 1e-5)
    }

    @Test("Rounds that solve once (sign rows left for the next round) reach the same exact optimum (rank 3)")
    func singleSolveRoundsReachExactOptimum() throws {
        let (x, y) = planeData(count: 20, seed: 3, labels: false)
        var exact = ConvexTrainingSettings(beta: 0.05)
        exact.hasBias = true
        exact.patterns = .exact
        let reference = try ConvexTrainer.train(features: x, targets: y, settings: exact)
        var generated = exact
        generated.patterns = .sampled(count: 3, seed: 1)
        generated.singleSolveViolation = 0  // every round solves once
        generated.idleRoundsBeforeDrop = 1
        let result = try ConvexTrainer.train(features: x, targets: y, settings: generated)
        #expect(result.rounds.count > 1)
        let optimum = reference.convexObjective
        #expect(abs(result.certificate.objective - reference.certificate.objective) <= 1e-5 * abs(optimum),
                "generated \(result.certificate.objective) vs exact \(reference.certificate.objective)")
        #expect(result.certificate.lowerBound <= optimum * (1 + 1e-9))
        // The last program is finished: the network realizes it.
        #expect(maxDifference(result.network.predict(x).values, result.convexPredictions.values) <= 1e-5)
    }

    @Test("Generation lowers the objective of a poor sample and keeps the certificate valid (d = 5)",
          .tags(.slow), .enabled(if: SlowTests.enabled, SlowTests.skipReason))
    func improvesHighRank() throws {
        let (x, y) = teacherData(count: 40, dimension: 5, seed: 5)
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.hasBias = true
        settings.patterns = .sampled(count: 4, seed: 2)
        settings.generationRounds = 0
        let once = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        settings.generationRounds = 30
        let generated = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(generated.certificate.objective < once.certificate.objective * (1 - 1e-3))
        #expect(generated.certificate.lowerBound <= generated.certificate.objective)
        #expect(generated.rounds.map(\.objective) == generated.rounds.map(\.objective).sorted(by: >)
                || zip(generated.rounds.dropFirst(), generated.rounds).allSatisfy { $0.objective <= $1.objective * (1 + 1e-6) })
        #expect(maxDifference(generated.network.predict(x).values, generated.convexPredictions.values) <= 1e-5)
        // The dual point after generation is far closer to feasible: the largest violation found shrank.
        #expect((generated.rounds.last?.violation ?? .infinity) < (generated.rounds.first?.violation ?? 0))
    }

    @Test("The lower bound stays below every network found: SGD, random and the trained one (d = 5)",
          .tags(.slow), .enabled(if: SlowTests.enabled, SlowTests.skipReason))
    func lowerBoundBelowEveryNetwork() throws {
        let (x, y) = teacherData(count: 30, dimension: 5, seed: 9)
        let beta = 0.02
        var settings = ConvexTrainingSettings(beta: beta)
        settings.hasBias = true
        settings.patterns = .sampled(count: 10, seed: 3)
        let trained = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        var objectives = [trained.certificate.objective]
        var lowerBounds = [trained.certificate.lowerBound]
        for seed: UInt64 in 1...3 {
            let sgd = try GradientTrainer.train(
                features: x, targets: y,
                settings: GradientTrainingSettings(width: 20, optimizer: .adam, learningRate: 1e-2, epochs: 200, seed: seed,
                                                   beta: beta, hasBias: true))
            objectives.append(sgd.finalObjective)
            let certified = try ConvexTrainer.certify(sgd.network, features: x, targets: y, settings: settings)
            lowerBounds.append(certified.lowerBound)
            objectives.append(certified.bestObjective)
            #expect(certified.lowerBound <= certified.objective)
        }
        // Adversarial: random networks, and the trained network's neurons scaled (not balanced).
        var generator = SeededGenerator(seed: 77)
        for width in [1, 5, 40] {
            let network = TwoLayerNetwork(inputWeights: gaussianMatrix(width, 6, &generator, scale: 0.5),
                                          outputWeights: gaussianMatrix(width, 1, &generator, scale: 0.5), hasBias: true)
            objectives.append(network.objective(features: x, targets: y, beta: beta, loss: .squared))
        }
        var scaled = trained.network
        for k in scaled.inputWeights.values.indices { scaled.inputWeights.values[k] *= 1.1 }
        for k in scaled.outputWeights.values.indices { scaled.outputWeights.values[k] /= 1.1 }
        objectives.append(scaled.objective(features: x, targets: y, beta: beta, loss: .squared))
        let lowest = objectives.min()!
        for bound in lowerBounds { #expect(bound <= lowest * (1 + 1e-9), "bound \(bound) above objective \(lowest)") }
    }

    @Test("Refitting output weights over a network's own directions never does worse than the network",
          arguments: [Loss.squared, .hinge])
    func refitNeverWorse(loss: Loss) throws {
        let (x, y) = teacherData(count: 30, dimension: 4, seed: 5)
        let targets = loss == .hinge ? DenseMatrix(column: y.values.map { $0 > 0 ? 1 : -1 }) : y
        let beta = 0.05
        var settings = ConvexTrainingSettings(beta: beta)
        settings.hasBias = true
        settings.loss = loss
        let design = x.appendingOnesColumn()
        var generator = SeededGenerator(seed: 21)
        let network = try GradientTrainer.train(
            features: x, targets: targets,
            settings: GradientTrainingSettings(width: 12, optimizer: .adam, learningRate: 1e-2, epochs: 100, seed: 4,
                                               beta: beta, loss: loss, hasBias: true)).network
        // The network's directions plus random ones: the lasso over them contains the network itself.
        let directions = (0..<network.width).map { network.inputWeights.row($0) }
            + (0..<5).map { _ in (0..<5).map { _ in generator.nextGaussian() } }
        let refit = try #require(try ConvexTrainer.refitOutputWeights(directions: directions, design: design, targets: targets,
                                                                      settings: settings, deadline: .distantFuture))
        let before = network.objective(features: x, targets: targets, beta: beta, loss: loss)
        let after = refit.objective(features: x, targets: targets, beta: beta, loss: loss)
        #expect(after <= before * (1 + 1e-7), "refit \(after) vs network \(before)")
        #expect(refit.inputWeights.rowCount <= directions.count + 1)
    }

    @Test("Vector outputs: neurons shared by all outputs; predictions equal the convex model's")
    func sharedNeurons() throws {
        let (x, _) = planeData(count: 25, seed: 4, labels: false)
        var y = DenseMatrix(rowCount: 25, columnCount: 2)
        for i in 0..<25 { y[i, 0] = max(0, x[i, 0] - 0.2); y[i, 1] = max(0, x[i, 0] - 0.2) + 0.5 * max(0, x[i, 1]) }
        var settings = ConvexTrainingSettings(beta: 0.02)
        settings.hasBias = true
        settings.patterns = .sampled(count: 5, seed: 1)
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.network.outputCount == 2)
        // Shared: some neuron feeds both outputs (the teacher's first neuron feeds both).
        let shared = (0..<result.network.width).contains { j in
            result.network.outputWeights.row(j).allSatisfy { abs($0) > 1e-6 }
        }
        #expect(shared)
        #expect(abs(result.certificate.objective - result.convexObjective) <= 1e-6 * result.convexObjective)
        #expect(maxDifference(result.network.predict(x).values, result.convexPredictions.values) <= 1e-6)
        #expect(result.certificate.lowerBound > 0)
        #expect(result.certificate.lowerBound <= result.certificate.objective)
        #expect(result.certificate.boundMethod == .exact)
        // Rank 3 with the exact C: generation narrows the certified gap of the shared problem (new
        // neurons have fixed directions, so it closes more slowly than with patterns).
        var once = settings
        once.generationRounds = 0
        let initial = try ConvexTrainer.train(features: x, targets: y, settings: once)
        #expect(result.certificate.relativeGap < 0.5 * initial.certificate.relativeGap)
        #expect(result.certificate.relativeGap <= 5e-2, "gap \(result.certificate.relativeGap)")
    }

    @Test("The multi-start ascent finds the exact maximum of |vᵀ(X̃u)₊| on rank-3 data")
    func ascentFindsMaximum() throws {
        let (x, _) = planeData(count: 15, seed: 6, labels: false)
        let design = x.appendingOnesColumn()
        var generator = SeededGenerator(seed: 12)
        let v = DenseMatrix(column: (0..<15).map { _ in generator.nextGaussian() })
        let exact = DualConstraintBound.exact(try RowSpaceReduction(design), dual: v)
        let starts = ConvexTrainer.ascentStarts(design: design, neurons: [], random: 50, seed: 1)
        let found = DualConstraintOracle.multiStartAscent(design: design, dual: v, freeBias: false, starts: starts, count: 5)
        let best = try #require(found.first)
        #expect(best.value <= exact * (1 + 1e-12))
        #expect(best.value >= exact * (1 - 1e-9), "ascent \(best.value) vs exact \(exact)")
        #expect(abs(euclideanNorm(best.weights) - 1) <= 1e-12)
    }
}

@Suite("Pattern generation: hostile input")
struct PatternGenerationHostileTests {
    @Test("An added network of the wrong width, or with a bias when the training has none, is a clear error")
    func wrongWidth() throws {
        let (x, y) = teacherData(count: 12, dimension: 3, seed: 1)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        let narrow = TwoLayerNetwork(inputWeights: DenseMatrix(rows: [[1, 2, 3]]), outputWeights: DenseMatrix(rows: [[1]]),
                                     hasBias: true)
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: x, targets: y, settings: settings, including: [narrow])
        }
        let noBias = TwoLayerNetwork(inputWeights: DenseMatrix(rows: [[1, 2, 3, 4]]), outputWeights: DenseMatrix(rows: [[1]]),
                                     hasBias: false)
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: x, targets: y, settings: settings, including: [noBias])
        }
        let given = TwoLayerNetwork(inputWeights: DenseMatrix(rows: [[1, 0, 0, 0.5]]), outputWeights: DenseMatrix(rows: [[1]]),
                                    hasBias: true)
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.certify(given, features: x, targets: y, settings: settings, including: [narrow])
        }
    }

    @Test("A pattern count whose program cannot fit is refused before anything is allocated")
    func hugePatternCount() {
        let (x, y) = teacherData(count: 50, dimension: 4, seed: 2)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.patterns = .sampled(count: 1_000_000_000, seed: 0)
        #expect(throws: ConvexTrainingError.self) { try ConvexTrainer.train(features: x, targets: y, settings: settings) }
        do {
            _ = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        } catch let error as ConvexTrainingError {
            #expect("\(error)".contains("GB"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("Automatic patterns never enumerate an arrangement above the budget")
    func automaticBudget() throws {
        let (x, y) = planeData(count: 60, seed: 2, labels: false)
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.hasBias = true
        settings.patterns = .automatic(count: 20, seed: 0)
        settings.exactEnumerationLimit = 500  // 60 points in the plane have 2·(1 + 59 + 1711) chambers
        settings.generationRounds = 0
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(!result.exact)
        #expect(result.patternCount <= 21)
    }

    @Test("Huge β: the zero network, and a certified gap of zero")
    func hugeBeta() throws {
        let (x, y) = teacherData(count: 15, dimension: 3, seed: 4)
        var settings = ConvexTrainingSettings(beta: 1e9)
        settings.hasBias = true
        settings.patterns = .sampled(count: 10, seed: 0)
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        let zeroLoss = 0.5 * y.values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(result.certificate.objective - zeroLoss) <= 1e-6 * zeroLoss)
        #expect(result.certificate.lowerBound <= result.certificate.objective)
        #expect(result.certificate.relativeGap <= 1e-6)
    }

    @Test("Duplicate rows and a constant column: a valid certificate, the same optimum as without duplicates")
    func duplicatesAndConstantColumn() throws {
        let (base, target) = planeData(count: 12, seed: 8, labels: false)
        var x = DenseMatrix(rowCount: 24, columnCount: 3), y = DenseMatrix(rowCount: 24, columnCount: 1)
        for i in 0..<24 {
            x[i, 0] = base[i % 12, 0]; x[i, 1] = base[i % 12, 1]; x[i, 2] = 1  // constant column
            y[i, 0] = target[i % 12, 0]
        }
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.patterns = .sampled(count: 4, seed: 1)  // no bias: the constant column is one
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.certificate.lowerBound <= result.certificate.objective)
        var single = ConvexTrainingSettings(beta: 0.025)  // duplicating every sample doubles the loss
        single.patterns = .exact
        let reference = try ConvexTrainer.train(features: DenseMatrix(rows: (0..<12).map { x.row($0) }, columnCount: 3),
                                                targets: DenseMatrix(column: Array(y.values.prefix(12))), settings: single)
        #expect(abs(result.convexObjective - 2 * reference.convexObjective) <= 1e-5 * result.convexObjective)
        #expect(result.certificate.relativeGap <= 1e-4)
    }

    @Test("A time limit bounds the run and leaves a valid certificate")
    func timeLimit() throws {
        let (x, y) = teacherData(count: 60, dimension: 6, seed: 3)
        var settings = ConvexTrainingSettings(beta: 0.01)
        settings.hasBias = true
        settings.patterns = .sampled(count: 5, seed: 1)
        settings.timeLimit = 2
        let start = Date()
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(result.certificate.lowerBound <= result.certificate.objective)
        #expect(result.certificate.lowerBound >= 0)
    }

    @Test("Generation leaves the certificate its share of the time limit")
    func certificateTimeShare() throws {
        let (x, y) = teacherData(count: 80, dimension: 6, seed: 4)
        var settings = ConvexTrainingSettings(beta: 0.005)
        settings.hasBias = true
        settings.patterns = .sampled(count: 5, seed: 1)
        settings.timeLimit = 4
        settings.certificateTimeShare = 0.5
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        // A round starts only before the generation deadline (half the limit): every round but
        // the last ended before it.
        for round in result.rounds.dropLast() { #expect(round.seconds < 2, "round \(round.round) ended at \(round.seconds) s") }
        #expect(result.certificate.lowerBound <= result.certificate.objective)
        // The certificate's nodes are counted in the run's.
        #expect(result.nodes >= (result.certificate.boundNodes ?? 0))
    }
}
