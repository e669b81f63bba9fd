import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

/// `conic nn closed-form`: the two-neuron interpolant of JMLR Lemma 3.1 with its ℓ0–ℓ1 check
/// (Lemma 3.2), or the deep ReLU closed forms of ICLR 2021 Theorems 4.3/4.4 against gradient descent.
struct NNClosedForm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "closed-form",
        abstract: "Closed-form optimal ReLU networks: the two-neuron min-norm interpolant (n ≤ d) with its ℓ0–ℓ1 check, or deep networks for whitened data with one-hot labels.")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "two-neuron (JMLR Lemma 3.1/3.2, scalar targets) or deep (ICLR 2021 Thm 4.3 for β = 0, Thm 4.4 for β > 0). Default: deep when --deep is given.")
    var kind: ClosedFormKind?
    @Option(help: "Weight decay β ≥ 0 of the deep objective ½‖f − Y‖² + (β/2)Σ‖Wₗ‖² (deep only).") var beta: Double = 0
    @Flag(help: "Apply zero-phase whitening (no centering) to the features first.") var whiten = false
    @Option(help: "Hidden widths of the deep network, comma-separated (e.g. 6,6 for L = 3); default two layers of width 2K.")
    var deep: String?
    @Option(help: "Random starts of the ascent that estimates max|vᵀ(Au)₊| from below (two-neuron).") var starts: Int = 256
    @Option(help: "Ascent steps per start (two-neuron).") var iterations: Int = 100
    @Option(name: .customLong("relaxation-limit"), help: "Largest sample count for the semidefinite upper bound when the norm bound does not certify; 0 turns it off.")
    var relaxationLimit: Int = SemidefiniteRelaxation.maximumSamples
    @Option(name: .customLong("lp-neurons"), help: "Also solve the min-ℓ1 LP over this many random unit neurons plus the two closed-form ones (two-neuron; 0: skip).")
    var lpNeurons: Int = 0
    @Option(name: .customLong("gd-seeds"), help: "Gradient-descent runs (seeds 1…N) of the same architecture to compare with (deep, β > 0).")
    var gdSeeds: Int = 3
    @Option(name: .customLong("gd-epochs"), help: "Full-batch steps per gradient-descent run.") var gdEpochs: Int = 5000
    @Option(help: "Optimizer of the comparison: adam, gd, or sgd (full-batch heavy ball).") var optimizer: Optimizer = .adam
    @Option(help: "Learning rate of the comparison.") var lr: Double = 1e-2
    @Option(help: "Momentum (sgd).") var momentum: Double = 0.9
    @Flag(help: "Print one JSON object with the result.") var json = false
    @Flag(help: "No progress on standard error.") var quiet = false

    func run() throws {
        guard !dataOptions.bias else { throw ValidationError("the closed forms are for networks without a bias; drop --bias") }
        var (train, _) = try dataOptions.load()
        if whiten {
            do { train.features = try Whitening.fit(train.features).apply(train.features) } catch { throw fail(error) }
        }
        let resolvedKind = kind ?? (deep == nil ? .twoNeuron : .deep)
        var object: [String: Any] = ["kind": resolvedKind.rawValue, "samples": train.sampleCount, "features": train.featureCount,
                                     "whitened": whiten]
        switch resolvedKind {
        case .twoNeuron: try twoNeuron(train, into: &object)
        case .deep: try deepNetwork(train, into: &object)
        }
        if json {
            try printJSON(object)
        } else {
            print(Self.textReport(kind: resolvedKind, samples: train.sampleCount, features: train.featureCount,
                                  whitened: whiten).render(object))
        }
    }

    /// The plain-text report: the `--json` keys under readable labels.
    static func textReport(kind: ClosedFormKind, samples: Int, features: Int, whitened: Bool) -> TextReport {
        typealias Line = TextReport.Line
        let data = "\(samples) samples, \(features) features\(whitened ? ", whitened" : "")"
        switch kind {
        case .twoNeuron:
            return TextReport(
                title: "two-neuron minimum-norm interpolant (JMLR Lemma 3.1) on \(data)",
                lines: [Line(label: "objective ‖w‖₁", key: "objective"),
                        Line(label: "lower bound", key: "lower_bound", note: "(dual value / certified constraint bound)"),
                        Line(label: "gap", key: "gap"),
                        Line(label: "neurons", key: "neurons"),
                        Line(label: "output weights", key: "output_weights"),
                        Line(label: "interpolation error", key: "interpolation_error", note: "(max |f(xᵢ) − yᵢ|)"),
                        Line(label: "condition number", key: "condition_number"),
                        Line(label: "ℓ0–ℓ1 equivalence", key: "verdict", note: "(JMLR Lemma 3.2)"),
                        Line(label: "dual value", key: "dual_value"),
                        Line(label: "max |vᵀ(Au)₊| found", key: "constraint_lower_estimate", note: "(ascent: a lower estimate)"),
                        Line(label: "max |vᵀ(Au)₊| ≤", key: "constraint_upper_bound"),
                        Line(label: "bound method", key: "bound_method"),
                        Line(label: "LP over sampled neurons", key: "lp_objective"),
                        Line(label: "LP neurons used", key: "lp_neurons_used")],
                omitted: ["kind", "samples", "features", "whitened", "equivalence_certified"])
        case .deep:
            return TextReport(
                title: "deep ReLU closed form (ICLR 2021 Thm 4.3/4.4) on \(data)",
                lines: [Line(label: "objective", key: "objective"),
                        Line(label: "lower bound", key: "lower_bound", note: "(computed for two layers only)"),
                        Line(label: "gap", key: "gap"),
                        Line(label: "depth", key: "depth"),
                        Line(label: "hidden widths", key: "hidden_widths"),
                        Line(label: "β", key: "beta"),
                        Line(label: "active neurons", key: "neurons"),
                        Line(label: "path scales", key: "path_scales"),
                        Line(label: "theorem's objective", key: "theorem_objective", note: "(the formula as printed in the paper)"),
                        Line(label: "max residual", key: "max_residual"),
                        Line(label: "gradient descent runs", key: "gd_runs"),
                        Line(label: "best gradient descent", key: "gd_best_objective"),
                        Line(label: "closed form ≤ GD", key: "closed_form_le_gd")],
                omitted: ["kind", "samples", "features", "whitened"])
        }
    }

    func twoNeuron(_ train: Dataset, into object: inout [String: Any]) throws {
        guard beta == 0 else { throw ValidationError("--beta applies to --kind deep; the two-neuron form is the minimum-norm interpolant") }
        let y = try targets(of: train, loss: .squared)
        guard y.columnCount == 1 else { throw ValidationError("the two-neuron form needs one target column (regression or two classes)") }
        let solution: TwoNeuronSolution
        do { solution = try TwoNeuronInterpolation.solve(features: train.features, targets: y.values) } catch { throw fail(error) }
        if !quiet { reportProgress(String(format: "closed form: ‖w‖₁ = %.10g, interpolation error %.2e; checking ℓ0–ℓ1 equivalence…", solution.objective, solution.interpolationError)) }
        let settings = EquivalenceCheckSettings(starts: starts, iterations: iterations, seed: dataOptions.seed,
                                                relaxationSampleLimit: relaxationLimit)
        let check = TwoNeuronInterpolation.checkEquivalence(solution, features: train.features, settings: settings)
        object["objective"] = jsonNumber(solution.objective)
        object["lower_bound"] = jsonNumber(check.lowerBound)
        object["gap"] = jsonNumber(solution.objective - check.lowerBound)
        object["neurons"] = solution.network.width
        object["output_weights"] = [solution.outputWeights.positive, solution.outputWeights.negative]
        object["interpolation_error"] = jsonNumber(solution.interpolationError)
        object["condition_number"] = jsonNumber(solution.conditionNumber)
        object["dual_value"] = jsonNumber(check.dualValue)
        object["constraint_lower_estimate"] = jsonNumber(check.lowerEstimate)
        object["constraint_upper_bound"] = jsonNumber(check.upperBound)
        object["bound_method"] = check.upperBoundMethod.rawValue
        object["verdict"] = check.verdict.rawValue
        object["equivalence_certified"] = check.verdict == .certified
        if lpNeurons > 0 {
            let sampled = FiniteNeuronInterpolation.sampledNeurons(count: lpNeurons, dimension: train.featureCount, seed: dataOptions.seed)
            let neurons = DenseMatrix(rowCount: lpNeurons + 2, columnCount: train.featureCount,
                                      values: solution.network.inputWeights.values + sampled.values)
            do {
                let lp = try FiniteNeuronInterpolation.solve(features: train.features, targets: y.values, neurons: neurons)
                object["lp_objective"] = jsonNumber(lp.objective)
                object["lp_neurons_used"] = lp.outputWeights.filter { abs($0) > 1e-8 * max(1, lp.objective) }.count
            } catch { throw fail(error) }
        }
    }

    func deepNetwork(_ train: Dataset, into object: inout [String: Any]) throws {
        let y: DenseMatrix
        if train.classCount != nil {
            do { y = try train.oneHotTargets() } catch { throw fail(error) }
        } else if train.targets.columnCount == 1, let classes = classIndices(train.targets.values) {
            // A CSV target column of class indices 0…K−1 is one-hot encoded.
            var encoded = DenseMatrix(rowCount: classes.count, columnCount: (classes.max() ?? 0) + 1)
            for (i, label) in classes.enumerated() { encoded[i, label] = 1 }
            y = encoded
        } else {
            y = train.targets   // checked to be one-hot by the builder
        }
        let widths: [Int]
        if let deep {
            let parsed = deep.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) >= 1 }) else { throw ValidationError("--deep must list positive widths, e.g. 6,6") }
            widths = parsed.map { $0! }
        } else {
            widths = [2 * y.columnCount, 2 * y.columnCount]
        }
        let solution: DeepClosedFormSolution
        do {
            solution = try DeepReLUClosedForm.build(features: train.features, targets: y, hiddenWidths: widths, beta: beta)
        } catch { throw fail(error) }
        object["objective"] = jsonNumber(solution.objective)
        object["lower_bound"] = solution.lowerBound.map(jsonNumber) ?? NSNull()
        object["gap"] = solution.lowerBound.map { jsonNumber(solution.objective - $0) } ?? NSNull()
        object["neurons"] = solution.pathScales.filter { $0 > 0 }.count
        object["theorem_objective"] = solution.theoremObjective.map(jsonNumber) ?? NSNull()
        object["depth"] = solution.network.depth
        object["hidden_widths"] = widths
        object["beta"] = beta
        object["path_scales"] = solution.pathScales
        object["max_residual"] = jsonNumber(solution.maximumResidual)
        guard beta > 0, gdSeeds > 0 else { return }
        let method = optimizer
        var runs = [[String: Any]]()
        var best = Double.infinity
        for seed in 1...gdSeeds {
            let settings = DeepGradientTrainingSettings(hiddenWidths: widths, optimizer: method, learningRate: lr, epochs: gdEpochs,
                                                        momentum: method == .sgd ? momentum : 0, seed: UInt64(seed), beta: beta,
                                                        recordEvery: max(1, gdEpochs / 10))
            let run: DeepGradientTrainingResult
            do { run = try DeepGradientTrainer.train(features: train.features, targets: y, settings: settings) } catch { throw fail(error) }
            if !quiet { reportProgress(String(format: "gd seed %d: objective %.10g (closed form %.10g)", seed, run.finalObjective, solution.objective)) }
            runs.append(["seed": seed, "objective": jsonNumber(run.finalObjective), "diverged": run.diverged])
            if !run.diverged { best = min(best, run.finalObjective) }
        }
        object["gd_runs"] = runs
        object["gd_best_objective"] = jsonNumber(best)
        object["closed_form_le_gd"] = solution.objective <= best + 1e-12 * max(1, abs(best))
    }

    /// The values as class indices when all are integers in `0…`, else `nil`.
    func classIndices(_ values: [Double]) -> [Int]? {
        guard values.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 < 1e6 }) else { return nil }
        return values.map { Int($0) }
    }
}
