import ConicSolver

/// The solved program over a finite neuron set: output weights, the dual point and values.
struct FiniteNeuronSolution {
    /// `m × c` output weights.
    var weights: DenseMatrix
    /// Output bias per output (zeros without a bias).
    var outputBias: [Double]
    /// The dual point `V` (`n × c`) with `|Hᵀ V| ≤ β` on the neurons of the program (and
    /// `1ᵀV = 0` with a bias); for the hinge loss `Vᵢ = yᵢλᵢ`, `λ ∈ [0, 1]`.
    var dual: DenseMatrix
    /// The program's optimal value as the solver reports it.
    var objective: Double
    var status: SolverStatus
    var iterations: Int
    var solveTime: Double
}

/// Builds and solves ``TrainingObjective`` programs with the interior-point solver.
enum FiniteNeuronProgram {
    /// Solves the program for activations `H` (`n × m`) and targets `Y` (`n × c`).
    ///
    /// Variables `[W (m·c) | t (m) | c (c, with bias) | r (n·c, squared) or ξ (n, hinge)]`; every
    /// neuron's `(tⱼ, wⱼ)` lies in a second-order cone, so `Σ tⱼ` is the group ℓ1 norm.
    static func solve(activations h: DenseMatrix, targets y: DenseMatrix, objective: TrainingObjective,
                      outputBias: Bool, settings: SolverSettings) throws -> FiniteNeuronSolution {
        let n = h.rowCount, m = h.columnCount, c = y.columnCount
        let wStart = 0, tStart = m * c, biasStart = tStart + m
        let lossStart = biasStart + (outputBias ? c : 0)
        var variableCount = lossStart
        switch objective {
        case .interpolation: break
        case .squared: variableCount += n * c
        case .hinge: variableCount += n
        }
        var rows = [Int](), columns = [Int](), values = [Double]()
        var b = [Double](), cones = [ConeSpec]()
        var q = [Double](repeating: 0, count: variableCount)
        for j in 0..<m { q[tStart + j] = objective.beta }
        func entry(_ row: Int, _ column: Int, _ value: Double) {
            rows.append(row); columns.append(column); values.append(value)
        }
        var row = 0
        switch objective {
        case .interpolation, .squared:
            // H W + 1 cᵀ (− R) = Y, one row per sample and output.
            for i in 0..<n {
                for k in 0..<c {
                    for j in 0..<m where h[i, j] != 0 { entry(row, wStart + j * c + k, h[i, j]) }
                    if outputBias { entry(row, biasStart + k, 1) }
                    if case .squared = objective { entry(row, lossStart + i * c + k, -1) }
                    b.append(y[i, k])
                    row += 1
                }
            }
            cones.append(.zero(n * c))
        case .hinge:
            // ξᵢ + yᵢ(Hᵢw + c) ≥ 1 and ξ ≥ 0.
            for i in 0..<n {
                for j in 0..<m where h[i, j] != 0 { entry(row, wStart + j, -y[i, 0] * h[i, j]) }
                if outputBias { entry(row, biasStart, -y[i, 0]) }
                entry(row, lossStart + i, -1)
                b.append(-1)
                row += 1
            }
            for i in 0..<n { entry(row, lossStart + i, -1); b.append(0); row += 1 }
            for i in 0..<n { q[lossStart + i] = 1 }
            cones.append(.nonnegative(2 * n))
        }
        for j in 0..<m {
            entry(row, tStart + j, -1)
            b.append(0)
            for k in 0..<c { entry(row + 1 + k, wStart + j * c + k, -1); b.append(0) }
            row += 1 + c
            cones.append(.secondOrder(1 + c))
        }
        let a = try SparseMatrix(rowCount: row, columnCount: variableCount, rows: rows, columns: columns, values: values, name: "A")
        var p: SparseMatrix?
        if case .squared = objective {
            let diagonal = Array(lossStart..<variableCount)
            p = try SparseMatrix(rowCount: variableCount, columnCount: variableCount, rows: diagonal, columns: diagonal,
                                 values: Array(repeating: 1, count: diagonal.count), name: "P")
        }
        let solution = try ConicSolver.solve(ConicProblem(P: p, q: q, A: a, b: b, cones: cones), settings: settings)

        let weights = DenseMatrix(rowCount: m, columnCount: c, values: Array(solution.x[wStart..<tStart]))
        let bias = outputBias ? Array(solution.x[biasStart..<(biasStart + c)]) : [Double](repeating: 0, count: c)
        // Stationarity in W reads Hᵀ(−z_eq) = (SOC duals) for the equality rows, so V = −z there;
        // for the hinge rows it reads Hᵀ(y ∘ λ) = (SOC duals) with λ = z ∈ [0, 1].
        var dual = DenseMatrix(rowCount: n, columnCount: c)
        switch objective {
        case .interpolation, .squared:
            for k in 0..<(n * c) { dual.values[k] = -solution.z[k] }
        case .hinge:
            for i in 0..<n { dual.values[i] = y[i, 0] * min(max(solution.z[i], 0), 1) }
        }
        return FiniteNeuronSolution(weights: weights, outputBias: bias, dual: dual, objective: solution.primalObjective,
                                    status: solution.status, iterations: solution.iterations, solveTime: solution.solveTime)
    }
}
