import ConicSolver
import Foundation

/// Where the convolution filters of Convex-RF come from.
public enum FilterSource: String, Sendable, Equatable, CaseIterable {
    /// The extreme-point neurons (Lemma 2.7) of the sampled, preprocessed patches (Algorithm 2).
    case extremePoints = "extreme-points"
    /// As many random unit Gaussian filters as sampled patches (the random-features baseline).
    case randomGaussian = "random"
}

/// Settings of ``ConvexRF/train(images:labels:classCount:settings:)``.
public struct ConvexRFSettings: Sendable, Equatable {
    /// The pixel grid; `nil` for square images inferred from the feature count.
    public var imageShape: ImageShape?
    /// Side `k` of the square patches (stride 1).
    public var patchSize = 4
    /// `P`: the number of patches sampled (uniformly over images and positions) to build filters.
    public var sampledPatches = 200
    /// Apply ZCA whitening to the patches.
    public var whiten = false
    /// ε of the per-patch normalization `(p − mean)/√(var + ε)`, on pixels scaled to `[0, 1]`.
    public var normalizationEpsilon = 0.01
    /// ε of the whitening `V(D + εI)^{-1/2}Vᵀ`.
    public var whiteningEpsilon = 0.1
    /// How each filter's ReLU activations are pooled over a cell.
    public var pooling = Pooling.max
    /// The patch positions are pooled over a `grid × grid` array of cells (2: quadrants).
    public var poolingGrid = 2
    /// Extreme-point or random filters.
    public var filterSource = FilterSource.extremePoints
    /// β of the ℓ1 output layer.
    public var beta = 1.0
    /// Seed of the patch sampling and of random filters.
    public var seed: UInt64 = 0
    /// Settings of the extreme-point computation.
    public var extremePoints = ExtremePointSettings()
    /// Settings of the conic solver for the output layer.
    public var solver = SolverSettings()

    /// The defaults.
    public init() {}
}

/// The feature map of Convex-RF: pixel scaling, patch extraction, normalization (and
/// whitening), filters, ReLU and pooling.
public struct ConvexRFFeatureMap: Sendable, Equatable {
    /// The pixel grid.
    public var shape: ImageShape
    /// Side `k` of the patches.
    public var patchSize: Int
    /// Pixels are divided by this (the largest absolute training pixel) before anything else.
    public var pixelScale: Double
    /// Normalization and whitening of patches.
    public var preprocessing: PatchPreprocessing
    /// The filters, one unit vector of `k²` entries per row.
    public var filters: DenseMatrix
    /// The pooling.
    public var pooling: Pooling
    /// Side of the pooling grid.
    public var poolingGrid: Int

    /// Number of features per image: filters × cells.
    public var featureCount: Int { filters.rowCount * poolingGrid * poolingGrid }

