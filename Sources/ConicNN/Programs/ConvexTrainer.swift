import ConicSolver
import Foundation

/// Which activation patterns the convex program is solved over.
public enum PatternChoice: Sendable, Equatable {
    /// Every chamber of the hyperplane arrangement (needs `rank(X̃) ≤ 3`): the program is then
    /// the exact training problem.
    case exact
    /// Patterns of `count` Gaussian gate vectors drawn with `seed`.
    case sampled(count: Int, seed: UInt64)
    /// ``exact`` when the rank allows, else ``sampled(count:seed:)``.
    case automatic(count: Int, seed: UInt64)

    /// The count of sampled gate vectors (100 for ``exact``, where one is needed anyway).
    var gateCount: Int {
        switch self {
        case let .sampled(count, _), let .automatic(count, _): return count
        case .exact: return 100
        }
    }

    /// The seed of the sampling (0 for ``exact``).
    var seed: UInt64 {
        switch self {
        case let .sampled(_, seed), let .automatic(_, seed): return seed
        case .exact: return 0
        }
    }
}

/// Settings of exact (convex) two-layer ReLU training.
public struct ConvexTrainingSettings: Sendable {
    /// Weight decay `β > 0`.
    public var beta: Double
    /// The loss.
    public var loss: Loss = .squared
    /// Append a constant-1 input (a bias).
    public var hasBias: Bool = false
    /// Whether weight decay covers the bias (ICML 2020 experiments) or leaves it free (JMLR);
    /// only meaningful with ``hasBias``.
    public var biasRegularized: Bool = true
    /// Add one free (unregularized) offset per output, the output bias: predictions are
    /// `Σⱼ (X̃uⱼ)₊αⱼ + c`, and the dual gains `1ᵀV = 0`. With a free hidden bias the constant
    /// neuron already is such an offset; the network then reports it as its output bias.
    public var outputBias = false
    /// The activation patterns.
    public var patterns: PatternChoice = .automatic(count: 100, seed: 0)
    /// When the program would have more sign rows `(2Dᵢ − I)X̃vᵢ ≥ 0` than this, each pattern
    /// starts with only the constraints nearest its gate vector and the others are added when
    /// violated: the same optimum with usually far fewer constraints. `Int.max` disables it.
    public var signConstraintGenerationThreshold = 100_000
    /// For data of rank above 3, the semidefinite bound on the dual constraint (two SDPs of order
    /// `1 + d̃ + n` per output) is tried when `n` is at most this; the norm bound is used otherwise.
    public var relaxationSampleLimit = SemidefiniteRelaxation.maximumSamples
    /// Settings of the conic solver.
    public var solver = SolverSettings()
    /// Rounds of pattern generation (each a solve over the patterns so far, then a search for
    /// neurons violating the dual constraint); 0 solves once over the initial patterns. Not used
    /// when every arrangement is enumerated (the program is already exact). The time limit is
    /// the usual bound: rounds that solve once converge in 40–80 rounds on the hinge sets.
    public var generationRounds = 200
    /// A neuron violates the dual constraint when `‖Vᵀ(X̃u)₊‖ > β(1 + ε)`; interior-point dual
    /// points are accurate to about `10⁻⁷`, so much smaller values only add rounds.
    public var generationTolerance = 1e-5
    /// Patterns added per round at most (the best distinct ones the ascent finds).
    public var patternsPerRound = 30
    /// Between rounds, drop the patterns whose blocks carried no weight (below `10⁻⁴` of the
    /// largest) in ``idleRoundsBeforeDrop`` consecutive solves: the program stays the size of the
    /// network, not of the search history.
    public var dropUnusedPatterns = true
    /// Consecutive solves without weight before a pattern is dropped. Dropping after one solve
    /// made generation churn (on airfoil two thirds of each round's new patterns replaced ones
    /// dropped the round before).
    public var idleRoundsBeforeDrop = 2
    /// The share of a finite ``timeLimit`` kept for the final certificate's bound on the dual
    /// constraint: generation stops early enough to leave it (without it a run stopped by the
    /// time limit got one second of branch and bound).
    public var certificateTimeShare = 0.25
    /// While the largest violation of the last round exceeds this multiple of `β`, a round solves
    /// once and carries the sign constraints its solution violates to the next round instead of
    /// re-solving at once (a round took three to six solves otherwise: airfoil, n = 500). Its dual
    /// point only steers the search, and the lower bound is valid at any dual point. The last
    /// program is finished when time allows; when it is not, the network takes the relaxation's
    /// directions with refitted output weights (``refitOutputWeights``), since the neurons rebuilt
    /// from a relaxation cross their patterns' cones (measured `p(θ)` 2–25× the program's value).
    /// Infinity turns it off.
    public var singleSolveViolation = 2.0
    /// Random Gaussian starts of the ascent per round (besides the program's own neurons, the data
    /// directions and last round's violators).
    public var randomStarts = 100
    /// Squared loss, one output, patterns generated: the share of a finite ``timeLimit`` that
    /// ``NeuronGrowth`` may take before the first convex solve (a non-convex descent with
    /// neuron insertion whose neurons' patterns start the program); it also stops on its own when
    /// its objective stalls. 0 turns it off.
    public var growthTimeShare = 0.25
    /// Rounds of ``NeuronGrowth`` at most (insertions, each followed by an L-BFGS descent); 0,
    /// the library default, turns it off. The command line turns it on (``recommendedGrowthRounds``):
    /// its descents run thousands of steps per round, which on small data (where generation
    /// converges in a few rounds anyway) cost more than they save.
    public var growthRounds = 0
    /// The growth rounds `conic nn train` and `nn certify` use unless told otherwise.
    public static let recommendedGrowthRounds = 20
    /// The share of a finite ``timeLimit`` kept for lower bounds from subsamples, used when the
    /// full data's certificate leaves a gap (`SubsampleBound.swift`): the optimum over a subset of
    /// the samples is a lower bound on the optimum over all, and a subset of about 50 samples can
    /// be certified nearly exactly where the full data's dual point cannot. 0, the library default,
    /// turns it off; with an infinite time limit the subsets run until each is certified.
    public var subsampleBoundShare = 0.0
    /// The share `conic nn train` and `nn certify` use unless told otherwise.
    public static let recommendedSubsampleBoundShare = 0.3
    /// Seconds the whole run may take (patterns, solves, certificate); the last solved round and a
    /// valid bound are returned when it runs out.
    public var timeLimit = Double.infinity
    /// `automatic` enumerates every arrangement only when the rank allows and the count
    /// `2 Σ_{k<r} C(n−1, k)` is at most this; otherwise it samples and generates.
    public var exactEnumerationLimit = 1000
    /// Bytes a program may need (estimated before it is built); larger ones are refused with
    /// ``ConvexTrainingError/tooLarge(_:)``. Default: half the physical memory, at most 8 GB.
    public var memoryLimit = ConvexTrainingSettings.defaultMemoryLimit

