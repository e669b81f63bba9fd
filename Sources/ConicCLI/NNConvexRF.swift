import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

/// `conic nn extreme-points`: the extreme-point neurons along the basis directions (JMLR Lemma 2.7).
struct NNExtremePoints: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extreme-points",
        abstract: "Extreme-point neurons along basis directions: one neuron per sample that is a vertex of the hull of the samples.")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "How the simplex QPs are solved: active-set or interior-point.") var method: SimplexQPMethod = .activeSet
    @Option(name: .customLong("interior-tolerance"), help: "Relative distance under which a sample counts as inside the hull of the others.")
    var interiorTolerance: Double = ExtremePointSettings().interiorTolerance
    @Flag(help: "Solve the samples one after another instead of on all cores.") var serial = false
    @Flag(help: "List every neuron (sample, distance, bias, support size).") var list = false
    @Flag(help: "Print one JSON object with the result.") var json = false

    func run() throws {
        let qpMethod = method
        let (train, _) = try dataOptions.load()
        var settings = ExtremePointSettings()
        settings.method = qpMethod
        settings.interiorTolerance = interiorTolerance
        settings.parallel = !serial
        let result: ExtremePointResult
        do { result = try ExtremePointNeurons.alongBasisDirections(features: train.features, settings: settings) } catch { throw fail(error) }
        let distances = result.neurons.map(\.activationAtSample)
        if json {
            try printJSON([
                "neurons": result.neurons.count,
                "samples": train.sampleCount,
                "features": train.featureCount,
                "interior_samples": result.interiorSamples,
                "neuron_samples": result.neurons.map(\.sampleIndex),
                "solve_time": result.solveTime,
                "max_relative_gap": jsonNumber(result.maximumRelativeGap),
                "min_distance": jsonNumber(distances.min() ?? .nan),
                "max_distance": jsonNumber(distances.max() ?? .nan),
                "mean_support": jsonNumber(result.neurons.isEmpty ? .nan
                    : Double(result.neurons.map(\.projection.support.count).reduce(0, +)) / Double(result.neurons.count)),
                "method": qpMethod.rawValue,
            ])
            return
        }
        print("\(result.neurons.count) extreme-point neurons from \(train.sampleCount) samples (\(train.featureCount) features); \(result.interiorSamples.count) inside the hull of the others")
        print(String(format: "solve time %.3f s, largest relative Frank-Wolfe gap %.2e", result.solveTime, result.maximumRelativeGap))
        if !result.interiorSamples.isEmpty {
            print("inside the hull: " + result.interiorSamples.prefix(50).map(String.init).joined(separator: " ")
                  + (result.interiorSamples.count > 50 ? " …" : ""))
        }
        if list {
            print("sample  distance      bias          support")
            for neuron in result.neurons {
                print(String(format: "%6d  %.6e  %+.6e  %d", neuron.sampleIndex, neuron.activationAtSample, neuron.bias,
                             neuron.projection.support.count))
            }
        }
    }
}

