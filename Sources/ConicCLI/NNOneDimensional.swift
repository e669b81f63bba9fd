import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

/// Options shared by `nn spline` and `nn svm1d`.
struct OneDimensionalOptions: ParsableArguments {
    @Option(help: "Program form: banded (O(n) nonzeros, default) or kernel (the dense kernel (±(tᵢ − tⱼ))₊).")
    var formulation: OneDimensionalFormulation = .banded
    @Option(help: "Write an SVG plot of the result to this file.") var plot: String?
    @Option(name: .customLong("save-network"), help: "Write the trained network (.json or .npz).") var saveNetwork: String?
    @Option(name: .customLong("gd-runs"), help: "Also train this many networks by gradient descent (free bias, seeds --seed+1 …) and compare their objectives.")
    var gdRuns: Int = 0
    @Option(name: .customLong("gd-width"), help: "Width of the gradient-descent networks.") var gdWidth: Int = 50
    @Option(name: .customLong("gd-epochs"), help: "Epochs of each gradient-descent run.") var gdEpochs: Int = 5000
    @Option(name: .customLong("gd-lr"), help: "Learning rate of the gradient-descent runs.") var gdLr: Double = 1e-3
    @Option(name: .customLong("gd-optimizer"), help: "Optimizer of the comparison runs.") var gdOptimizer: Optimizer = .gd
    @Option(help: "BLAS threads (0: automatic — one for small problems, the library default otherwise).") var threads: Int = 0
    @Option(name: .customLong("newton-system"), help: "The solver's Newton system (default: quasi-definite for the banded form, automatic for the kernel form).")
    var newtonSystem: NewtonSystemForm?
    @Flag(help: "Show the solver's iterations on standard error.") var verbose = false
    @Flag(help: "No progress on standard error.") var quiet = false
    @Flag(help: "Print one JSON object with the result.") var json = false

    func parsedFormulation() throws -> OneDimensionalFormulation {
        formulation
    }

    func settings(objective: TrainingObjective) throws -> OneDimensionalSettings {
        var settings = OneDimensionalSettings(objective: objective, formulation: try parsedFormulation())
        settings.solver.threads = threads
        if let newtonSystem { settings.solver.newtonSystem = newtonSystem }
        settings.solver.verbose = verbose && !quiet
        settings.solver.logDestination = .standardError
        return settings
    }
}

