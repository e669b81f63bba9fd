import ConicSolver

/// The convex training program of ICML 2020 eq. (8) for one output, over activation patterns
/// `D₁ … D_P`, in the solver's form `min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K`:
///
///     minimize   ℓ(Σᵢ DᵢX̃(vᵢ − wᵢ), y) + β Σᵢ (‖vᵢ‖ + ‖wᵢ‖)
///     subject to (2Dᵢ − I)X̃vᵢ ≥ 0,  (2Dᵢ − I)X̃wᵢ ≥ 0.
///
/// With a free bias the norms cover every coordinate but the bias (the last column of `X̃`): the
/// rescaling argument behind the program only needs `(X̃u)₊` to be positively homogeneous in
/// `(u, b)` jointly, so an unregularized bias keeps the program exact.
///
/// With an output offset (the network's output bias) one free variable `c`, in no cone and not
/// regularized, is added to every prediction: the loss sees `Σᵢ DᵢX̃aᵢ + c1`. It is the last
/// variable, and enters the loss rows as a feature equal to 1 for every sample would.
///
/// Variables `x = [a₁ … a_P | w₁ … w_P | t₁ … t_{2P} | loss variables]` with `aᵢ = vᵢ − wᵢ`, so
/// that the loss only involves the `a`'s: its Hessian is one dense `Pd̃ × Pd̃` block instead of
/// `2Pd̃ × 2Pd̃`, eight times fewer flops per factorization. The `2P` second-order cones are
/// `(t_{2i}, aᵢ + wᵢ)` and `(t_{2i+1}, wᵢ)`; "block" `b` is `v_{b/2}` (even `b`) or `w_{b/2}` (odd).
///
/// Rows: the loss rows, then the sign constraints of each pattern for both of its blocks, then the
/// cones. Only the sign constraints listed in `signRows` are included: a pattern's cone
/// `{u : (2Dᵢ − I)X̃u ≥ 0}` usually has only a few of its `n` constraints as facets, and
/// ``ConvexTrainer`` adds the others back only when a solution violates them.
///
/// The squared loss comes in two equivalent forms with very different Newton systems:
/// - ``Formulation/gram``: `½aᵀMᵀMa − (Mᵀy)ᵀa + ½‖y‖²` with `M = [DᵢX̃]` — a dense `Pd̃` block,
///   factored at dense BLAS-3 speed;
/// - ``Formulation/residual``: residuals `r = Ma − y` as variables, `½‖r‖²` — the elimination
///   leaves an `n × n` dense block instead, but only the simplicial quasi-definite form fits;
/// ``squaredLossFormulation(patterns:width:)`` weighs the two.
/// The hinge loss uses slacks `ξ ≥ 0`, `ξₖ ≥ 1 − yₖ(Ma)ₖ` and `Σξ`.
///
/// The logistic loss uses, per sample, the softplus epigraph `τₖ ≥ log(1 + e^{uₖ})` with
/// `uₖ = −yₖ(Ma)ₖ`, which holds iff `e^{−τₖ} + e^{uₖ−τₖ} ≤ 1`: variables `(τₖ, pₖ, qₖ)` with
/// `(−τₖ, 1, pₖ) ∈ K_exp`, `(uₖ − τₖ, 1, qₖ) ∈ K_exp` (`e^{−τ} ≤ p`, `e^{u−τ} ≤ q`) and
/// `pₖ + qₖ ≤ 1`, and `Στ` in the objective. At the optimum the multiplier of the second cone's
/// first row is `−λₖ` with `λₖ = σ(−yₖfₖ)`, the dual point (``logisticMultipliers(_:targets:)``).
struct ConvexReLUProgram {
    enum Formulation: String { case gram, residual, hinge, logistic }

    let design: DenseMatrix
    let patterns: ActivationPatterns
    let formulation: Formulation
    /// The samples whose sign constraints are included, per pattern.
    let signRows: [[Int]]
    let problem: ConicProblem

    var patternCount: Int { patterns.count }
    var blockCount: Int { 2 * patterns.count }
    var width: Int { design.columnCount }
    /// First row of the hinge margin constraints `ξₖ + yₖ(Ma)ₖ ≥ 1`.
    var marginRowStart: Int { design.rowCount }
    /// The logistic loss's rows for sample `k`: `pₖ + qₖ ≤ 1` is row `k`; the two exponential
    /// cones take the 6 rows from `n + 6k`.
    func logisticConeRow(sample k: Int) -> Int { design.rowCount + 6 * k }

