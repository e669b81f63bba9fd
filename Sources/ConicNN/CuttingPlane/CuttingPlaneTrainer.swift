import ConicSolver
import Foundation

/// Settings of ``CuttingPlaneTrainer``.
public struct CuttingPlaneSettings: Sendable, Equatable {
    /// The training problem (default: squared loss with `β = 10⁻³`).
    public var objective: TrainingObjective = .squared(beta: 1e-3)
    /// Where violating neurons come from.
    public var oracle: NeuronOracle = .relaxation
    /// Neurons `(xᵀu + b)₊` with a free (unregularized) bias and an output bias (JMLR
    /// Algorithm 3); without it, `(xᵀu)₊` (Algorithm 1).
    public var bias: Bool = false
    /// A neuron violates the dual constraint when its value exceeds `β(1 + tolerance)`. Interior-
    /// point dual points are accurate to about `10⁻⁷`, so much smaller values only add rounds of
    /// cuts that move the objective in its eighth digit.
    public var tolerance: Double = 1e-5
    /// The loop stops after this many rounds even if violations remain.
    public var maximumRounds: Int = 100
    /// Neurons added per round and sign (per output for several outputs) by the exact and
    /// ascent oracles.
    public var neuronsPerRound: Int = 1
    /// Neurons to start from (`m × (d + 1)` rows `(u, b)` with a bias, `m × d` without), e.g.
    /// extreme points; `nil` starts from the oracle at `V = Y` (Algorithm 1, line 1).
    public var initialNeurons: DenseMatrix?
    /// The semidefinite bound is tried for at most this many samples (no bias only).
    public var maximumRelaxationSamples: Int = SemidefiniteRelaxation.maximumSamples
    /// Settings of every conic solve.
    public var solver = SolverSettings()

    /// The defaults.
    public init() {}
}

/// One round of the loop: the program solved over the neurons found so far.
public struct CuttingPlaneRound: Sendable, Equatable, Codable {
    /// 1-based round number.
    public var round: Int
    /// Neurons in the program this round.
    public var neurons: Int
    /// The program's optimal value over those neurons (an upper bound on the global optimum;
    /// `nil` while the interpolation constraints cannot be met yet).
    public var objective: Double?
    /// The largest dual-constraint value the oracle found at this round's dual point, over `β`
    /// (`≤ 1 + tolerance` means no violation).
    public var violation: Double
    /// A certified lower bound from this round's dual point, when the oracle is exact.
    public var lowerBound: Double?
}

/// The outcome of ``CuttingPlaneTrainer/train(features:targets:settings:progress:)``.
public struct CuttingPlaneResult: Sendable {
    /// The trained network (free bias when the settings ask for one), merged and balanced.
    public var network: TwoLayerNetwork
    /// Its objective and a certified lower bound on the global optimum over all widths.
    public var certificate: TrainingCertificate
    /// Every round, in order.
    public var rounds: [CuttingPlaneRound]
    /// Whether the oracle found no violating neuron at the end (for the exact oracle: global
    /// optimality up to the tolerance; for the relaxation: only if the data are spike-free).
    public var converged: Bool
    /// `max |f(xᵢ) − yᵢ|` of the network (interpolation: how exactly it interpolates).
    public var maximumResidual: Double
    /// Total seconds in conic solves (programs and relaxation oracles).
    public var solveTime: Double
}

/// Why cutting-plane training could not start or finish.
public enum CuttingPlaneError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Settings or shapes out of range.
    case invalidInput(String)
    /// Two samples with the same features but different targets cannot be interpolated.
    case contradictoryDuplicates(first: Int, second: Int)
    /// The exact oracle needs data of rank ≤ 3 (with a bias: at most 3 features).
    case exactOracleNeedsLowRank(rank: Int)
    /// A conic solve failed outright.
    case solverFailed(String)

    public var description: String {
        switch self {
        case let .invalidInput(message): return message
        case let .contradictoryDuplicates(first, second):
            return "samples \(first) and \(second) have the same features but different targets: no network interpolates them"
        case let .exactOracleNeedsLowRank(rank):
            return "the exact oracle enumerates hyperplane arrangements, which needs data of rank at most 3 (with a bias: at most 3 features); these data have rank \(rank) — use the relaxation oracle"
        case let .solverFailed(message): return "conic solve failed: \(message)"
        }
    }
}

