import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

/// `conic nn …`: exact training of two-layer ReLU networks and certificates.
struct NN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Two-layer ReLU networks: exact convex training, certificates, and gradient training for comparison.",
        subcommands: [NNTrain.self, NNCertify.self, NNGradient.self, NNClosedForm.self, NNExtremePoints.self, NNConvexRF.self, NNSpline.self, NNSVM1D.self, NNCuttingPlane.self, NNSpikeFree.self, NNThreeLayer.self, NNConvolution.self, NNDeep.self]
    )
}

/// Writes a progress line to standard error.
func reportProgress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A word on a certified relative gap: "optimal" only when it is small; a wide gap says so, so
/// that no output reads as converged while the bound is far from the objective.
func gapVerdict(relativeGap: Double) -> String {
    if relativeGap <= 1e-4 { return "  — globally optimal to this accuracy" }
    if relativeGap <= 1e-2 { return "  — within 1% of the global optimum" }
    return String(format: "  — WIDE: the network may be up to %.3g%% above the optimum, or the bound is loose", 100 * relativeGap)
}

/// Ends the program with `error: message` on standard error and exit code 1.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode.failure
}

/// The data options shared by the `nn` commands.
struct DataOptions: ParsableArguments {
    @Option(help: "Data: a CSV file (.csv, .csv.gz; target in the last column), a whitespace-separated file, a UCI dataset directory, or - for standard input.")
    var data: String
    @Option(help: "The target column of a CSV file: a header name or a 0-based index (default: the last column).")
    var target: String?
    @Flag(help: "Neurons with a bias: `--bias regularized` (a constant-1 input whose weight the weight decay regularizes, ICML 2020) or `--bias free` (unregularized, JMLR), the same on every command. A plain --bias is the command's own kind: regularized for train, certify, sgd, conv, three-layer; free for cutting-plane, spline, svm1d.")
    var bias = false
    @Flag(help: "Standardize the features (mean 0, standard deviation 1, fitted on the training part).")
    var standardize = false
    @Option(help: "Train on the training part of the dataset's own split K (UCI folds; 0-based) and report the test error.")
    var fold: Int?
    @Option(name: .customLong("test-fraction"), help: "Hold out this fraction of the samples (seeded by --seed) and report the test error.")
    var testFraction: Double?
    @Option(help: "Seed for pattern sampling, splits and initialization.")
    var seed: UInt64 = 0

    /// The training and (optional) test parts, standardized as asked.
    func load() throws -> (train: Dataset, test: Dataset?) {
        var dataset: Dataset
        do { dataset = try DatasetLoader.load(path: data, targetColumn: target) } catch { throw fail(error) }
        var test: Dataset?
        if let fold {
            do { (dataset, test) = try dataset.split(fold: fold) } catch { throw fail(error) }
        } else if let testFraction {
            guard testFraction > 0, testFraction < 1 else { throw ValidationError("--test-fraction must lie in (0, 1)") }
            (dataset, test) = dataset.split(testFraction: testFraction, seed: seed)
        }
        if standardize {
            let scaling = Standardization.fit(dataset.features)
            dataset.features = scaling.apply(dataset.features)
            if let held = test { test?.features = scaling.apply(held.features) }
        }
        return (dataset, test)
    }
}

/// Targets for a loss: ±1 labels for binary classification, one-hot for more classes (and always
/// for the cross-entropy, whose outputs are one score per class), values for regression.
func targets(of dataset: Dataset, loss: Loss) throws -> DenseMatrix {
    guard let classes = dataset.classCount else {
        if loss == .crossEntropy {
            // A delimited file's target column is read as values; integer labels 0..<K are classes here.
            let values = dataset.targets.values
            guard dataset.targets.columnCount == 1, let largest = values.max(), largest >= 1,
                  largest < Double(DatasetLoader.maxClassCount),
                  values.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) else {
                throw fail(ConvexTrainingError.invalidData("the cross-entropy loss needs class labels: a UCI classification dataset or a target column of integers 0..<K with K ≥ 2"))
            }
            let labeled = Dataset(name: dataset.name, features: dataset.features, targets: dataset.targets,
                                  labels: values.map { Int($0) })
            do { return try labeled.oneHotTargets() } catch { throw fail(error) }
        }
        if loss.usesMarginMultipliers {
            let values = dataset.targets.values
            guard dataset.targets.columnCount == 1, values.allSatisfy({ $0 == 1 || $0 == -1 }) else {
                throw fail(ConvexTrainingError.invalidData("the \(loss.rawValue) loss needs binary labels (a UCI classification dataset or a ±1 target column)"))
            }
        }
        return dataset.targets
    }
    if loss == .crossEntropy, classes < 2 {
        throw fail(ConvexTrainingError.invalidData("the cross-entropy loss needs at least two classes; '\(dataset.name)' has \(classes)"))
    }
    do {
        return (classes == 2 && loss != .crossEntropy) || loss.usesMarginMultipliers ? try dataset.signTargets() : try dataset.oneHotTargets()
    } catch { throw fail(error) }
}

