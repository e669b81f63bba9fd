/// The Newton system factored in its full quasi-definite form
///
///     K̃ = [ P + σI      Aᵀ      ]
///         [ A       −(H + δI)   ]
///
/// by CHOLMOD's simplicial `LDLᵀ` (every symmetric permutation of a quasi-definite matrix has an
/// `LDLᵀ` factorization, so no pivoting is needed). `σ` and `δ` are removed by
/// ``IterativeRefinement``.
///
/// This form keeps the sparsity of `A`: it is chosen over ``ReducedKKTSolver`` when `AᵀDA`
/// fills badly (dense rows of `A`, many coupled columns), where the reduced matrix would be
/// nearly dense even though CHOLMOD's supernodal `LLᵀ` runs at a much higher flop rate.
/// Only the `H` block changes between iterations; `P`, `A` and `σ` are written once.
///
/// Second-order cones of dimension ≥ ``expansionDimension`` are not written as full blocks:
/// with `H = η²(D + 2w̄w̄ᵀ)`, `D = diag(−1, 1, …, 1)`, the block `−H` is replaced by the sparse
///
///     [ −η²I   −a    c ]        a = η√2 w̄,  c = η√2 e₀,
///     [ −aᵀ    +1    0 ]        two extra unknowns p = aᵀz, r = cᵀz, whose elimination
///     [  cᵀ     0   −1 ]        gives back −η²I − aaᵀ + ccᵀ = −H,
///
/// so a cone of dimension k costs O(k) entries instead of k².
final class QuasiDefiniteKKTSolver: RegularizedKKTForm {
    private let n: Int
    private let m: Int
    private let cones: ConeProduct
    /// The rows of the exponential and power cones (their δ is scaled down in ``update()``).
    private let nonsymmetricRanges: [Range<Int>]
    private let factorization: CholmodFactorization
    let refinement: IterativeRefinement
    /// Regularizations σ (x block) and δ (z block) of the last factorization: the static values,
    /// raised ×100 per failed attempt.
    private(set) var regularization: Double
    var slackFromPrimalEquation: Bool { false }
    /// The static regularization and five raises of ×100.
    static let factorizationAttempts = 6
    private var dualRegularization: Double
    let staticRegularization: Double
    private let staticDualRegularization: Double
    private var positionOfXDiagonal: [Int] = []
    private var positionOfZDiagonal: [Int] = []
    /// For each dense (second-order) cone: positions of its strict upper triangle, column by column.
    private var denseBlockPositions: [[Int]] = []
    private var hessianDiagonal: [Double]
    /// Current `H`.
    private var scaling: ScalingBlocks
    private var rhs: [Double]
    private var solution: [Double]
    /// Second-order cones at least this large are expanded instead of written as full blocks.
    static let expansionDimension = 8
    /// For each expanded cone: positions of the column of `p` (one per cone row, then its
    /// diagonal) and of `r` (its entry on the cone's first row, then its diagonal).
    private var expansions: [Int: (p: [Int], r: [Int])] = [:]
    /// Size of the factored matrix: `n + m` plus two per expanded cone.
    private let size: Int

    /// The factorization's flop count from the symbolic analysis.
    var flops: Double { factorization.flops }

    var memoryBytes: Double { factorization.memoryBytes }

    /// Bytes needed to build this form, from counts alone: the pattern of `K` (`P`, `A`, the
    /// diagonal and the blocks of small second-order cones), held several times during setup,
    /// and at least as many factor entries.
    static func estimatedBytes(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct) -> Double {
        var entries = Double(P.nonzeroCount + A.nonzeroCount + P.columnCount + A.rowCount)
        for (cone, range) in zip(cones.cones, cones.ranges) where cone.couplesRows {
            let k = Double(range.count)
            entries += cone.isSecondOrder && range.count >= expansionDimension ? 2 * k + 4 : k * (k - 1) / 2
        }
        return (CholmodFactorization.bytesPerPatternEntryDuringSetup + 16) * entries
    }