/// `conic nn convex-rf`: JMLR Algorithm 2 on image data, or its baselines.
struct NNConvexRF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convex-rf",
        abstract: "Convex-RF: extreme-point filters of image patches, ReLU and pooling, then an ℓ1-regularized least-squares output layer.")

    @Option(help: "Image data: one image per row (row-major pixels), class label in the last column (e.g. digits.csv.gz; - for standard input).")
    var data: String
    @Option(name: .customLong("image-shape"), help: "Image shape HxW (default: square from the feature count).")
    var imageShape: String?
    @Option(name: .customLong("patch-size"), help: "Side k of the k×k patches.") var patchSize: Int = 4
    @Option(help: "Number P of sampled patches (filters before removing those inside the hull).") var filters: Int = 200
    @Flag(help: "ZCA-whiten the patches.") var whiten = false
    @Option(help: "β of the ℓ1 output layer.") var beta: Double = 1.0
    @Option(help: "Pooling.") var pool: Pooling = .max
    @Option(name: .customLong("pool-grid"), help: "Pool over a G×G grid of cells (2: quadrants).") var poolGrid: Int = 2
    @Option(name: .customLong("filter-source"), help: "Filters: extreme-points (Convex-RF) or random (Gaussian baseline).")
    var filterSource: FilterSource = .extremePoints
    @Flag(help: "Baseline: the same ℓ1 layer on the raw pixels (patch options ignored).") var linear = false
    @Option(name: .customLong("normalization-epsilon"), help: "ε of the per-patch normalization (pixels scaled to [0, 1]).")
    var normalizationEpsilon: Double = ConvexRFSettings().normalizationEpsilon
    @Option(name: .customLong("whitening-epsilon"), help: "ε of the ZCA whitening.") var whiteningEpsilon: Double = ConvexRFSettings().whiteningEpsilon
    @Option(name: .customLong("test-fraction"), help: "Hold out this fraction (seeded by --seed) when the data have no split of their own.")
    var testFraction: Double = 0.2
    @Option(help: "Use the data set's own split K instead of a random one.") var fold: Int?
    @Option(help: "Seed for the split, the patch sampling and random filters.") var seed: UInt64 = 0
    @Option(help: "BLAS threads (0: automatic — one for small problems, the library default otherwise).") var threads: Int = 0
    @Flag(help: "No progress on standard error.") var quiet = false
    @Flag(help: "Print one JSON object with the result.") var json = false

    func run() throws {
        let pooling = pool, source = filterSource
        guard testFraction > 0, testFraction < 1 else { throw ValidationError("--test-fraction must lie in (0, 1)") }
        let (train, test) = try loadSplit()
        guard let trainLabels = train.labels, let testLabels = test.labels, let classes = train.classCount else {
            throw fail(ConvexRFError.badLabels("'\(data)' has no class labels"))
        }
        var solver = SolverSettings()
        solver.threads = threads
        var object: [String: Any] = [
            "beta": beta, "train_samples": train.sampleCount, "test_samples": test.sampleCount, "classes": classes, "seed": seed,
        ]
        let start = Date()
        if linear {
            if !quiet { reportProgress("linear ℓ1 classifier on \(train.featureCount) raw pixels, \(train.sampleCount) training images") }
            let fitted: (layer: L1OutputLayer, pixelScale: Double)
            do { fitted = try ConvexRF.trainLinear(images: train.features, labels: trainLabels, classCount: classes, beta: beta, solver: solver) } catch { throw fail(error) }
            let scaledTrain = Self.scaled(train.features, by: fitted.pixelScale), scaledTest = Self.scaled(test.features, by: fitted.pixelScale)
            let targets = try train.oneHotTargets()
            object.merge([
                "method": "linear",
                "objective": jsonNumber(fitted.layer.objective(features: scaledTrain, targets: targets)),
                "solver_objective": jsonNumber(fitted.layer.solverObjective),
                "train_accuracy": ConvexRF.accuracy(fitted.layer.classify(scaledTrain), trainLabels),
                "test_accuracy": ConvexRF.accuracy(fitted.layer.classify(scaledTest), testLabels),
                "neurons": 0, "features": train.featureCount,
                "nonzero_weights": fitted.layer.weights.values.filter { abs($0) > 1e-6 }.count,
                "solve_time": fitted.layer.solveTime, "iterations": fitted.layer.iterations, "status": fitted.layer.status.rawValue,
            ]) { $1 }
        } else {
            var settings = ConvexRFSettings()
            if let imageShape { settings.imageShape = try Self.parseShape(imageShape) }
            settings.patchSize = patchSize
            settings.sampledPatches = filters
            settings.whiten = whiten
            settings.beta = beta
            settings.pooling = pooling
            settings.poolingGrid = poolGrid
            settings.filterSource = source
            settings.normalizationEpsilon = normalizationEpsilon
            settings.whiteningEpsilon = whiteningEpsilon
            settings.seed = seed
            settings.solver = solver
            if !quiet { reportProgress("Convex-RF (\(source.rawValue) filters\(whiten ? ", whitened" : "")) on \(train.sampleCount) training images") }
            let result: ConvexRFResult
            let testAccuracy: Double
            do {
                result = try ConvexRF.train(images: train.features, labels: trainLabels, classCount: classes, settings: settings)
                testAccuracy = ConvexRF.accuracy(try result.classify(test.features), testLabels)
            } catch { throw fail(error) }
            let layer = result.outputLayer
            object.merge([
                "method": "convex-rf",
                "objective": jsonNumber(result.objective),
                "solver_objective": jsonNumber(layer.solverObjective),
                "train_accuracy": result.trainAccuracy,
                "test_accuracy": testAccuracy,
                "neurons": result.featureMap.filters.rowCount,
                "sampled_patches": result.sampledPatches,
                "interior_patches": result.interiorPatches.count,
                "features": result.featureMap.featureCount,
                "nonzero_weights": layer.weights.values.filter { abs($0) > 1e-6 }.count,
                "filter_source": source.rawValue, "whiten": whiten, "pool": pooling.rawValue, "pool_grid": poolGrid,
                "patch_size": patchSize,
                "solve_time": layer.solveTime, "filter_time": result.filterTime, "feature_time": result.featureTime,
                "iterations": layer.iterations, "status": layer.status.rawValue,
            ]) { $1 }
        }
        object["total_time"] = Date().timeIntervalSince(start)
        if json {
            try printJSON(object)
        } else {
            print(Self.textReport(linear: linear, train: train.sampleCount, test: test.sampleCount, classes: classes)
                .render(object))
        }
    }

    /// The plain-text report: the `--json` keys under readable labels.
    static func textReport(linear: Bool, train: Int, test: Int, classes: Int) -> TextReport {
        typealias Line = TextReport.Line
        let method = linear ? "linear ℓ1 classifier on the raw pixels" : "Convex-RF (JMLR Algorithm 2)"
        return TextReport(
            title: "\(method): \(train) training and \(test) test images, \(classes) classes",
            lines: [Line(label: "test accuracy", key: "test_accuracy"),
                    Line(label: "train accuracy", key: "train_accuracy"),
                    Line(label: "objective", key: "objective", note: "(ℓ1-regularized least squares, pixels scaled)"),
                    Line(label: "solver objective", key: "solver_objective"),
                    Line(label: "β", key: "beta"),
                    Line(label: "filters (neurons)", key: "neurons"),
                    Line(label: "sampled patches", key: "sampled_patches"),
                    Line(label: "inside the hull", key: "interior_patches", note: "(patches dropped)"),
                    Line(label: "filter source", key: "filter_source"),
                    Line(label: "whitened", key: "whiten"),
                    Line(label: "patch size", key: "patch_size"),
                    Line(label: "pooling", key: "pool"),
                    Line(label: "pooling grid", key: "pool_grid"),
                    Line(label: "features", key: "features"),
                    Line(label: "nonzero weights", key: "nonzero_weights"),
                    Line(label: "solver", key: "status"),
                    Line(label: "iterations", key: "iterations"),
                    Line(label: "filter time", key: "filter_time", seconds: true),
                    Line(label: "feature time", key: "feature_time", seconds: true),
                    Line(label: "solve time", key: "solve_time", seconds: true),
                    Line(label: "total time", key: "total_time", seconds: true),
                    Line(label: "seed", key: "seed")],
            omitted: ["method", "train_samples", "test_samples", "classes"])
    }

    /// The data with class labels, split by `--fold` or by `--test-fraction`/`--seed`.
    func loadSplit() throws -> (Dataset, Dataset) {
        do {
            let dataset = try DatasetLoader.load(path: data, classification: true)
            if let fold { return try dataset.split(fold: fold) }
            return dataset.split(testFraction: testFraction, seed: seed)
        } catch { throw fail(error) }
    }

    static func parseShape(_ text: String) throws -> ImageShape {
        let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw ValidationError("--image-shape must look like 8x8") }
        return ImageShape(height: parts[0], width: parts[1])
    }

    static func scaled(_ images: DenseMatrix, by scale: Double) -> DenseMatrix {
        var out = images
        for k in out.values.indices { out.values[k] /= scale }
        return out
    }
}
