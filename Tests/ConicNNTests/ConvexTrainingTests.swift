import Testing
import Foundation
@testable import ConicNN
import ConicSolver
import ConicTestSupport

/// The ICML 2020 Fig. 2 data: five points on a line, with a bias.
private let figure2Features = DenseMatrix(column: [-2, -1, 0, 1, 2])
private let figure2Targets = DenseMatrix(column: [1, -1, 1, 1, -1])

/// Points in the plane with ±1 labels from a fixed rule, reproducible from a seed.
private func planeData(count: Int, seed: UInt64) -> (DenseMatrix, DenseMatrix) {
    var generator = SeededGenerator(seed: seed)
    var x = DenseMatrix(rowCount: count, columnCount: 2), y = DenseMatrix(rowCount: count, columnCount: 1)
    for i in 0..<count {
        x[i, 0] = generator.nextGaussian(); x[i, 1] = generator.nextGaussian()
        y[i, 0] = x[i, 0] * x[i, 1] + 0.3 * x[i, 0] > 0 ? 1 : -1
    }
    return (x, y)
}

private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite("Convex training and certificates")
struct ConvexTrainingTests {
    @Test("Fig. 2 data: exact arrangements close the gap and the rebuilt network matches the convex model",
          arguments: [1e-3, 0.1, 1.0])
    func figure2(beta: Double) throws {
        var settings = ConvexTrainingSettings(beta: beta)
        settings.hasBias = true
        settings.patterns = .exact
        let result = try ConvexTrainer.train(features: figure2Features, targets: figure2Targets, settings: settings)
        #expect(result.exact)
        #expect(result.solverStatus == .solved)
        let predictions = result.network.predict(figure2Features)
        #expect(maxDifference(predictions.values, result.convexPredictions.values) <= 1e-6)
        let certificate = result.certificate
        #expect(abs(certificate.objective - result.convexObjective) <= 1e-6 * max(1, abs(result.convexObjective)))
        #expect(certificate.lowerBound <= certificate.objective + 1e-12)
        #expect(certificate.relativeGap <= 1e-6, "gap \(certificate.gap) at beta \(beta)")
        #expect(certificate.boundMethod == .exact)
        // Pruned: far fewer neurons than the 2P blocks of the program.
        #expect(result.network.width <= 2 * result.patternCount)
        #expect(result.network.width >= 1)
    }

    @Test("Two-dimensional data: squared and hinge losses certified to 1e-6 with exact arrangements",
          arguments: [Loss.squared, .hinge])
    func plane(loss: Loss) throws {
        let (x, y) = planeData(count: 20, seed: 7)
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.hasBias = true
        settings.loss = loss
        settings.patterns = .exact
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.exact)
        #expect(result.certificate.relativeGap <= 1e-6, "gap \(result.certificate.gap)")
        #expect(maxDifference(result.network.predict(x).values, result.convexPredictions.values) <= 1e-5)
    }

    @Test("Sampled patterns: the lower bound stays below the exact optimum", .tags(.slow), .enabled(if: SlowTests.enabled, SlowTests.skipReason))
    func sampledLowerBoundIsValid() throws {
        let (x, y) = planeData(count: 20, seed: 3)
        var exact = ConvexTrainingSettings(beta: 0.05)
        exact.hasBias = true
        exact.patterns = .exact
        let optimum = try ConvexTrainer.train(features: x, targets: y, settings: exact).convexObjective
        for seed: UInt64 in [1, 2, 3] {
            var sampled = exact
            sampled.patterns = .sampled(count: 6, seed: seed)
            let result = try ConvexTrainer.train(features: x, targets: y, settings: sampled)
            #expect(!result.exact)
            #expect(result.certificate.lowerBound <= optimum * (1 + 1e-9))
            #expect(result.certificate.objective >= optimum * (1 - 1e-7))
            #expect(result.certificate.lowerBound <= result.certificate.objective)
        }
    }

    @Test("High-rank data: the branch-and-bound constraint bound gives a valid, positive lower bound")
    func highRankNormBound() throws {
        var generator = SeededGenerator(seed: 11)
        var x = DenseMatrix(rowCount: 25, columnCount: 5), y = DenseMatrix(rowCount: 25, columnCount: 1)
        for k in x.values.indices { x.values[k] = generator.nextGaussian() }
        for i in 0..<25 { y[i, 0] = max(0, x[i, 0] + x[i, 1]) - 0.5 * max(0, x[i, 2]) }
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.patterns = .automatic(count: 50, seed: 1)
        settings.relaxationSampleLimit = 0
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(!result.exact)
        #expect(result.certificate.boundMethod == .branchAndBound)
        #expect(result.certificate.boundProven == true)
        #expect(result.certificate.lowerBound > 0)
        #expect(result.certificate.lowerBound <= result.certificate.objective)
    }

    @Test("Enumeration finds every chamber: 2 Σ_{k<3} C(n−1, k) − 1 patterns for points in general position")
    func chamberCount() throws {
        let (x, _) = planeData(count: 12, seed: 5)
        let design = x.appendingOnesColumn()
        let patterns = try ActivationPatterns.enumerated(design)
        let n = 12
        let regions = 2 * (1 + (n - 1) + (n - 1) * (n - 2) / 2)
        #expect(patterns.count == regions - 1)  // the all-inactive chamber is dropped
        // Every sampled pattern is among them.
        let sampled = ActivationPatterns.sampled(design, count: 2000, seed: 9)
        var merged = patterns
        for p in 0..<sampled.count { merged.insert(preActivations: (0..<n).map { sampled.isActive(pattern: p, sample: $0) ? 1 : -1 }) }
        #expect(merged.count == patterns.count)
    }

    @Test("Rank above 3 cannot be enumerated")
    func rankTooHigh() {
        var x = DenseMatrix(rowCount: 6, columnCount: 4)
        for i in 0..<6 { for j in 0..<4 { x[i, j] = Double((i + 1) * (j + 2) % 7) + (i == j ? 1 : 0) } }
        #expect(throws: ArrangementError.rankTooHigh(4)) { try ActivationPatterns.enumerated(x) }
    }
}

