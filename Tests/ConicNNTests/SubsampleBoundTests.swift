import Testing
import Foundation
@testable import ConicNN
import ConicSolver
import ConicTestSupport

@Suite("The subsample bound: the optimum over a subset bounds the full optimum from below")
struct SubsampleBoundTests {
    /// One feature with a bias (rank 2, every arrangement enumerable): a bumpy target with noise.
    static func bumpy(count: Int, seed: UInt64) -> (DenseMatrix, DenseMatrix) {
        var generator = SeededGenerator(seed: seed)
        let x = (0..<count).map { _ in 2 * generator.nextGaussian() }
        let y = x.map { sin(3 * $0) + 0.3 * generator.nextGaussian() }
        return (DenseMatrix(column: x), DenseMatrix(column: y))
    }

    // 80 s in a debug build (three exact programs of 150–320 patterns): CI runs it in release.
    @Test("It stays below the exact optimum and lifts a weak full-data bound",
          .tags(.slow), .enabled(if: SlowTests.enabled, SlowTests.skipReason))
    func validAndTighter() throws {
        let (x, y) = Self.bumpy(count: 160, seed: 7)
        var exactSettings = ConvexTrainingSettings(beta: 1e-2)
        exactSettings.hasBias = true
        exactSettings.patterns = .exact
        let optimum = try ConvexTrainer.train(features: x, targets: y, settings: exactSettings)
        #expect(optimum.exact)
        #expect(optimum.certificate.relativeGap < 1e-4)

        // A deliberately weak full run: three sampled patterns and no generation.
        var weak = exactSettings
        weak.patterns = .sampled(count: 3, seed: 1)
        weak.generationRounds = 0
        let alone = try ConvexTrainer.train(features: x, targets: y, settings: weak)
        var withSubsets = weak
        withSubsets.subsampleBoundShare = 0.5
        let result = try ConvexTrainer.train(features: x, targets: y, settings: withSubsets)

        let bound = result.certificate.lowerBound
        let exact = optimum.certificate.objective
        // Valid: below the exact optimum and below the objective of every network.
        #expect(bound <= exact * (1 + 1e-6))
        #expect(bound <= result.certificate.objective * (1 + 1e-9))
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<20 {
            let network = TwoLayerNetwork(inputWeights: gaussianMatrix(8, 2, &generator),
                                          outputWeights: gaussianMatrix(8, 1, &generator), hasBias: true)
            #expect(bound <= network.objective(features: x, targets: y, beta: 1e-2, loss: .squared) * (1 + 1e-9))
        }
        // Tighter: the 50 worst-fitted samples, enumerated exactly, then those and the 25 their
        // network fits worst (a superset: its optimum is at least as high; 112 would exceed n/2),
        // prove far more than the weak full-data dual point; the certificate says where its
        // bound comes from.
        #expect(bound > 2 * alone.certificate.lowerBound)
        #expect(bound > 0.2 * exact)
        #expect(result.certificate.lowerBoundSamples == 75)
        #expect(alone.certificate.lowerBoundSamples == nil)

        // It survives the certificate's JSON form.
        let decoded = try JSONDecoder().decode(TrainingCertificate.self, from: JSONEncoder().encode(result.certificate))
        #expect(decoded.lowerBoundSamples == 75)
        #expect(decoded == result.certificate)
    }

    @Test("The hardest samples come first")
    func hardestFirst() {
        let x = DenseMatrix(column: [0, 1, 2, 3])
        let y = DenseMatrix(column: [0, 5, -1, 2])
        // The zero network: the losses are ½y².
        let zero = TwoLayerNetwork(inputWeights: DenseMatrix(rows: [[0, 0]], columnCount: 2),
                                   outputWeights: DenseMatrix(column: [0]), hasBias: true)
        var settings = ConvexTrainingSettings(beta: 1)
        settings.hasBias = true
        #expect(ConvexTrainer.hardestFirst(zero, features: x, targets: y, settings: settings) == [1, 3, 2, 0])
    }
}
