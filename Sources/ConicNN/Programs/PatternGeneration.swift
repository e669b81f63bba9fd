import ConicSolver
import Foundation

/// One round of pattern (or, for vector outputs, neuron) generation.
public struct GenerationRound: Sendable, Equatable, Codable {
    /// 1-based round number.
    public var round: Int
    /// Patterns (neurons for vector outputs) in the program solved this round.
    public var patterns: Int
    /// The program's optimal value over them (an upper bound on the global optimum).
    public var objective: Double
    /// The largest `‖Vᵀ(X̃u)₊‖ / β` found at this round's dual point (a lower bound on `C(V)/β`).
    public var violation: Double
    /// A certified lower bound from this round's dual point, when one was computed.
    public var lowerBound: Double?
    /// Patterns added after this round.
    public var added: Int
    /// Branch-and-bound nodes of the dual-constraint search this round (0 when not run).
    public var nodes: Int
    /// Seconds since the run started, at the end of the round.
    public var seconds: Double
}

/// Why the generation loop stopped.
public enum GenerationStop: String, Sendable, Codable {
    /// No neuron above `β(1 + ε)` was found (by the ascent nor the dual-constraint search).
    case noViolation = "no_violation"
    /// Violating neurons were found but their patterns were all in the program already (the
    /// remaining violation is solver accuracy).
    case noNewPattern = "no_new_pattern"
    /// The round limit was reached with violations left.
    case roundLimit = "round_limit"
    /// The time limit was reached with violations left.
    case timeLimit = "time_limit"
    /// Generation was off or the program was already exact.
    case notRun = "not_run"
}

/// The certified bound on the dual constraint at one dual point, with how it was obtained.
struct ConstraintBound {
    var value: Double
    var method: DualConstraintBound.Method
    var proven: Bool
    var nodes: Int
    /// The largest value reached by a concrete neuron (`≤ C(V) ≤ value`).
    var bestValue: Double
    var violators: [[Double]]
}

extension ConvexTrainer {
    /// The certified `C ≥ C(V)` from ``DualConstraintBound/search(design:dual:threshold:starts:freeBias:budget:)``,
    /// never below a value a concrete neuron reaches (`found`), so an unsound bound cannot pass.
    /// A round's search gets at most the default budget; the `final` one (the certificate's)
    /// may take all of `timeLeft` when the run has a time limit.
    static func constraintBound(design: DenseMatrix, dual v: DenseMatrix, threshold: Double, starts: [[Double]],
                                found: Double, settings: ConvexTrainingSettings, timeLeft: Double,
                                final: Bool = false) -> ConstraintBound {
        var budget = DualConstraintSearchBudget()
        // Without a time limit the final search keeps the default budget.
        budget.timeLimit = max(1, final && settings.timeLimit.isFinite ? timeLeft : min(budget.timeLimit, timeLeft))
        let searched = DualConstraintBound.search(design: design, dual: v, threshold: threshold, starts: starts,
                                                  freeBias: settings.freeBias, budget: budget)
        var bound = ConstraintBound(value: searched.upperBound, method: searched.method, proven: searched.proven,
                                    nodes: searched.nodes, bestValue: max(found, searched.bestValue),
                                    violators: searched.violators)
        if bound.value < bound.bestValue {
            // A neuron reaches more than the "bound": trust the neuron.
            bound.value = bound.bestValue
            bound.proven = false
        }
        return bound
    }

    /// The dual point of a solved single-output program in the form the dual constraint uses
    /// (`v`: the residual, or `λ∘y` for the hinge loss, projected onto `1ᵀv = 0` with a free bias
    /// or an output bias)
    /// and the multipliers the lower bound takes (`v`, or `λ` for the hinge loss).
    static func dualPoint(program: ConvexReLUProgram, solution: Solution, targets y: [Double],
                          settings: ConvexTrainingSettings) -> (v: DenseMatrix, multipliers: DenseMatrix) {
        let n = y.count
        let targets = DenseMatrix(column: y)
        var v = DenseMatrix(rowCount: n, columnCount: 1)
        switch settings.loss {
        case .squared:
            let f = program.predictions(solution.x)
            for i in 0..<n { v.values[i] = y[i] - f[i] }
        case .hinge:
            for i in 0..<n { v.values[i] = min(max(solution.z[program.marginRowStart + i], 0), 1) * y[i] }
        case .logistic:
            let lambda = ConvexReLUProgram.logisticMultipliers(program.predictions(solution.x), targets: y)
            for i in 0..<n { v.values[i] = lambda[i] * y[i] }
        case .crossEntropy:
            preconditionFailure("cross-entropy has vector outputs: ConvexTrainer trains shared neurons")
        }
        if settings.dualSumsToZero { v = DualLowerBound.zeroSumProjection(v, targets: targets, loss: settings.loss) }
        var multipliers = v
        if settings.loss.usesMarginMultipliers { multipliers.values = zip(v.values, y).map { $0 * $1 } }
        return (v, multipliers)
    }

