import Foundation
import Testing
@testable import ConicNN
import ConicSolver

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("OneDimensional")
struct OneDimensionalTests {
    // MARK: - Fixtures

    /// `n` sorted-free random inputs in [−2, 2] with targets `sin(2x) + noise`.
    static func regression(n: Int, outputs: Int = 1, seed: UInt64) -> (x: DenseMatrix, y: DenseMatrix) {
        var rng = SeededGenerator(seed: seed)
        let x = (0..<n).map { _ in Double.random(in: -2...2, using: &rng) }
        var y = [Double]()
        for value in x {
            for o in 0..<outputs { y.append(sin(2 * value + Double(o)) + 0.2 * rng.nextGaussian()) }
        }
        return (DenseMatrix(column: x), DenseMatrix(rowCount: n, columnCount: outputs, values: y))
    }

    /// The 1-D Gaussian mixture of JMLR Section 8: means −2, −1, 0, 1, 2, standard deviation 0.5,
    /// label +1 for the means −1, 0, 2 and −1 for −2, 1.
    static func mixture(n: Int, seed: UInt64) -> (x: DenseMatrix, y: DenseMatrix) {
        var rng = SeededGenerator(seed: seed)
        var x = [Double](), y = [Double]()
        for _ in 0..<n {
            let mean = Double(Int.random(in: -2...2, using: &rng))
            x.append(mean + 0.5 * rng.nextGaussian())
            y.append([-1.0, 0, 2].contains(mean) ? 1 : -1)
        }
        return (DenseMatrix(column: x), DenseMatrix(column: y))
    }

    static func train(_ x: DenseMatrix, _ y: DenseMatrix, _ objective: TrainingObjective,
                      _ formulation: OneDimensionalFormulation = .banded) throws -> OneDimensionalResult {
        try OneDimensionalTrainer.train(features: x, targets: y,
                                        settings: OneDimensionalSettings(objective: objective, formulation: formulation))
    }

