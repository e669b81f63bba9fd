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
    /// Variables `[W (m·c) | t (m) | c (c, with bias) | loss variables]`; every neuron's
    /// `(tⱼ, wⱼ)` lies in a second-order cone, so `Σ tⱼ` is the group ℓ1 norm. The loss variables
    /// are the residuals `r` (`n·c`, squared), the slacks `ξ` (`n`, hinge), or for the logistic and
    /// cross-entropy losses a log-sum-exp epigraph per sample: `τᵢ` and one `uᵢₖ`
    /// per term, with `Σₖ uᵢₖ ≤ 1` and `(gᵢₖ − τᵢ, 1, uᵢₖ) ∈ K_exp`, which together say
    /// `τᵢ ≥ log Σₖ e^{gᵢₖ}`. Logistic: `gᵢ = (0, −yᵢfᵢ)`; cross-entropy: `gᵢ = fᵢ` and the linear
    /// term `−⟨Y, F⟩` in the objective (with an output bias, `Σₖ cₖ = 0` removes the shift that
    /// leaves softmax unchanged).
    static func solve(activations h: DenseMatrix, targets y: DenseMatrix, objective: TrainingObjective,
                      outputBias: Bool, settings: SolverSettings) throws -> FiniteNeuronSolution {
        let n = h.rowCount, m = h.columnCount, c = y.columnCount
        let wStart = 0, tStart = m * c, biasStart = tStart + m
        let lossStart = biasStart + (outputBias ? c : 0)
        // Terms per sample of the log-sum-exp epigraphs (0: no exponential cones).
        let terms: Int
        switch objective {
        case .logistic: terms = 2
        case .crossEntropy: terms = c
        default: terms = 0
        }
        var variableCount = lossStart
        switch objective {
        case .interpolation: break
        case .squared: variableCount += n * c
        case .hinge: variableCount += n
        case .logistic, .crossEntropy: variableCount += n * (1 + terms)  // τᵢ, then uᵢ₁ … uᵢ_K
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
        case .logistic, .crossEntropy:
            var crossEntropy = false
            if case .crossEntropy = objective { crossEntropy = true }
            if crossEntropy, outputBias {
                for k in 0..<c { entry(row, biasStart + k, 1) }
                b.append(0)
                row += 1
                cones.append(.zero(1))
            }
            func tau(_ i: Int) -> Int { lossStart + i * (1 + terms) }
            // Σₖ uᵢₖ ≤ 1.
            for i in 0..<n {
                for k in 0..<terms { entry(row, tau(i) + 1 + k, 1) }
                b.append(1)
                row += 1
                q[tau(i)] = 1
            }
            cones.append(.nonnegative(n))
            // (gᵢₖ − τᵢ, 1, uᵢₖ) ∈ K_exp with s = b − Ax: the first row holds −gᵢₖ + τᵢ in A.
            for i in 0..<n {
                for k in 0..<terms {
                    entry(row, tau(i), 1)
                    if crossEntropy {  // gᵢₖ = Hᵢwₖ + cₖ
                        for j in 0..<m where h[i, j] != 0 { entry(row, wStart + j * c + k, -h[i, j]) }
                        if outputBias { entry(row, biasStart + k, -1) }
                    } else if k == 1 {  // gᵢ₁ = −yᵢ(Hᵢw + c); gᵢ₀ = 0
                        for j in 0..<m where h[i, j] != 0 { entry(row, wStart + j, y[i, 0] * h[i, j]) }
                        if outputBias { entry(row, biasStart, y[i, 0]) }
                    }
                    b.append(0)
                    b.append(1)
                    entry(row + 2, tau(i) + 1 + k, -1)
                    b.append(0)
                    row += 3
                    cones.append(.exponential)
                }
            }
            if crossEntropy {  // −⟨Y, HW + 1cᵀ⟩
                for i in 0..<n {
                    for k in 0..<c where y[i, k] != 0 {
                        for j in 0..<m where h[i, j] != 0 { q[wStart + j * c + k] -= y[i, k] * h[i, j] }
                        if outputBias { q[biasStart + k] -= y[i, k] }
                    }
                }
            }
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
        case .logistic, .crossEntropy:
            // V = −∇ℓ(F) at the solution's predictions (y∘σ(−y∘f), or Y − softmax(F)): the optimal
            // dual wherever F is optimal, inside the conjugate's domain by construction, and no
            // multiplier is needed from the solver.
            var f = h.multiplied(by: weights)
            for i in 0..<n { for k in 0..<c { f[i, k] += bias[k] } }
            let gradient = objective.loss.gradient(predictions: f.values, targets: y.values, columns: c)
            dual.values = gradient.map { -$0 }
        }
        return FiniteNeuronSolution(weights: weights, outputBias: bias, dual: dual, objective: solution.primalObjective,
                                    status: solution.status, iterations: solution.iterations, solveTime: solution.solveTime)
    }
}