    init?(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct, settings: SolverSettings) {
        n = P.columnCount
        m = A.rowCount
        self.cones = cones
        nonsymmetricRanges = zip(cones.cones, cones.ranges).compactMap { $0.nonsymmetricCone != nil ? $1 : nil }
        regularization = settings.staticRegularization
        dualRegularization = settings.equalityRegularization
        staticRegularization = settings.staticRegularization
        staticDualRegularization = settings.equalityRegularization
        refinement = IterativeRefinement(P: P, A: A, cones: cones, settings: settings)
        hessianDiagonal = [Double](repeating: 0, count: m)
        scaling = ScalingBlocks(rowCount: m)
        let expanded = zip(cones.cones, cones.ranges).enumerated().compactMap { index, pair in
            pair.0.isSecondOrder && pair.1.count >= Self.expansionDimension ? index : nil
        }
        size = n + m + 2 * expanded.count
        rhs = [Double](repeating: 0, count: size)
        solution = rhs
        // Pattern: columns of P (with their diagonal), then for each row i of A the column
        // [A(i, :)ᵀ; dense-cone rows above i; diagonal].
        let rowsOfA = A.transposed()
        var starts = [0], rows: [Int] = [], staticValues: [Double] = []
        positionOfXDiagonal = [Int](repeating: 0, count: n)
        for j in 0..<n {
            // Rows of P's column are sorted and ≤ j, so the diagonal (stored or not) comes last.
            for k in P.columnStarts[j]..<P.columnStarts[j + 1] where P.rowIndices[k] < j {
                rows.append(P.rowIndices[k]); staticValues.append(P.values[k])
            }
            let diagonal = P.rowIndices[P.columnStarts[j]..<P.columnStarts[j + 1]].last == j ? P.values[P.columnStarts[j + 1] - 1] : 0
            positionOfXDiagonal[j] = rows.count
            rows.append(j); staticValues.append(diagonal)
            starts.append(rows.count)
        }
        positionOfZDiagonal = [Int](repeating: 0, count: m)
        var coneOfRow = [Int](repeating: -1, count: m)
        for (index, (cone, range)) in zip(cones.cones, cones.ranges).enumerated()
        where cone.couplesRows && !expanded.contains(index) {
            for i in range { coneOfRow[i] = index }
        }
        var blockPositions = [[Int]](repeating: [], count: cones.cones.count)
        for i in 0..<m {
            for k in rowsOfA.columnStarts[i]..<rowsOfA.columnStarts[i + 1] {
                rows.append(rowsOfA.rowIndices[k]); staticValues.append(rowsOfA.values[k])
            }
            if coneOfRow[i] >= 0 {
                let range = cones.ranges[coneOfRow[i]]
                for k in range.lowerBound..<i {
                    blockPositions[coneOfRow[i]].append(rows.count)
                    rows.append(n + k); staticValues.append(0)
                }
            }
            positionOfZDiagonal[i] = rows.count
            rows.append(n + i); staticValues.append(0)
            starts.append(rows.count)
        }
        denseBlockPositions = blockPositions
        for (number, index) in expanded.enumerated() {
            let range = cones.ranges[index]
            var pColumn: [Int] = [], rColumn: [Int] = []
            for i in range { pColumn.append(rows.count); rows.append(n + i); staticValues.append(0) }
            pColumn.append(rows.count); rows.append(n + m + 2 * number); staticValues.append(1)
            starts.append(rows.count)
            rColumn.append(rows.count); rows.append(n + range.lowerBound); staticValues.append(0)
            rColumn.append(rows.count); rows.append(n + m + 2 * number + 1); staticValues.append(-1)
            starts.append(rows.count)
            expansions[index] = (pColumn, rColumn)
        }
        guard let f = CholmodFactorization(size: size, columnStarts: starts, rowIndices: rows, method: .simplicialLDL) else {
            return nil
        }
        factorization = f
        for k in staticValues.indices { f.values[k] = staticValues[k] }
        for j in 0..<n { f.values[positionOfXDiagonal[j]] += regularization }
    }

    var form: NewtonSystemForm { .quasiDefinite }

