import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the network's values at the samples enter the conic program.
public enum OneDimensionalFormulation: String, Sendable, CaseIterable, Codable {
    /// Values `fᵢ` and slopes `sᵢ` chained along the sorted samples (`f_{i+1} = fᵢ + hᵢsᵢ`, each
    /// neuron changes one slope): `O(n)` nonzeros, a banded Newton system.
    case banded
    /// The textbook program with the dense kernel `Kᵢⱼ = (±(tᵢ − tⱼ))₊`: `O(n²)` nonzeros.
    case kernel
}

/// Settings of ``OneDimensionalTrainer``.
public struct OneDimensionalSettings: Sendable, Equatable {
    /// The training problem.
    public var objective: TrainingObjective
    /// The program's form; both have the same optimum.
    public var formulation: OneDimensionalFormulation
    /// Settings of the conic solver.
    public var solver: SolverSettings
    /// Neurons whose `‖wⱼ‖` is at most this fraction of the largest are dropped from the network.
    public var pruneTolerance: Double
    /// Relative tolerance for "the samples lie on a line": every centred sample must be within
    /// this fraction of the largest centred sample's norm from the line.
    public var lineTolerance: Double

    /// Settings with the defaults: banded form, ``defaultSolver(for:)``, prune below `10⁻⁸` of the
    /// largest neuron, line tolerance `10⁻⁹`.
    public init(objective: TrainingObjective, formulation: OneDimensionalFormulation = .banded,
                solver: SolverSettings? = nil, pruneTolerance: Double = 1e-8, lineTolerance: Double = 1e-9) {
        self.objective = objective
        self.formulation = formulation
        self.solver = solver ?? Self.defaultSolver(for: formulation)
        self.pruneTolerance = pruneTolerance
        self.lineTolerance = lineTolerance
    }
}

extension OneDimensionalSettings {
    /// Solver defaults for a formulation. The banded program's quasi-definite Newton system is
    /// banded too, while its normal equations are not cheaper; naming the form saves the solver
    /// from analyzing both to choose (about a fifth of the time at n = 2000).
    public static func defaultSolver(for formulation: OneDimensionalFormulation) -> SolverSettings {
        var settings = SolverSettings()
        if formulation == .banded { settings.newtonSystem = .quasiDefinite }
        return settings
    }
}

/// Errors of ``OneDimensionalTrainer``.
public enum OneDimensionalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of range (`β ≤ 0`, negative tolerances).
    case invalidSetting(String)
    /// The data cannot be used (too few samples, non-finite values, shapes).
    case invalidData(String)
    /// The samples do not lie on a line (`A ≠ 1oᵀ + c aᵀ`): the extreme-point set is not finite.
    case notRankOne(relativeResidual: Double)
    /// All samples sit at one position: there is no neuron to train.
    case constantFeatures
    /// Interpolation asked for two different targets at the same input.
    case conflictingDuplicates(position: Double, targets: [Double])
    /// The hinge loss needs one output with labels ±1.
    case invalidLabels(String)
    /// The conic solver did not reach an optimal point.
    case solverFailed(SolverStatus)

    public var description: String {
        switch self {
        case let .invalidSetting(message): return "invalid setting: \(message)"
        case let .invalidData(message): return "invalid data: \(message)"
        case let .notRankOne(residual):
            return "the samples do not lie on a line (relative residual \(residual)); exact 1-D training needs rank-one (centred) data"
        case .constantFeatures: return "all samples have the same input; there is nothing to fit but a constant"
        case let .conflictingDuplicates(position, targets):
            return "interpolation impossible: the input \(position) appears with different targets \(targets)"
        case let .invalidLabels(message): return "invalid labels for the hinge loss: \(message)"
        case let .solverFailed(status): return "the conic solver stopped with status \(status.rawValue)"
        }
    }
}

/// The samples projected on their line: `tᵢ = âᵀaᵢ`, merged into sorted distinct positions.
public struct LineProjection: Sendable, Equatable {
    /// The unit direction `â` of the line (`[1]` for one feature).
    public var direction: [Double]
    /// The coordinate `tᵢ = âᵀaᵢ` of every sample.
    public var coordinates: [Double]
    /// Sorted distinct coordinates `t₍₁₎ < … < t₍ₚ₎`.
    public var positions: [Double]
    /// For each sample, the index of its position.
    public var positionOfSample: [Int]

