import ConicSolver

/// The convex training program of ICML 2020 eq. (8) for one output, over a set of activation
/// patterns `D₁ … D_P`, in the solver's form `min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K`:
///
///     minimize   ℓ(Σᵢ DᵢX̃(vᵢ − wᵢ), y) + β Σᵢ (‖vᵢ‖ + ‖wᵢ‖)
///     subject to (2Dᵢ − I)X̃vᵢ ≥ 0,  (2Dᵢ − I)X̃wᵢ ≥ 0.
///
/// Variables: the `2P` blocks `z_b ∈ ℝ^d̃` (`z_{2i} = vᵢ` with sign +1, `z_{2i+1} = wᵢ` with sign −1),
/// then one epigraph variable `t_b ≥ ‖z_b‖` per block (a second-order cone), then the loss
/// variables. Rows: the loss rows, then per block the `n` sign constraints (samples with
/// `x̃ᵢ = 0` skipped: they hold for every `z`), then the second-order cones `(t_b, z_b)`.
///
/// The squared loss comes in two equivalent forms with very different Newton systems:
/// - ``Formulation/gram``: `½zᵀMᵀMz − (Mᵀy)ᵀz + ½‖y‖²` with `M = [sign_b DᵢX̃]` — its Hessian is
///   one dense `2Pd̃ × 2Pd̃` block, the right choice when `n ≥ 2Pd̃`;
/// - ``Formulation/residual``: residuals `r = Mz − y` as variables, `½‖r‖²` — the elimination
///   leaves an `n × n` dense block instead, the right choice when `n < 2Pd̃`.
/// The hinge loss uses slacks `ξ ≥ 0`, `ξᵢ ≥ 1 − yᵢ(Mz)ᵢ` and `Σξ`.
struct ConvexReLUProgram {
    enum Formulation: String { case gram, residual, hinge }

    let design: DenseMatrix
    let patterns: ActivationPatterns
    let formulation: Formulation
    let problem: ConicProblem

    var blockCount: Int { 2 * patterns.count }
    var width: Int { design.columnCount }
    /// First row of the hinge margin constraints `ξᵢ + yᵢ(Mz)ᵢ ≥ 1`.
    var marginRowStart: Int { design.rowCount }

    init(design: DenseMatrix, targets y: [Double], beta: Double, loss: Loss, patterns: ActivationPatterns) throws {
        let n = design.rowCount, d = design.columnCount, blocks = 2 * patterns.count
        precondition(y.count == n && patterns.sampleCount == n)
        self.design = design
        self.patterns = patterns
        let formulation: Formulation
        switch loss {
        case .hinge: formulation = .hinge
        case .squared: formulation = n >= blocks * d ? .gram : .residual
        }
        self.formulation = formulation

        let activeRows = (0..<patterns.count).map { patterns.activeSamples($0) }
        let nonzeroSamples = (0..<n).filter { i in (0..<d).contains { design[i, $0] != 0 } }
        let lossRows: Int
        switch formulation {
        case .gram: lossRows = 0
        case .residual: lossRows = n
        case .hinge: lossRows = 2 * n
        }
        let signRowsStart = lossRows
        let socRowsStart = signRowsStart + blocks * nonzeroSamples.count
        let rowCount = socRowsStart + blocks * (d + 1)
        let blockVariables = blocks * d
        let lossVariables = formulation == .gram ? 0 : n
        let variableCount = blockVariables + blocks + lossVariables

        // A, column by column (row indices increase within each column by construction).
        var starts = [0], rows = [Int](), values = [Double]()
        var activeMask = [Bool](repeating: false, count: n)
        for b in 0..<blocks {
            let pattern = b / 2, sign: Double = b % 2 == 0 ? 1 : -1
            for i in 0..<n { activeMask[i] = false }
            for i in activeRows[pattern] { activeMask[i] = true }
            for j in 0..<d {
                switch formulation {
                case .gram: break
                case .residual:  // r − Mz = −y
                    for i in activeRows[pattern] where design[i, j] != 0 {
                        rows.append(i); values.append(-sign * design[i, j])
                    }
                case .hinge:  // −ξ − y∘(Mz) ≤ −1
                    for i in activeRows[pattern] where design[i, j] != 0 {
                        rows.append(n + i); values.append(-y[i] * sign * design[i, j])
                    }
                }
                // −(2D − I)X̃ z_b ≤ 0
                for (k, i) in nonzeroSamples.enumerated() where design[i, j] != 0 {
                    rows.append(signRowsStart + b * nonzeroSamples.count + k)
                    values.append(activeMask[i] ? -design[i, j] : design[i, j])
                }
                rows.append(socRowsStart + b * (d + 1) + 1 + j); values.append(-1)
                starts.append(rows.count)
            }
        }
        for b in 0..<blocks {
            rows.append(socRowsStart + b * (d + 1)); values.append(-1)
            starts.append(rows.count)
        }
        for i in 0..<lossVariables {
            switch formulation {
            case .residual: rows.append(i); values.append(1)
            case .hinge: rows.append(contentsOf: [i, n + i]); values.append(contentsOf: [-1, -1])
            case .gram: break
            }
            starts.append(rows.count)
        }
        let a = try SparseMatrix(rowCount: rowCount, columnCount: variableCount, columnStarts: starts,
                                 rowIndices: rows, values: values, name: "A")

        var q = [Double](repeating: 0, count: variableCount)
        for b in 0..<blocks { q[blockVariables + b] = beta }
        var b = [Double](repeating: 0, count: rowCount)
        var cones = [ConeSpec]()
        var p: SparseMatrix? = nil
        var constant = 0.0
        switch formulation {
        case .residual:
            for i in 0..<n { b[i] = -y[i] }
            cones.append(.zero(n))
            p = try SparseMatrix(rowCount: variableCount, columnCount: variableCount,
                                 rows: Array(blockVariables + blocks ..< variableCount),
                                 columns: Array(blockVariables + blocks ..< variableCount),
                                 values: Array(repeating: 1, count: n), name: "P")
        case .hinge:
            for i in 0..<n { b[n + i] = -1; q[blockVariables + blocks + i] = 1 }
            cones.append(.nonnegative(2 * n))
        case .gram:
            let (gramP, linear) = try Self.gramObjective(design: design, activeRows: activeRows, targets: y,
                                                         variableCount: variableCount)
            p = gramP
            for k in 0..<blockVariables { q[k] = linear[k] }
            constant = 0.5 * y.reduce(0) { $0 + $1 * $1 }
        }
        cones.append(.nonnegative(blocks * nonzeroSamples.count))
        cones.append(contentsOf: Array(repeating: .secondOrder(d + 1), count: blocks))
        problem = try ConicProblem(P: p, q: q, A: a, b: b,
                                   cones: cones, objectiveConstant: constant)
    }