    /// The samples with a non-zero row `x̃ₖ` (the sign constraints of the others always hold).
    static func constrainingSamples(_ design: DenseMatrix) -> [Int] {
        (0..<design.rowCount).filter { k in (0..<design.columnCount).contains { design[k, $0] != 0 } }
    }

    /// The leading columns of the design whose weights the cones (and so the weight decay) cover:
    /// all of them, or all but the last for a free bias.
    let penalizedColumns: Int
    /// The column of the output offset `c`, the last variable; `nil` without one.
    let offsetColumn: Int?

    /// - Parameter formulation: for the squared loss, ``Formulation/gram`` or
    ///   ``Formulation/residual``; `nil` picks the one with the cheaper Newton system
    ///   (``squaredLossFormulation(patterns:width:)``).
    init(design: DenseMatrix, targets y: [Double], beta: Double, loss: Loss, patterns: ActivationPatterns,
         signRows: [[Int]], freeBias: Bool = false, offset: Bool = false, formulation requested: Formulation? = nil) throws {
        let n = design.rowCount, d = design.columnCount, patternCount = patterns.count
        precondition(y.count == n && patterns.sampleCount == n && signRows.count == patternCount)
        self.design = design
        self.patterns = patterns
        self.signRows = signRows
        let penalized = freeBias ? d - 1 : d
        penalizedColumns = penalized
        let formulation: Formulation
        switch loss {
        case .hinge: formulation = .hinge
        case .logistic: formulation = .logistic
        case .squared: formulation = requested ?? Self.squaredLossFormulation(patterns: patterns, width: d)
        case .crossEntropy: preconditionFailure("cross-entropy has vector outputs: ConvexTrainer trains shared neurons")
        }
        precondition((formulation == .hinge) == (loss == .hinge) && (formulation == .logistic) == (loss == .logistic),
                     "the hinge and logistic formulations are their losses' only ones")
        self.formulation = formulation

        let activeRows = (0..<patternCount).map { patterns.activeSamples($0) }
        let lossRows: Int
        switch formulation {
        case .gram: lossRows = 0
        case .residual: lossRows = n
        case .hinge: lossRows = 2 * n
        case .logistic: lossRows = 7 * n
        }
        // Sign rows of block b start at signStart[b]; pattern i's two blocks hold signRows[i] each.
        var signStart = [Int](), next = lossRows
        for b in 0..<(2 * patternCount) {
            signStart.append(next)
            next += signRows[b / 2].count
        }
        let socStart = next
        let rowCount = socStart + 2 * patternCount * (penalized + 1)
        // Columns: the a blocks, then the w blocks (from patternCount·d), then t and the losses.
        let aStart = 0, tStart = 2 * patternCount * d
        let lossStart = tStart + 2 * patternCount
        let lossVariables: Int
        switch formulation {
        case .gram: lossVariables = 0
        case .residual, .hinge: lossVariables = n
        case .logistic: lossVariables = 3 * n  // (τₖ, pₖ, qₖ) per sample
        }
        let variableCount = lossStart + lossVariables + (offset ? 1 : 0)
        offsetColumn = offset ? variableCount - 1 : nil
        func socRow(block b: Int, entry j: Int) -> Int { socStart + b * (penalized + 1) + 1 + j }

        // A, column by column; row indices increase within a column by construction.
        var starts = [0], rows = [Int](), values = [Double]()
        var activeMask = [Bool](repeating: false, count: n)
        func appendSignRows(block b: Int, pattern i: Int, feature j: Int) {
            for (position, k) in signRows[i].enumerated() where design[k, j] != 0 {
                rows.append(signStart[b] + position)
                values.append(activeMask[k] ? -design[k, j] : design[k, j])  // −(2D − I)X̃
            }
        }
        for i in 0..<patternCount {  // a-columns
            for k in 0..<n { activeMask[k] = false }
            for k in activeRows[i] { activeMask[k] = true }
            for j in 0..<d {
                switch formulation {
                case .gram: break
                case .residual:  // r − Ma = −y
                    for k in activeRows[i] where design[k, j] != 0 { rows.append(k); values.append(-design[k, j]) }
                case .hinge:  // −ξ − y∘(Ma) ≤ −1
                    for k in activeRows[i] where design[k, j] != 0 { rows.append(n + k); values.append(-y[k] * design[k, j]) }
                case .logistic:  // the second cone's first entry uₖ − τₖ = −yₖ(Ma)ₖ − τₖ
                    for k in activeRows[i] where design[k, j] != 0 {
                        rows.append(n + 6 * k + 3); values.append(y[k] * design[k, j])
                    }
                }
                appendSignRows(block: 2 * i, pattern: i, feature: j)
                if j < penalized { rows.append(socRow(block: 2 * i, entry: j)); values.append(-1) }
                starts.append(rows.count)
            }
        }
        for i in 0..<patternCount {  // w-columns: in v = a + w and in w itself
            for k in 0..<n { activeMask[k] = false }
            for k in activeRows[i] { activeMask[k] = true }
            for j in 0..<d {
                appendSignRows(block: 2 * i, pattern: i, feature: j)
                appendSignRows(block: 2 * i + 1, pattern: i, feature: j)
                if j < penalized {
                    rows.append(socRow(block: 2 * i, entry: j)); values.append(-1)
                    rows.append(socRow(block: 2 * i + 1, entry: j)); values.append(-1)
                }
                starts.append(rows.count)
            }
        }
        for b in 0..<(2 * patternCount) {  // t-columns
            rows.append(socStart + b * (penalized + 1)); values.append(-1)
            starts.append(rows.count)
        }
        for k in 0..<lossVariables {  // loss columns
            switch formulation {
            case .residual: rows.append(k); values.append(1)
            case .hinge: rows.append(contentsOf: [k, n + k]); values.append(contentsOf: [-1, -1])
            case .logistic:
                let sample = k / 3, cone = n + 6 * sample
                switch k % 3 {
                case 0: rows.append(contentsOf: [cone, cone + 3]); values.append(contentsOf: [1, 1])  // τ
                case 1: rows.append(contentsOf: [sample, cone + 2]); values.append(contentsOf: [1, -1])  // p
                default: rows.append(contentsOf: [sample, cone + 5]); values.append(contentsOf: [1, -1])  // q
                }
            case .gram: break
            }
            starts.append(rows.count)
        }
        if offset {  // the offset column: in every sample's loss row, like an always-active feature equal to 1
            for k in 0..<n {
                switch formulation {
                case .gram: break
                case .residual: rows.append(k); values.append(-1)
                case .hinge: rows.append(n + k); values.append(-y[k])
                case .logistic: rows.append(n + 6 * k + 3); values.append(y[k])
                }
            }
            starts.append(rows.count)
        }
        let a = try SparseMatrix(rowCount: rowCount, columnCount: variableCount, columnStarts: starts,
                                 rowIndices: rows, values: values, name: "A")

        var q = [Double](repeating: 0, count: variableCount)
        for b in 0..<(2 * patternCount) { q[tStart + b] = beta }
        var b = [Double](repeating: 0, count: rowCount)
        var cones = [ConeSpec]()
        var p: SparseMatrix?
        var constant = 0.0
        switch formulation {
        case .residual:
            for k in 0..<n { b[k] = -y[k] }
            cones.append(.zero(n))
            p = try SparseMatrix(rowCount: variableCount, columnCount: variableCount,
                                 rows: Array(lossStart..<(lossStart + n)), columns: Array(lossStart..<(lossStart + n)),
                                 values: Array(repeating: 1, count: n), name: "P")
        case .hinge:
            for k in 0..<n { b[n + k] = -1; q[lossStart + k] = 1 }
            cones.append(.nonnegative(2 * n))
        case .logistic:
            for k in 0..<n {
                b[k] = 1
                b[n + 6 * k + 1] = 1
                b[n + 6 * k + 4] = 1
                q[lossStart + 3 * k] = 1
            }
            cones.append(.nonnegative(n))
            cones.append(contentsOf: Array(repeating: .exponential, count: 2 * n))
        case .gram:
            let (gram, linear) = try Self.gramObjective(design: design, activeRows: activeRows, targets: y,
                                                        variableCount: variableCount, offset: offset)
            p = gram
            for k in 0..<linear.count { q[aStart + k] = linear[k] }
            if let column = offsetColumn { q[column] = -y.reduce(0, +) }
            constant = 0.5 * y.reduce(0) { $0 + $1 * $1 }
        }
        cones.append(.nonnegative(socStart - lossRows))
        cones.append(contentsOf: Array(repeating: .secondOrder(penalized + 1), count: 2 * patternCount))
        problem = try ConicProblem(P: p, q: q, A: a, b: b, cones: cones, objectiveConstant: constant)
    }