/// Trains, reports and plots one exact 1-D problem (the shared body of `spline` and `svm1d`).
private func runOneDimensional(data: DataOptions, options: OneDimensionalOptions, objective: TrainingObjective,
                               targetsOf: (Dataset) throws -> DenseMatrix) throws {
    guard options.gdRuns >= 0 else { throw ValidationError("--gd-runs must be non-negative") }
    if options.gdRuns > 0, case .interpolation = objective {
        throw ValidationError("--gd-runs needs --beta (gradient descent cannot enforce interpolation)")
    }
    let gdOptimizer = options.gdOptimizer
    let (train, test) = try data.load()
    let y: DenseMatrix
    do { y = try targetsOf(train) } catch { throw fail(error) }
    let settings = try options.settings(objective: objective)
    let started = Date()
    let result: OneDimensionalResult
    do { result = try OneDimensionalTrainer.train(features: train.features, targets: y, settings: settings) } catch {
        throw fail(error)
    }
    let totalTime = Date().timeIntervalSince(started)
    if !options.quiet {
        reportProgress("\(objective.name): \(result.projection.positions.count) positions, \(result.variableCount) variables, \(result.constraintCount) rows, \(result.nonzeroCount) nonzeros (\(result.formulation.rawValue))")
    }
    if let path = options.saveNetwork {
        do { try result.network.save(to: path) } catch { throw fail(error) }
    }
    let network = result.network
    // Kinks −b/u of the ReLU neurons, in the line's coordinate.
    let kinks = (0..<network.width).compactMap { j -> Double? in
        let along = zip(network.inputWeights.row(j), result.projection.direction).reduce(0) { $0 + $1.0 * $1.1 }
        return along == 0 ? nil : -network.inputWeights[j, network.inputWeights.columnCount - 1] / along
    }.sorted()
    var object: [String: Any] = [
        "objective": jsonNumber(result.value),
        "lower_bound": jsonNumber(result.lowerBound),
        "gap": jsonNumber(result.gap),
        "relative_gap": jsonNumber(result.relativeGap),
        "neurons": network.width,
        "relu_neurons": kinks.count,
        "kinks": kinks,
        "solve_time": result.solveTime,
        "build_time": result.buildTime,
        "total_time": totalTime,
        "iterations": result.iterations,
        "status": result.solverStatus.rawValue,
        "formulation": result.formulation.rawValue,
        "problem": objective.name,
        "program_objective": jsonNumber(result.programObjective),
        "constant": result.constant,
        "samples": train.sampleCount,
        "features": train.featureCount,
        "outputs": y.columnCount,
        "positions": result.projection.positions.count,
        "direction": result.projection.direction,
        "variables": result.variableCount,
        "constraints": result.constraintCount,
        "nonzeros": result.nonzeroCount,
    ]
    if case .interpolation = objective {
        object["interpolation_error"] = result.interpolationError
    } else {
        object["beta"] = objective.beta
    }
    let loss = objective.loss
    object.merge(measures(of: network, features: train.features, targets: y, loss: loss, prefix: "train")) { $1 }
    var testTargets: DenseMatrix?
    if let test {
        do { testTargets = try targetsOf(test) } catch { throw fail(error) }
        object.merge(measures(of: network, features: test.features, targets: testTargets!, loss: loss, prefix: "test")) { $1 }
    }
    if options.gdRuns > 0 {
        var objectives = [Double](), testAccuracies = [Double](), above = 0
        for run in 1...options.gdRuns {
            let gdSettings = GradientTrainingSettings(
                width: options.gdWidth, optimizer: gdOptimizer, learningRate: options.gdLr, epochs: options.gdEpochs,
                batchSize: 32, seed: data.seed &+ UInt64(run), beta: objective.beta, loss: loss, hasBias: true,
                biasRegularized: false, recordEvery: max(1, options.gdEpochs))
            let run: GradientTrainingResult
            do { run = try GradientTrainer.train(features: train.features, targets: y, settings: gdSettings) } catch { throw fail(error) }
            let value = run.network.objective(features: train.features, targets: y, beta: objective.beta, loss: loss)
            objectives.append(value)
            if value > result.value + 1e-6 * max(1, abs(result.value)) { above += 1 }
            if let test, let testTargets, loss == .hinge {
                testAccuracies.append(accuracy(of: run.network, features: test.features, labels: testTargets))
            }
        }
        object["gd_objectives"] = objectives.map { jsonNumber($0) }
        object["gd_best_objective"] = jsonNumber(objectives.min() ?? .nan)
        object["gd_above_optimum"] = above
        if !testAccuracies.isEmpty { object["gd_test_accuracies"] = testAccuracies }
    }
    if let path = options.plot {
        let inputs = result.projection.coordinates
        let svg: String
        let xLabel = train.featureCount == 1 ? (train.featureNames?.first ?? "x") : "t = âᵀx"
        switch objective {
        case .hinge:
            svg = SVGPlot.decisionRegions(inputs: inputs, labels: y.column(0), network: network,
                                          direction: result.projection.direction,
                                          title: String(format: "min-ℓ1 SVM, β = %g: objective %.6g, %d neurons", objective.beta, result.value, kinks.count),
                                          xLabel: xLabel)
        case .interpolation, .squared, .logistic, .crossEntropy:
            let title = objective == .interpolation
                ? String(format: "min-ℓ1 interpolation: Σ|w| = %.6g, %d neurons", result.value, kinks.count)
                : String(format: "regularized fit, β = %g: objective %.6g, %d neurons", objective.beta, result.value, kinks.count)
            svg = SVGPlot.oneDimensionalFit(inputs: inputs, targets: y.column(0), network: network,
                                            direction: result.projection.direction, title: title, xLabel: xLabel)
        }
        do { try svg.write(toFile: path, atomically: true, encoding: .utf8) } catch { throw fail(error) }
    }
    if options.json {
        try printJSON(object)
    } else {
        print("\(objective.name): \(kinks.count) ReLU neurons\(result.constant.contains { $0 != 0 } ? " + constant" : "") from \(result.projection.positions.count) positions (\(result.formulation.rawValue) program)")
        print(String(format: "objective:    %.10e", result.value))
        print(String(format: "lower bound:  %.10e", result.lowerBound))
        print(String(format: "gap:          %.3e  (relative %.3e)", result.gap, result.relativeGap))
        print(String(format: "solver:       %@, %d iterations, %.3f s", result.solverStatus.rawValue, result.iterations, result.solveTime))
        if case .interpolation = objective { print(String(format: "max |f − y|:  %.3e", result.interpolationError)) }
        printEntries(of: object, prefixes: ["train_", "test_", "gd_"])
    }
}