    /// `MᵀM` (upper triangle, `2Pd̃` square) and `−Mᵀy` for `M = [sign_b DᵢX̃]`, from one product
    /// of the `n × Pd̃` matrix `[DᵢX̃]` with itself.
    private static func gramObjective(design: DenseMatrix, activeRows: [[Int]], targets y: [Double],
                                      variableCount: Int) throws -> (SparseMatrix, [Double]) {
        let n = design.rowCount, d = design.columnCount, patternCount = activeRows.count
        var masked = DenseMatrix(rowCount: n, columnCount: patternCount * d)
        for (pattern, active) in activeRows.enumerated() {
            for i in active { for j in 0..<d { masked[i, pattern * d + j] = design[i, j] } }
        }
        let gram = masked.multiplied(by: masked, transposeSelf: true)
        let my = masked.transposeMultiplied(by: y)
        let size = 2 * patternCount * d
        // Block variable k = b·d + j ↔ pattern b/2, feature j, sign ±.
        func source(_ k: Int) -> (index: Int, sign: Double) {
            let b = k / d, j = k % d
            return ((b / 2) * d + j, b % 2 == 0 ? 1 : -1)
        }
        var starts = [0], rows = [Int](), values = [Double]()
        rows.reserveCapacity(size * (size + 1) / 2)
        values.reserveCapacity(size * (size + 1) / 2)
        for column in 0..<size {
            let (c, sc) = source(column)
            for row in 0...column {
                let (r, sr) = source(row)
                rows.append(row); values.append(sr * sc * gram[r, c])
            }
            starts.append(rows.count)
        }
        starts += Array(repeating: rows.count, count: variableCount - size)
        let linear = (0..<size).map { k -> Double in let (r, s) = source(k); return -s * my[r] }
        let matrix = try SparseMatrix(rowCount: variableCount, columnCount: variableCount, columnStarts: starts,
                                      rowIndices: rows, values: values, name: "P")
        return (matrix, linear)
    }

    /// Block `b` of a primal solution.
    func block(_ b: Int, of x: [Double]) -> [Double] {
        Array(x[(b * width)..<((b + 1) * width)])
    }

    /// The convex model's predictions `Σ_b sign_b D_{b/2} X̃ z_b`.
    func predictions(_ x: [Double]) -> [Double] {
        var f = [Double](repeating: 0, count: design.rowCount)
        for b in 0..<blockCount {
            let z = block(b, of: x)
            guard z.contains(where: { $0 != 0 }) else { continue }
            let sign: Double = b % 2 == 0 ? 1 : -1
            for i in patterns.activeSamples(b / 2) {
                var h = 0.0
                for j in 0..<width { h += design[i, j] * z[j] }
                f[i] += sign * h
            }
        }
        return f
    }
}