    /// The squared-loss formulation whose Newton system factors faster, from flop counts.
    ///
    /// The Gram form's reduced matrix holds `MᵀM`, a dense block of order `Pd̃`: `(Pd̃)³/3` flops
    /// at dense BLAS-3 speed. The residual form's dense residual rows rule out the reduced
    /// matrix (its assembly map alone is quadratic in their length, 200 GB at n = 2000, d = 50,
    /// P = 200) and leave the quasi-definite one: eliminating pattern `i`'s weights fills the
    /// residual rows of its `nᵢ` active samples, about `3d̃nᵢ²` flops with its sign rows (read off
    /// CHOLMOD's analyses), then the dense `n × n` block, all at the simplicial rate. The Gram
    /// form wins unless `Pd̃` is several times `n` (at n = 2000, Pd̃ = 10⁴ the residual form's
    /// quasi-definite factor has 2.9·10⁷ entries, about 3·10¹⁰ flops per iteration at ~1 GFLOP/s,
    /// against 3.3·10¹¹ dense flops for the Gram form at tens of GFLOP/s).
    static func squaredLossFormulation(patterns: ActivationPatterns, width d: Int) -> Formulation {
        let n = Double(patterns.sampleCount), size = Double(patterns.count * d)
        let fill = (0..<patterns.count).reduce(0.0) { total, i in
            let active = Double(patterns.activeSamples(i).count)
            return total + 3 * Double(d) * active * active
        }
        let gramSeconds = size * size * size / 3 / Self.denseFlopRate
        let residualSeconds = (fill + n * n * n / 3) / Self.simplicialFlopRate
        return gramSeconds <= residualSeconds ? .gram : .residual
    }
    /// Flop rates behind the choice (2 cores): LAPACK-speed dense Cholesky, and CHOLMOD's
    /// simplicial `LDLᵀ` (the solver's own cost model).
    static let denseFlopRate = 2e10
    static let simplicialFlopRate = 1.3e9

