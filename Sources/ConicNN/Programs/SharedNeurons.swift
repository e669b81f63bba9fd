import ConicSolver
import Foundation

extension ConvexTrainer {
    /// Vector outputs: neurons shared by all outputs, by generation of neurons.
    ///
    /// Over a finite set of unit neurons `θⱼ` (`‖θⱼ‖ = 1`, or `‖θⱼ,₁..d‖ = 1` with a free bias) the
    /// weight-decay problem is the group lasso `min ½‖HW − Y‖² + β Σⱼ ‖wⱼ‖` with `H = (X̃Θᵀ)₊`
    /// (``FiniteNeuronProgram``; an output bias or a free hidden bias adds an unpenalized output bias):
    /// rescaling each neuron to `‖uⱼ‖ = ‖αⱼ‖` turns `(β/2)(‖uⱼ‖² + ‖αⱼ‖²)` into `β‖wⱼ‖`. Its dual
    /// point `V = Y − HW` satisfies `‖Vᵀhⱼ‖ ≤ β` on the neurons in the program; neurons with
    /// `‖Vᵀ(X̃θ)₊‖ > β(1 + ε)` found by the ascent (or the dual-constraint search) are added and the
    /// program solved again. Unlike one program per output column, every neuron feeds all outputs.
    ///
    /// The cross-entropy loss (softmax over the outputs) takes the same path with the loss written
    /// through exponential cones (``FiniteNeuronProgram``) and the dual point `V = Y − softmax(F)`.
    /// In general `V = −∇ℓ(F)` at the program's predictions.
    static func trainSharedNeurons(features: DenseMatrix, targets: DenseMatrix, design: DenseMatrix,
                                   settings: ConvexTrainingSettings, extraStarts: [[Double]], started: Date,
                                   deadline: Date, progress: ((String) -> Void)?) throws -> ConvexTrainingResult {
        guard settings.loss == .squared || settings.loss == .crossEntropy else {
            throw ConvexTrainingError.invalidData("several target columns need the squared or the cross-entropy loss")
        }
        let loss = settings.loss
        let n = design.rowCount, width = design.columnCount, c = targets.columnCount
        let penalized = settings.freeBias ? width - 1 : width
        let beta = settings.beta
        let threshold = beta * (1 + settings.generationTolerance)
        func unit(_ theta: [Double]) -> [Double]? {
            let norm = euclideanNorm(theta[0..<penalized])
            return norm > 0 && norm.isFinite ? theta.map { $0 / norm } : nil
        }
        func pattern(_ theta: [Double]) -> [Bool] { design.multiplied(by: theta).map { $0 > 0 } }

        let count = settings.patterns.gateCount
        let seed = settings.patterns.seed
        let bytes = 8.0 * Double(n) * Double(c) * Double(count + settings.generationRounds * settings.patternsPerRound) * 4
        guard bytes <= Double(settings.memoryLimit) else {
            throw ConvexTrainingError.tooLarge(String(format: "%d initial neurons over %d samples and %d outputs need about %.3g GB",
                                                      count, n, c, bytes / 1_073_741_824))
        }
        var neurons = [[Double]](), seen = Set<[Bool]>()
        // Over shared neurons a pattern is not one variable: its neurons' directions differ in
        // (X̃θ)₊ and so in what they fit. A violator with a known pattern is still a new neuron
        // (without it, generation stopped at "no new pattern" 1–20 % above the optimum on rank-3
        // cross-entropy data); only repeats of a neuron are refused.
        func add(_ theta: [Double], violating: Bool = false) -> Bool {
            guard let u = unit(theta) else { return false }
            let p = pattern(u)
            guard p.contains(true) else { return false }
            if seen.insert(p).inserted {
                neurons.append(u)
                return true
            }
            guard violating, !neurons.contains(where: { zip($0, u).allSatisfy { abs($0 - $1) <= 1e-9 } }) else { return false }
            neurons.append(u)
            return true
        }
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<count { _ = add((0..<width).map { _ in generator.nextGaussian() }) }
        for theta in extraStarts { _ = add(theta) }
        guard !neurons.isEmpty else { throw ConvexTrainingError.invalidData("the data admit no non-zero activation pattern") }
        progress?("\(neurons.count) neurons shared by \(c) outputs")

        var rounds = [GenerationRound]()
        var lastViolators = [[Double]]()
        var iterations = 0, solveTime = 0.0
        var last: (neurons: [[Double]], solution: FiniteNeuronSolution, v: DenseMatrix, bound: ConstraintBound?)?
        // As for one output, generation leaves the final bound its share of a finite time limit
        // (without it a run stopped by the time limit got the norm bound: 1 s of search).
        let total = deadline.timeIntervalSince(started)
        let generationDeadline = total.isFinite ? deadline.addingTimeInterval(-settings.certificateTimeShare * total) : deadline
        var stop = GenerationStop.roundLimit
        var round = 0
        while true {
            round += 1
            let programNeurons = neurons
            var h = design.multiplied(by: DenseMatrix(rows: neurons, columnCount: width), transposeOther: true)
            for k in h.values.indices where h.values[k] < 0 { h.values[k] = 0 }
            var solverSettings = settings.solver
            solverSettings.timeLimit = min(solverSettings.timeLimit, max(1, generationDeadline.timeIntervalSinceNow))
            let solution = try FiniteNeuronProgram.solve(activations: h, targets: targets, objective: .regularized(loss, beta: beta),
                                                         outputBias: settings.dualSumsToZero, settings: solverSettings)
            iterations += solution.iterations
            solveTime += solution.solveTime
            guard solution.status.isOptimal else {
                if last != nil { stop = solution.status == .timeLimit ? .timeLimit : .roundLimit; break }
                throw ConvexTrainingError.solverFailed(solution.status)
            }
            // V = −∇ℓ(HW + 1cᵀ) (squared: the residual Y − HW − 1cᵀ), on 1ᵀV = 0 with a free offset.
            var fit = h.multiplied(by: solution.weights)
            for i in 0..<n { for k in 0..<c { fit[i, k] += solution.outputBias[k] } }
            var v = DenseMatrix(rowCount: n, columnCount: c,
                                values: loss.gradient(predictions: fit.values, targets: targets.values, columns: c).map { -$0 })
            if settings.dualSumsToZero { v = DualLowerBound.zeroSumProjection(v, targets: targets, loss: loss) }

            let weightNorms = (0..<neurons.count).map { euclideanNorm(solution.weights.row($0)) }
            let largest = weightNorms.max() ?? 0
            let own = (0..<programNeurons.count).filter { weightNorms[$0] > 1e-6 * largest && weightNorms[$0] > 0 }.map { programNeurons[$0] }
            let starts = ascentStarts(design: design, neurons: own + lastViolators + (round == 1 ? extraStarts : []),
                                      random: settings.randomStarts, seed: UInt64(round) &* 7919 &+ 17)
            let found = settings.generationRounds > 0
                ? DualConstraintOracle.multiStartAscent(design: design, dual: v, freeBias: settings.freeBias, starts: starts,
                                                        count: settings.patternsPerRound)
                : []
            let bestFound = found.first?.value ?? 0
            var violators = found.filter { $0.value > threshold }.map(\.weights)
            let outOfRounds = round >= settings.generationRounds
            let outOfTime = generationDeadline.timeIntervalSinceNow <= 0
            var bound: ConstraintBound?
            if violators.isEmpty || outOfRounds || outOfTime {
                progress?("round \(round): bounding the dual constraint over all neurons")
                let b = constraintBound(design: design, dual: v, threshold: threshold, starts: found.map(\.weights) + own,
                                        found: bestFound, settings: settings, timeLeft: generationDeadline.timeIntervalSinceNow)
                bound = b
                if violators.isEmpty { violators = b.violators }
            }
            var added = 0
            if !outOfRounds, !outOfTime, !violators.isEmpty, settings.dropUnusedPatterns {
                // As for patterns: neurons without weight at this optimum leave the program.
                let kept = (0..<neurons.count).filter { weightNorms[$0] > 1e-4 * largest }
                if kept.count < neurons.count, !kept.isEmpty {
                    neurons = kept.map { neurons[$0] }
                    seen = Set(neurons.map(pattern))
                }
            }
            if !outOfRounds, !outOfTime { for u in violators where add(u, violating: true) { added += 1 } }
            if added == 0, bound == nil, !outOfRounds, !outOfTime {
                // Every violator the ascent found repeats a neuron of the program (its value above β
                // is the solver's accuracy): the search over all neurons decides whether others exist.
                progress?("round \(round): bounding the dual constraint over all neurons")
                let b = constraintBound(design: design, dual: v, threshold: threshold, starts: found.map(\.weights) + own,
                                        found: bestFound, settings: settings, timeLeft: generationDeadline.timeIntervalSinceNow)
                bound = b
                violators = b.violators
                for u in violators where add(u, violating: true) { added += 1 }
            }
            lastViolators = violators
            let objective = solution.objective
            let lower = bound.map {
                DualLowerBound.bound(dual: v, targets: targets, loss: loss, beta: beta, constraint: $0.value).value
            }
            let record = GenerationRound(round: round, patterns: programNeurons.count, objective: objective,
                                         violation: max(bestFound, bound?.bestValue ?? 0) / beta, lowerBound: lower,
                                         added: added, nodes: bound?.nodes ?? 0, seconds: Date().timeIntervalSince(started))
            rounds.append(record)
            progress?(describe(record, bound: bound, beta: beta).replacingOccurrences(of: "patterns", with: "neurons"))
            last = (programNeurons, solution, v, bound)
            if added == 0 {
                stop = violators.isEmpty ? .noViolation : outOfTime ? .timeLimit : outOfRounds ? .roundLimit : .noNewPattern
                break
            }
        }
        var (finalNeurons, solution, v, bound) = last!
        var extraNodes = 0
        // The certificate's bound on C(V): the last round's when it is tight; for a dual whose rows
        // lie in a plane (three-class cross-entropy, any two outputs) the polygon of one-output
        // bounds, since the columns' (Σₖ Cₖ²)^{1/2} is up to √c loose; otherwise the search with the
        // time left.
        let found = max(bound?.bestValue ?? 0, rounds.last.map { $0.violation * beta } ?? 0)
        let planar = dualIsPlanar(v)
        let finalTime = settings.timeLimit.isFinite ? max(1, finalBoundShare * deadline.timeIntervalSinceNow) : 240
        if bound == nil, !planar {
            bound = constraintBound(design: design, dual: v, threshold: threshold, starts: finalNeurons, found: found,
                                    settings: settings, timeLeft: finalTime, final: true)
        }
        var certified: ConstraintBound
        if planar, bound.map({ $0.value > $0.bestValue * (1 + 1e-3) }) ?? true,
           let polygon = planarConstraintBound(design: design, dual: v, starts: finalNeurons, found: found,
                                               settings: settings, timeLeft: finalTime) {
            progress?(String(format: "certifying: the polygon bound over the dual's plane gives C/β = %.6g%@", polygon.value / beta,
                             bound.map { String(format: " (columns: %.6g)", $0.value / beta) } ?? ""))
            extraNodes = polygon.nodes
            certified = bound.map { $0.value <= polygon.value ? $0 : polygon } ?? polygon
        } else {
            certified = bound ?? constraintBound(design: design, dual: v, threshold: threshold, starts: finalNeurons, found: found,
                                                 settings: settings, timeLeft: finalTime, final: true)
        }

        let network = fixedNeuronNetwork(neurons: finalNeurons, solution: solution, design: design, outputs: c,
                                         settings: settings)
        let objective = network.objective(features: features, targets: targets, beta: beta, loss: loss)
        let (lower, scale) = DualLowerBound.bound(dual: v, targets: targets, loss: loss, beta: beta, constraint: certified.value)
        var predictions = design.multiplied(by: DenseMatrix(rows: finalNeurons, columnCount: width), transposeOther: true)
        for k in predictions.values.indices where predictions.values[k] < 0 { predictions.values[k] = 0 }
        predictions = predictions.multiplied(by: solution.weights)
        for i in 0..<n { for k in 0..<c { predictions[i, k] += solution.outputBias[k] } }
        var result = ConvexTrainingResult(
            network: network,
            certificate: TrainingCertificate(objective: objective, lowerBound: lower, constraintBound: certified.value,
                                             boundMethod: certified.method, dualScale: scale, boundProven: certified.proven,
                                             constraintBestValue: certified.bestValue, boundNodes: certified.nodes),
            convexObjective: solution.objective, patternCount: finalNeurons.count, exact: false, solverStatus: solution.status,
            iterations: iterations, buildTime: 0, solveTime: solveTime, convexPredictions: predictions)
        result.rounds = rounds
        result.stop = stop
        result.nodes = rounds.reduce(0) { $0 + $1.nodes } + extraNodes
        result.wallTime = Date().timeIntervalSince(started)
        return result
    }
}

