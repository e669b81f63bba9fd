import ConicSolver

/// The result of ``FiniteNeuronInterpolation/solve(features:targets:neurons:settings:)``.
public struct FiniteNeuronInterpolationResult: Sendable {
    /// The optimal `‖w‖₁` over the given neurons.
    public let objective: Double
    /// The optimal output weights, one per neuron.
    public let outputWeights: [Double]
    /// A dual optimal `v`: `|vᵀ(Auⱼ)₊| ≤ 1` for every given neuron and `vᵀy` = ``objective``.
    public let dual: [Double]
    /// The solver's status.
    public let status: SolverStatus
}

/// Minimum-ℓ1 interpolation (JMLR eq. 4) restricted to a finite set of unit neurons: the LP
/// `min ‖w‖₁ s.t. (AU)₊w = y` (the cutting plane's program, ``TrainingObjective/interpolation``,
/// without a bias). Its value is an
/// upper bound on the problem over all neurons, and its dual `max vᵀy s.t. |vᵀ(Auⱼ)₊| ≤ 1` is the
/// dual (eq. 12) with only the given neurons' constraints.
public enum FiniteNeuronInterpolation {
    /// Solves the LP over the rows of `neurons` (`m × d`; each row is scaled to unit norm).
    ///
    /// - Throws: ``ClosedFormError/dimensionMismatch(_:)`` for mismatched shapes,
    ///   ``ClosedFormError/solverFailed(_:)`` when the LP is infeasible or the solver fails.
    public static func solve(features: DenseMatrix, targets: [Double], neurons: DenseMatrix,
                             settings: SolverSettings = SolverSettings()) throws(ClosedFormError) -> FiniteNeuronInterpolationResult {
        let n = features.rowCount, m = neurons.rowCount
        guard targets.count == n else { throw .dimensionMismatch("\(targets.count) targets for \(n) samples") }
        guard neurons.columnCount == features.columnCount else {
            throw .dimensionMismatch("neurons have \(neurons.columnCount) entries, the data \(features.columnCount) features")
        }
        var unit = neurons
        for j in 0..<m {
            let norm = euclideanNorm(neurons.row(j))
            guard norm > 0 else { throw .dimensionMismatch("neuron \(j) is zero") }
            for k in 0..<neurons.columnCount { unit[j, k] /= norm }
        }
        var h = features.multiplied(by: unit, transposeOther: true)   // n × m activations (AU)₊
        for k in h.values.indices where h.values[k] < 0 { h.values[k] = 0 }

        let solution: FiniteNeuronSolution
        do {
            solution = try FiniteNeuronProgram.solve(activations: h, targets: DenseMatrix(column: targets),
                                                     objective: .interpolation, outputBias: false, settings: settings)
        } catch { throw .solverFailed("\(error)") }
        guard solution.status.isOptimal else { throw .solverFailed("status \(solution.status.rawValue)") }
        let weights = solution.weights.values
        return FiniteNeuronInterpolationResult(objective: weights.reduce(0) { $0 + abs($1) }, outputWeights: weights,
                                               dual: solution.dual.values, status: solution.status)
    }

    /// `count` unit neurons drawn uniformly from the sphere in `ℝᵈ` (normalized Gaussians), seeded.
    public static func sampledNeurons(count: Int, dimension: Int, seed: UInt64) -> DenseMatrix {
        var rng = SeededGenerator(seed: seed)
        var rows = [[Double]]()
        while rows.count < count {
            let g = (0..<dimension).map { _ in rng.nextGaussian() }
            let norm = euclideanNorm(g)
            if norm > 0 { rows.append(g.map { $0 / norm }) }
        }
        return DenseMatrix(rows: rows, columnCount: dimension)
    }
}