    /// Half the physical memory, at most 8 GB.
    public static var defaultMemoryLimit: Int {
        Int(min(Double(ProcessInfo.processInfo.physicalMemory) / 2, 8 * 1_073_741_824))
    }

    /// A bias that weight decay leaves free.
    var freeBias: Bool { hasBias && !biasRegularized }
    /// Whether the dual carries `1ᵀV = 0`: some output offset is free (the output bias, or the
    /// constant neuron of a free hidden bias).
    var dualSumsToZero: Bool { freeBias || outputBias }
    /// Whether the single-output program needs an offset variable of its own (with a free hidden
    /// bias the constant neuron's pattern plays that part).
    var programOffset: Bool { outputBias && !freeBias }

    /// Settings with weight decay `beta` and defaults elsewhere.
    public init(beta: Double) { self.beta = beta }

    func validate() throws {
        guard hasBias || biasRegularized else { throw ConvexTrainingError.invalidSetting("a free bias (biasRegularized = false) needs hasBias") }
        guard growthTimeShare >= 0, growthTimeShare <= 1, growthRounds >= 0 else {
            throw ConvexTrainingError.invalidSetting("growthTimeShare must be in [0, 1] and growthRounds non-negative")
        }
        guard beta.isFinite, beta > 0 else { throw ConvexTrainingError.invalidSetting("beta must be positive and finite, got \(beta)") }
        switch patterns {
        case let .sampled(count, _), let .automatic(count, _):
            // 0 is allowed: the patterns may all come from given networks.
            guard count >= 0 else { throw ConvexTrainingError.invalidSetting("the number of sampled patterns must not be negative") }
        case .exact: break
        }
        guard certificateTimeShare >= 0, certificateTimeShare < 1, idleRoundsBeforeDrop >= 1, !(singleSolveViolation < 0) else {
            throw ConvexTrainingError.invalidSetting("the certificate's time share must lie in [0, 1), patterns must idle at least one round, and the single-solve violation must not be negative")
        }
        guard generationRounds >= 0, patternsPerRound >= 1, randomStarts >= 0 else {
            throw ConvexTrainingError.invalidSetting("generation rounds and random starts must not be negative, patterns per round at least 1")
        }
        guard generationTolerance >= 0, generationTolerance.isFinite else {
            throw ConvexTrainingError.invalidSetting("the generation tolerance must be finite and non-negative")
        }
        guard timeLimit > 0 else { throw ConvexTrainingError.invalidSetting("the time limit must be positive") }
        guard subsampleBoundShare >= 0, subsampleBoundShare < 1 else {
            throw ConvexTrainingError.invalidSetting("the subsample bound's time share must lie in [0, 1)")
        }
    }
}

/// Errors of convex training and certification.
public enum ConvexTrainingError: Error, Equatable, CustomStringConvertible {
    case invalidSetting(String)
    case invalidData(String)
    /// The solver did not reach an optimal point; the status says why.
    case solverFailed(SolverStatus)
    /// The program would not fit in memory (or another limit); the message says what it needs.
    case tooLarge(String)

    public var description: String {
        switch self {
        case let .invalidSetting(message): return "invalid setting: \(message)"
        case let .invalidData(message): return "invalid data: \(message)"
        case let .solverFailed(status): return "the conic solver stopped with status \(status.rawValue)"
        case let .tooLarge(message): return "too large: \(message)"
        }
    }
}