@Suite("Certifying given networks")
struct CertifyTests {
    @Test("SGD networks on the Fig. 2 data: p(θ) ≥ the certified lower bound, and the convex network is no worse")
    func gradientNetworksAreAboveTheBound() throws {
        var settings = ConvexTrainingSettings(beta: 0.01)
        settings.patterns = .exact
        for seed: UInt64 in 1...3 {
            let trained = try GradientTrainer.train(
                features: figure2Features, targets: figure2Targets,
                settings: GradientTrainingSettings(width: 8, optimizer: .adam, learningRate: 1e-2, epochs: 300,
                                                   seed: seed, beta: 0.01, hasBias: true))
            let certificate = try ConvexTrainer.certify(trained.network, features: figure2Features,
                                                        targets: figure2Targets, settings: settings)
            #expect(certificate.training.exact)
            #expect(abs(certificate.objective - trained.finalObjective) <= 1e-12 * max(1, trained.finalObjective))
            #expect(certificate.lowerBound <= certificate.objective)
            #expect(certificate.bestObjective <= certificate.objective + 1e-9)
            #expect(certificate.gap >= certificate.objective - certificate.bestObjective - 1e-6)
        }
    }

    @Test("A network with the wrong input size is rejected")
    func mismatchedNetwork() {
        let network = TwoLayerNetwork(inputWeights: DenseMatrix(rows: [[1, 2, 3]]), outputWeights: DenseMatrix(rows: [[1]]),
                                      hasBias: true)
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.certify(network, features: figure2Features, targets: figure2Targets,
                                      settings: ConvexTrainingSettings(beta: 0.1))
        }
    }
}

@Suite("Sign-constraint generation")
struct SignConstraintGenerationTests {
    @Test("Starting from the nearest constraints reaches the optimum of the full program")
    func sameOptimum() throws {
        var generator = SeededGenerator(seed: 21)
        var x = DenseMatrix(rowCount: 80, columnCount: 4), y = DenseMatrix(rowCount: 80, columnCount: 1)
        for k in x.values.indices { x.values[k] = generator.nextGaussian() }
        for i in 0..<80 { y[i, 0] = max(0, x[i, 0] - x[i, 2]) + 0.1 * generator.nextGaussian() }
        var full = ConvexTrainingSettings(beta: 0.05)
        full.patterns = .sampled(count: 40, seed: 4)
        full.signConstraintGenerationThreshold = .max
        full.generationRounds = 0  // the same patterns for both
        var generated = full
        generated.signConstraintGenerationThreshold = 0
        let a = try ConvexTrainer.train(features: x, targets: y, settings: full)
        let b = try ConvexTrainer.train(features: x, targets: y, settings: generated)
        #expect(abs(a.convexObjective - b.convexObjective) <= 1e-6 * a.convexObjective)
        #expect(abs(a.certificate.objective - b.certificate.objective) <= 1e-6 * a.certificate.objective)
        // The rebuilt network realizes the convex model: every neuron's pattern was respected.
        #expect(maxDifference(b.network.predict(x).values, b.convexPredictions.values) <= 1e-5)
    }
}