/// Error measures of a network on a dataset: mean squared error, and accuracy for classification.
func evaluation(of network: TwoLayerNetwork, on dataset: Dataset, targets y: DenseMatrix, prefix: String) -> [String: Any] {
    let f = network.predict(dataset.features)
    var out: [String: Any] = [:]
    let squared = zip(f.values, y.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    out["\(prefix)_mse"] = jsonNumber(squared / Double(max(1, y.rowCount)))
    if dataset.classCount != nil {
        var correct = 0
        for i in 0..<y.rowCount {
            if y.columnCount == 1 {
                if (f[i, 0] >= 0) == (y[i, 0] > 0) { correct += 1 }
            } else {
                let row = f.row(i), truth = y.row(i)
                if row.indices.max(by: { row[$0] < row[$1] }) == truth.indices.max(by: { truth[$0] < truth[$1] }) { correct += 1 }
            }
        }
        out["\(prefix)_accuracy"] = Double(correct) / Double(max(1, y.rowCount))
    }
    return out
}

/// Prints `key: value` for the entries of a result object whose keys start with one of `prefixes`
/// (the error measures under the plain-text summary), in key order.
func printEntries(of object: [String: Any], prefixes: [String]) {
    for key in object.keys.sorted() where prefixes.contains(where: { key.hasPrefix($0) }) {
        print("\(key): \(object[key]!)")
    }
}

/// Where a certificate's lower bound comes from, for the text reports.
func boundSource(_ certificate: TrainingCertificate, proven: Bool) -> String {
    if let samples = certificate.lowerBoundSamples { return "from a subsample of \(samples) samples" }
    return "\(certificate.boundMethod.rawValue) dual-constraint bound, \(proven ? "proven" : "not proven tight")"
}

/// Options for the convex program shared by `train` and `certify`.
struct ConvexOptions: ParsableArguments {
    @Option(help: "Weight decay β > 0.") var beta: Double
    @Option(help: "Loss: squared, hinge or logistic (binary labels), cross-entropy (softmax over one output per class).") var loss: Loss = .squared
    @Option(help: "Activation patterns: exact (all hyperplane arrangements; rank ≤ 3), N (start from N sampled gate vectors, then generate), or auto (all arrangements when the rank is ≤ 3 and they number at most 1000, else 100 sampled, then generate).")
    var patterns: PatternsArgument = .automatic
    @Option(name: .customLong("max-rounds"), help: "Rounds of pattern generation from the dual (0: solve once over the initial patterns).")
    var maxRounds: Int = ConvexTrainingSettings(beta: 1).generationRounds
    @Option(name: .customLong("time-limit"), help: "Seconds the whole run may take; the last solved round and a valid bound are reported when it runs out.")
    var timeLimit: Double = 600
    @Option(help: "A neuron violates the dual constraint when its value exceeds β(1 + tolerance).")
    var tolerance: Double = 1e-5
    @Option(name: .customLong("patterns-per-round"), help: "Patterns (neurons for vector outputs) added per round of generation at most.")
    var patternsPerRound: Int = ConvexTrainingSettings(beta: 1).patternsPerRound
    @Option(name: .customLong("growth-rounds"), help: "Squared loss: rounds of non-convex neuron growth (insertion from the dual, then L-BFGS) whose neurons' patterns start generation, within a quarter of the time limit (0: off).")
    var growthRounds: Int = ConvexTrainingSettings.recommendedGrowthRounds
    @Option(name: .customLong("subsample-bound"), help: "Share of the time limit kept for lower bounds from the worst-fitted 50 samples and growing subsets of them, when the full data's certificate leaves a gap (the optimum over a subset bounds the full one from below; 0: off).")
    var subsampleBound: Double = ConvexTrainingSettings.recommendedSubsampleBoundShare
    @Option(name: .customLong("add-patterns"), help: "A network file (.json/.npz) whose neurons' patterns are added.")
    var addPatterns: [String] = []
    @Option(name: .customLong("relaxation-limit"), help: "Largest number of samples for the semidefinite bound on the dual constraint (data of rank > 3); 0 turns it off.")
    var relaxationLimit: Int = SemidefiniteRelaxation.maximumSamples
    @Option(help: "BLAS threads (0: automatic — one for small problems, the library default otherwise).") var threads: Int = 0
    @Flag(name: .customLong("free-bias"), help: "Neurons with a free (unregularized) bias, as in the JMLR formulations: the same as --bias free.")
    var freeBias = false
    @Flag(name: .customLong("output-bias"), help: "An output bias: one free (unregularized) offset per output, f(x) = Σⱼ αⱼ(x̃ᵀuⱼ)₊ + c. certify: a network file with \"b2\" has one anyway; with this flag a file without it gets c = 0.")
    var outputBias = false
    @Flag(help: "Show the solver's iterations on standard error.") var verbose = false
    @Flag(help: "No progress on standard error.") var quiet = false

    func parsedLoss() throws -> Loss { loss }

    func settings(hasBias: Bool, seed: UInt64) throws -> ConvexTrainingSettings {
        var settings = ConvexTrainingSettings(beta: beta)
        settings.loss = try parsedLoss()
        settings.hasBias = hasBias || freeBias
        settings.biasRegularized = !freeBias
        settings.outputBias = outputBias
        settings.patterns = try patterns.choice(seed: seed)
        guard maxRounds >= 0 else { throw ValidationError("--max-rounds must not be negative") }
        guard timeLimit > 0 else { throw ValidationError("--time-limit must be positive") }
        guard tolerance >= 0, tolerance.isFinite else { throw ValidationError("--tolerance must be finite and non-negative") }
        settings.generationRounds = maxRounds
        settings.timeLimit = timeLimit
        settings.generationTolerance = tolerance
        guard patternsPerRound >= 1 else { throw ValidationError("--patterns-per-round must be at least 1") }
        settings.patternsPerRound = patternsPerRound
        guard growthRounds >= 0 else { throw ValidationError("--growth-rounds must not be negative") }
        settings.growthRounds = growthRounds
        guard subsampleBound >= 0, subsampleBound < 1 else { throw ValidationError("--subsample-bound must lie in [0, 1)") }
        settings.subsampleBoundShare = subsampleBound
        settings.relaxationSampleLimit = relaxationLimit
        settings.solver.threads = threads
        settings.solver.verbose = verbose && !quiet
        settings.solver.logDestination = .standardError
        return settings
    }

    func extraNetworks(hasBias: Bool) throws -> [TwoLayerNetwork] {
        do { return try addPatterns.map { try TwoLayerNetwork.load(path: $0, defaultBias: hasBias) } } catch { throw fail(error) }
    }

    /// Refuses two inputs that both read standard input (`-`): only one can have it.
    func checkOneStandardInput(_ inputs: [(option: String, path: String)]) throws {
        let readers = (inputs + addPatterns.map { ("--add-patterns", $0) })
            .filter { $0.path == TwoLayerNetwork.standardInputPath }.map(\.option)
        guard readers.count <= 1 else {
            throw ValidationError("\(readers.joined(separator: " and ")): only one input can read standard input (-); give the others a file")
        }
    }
}

struct NNTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a two-layer ReLU network exactly through its convex program, with a certified optimality gap.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var convex: ConvexOptions
    @Option(name: .customLong("save-network"), help: "Write the trained network (.json or .npz).") var saveNetwork: String?
    @Flag(help: "Print one JSON object with the result.") var json = false

    func run() throws {
        try convex.checkOneStandardInput([("--data", dataOptions.data)])
        let (train, test) = try dataOptions.load()
        let loss = try convex.parsedLoss()
        let y = try targets(of: train, loss: loss)
        let settings = try convex.settings(hasBias: dataOptions.bias, seed: dataOptions.seed)
        let extra = try convex.extraNetworks(hasBias: settings.hasBias)
        let progress: ((String) -> Void)? = convex.quiet ? nil : { reportProgress($0) }
        let result: ConvexTrainingResult
        do {
            result = try ConvexTrainer.train(features: train.features, targets: y, settings: settings, including: extra,
                                             progress: progress)
        } catch { throw fail(error) }
        if let saveNetwork {
            do { try result.network.save(to: saveNetwork) } catch { throw fail(error) }
        }
        let certificate = result.certificate
        var object = Report.object(for: result)
        object["beta"] = settings.beta
        object["loss"] = loss.rawValue
        object["samples"] = train.sampleCount
        object["features"] = train.featureCount
        object["outputs"] = y.columnCount
        object.merge(evaluation(of: result.network, on: train, targets: y, prefix: "train")) { $1 }
        if let test {
            object.merge(evaluation(of: result.network, on: test, targets: try targets(of: test, loss: loss), prefix: "test")) { $1 }
        }
        if json {
            try printJSON(object)
        } else {
            print("trained \(result.network.width) neurons from \(result.patternCount) patterns\(result.exact ? " (all arrangements: exact)" : " (\(result.rounds.count) rounds of generation, stopped: \(result.stop.rawValue.replacingOccurrences(of: "_", with: " ")))")")
            print(String(format: "objective p(θ):  %.10e", certificate.objective))
            print(String(format: "lower bound:     %.10e  (%@)", certificate.lowerBound,
                         boundSource(certificate, proven: result.boundProven)))
            print(String(format: "gap:             %.3e  (relative %.3e)%@", certificate.gap, certificate.relativeGap,
                         gapVerdict(relativeGap: certificate.relativeGap)))
            print(String(format: "solver:          %@, %d iterations, %.3f s (build %.3f s)", result.solverStatus.rawValue,
                         result.iterations, result.solveTime, result.buildTime))
            printEntries(of: object, prefixes: ["test_", "train_"])
        }
    }
}