/// The outcome of convex training: the rebuilt network and its certificate.
public struct ConvexTrainingResult: Sendable {
    /// The non-convex network rebuilt from the convex solution (ICML 2020 Theorem 1), pruned.
    public var network: TwoLayerNetwork
    /// `p(network)` and a proven lower bound on the global optimum.
    public var certificate: TrainingCertificate
    /// The optimal value of the convex program(s), which equals `p*` when ``exact``.
    public var convexObjective: Double
    /// Number of activation patterns used.
    public var patternCount: Int
    /// Whether all arrangements were enumerated (the program is the exact training problem).
    public var exact: Bool
    /// The worst solver status over the outputs (``SolverStatus/solved`` when all solved).
    public var solverStatus: SolverStatus
    /// Solver iterations, summed over outputs.
    public var iterations: Int
    /// Seconds to enumerate patterns and build the programs.
    public var buildTime: Double
    /// Seconds in the solver.
    public var solveTime: Double
    /// The convex model's predictions on the training data (`n × c`).
    public var convexPredictions: DenseMatrix
    /// The rounds of pattern generation (one entry when it did not run).
    public var rounds: [GenerationRound] = []
    /// Why generation stopped.
    public var stop: GenerationStop = .notRun
    /// Whether the certificate's `C` was proven within the search's tolerance (exact for rank ≤ 3);
    /// read off the certificate.
    public var boundProven: Bool { certificate.boundProven ?? false }
    /// The largest `‖Vᵀ(X̃u)₊‖` a concrete neuron reached at the certificate's dual point: `C(V)`
    /// lies between it and the certificate's ``TrainingCertificate/constraintBound``.
    public var constraintBestValue: Double { certificate.constraintBestValue ?? 0 }
    /// Branch-and-bound nodes of the dual-constraint searches, summed.
    public var nodes: Int = 0
    /// Wall-clock seconds of the whole run.
    public var wallTime: Double = 0
}