    /// `MᵀM` (upper triangle, on the leading `Pd̃` variables) and `−Mᵀy` for `M = [DᵢX̃]`; with an
    /// `offset` (the last variable `c`, predictions `Ma + c1`) also the last column of `[M 1]ᵀ[M 1]`:
    /// `Mᵀ1` and `n`.
    ///
    /// Block `(i, j)` of `MᵀM` is `X̃ᵀDᵢDⱼX̃`, the Gram matrix of the samples active in both
    /// patterns: one `d̃ × d̃` product over about `n/4` rows per pair, `P²nd̃²/4` flops in all,
    /// where the product of the masked `n × Pd̃` matrix with itself takes `2nP²d̃²` (eight times
    /// more: 2·10¹² flops at n = 10⁴, P = 200, d̃ = 50) and two dense copies of `MᵀM` and `M`.
    private static func gramObjective(design: DenseMatrix, activeRows: [[Int]], targets y: [Double],
                                      variableCount: Int, offset: Bool = false) throws -> (SparseMatrix, [Double]) {
        let n = design.rowCount, d = design.columnCount, patternCount = activeRows.count, size = patternCount * d
        var active = [[Bool]](repeating: [Bool](repeating: false, count: n), count: patternCount)
        for (pattern, rows) in activeRows.enumerated() { for k in rows { active[pattern][k] = true } }
        // Column c of the upper triangle holds rows 0...c, so it starts at c(c+1)/2.
        let triangle = size * (size + 1) / 2
        let entries = triangle + (offset ? size + 1 : 0)
        var values = [Double](repeating: 0, count: entries)
        var rows = [Int](repeating: 0, count: entries)
        var starts = [Int](repeating: 0, count: variableCount + 1)
        for column in 0..<size {
            let start = column * (column + 1) / 2
            starts[column] = start
            for row in 0...column { rows[start + row] = row }
        }
        for column in size...variableCount { starts[column] = triangle }
        if offset {
            // The offset's column: Mᵀ1 on the a-rows (filled below) and n on the diagonal.
            starts[variableCount] = entries
            for row in 0..<size { rows[triangle + row] = row }
            rows[entries - 1] = variableCount - 1
            values[entries - 1] = Double(n)
        }
        var linear = [Double](repeating: 0, count: size)
        for j in 0..<patternCount {
            for i in 0...j {
                let shared = activeRows[j].filter { active[i][$0] }
                guard !shared.isEmpty else { continue }
                var block = DenseMatrix(rowCount: shared.count, columnCount: d)
                for (r, k) in shared.enumerated() { for a in 0..<d { block[r, a] = design[k, a] } }
                let gram = block.multiplied(by: block, transposeSelf: true)
                for b in 0..<d {
                    let column = j * d + b, start = column * (column + 1) / 2
                    for a in 0..<(i == j ? b + 1 : d) { values[start + i * d + a] = gram[a, b] }
                }
            }
            for k in activeRows[j] { for a in 0..<d { linear[j * d + a] -= design[k, a] * y[k] } }
            if offset { for k in activeRows[j] { for a in 0..<d { values[triangle + j * d + a] += design[k, a] } } }
        }
        let matrix = try SparseMatrix(rowCount: variableCount, columnCount: variableCount, columnStarts: starts,
                                      rowIndices: rows, values: values, name: "P")
        return (matrix, linear)
    }