    /// Gradient descent with a free bias from a seeded initialization.
    static func gradientObjective(_ x: DenseMatrix, _ y: DenseMatrix, beta: Double, loss: Loss, seed: UInt64) throws -> Double {
        let settings = GradientTrainingSettings(width: 20, optimizer: .gd, learningRate: loss == .hinge ? 2e-3 : 1e-3,
                                                epochs: 1500, seed: seed, beta: beta, loss: loss, hasBias: true,
                                                biasRegularized: false, recordEvery: 1500)
        let result = try GradientTrainer.train(features: x, targets: y, settings: settings)
        return result.network.objective(features: x, targets: y, beta: beta, loss: loss)
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    // MARK: - Interpolation

    @Test("min-ℓ1 interpolation: interpolates, kinks at samples, linear between samples, certified")
    func interpolationIsLinearSpline() throws {
        let (x, y) = Self.regression(n: 14, seed: 3)
        let result = try Self.train(x, y, .interpolation)
        #expect(result.interpolationError < 1e-6)
        #expect(result.gap >= -1e-9 && result.relativeGap < 1e-6)
        #expect(Self.close(result.value, result.network.halfSquaredWeightNorm, 1e-12))
        let samples = x.values.sorted()
        let net = result.network
        var kinks = [Double]()
        for j in 0..<net.width where net.inputWeights[j, 0] != 0 {
            let kink = -net.inputWeights[j, 1] / net.inputWeights[j, 0]
            kinks.append(kink)
            #expect(samples.contains { abs($0 - kink) < 1e-9 }, "kink \(kink) is not a sample")
        }
        // At most one position carries two neurons (an R and an L neuron with the same kink).
        let distinct = Set(kinks.map { ($0 * 1e9).rounded() })
        #expect(distinct.count >= kinks.count - 1)
        // Between consecutive samples the function is the chord.
        let mids = zip(samples, samples.dropFirst()).map { ($0 + $1) / 2 }
        let atMid = net.predict(DenseMatrix(column: mids)).values
        let atSamples = net.predict(DenseMatrix(column: samples)).values
        for k in mids.indices {
            #expect(abs(atMid[k] - (atSamples[k] + atSamples[k + 1]) / 2) < 1e-7)
        }
    }

    @Test("the ℓ1 value equals the weight decay of the balanced network and the program optimum")
    func objectiveMatchesNetwork() throws {
        let (x, y) = Self.regression(n: 20, seed: 5)
        let result = try Self.train(x, y, .squared(beta: 0.05))
        let net = result.network
        #expect(net.hasBias && !net.biasRegularized)
        #expect(result.value == net.objective(features: x, targets: y, beta: 0.05, loss: .squared))
        #expect(Self.close(result.value, result.programObjective, 1e-6))
        let rebalanced = net.balanced()
        #expect(Self.close(rebalanced.objective(features: x, targets: y, beta: 0.05, loss: .squared), result.value, 1e-12))
    }

    // MARK: - Formulations

    @Test("banded and kernel formulations reach the same optimum", arguments: [
        TrainingObjective.interpolation, .squared(beta: 0.1), .hinge(beta: 0.1),
    ])
    func formulationsAgree(objective: TrainingObjective) throws {
        let (x, y) = objective.loss == .hinge ? Self.mixture(n: 30, seed: 11) : Self.regression(n: 30, seed: 11)
        let banded = try Self.train(x, y, objective, .banded)
        let kernel = try Self.train(x, y, objective, .kernel)
        #expect(Self.close(banded.value, kernel.value, 1e-6))
        #expect(banded.nonzeroCount < kernel.nonzeroCount)
        for result in [banded, kernel] {
            #expect(result.lowerBound <= result.value + 1e-9)
            #expect(result.relativeGap < 1e-6)
        }
    }

    // MARK: - Against gradient descent

    @Test("regularized optimum ≤ gradient descent's objective, and every GD network ≥ the lower bound")
    func regularizedBeatsGradientDescent() throws {
        let (x, y) = Self.regression(n: 16, seed: 8)
        let beta = 0.1
        let result = try Self.train(x, y, .squared(beta: beta))
        for seed: UInt64 in 1...3 {
            let gd = try Self.gradientObjective(x, y, beta: beta, loss: .squared, seed: seed)
            #expect(result.value <= gd + 1e-9)
            #expect(result.lowerBound <= gd + 1e-9)
        }
    }

    @Test("min-ℓ1 SVM objective ≤ gradient descent's hinge objective")
    func svmBeatsGradientDescent() throws {
        let (x, y) = Self.mixture(n: 24, seed: 2)
        let beta = 0.05
        let result = try Self.train(x, y, .hinge(beta: beta))
        #expect(result.relativeGap < 1e-6)
        #expect(result.value == result.network.objective(features: x, targets: y, beta: beta, loss: .hinge))
        for seed: UInt64 in 1...3 {
            let gd = try Self.gradientObjective(x, y, beta: beta, loss: .hinge, seed: seed)
            #expect(result.value <= gd + 1e-9)
            #expect(result.lowerBound <= gd + 1e-9)
        }
    }

    // MARK: - Vector outputs and rank-one data

    @Test("vector outputs: group norms, certified, between the single-output optima and their sum")
    func vectorOutputs() throws {
        let (x, y) = Self.regression(n: 18, outputs: 2, seed: 4)
        for objective in [TrainingObjective.squared(beta: 0.1), .interpolation] {
            let both = try Self.train(x, y, objective)
            let kernel = try Self.train(x, y, objective, .kernel)
            #expect(both.network.outputCount == 2)
            #expect(both.relativeGap < 1e-6)
            #expect(Self.close(both.value, kernel.value, 1e-6))
            let singles = try (0..<2).map { o in try Self.train(x, DenseMatrix(column: y.column(o)), objective).value }
            #expect(both.value >= singles.max()! - 1e-6)
            #expect(both.value <= singles.reduce(0, +) + 1e-6)
        }
    }

    @Test("rank-one data gives the same optimum as its 1-D coordinates")
    func rankOneData() throws {
        let (x, y) = Self.regression(n: 15, seed: 9)
        let a = [0.6, -0.8, 2.0]
        let offset = [1.0, 0.5, -0.25]
        let lifted = DenseMatrix(rowCount: 15, columnCount: 3,
                                 values: (0..<15).flatMap { i in (0..<3).map { offset[$0] + x[i, 0] * a[$0] } })
        let norm = euclideanNorm(a)
        let scaled = DenseMatrix(column: x.values.map { $0 * norm })
        for objective in [TrainingObjective.squared(beta: 0.2), .interpolation] {
            let high = try Self.train(lifted, y, objective)
            let low = try Self.train(scaled, y, objective)
            #expect(Self.close(high.value, low.value, 1e-6))
            #expect(high.network.inputDimension == 3)
            let f = high.network.predict(lifted).values, g = low.network.predict(scaled).values
            #expect(zip(f, g).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test("duplicate inputs: merged for regression and for equal interpolation targets")
    func duplicates() throws {
        let x = DenseMatrix(column: [0, 1, 1, 2, 3, 3])
        let y = DenseMatrix(column: [0, 1, 3, 1, 0, 0])
        let result = try Self.train(x, y, .squared(beta: 0.01))
        #expect(result.relativeGap < 1e-6)
        let consistent = DenseMatrix(column: [0, 1, 1, 2, 3, 3].map { $0 == 1 ? 2.0 : 0.5 * $0 })
        let spline = try Self.train(x, consistent, .interpolation)
        #expect(spline.interpolationError < 1e-6)
    }

    // MARK: - Errors

    @Test("bad inputs give typed errors")
    func typedErrors() throws {
        let x = DenseMatrix(column: [0, 1, 1, 2])
        #expect(throws: OneDimensionalError.conflictingDuplicates(position: 1, targets: [1, 2])) {
            try Self.train(x, DenseMatrix(column: [0, 1, 2, 0]), .interpolation)
        }
        #expect(throws: OneDimensionalError.invalidLabels("labels must be +1 or −1, found 0.5")) {
            try Self.train(x, DenseMatrix(column: [1, -1, 0.5, 1]), .hinge(beta: 1))
        }
        let plane = DenseMatrix(rows: [[0, 0], [1, 0], [0, 1], [1, 1]])
        #expect {
            try Self.train(plane, DenseMatrix(column: [0, 1, 1, 0]), .squared(beta: 1))
        } throws: { error in
            if case OneDimensionalError.notRankOne = error { return true }
            return false
        }
        #expect(throws: OneDimensionalError.constantFeatures) {
            try Self.train(DenseMatrix(column: [2, 2, 2]), DenseMatrix(column: [0, 1, 2]), .squared(beta: 1))
        }
        #expect(throws: OneDimensionalError.self) {
            try Self.train(DenseMatrix(column: [1]), DenseMatrix(column: [1]), .interpolation)
        }
        #expect(throws: OneDimensionalError.self) {
            try Self.train(x, DenseMatrix(column: [0, 1, 1, 0]), .squared(beta: 0))
        }
        #expect(throws: OneDimensionalError.self) {
            try Self.train(DenseMatrix(column: [0, .nan]), DenseMatrix(column: [0, 1]), .squared(beta: 1))
        }
    }

    // MARK: - SVG

    /// Whether `text` parses as XML.
    static func parses(_ text: String) -> Bool {
        XMLParser(data: Data(text.utf8)).parse()
    }

    @Test("SVG plots are well-formed XML without non-finite coordinates")
    func svgWellFormed() throws {
        let (x, y) = Self.mixture(n: 20, seed: 1)
        let svm = try Self.train(x, y, .hinge(beta: 0.1))
        let (rx, ry) = Self.regression(n: 12, seed: 1)
        let fit = try Self.train(rx, ry, .squared(beta: 0.05))
        let plots = [
            SVGPlot.oneDimensionalFit(inputs: rx.values, targets: ry.values, network: fit.network, title: "fit <&>"),
            SVGPlot.decisionRegions(inputs: x.values, labels: y.values, network: svm.network, title: "SVM"),
            SVGPlot.lineChart(series: [(name: "gap", points: [(1, 1e-1), (2, 1e-3), (4, 1e-9)]),
                                       (name: "zero & negative dropped", points: [(1, 0), (2, -1), (3, 5)])],
                              xLabel: "neurons", yLabel: "gap", logY: true),
            SVGPlot.lineChart(series: [(name: "empty", points: [])], xLabel: "x", yLabel: "y"),
        ]
        for svg in plots {
            #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
            #expect(!svg.contains("nan") && !svg.contains("inf"))
            #expect(Self.parses(svg))
        }
    }
}
