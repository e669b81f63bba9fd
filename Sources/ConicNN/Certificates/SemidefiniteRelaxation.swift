import ConicSolver

/// A semidefinite relaxation giving a certified upper bound on `max_{‖u‖≤1} vᵀ(X̃u)₊` for data
/// of any rank, solved by this package's PSD cone.
///
/// With `z = (X̃u)₊` — equivalently `z ≥ 0`, `z ≥ X̃u`, `zₖ(zₖ − x̃ₖᵀu) = 0` — the moment matrix
/// `M = [1; u; z][1; u; z]ᵀ ⪰ 0` satisfies the linear constraints
///
///     M₀₀ = 1,  tr(M_uu) ≤ 1,  M_{0zₖ} ≥ 0,  M_{0zₖ} − x̃ₖᵀM_{0u} ≥ 0,
///     M_{zₖzₖ} = x̃ₖᵀM_{u zₖ},  M_{zₖzₖ} ≤ x̃ₖᵀM_{uu}x̃ₖ   (zₖ² ≤ (x̃ₖᵀu)²),
///
/// and the objective is `⟨C₀, M⟩ = vᵀz`. Relaxing the rank gives an SDP whose value bounds the
/// maximum. The solver works on its dual — `min Σ bₖyₖ` subject to `S = Σ yₖAₖ − C₀ ⪰ 0` and
/// `yₖ ≤ 0` on inequalities — a problem with `4n + 2` variables and one PSD block of order
/// `1 + d̃ + n`, which the dense Schur-complement path handles. Any such `y` bounds the maximum;
/// the returned bound does not trust the solver's accuracy: `y` is projected onto its sign
/// constraints and `S`'s most negative eigenvalue `λ` is charged as `|λ|·tr(M)` with
/// `tr(M) ≤ 2 + Σₖ‖x̃ₖ‖²` for every lifted point (`zₖ ≤ ‖x̃ₖ‖` on the unit ball).
public enum SemidefiniteRelaxation {
    /// Largest number of samples for which the relaxation is attempted by default (the PSD block
    /// has order `1 + d̃ + n`).
    public static let maximumSamples = 400

    /// The certified bound on `max_{‖u‖≤1} vᵀ(X̃u)₊`, or `nil` when the solver fails.
    static func upperBound(design: DenseMatrix, v: [Double], settings: SolverSettings = SolverSettings()) -> Double? {
        let n = design.rowCount, d = design.columnCount, order = 1 + d + n
        let uIndex = { (j: Int) in 1 + j }, zIndex = { (k: Int) in 1 + d + k }
        let inverseRoot2 = 1 / 2.0.squareRoot()

        // Constraints ⟨Aₖ, M⟩ (=|≥) bₖ as svec entries; `inequality` marks ≥.
        var columns = [[(Int, Double)]](), rhs = [Double](), inequality = [Bool]()
        func add(_ entries: [(Int, Int, Double)], _ b: Double, isInequality: Bool) {
            // ⟨A, M⟩ = Σ a_ij M_ij over the listed (i, j); off-diagonal pairs are listed once.
            var column = [Int: Double]()
            for (i, j, a) in entries {
                column[Svec.index(i, j), default: 0] += i == j ? a : a * inverseRoot2
            }
            columns.append(column.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 })
            rhs.append(b); inequality.append(isInequality)
        }
        add([(0, 0, 1)], 1, isInequality: false)
        add((0..<d).map { (uIndex($0), uIndex($0), -1) }, -1, isInequality: true)
        for k in 0..<n {
            add([(0, zIndex(k), 1)], 0, isInequality: true)
            add([(0, zIndex(k), 1)] + (0..<d).map { (0, uIndex($0), -design[k, $0]) }, 0, isInequality: true)
            add([(zIndex(k), zIndex(k), 1)] + (0..<d).map { (zIndex(k), uIndex($0), -design[k, $0]) }, 0, isInequality: false)
            var quadratic = [(Int, Int, Double)]()
            for i in 0..<d { for j in i..<d where design[k, i] != 0 && design[k, j] != 0 {
                quadratic.append((uIndex(i), uIndex(j), (i == j ? 1 : 2) * design[k, i] * design[k, j]))
            } }
            add(quadratic + [(zIndex(k), zIndex(k), -1)], 0, isInequality: true)
        }
        var objective = [(Int, Double)]()  // svec(C₀)
        for k in 0..<n where v[k] != 0 { objective.append((Svec.index(0, zIndex(k)), v[k] * inverseRoot2)) }

        // The dual in the solver's form: rows [yₖ ≤ 0 for inequalities | svec(Σ yₖAₖ − C₀) ∈ PSD].
        let m = columns.count, psdLength = Svec.length(order: order)
        let inequalities = (0..<m).filter { inequality[$0] }
        var rowOfInequality = [Int: Int]()
        for (row, k) in inequalities.enumerated() { rowOfInequality[k] = row }
        var starts = [0], rows = [Int](), values = [Double]()
        for k in 0..<m {
            if let row = rowOfInequality[k] { rows.append(row); values.append(1) }   // s = −yₖ ≥ 0
            for (index, a) in columns[k] { rows.append(inequalities.count + index); values.append(-a) }
            starts.append(rows.count)
        }
        var b = [Double](repeating: 0, count: inequalities.count + psdLength)
        for (index, c) in objective { b[inequalities.count + index] = -c }
        guard let a = try? SparseMatrix(rowCount: b.count, columnCount: m, columnStarts: starts, rowIndices: rows,
                                        values: values, name: "A"),
              let problem = try? ConicProblem(q: rhs, A: a, b: b,
                                              cones: [.nonnegative(inequalities.count), .positiveSemidefinite(order)]),
              let solution = try? solve(problem, settings: settings), solution.status.isOptimal || solution.status == .maxIterations
        else { return nil }

        // Certified value: project y onto its signs, then charge the PSD violation.
        var y = solution.x
        for k in inequalities where y[k] > 0 { y[k] = 0 }
        var s = DenseMatrix(rowCount: order, columnCount: order)
        func addSvec(_ index: Int, _ value: Double) {
            // svec index → (i, j), i ≤ j.
            var j = Int((Double(2 * index + 1).squareRoot() - 1) / 2)
            while j * (j + 1) / 2 > index { j -= 1 }
            while (j + 1) * (j + 2) / 2 <= index { j += 1 }
            let i = index - j * (j + 1) / 2
            let entry = i == j ? value : value * inverseRoot2
            s[i, j] += entry
            if i != j { s[j, i] += entry }
        }
        for k in 0..<m where y[k] != 0 { for (index, a) in columns[k] { addSvec(index, y[k] * a) } }
        for (index, c) in objective { addSvec(index, -c) }
        guard let eigenvalues = s.symmetricEigenvalues(), let smallest = eigenvalues.first else { return nil }
        let frobenius = euclideanNorm(s.values)
        let violation = max(0, -(smallest - 1e-13 * Double(order) * frobenius))
        let traceBound = 2 + (0..<n).reduce(0.0) { total, k in
            total + (0..<d).reduce(0.0) { $0 + design[k, $1] * design[k, $1] }
        }
        let value = zip(rhs, y).reduce(0) { $0 + $1.0 * $1.1 } + violation * traceBound
        return value.isFinite ? max(value, 0) : nil
    }
}
