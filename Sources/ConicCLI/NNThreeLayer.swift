import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

/// `--method` of `conic nn three-layer`: the convex program, or one of the ``Optimizer``s on the non-convex model.
enum ThreeLayerMethod: String, CaseIterable, ExpressibleByArgument {
    case convex, gd, sgd, adam

    /// The first-order method, `nil` for the convex program.
    var optimizer: Optimizer? { Optimizer(rawValue: rawValue) }
}

/// `conic nn three-layer`: K parallel three-layer ReLU sub-networks (ICML 2021), trained through
/// the convex program of Theorem 1 or, for comparison, by projected SGD/Adam on problem (4).
struct NNThreeLayer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "three-layer",
        abstract: "Parallel three-layer ReLU networks: the convex program of ICML 2021 (group ℓ1 over two-level masks), the rebuilt sub-networks and a dual bound; or SGD/Adam on the non-convex model.")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Weight decay β > 0.") var beta: Double
    @Option(help: "First-layer width m₁ of every sub-network.") var width: Int = 3
    @Option(help: "Units of the convex program: N (N draws of a random sub-network, Remark 3) or exact (every unit; at most 16 samples, rank ≤ 3).")
    var units: String = "100"
    @Option(help: "convex (the conic program), or sgd, adam, gd on the non-convex model (4).") var method: ThreeLayerMethod = .convex
    @Option(help: "Number of sub-networks K for sgd/adam/gd.") var subnetworks: Int = 10
    @Option(help: "Learning rate (sgd/adam/gd).") var lr: Double = 1e-2
    @Option(help: "Number of epochs (sgd/adam/gd).") var epochs: Int = 1000
    @Option(name: .customLong("batch-size"), help: "Mini-batch size (sgd, adam).") var batchSize: Int = 32
    @Option(help: "Momentum (sgd).") var momentum: Double = 0
    @Flag(name: .customLong("label-targets"), help: "For classification data, regress on the class index (the paper's regression framework); needed for more than two classes. Without it two classes become ±1.")
    var labelTargets = false
    @Option(name: .customLong("save-network"), help: "Write the trained network (.json).") var saveNetwork: String?
    @Option(name: .customLong("save-units"), help: "Write the units (masks and signs) of the convex program (.json), e.g. to build the identical program elsewhere.")
    var saveUnits: String?
    @Option(name: .customLong("initial-sign-rows"), help: "Sign constraints per cone in the first program (those nearest to tight at the sampled sub-network); violated ones are added and the program solved again. 0: all from the start.")
    var initialSignRows: Int = ThreeLayerSettings(beta: 1, width: 1).initialSignRows
    @Option(help: "Squared-loss form of the program (default: by size).") var formulation: ThreeLayerLossFormulation?
    @Flag(name: .customLong("no-sparsify"), help: "Keep the full program's solution instead of re-solving over the units that carry it.")
    var noSparsify = false
    @Option(help: "BLAS threads (0: automatic).") var threads: Int = 0
    @Flag(help: "Show the solver's iterations on standard error.") var verbose = false
    @Flag(help: "No progress on standard error.") var quiet = false
    @Flag(help: "Print one JSON object with the result.") var json = false

    /// Scalar targets: regression values, ±1 for two classes, or class indices with `--label-targets`.
    func scalarTargets(_ dataset: Dataset) throws -> [Double] {
        if let classes = dataset.classCount, let labels = dataset.labels {
            if labelTargets { return labels.map(Double.init) }
            guard classes == 2 else {
                throw ValidationError("\(classes) classes: the three-layer model has one output; pass --label-targets to regress on the class index")
            }
            do { return try dataset.signTargets().values } catch { throw fail(error) }
        }
        guard dataset.targets.columnCount == 1 else { throw ValidationError("the three-layer model has one output; the data have \(dataset.targets.columnCount) target columns") }
        return dataset.targets.values
    }

    func measures(_ f: [Double], _ y: [Double], dataset: Dataset, prefix: String) -> [String: Any] {
        var out: [String: Any] = [:]
        let squared = zip(f, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        out["\(prefix)_mse"] = jsonNumber(squared / Double(max(1, y.count)))
        if let classes = dataset.classCount {
            let correct = zip(f, y).filter { prediction, truth in
                labelTargets ? min(Double(classes - 1), max(0, prediction.rounded())) == truth : (prediction >= 0) == (truth > 0)
            }.count
            out["\(prefix)_accuracy"] = Double(correct) / Double(max(1, y.count))
        }
        return out
    }

    func run() throws {
        guard width >= 1 else { throw ValidationError("--width must be at least 1") }
        let (train, test) = try dataOptions.load()
        let y = try scalarTargets(train)
        let started = Date()
        var object: [String: Any] = ["beta": beta, "samples": train.sampleCount, "features": train.featureCount, "width": width,
                                     "method": method.rawValue]
        let network: ThreeLayerNetwork
        if method == .convex {
            var settings = ThreeLayerSettings(beta: beta, width: width, hasBias: dataOptions.bias)
            if units == "exact" {
                settings.units = .exhaustive
            } else {
                guard let count = Int(units), count >= 1 else { throw ValidationError("--units must be exact or a positive count") }
                settings.units = .sampled(count: count, seed: dataOptions.seed)
            }
            guard initialSignRows >= 0 else { throw ValidationError("--initial-sign-rows must not be negative") }
            settings.initialSignRows = initialSignRows
            settings.lossFormulation = formulation
            settings.sparsify = !noSparsify
            settings.solver.threads = threads
            settings.solver.verbose = verbose && !quiet
            settings.solver.logDestination = .standardError
            let progress: ((String) -> Void)? = quiet ? nil : { reportProgress($0) }
            let result: ThreeLayerTrainingResult
            do { result = try ThreeLayerTrainer.train(features: train.features, targets: y, settings: settings, progress: progress) } catch {
                throw fail(error)
            }
            network = result.network
            if let saveUnits { try writeUnits(result.units, to: saveUnits) }
            object.merge([
                "objective": jsonNumber(result.networkObjective),
                "convex_objective": jsonNumber(result.convexObjective),
                "lower_bound": jsonNumber(result.bound.value),
                "bound_method": result.bound.method.rawValue,
                "bound_tight": result.bound.isTight,
                "constraint_bound": jsonNumber(result.bound.constraintBound),
                "gap": jsonNumber(result.gap),
                "relative_gap": jsonNumber(result.relativeGap),
                "prediction_difference": jsonNumber(result.predictionDifference),
                "units": result.unitCount,
                "exact": result.exact,
                "variables": result.variables,
                "constraints": result.constraints,
                "full_constraints": result.fullConstraints,
                "rounds": result.rounds,
                "sparsified": result.sparsified,
                "solver_status": result.solverStatus.rawValue,
                "iterations": result.iterations,
                "solve_time": result.solveTime,
                "build_time": result.buildTime,
            ]) { $1 }
            if !json {
                print("\(result.network.count) sub-networks rebuilt from \(result.unitCount) units\(result.exact ? " (every unit: exact)" : " (sampled)")")
                print(String(format: "objective p(θ):   %.10e  (convex program %.10e; predictions agree to %.1e)", result.networkObjective,
                             result.convexObjective, result.predictionDifference))
                print(String(format: "lower bound:      %.10e  (dual (6) with the two-layer relaxation of its constraint, %@ bound; valid, not tight in general)",
                             result.bound.value, result.bound.method.rawValue))
                print(String(format: "gap:              %.3e  (relative %.3e)", result.gap, result.relativeGap))
                print(String(format: "solver:           %@, %d iterations, %.3f s (build %.3f s)", result.solverStatus.rawValue, result.iterations,
                             result.solveTime, result.buildTime))
            }
        } else {
            guard let optimizer = method.optimizer else { preconditionFailure("convex is handled above") }
            let settings = ThreeLayerGradientSettings(subNetworks: subnetworks, width: width, optimizer: optimizer, learningRate: lr,
                                                      epochs: epochs, batchSize: batchSize, momentum: momentum, beta: beta,
                                                      seed: dataOptions.seed, recordEvery: max(1, epochs / 100), hasBias: dataOptions.bias)
            let every = max(1, epochs / 20)
            let result: ThreeLayerGradientResult
            do {
                result = try ThreeLayerGradientTrainer.train(features: train.features, targets: y, settings: settings) { epoch, value in
                    if !quiet, epoch % every == 0 || epoch == epochs { reportProgress(String(format: "epoch %6d  p(θ) = %.8e", epoch, value)) }
                }
            } catch { throw fail(error) }
            network = result.network
            object.merge([
                "objective": jsonNumber(result.finalObjective),
                "subnetworks": subnetworks,
                "diverged": result.diverged,
                "history": result.history.map { [$0.epoch, jsonNumber($0.objective), $0.seconds] as [Any] },
            ]) { $1 }
            if !json {
                print(String(format: "objective p(θ): %.10e after %d epochs (%.3f s)%@", result.finalObjective, epochs, result.seconds,
                             result.diverged ? " (diverged)" : ""))
            }
        }
        object["time"] = Date().timeIntervalSince(started)
        object["subnetworks"] = network.count
        if let saveNetwork {
            do { try network.save(to: saveNetwork) } catch { throw fail(error) }
        }
        object.merge(measures(network.predict(train.features), y, dataset: train, prefix: "train")) { $1 }
        if let test {
            object.merge(measures(network.predict(test.features), try scalarTargets(test), dataset: test, prefix: "test")) { $1 }
        }
        if json { try printJSON(object) } else { printEntries(of: object, prefixes: ["test_", "train_"]) }
    }

    /// `{"width": m₁, "samples": n, "units": [{"first": [[0/1 per sample] per neuron], "signs": […], "second": [0/1 per sample]}]}`.
    func writeUnits(_ units: ThreeLayerUnits, to path: String) throws {
        func bits(_ mask: [Bool]) -> [Int] { mask.map { $0 ? 1 : 0 } }
        let document: [String: Any] = [
            "width": units.width, "samples": units.sampleCount,
            "units": units.units.map { unit in
                ["first": unit.firstLayer.map(bits), "signs": unit.signs, "second": bits(unit.secondLayer)] as [String: Any]
            },
        ]
        do {
            try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch { throw fail(error) }
    }
}