    /// Projects `features` (`n × d`) on the line through them.
    ///
    /// Samples closer than `10⁻¹²` of the coordinate range are merged into one position.
    /// - Throws: ``OneDimensionalError/notRankOne(relativeResidual:)`` when the centred samples are
    ///   not multiples of one vector (within `tolerance`), ``OneDimensionalError/constantFeatures``
    ///   when all samples coincide.
    public init(features: DenseMatrix, tolerance: Double = 1e-9) throws {
        let n = features.rowCount, d = features.columnCount
        guard n >= 1, d >= 1 else { throw OneDimensionalError.invalidData("no samples or no features") }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { mean[k] += features[i, k] / Double(n) } }
        // The centred sample of largest norm fixes the direction; the others must be multiples of it.
        var best = 0, bestNorm = 0.0
        for i in 0..<n {
            let norm = euclideanNorm((0..<d).map { features[i, $0] - mean[$0] })
            if norm > bestNorm { best = i; bestNorm = norm }
        }
        guard bestNorm > 0 else { throw OneDimensionalError.constantFeatures }
        var direction = (0..<d).map { (features[best, $0] - mean[$0]) / bestNorm }
        // A fixed sign (largest entry positive) so that the same line always gives the same coordinates.
        if let k = direction.indices.max(by: { abs(direction[$0]) < abs(direction[$1]) }), direction[k] < 0 {
            direction = direction.map { -$0 }
        }
        if d == 1 { direction = [1] }
        var worst = 0.0
        var coordinates = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let row = features.row(i)
            coordinates[i] = zip(row, direction).reduce(0) { $0 + $1.0 * $1.1 }
            let centred = zip(row, mean).map { $0 - $1 }
            let along = zip(centred, direction).reduce(0) { $0 + $1.0 * $1.1 }
            worst = max(worst, euclideanNorm(zip(centred, direction).map { $0 - along * $1 }))
        }
        let residual = worst / bestNorm
        guard residual <= tolerance else { throw OneDimensionalError.notRankOne(relativeResidual: residual) }
        let order = (0..<n).sorted { coordinates[$0] < coordinates[$1] }
        let range = coordinates[order[n - 1]] - coordinates[order[0]]
        guard range > 0 else { throw OneDimensionalError.constantFeatures }
        var positions = [Double](), positionOfSample = [Int](repeating: 0, count: n)
        for i in order {
            if let last = positions.last, coordinates[i] - last <= 1e-12 * range {
                positionOfSample[i] = positions.count - 1
            } else {
                positions.append(coordinates[i])
                positionOfSample[i] = positions.count - 1
            }
        }
        self.direction = direction
        self.coordinates = coordinates
        self.positions = positions
        self.positionOfSample = positionOfSample
    }
}

/// The outcome of ``OneDimensionalTrainer/train(features:targets:settings:)``: a network and a
/// certified optimality gap, `lowerBound ≤ p* ≤ objective`, where `p*` is the infimum of the
/// training objective over free-bias ReLU networks of any width.
public struct OneDimensionalResult: Sendable {
    /// The trained network (`hasBias`, `biasRegularized == false`), balanced, zero neurons pruned.
    /// A nonzero constant is carried by one extra bias-only neuron (see ``constant``).
    public var network: TwoLayerNetwork
    /// The training problem solved.
    public var objective: TrainingObjective
    /// The weight-decay objective of ``network``: `network.objective(…)` for the squared and hinge
    /// losses; for interpolation its weight decay `½Σ(‖uⱼ‖² + ‖αⱼ‖²) = Σ‖wⱼ‖`.
    public var value: Double
    /// A proven lower bound on `p*` (the dual function at a feasible dual point).
    public var lowerBound: Double
    /// `value − lowerBound`.
    public var gap: Double { value - lowerBound }
    /// `gap / max(|value|, tiny)`.
    public var relativeGap: Double { gap / max(abs(value), .leastNormalMagnitude) }
    /// The optimal value of the conic program as the solver reports it.
    public var programObjective: Double
    /// The constant the unregularized bias supplies (one entry per output).
    public var constant: [Double]
    /// For interpolation, `max |f(xᵢ) − yᵢ|` of ``network``; 0 otherwise.
    public var interpolationError: Double
    /// The projection of the samples on their line.
    public var projection: LineProjection
    /// The program's form.
    public var formulation: OneDimensionalFormulation
    /// Number of variables, constraint rows and stored nonzeros of `A`.
    public var variableCount: Int, constraintCount: Int, nonzeroCount: Int
    /// The solver's final status.
    public var solverStatus: SolverStatus
    /// Interior-point iterations.
    public var iterations: Int
    /// Seconds in the solver (setup and iterations).
    public var solveTime: Double
    /// Seconds spent building the program.
    public var buildTime: Double
}

/// Exact training of two-layer ReLU networks with a free bias on one-dimensional or rank-one data.
///
/// On a line every optimal neuron is an extreme point `(±(t − tⱼ))₊` at a sample position `tⱼ`
/// (JMLR Lemma 2.6, Corollary 3.4); together with the constant that the free bias gives for
/// nothing, these `2(p − 1)` functions (the other two vanish on the data) describe every network
/// on the data, so the convex program over their output weights has the same optimum as training
/// a network of any width, and its dual certifies it. See `docs/nn-one-dimensional.md`.
public enum OneDimensionalTrainer {
    /// Largest kernel (`p × 2(p−1)` per output) the ``OneDimensionalFormulation/kernel`` form
    /// accepts: beyond it the dense Newton system no longer fits in memory (about `n = 1400`).
    public static let maximumKernelEntries = 4_000_000