/// Exact training of two-layer ReLU networks through the convex program of ICML 2020, solved by
/// this package's conic solver, with a certificate for every run.
public enum ConvexTrainer {
    /// Trains on raw features `X` (`n × d`) and targets `Y` (`n × c`).
    ///
    /// One output: the program over the initial patterns (every arrangement when affordable, see
    /// ``PatternChoice``), then pattern generation from its dual (``generatePatterns``). Vector
    /// outputs (`c > 1`: squared loss, or cross-entropy over one-hot targets) train neurons shared
    /// by all outputs: a group-regularized program over generated neurons (``trainSharedNeurons``),
    /// the weight-decay problem itself.
    ///
    /// - Parameters:
    ///   - networks: networks whose neuron patterns are added to the pattern set (so that the
    ///     convex program can represent them); their neurons also start the ascent.
    ///   - progress: receives a line of text at each stage.
    public static func train(features: DenseMatrix, targets: DenseMatrix, settings: ConvexTrainingSettings,
                             including networks: [TwoLayerNetwork] = [],
                             progress: ((String) -> Void)? = nil) throws -> ConvexTrainingResult {
        if settings.subsampleBoundShare > 0 {
            try settings.validate()
            return try trainWithSubsampleBound(features: features, targets: targets, settings: settings,
                                               including: networks, progress: progress)
        }
        let started = Date()
        let deadline = settings.timeLimit.isFinite ? started.addingTimeInterval(settings.timeLimit) : Date.distantFuture
        try settings.validate()
        try validate(features: features, targets: targets, loss: settings.loss)
        let design = settings.hasBias ? features.appendingOnesColumn() : features
        for (index, network) in networks.enumerated() {
            try checkCompatible(network, design: design, settings: settings, name: "added network \(index + 1)")
        }
        var extraStarts = networks.flatMap { network in (0..<network.width).map { network.inputWeights.row($0) } }
        if let zero = zeroNetworkIfOptimal(features: features, targets: targets, design: design, settings: settings, started: started) {
            progress?("β exceeds a bound on the dual constraint at V = Y: the zero network is optimal")
            return zero
        }
        if targets.columnCount > 1 {
            return try trainSharedNeurons(features: features, targets: targets, design: design, settings: settings,
                                          extraStarts: extraStarts, started: started, deadline: deadline, progress: progress)
        }
        let buildStart = Date()
        var patterns = try makePatterns(design: design, settings: settings, progress: progress)
        if settings.freeBias {
            // The constant neuron (u = 0, b > 0) costs nothing with a free bias; its all-active
            // pattern keeps the program's dual on 1ᵀv = 0.
            patterns.insert(preActivations: [Double](repeating: 1, count: design.rowCount),
                            gate: [Double](repeating: 0, count: design.columnCount - 1) + [1])
        }
        for network in networks { patterns.insert(neuronsOf: network, design: design) }
        var grown: (network: TwoLayerNetwork, objective: Double)?
        if settings.loss == .squared, settings.growthTimeShare > 0, settings.growthRounds > 0, settings.generationRounds > 0,
           !patterns.isComplete {
            let outcome = grow(design: design, targets: targets.column(0), settings: settings, started: started,
                               deadline: deadline, progress: progress)
            for u in outcome.neurons { patterns.insert(preActivations: design.multiplied(by: u), gate: u) }
            extraStarts += outcome.neurons
            let network = grownNetwork(outcome, design: design, settings: settings)
            grown = (network, network.objective(features: features, targets: targets, beta: settings.beta, loss: settings.loss))
        }
        guard patterns.count > 0 else { throw ConvexTrainingError.invalidData("the data admit no non-zero activation pattern") }
        progress?("\(patterns.count) activation patterns\(patterns.isComplete ? " (all arrangements)" : " (sampled)")")
        let patternTime = Date().timeIntervalSince(buildStart)

        let n = design.rowCount
        let y = targets.column(0)
        let samples = ConvexReLUProgram.constrainingSamples(design)
        var outcome = try generatePatterns(design: design, targets: y, patterns: patterns, samples: samples,
                                           extraStarts: extraStarts, settings: settings, deadline: deadline, started: started,
                                           progress: progress)
        var iterations = outcome.iterations, solveTime = outcome.solveTime
        let program = outcome.program, solution = outcome.solution
        let boundAfterRounds = outcome.bound == nil
        if boundAfterRounds {
            // The certificate's bound comes before the sparser re-solve (which only changes the
            // network, not the dual point, and is skipped when no time is left).
            progress?("certifying: bounding the dual constraint over all neurons")
            outcome.bound = constraintBound(design: design, dual: outcome.dual, threshold: settings.beta * (1 + settings.generationTolerance),
                                            starts: [], found: outcome.rounds.last.map { $0.violation * settings.beta } ?? 0,
                                            settings: settings, timeLeft: Self.finalBoundShare * deadline.timeIntervalSinceNow,
                                            final: true)
        }
        var chosen = (program, solution.x)
        var sparserSettings = settings
        sparserSettings.solver.timeLimit = min(settings.solver.timeLimit, deadline.timeIntervalSinceNow)
        if deadline.timeIntervalSinceNow > 1,
           let sparser = try sparserSolution(program, solution, targets: y, settings: sparserSettings, deadline: deadline,
                                             progress: progress) {
            iterations += sparser.iterations
            solveTime += sparser.time
            chosen = (sparser.program, sparser.x)
        }
        // ICML 2020 Theorem 1: each non-zero block z_b becomes a neuron u = z_b/√‖z_b‖ with output
        // weight ±√‖z_b‖ (the sign of the block). An interior-point solution has every block
        // slightly non-zero; the largest pruning threshold whose p(θ) is within 1e-9 (relative) of
        // the lowest is kept, so that neurons that only carry solver noise are dropped; neurons
        // with parallel input weights (a block split over patterns that share a boundary) merge.
        // The infinite threshold (no neuron: the zero network, or the offset alone with an output
        // bias) comes first, for a β so large that every block is solver noise.
        let candidates = [.infinity, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 0].map { threshold in
            let network = rebuild([chosen], outputs: 1, threshold: threshold, settings: settings).merged()
            let objective = network.objective(features: features, targets: targets, beta: settings.beta, loss: settings.loss)
            return (network: network, objective: objective, threshold: threshold)
        }
        let lowest = candidates.map(\.objective).min()!
        let best = candidates.first { $0.objective <= lowest + 1e-9 * max(1, abs(lowest)) }!
        var network = best.network, objective = best.objective
        let programValue = solution.primalObjective
        if objective > programValue + 1e-6 * max(1, abs(programValue)) {
            // The rebuild does not realize the program (a relaxation that could not be finished):
            // the same directions with refitted output weights are a real network.
            let directions = (0..<chosen.0.blockCount).map { chosen.0.block($0, of: chosen.1) }
            // A few seconds even past the deadline: the alternative is a network far above its program.
            let refitDeadline = max(deadline, Date().addingTimeInterval(5))
            if let refit = try? refitOutputWeights(directions: directions, design: design, targets: targets, settings: settings,
                                                   deadline: refitDeadline) {
                let refitObjective = refit.objective(features: features, targets: targets, beta: settings.beta, loss: settings.loss)
                progress?(String(format: "the program's network reaches %.6g against its value %.6g; refitting its output weights: %.6g",
                                 objective, programValue, refitObjective))
                if refitObjective < objective { network = refit; objective = refitObjective }
            }
        }
        if let grown, grown.objective < objective {
            // The program's network can only be worse when its last round could not be finished
            // in time; the grown network is a real network all the same.
            progress?(String(format: "the grown network (%.6g) is better than the program's (%.6g); keeping it",
                             grown.objective, objective))
            network = grown.network
            objective = grown.objective
        }
        let f = chosen.0.predictions(pruned(chosen.1, program: chosen.0, threshold: best.threshold))
        let predictions = DenseMatrix(rowCount: n, columnCount: 1, values: f)
        let bound = outcome.bound!
        let (lower, scale) = DualLowerBound.bound(dual: outcome.multipliers, targets: targets, loss: settings.loss,
                                                  beta: settings.beta, constraint: bound.value)
        let certificate = TrainingCertificate(objective: objective, lowerBound: lower, constraintBound: bound.value,
                                              boundMethod: bound.method, dualScale: scale, boundProven: bound.proven,
                                              constraintBestValue: bound.bestValue, boundNodes: bound.nodes)
        let status = solution.status
        var result = ConvexTrainingResult(network: network, certificate: certificate,
                                          convexObjective: solution.primalObjective, patternCount: program.patternCount,
                                          exact: program.patterns.isComplete, solverStatus: status, iterations: iterations,
                                          buildTime: outcome.buildTime + patternTime, solveTime: solveTime,
                                          convexPredictions: predictions)
        result.rounds = outcome.rounds
        result.stop = outcome.stop
        result.nodes = outcome.rounds.reduce(0) { $0 + $1.nodes } + (boundAfterRounds ? bound.nodes : 0)
        result.wallTime = Date().timeIntervalSince(started)
        return result
    }

