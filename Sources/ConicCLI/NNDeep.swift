import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

extension HiddenActivation: ExpressibleByArgument {}

/// `conic nn deep`: the closed forms of ICLR 2021 for deep networks with weight decay, each with
/// its dual lower bound, against gradient descent on the same non-convex objective.
struct NNDeep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deep",
        abstract: "Globally optimal deep networks with weight decay (ICLR 2021): deep linear (SVD shrinkage; two layers on any data by a nuclear-norm SDP), ReLU on rank-one data, the deep spline on 1-D data (--bias), ReLU on whitened one-hot data; against gradient descent.",
        discussion: """
        Objective ½‖f(X) − Y‖² + (β/2)Σ‖Wₗ‖². Kinds, chosen from --activation, --bias and the data:
          linear           X with equal non-zero singular values (use --whiten): the optimum by SVD shrinkage.
          nuclear-norm     two linear layers on any other X (or with --nuclear-norm): min ½‖XW − Y‖² + β‖W‖_* as a
                           semidefinite program, factored into W₁ = U√Σ, W₂ = √ΣVᵀ, with the dual bound.
          dual-bound       deeper linear networks on such X (with --gd-seeds ≥ 1): no closed form; the best
                           gradient-descent run, bounded below by the dual bound at each run's residual.
          rank-one-relu    ReLU, X = c a₀ᵀ with c ≥ 0 (Theorem 4.1): the same network, ReLU passes it.
          spline           ReLU with --bias (last hidden layer), X = c a₀ᵀ (Corollary 4.2): knots at the samples.
          whitened-relu    ReLU, XXᵀ = I and one-hot labels (Theorems 4.3/4.4, as `nn closed-form --kind deep`).
        """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Number of layers L ≥ 2.") var depth: Int = 2
    @Option(help: "Weight decay β > 0.") var beta: Double
    @Option(help: "Hidden activation: linear or relu.") var activation: HiddenActivation = .linear
    @Option(help: "Hidden widths of the closed-form network, comma-separated (default: the smallest that hold it).")
    var widths: String?
    @Flag(name: .customLong("nuclear-norm"), help: "Two linear layers: solve the nuclear-norm program even when the closed form applies (it is used anyway on data whose singular values differ).")
    var nuclearNorm = false
    @Flag(help: "Apply zero-phase whitening (no centering), fitted on the training part, to the features first.") var whiten = false
    @Flag(name: .customLong("one-hot"), help: "Encode integer class labels in the target column as one-hot rows.") var oneHot = false
    @Option(name: .customLong("gd-seeds"), help: "Gradient-descent runs (seeds 1…N) on the same objective.") var gdSeeds: Int = 3
    @Option(name: .customLong("gd-epochs"), help: "Full-batch steps per run.") var gdEpochs: Int = 5000
    @Option(name: .customLong("gd-widths"), help: "Hidden widths of the gradient-descent networks (default: those of the closed form).")
    var gdWidths: String?
    @Option(help: "Optimizer of the comparison: adam, gd, or sgd (full-batch heavy ball).") var optimizer: Optimizer = .adam
    @Option(help: "Learning rate of the comparison.") var lr: Double = 1e-2
    @Option(help: "Momentum (sgd).") var momentum: Double = 0.9
    @Option(name: .customLong("init-scale"), help: "Multiplier of the initialization's standard deviation.") var initScale: Double = 1
    @Option(name: .customLong("record-every"), help: "Steps between recorded objectives and layer norms (JSON gd_runs[].history).")
    var recordEvery: Int = 100
    @Option(name: .customLong("rank-tolerance"), help: "Singular values below this fraction of max(1, the layer's largest) do not count towards its rank.")
    var rankTolerance: Double = 1e-3
    @Option(help: "Also report both networks' outputs at N points along the data line (spline and rank-one kinds).") var grid: Int = 0
    @Flag(help: "Print one JSON object with the result.") var json = false
    @Flag(help: "No progress on standard error.") var quiet = false

    enum Kind: String {
        case linear, nuclearNorm = "nuclear-norm", rankOneReLU = "rank-one-relu", spline, whitenedReLU = "whitened-relu"
        case dualBound = "dual-bound"
    }

    func run() throws {
        guard depth >= 2 else { throw ValidationError("--depth must be at least 2") }
        guard beta.isFinite, beta > 0 else { throw ValidationError("--beta must be positive") }
        guard gdSeeds >= 0, gdEpochs >= 1, recordEvery >= 1, grid >= 0 else {
            throw ValidationError("--gd-seeds ≥ 0, --gd-epochs ≥ 1, --record-every ≥ 1 and --grid ≥ 0")
        }
        guard rankTolerance >= 0, rankTolerance < 1 else { throw ValidationError("--rank-tolerance must lie in [0, 1)") }
        guard !dataOptions.bias || activation == .relu else { throw ValidationError("--bias is the deep ReLU spline; add --activation relu") }
        guard !nuclearNorm || depth == 2 && activation == .linear else {
            throw ValidationError("--nuclear-norm is the two-layer linear program: use --depth 2 --activation linear")
        }
        var (train, test) = try dataOptions.load()
        if whiten {
            do {
                let map = try Whitening.fit(train.features)
                train.features = map.apply(train.features)
                if let held = test { test?.features = map.apply(held.features) }
            } catch { throw fail(error) }
        }
        let y = try targetMatrix(train)
        let widths = try parseWidths(self.widths, name: "--widths")
        let x = train.features
        var kind: Kind = activation == .linear ? (nuclearNorm ? .nuclearNorm : .linear)
            : dataOptions.bias ? .spline
            : NumericalRank.of(x) == 1 ? .rankOneReLU : .whitenedReLU
        var object: [String: Any] = ["samples": train.sampleCount, "features": train.featureCount,
                                     "outputs": y.columnCount, "depth": depth, "beta": beta, "activation": activation.rawValue,
                                     "whitened": whiten]
        let network: DeepReLUNetwork?   // nil: no closed form (kind dual-bound)
        var directions: DenseMatrix?
        do {
            switch kind {
            case .linear, .rankOneReLU:
                let attempt = Result { () throws(ClosedFormError) -> DeepLinearSolution in
                    try DeepLinearClosedForm.solve(features: x, targets: y, depth: depth, beta: beta, hiddenWidths: widths,
                                                   activation: activation)
                }
                if case .failure(.unequalSingularValues) = attempt, kind == .linear, depth == 2 {
                    // Two linear layers on data whose singular values differ: the convex program instead.
                    kind = .nuclearNorm
                    let solved = try twoLayerProgram(x, y, widths, into: &object)
                    network = solved.network
                    directions = solved.inputDirections
                    break
                }
                if case .failure(.unequalSingularValues) = attempt, kind == .linear, gdSeeds > 0 {
                    // Deeper, no closed form: train by gradient descent and bound the optimum from the residuals.
                    kind = .dualBound
                    network = nil
                    break
                }
                let s = try attempt.get()
                network = s.network
                directions = s.inputDirections
                object["objective"] = jsonNumber(s.objective)
                object["lower_bound"] = jsonNumber(s.lowerBound)
                object["rank"] = s.rank
                object["data_scale"] = jsonNumber(s.dataScale)
                object["target_spectrum"] = s.targetSpectrum
                object["prediction_spectrum"] = s.predictionSpectrum
                object["threshold"] = jsonNumber(s.threshold)
                object["prediction_difference"] = jsonNumber(s.predictionDifference)
            case .dualBound:
                network = nil   // set only when the closed form refuses the data (above)
            case .nuclearNorm:
                let solved = try twoLayerProgram(x, y, widths, into: &object)
                network = solved.network
                directions = solved.inputDirections
            case .spline:
                let s = try DeepReLUSpline.solve(features: x, targets: y, depth: depth, beta: beta, hiddenWidths: widths)
                network = s.network
                object["objective"] = jsonNumber(s.objective)
                object["lower_bound"] = jsonNumber(s.lowerBound)
                object["layer_scale"] = jsonNumber(s.layerScale)
                object["knots"] = s.knots
                object["neurons"] = s.twoLayer.network.width
                object["program_solves"] = s.programSolves
                object["prediction_difference"] = jsonNumber(s.predictionDifference)
            case .whitenedReLU:
                guard let widths else { throw ValidationError("--widths is needed for the whitened ReLU closed form (each at least the class count)") }
                let s = try DeepReLUClosedForm.build(features: x, targets: y, hiddenWidths: widths, beta: beta)
                network = s.network
                object["objective"] = jsonNumber(s.objective)
                object["lower_bound"] = (s.relaxedLowerBound ?? s.lowerBound).map(jsonNumber) ?? NSNull()
                object["theorem_objective"] = s.theoremObjective.map(jsonNumber) ?? NSNull()
                object["path_scales"] = s.pathScales
                object["max_residual"] = jsonNumber(s.maximumResidual)
            }
        } catch let error as ValidationError { throw error } catch { throw fail(error) }
        object["kind"] = kind.rawValue
        let objective = network?.objective(features: x, targets: y, beta: beta)
        if let network, let objective {
            if let bound = object["lower_bound"] as? Double { object["gap"] = jsonNumber(objective - bound) }
            object["hidden_widths"] = network.hiddenWidths
            object.merge(layerReport(network), uniquingKeysWith: { $1 })
            object.merge(errors(network, train: train, test: test, trainTargets: y, prefix: "closed_form"), uniquingKeysWith: { $1 })
            if !quiet { reportProgress(String(format: "%@ %@: objective %.10g, lower bound %@", kind.rawValue, kind == .nuclearNorm ? "program" : "closed form", objective,
                                              (object["lower_bound"] as? Double).map { String(format: "%.10g", $0) } ?? "none")) }
        }

        var best: (objective: Double, network: DeepReLUNetwork)?
        var runs = [[String: Any]]()
        guard let runWidths = try parseWidths(gdWidths, name: "--gd-widths") ?? network?.hiddenWidths ?? widths else {
            throw ValidationError("--gd-widths (or --widths) is needed: there is no closed form for depth \(depth) on data whose singular values differ")
        }
        guard runWidths.count == depth - 1 else { throw ValidationError("--gd-widths needs \(depth - 1) widths") }
        /// `DeepDualBound` at a network's residual: a lower bound on every linear network of the depth.
        func dualBound(_ candidate: DeepReLUNetwork) -> Double {
            let f = candidate.predict(x)
            let residual = DenseMatrix(rowCount: y.rowCount, columnCount: y.columnCount, values: zip(y.values, f.values).map { $0 - $1 })
            return DeepDualBound.lowerBound(targets: y, residual: residual, anchor: y, beta: beta, depth: depth) {
                DeepDualBound.linearGain(features: x, direction: $0)
            }
        }
        var bestBound = -Double.infinity
        for seed in (gdSeeds > 0 ? Array(1...gdSeeds) : []) {
            let settings = DeepGradientTrainingSettings(
                hiddenWidths: runWidths, optimizer: optimizer, learningRate: lr, epochs: gdEpochs,
                momentum: optimizer == .sgd ? momentum : 0, seed: UInt64(seed), beta: beta, initialScale: initScale,
                recordEvery: recordEvery, activation: activation, lastHiddenBias: kind == .spline)
            let run: DeepGradientTrainingResult
            do { run = try DeepGradientTrainer.train(features: x, targets: y, settings: settings) } catch { throw fail(error) }
            if !quiet { reportProgress(String(format: "gd seed %d: objective %.10g", seed, run.finalObjective)) }
            var entry: [String: Any] = ["seed": seed, "objective": jsonNumber(run.finalObjective), "diverged": run.diverged,
                                        "history": run.history.map { ["epoch": $0.epoch, "objective": jsonNumber($0.objective)] },
                                        "frobenius_norm_history": run.frobeniusNormHistory]
            entry.merge(layerReport(run.network), uniquingKeysWith: { $1 })
            if let directions { entry["neuron_projections"] = neuronProjections(run.network.weights[0], directions: directions) }
            entry.merge(errors(run.network, train: train, test: test, trainTargets: y, prefix: "gd"), uniquingKeysWith: { $1 })
            if kind == .dualBound, !run.diverged {
                let bound = dualBound(run.network)
                entry["lower_bound"] = jsonNumber(bound)
                bestBound = max(bestBound, bound)
            }
            runs.append(entry)
            if !run.diverged, run.finalObjective < (best?.objective ?? .infinity) { best = (run.finalObjective, run.network) }
        }
        if gdSeeds > 0 {
            object["gd_runs"] = runs
            object["gd_best_objective"] = best.map { jsonNumber($0.objective) } ?? NSNull()
            if let best, let objective { object["closed_form_le_gd"] = objective <= best.objective + 1e-12 * max(1, abs(best.objective)) }
        }
        if kind == .dualBound {
            // The network returned is the best run; every run's bound is valid, so the largest is.
            guard let best else { throw ValidationError("every gradient-descent run diverged: no network to report") }
            object["objective"] = jsonNumber(best.objective)
            object["lower_bound"] = jsonNumber(bestBound)
            object["gap"] = jsonNumber(best.objective - bestBound)
            object["hidden_widths"] = best.network.hiddenWidths
            object.merge(layerReport(best.network), uniquingKeysWith: { $1 })
            object.merge(errors(best.network, train: train, test: test, trainTargets: y, prefix: "gd"), uniquingKeysWith: { $1 })
            if !quiet { reportProgress(String(format: "no closed form: best run %.10g, dual bound %.10g", best.objective, bestBound)) }
        }
        if let network, grid > 0, kind == .spline || kind == .rankOneReLU {
            object["grid"] = gridReport(x: x, closedForm: network, gradientDescent: best?.network)
        }
        if json {
            try printJSON(object)
        } else {
            for key in object.keys.sorted() where key != "gd_runs" && key != "grid" { print("\(key): \(object[key]!)") }
            for run in runs { print("gd seed \(run["seed"]!): objective \(run["objective"]!)") }
        }
    }

    /// The nuclear-norm program for two linear layers, its keys written into `object`.
    func twoLayerProgram(_ x: DenseMatrix, _ y: DenseMatrix, _ widths: [Int]?, into object: inout [String: Any]) throws -> TwoLayerLinearSolution {
        let s = try TwoLayerLinearProgram.solve(features: x, targets: y, beta: beta, hiddenWidth: widths?.first)
        object["objective"] = jsonNumber(s.objective)
        object["convex_objective"] = jsonNumber(s.convexObjective)
        object["solver_objective"] = jsonNumber(s.solverObjective)
        object["lower_bound"] = jsonNumber(s.lowerBound)
        object["rank"] = s.rank
        object["end_to_end_spectrum"] = s.singularValues
        object["prediction_difference"] = jsonNumber(s.predictionDifference)
        object["solver_status"] = s.status.rawValue
        object["iterations"] = s.iterations
        object["solve_time"] = jsonNumber(s.solveTime)
        return s
    }

    /// One-hot rows for `--one-hot` or a classification dataset with several classes; else the targets.
    func targetMatrix(_ data: Dataset) throws -> DenseMatrix {
        if data.classCount != nil, oneHot || activation == .relu && !dataOptions.bias && NumericalRank.of(data.features) > 1 {
            do { return try data.oneHotTargets() } catch { throw fail(error) }
        }
        guard oneHot else { return data.targets }
        let labels = data.targets.values
        guard data.targets.columnCount == 1, labels.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 < 1e6 }) else {
            throw ValidationError("--one-hot needs one target column of class indices 0, 1, …")
        }
        var y = DenseMatrix(rowCount: labels.count, columnCount: Int(labels.max() ?? 0) + 1)
        for (i, label) in labels.enumerated() { y[i, Int(label)] = 1 }
        return y
    }

    func parseWidths(_ text: String?, name: String) throws -> [Int]? {
        guard let text else { return nil }
        let parsed = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parsed.count == depth - 1, parsed.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("\(name) must list \(depth - 1) positive widths (one per hidden layer), e.g. \(Array(repeating: "4", count: depth - 1).joined(separator: ","))")
        }
        return parsed.map { $0! }
    }

    /// Per layer: Frobenius and operator norms, singular values and rank (at `--rank-tolerance`, relative to
    /// the largest singular value but at least to 1, so that a layer decaying to zero has rank 0).
    func layerReport(_ network: DeepReLUNetwork) -> [String: Any] {
        let spectra = network.weights.map { $0.singularValueDecomposition()?.sigma ?? [] }
        return ["layer_frobenius_norms": network.layerFrobeniusNorms,
                "layer_operator_norms": spectra.map { $0.first ?? 0 },
                "layer_singular_values": spectra,
                "layer_ranks": spectra.map { s in s.filter { $0 > rankTolerance * max(s.first ?? 0, 1) }.count }]
    }

    /// Fig. 5a: per input direction `vᵢ` of the closed form, `Σⱼ |⟨wⱼ/‖wⱼ‖, vᵢ⟩|` over the first-layer
    /// neurons `wⱼ` (columns of `W₁`) that are not negligible (norm above 10⁻⁶ of the largest).
    func neuronProjections(_ w: DenseMatrix, directions v: DenseMatrix) -> [Double] {
        let norms = (0..<w.columnCount).map { euclideanNormOf(w.column($0)) }
        let largest = norms.max() ?? 0
        return (0..<v.columnCount).map { i in
            let vi = v.column(i)
            return (0..<w.columnCount).filter { norms[$0] > 1e-6 * largest }.reduce(0.0) { total, j in
                total + abs(zip(w.column(j), vi).reduce(0) { $0 + $1.0 * $1.1 }) / norms[j]
            }
        }
    }

    func euclideanNormOf(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// Mean squared error (`‖f − Y‖²/n`) and, for class targets, accuracy, on the training and test parts.
    func errors(_ network: DeepReLUNetwork, train: Dataset, test: Dataset?, trainTargets: DenseMatrix, prefix: String) -> [String: Any] {
        var out: [String: Any] = [:]
        func measure(_ x: DenseMatrix, _ y: DenseMatrix, _ part: String) {
            let f = network.predict(x)
            out["\(prefix)_\(part)_mse"] = jsonNumber(zip(f.values, y.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(1, y.rowCount)))
            guard y.columnCount > 1 else { return }
            let correct = (0..<y.rowCount).filter { i in
                let row = f.row(i), truth = y.row(i)
                return row.indices.max { row[$0] < row[$1] } == truth.indices.max { truth[$0] < truth[$1] }
            }.count
            out["\(prefix)_\(part)_accuracy"] = Double(correct) / Double(max(1, y.rowCount))
        }
        measure(train.features, trainTargets, "train")
        if let test, let y = try? targetMatrix(test), y.columnCount == trainTargets.columnCount { measure(test.features, y, "test") }
        return out
    }

    /// Outputs along the data line `X = c âᵀ` at `grid` points spanning the samples' coordinates.
    func gridReport(x: DenseMatrix, closedForm: DeepReLUNetwork, gradientDescent: DeepReLUNetwork?) -> [String: Any] {
        guard let vt = x.singularValueDecomposition()?.vt else { return [:] }
        var direction = x.columnCount == 1 ? [1.0] : vt.row(0)
        var c = x.multiplied(by: direction)
        if c.allSatisfy({ $0 <= 0 }) { direction = direction.map { -$0 }; c = c.map { -$0 } }
        let low = c.min() ?? 0, high = c.max() ?? 1, pad = 0.1 * (high - low)
        let points = (0..<grid).map { low - pad + (high - low + 2 * pad) * Double($0) / Double(max(grid - 1, 1)) }
        let inputs = DenseMatrix(rows: points.map { t in direction.map { t * $0 } })
        var out: [String: Any] = ["coordinates": points, "sample_coordinates": c,
                                  "closed_form": closedForm.predict(inputs).values]
        if let gradientDescent { out["gd"] = gradientDescent.predict(inputs).values }
        return out
    }
}