struct NNCertify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Certify a given network (e.g. trained by SGD in PyTorch): its objective, a proven lower bound on the global optimum, and the best network found.")

    @Option(help: "The network file (.json or .npz; - reads it from standard input, JSON or npz by its content).") var network: String
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var convex: ConvexOptions
    @Option(name: .customLong("save-network"), help: "Write the best network the convex program found (.json or .npz).") var saveNetwork: String?
    @Flag(help: "Print one JSON object with the result.") var json = false

    func run() throws {
        try convex.checkOneStandardInput([("--network", network), ("--data", dataOptions.data)])
        let (train, _) = try dataOptions.load()
        let loss = try convex.parsedLoss()
        let y = try targets(of: train, loss: loss)
        var given: TwoLayerNetwork
        do { given = try TwoLayerNetwork.load(path: network, defaultBias: dataOptions.bias || convex.freeBias) } catch { throw fail(error) }
        if convex.freeBias {
            guard given.hasBias else { throw ValidationError("--free-bias: the network file says it has no bias") }
            given.biasRegularized = false
        }
        if convex.outputBias, given.outputBias == nil { given.outputBias = [Double](repeating: 0, count: given.outputCount) }
        let settings = try convex.settings(hasBias: given.hasBias, seed: dataOptions.seed)
        let extra = try convex.extraNetworks(hasBias: given.hasBias)
        let progress: ((String) -> Void)? = convex.quiet ? nil : { reportProgress($0) }
        let result: NetworkCertificate
        do {
            // The extra networks' patterns join the given network's own.
            result = try ConvexTrainer.certify(given, features: train.features, targets: y, settings: settings,
                                               including: extra, progress: progress)
        } catch { throw fail(error) }
        if let saveNetwork {
            do { try result.training.network.save(to: saveNetwork) } catch { throw fail(error) }
        }
        var object = Report.object(for: result, givenNeurons: given.width)
        object["beta"] = settings.beta
        object["loss"] = loss.rawValue
        if json {
            try printJSON(object)
        } else {
            print(String(format: "network objective p(θ): %.10e  (%d neurons)", result.objective, given.width))
            print(String(format: "certified lower bound:  %.10e  (%@)", result.lowerBound,
                         result.training.exact ? "exact: all arrangements"
                             : "\(result.training.rounds.count) rounds of pattern generation, " + boundSource(result.training.certificate, proven: result.training.boundProven)))
            print(String(format: "suboptimality ≤         %.3e  (relative %.3e)%@", result.gap, result.relativeGap,
                         gapVerdict(relativeGap: result.relativeGap)))
            print(String(format: "best network found:     %.10e  (%d neurons)", result.bestObjective, result.training.network.width))
        }
    }
}