/// The cutting-plane method of the JMLR paper (Algorithms 1 and 3): alternate between the
/// convex program over a finite set of neurons (``TrainingObjective``) and an oracle that
/// looks for neurons violating the semi-infinite dual constraint at the program's dual point.
///
/// Whatever the oracle finds, the result carries a certificate: the returned network's objective
/// and a lower bound from the last dual point scaled into the full dual feasible set with a
/// certified bound on the dual constraint (exact for rank ≤ 3, norm or semidefinite bounds
/// otherwise; `docs/nn-cutting-plane.md`).
public enum CuttingPlaneTrainer {
    /// Trains on raw features `A` (`n × d`) and targets `Y` (`n × c`; ±1 in one column for the
    /// hinge loss). `progress` is called after every round.
    public static func train(features: DenseMatrix, targets: DenseMatrix, settings: CuttingPlaneSettings = CuttingPlaneSettings(),
                             progress: ((CuttingPlaneRound) -> Void)? = nil) throws(CuttingPlaneError) -> CuttingPlaneResult {
        try validate(features: features, targets: targets, settings: settings)
        let d = features.columnCount
        let beta = settings.objective.beta
        let design = DualConstraintOracle.design(features, bias: settings.bias)
        let reductions = DualConstraintOracle.exactReductions(features: features, bias: settings.bias)
        if settings.oracle == .exact, reductions == nil {
            throw .exactOracleNeedsLowRank(rank: NumericalRank.of(settings.bias ? centered(features) : features))
        }
        var solverSettings = settings.solver
        solverSettings.verbose = false

        var neurons = [[Double]]()
        if let initial = settings.initialNeurons {
            for j in 0..<initial.rowCount { neurons.append(initial.row(j)) }
        }
        var solveTime = 0.0
        var rounds = [CuttingPlaneRound]()
        var program: FiniteNeuronSolution?
        // Algorithm 1 starts from V = Y (projected onto 1ᵀV = 0 with a bias); the logistic and
        // cross-entropy losses from V = −∇ℓ(0), the dual point of the zero network, which lies in
        // their conjugates' domains (V = Y does not for the cross-entropy).
        var dual = projectedDual(startingDual(targets: targets, objective: settings.objective), targets: targets, settings: settings)
        var dualIsRay = false
        if !neurons.isEmpty {
            (program, dual, dualIsRay) = try solveProgram(design: design, neurons: neurons, targets: targets,
                                                          settings: settings, solverSettings: solverSettings, time: &solveTime)
        }
        var converged = false
        // The exact oracle's maximum at the last dual point examined: when the loop ends there,
        // it is already the certificate's constraint bound.
        var lastExact: (dual: DenseMatrix, maximum: Double)?
        for round in 1...settings.maximumRounds {
            // Look for violations at the current dual point.
            let candidates: [CandidateNeuron]
            var lowerBound: Double?
            do {
                switch settings.oracle {
                case .exact:
                    let found = DualConstraintOracle.exact(features: features, dual: dual, reductions: reductions!,
                                                           count: settings.neuronsPerRound)
                    candidates = found.candidates
                    if !dualIsRay {
                        lowerBound = Self.lowerBound(dual: dual, targets: targets, settings: settings, constraint: found.maximum).value
                        lastExact = (dual, found.maximum)
                    }
                case .ascent:
                    candidates = DualConstraintOracle.ascentCandidates(features: features, dual: dual, bias: settings.bias,
                                                                       count: settings.neuronsPerRound)
                case .relaxation:
                    let start = Date()
                    candidates = try DualConstraintOracle.relaxationCandidates(features: features, dual: dual, bias: settings.bias,
                                                                               settings: solverSettings)
                    solveTime += Date().timeIntervalSince(start)
                }
            } catch {
                throw .solverFailed("\(error)")
            }
            let largest = candidates.map(\.value).max() ?? 0
            // Against a ray of the unbounded dual, any neuron that sees it is a cut.
            let threshold = dualIsRay ? 1e-9 * max(largest, 1) : beta * (1 + settings.tolerance)
            func unseen(_ candidates: [CandidateNeuron]) -> [CandidateNeuron] {
                candidates.filter { candidate in
                    candidate.value > threshold
                        && !neurons.contains { zip($0, candidate.weights).allSatisfy { abs($0 - $1) <= 1e-9 } }
                }
            }
            var fresh = unseen(candidates)
            if fresh.isEmpty, dualIsRay, settings.oracle == .relaxation {
                // With a free bias the ray has 1ᵀV = 0 and the relaxation's maximizer is a neuron
                // active on every sample, a linear one, which the program already holds (its column
                // is orthogonal to the ray). Interpolation needs a kink: look with the true objective.
                fresh = unseen(reductions.map {
                    DualConstraintOracle.exact(features: features, dual: dual, reductions: $0, count: settings.neuronsPerRound).candidates
                } ?? DualConstraintOracle.ascentCandidates(features: features, dual: dual, bias: settings.bias,
                                                           count: settings.neuronsPerRound))
            }
            let record = CuttingPlaneRound(round: round, neurons: neurons.count, objective: program?.objective,
                                           violation: dualIsRay ? .infinity : largest / beta, lowerBound: lowerBound)
            rounds.append(record)
            progress?(record)
            if fresh.isEmpty {
                converged = !dualIsRay
                break
            }
            neurons += fresh.map(\.weights)
            (program, dual, dualIsRay) = try solveProgram(design: design, neurons: neurons, targets: targets,
                                                          settings: settings, solverSettings: solverSettings, time: &solveTime)
        }
        if program == nil, !dualIsRay {
            // No neuron violates the constraint at V = Y: no neuron helps, and the program over
            // none (the output bias alone, with a bias) is the optimum; solve it for the network.
            (program, _, dualIsRay) = try solveProgram(design: design, neurons: neurons, targets: targets, settings: settings,
                                                       solverSettings: solverSettings, time: &solveTime)
        }
        guard var program, !dualIsRay else {
            if rounds.count < settings.maximumRounds {
                throw .solverFailed("the program over \(neurons.count) neurons is not feasible and the oracle found no neuron that makes progress towards it")
            }
            throw .solverFailed("the program over \(neurons.count) neurons never became feasible in \(settings.maximumRounds) rounds")
        }
        // The interior-point solution spreads weight over nearly parallel cuts; a re-solve over
        // the heaviest neurons usually keeps the optimum with far fewer of them. The dual point
        // and certificate stay those of the full program (a tighter restricted dual is no use).
        if let sparser = try sparserProgram(design: design, neurons: neurons, program: program, targets: targets,
                                            settings: settings, solverSettings: solverSettings, time: &solveTime) {
            neurons = sparser.neurons
            let dual = program.dual
            program = sparser.program
            program.dual = dual
        }

        let network = buildNetwork(neurons: neurons, weights: program.weights, outputBias: program.outputBias,
                                   bias: settings.bias, inputDimension: d)
        let predictions = network.predict(features)
        let maximumResidual = zip(predictions.values, targets.values).map { abs($0 - $1) }.max() ?? 0
        let objective: Double
        switch settings.objective {
        case .interpolation: objective = network.halfSquaredWeightNorm
        case .squared, .hinge, .logistic, .crossEntropy:
            objective = network.objective(features: features, targets: targets, beta: beta, loss: settings.objective.loss)
        }
        let projected = projectedDual(program.dual, targets: targets, settings: settings)
        let (constraint, method) = lastExact.flatMap { $0.dual == projected ? ($0.maximum, .exact) : nil }
            ?? DualConstraintOracle.certifiedBound(features: features, dual: projected, bias: settings.bias, reductions: reductions,
                                                   maximumRelaxationSamples: settings.maximumRelaxationSamples)
        let (lower, scale) = lowerBound(dual: projected, targets: targets, settings: settings, constraint: constraint)
        let certificate = TrainingCertificate(objective: objective, lowerBound: lower, constraintBound: constraint,
                                              boundMethod: method, dualScale: scale)
        return CuttingPlaneResult(network: network, certificate: certificate, rounds: rounds, converged: converged,
                                  maximumResidual: maximumResidual, solveTime: solveTime)
    }