extension ConvexTrainer {
    /// The network of a solved program over fixed unit neurons `θⱼ`: neuron `j` with output
    /// weights `wⱼ` becomes `u = θⱼ√‖wⱼ‖`, `α = wⱼ/√‖wⱼ‖` (balanced, so its weight decay is
    /// `β‖wⱼ‖`); the program's offset is the network's output bias when it has one, else (a free
    /// hidden bias) the constant neuron `(0, 1)`.
    static func fixedNeuronNetwork(neurons: [[Double]], solution: FiniteNeuronSolution, design: DenseMatrix, outputs c: Int,
                                   settings: ConvexTrainingSettings) -> TwoLayerNetwork {
        let width = design.columnCount, penalized = settings.freeBias ? width - 1 : width
        var inputRows = [[Double]](), outputRows = [[Double]]()
        let largest = solution.weights.values.map(abs).max() ?? 0
        for (j, theta) in neurons.enumerated() {
            let w = solution.weights.row(j)
            let norm = euclideanNorm(w)
            guard norm > 1e-12 * max(1, largest) else { continue }
            inputRows.append(theta.map { $0 * norm.squareRoot() })
            outputRows.append(w.map { $0 / norm.squareRoot() })
        }
        if settings.freeBias, !settings.outputBias, solution.outputBias.contains(where: { $0 != 0 }) {
            inputRows.append([Double](repeating: 0, count: penalized) + [1])
            outputRows.append(solution.outputBias)
        }
        return TwoLayerNetwork(inputWeights: DenseMatrix(rows: inputRows, columnCount: width),
                               outputWeights: DenseMatrix(rows: outputRows, columnCount: c), hasBias: settings.hasBias,
                               biasRegularized: settings.biasRegularized,
                               outputBias: settings.outputBias ? solution.outputBias : nil).merged()
    }

