import Testing
@testable import ConicNN
import ConicSolver

@Suite("Convolution")
struct ConvolutionTests {
    @Test("patch geometry: positions, padding, stride")
    func geometry() throws {
        // One 3×4 image with pixels 0…11.
        let image = DenseMatrix(rows: [(0..<12).map(Double.init)])
        let plain = try ConvolutionGeometry(image: ImageShape(height: 3, width: 4), filterHeight: 2, filterWidth: 2)
        #expect(plain.patchCount == 6)
        let patches = try plain.patchMatrices(image)
        #expect(patches[4].row(0) == [5, 6, 9, 10])  // position (1, 1)
        let padded = try ConvolutionGeometry(image: ImageShape(height: 3, width: 4), filterHeight: 3, filterWidth: 3, stride: 2, padding: 1)
        #expect(padded.positionRows == 2 && padded.positionColumns == 2)
        #expect(try padded.patchMatrices(image)[0].row(0) == [0, 0, 0, 0, 0, 1, 0, 4, 5])
        #expect(try padded.stackedPatches(DenseMatrix(rows: [Array(repeating: 1, count: 12), Array(repeating: 2, count: 12)])).rowCount == 8)
    }

    @Test("bad shapes get typed errors")
    func badShapes() throws {
        let shape = ImageShape(height: 3, width: 3)
        #expect(throws: ConvolutionError.filterLargerThanImage(filterHeight: 4, filterWidth: 4, height: 3, width: 3, padding: 0)) {
            try ConvolutionGeometry(image: shape, filterHeight: 4, filterWidth: 4)
        }
        #expect(throws: ConvolutionError.invalidStride(0)) { try ConvolutionGeometry(image: shape, filterHeight: 2, filterWidth: 2, stride: 0) }
        #expect(throws: ConvolutionError.invalidPadding(-1)) { try ConvolutionGeometry(image: shape, filterHeight: 2, filterWidth: 2, padding: -1) }
        #expect(throws: ConvolutionError.invalidFilter(height: 0, width: 2)) { try ConvolutionGeometry(image: shape, filterHeight: 0, filterWidth: 2) }
        let geometry = try ConvolutionGeometry(image: shape, filterHeight: 2, filterWidth: 2)
        #expect(throws: ConvolutionError.shapeMismatch(featureCount: 8, height: 3, width: 3)) {
            try geometry.patchMatrices(DenseMatrix(rowCount: 2, columnCount: 8))
        }
        #expect(throws: ConvolutionError.self) {
            try SeparableConvolutionTrainer.train(images: DenseMatrix(rowCount: 2, columnCount: 9), targets: DenseMatrix(column: [1, 2, 3]),
                                                  geometry: geometry, settings: ConvexTrainingSettings(beta: 0.1))
        }
    }

    @Test("separable ReLU CNN: the program over a trained network's patterns alone (`including:`) has the same optimum")
    func separableFinalPatterns() throws {
        var rng = SeededGenerator(seed: 21)
        let images = gaussianMatrix(8, 9, &rng)
        let y = DenseMatrix(column: (0..<8).map { i in images[i, 4] - images[i, 0] > 0 ? 1 : -1 })
        let geometry = try ConvolutionGeometry(image: ImageShape(height: 3, width: 3), filterHeight: 2, filterWidth: 2)
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.patterns = .sampled(count: 30, seed: 1)
        settings.generationRounds = 2
        let first = try SeparableConvolutionTrainer.train(images: images, targets: y, geometry: geometry, settings: settings)
        settings.patterns = .sampled(count: 0, seed: 1)
        settings.generationRounds = 0
        settings.growthRounds = 0
        let again = try SeparableConvolutionTrainer.train(images: images, targets: y, geometry: geometry, settings: settings,
                                                          including: [first.training.network])
        #expect(again.training.patternCount <= first.training.patternCount)
        #expect(abs(again.training.convexObjective - first.training.convexObjective) <= 1e-6 * first.training.convexObjective)
    }

    @Test("separable ReLU CNN on sequences, 3-entry filter: exact patterns, rebuilt filters predict the convex model, certified")
    func separableExact() throws {
        var rng = SeededGenerator(seed: 11)
        let images = gaussianMatrix(5, 4, &rng)
        let y = DenseMatrix(column: (0..<5).map { i in images[i, 1] - images[i, 2] > 0 ? 1 : -1 })
        let geometry = try ConvolutionGeometry(image: ImageShape(height: 1, width: 4), filterHeight: 1, filterWidth: 3, stride: 1)
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.patterns = .exact
        let result = try SeparableConvolutionTrainer.train(images: images, targets: y, geometry: geometry, settings: settings)
        #expect(result.training.exact)
        let stacked = try geometry.stackedPatches(images)
        let f = result.training.network.predict(stacked)
        #expect(zip(f.values, result.training.convexPredictions.values).allSatisfy { abs($0 - $1) <= 1e-8 })
        // Exact arrangement: the lower bound is the exact dual bound, so the gap certifies the optimum.
        #expect(result.training.certificate.relativeGap <= 1e-6)
        #expect(result.training.certificate.lowerBound <= result.training.certificate.objective + 1e-12)
        // The image prediction is the mean over the patches.
        let perImage = try result.predict(images)
        let k = geometry.patchCount
        #expect(abs(perImage[0, 0] - (0..<k).reduce(0) { $0 + f[$1 * 5, 0] } / Double(k)) <= 1e-12)
    }

    @Test("linear CNN: SDP (11) = nuclear norm (12) = Fourier ℓ1 (14) on circular patches, 1e-7")
    func linearEquivalences() throws {
        var rng = SeededGenerator(seed: 5)
        let x = gaussianMatrix(7, 5, &rng)
        let y = (0..<7).map { _ in rng.nextGaussian() }
        let beta = 0.4
        let patches = LinearConvolution.circularPatches(x)
        let nuclear = try LinearConvolution.nuclearNorm(patches: patches, targets: y, beta: beta)
        let sdp = try LinearConvolution.semidefiniteDual(patches: patches, targets: y, beta: beta)
        let fourier = try LinearConvolution.fourier(features: x, targets: y, beta: beta)
        let scale = max(1, abs(nuclear.outcome.value))
        #expect(abs(nuclear.outcome.value - sdp.outcome.value) <= 1e-7 * scale)
        #expect(abs(nuclear.outcome.value - fourier.outcome.value) <= 1e-7 * scale)
        // The factored CNN predicts what Z predicts and its weight decay is β‖Z‖_*.
        var fz = [Double](repeating: 0, count: 7)
        for (k, patch) in patches.enumerated() { for (i, value) in patch.multiplied(by: nuclear.z.column(k)).enumerated() { fz[i] += value } }
        #expect(zip(nuclear.network.predict(patches), fz).allSatisfy { abs($0 - $1) <= 1e-8 })
        #expect(abs(nuclear.network.objective(patches: patches, targets: y, beta: beta) - nuclear.outcome.value) <= 1e-8 * scale)
    }

    @Test("linear CNN on ordinary patches: SDP (11) = nuclear norm (12)")
    func linearGeneralPatches() throws {
        var rng = SeededGenerator(seed: 9)
        let images = gaussianMatrix(6, 16, &rng)
        let y = (0..<6).map { _ in rng.nextGaussian() }
        let patches = try ConvolutionGeometry(image: ImageShape(height: 4, width: 4), filterHeight: 2, filterWidth: 2, stride: 2).patchMatrices(images)
        let nuclear = try LinearConvolution.nuclearNorm(patches: patches, targets: y, beta: 0.2)
        let sdp = try LinearConvolution.semidefiniteDual(patches: patches, targets: y, beta: 0.2)
        #expect(abs(nuclear.outcome.value - sdp.outcome.value) <= 1e-7 * max(1, abs(nuclear.outcome.value)))
    }
}
