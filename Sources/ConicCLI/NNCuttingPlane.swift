import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

/// `conic nn cutting-plane`: JMLR Algorithms 1 and 3 with a certified gap.
struct NNCuttingPlane: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutting-plane",
        abstract: "Train a two-layer ReLU network by the cutting-plane method on its semi-infinite dual, with a certified gap.",
        discussion: """
            Neurons have ‖u‖ ≤ 1 and, with --bias, a free (unregularized) bias plus an output bias (JMLR Algorithm 3); \
            the objective is the loss plus β‖w‖₁, which equals weight decay (β/2)Σ(‖u‖² + w²). With --interpolate the \
            network must fit the data exactly and the objective is Σ‖u‖‖w‖. The relaxation oracle solves two SOCPs per \
            round (exact for spike-free data); the exact oracle walks every hyperplane arrangement (rank ≤ 3, with a bias \
            d ≤ 3). Either way the lower bound is certified.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Weight decay β > 0 (regularized problem).") var beta: Double?
    @Flag(help: "Minimum-norm interpolation instead of a regularized fit.") var interpolate = false
    @Option(help: "Loss with --beta: squared, hinge or logistic (binary labels), cross-entropy (softmax over one output per class).") var loss: Loss = .squared
    @Option(help: "Oracle for violating neurons: relaxation (spike-free, two SOCPs per round), exact (arrangements; rank ≤ 3), ascent (fixed-point ascent from every sample; a heuristic for n > d) or auto (exact when the rank allows).")
    var oracle: OracleArgument = .relaxation
    @Flag(help: "Whiten the features (zero-phase, fitted on the training part) before training.") var whiten = false
    @Flag(name: .customLong("extreme-points"), help: "Start from the extreme-point neurons along the basis directions (JMLR Lemma 2.7; needs --bias).")
    var extremePoints = false
    @Option(name: .customLong("max-rounds"), help: "Largest number of rounds.") var maxRounds: Int = 100
    @Option(help: "A neuron violates the dual constraint when its value exceeds β(1 + tolerance).") var tolerance: Double = 1e-5
    @Option(name: .customLong("neurons-per-round"), help: "Neurons the exact oracle adds per round and sign.") var neuronsPerRound: Int = 1
    @Flag(name: .customLong("spike-free"), help: "Also estimate whether the (whitened) data are spike-free.") var spikeFree = false
    @Option(help: "Write an SVG plot of the objective and lower bound against the number of neurons.") var plot: String?
    @Option(name: .customLong("save-network"), help: "Write the trained network (.json or .npz).") var saveNetwork: String?
    @Option(name: .customLong("relaxation-limit"), help: "Largest number of samples for the semidefinite bound (no bias, rank > 3).")
    var relaxationLimit: Int = SemidefiniteRelaxation.maximumSamples
    @Option(help: "BLAS threads (0: automatic — one for small problems, the library default otherwise).") var threads: Int = 0
    @Flag(help: "No progress on standard error.") var quiet = false
    @Flag(help: "Print one JSON object with the result.") var json = false

    func run() throws {
        var (train, test) = try dataOptions.load()
        let lossValue = loss
        var settings = CuttingPlaneSettings()
        switch (beta, interpolate) {
        case (nil, true): settings.objective = .interpolation
        case let (beta?, false): settings.objective = .regularized(lossValue, beta: beta)
        default: throw ValidationError("give either --beta B or --interpolate")
        }
        if interpolate, lossValue != .squared { throw ValidationError("--interpolate fits targets exactly; it takes no --loss \(lossValue.rawValue)") }
        settings.bias = dataOptions.bias
        settings.tolerance = tolerance
        settings.maximumRounds = maxRounds
        settings.neuronsPerRound = neuronsPerRound
        settings.maximumRelaxationSamples = relaxationLimit
        settings.solver.threads = threads
        if whiten {
            do {
                let whitening = try Whitening.fit(train.features)
                train.features = whitening.apply(train.features)
                if let held = test { test?.features = whitening.apply(held.features) }
            } catch { throw fail(error) }
        }
        switch oracle {
        case .relaxation: settings.oracle = .relaxation
        case .exact: settings.oracle = .exact
        case .ascent: settings.oracle = .ascent
        case .auto:
            let columns = train.featureCount + (dataOptions.bias ? 1 : 0)
            settings.oracle = columns <= 3 || NumericalRank.of(train.features) <= (dataOptions.bias ? 2 : 3) ? .exact : .relaxation
        }
        let y = try targets(of: train, loss: lossValue)
        if extremePoints {
            guard dataOptions.bias else { throw ValidationError("--extreme-points gives neurons with a bias; add --bias") }
            do {
                let found = try ExtremePointNeurons.alongBasisDirections(features: train.features)
                settings.initialNeurons = DenseMatrix(rows: found.neurons.map { $0.weights + [$0.bias] })
                if !quiet { reportProgress("\(found.neurons.count) extreme-point neurons (\(found.interiorSamples.count) samples inside the hull)") }
            } catch { throw fail(error) }
        }
        let progress: ((CuttingPlaneRound) -> Void)? = quiet ? nil : { round in
            var line = "round \(round.round): \(round.neurons) neurons"
            if let objective = round.objective { line += String(format: ", objective %.8e", objective) }
            line += round.violation.isFinite ? String(format: ", violation %.6f", round.violation) : ", dual unbounded (not yet interpolating)"
            if let lower = round.lowerBound { line += String(format: ", lower bound %.8e", lower) }
            reportProgress(line)
        }
        let started = Date()
        let result: CuttingPlaneResult
        do { result = try CuttingPlaneTrainer.train(features: train.features, targets: y, settings: settings, progress: progress) } catch {
            throw fail(error)
        }
        let wallTime = Date().timeIntervalSince(started)
        if let saveNetwork {
            do { try result.network.save(to: saveNetwork) } catch { throw fail(error) }
        }
        if let plot {
            let objective = result.rounds.compactMap { r in r.objective.map { (Double(r.neurons), $0) } }
            var series = [(name: "objective over the neurons so far", points: objective)]
            let lower = result.rounds.compactMap { r in r.lowerBound.map { (Double(r.neurons), $0) } }
            if !lower.isEmpty { series.append((name: "certified lower bound", points: lower)) }
            let gaps = result.rounds.compactMap { r -> (Double, Double)? in
                guard let o = r.objective, let l = r.lowerBound else { return nil }
                return (Double(r.neurons), max(o - l, 0))
            }
            let svg = gaps.isEmpty
                ? SVGPlot.lineChart(series: series, title: "Cutting plane: objective against neurons", xLabel: "neurons", yLabel: "objective")
                : SVGPlot.lineChart(series: [(name: "duality gap (objective − certified lower bound)", points: gaps)],
                                    title: "Cutting plane: duality gap against neurons", xLabel: "neurons", yLabel: "gap", logY: true)
            do { try svg.write(toFile: plot, atomically: true, encoding: .utf8) } catch {
                throw fail(CuttingPlaneError.invalidInput("cannot write \(plot): \(error.localizedDescription)"))
            }
        }

        let certificate = result.certificate
        var object: [String: Any] = [
            "objective": jsonNumber(certificate.objective),
            "lower_bound": jsonNumber(certificate.lowerBound),
            "gap": jsonNumber(certificate.gap),
            "relative_gap": jsonNumber(certificate.relativeGap),
            "neurons": result.network.width,
            "rounds": result.rounds.count,
            "converged": result.converged,
            "certified_converged": result.converged && certificate.relativeGap <= 1e-3,
            "oracle": settings.oracle.rawValue,
            "bound_method": certificate.boundMethod.rawValue,
            "dual_scale": jsonNumber(certificate.dualScale),
            "max_residual": jsonNumber(result.maximumResidual),
            "solve_time": jsonNumber(result.solveTime),
            "wall_time": jsonNumber(wallTime),
            "samples": train.sampleCount,
            "features": train.featureCount,
            "bias": dataOptions.bias,
            "objective_kind": interpolate ? "interpolation" : lossValue.rawValue,
            "round_history": result.rounds.map { round -> [String: Any] in
                ["round": round.round, "neurons": round.neurons, "objective": round.objective.map(jsonNumber) ?? NSNull(),
                 "violation": jsonNumber(round.violation), "lower_bound": round.lowerBound.map(jsonNumber) ?? NSNull()]
            },
        ]
        if let beta { object["beta"] = beta }
        object.merge(evaluation(of: result.network, on: train, targets: y, prefix: "train")) { $1 }
        if let test {
            object.merge(evaluation(of: result.network, on: test, targets: try targets(of: test, loss: lossValue), prefix: "test")) { $1 }
        }
        if spikeFree {
            let report = SpikeFreeCheck.check(features: train.features, seed: dataOptions.seed)
            object["spike_free"] = ["verdict": report.verdict.rawValue, "reason": report.reason,
                                    "largest_pseudoinverse_norm": jsonNumber(report.largestPseudoinverseNorm),
                                    "largest_range_residual": jsonNumber(report.largestRangeResidual),
                                    "condition_bound": jsonNumber(report.conditionBound)] as [String: Any]
        }
        if json {
            try printJSON(object)
            return
        }
        // "Converged" only when the oracle found no violation AND the certified gap is small: a
        // heuristic oracle can run dry while the bound is still far from the objective.
        let headline: String
        if result.converged, certificate.relativeGap <= 1e-3 {
            headline = "converged"
        } else if result.converged {
            headline = "no violating neuron found by the \(settings.oracle.rawValue) oracle, but the certified gap is wide (not converged)"
        } else {
            headline = "stopped"
        }
        print("\(headline) after \(result.rounds.count) rounds (\(settings.oracle.rawValue) oracle); \(result.network.width) neurons")
        print(String(format: "objective:    %.10e", certificate.objective))
        print(String(format: "lower bound:  %.10e  (%@ dual-constraint bound, dual scale %.6f)", certificate.lowerBound,
                     certificate.boundMethod.rawValue, certificate.dualScale))
        print(String(format: "gap:          %.3e  (relative %.3e)", certificate.gap, certificate.relativeGap))
        print(String(format: "time:         %.3f s in conic solves, %.3f s in all", result.solveTime, wallTime))
        if interpolate { print(String(format: "max |f(x) − y| = %.3e", result.maximumResidual)) }
        if let spike = object["spike_free"] as? [String: Any] { print("spike-free: \(spike["verdict"]!) — \(spike["reason"]!)") }
        printEntries(of: object, prefixes: ["test_", "train_"])
    }
}

/// `conic nn spike-free`: the estimate of JMLR Lemma 2.3.
struct NNSpikeFree: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spike-free",
        abstract: "Estimate whether data are spike-free (JMLR Lemma 2.3), i.e. whether the cutting plane's relaxation oracle is exact.")

    @OptionGroup var dataOptions: DataOptions
    @Flag(help: "Whiten the features (zero-phase) first.") var whiten = false
    @Option(help: "Random starts of the ascent.") var starts: Int = 200
    @Flag(help: "Print one JSON object with the result.") var json = false

    func run() throws {
        var (train, _) = try dataOptions.load()
        guard starts >= 1 else { throw ValidationError("--starts must be at least 1") }
        if whiten {
            do { train.features = try Whitening.fit(train.features).apply(train.features) } catch { throw fail(error) }
        }
        let report = SpikeFreeCheck.check(features: train.features, starts: starts, seed: dataOptions.seed)
        if json {
            try printJSON(["verdict": report.verdict.rawValue, "reason": report.reason,
                           "largest_pseudoinverse_norm": jsonNumber(report.largestPseudoinverseNorm),
                           "largest_range_residual": jsonNumber(report.largestRangeResidual),
                           "condition_bound": jsonNumber(report.conditionBound),
                           "witness": report.witness.map { $0.map(jsonNumber) } ?? NSNull()])
            return
        }
        print("\(report.verdict.rawValue): \(report.reason)")
        print(String(format: "largest ‖A†(Au)₊‖ found: %.6f; largest range residual found: %.3e; σ₁/σ_r = %.6f",
                     report.largestPseudoinverseNorm, report.largestRangeResidual, report.conditionBound))
    }
}