@Suite("Dual-constraint bounds")
struct DualConstraintBoundTests {
    @Test("The norm and semidefinite bounds are above the exact maximum on rank-3 data", arguments: [UInt64(1), 2, 3])
    func boundsAreValid(seed: UInt64) throws {
        let (x, _) = planeData(count: 12, seed: seed)
        let design = x.appendingOnesColumn()
        var generator = SeededGenerator(seed: seed + 100)
        let v = DenseMatrix(column: (0..<12).map { _ in generator.nextGaussian() })
        let exact = DualConstraintBound.exact(try RowSpaceReduction(design), dual: v)
        let norm = DualConstraintBound.norm(design: design, dual: v)
        let relaxed = try #require(DualConstraintBound.semidefinite(design: design, dual: v))
        #expect(exact > 0)
        #expect(norm >= exact * (1 - 1e-12))
        #expect(relaxed >= exact * (1 - 1e-9))
        // The exact maximum is attained: sampling directions never beats it.
        for _ in 0..<2000 {
            let u = (0..<3).map { _ in generator.nextGaussian() }
            let length = euclideanNorm(u)
            let h = design.multiplied(by: u.map { $0 / length }).enumerated().reduce(0.0) { $0 + v.values[$1.offset] * max(0, $1.element) }
            #expect(abs(h) <= exact * (1 + 1e-12))
        }
    }
}

@Suite("Convex training: vector outputs and bad input")
struct ConvexTrainingInputTests {
    @Test("One-hot targets (three classes, exact arrangements): a valid certificate for the general problem")
    func vectorOutputs() throws {
        let (x, _) = planeData(count: 15, seed: 8)
        var y = DenseMatrix(rowCount: 15, columnCount: 3)
        for i in 0..<15 { y[i, (x[i, 0] > 0.3 ? 0 : x[i, 1] > 0 ? 1 : 2)] = 1 }
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        settings.patterns = .exact
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(result.network.outputCount == 3)
        #expect(result.certificate.boundMethod == .exact)
        #expect(result.certificate.lowerBound > 0)
        #expect(result.certificate.lowerBound <= result.certificate.objective)
        #expect(abs(result.certificate.objective - result.convexObjective) <= 1e-6 * result.convexObjective)
    }

    @Test("Bad settings and data throw typed errors")
    func badInput() {
        var settings = ConvexTrainingSettings(beta: 0)
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: figure2Features, targets: figure2Targets, settings: settings)
        }
        settings.beta = 0.1
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: figure2Features, targets: DenseMatrix(column: [1, 2]), settings: settings)
        }
        var nan = figure2Features
        nan[2, 0] = .nan
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: nan, targets: figure2Targets, settings: settings)
        }
        settings.loss = .hinge
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: figure2Features, targets: DenseMatrix(column: [1, 0, 1, 1, 0]), settings: settings)
        }
        settings.loss = .squared
        settings.patterns = .exact
        var wide = DenseMatrix(rowCount: 6, columnCount: 4)
        for i in 0..<6 { for j in 0..<4 { wide[i, j] = Double((i * 7 + j * 3) % 5) + (i == j ? 2 : 0) } }
        #expect(throws: ArrangementError.self) {
            try ConvexTrainer.train(features: wide, targets: DenseMatrix(column: [1, 2, 3, 4, 5, 6]), settings: settings)
        }
    }
}

@Suite("JSON reports")
struct ReportTests {
    @Test("train, certify and sgd objects carry the keys users' scripts read")
    func keys() throws {
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.hasBias = true
        settings.patterns = .exact
        let trained = try ConvexTrainer.train(features: figure2Features, targets: figure2Targets, settings: settings)
        let train = Report.object(for: trained)
        for key in ["objective", "lower_bound", "gap", "relative_gap", "neurons", "patterns", "exact", "solve_time"] {
            #expect(train[key] != nil, "train lacks \(key)")
        }
        #expect(train["objective"] as? Double == trained.certificate.objective)
        let sgd = try GradientTrainer.train(features: figure2Features, targets: figure2Targets,
                                            settings: GradientTrainingSettings(width: 4, epochs: 5, beta: 0.1, hasBias: true))
        let certified = try ConvexTrainer.certify(sgd.network, features: figure2Features, targets: figure2Targets, settings: settings)
        let certify = Report.object(for: certified, givenNeurons: sgd.network.width)
        for key in ["objective", "lower_bound", "gap", "relative_gap", "neurons", "patterns", "exact", "solve_time", "best_objective"] {
            #expect(certify[key] != nil, "certify lacks \(key)")
        }
        #expect(certify["objective"] as? Double == certified.objective)
        let gradient = Report.object(for: sgd, optimizer: .adam)
        #expect(gradient["objective"] as? Double == sgd.finalObjective)
        #expect((try? JSONSerialization.data(withJSONObject: gradient)) != nil)
    }
}