    /// Where the ascent starts: the given neurons (the program's own blocks, earlier violators,
    /// given networks), every data direction (at most 300, evenly spaced) and `random` Gaussian gates.
    static func ascentStarts(design: DenseMatrix, neurons: [[Double]], random: Int, seed: UInt64) -> [[Double]] {
        let n = design.rowCount, width = design.columnCount
        var starts = neurons
        let stride = max(1, n / 300)
        for k in Swift.stride(from: 0, to: n, by: stride) { starts.append(design.row(k)) }
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<random { starts.append((0..<width).map { _ in generator.nextGaussian() }) }
        return starts
    }

    /// Pattern generation for one output: solve over the current patterns, look for neurons with
    /// `|vᵀ(X̃u)₊| > β(1 + ε)` at the dual point (multi-start ascent, then the dual-constraint
    /// search), add their patterns (keeping every pattern and generated sign constraint) and solve
    /// again, until no violation is found or a limit is reached. Returns the last program, its
    /// solution and the certificate data of its dual point.
    static func generatePatterns(design: DenseMatrix, targets y: [Double], patterns initial: ActivationPatterns,
                                 samples: [Int], extraStarts: [[Double]], settings: ConvexTrainingSettings,
                                 deadline: Date, started: Date, progress: ((String) -> Void)?) throws -> GenerationOutcome {
        var patterns = initial
        let beta = settings.beta
        let threshold = beta * (1 + settings.generationTolerance)
        let generate = settings.generationRounds > 0 && !patterns.isComplete
        // With generation on, the program grows round after round: start every pattern that has
        // a gate from its nearest constraints right away (unless generation of constraints is off).
        let rowThreshold = generate && settings.signConstraintGenerationThreshold < Int.max ? 0 : settings.signConstraintGenerationThreshold
        let fullRows = 2 * patterns.count * samples.count
        var signRows = fullRows > rowThreshold
            ? initialSignRows(design: design, patterns: patterns, samples: samples)
            : Array(repeating: samples, count: patterns.count)
        var rounds = [GenerationRound]()
        var lastViolators = [[Double]]()
        var iterations = 0, solveTime = 0.0, buildTime = 0.0
        // Generation stops early enough to leave the final bound its share of a finite time limit.
        let total = deadline.timeIntervalSince(started)
        let reserve = total.isFinite ? settings.certificateTimeShare * total : 0
        let generationDeadline = deadline.addingTimeInterval(-reserve)
        var previous: GenerationOutcome?
        var previousPending = [[Int]]()
        /// A round that solved a relaxation (sign rows left for a next round) gets its program
        /// finished, so that the network realizes it (the network of the relaxation measured 3×
        /// the program's value on airfoil). The dual point and its bound stay: the lower bound
        /// holds at any dual point. Within half the certificate's reserve.
        func completed(_ outcome: GenerationOutcome, pending: [[Int]]) -> GenerationOutcome {
            guard pending != outcome.program.signRows else { return outcome }
            let until = deadline.addingTimeInterval(-0.5 * reserve)
            guard until.timeIntervalSinceNow > 0 else { return outcome }
            var finished = outcome
            var completeSettings = settings
            completeSettings.solver.timeLimit = min(settings.solver.timeLimit, max(1, until.timeIntervalSinceNow))
            progress?("finishing the last program's sign constraints")
            if let (complete, solution, more, _) = try? solveWithSignConstraintGeneration(
                design: design, targets: y, patterns: outcome.program.patterns, initialRows: pending, samples: samples,
                settings: completeSettings, deadline: until, progress: settings.solver.verbose ? progress : nil) {
                finished.program = complete
                finished.solution = solution
                finished.iterations += more.iterations
                finished.solveTime += more.solveTime
                finished.buildTime += more.buildTime
            }
            return finished
        }
        var round = 0
        // Solves (of the program's last round) in a row each pattern carried no weight.
        var idle = [Int](repeating: 0, count: patterns.count)
        var lastViolation = Double.infinity
        while true {
            round += 1
            var solverSettings = settings.solver
            let left = generationDeadline.timeIntervalSinceNow
            solverSettings.timeLimit = min(solverSettings.timeLimit, max(1, left))
            // Far from feasible, one solve per round (violated sign rows wait for the next round).
            let singleSolve = generate && lastViolation > settings.singleSolveViolation * beta
            var roundSettings = settings
            roundSettings.solver = solverSettings
            let program: ConvexReLUProgram, solution: Solution, run: (iterations: Int, solveTime: Double, buildTime: Double)
            let pending: [[Int]]
            do {
                (program, solution, run, pending) = try solveWithSignConstraintGeneration(
                    design: design, targets: y, patterns: patterns, initialRows: signRows, samples: samples,
                    settings: roundSettings, deadline: generationDeadline, maximumSolves: singleSolve ? 1 : .max,
                    progress: settings.solver.verbose ? progress : nil)
            } catch ConvexTrainingError.solverFailed(let status) where previous != nil {
                // Out of time (or trouble) on a larger program: the last solved round stands.
                progress?("round \(round): the solve stopped (\(status.rawValue)); keeping round \(round - 1)")
                previous!.stop = status == .timeLimit ? .timeLimit : .roundLimit
                return completed(previous!, pending: previousPending)
            }
            iterations += run.iterations; solveTime += run.solveTime; buildTime += run.buildTime
            signRows = pending
            let (v, multipliers) = dualPoint(program: program, solution: solution, targets: y, settings: settings)

            // The program's own neurons (blocks that carry weight) are the first starts.
            let norms = (0..<program.blockCount).map { euclideanNorm(program.block($0, of: solution.x)) }
            let largest = norms.max() ?? 0
            let own = (0..<program.blockCount).filter { norms[$0] > 1e-6 * largest && norms[$0] > 0 }
                .map { program.block($0, of: solution.x) }
            let starts = ascentStarts(design: design, neurons: own + lastViolators + (round == 1 ? extraStarts : []),
                                      random: settings.randomStarts, seed: UInt64(round) &* 7919 &+ 17)
            let found = generate
                ? DualConstraintOracle.multiStartAscent(design: design, dual: v, freeBias: settings.freeBias, starts: starts,
                                                        count: settings.patternsPerRound, chamberPolish: settings.patternsPerRound)
                : []
            let bestFound = found.first?.value ?? 0
            var violators = found.filter { $0.value > threshold }.map(\.weights)

            let outOfRounds = round >= settings.generationRounds
            let outOfTime = generationDeadline.timeIntervalSinceNow <= 0
            lastViolation = bestFound
            var bound: ConstraintBound?
            if !generate || violators.isEmpty || outOfRounds || outOfTime {
                progress?("round \(round): bounding the dual constraint over all neurons")
                // The last round's bound is the certificate's: it may take most of what is left
                // of the run (the trainer's sparser re-solve follows when time allows).
                let last = !generate || outOfRounds || outOfTime
                let b = constraintBound(design: design, dual: v, threshold: threshold, starts: found.map(\.weights) + own,
                                        found: bestFound, settings: settings,
                                        timeLeft: (last ? finalBoundShare : 1) * deadline.timeIntervalSinceNow,
                                        final: last)
                bound = b
                if violators.isEmpty, generate { violators = b.violators }
            }
            var added = 0
            if generate, !outOfRounds, !outOfTime, !violators.isEmpty, settings.dropUnusedPatterns {
                // Column generation keeps the program small by dropping patterns whose blocks
                // carry no weight at this optimum (dropping them leaves the solution optimal);
                // the ascent finds them again if the dual point comes to need them.
                for i in 0..<program.patternCount {
                    idle[i] = max(norms[2 * i], norms[2 * i + 1]) > 1e-4 * largest ? 0 : idle[i] + 1
                }
                let kept = (0..<program.patternCount).filter { i in
                    idle[i] < settings.idleRoundsBeforeDrop
                        || (0..<design.rowCount).allSatisfy { patterns.isActive(pattern: i, sample: $0) }
                }
                if kept.count < patterns.count {
                    patterns = patterns.subset(kept)
                    signRows = kept.map { signRows[$0] }
                    idle = kept.map { idle[$0] }
                }
            }
            if generate, !outOfRounds, !outOfTime {
                for u in violators {
                    let h = design.multiplied(by: u)
                    guard patterns.insert(preActivations: h, gate: u) else { continue }
                    added += 1
                    idle.append(0)
                    let total = signRows.reduce(0) { $0 + $1.count } * 2
                    if total > rowThreshold {
                        signRows.append(initialSignRows(design: design, patterns: patterns.subset([patterns.count - 1]),
                                                        samples: samples)[0])
                    } else {
                        signRows.append(samples)
                    }
                }
            }
            lastViolators = violators
            let lowerBound = bound.map {
                DualLowerBound.bound(dual: multipliers, targets: DenseMatrix(column: y), loss: settings.loss, beta: beta,
                                     constraint: $0.value)
            }
            let record = GenerationRound(round: round, patterns: program.patternCount, objective: solution.primalObjective,
                                         violation: max(bestFound, bound?.bestValue ?? 0) / beta,
                                         lowerBound: lowerBound?.value, added: added, nodes: bound?.nodes ?? 0,
                                         seconds: Date().timeIntervalSince(started))
            rounds.append(record)
            progress?(Self.describe(record, bound: bound, beta: beta))
            let stop: GenerationStop? = !generate ? .notRun
                : added > 0 ? nil
                : violators.isEmpty ? .noViolation
                : outOfTime ? .timeLimit
                : outOfRounds ? .roundLimit
                : .noNewPattern
            let outcome = GenerationOutcome(program: program, solution: solution, dual: v, multipliers: multipliers,
                                            bound: bound, rounds: rounds, stop: stop ?? .roundLimit, iterations: iterations,
                                            solveTime: solveTime, buildTime: buildTime)
            if let stop {
                var finished = outcome
                finished.stop = stop
                return completed(finished, pending: pending)
            }
            previous = outcome
            previousPending = pending
        }
    }