    /// ``NeuronGrowth`` within its share of the time limit.
    static func grow(design: DenseMatrix, targets y: [Double], settings: ConvexTrainingSettings, started: Date,
                     deadline: Date, progress: ((String) -> Void)?) -> NeuronGrowth.Outcome {
        let until = settings.timeLimit.isFinite
            ? started.addingTimeInterval(settings.growthTimeShare * settings.timeLimit) : deadline
        let seed = settings.patterns.seed
        var growthSettings = NeuronGrowth.Settings()
        growthSettings.rounds = settings.growthRounds
        let outcome = NeuronGrowth.grow(design: design, targets: y, beta: settings.beta, freeBias: settings.freeBias,
                                        outputOffset: settings.outputBias,
                                        tolerance: settings.generationTolerance, settings: growthSettings, seed: seed,
                                        deadline: until, progress: progress)
        progress?(String(format: "growth: %d neurons after %d rounds, objective %.6g, max violation %.4g·β, %.1f s",
                         outcome.neurons.count, outcome.rounds, outcome.objective, outcome.violation,
                         Date().timeIntervalSince(started)))
        return outcome
    }

    /// The grown weights as a network: the offset is the output bias, or with a free bias and no
    /// output bias a bias-only neuron (`balanced()` makes its decay negligible).
    static func grownNetwork(_ outcome: NeuronGrowth.Outcome, design: DenseMatrix,
                             settings: ConvexTrainingSettings) -> TwoLayerNetwork {
        var rows = outcome.neurons, outputs = outcome.outputWeights
        if settings.freeBias, !settings.outputBias, outcome.offset != 0 {
            rows.append([Double](repeating: 0, count: design.columnCount - 1) + [1])
            outputs.append(outcome.offset)
        }
        return TwoLayerNetwork(inputWeights: DenseMatrix(rows: rows, columnCount: design.columnCount),
                               outputWeights: DenseMatrix(column: outputs), hasBias: settings.hasBias,
                               biasRegularized: settings.biasRegularized,
                               outputBias: settings.outputBias ? [outcome.offset] : nil).balanced()
    }

    /// A clear error instead of a trap when a network does not fit the data: its input weights
    /// must have one entry per column of the design (with or without the bias column).
    static func checkCompatible(_ network: TwoLayerNetwork, design: DenseMatrix, settings: ConvexTrainingSettings,
                                name: String) throws {
        let expected = design.columnCount - (settings.hasBias ? 1 : 0)
        guard network.hasBias == settings.hasBias else {
            throw ConvexTrainingError.invalidData("\(name) \(network.hasBias ? "has" : "has no") bias but the training \(settings.hasBias ? "uses one" : "uses none") (--bias)")
        }
        guard network.inputWeights.columnCount == design.columnCount else {
            throw ConvexTrainingError.invalidData("\(name) takes \(network.inputDimension) inputs but the data have \(expected) features")
        }
        guard network.inputWeights.values.allSatisfy(\.isFinite) else {
            throw ConvexTrainingError.invalidData("\(name) holds NaN or infinite weights")
        }
    }