    var methodName: String {
        "quasi-definite KKT, \(factorization.name), size = \(size), nnz(K) = \(factorization.values.count), nnz(L) = \(factorization.factorNonzeros)"
    }

    func assemble(_ options: NewtonSystemOptions) {
        let values = factorization.values
        scaling.refresh(from: cones, inverse: false, equalityRegularization: 0)
        // Back to the (scaled) static regularizations.
        let target = staticRegularization * options.regularizationScale
        if regularization != target {
            for j in 0..<n { values[positionOfXDiagonal[j]] -= regularization - target }
            regularization = target
        }
        dualRegularization = staticDualRegularization * options.regularizationScale
        // Off-diagonal parts of the coupled blocks −H_K, column by column (a < b).
        for (index, range, block) in scaling.coupled {
            if let expansion = expansions[index], case let .diagonalPlusRankOne(rho, u) = block {
                // −H = −η²I − aaᵀ + ccᵀ with a = √ρ u, c = √ρ e₀ (ρ = 2η²).
                let root = rho.squareRoot()
                for a in 0..<range.count { values[expansion.p[a]] = -root * u[a] }
                values[expansion.r[0]] = root
                continue
            }
            let positions = denseBlockPositions[index]
            var p = 0
            for b in 0..<range.count {
                for a in 0..<b {
                    switch block {
                    case .diagonal: values[positions[p]] = 0
                    case let .diagonalPlusRankOne(rho, u): values[positions[p]] = -rho * u[a] * u[b]
                    case let .dense(matrix): values[positions[p]] = -matrix[a + b * range.count]
                    }
                    p += 1
                }
            }
        }
        // Diagonal: −(H_ii + δ), including the rank-one part of second-order cones.
        hessianDiagonal.withUnsafeMutableBufferPointer { d in
            scaling.diagonal.withUnsafeBufferPointer { h in for i in 0..<m { d[i] = h[i] } }
            for (index, range, block) in scaling.coupled {
                if expansions[index] != nil {
                    for i in range { d[i] = abs(d[i]) }  // η² on every row; the rest is in p and r
                } else if case let .diagonalPlusRankOne(rho, u) = block {
                    for (a, i) in range.enumerated() { d[i] += rho * u[a] * u[a] }
                }
            }
        }
    }

    func tryFactor(attempt: Int, options: NewtonSystemOptions) -> Bool {
        let values = factorization.values
        if attempt > 0 {
            // Raise σ and δ ×100 (σ as an increment on the stored diagonal).
            let extra = regularization * 99
            for j in 0..<n { values[positionOfXDiagonal[j]] += extra }
            regularization += extra
            dualRegularization *= 100
        }
        hessianDiagonal.withUnsafeBufferPointer { d in
            for i in 0..<m { values[positionOfZDiagonal[i]] = -(d[i] + dualRegularization) }
            // Rows of exponential and power cones: δ no larger than the row's own H_ii. Their
            // H ∝ μ∇²F*(z) has entries far below δ late in a solve, and refinement against
            // the exact matrix converges only at ≈ δ/(δ + λ) there: the Newton solves kept
            // residuals of 1e-6–1e-5 and the steps ran into the cones' boundary (4 of the
            // exponential-cone benchmark's 16 problems `almost_solved`; 2 with this). H is
            // positive definite on these rows, so the block stays quasi-definite.
            for range in nonsymmetricRanges {
                for i in range { values[positionOfZDiagonal[i]] = -(d[i] + dualRegularization * min(1, d[i])) }
            }
        }
        return factorization.factor()
    }

    func regularizedSolve(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                          x: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>) {
        rhs.withUnsafeMutableBufferPointer { r in
            for j in 0..<n { r[j] = rx[j] }
            for i in 0..<m { r[n + i] = rz[i] }
            for k in (n + m)..<size { r[k] = 0 }
            solution.withUnsafeMutableBufferPointer { sol in
                factorization.solve(UnsafeBufferPointer(r), into: sol)
                for j in 0..<n { x[j] = sol[j] }
                for i in 0..<m { z[i] = sol[n + i] }
            }
        }
    }
}