    // MARK: Steps

    /// Solves the program over `neurons`; returns it, its (projected) dual point, and whether
    /// that point is a ray of an unbounded dual (interpolation not yet possible).
    private static func solveProgram(design: DenseMatrix, neurons: [[Double]], targets: DenseMatrix, settings: CuttingPlaneSettings,
                                     solverSettings: SolverSettings, time: inout Double) throws(CuttingPlaneError)
        -> (FiniteNeuronSolution?, DenseMatrix, Bool) {
        var h = design.multiplied(by: DenseMatrix(rows: neurons, columnCount: design.columnCount), transposeOther: true)
        for k in h.values.indices where h.values[k] < 0 { h.values[k] = 0 }
        let solution: FiniteNeuronSolution
        do {
            solution = try FiniteNeuronProgram.solve(activations: h, targets: targets, objective: settings.objective,
                                                     outputBias: settings.bias, settings: solverSettings)
        } catch {
            throw .solverFailed("\(error)")
        }
        time += solution.solveTime
        if solution.status.isOptimal {
            return (solution, projectedDual(solution.dual, targets: targets, settings: settings), false)
        }
        if case .interpolation = settings.objective, solution.status == .primalInfeasible || solution.status == .almostPrimalInfeasible {
            // The certificate z has Hᵀz = 0 and bᵀz < 0: V = −z is a ray along which ⟨V, Y⟩ grows
            // without violating the current cuts, so the next cut must see it.
            return (nil, solution.dual, true)
        }
        throw .solverFailed("the program over \(neurons.count) neurons ended with status \(solution.status.rawValue)")
    }