    /// Solves the exact program and returns the network with its certificate.
    ///
    /// - Parameters:
    ///   - features: `n × d` inputs on a line (any `d`; one column for 1-D data), `n ≥ 2`.
    ///   - targets: `n × c` targets; for the hinge loss one column of ±1 labels.
    ///   - settings: the objective, formulation and solver settings.
    /// - Throws: ``OneDimensionalError``.
    public static func train(features: DenseMatrix, targets: DenseMatrix,
                             settings: OneDimensionalSettings) throws -> OneDimensionalResult {
        try validate(features: features, targets: targets, settings: settings)
        let line = try LineProjection(features: features, tolerance: settings.lineTolerance)
        let kernelEntries = line.positions.count * 2 * (line.positions.count - 1) * targets.columnCount
        if settings.formulation == .kernel, kernelEntries > maximumKernelEntries {
            throw OneDimensionalError.invalidSetting("the dense kernel formulation would store \(kernelEntries) nonzeros (limit \(maximumKernelEntries)); use the banded formulation")
        }
        let start = monotonicSeconds()
        let program = try OneDimensionalProgram(line: line, targets: targets, objective: settings.objective,
                                                formulation: settings.formulation)
        let buildTime = monotonicSeconds() - start
        let solution: Solution
        do { solution = try solve(program.problem, settings: settings.solver) } catch let error as ConicError {
            throw OneDimensionalError.invalidSetting("solver: \(error)")
        }
        guard solution.status.isOptimal else { throw OneDimensionalError.solverFailed(solution.status) }

        let (network, constant) = program.network(from: solution.x, features: features, pruneTolerance: settings.pruneTolerance)
        let beta = settings.objective.beta
        let value: Double
        var interpolationError = 0.0
        if case .interpolation = settings.objective {
            value = network.halfSquaredWeightNorm
            let f = network.predict(features)
            interpolationError = zip(f.values, targets.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
        } else {
            value = network.objective(features: features, targets: targets, beta: beta, loss: settings.objective.loss)
        }
        let bound = program.lowerBound(solution: solution, network: network, features: features)
        return OneDimensionalResult(
            network: network, objective: settings.objective, value: value, lowerBound: bound,
            programObjective: solution.primalObjective, constant: constant, interpolationError: interpolationError,
            projection: line, formulation: settings.formulation, variableCount: program.problem.variableCount,
            constraintCount: program.problem.constraintCount, nonzeroCount: program.problem.A.nonzeroCount,
            solverStatus: solution.status, iterations: solution.iterations, solveTime: solution.solveTime,
            buildTime: buildTime)
    }

    static func validate(features: DenseMatrix, targets: DenseMatrix, settings: OneDimensionalSettings) throws {
        let n = features.rowCount
        guard n >= 2 else { throw OneDimensionalError.invalidData("need at least 2 samples, got \(n)") }
        guard features.columnCount >= 1 else { throw OneDimensionalError.invalidData("no features") }
        guard targets.rowCount == n else {
            throw OneDimensionalError.invalidData("\(n) samples but \(targets.rowCount) target rows")
        }
        guard targets.columnCount >= 1 else { throw OneDimensionalError.invalidData("no target column") }
        if let k = features.values.firstIndex(where: { !$0.isFinite }) {
            throw OneDimensionalError.invalidData("feature value \(features.values[k]) at sample \(k / features.columnCount)")
        }
        if let k = targets.values.firstIndex(where: { !$0.isFinite }) {
            throw OneDimensionalError.invalidData("target value \(targets.values[k]) at sample \(k / targets.columnCount)")
        }
        guard settings.pruneTolerance >= 0, settings.pruneTolerance < 1 else {
            throw OneDimensionalError.invalidSetting("pruneTolerance must lie in [0, 1), got \(settings.pruneTolerance)")
        }
        guard settings.lineTolerance >= 0, settings.lineTolerance.isFinite else {
            throw OneDimensionalError.invalidSetting("lineTolerance must be non-negative, got \(settings.lineTolerance)")
        }
        switch settings.objective {
        case .interpolation: break
        case let .squared(beta), let .hinge(beta):
            guard beta.isFinite, beta > 0 else { throw OneDimensionalError.invalidSetting("β must be positive and finite, got \(beta)") }
        case .logistic, .crossEntropy:
            throw OneDimensionalError.invalidSetting("the one-dimensional programs take interpolation, the squared or the hinge loss, not \(settings.objective.name)")
        }
        if case .hinge = settings.objective {
            guard targets.columnCount == 1 else {
                throw OneDimensionalError.invalidLabels("the hinge loss needs one output, got \(targets.columnCount)")
            }
            if let bad = targets.values.first(where: { $0 != 1 && $0 != -1 }) {
                throw OneDimensionalError.invalidLabels("labels must be +1 or −1, found \(bad)")
            }
        }
    }
}

/// Wall-clock seconds from a monotonic clock.
private func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + 1e-9 * Double(time.tv_nsec)
}