/// Training and test measures: mean squared error, and accuracy `sign f = y` for the hinge loss.
private func measures(of network: TwoLayerNetwork, features: DenseMatrix, targets: DenseMatrix, loss: Loss,
                      prefix: String) -> [String: Any] {
    let f = network.predict(features)
    let squared = zip(f.values, targets.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    var out: [String: Any] = ["\(prefix)_mse": jsonNumber(squared / Double(max(1, targets.rowCount)))]
    if loss == .hinge { out["\(prefix)_accuracy"] = accuracy(of: network, features: features, labels: targets) }
    return out
}

/// The fraction of samples with `f(xᵢ) ≥ 0` exactly when `yᵢ > 0`.
private func accuracy(of network: TwoLayerNetwork, features: DenseMatrix, labels: DenseMatrix) -> Double {
    let f = network.predict(features).values
    let correct = zip(f, labels.values).filter { ($0.0 >= 0) == ($0.1 > 0) }.count
    return Double(correct) / Double(max(1, labels.rowCount))
}

struct NNSpline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spline",
        abstract: "Exact training on 1-D (or rank-one) data: the min-ℓ1 interpolating spline network, or with --beta the regularized least-squares optimum.",
        discussion: "The neurons are the extreme points (±(t − tᵢ))₊ at the samples plus the free constant of the unregularized bias, so the result is the global optimum over networks of any width; the lower bound certifies it.")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Weight decay β > 0: minimize ½‖f − y‖² + β Σ‖wⱼ‖ (without it: min-ℓ1 interpolation).") var beta: Double?
    @Flag(help: "Minimum-norm interpolation (the default when --beta is absent).") var interpolate = false
    @OptionGroup var options: OneDimensionalOptions

    func run() throws {
        if interpolate, beta != nil { throw ValidationError("--interpolate and --beta exclude each other") }
        let objective: TrainingObjective = beta.map { .squared(beta: $0) } ?? .interpolation
        try runOneDimensional(data: dataOptions, options: options, objective: objective) { $0.targets }
    }
}

struct NNSVM1D: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svm1d",
        abstract: "Exact hinge-loss training on 1-D (or rank-one) data: the min-ℓ1 SVM over the kernel (±(tᵢ − tⱼ))₊ (JMLR Theorem 5.2).",
        discussion: "Targets: a ±1 column, or the labels of a two-class dataset.")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Weight decay β > 0.") var beta: Double
    @OptionGroup var options: OneDimensionalOptions

    func run() throws {
        try runOneDimensional(data: dataOptions, options: options, objective: .hinge(beta: beta)) { dataset in
            dataset.classCount == nil ? dataset.targets : try dataset.signTargets()
        }
    }
}