    /// The best network over the given input directions with only the output weights trained: the
    /// weight-decay problem over fixed unit neurons is a convex (group) lasso, and every point of
    /// it is a real network, so its `p(θ)` is an upper bound whatever the directions are. Used
    /// when a program's own rebuild does not realize its value (a round that solved a relaxation,
    /// some sign constraints left out, and no time to finish it): the relaxation's blocks are
    /// still good directions, while the neurons rebuilt from them cross their patterns' cones.
    static func refitOutputWeights(directions: [[Double]], design: DenseMatrix, targets: DenseMatrix,
                                   settings: ConvexTrainingSettings, deadline: Date) throws -> TwoLayerNetwork? {
        let width = design.columnCount, penalized = settings.freeBias ? width - 1 : width
        // Two directions with one activation pattern are still different neurons: no deduplication.
        var neurons = [[Double]]()
        for u in directions {
            let norm = euclideanNorm(u[0..<penalized])
            guard norm > 0, norm.isFinite else { continue }
            let theta = u.map { $0 / norm }
            guard design.multiplied(by: theta).contains(where: { $0 > 0 }) else { continue }
            neurons.append(theta)
        }
        let objective = TrainingObjective.regularized(settings.loss, beta: settings.beta)
        guard !neurons.isEmpty, deadline.timeIntervalSinceNow > 0 else { return nil }
        var h = design.multiplied(by: DenseMatrix(rows: neurons, columnCount: width), transposeOther: true)
        for k in h.values.indices where h.values[k] < 0 { h.values[k] = 0 }
        var solverSettings = settings.solver
        solverSettings.timeLimit = min(solverSettings.timeLimit, deadline.timeIntervalSinceNow)
        let solution = try FiniteNeuronProgram.solve(activations: h, targets: targets, objective: objective,
                                                     outputBias: settings.dualSumsToZero, settings: solverSettings)
        guard solution.status.isOptimal || solution.status == .almostSolved else { return nil }
        return fixedNeuronNetwork(neurons: neurons, solution: solution, design: design, outputs: targets.columnCount,
                                  settings: settings)
    }
}