    /// `pooling(ReLU(patches · filtersᵀ))` for every image (row) of `images`; feature
    /// `cell · m + filter`.
    ///
    /// - Throws: ``ConvexRFError`` when the images have another size or a patch is constant with ε = 0.
    public func features(_ images: DenseMatrix) throws -> DenseMatrix {
        guard images.columnCount == shape.height * shape.width else {
            throw ConvexRFError.notImages(featureCount: images.columnCount,
                                          detail: "(expected \(shape.height)×\(shape.width) = \(shape.height * shape.width))")
        }
        let grid = try PatchGrid(shape: shape, size: patchSize)
        let m = filters.rowCount, cells = poolingGrid * poolingGrid, positions = grid.positionsPerImage
        var cellOf = [Int](), cellSize = [Double](repeating: 0, count: cells)
        for row in 0..<grid.positionRows {
            for column in 0..<grid.positionColumns {
                let cell = grid.cell(row: row, column: column, grid: poolingGrid)
                cellOf.append(cell)
                cellSize[cell] += 1
            }
        }
        var out = DenseMatrix(rowCount: images.rowCount, columnCount: m * cells)
        let chunk = 256
        for start in stride(from: 0, to: images.rowCount, by: chunk) {
            let range = start..<min(images.rowCount, start + chunk)
            var patches = grid.patches(of: images, range: range)
            let inverse = 1 / pixelScale
            for k in patches.values.indices { patches.values[k] *= inverse }
            let processed = try preprocessing.apply(patches) { r in
                let position = r % positions
                return (range.lowerBound + r / positions, position / grid.positionColumns, position % grid.positionColumns)
            }
            let responses = processed.multiplied(by: filters, transposeOther: true)  // (images·positions) × m
            for (offset, image) in range.enumerated() {
                let outBase = image * m * cells
                for position in 0..<positions {
                    let rowBase = (offset * positions + position) * m
                    let cellBase = outBase + cellOf[position] * m
                    for f in 0..<m {
                        let activation = max(0, responses.values[rowBase + f])
                        switch pooling {
                        case .max: out.values[cellBase + f] = max(out.values[cellBase + f], activation)
                        case .mean: out.values[cellBase + f] += activation / cellSize[cellOf[position]]
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A trained Convex-RF classifier and what its training measured.
public struct ConvexRFResult: Sendable {
    /// The feature map (filters included).
    public var featureMap: ConvexRFFeatureMap
    /// The ℓ1 output layer.
    public var outputLayer: L1OutputLayer
    /// `½‖BW + 1cᵀ − Y‖²_F + β Σ|W|` on the training features, evaluated directly.
    public var objective: Double
    /// Fraction of training images classified correctly.
    public var trainAccuracy: Double
    /// Patches sampled to build the filters.
    public var sampledPatches: Int
    /// Sampled patches that were inside the hull of the others (no filter); empty for random filters.
    public var interiorPatches: [Int]
    /// Seconds to build the filters (sampling, preprocessing, extreme points).
    public var filterTime: Double
    /// Seconds to compute the training features.
    public var featureTime: Double
    /// Seconds in the conic solver for the output layer.
    public var solveTime: Double

    /// The class of every image (row) of `images`.
    public func classify(_ images: DenseMatrix) throws -> [Int] {
        outputLayer.classify(try featureMap.features(images))
    }
}

/// Convex-RF (Algorithm 2 of the JMLR paper): unsupervised filters from the extreme points of
/// sampled image patches, ReLU and pooling, then a convex ℓ1-regularized least-squares output layer.
public enum ConvexRF {
    /// Trains Convex-RF on `images` (one image per row, row-major pixels) with class `labels`.
    ///
    /// - Throws: ``ConvexRFError`` for data that are not images, a patch larger than the image,
    ///   bad labels or settings, constant patches with ε = 0, or a failed solve.
    public static func train(images: DenseMatrix, labels: [Int], classCount: Int,
                             settings: ConvexRFSettings = ConvexRFSettings()) throws -> ConvexRFResult {
        let shape = try settings.imageShape ?? ImageShape.square(featureCount: images.columnCount)
        guard shape.height > 0, shape.width > 0, shape.height * shape.width == images.columnCount else {
            throw ConvexRFError.notImages(featureCount: images.columnCount,
                                          detail: "(the image shape \(shape.height)×\(shape.width) needs \(shape.height * shape.width))")
        }
        let grid = try PatchGrid(shape: shape, size: settings.patchSize)
        let targets = try oneHot(labels, classCount: classCount, samples: images.rowCount)
        guard settings.sampledPatches >= 2 else { throw ConvexRFError.invalidSetting("at least 2 sampled patches are needed") }
        guard settings.poolingGrid >= 1, settings.poolingGrid <= min(grid.positionRows, grid.positionColumns) else {
            throw ConvexRFError.invalidSetting("pooling grid \(settings.poolingGrid) must lie in 1...\(min(grid.positionRows, grid.positionColumns))")
        }
        guard settings.normalizationEpsilon >= 0, !settings.whiten || settings.whiteningEpsilon > 0 else {
            throw ConvexRFError.invalidSetting("normalization ε must be ≥ 0 and whitening ε > 0")
        }
        guard images.values.allSatisfy(\.isFinite) else { throw ConvexRFError.notImages(featureCount: images.columnCount, detail: "(non-finite pixel values)") }

        let filterStart = Date()
        let pixelScale = max(images.values.map(abs).max() ?? 1, .leastNormalMagnitude)
        // Sample P patches: image and position uniform, reproducible from the seed.
        var generator = SeededGenerator(seed: settings.seed)
        var sampled: [Double] = [], places: [(Int, Int, Int)] = []
        for _ in 0..<settings.sampledPatches {
            let image = uniform(images.rowCount, &generator)
            let row = uniform(grid.positionRows, &generator), column = uniform(grid.positionColumns, &generator)
            grid.appendPatch(of: images, image: image, row: row, column: column, to: &sampled)
            places.append((image, row, column))
        }
        var patches = DenseMatrix(rowCount: settings.sampledPatches, columnCount: settings.patchSize * settings.patchSize,
                                  values: sampled.map { $0 / pixelScale })
        var preprocessing = PatchPreprocessing(normalizationEpsilon: settings.normalizationEpsilon)
        if let first = PatchPreprocessing.normalizeRows(&patches, epsilon: settings.normalizationEpsilon).first {
            let (image, row, column) = places[first]
            throw ConvexRFError.constantPatch(image: image, row: row, column: column)
        }
        if settings.whiten {
            let (mean, transform) = try PatchPreprocessing.whitening(of: patches, epsilon: settings.whiteningEpsilon)
            preprocessing.whiteningMean = mean
            preprocessing.whiteningTransform = transform
            for r in 0..<patches.rowCount { for k in 0..<patches.columnCount { patches[r, k] -= mean[k] } }
            patches = patches.multiplied(by: transform)
        }
        let filters: DenseMatrix
        var interior: [Int] = []
        switch settings.filterSource {
        case .extremePoints:
            let result = try ExtremePointNeurons.alongBasisDirections(features: patches, settings: settings.extremePoints)
            guard !result.neurons.isEmpty else { throw ConvexRFError.noFilters(sampledPatches: settings.sampledPatches) }
            interior = result.interiorSamples
            filters = DenseMatrix(rowCount: result.neurons.count, columnCount: patches.columnCount,
                                  values: result.neurons.flatMap(\.weights))
        case .randomGaussian:
            var values: [Double] = []
            for _ in 0..<settings.sampledPatches {
                let v = (0..<patches.columnCount).map { _ in generator.nextGaussian() }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                values += v.map { $0 / norm }
            }
            filters = DenseMatrix(rowCount: settings.sampledPatches, columnCount: patches.columnCount, values: values)
        }
        let featureMap = ConvexRFFeatureMap(shape: shape, patchSize: settings.patchSize, pixelScale: pixelScale,
                                            preprocessing: preprocessing, filters: filters, pooling: settings.pooling,
                                            poolingGrid: settings.poolingGrid)
        let filterTime = Date().timeIntervalSince(filterStart)

        let featureStart = Date()
        let features = try featureMap.features(images)
        let featureTime = Date().timeIntervalSince(featureStart)
        let layer = try L1OutputLayer.fit(features: features, targets: targets, beta: settings.beta, settings: settings.solver)
        return ConvexRFResult(featureMap: featureMap, outputLayer: layer, objective: layer.objective(features: features, targets: targets),
                              trainAccuracy: accuracy(layer.classify(features), labels), sampledPatches: settings.sampledPatches,
                              interiorPatches: interior, filterTime: filterTime, featureTime: featureTime, solveTime: layer.solveTime)
    }

    /// The linear baseline: the same ℓ1 output layer on the raw pixels divided by the largest
    /// absolute pixel. Returns the layer and that scale (apply it to test images too).
    public static func trainLinear(images: DenseMatrix, labels: [Int], classCount: Int, beta: Double,
                                   solver: SolverSettings = SolverSettings()) throws -> (layer: L1OutputLayer, pixelScale: Double) {
        let targets = try oneHot(labels, classCount: classCount, samples: images.rowCount)
        let scale = max(images.values.map(abs).max() ?? 1, .leastNormalMagnitude)
        var scaled = images
        for k in scaled.values.indices { scaled.values[k] /= scale }
        return (try L1OutputLayer.fit(features: scaled, targets: targets, beta: beta, settings: solver), scale)
    }

    /// The fraction of `predicted` equal to `labels`.
    public static func accuracy(_ predicted: [Int], _ labels: [Int]) -> Double {
        guard !labels.isEmpty else { return 0 }
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    static func oneHot(_ labels: [Int], classCount: Int, samples: Int) throws -> DenseMatrix {
        guard labels.count == samples else { throw ConvexRFError.badLabels("\(labels.count) labels for \(samples) images") }
        guard classCount >= 2 else { throw ConvexRFError.badLabels("Convex-RF needs at least 2 classes, got \(classCount)") }
        var y = DenseMatrix(rowCount: samples, columnCount: classCount)
        for (i, label) in labels.enumerated() {
            guard (0..<classCount).contains(label) else { throw ConvexRFError.badLabels("label \(label) of image \(i) is outside 0..<\(classCount)") }
            y[i, label] = 1
        }
        return y
    }

    /// A uniform integer in `0..<bound` from the generator alone (fixed across platforms).
    static func uniform(_ bound: Int, _ generator: inout SeededGenerator) -> Int {
        Int(UInt64(bound).multipliedFullWidth(by: generator.next()).high)
    }
}