    /// The logistic loss's dual point at predictions `f`: `λₖ = σ(−yₖfₖ) ∈ (0, 1)`, minus the
    /// derivative of the loss, which is the optimal dual exactly where `f` is optimal and needs
    /// no multiplier from the solver (the cone multipliers agree to the solver's accuracy).
    static func logisticMultipliers(_ f: [Double], targets y: [Double]) -> [Double] {
        zip(f, y).map { Loss.sigmoid(-$1 * $0) }
    }

    private func slice(_ x: [Double], _ start: Int) -> [Double] { Array(x[start..<(start + width)]) }

    /// Block `b` of a primal solution: `vᵢ = aᵢ + wᵢ` for `b = 2i`, `wᵢ` for `b = 2i + 1`.
    func block(_ b: Int, of x: [Double]) -> [Double] {
        let i = b / 2
        let w = slice(x, (patternCount + i) * width)
        return b % 2 == 1 ? w : zip(slice(x, i * width), w).map(+)
    }

    /// The primal point `x` with its `a`/`w` part replaced by the given blocks (`aᵢ = vᵢ − wᵢ`).
    func point(blocks: [[Double]], like x: [Double]) -> [Double] {
        var out = x
        for i in 0..<patternCount {
            for j in 0..<width {
                out[i * width + j] = blocks[2 * i][j] - blocks[2 * i + 1][j]
                out[(patternCount + i) * width + j] = blocks[2 * i + 1][j]
            }
        }
        return out
    }

    /// The output offset `c` of a primal point (0 without one).
    func offset(of x: [Double]) -> Double { offsetColumn.map { x[$0] } ?? 0 }

    /// The convex model's predictions `Σᵢ DᵢX̃aᵢ + c`.
    func predictions(_ x: [Double]) -> [Double] {
        var f = [Double](repeating: offset(of: x), count: design.rowCount)
        for i in 0..<patternCount {
            let a = slice(x, i * width)
            guard a.contains(where: { $0 != 0 }) else { continue }
            for k in patterns.activeSamples(i) {
                var h = 0.0
                for j in 0..<width { h += design[k, j] * a[j] }
                f[k] += h
            }
        }
        return f
    }

    /// Sign constraints left out of the program that the solution violates, per pattern: sample
    /// `k` where `(2Dᵢ − I)ₖ x̃ₖᵀz < −tolerance·‖x̃ₖ‖‖z‖` for a block `z` of pattern `i`. Blocks
    /// below `relativeBlockThreshold` times the largest block norm are solver noise (pruned when
    /// the network is rebuilt) and not checked.
    func violatedSignRows(_ x: [Double], among samples: [Int], tolerance: Double,
                          relativeBlockThreshold: Double) -> [[Int]] {
        let rowNorms = (0..<design.rowCount).map { k in euclideanNorm((0..<width).map { design[k, $0] }) }
        let largest = (0..<blockCount).map { euclideanNorm(block($0, of: x)) }.max() ?? 0
        return (0..<patternCount).map { i in
            let included = Set(signRows[i])
            let blocks = [block(2 * i, of: x), block(2 * i + 1, of: x)]
            let norms = blocks.map { euclideanNorm($0) }
            var violated = [Int]()
            for k in samples where !included.contains(k) {
                let sign: Double = patterns.isActive(pattern: i, sample: k) ? 1 : -1
                for (z, norm) in zip(blocks, norms) where norm > relativeBlockThreshold * largest && norm > 0 {
                    var h = 0.0
                    for j in 0..<width { h += design[k, j] * z[j] }
                    if sign * h < -tolerance * rowNorms[k] * norm { violated.append(k); break }
                }
            }
            return violated
        }
    }
}