    /// The program over the neurons whose output weights reach a fraction of the largest, for
    /// the sparsest of the fractions 10⁻¹, 10⁻², 10⁻³ whose optimum is within the loop's
    /// tolerance (relative) of the full program's; `nil` when none is (or nothing would be dropped).
    private static func sparserProgram(design: DenseMatrix, neurons: [[Double]], program: FiniteNeuronSolution,
                                       targets: DenseMatrix, settings: CuttingPlaneSettings, solverSettings: SolverSettings,
                                       time: inout Double) throws(CuttingPlaneError) -> (neurons: [[Double]], program: FiniteNeuronSolution)? {
        let strength = (0..<neurons.count).map { euclideanNorm(program.weights.row($0)) }
        let largest = strength.max() ?? 0
        guard largest > 0 else { return nil }
        for fraction in [1e-1, 1e-2, 1e-3] {
            let kept = (0..<neurons.count).filter { strength[$0] >= fraction * largest }
            guard kept.count < neurons.count else { return nil }
            let subset = kept.map { neurons[$0] }
            let (candidate, _, ray) = try solveProgram(design: design, neurons: subset, targets: targets, settings: settings,
                                                       solverSettings: solverSettings, time: &time)
            if let candidate, !ray, candidate.objective <= program.objective + settings.tolerance * max(abs(program.objective), 1e-12) {
                return (subset, candidate)
            }
        }
        return nil
    }

    /// The dual point made to satisfy the constraints other than the semi-infinite one exactly:
    /// `λ ∈ [0, 1]` for the hinge loss (`V = λ∘y`) and, with a bias, `1ᵀV = 0`
    /// (``DualLowerBound/zeroSumProjection(_:targets:loss:)``).
    static func projectedDual(_ dual: DenseMatrix, targets: DenseMatrix, settings: CuttingPlaneSettings) -> DenseMatrix {
        var v = dual
        if settings.objective.loss.usesMarginMultipliers {
            for i in 0..<v.rowCount { v.values[i] = targets.values[i] * min(max(targets.values[i] * v.values[i], 0), 1) }
        }
        return settings.bias ? DualLowerBound.zeroSumProjection(v, targets: targets, loss: settings.objective.loss) : v
    }

    /// Weak duality along the ray through `V`, given `C ≥ sup ‖Vᵀ(Au + b1)₊‖`.
    static func lowerBound(dual v: DenseMatrix, targets: DenseMatrix, settings: CuttingPlaneSettings,
                           constraint: Double) -> (value: Double, scale: Double) {
        switch settings.objective {
        case .interpolation:
            // D(V) = ⟨V, Y⟩ is linear over {V : C(V) ≤ 1}, which contains V / C.
            let inner = zip(v.values, targets.values).reduce(0.0) { $0 + $1.0 * $1.1 }
            guard inner > 0, constraint > 0 else { return (0, 0) }
            return (inner / constraint, 1 / constraint)
        case let .squared(beta):
            return DualLowerBound.bound(dual: v, targets: targets, loss: .squared, beta: beta, constraint: constraint)
        case let .hinge(beta), let .logistic(beta):
            let lambda = DenseMatrix(rowCount: v.rowCount, columnCount: 1, values: zip(v.values, targets.values).map { $0 * $1 })
            return DualLowerBound.bound(dual: lambda, targets: targets, loss: settings.objective.loss, beta: beta,
                                        constraint: constraint)
        case let .crossEntropy(beta):
            return DualLowerBound.bound(dual: v, targets: targets, loss: .crossEntropy, beta: beta, constraint: constraint)
        }
    }

    /// The dual point the loop starts from: `Y` (Algorithm 1), or `−∇ℓ(0)` for the logistic
    /// (`y/2`) and cross-entropy (`Y − 1/c`) losses.
    static func startingDual(targets: DenseMatrix, objective: TrainingObjective) -> DenseMatrix {
        switch objective {
        case .interpolation, .squared, .hinge:
            return targets
        case .logistic, .crossEntropy:
            let zero = [Double](repeating: 0, count: targets.values.count)
            let gradient = objective.loss.gradient(predictions: zero, targets: targets.values, columns: targets.columnCount)
            return DenseMatrix(rowCount: targets.rowCount, columnCount: targets.columnCount, values: gradient.map { -$0 })
        }
    }

