import ConicSolver
import ConicTestSupport
import Foundation
import Testing
@testable import ConicNN

/// `rows × columns` standard Gaussian entries, reproducible from a seed.

private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// Extreme points along basis directions (JMLR Lemma 2.7, Theorem 3.5) and the Convex-RF pipeline.
@Suite("Extreme-point neurons and Convex-RF")
struct ExtremePointTests {
    static let digitsPath = "/work/shared/data/digits/digits.csv.gz"

    /// `d = 4 ≪ n`: many samples fall inside the hull of the others, so both kinds occur;
    /// `d = 40` takes the active-set path that scores candidates through the Gram matrix.
    @Test("Active-set λ satisfies the simplex KKT conditions and matches the conic solver's QP", arguments: [4, 40])
    func simplexKKTAndConicAgreement(features: Int) throws {
        let a = gaussianMatrix(40, features, seed: 11)
        #expect((SimplexLeastSquares(features: a).pointGram != nil) == (features >= SimplexLeastSquares.gramMinimumFeatures))
        let n = a.rowCount
        var settings = ExtremePointSettings()
        let exact = try ExtremePointNeurons.projectOntoHulls(features: a, settings: settings)
        settings.method = .interiorPoint
        let reference = try ExtremePointNeurons.projectOntoHulls(features: a, settings: settings)
        var outside = 0
        for (p, q) in zip(exact, reference) {
            let i = p.sampleIndex
            let lambda = p.lambda(sampleCount: n)
            #expect(lambda.allSatisfy { $0 >= 0 } && abs(lambda.reduce(0, +) - 1) <= 1e-12 && lambda[i] == 0)
            // r recomputed from λ; gradient of ½‖r‖² in λⱼ is −aⱼᵀr.
            var r = a.row(i)
            for j in 0..<n where lambda[j] > 0 { for k in 0..<a.columnCount { r[k] -= lambda[j] * a[j, k] } }
            #expect(zip(r, p.residual).allSatisfy { abs($0 - $1) <= 1e-10 })
            let gradient = (0..<n).map { -dot(a.row($0), r) }
            let scale = (0..<n).filter { $0 != i }.map { j in dot(a.row(j), a.row(j)) }.max()! + dot(a.row(i), a.row(i))
            let onSupport = p.support.map { gradient[$0] }
            let level = onSupport.min()!
            // Equal on the support (unless the residual vanishes, where the gradient is 0 anyway) …
            #expect(onSupport.max()! - level <= 1e-9 * scale)
            // … and no smaller anywhere else.
            for j in 0..<n where j != i { #expect(gradient[j] >= level - 1e-9 * scale) }
            #expect(p.gap <= 1e-10 * scale)
            // The residual is unique, so the interior-point solution must be close to it; its
            // certified gap bounds the distance between them: ‖r − r*‖² ≤ 2·gap.
            let difference = zip(p.residual, q.residual).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            #expect(difference <= (2 * (q.gap + p.gap)).squareRoot() + 1e-9)
            #expect(difference <= 1e-3 * scale.squareRoot())
            #expect(q.distanceLowerBound <= p.distance + 1e-12 && p.distanceLowerBound <= q.distance + 1e-12)
            if p.distance > 1e-6 { outside += 1 }
        }
        if features == 4 { #expect(outside >= 3 && outside < n) }  // both vertices and interior samples occurred
        // Both methods agree on which samples are inside the hull.
        let neurons = try ExtremePointNeurons.alongBasisDirections(features: a)
        let referenceNeurons = try ExtremePointNeurons.alongBasisDirections(features: a, settings: settings)
        #expect(neurons.interiorSamples == referenceNeurons.interiorSamples)
        #expect(neurons.interiorSamples.count == n - outside)
    }

    @Test("A convex combination of other samples (and a duplicated sample) yields no neuron")
    func interiorSamplesHaveNoNeuron() throws {
        var a = gaussianMatrix(12, 6, seed: 3)
        let d = a.columnCount
        for k in 0..<d {
            a[10, k] = 0.2 * a[0, k] + 0.5 * a[1, k] + 0.3 * a[2, k]
            a[11, k] = a[4, k]
        }
        let result = try ExtremePointNeurons.alongBasisDirections(features: a)
        #expect(result.interiorSamples == [4, 10, 11])
        #expect(result.neurons.map(\.sampleIndex) == [0, 1, 2, 3, 5, 6, 7, 8, 9])
        // Sample 10 is written with exactly those weights by the projection (unique here: the
        // three points are affinely independent and every other sample is in general position).
        let projections = try ExtremePointNeurons.projectOntoHulls(features: a)
        #expect(projections[10].distance <= 1e-12)
    }

    @Test("Each neuron leaves the other samples inactive or on its boundary and fires at its own sample")
    func biasDefiningProperty() throws {
        let a = gaussianMatrix(30, 8, seed: 5)
        let result = try ExtremePointNeurons.alongBasisDirections(features: a)
        #expect(!result.neurons.isEmpty)
        for neuron in result.neurons {
            let i = neuron.sampleIndex
            #expect(abs(dot(neuron.weights, neuron.weights) - 1) <= 1e-12)
            let others = (0..<a.rowCount).filter { $0 != i }.map { dot(a.row($0), neuron.weights) + neuron.bias }
            #expect(others.allSatisfy { $0 <= 1e-12 })           // aⱼᵀu + b ≤ 0 for j ≠ i
            #expect(abs(others.max()!) <= 1e-12)                 // with equality at the minimizer of −aⱼᵀu
            let own = dot(a.row(i), neuron.weights) + neuron.bias
            #expect(own > 0 && abs(own - neuron.activationAtSample) <= 1e-12)
            // At the optimum the activation equals the distance to the hull.
            #expect(abs(own - neuron.projection.distance) <= 1e-9 * max(1, own))
        }
    }

    @Test("Theorem 3.5: with every sample a vertex, the n neurons interpolate any labels (min-ℓ1 LP)")
    func theorem35Interpolation() throws {
        let n = 25, d = 60
        let a = gaussianMatrix(n, d, seed: 17)
        let result = try ExtremePointNeurons.alongBasisDirections(features: a)
        #expect(result.interiorSamples.isEmpty)
        #expect(result.neurons.count == n)
        let h = result.activations(on: a)
        // (AU + 1bᵀ)₊ is diagonal with positive entries: nonsingular.
        for r in 0..<n {
            for c in 0..<n {
                let isOwn = result.neurons[c].sampleIndex == r
                if isOwn { #expect(h[r, c] > 1e-3) } else { #expect(h[r, c] <= 1e-12) }
            }
        }
        // min ‖w‖₁ s.t. Hw = y on the solver's cones: variables (w, t), −t ≤ w ≤ t.
        var generator = SeededGenerator(seed: 2)
        let y = (0..<n).map { _ in generator.nextGaussian() }
        var rows = [Int](), columns = [Int](), values = [Double]()
        for r in 0..<n { for c in 0..<n where h[r, c] != 0 { rows.append(r); columns.append(c); values.append(h[r, c]) } }
        for c in 0..<n {
            rows += [n + c, n + c, 2 * n + c, 2 * n + c]
            columns += [c, n + c, c, n + c]
            values += [1, -1, -1, -1]
        }
        let matrix = try SparseMatrix(rowCount: 3 * n, columnCount: 2 * n, rows: rows, columns: columns, values: values)
        let problem = try ConicProblem(q: Array(repeating: 0, count: n) + Array(repeating: 1, count: n), A: matrix,
                                       b: y + Array(repeating: 0, count: 2 * n), cones: [.zero(n), .nonnegative(2 * n)])
        let solution = try solve(problem)
        checkOptimality(problem, solution, label: "min-ℓ1 interpolation")
        let w = Array(solution.x[0..<n])
        let fitted = h.multiplied(by: w)
        #expect(zip(fitted, y).allSatisfy { abs($0 - $1) <= 1e-6 })
        // With a diagonal H the ℓ1 optimum is unique: wᵢ = yᵢ / Hᵢᵢ.
        let expectedNorm = (0..<n).reduce(0.0) { $0 + abs(y[result.neurons[$1].sampleIndex]) / result.neurons[$1].activationAtSample }
        #expect(abs(solution.primalObjective - expectedNorm) <= 1e-6 * expectedNorm)
    }

    /// A seeded subset of the digits: `trainCount` training and `testCount` test images.
    static func digitsSubset(trainCount: Int, testCount: Int) throws -> (train: Dataset, test: Dataset) {
        let digits = try DatasetLoader.load(path: digitsPath, classification: true)
        let order = Dataset.randomSplit(count: digits.sampleCount, testFraction: 0.5, seed: 4)
        return (digits.subset(Array(order.train.prefix(trainCount))), digits.subset(Array(order.test.prefix(testCount))))
    }

    @Test("Convex-RF on a digits subset beats chance clearly; the ℓ1 layer satisfies its optimality conditions")
    func convexRFDigits() throws {
        let (train, test) = try Self.digitsSubset(trainCount: 300, testCount: 200)
        var settings = ConvexRFSettings()
        settings.sampledPatches = 60
        settings.beta = 0.5
        let result = try ConvexRF.train(images: train.features, labels: train.labels!, classCount: 10, settings: settings)
        let testAccuracy = ConvexRF.accuracy(try result.classify(test.features), test.labels!)
        #expect(testAccuracy >= 0.6, "test accuracy \(testAccuracy)")  // chance is 0.1
        #expect(result.trainAccuracy >= testAccuracy - 0.05)
        #expect(result.featureMap.filters.rowCount + result.interiorPatches.count == 60)
        // Filters are unit vectors.
        let filters = result.featureMap.filters
        for r in 0..<filters.rowCount { #expect(abs(dot(filters.row(r), filters.row(r)) - 1) <= 1e-12) }

        // The ℓ1 layer: direct objective = the solver's, and the subgradient conditions of
        // ½‖BW + 1cᵀ − Y‖² + β‖W‖₁: g = Bᵀ(residual) has |gⱼₖ| ≤ β, gⱼₖ = −β·sign(Wⱼₖ) where
        // Wⱼₖ is clearly nonzero, and the intercept's gradient 1ᵀ(residual) vanishes.
        let b = try result.featureMap.features(train.features)
        let y = try train.oneHotTargets()
        let layer = result.outputLayer
        #expect(abs(result.objective - layer.solverObjective) <= 1e-6 * result.objective)
        var residual = layer.predict(b)
        for k in residual.values.indices { residual.values[k] -= y.values[k] }
        let g = b.multiplied(by: residual, transposeSelf: true)
        let beta = settings.beta
        var nonzero = 0
        for j in 0..<g.rowCount {
            for k in 0..<g.columnCount {
                #expect(abs(g[j, k]) <= beta * (1 + 1e-3))
                if abs(layer.weights[j, k]) > 1e-4 {
                    nonzero += 1
                    #expect(abs(g[j, k] + beta * (layer.weights[j, k] > 0 ? 1 : -1)) <= 1e-3 * beta)
                }
            }
        }
        #expect(nonzero > 0 && nonzero < g.values.count)  // the penalty makes W sparse, not zero
        for k in 0..<residual.columnCount {
            #expect(abs(residual.column(k).reduce(0, +)) <= 1e-5 * Double(residual.rowCount))
        }
    }

    @Test("ZCA whitening of the sampled patches maps covariance eigenvalues λ to λ/(λ + ε)")
    func whiteningSpectrum() throws {
        let (train, _) = try Self.digitsSubset(trainCount: 100, testCount: 0)
        let grid = try PatchGrid(shape: ImageShape(height: 8, width: 8), size: 3)
        var values: [Double] = []
        for image in 0..<train.sampleCount { grid.appendPatch(of: train.features, image: image, row: image % 6, column: (image / 6) % 6, to: &values) }
        var patches = DenseMatrix(rowCount: train.sampleCount, columnCount: 9, values: values.map { $0 / 16 })
        _ = PatchPreprocessing.normalizeRows(&patches, epsilon: 0.01)
        let epsilon = 0.1
        let (mean, w) = try PatchPreprocessing.whitening(of: patches, epsilon: epsilon)
        func covariance(_ m: DenseMatrix) -> DenseMatrix {
            var centered = m
            for c in 0..<m.columnCount {
                let mu = m.column(c).reduce(0, +) / Double(m.rowCount)
                for r in 0..<m.rowCount { centered[r, c] -= mu }
            }
            var cov = centered.multiplied(by: centered, transposeSelf: true)
            for k in cov.values.indices { cov.values[k] /= Double(m.rowCount - 1) }
            return cov
        }
        var shifted = patches
        for r in 0..<shifted.rowCount { for c in 0..<9 { shifted[r, c] -= mean[c] } }
        let before = covariance(patches).symmetricEigenvalues()!
        let after = covariance(shifted.multiplied(by: w)).symmetricEigenvalues()!
        let expected = before.map { $0 / ($0 + epsilon) }.sorted()
        for (x, e) in zip(after, expected) { #expect(abs(x - e) <= 1e-9) }
    }

    @Test("Bad inputs to Convex-RF give typed errors")
    func convexRFErrors() throws {
        let (train, _) = try Self.digitsSubset(trainCount: 40, testCount: 0)
        let labels = train.labels!
        var settings = ConvexRFSettings()
        settings.sampledPatches = 10
        settings.patchSize = 9
        #expect(throws: ConvexRFError.patchTooLarge(patchSize: 9, height: 8, width: 8)) {
            try ConvexRF.train(images: train.features, labels: labels, classCount: 10, settings: settings)
        }
        // Tabular data: 10 features is no square image.
        let table = gaussianMatrix(40, 10, seed: 1)
        #expect(throws: ConvexRFError.self) {
            try ConvexRF.train(images: table, labels: labels, classCount: 10, settings: ConvexRFSettings())
        }
        do {
            _ = try ConvexRF.train(images: table, labels: labels, classCount: 10, settings: ConvexRFSettings())
        } catch let error as ConvexRFError {
            guard case .notImages(featureCount: 10, _) = error else { Issue.record("unexpected \(error)"); return }
        }
        // Blank images: every patch is constant, which ε = 0 cannot normalize.
        settings = ConvexRFSettings()
        settings.sampledPatches = 10
        settings.normalizationEpsilon = 0
        let blank = DenseMatrix(rowCount: 40, columnCount: 64, repeating: 3)
        do {
            _ = try ConvexRF.train(images: blank, labels: labels, classCount: 10, settings: settings)
            Issue.record("constant patches with ε = 0 were accepted")
        } catch let error as ConvexRFError {
            guard case .constantPatch = error else { Issue.record("unexpected \(error)"); return }
        }
        // … and at feature time for a model fitted with ε = 0 on patches that vary.
        var noisy = train.features
        var generator = SeededGenerator(seed: 9)
        for k in noisy.values.indices { noisy.values[k] += 0.01 * generator.nextGaussian() }
        let fitted = try ConvexRF.train(images: noisy, labels: labels, classCount: 10, settings: settings)
        #expect(throws: ConvexRFError.constantPatch(image: 0, row: 0, column: 0)) {
            try fitted.classify(DenseMatrix(rowCount: 1, columnCount: 64, repeating: 0))
        }
        // Labels out of range.
        #expect(throws: ConvexRFError.self) {
            try ConvexRF.train(images: train.features, labels: labels.map { $0 + 10 }, classCount: 10, settings: ConvexRFSettings())
        }
    }

    @Test("Bad inputs to the extreme-point solver give typed errors")
    func extremePointErrors() {
        #expect(throws: ExtremePointError.tooFewSamples(samples: 1, features: 3)) {
            try ExtremePointNeurons.alongBasisDirections(features: DenseMatrix(rows: [[1, 2, 3]]))
        }
        #expect(throws: ExtremePointError.nonFinite(sample: 1)) {
            try ExtremePointNeurons.alongBasisDirections(features: DenseMatrix(rows: [[1, 2], [.nan, 0], [3, 4]]))
        }
    }
}