    /// Solves the program for one output starting from the sign constraints `initialRows`, adding
    /// violated ones and solving again until none is violated (after ``maxConstraintRounds``
    /// rounds a violating pattern gets all its constraints). A solution of the program with some
    /// sign constraints left out that satisfies all of them solves the full program.
    ///
    /// With `maximumSolves`, it stops after that many solves: the solution then solves a
    /// relaxation, and `pending` holds the sign rows to start from next time (the violated ones added).
    static func solveWithSignConstraintGeneration(design: DenseMatrix, targets y: [Double], patterns: ActivationPatterns,
                                                  initialRows: [[Int]], samples: [Int], settings: ConvexTrainingSettings,
                                                  deadline: Date = .distantFuture, maximumSolves: Int = .max,
                                                  progress: ((String) -> Void)?) throws
        -> (ConvexReLUProgram, Solution, (iterations: Int, solveTime: Double, buildTime: Double), pending: [[Int]]) {
        var signRows = initialRows
        var iterations = 0, solveTime = 0.0, buildTime = 0.0, round = 1
        while true {
            let buildStart = Date()
            let program = try ConvexReLUProgram(design: design, targets: y, beta: settings.beta, loss: settings.loss,
                                                patterns: patterns, signRows: signRows, freeBias: settings.freeBias,
                                                offset: settings.programOffset)
            buildTime += Date().timeIntervalSince(buildStart)
            progress?("round \(round): \(program.problem.variableCount) variables, \(program.problem.constraintCount) constraints (\(program.formulation.rawValue) form)")
            var solverSettings = settings.solver
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw ConvexTrainingError.solverFailed(.timeLimit) }
            solverSettings.timeLimit = min(solverSettings.timeLimit, left)
            let solution = try solve(program.problem, settings: solverSettings)
            iterations += solution.iterations
            solveTime += solution.solveTime  // includes the setup
            guard solution.status.isOptimal else { throw ConvexTrainingError.solverFailed(solution.status) }
            let violated = program.violatedSignRows(solution.x, among: samples, tolerance: 1e-9, relativeBlockThreshold: 1e-6)
            let added = violated.reduce(0) { $0 + $1.count }
            if added == 0 { return (program, solution, (iterations, solveTime, buildTime), signRows) }
            progress?("  \(added) violated sign constraints added")
            for i in 0..<patterns.count where !violated[i].isEmpty {
                signRows[i] = round >= maxConstraintRounds ? samples : (signRows[i] + violated[i]).sorted()
            }
            if round >= maximumSolves { return (program, solution, (iterations, solveTime, buildTime), signRows) }
            round += 1
        }
    }

    /// An optimal solution on fewer patterns, when one exists among the patterns that carry the
    /// most weight. An interior-point method converges to the analytic center of the optimal
    /// face; when that face is large (the hinge loss is piecewise linear) the center spreads
    /// weight over thousands of patterns. Re-solving over the patterns whose blocks exceed
    /// 10 %, 1 % or 0.1 % of the largest, and keeping the first restricted optimum that matches
    /// the full one (1e-7 relative), gives the same objective with far fewer neurons.
    static func sparserSolution(_ program: ConvexReLUProgram, _ solution: Solution, targets y: [Double],
                                settings: ConvexTrainingSettings, deadline: Date = .distantFuture,
                                progress: ((String) -> Void)?) throws
        -> (program: ConvexReLUProgram, x: [Double], iterations: Int, time: Double)? {
        let norms = (0..<program.blockCount).map { euclideanNorm(program.block($0, of: solution.x)) }
        let largest = norms.max() ?? 0
        let optimum = solution.primalObjective
        let samples = ConvexReLUProgram.constrainingSamples(program.design)
        var iterations = 0, time = 0.0
        for threshold in [1e-1, 1e-2, 1e-3] {
            let kept = (0..<program.patternCount).filter { max(norms[2 * $0], norms[2 * $0 + 1]) > threshold * largest }
            guard !kept.isEmpty, 2 * kept.count <= program.patternCount else { continue }
            let patterns = program.patterns.subset(kept)
            let restricted = try ConvexReLUProgram(design: program.design, targets: y, beta: settings.beta, loss: settings.loss,
                                                   patterns: patterns, signRows: kept.map { program.signRows[$0] },
                                                   freeBias: settings.freeBias, offset: settings.programOffset)
            guard deadline.timeIntervalSinceNow > 0 else { return nil }
            var solverSettings = settings.solver
            solverSettings.timeLimit = min(solverSettings.timeLimit, deadline.timeIntervalSinceNow)
            let candidate = try solve(restricted.problem, settings: solverSettings)
            iterations += candidate.iterations
            time += candidate.solveTime
            if candidate.status.isOptimal, candidate.primalObjective <= optimum + 1e-7 * max(1, abs(optimum)),
               restricted.violatedSignRows(candidate.x, among: samples, tolerance: 1e-9, relativeBlockThreshold: 1e-6)
                   .allSatisfy(\.isEmpty) {
                progress?("  an optimal solution on \(kept.count) of \(program.patternCount) patterns")
                return (restricted, candidate.x, iterations, time)
            }
        }
        return nil
    }

    /// The share of the time left that the certificate's final search may take (the rest is for
    /// the sparser re-solve, when it fits, and the network).
    static let finalBoundShare = 0.9

    /// Rounds of sign-constraint generation before a violating pattern gets all its constraints.
    static let maxConstraintRounds = 8

    /// The sign constraints a pattern starts with: with a gate vector `g` inside its cone, the
    /// `3d̃ + 8` hyperplanes nearest to `g` in angle (the likely facets of the cone); otherwise all.
    static func initialSignRows(design: DenseMatrix, patterns: ActivationPatterns, samples: [Int]) -> [[Int]] {
        let keep = 3 * design.columnCount + 8
        guard samples.count > keep else { return Array(repeating: samples, count: patterns.count) }
        let rowNorms = samples.map { k in euclideanNorm((0..<design.columnCount).map { design[k, $0] }) }
        return (0..<patterns.count).map { i in
            guard let g = patterns.gate(i) else { return samples }
            let distances = samples.indices.map { position -> Double in
                let k = samples[position]
                var h = 0.0
                for j in 0..<design.columnCount { h += design[k, j] * g[j] }
                return abs(h) / rowNorms[position]
            }
            return samples.indices.sorted { distances[$0] < distances[$1] }.prefix(keep).map { samples[$0] }.sorted()
        }
    }

    /// The solution with blocks below `threshold` times the largest block norm set to zero.
    static func pruned(_ x: [Double], program: ConvexReLUProgram, threshold: Double) -> [Double] {
        var blocks = (0..<program.blockCount).map { program.block($0, of: x) }
        let norms = blocks.map { euclideanNorm($0) }
        let largest = norms.max() ?? 0
        for b in 0..<program.blockCount where norms[b] <= threshold * largest {
            blocks[b] = Array(repeating: 0, count: program.width)
        }
        return program.point(blocks: blocks, like: x)
    }

    /// The network of the non-zero blocks of each output's solution after pruning.
    ///
    /// With a free bias the norm behind the scaling leaves out the bias; a block with only a bias
    /// (a constant) keeps its size and ``TwoLayerNetwork/balanced()`` shrinks its cost (or moves
    /// it into the output bias). The programs' offsets become the output bias.
    static func rebuild(_ solutions: [(ConvexReLUProgram, [Double])], outputs c: Int, threshold: Double,
                        settings: ConvexTrainingSettings) -> TwoLayerNetwork {
        var inputRows = [[Double]](), outputRows = [[Double]]()
        var offsets = [Double](repeating: 0, count: c)
        for (output, (program, x)) in solutions.enumerated() {
            offsets[output] = program.offset(of: x)
            let kept = pruned(x, program: program, threshold: threshold)
            for b in 0..<program.blockCount {
                let z = program.block(b, of: kept)
                guard euclideanNorm(z) > 0 else { continue }
                let penalizedNorm = euclideanNorm(z.prefix(program.penalizedColumns))
                let root = penalizedNorm > 0 ? penalizedNorm.squareRoot() : 1
                inputRows.append(z.map { $0 / root })
                var alpha = [Double](repeating: 0, count: c)
                alpha[output] = b % 2 == 0 ? root : -root
                outputRows.append(alpha)
            }
        }
        let d = solutions.first?.0.width ?? 0
        return TwoLayerNetwork(inputWeights: DenseMatrix(rows: inputRows, columnCount: d),
                               outputWeights: DenseMatrix(rows: outputRows, columnCount: c), hasBias: settings.hasBias,
                               biasRegularized: settings.biasRegularized, outputBias: settings.outputBias ? offsets : nil)
    }

    /// The initial patterns, refusing (``ConvexTrainingError/tooLarge(_:)``) a choice whose program
    /// would not fit in ``ConvexTrainingSettings/memoryLimit``; `automatic` enumerates only when the
    /// arrangement is small enough (``ConvexTrainingSettings/exactEnumerationLimit``) and samples otherwise.
    static func makePatterns(design: DenseMatrix, settings: ConvexTrainingSettings,
                             progress: ((String) -> Void)? = nil) throws -> ActivationPatterns {
        let n = design.rowCount
        func fits(_ count: Double) -> Bool {
            estimatedProgramBytes(samples: n, width: design.columnCount, patterns: count, settings: settings) <= Double(settings.memoryLimit)
        }
        func refuse(_ count: Double, _ what: String) -> ConvexTrainingError {
            let bytes = estimatedProgramBytes(samples: n, width: design.columnCount, patterns: count, settings: settings)
            return .tooLarge(String(format: "%@: a program over %.3g patterns of %d samples needs about %.3g GB (limit %.3g GB); use fewer patterns (pattern generation adds the ones that matter)",
                                    what, count, n, bytes / 1_073_741_824, Double(settings.memoryLimit) / 1_073_741_824))
        }
        switch settings.patterns {
        case .exact:
            let count = arrangementCount(design)
            // Above rank 3 the enumeration itself refuses (ArrangementError.rankTooHigh).
            guard !count.isFinite || fits(count) else { throw refuse(count, "exact enumeration") }
            return try ActivationPatterns.enumerated(design)
        case let .sampled(count, seed):
            guard fits(Double(count)) else { throw refuse(Double(count), "--patterns \(count)") }
            return ActivationPatterns.sampled(design, count: count, seed: seed)
        case let .automatic(count, seed):
            let arrangements = arrangementCount(design)
            if arrangements <= Double(settings.exactEnumerationLimit), fits(arrangements),
               let all = try? ActivationPatterns.enumerated(design) {
                return all
            }
            if arrangements.isFinite {
                progress?(String(format: "the arrangement has up to %.3g patterns, over the exact-enumeration limit of %d: sampling %d and generating",
                                 arrangements, settings.exactEnumerationLimit, count))
            }
            guard fits(Double(count)) else { throw refuse(Double(count), "\(count) sampled patterns") }
            return ActivationPatterns.sampled(design, count: count, seed: seed)
        }
    }

    /// At most `2 Σ_{k<r} C(n−1, k)` chambers for `n` hyperplanes of rank `r ≤ 3` (general
    /// position is the worst case); infinity above rank 3, where nothing is enumerated.
    static func arrangementCount(_ design: DenseMatrix) -> Double {
        let rank = NumericalRank.of(design)
        guard rank <= 3 else { return .infinity }
        let m = Double(design.rowCount - 1)
        let terms = [1, m, m * (m - 1) / 2]
        return 2 * terms.prefix(max(rank, 1)).reduce(0, +)
    }

    /// A conservative estimate of the bytes a program over `patterns` patterns takes: the
    /// constraint matrix (sign rows, three copies in the solver), the loss block, and the dense
    /// part of the Newton system (`Pd̃ × Pd̃` in the Gram form, `n × n` in the residual form).
    static func estimatedProgramBytes(samples n: Int, width: Int, patterns: Double, settings: ConvexTrainingSettings) -> Double {
        let p = max(patterns, 1), d = Double(width), nn = Double(n)
        let fullRows = 2 * p * nn
        let rowsPerPattern = fullRows > Double(settings.signConstraintGenerationThreshold) ? min(nn, 3 * d + 8) : nn
        let signEntries = 3 * p * rowsPerPattern * d
        let lossEntries = p * nn * d
        let dense = min(nn, p * d)
        let entries = 3 * (signEntries + lossEntries) * 2 + 2 * dense * dense + nn * p
        return 8 * entries
    }

    static func validate(features: DenseMatrix, targets: DenseMatrix, loss: Loss) throws {
        guard features.rowCount > 0, features.columnCount > 0 else { throw ConvexTrainingError.invalidData("no samples or no features") }
        guard targets.rowCount == features.rowCount else {
            throw ConvexTrainingError.invalidData("\(features.rowCount) samples but \(targets.rowCount) targets")
        }
        guard targets.columnCount >= 1 else { throw ConvexTrainingError.invalidData("no target column") }
        guard features.values.allSatisfy(\.isFinite), targets.values.allSatisfy(\.isFinite) else {
            throw ConvexTrainingError.invalidData("the data hold NaN or infinity")
        }
        if loss.usesMarginMultipliers {
            guard targets.columnCount == 1, targets.values.allSatisfy({ $0 == 1 || $0 == -1 }) else {
                throw ConvexTrainingError.invalidData("the \(loss.rawValue) loss needs one target column of ±1 labels")
            }
        }
        if loss == .crossEntropy, let problem = crossEntropyTargetProblem(targets) {
            throw ConvexTrainingError.invalidData(problem)
        }
    }
}