    /// The network of the program's solution: one neuron per nonzero output row, rows `(u, b)`
    /// with a free bias; the output bias becomes a constant neuron `(0·x + 1)₊ · c`, which
    /// ``TwoLayerNetwork/balanced()`` rescales until its weight decay is negligible (the cost of
    /// a constant tends to 0).
    static func buildNetwork(neurons: [[Double]], weights: DenseMatrix, outputBias: [Double], bias: Bool,
                             inputDimension d: Int) -> TwoLayerNetwork {
        let c = weights.columnCount
        let columns = d + (bias ? 1 : 0)
        var inputRows = [[Double]](), outputRows = [[Double]]()
        let largest = weights.values.map(abs).max() ?? 0
        for (j, neuron) in neurons.enumerated() {
            let w = weights.row(j)
            guard w.contains(where: { abs($0) > 1e-9 * max(largest, 1e-300) }) else { continue }
            inputRows.append(neuron)
            outputRows.append(w)
        }
        if bias, let constant = outputBias.map(abs).max(), constant > 0 {
            inputRows.append([Double](repeating: 0, count: d) + [1])
            outputRows.append(outputBias)
        }
        return TwoLayerNetwork(inputWeights: DenseMatrix(rows: inputRows, columnCount: columns),
                               outputWeights: DenseMatrix(rows: outputRows, columnCount: c),
                               hasBias: bias, biasRegularized: false).merged()
    }

    // MARK: Validation

    private static func validate(features: DenseMatrix, targets: DenseMatrix, settings: CuttingPlaneSettings) throws(CuttingPlaneError) {
        let n = features.rowCount
        guard n >= 1, features.columnCount >= 1 else { throw .invalidInput("the data need at least one sample and one feature") }
        guard targets.rowCount == n, targets.columnCount >= 1 else {
            throw .invalidInput("\(targets.rowCount) targets for \(n) samples")
        }
        guard features.values.allSatisfy(\.isFinite), targets.values.allSatisfy(\.isFinite) else {
            throw .invalidInput("the data hold NaN or infinity")
        }
        guard settings.objective.beta.isFinite, settings.objective.beta > 0 else { throw .invalidInput("beta must be positive and finite") }
        guard settings.tolerance >= 0, settings.maximumRounds >= 1, settings.neuronsPerRound >= 1 else {
            throw .invalidInput("tolerance must be ≥ 0, maximumRounds and neuronsPerRound ≥ 1")
        }
        if let initial = settings.initialNeurons, initial.columnCount != features.columnCount + (settings.bias ? 1 : 0) {
            throw .invalidInput("initial neurons have \(initial.columnCount) columns, expected \(features.columnCount + (settings.bias ? 1 : 0))")
        }
        switch settings.objective {
        case .hinge, .logistic:
            let name = settings.objective.name
            guard targets.columnCount == 1 else { throw .invalidInput("the \(name) loss takes one output, got \(targets.columnCount)") }
            if let bad = targets.values.firstIndex(where: { $0 != 1 && $0 != -1 }) {
                throw .invalidInput("the \(name) loss needs targets ±1; sample \(bad) has \(targets.values[bad])")
            }
        case .crossEntropy:
            if let problem = ConvexTrainer.crossEntropyTargetProblem(targets) { throw .invalidInput(problem) }
        case .interpolation:
            var firstWith = [[Double]: Int]()
            for i in 0..<n {
                let key = features.row(i)
                if let j = firstWith[key] {
                    if targets.row(i) != targets.row(j) { throw .contradictoryDuplicates(first: j, second: i) }
                } else {
                    firstWith[key] = i
                }
            }
            if !settings.bias, let zero = (0..<n).first(where: { features.row($0).allSatisfy { $0 == 0 } }),
               targets.row(zero).contains(where: { $0 != 0 }) {
                throw .invalidInput("sample \(zero) is the origin with a nonzero target: without a bias every neuron outputs 0 there")
            }
        case .squared:
            break
        }
    }

    private static func centered(_ features: DenseMatrix) -> DenseMatrix {
        Standardization(mean: Standardization.fit(features).mean, scale: [Double](repeating: 1, count: features.columnCount)).apply(features)
    }
}