struct NNGradient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgd",
        abstract: "Train a two-layer ReLU network of a given width by gradient descent, SGD or Adam on the non-convex objective.")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Weight decay β ≥ 0.") var beta: Double
    @Option(help: "Number of hidden neurons.") var width: Int
    @Option(help: "Loss: squared, hinge or logistic (binary labels), cross-entropy (softmax over one output per class).") var loss: Loss = .squared
    @Option(help: "Optimizer: gd (full batch), sgd or adam.") var optimizer: Optimizer = .adam
    @Option(help: "Learning rate.") var lr: Double = 1e-2
    @Option(help: "Number of epochs.") var epochs: Int = 1000
    @Option(name: .customLong("batch-size"), help: "Mini-batch size (sgd, adam).") var batchSize: Int = 32
    @Option(help: "Momentum (sgd).") var momentum: Double = 0
    @Option(name: .customLong("save-network"), help: "Write the trained network (.json or .npz).") var saveNetwork: String?
    @Flag(name: .customLong("free-bias"), help: "Neurons with a free (unregularized) bias, as in the JMLR formulations (cutting-plane, spline, svm1d): the same as --bias free.")
    var freeBias = false
    @Flag(name: .customLong("output-bias"), help: "An output bias: one free (unregularized) offset per output, trained with the weights.")
    var outputBias = false
    @Flag(help: "Print one JSON object with the result.") var json = false
    @Flag(help: "No progress on standard error.") var quiet = false

    func run() throws {
        let lossValue = loss, method = optimizer
        guard width >= 1 else { throw ValidationError("--width must be at least 1") }
        let (train, test) = try dataOptions.load()
        let y = try targets(of: train, loss: lossValue)
        // Weights, gradients and Adam's two moments (4 copies of m·(d̃ + c)) plus the n × m
        // activations of the full-data objective.
        let parameters = Double(width) * Double(train.featureCount + 1 + y.columnCount)
        let bytes = 8 * (4 * parameters + 2 * Double(width) * Double(train.sampleCount))
        let limit = Double(ConvexTrainingSettings.defaultMemoryLimit)
        guard bytes <= limit else {
            throw ValidationError(String(format: "--width %d needs about %.3g GB (limit %.3g GB: half the memory, at most 8 GB)",
                                         width, bytes / 1_073_741_824, limit / 1_073_741_824))
        }
        var settings = GradientTrainingSettings(width: width, optimizer: method, learningRate: lr, epochs: epochs,
                                                batchSize: batchSize, momentum: momentum, seed: dataOptions.seed, beta: beta,
                                                loss: lossValue, hasBias: dataOptions.bias || freeBias,
                                                biasRegularized: !freeBias, recordEvery: max(1, epochs / 100))
        settings.outputBias = outputBias
        let progressEvery = max(1, epochs / 20)
        let result: GradientTrainingResult
        do {
            result = try GradientTrainer.train(features: train.features, targets: y, settings: settings) { epoch, objective in
                if !quiet, epoch % progressEvery == 0 || epoch == epochs {
                    reportProgress(String(format: "epoch %6d  p(θ) = %.8e", epoch, objective))
                }
            }
        } catch { throw fail(error) }
        if let saveNetwork {
            do { try result.network.save(to: saveNetwork) } catch { throw fail(error) }
        }
        var object = Report.object(for: result, optimizer: method)
        object.merge(evaluation(of: result.network, on: train, targets: y, prefix: "train")) { $1 }
        if let test {
            object.merge(evaluation(of: result.network, on: test, targets: try targets(of: test, loss: lossValue), prefix: "test")) { $1 }
        }
        if json {
            try printJSON(object)
        } else {
            print(String(format: "objective p(θ): %.10e after %d epochs%@", result.finalObjective, result.epochsCompleted,
                         result.diverged ? " (diverged)" : ""))
        }
    }
}