    /// One progress line: patterns, objective, lower bound, gap, nodes, time.
    static func describe(_ record: GenerationRound, bound: ConstraintBound?, beta: Double) -> String {
        var line = String(format: "round %d: %d patterns, objective %.6e", record.round, record.patterns, record.objective)
        if let lower = record.lowerBound, let bound {
            let gap = (record.objective - lower) / max(abs(record.objective), .leastNormalMagnitude)
            line += String(format: ", lower bound %.6e, gap %.3g%% (%@ bound C/β = %.4g%@, %d nodes)", lower, 100 * gap,
                           bound.method.rawValue, bound.value / beta, bound.proven ? ", proven" : "", bound.nodes)
        } else {
            line += ", lower bound pending"
        }
        line += String(format: ", max violation %.4g·β, +%d patterns, %.1f s", record.violation, record.added, record.seconds)
        return line
    }
}

extension ConvexTrainer {
    /// The zero network with its certificate when `β ≥ C(V₀)` at `V₀ = Y` (hinge: `λ = 1`), checked
    /// with the cheap norm bound: then `V₀` is dual feasible and its dual value equals the zero
    /// network's loss, so no network does better. Large `β` would otherwise leave the solver with a
    /// program whose every block is zero (numerically delicate). Not with a free bias, where the
    /// best constant is not zero.
    static func zeroNetworkIfOptimal(features: DenseMatrix, targets: DenseMatrix, design: DenseMatrix,
                                     settings: ConvexTrainingSettings, started: Date) -> ConvexTrainingResult? {
        // With a free offset the zero network is not the candidate (the best constant is).
        guard !settings.dualSumsToZero else { return nil }
        // The dual point −∇ℓ(0) for the cross-entropy (Y − 1/c); Y for the others (λ = 1 for the margin losses).
        let start = settings.loss == .crossEntropy ? crossEntropyDualAtZero(targets) : targets
        let constraint = DualConstraintBound.norm(design: design, dual: start)
        guard constraint <= settings.beta else { return nil }
        let multipliers = settings.loss.usesMarginMultipliers
            ? DenseMatrix(rowCount: targets.rowCount, columnCount: 1, values: Array(repeating: 1, count: targets.rowCount))
            : start
        let (lower, scale) = DualLowerBound.bound(dual: multipliers, targets: targets, loss: settings.loss, beta: settings.beta,
                                                  constraint: constraint)
        let network = TwoLayerNetwork(inputWeights: DenseMatrix(rowCount: 0, columnCount: design.columnCount),
                                      outputWeights: DenseMatrix(rowCount: 0, columnCount: targets.columnCount),
                                      hasBias: settings.hasBias, biasRegularized: settings.biasRegularized)
        let objective = network.objective(features: features, targets: targets, beta: settings.beta, loss: settings.loss)
        var result = ConvexTrainingResult(
            network: network,
            certificate: TrainingCertificate(objective: objective, lowerBound: min(lower, objective), constraintBound: constraint,
                                             boundMethod: .norm, dualScale: scale, boundProven: true),
            convexObjective: objective, patternCount: 0, exact: false, solverStatus: .solved, iterations: 0, buildTime: 0,
            solveTime: 0, convexPredictions: DenseMatrix(rowCount: targets.rowCount, columnCount: targets.columnCount))
        result.stop = .noViolation
        result.wallTime = Date().timeIntervalSince(started)
        return result
    }
}

/// The outcome of ``ConvexTrainer/generatePatterns``.
struct GenerationOutcome {
    var program: ConvexReLUProgram
    var solution: Solution
    var dual: DenseMatrix
    var multipliers: DenseMatrix
    /// The certified bound at ``dual`` (nil when the last round did not compute one).
    var bound: ConstraintBound?
    var rounds: [GenerationRound]
    var stop: GenerationStop
    var iterations: Int
    var solveTime: Double
    var buildTime: Double
}