/// How far a given network is from the global optimum of its training problem.
public struct NetworkCertificate: Sendable {
    /// `p(θ)` of the given network.
    public var objective: Double
    /// A proven lower bound on the global optimum over networks of any width.
    public var lowerBound: Double
    /// The objective of the best network the convex program found (an upper bound on the optimum);
    /// below ``objective`` it shows that the given network is suboptimal.
    public var bestObjective: Double
    /// The convex training run behind the bound (its network is the one of ``bestObjective``).
    public var training: ConvexTrainingResult

    /// `objective − lowerBound`: how much the given network can be improved at most.
    public var gap: Double { objective - lowerBound }
    /// `gap / |objective|`.
    public var relativeGap: Double { gap / max(abs(objective), .leastNormalMagnitude) }
}

extension ConvexTrainer {
    /// Certifies a network trained elsewhere (for example by SGD in PyTorch): its objective
    /// `p(θ)`, a lower bound on the global optimum from the convex program solved over the
    /// patterns of `settings` plus those of the network's own neurons, and the best objective found.
    ///
    /// The network's `hasBias`, `biasRegularized` and output bias decide the biases; the settings'
    /// are ignored.
    public static func certify(_ network: TwoLayerNetwork, features: DenseMatrix, targets: DenseMatrix,
                               settings: ConvexTrainingSettings, including networks: [TwoLayerNetwork] = [],
                               progress: ((String) -> Void)? = nil) throws -> NetworkCertificate {
        guard network.inputDimension == features.columnCount else {
            throw ConvexTrainingError.invalidData("the network takes \(network.inputDimension) inputs but the data have \(features.columnCount) features")
        }
        guard network.outputCount == targets.columnCount else {
            throw ConvexTrainingError.invalidData("the network has \(network.outputCount) outputs but the data have \(targets.columnCount) target columns")
        }
        var settings = settings
        settings.hasBias = network.hasBias
        settings.biasRegularized = network.biasRegularized
        settings.outputBias = network.hasOutputBias
        let design = settings.hasBias ? features.appendingOnesColumn() : features
        try checkCompatible(network, design: design, settings: settings, name: "the network")
        for (index, extra) in networks.enumerated() {
            try checkCompatible(extra, design: design, settings: settings, name: "added network \(index + 1)")
        }
        let training = try train(features: features, targets: targets, settings: settings, including: [network] + networks, progress: progress)
        let objective = network.objective(features: features, targets: targets, beta: settings.beta, loss: settings.loss)
        return NetworkCertificate(objective: objective, lowerBound: training.certificate.lowerBound,
                                  bestObjective: training.certificate.objective, training: training)
    }
}
