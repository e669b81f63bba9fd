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
final class QuasiDefiniteKKTSolver: KKTSolver {
    private let n: Int
    private let m: Int
    private let cones: ConeProduct
    private let factorization: CholmodFactorization
    private let refinement: IterativeRefinement
    /// Regularizations σ (x block) and δ (z block) of the last factorization: the static values,
    /// raised ×100 per failed attempt.
    private(set) var regularization: Double
    private var dualRegularization: Double
    private let staticRegularization: Double
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
    private(set) var lastResidual = 0.0

    /// The factorization's flop count from the symbolic analysis.
    var flops: Double { factorization.flops }

    init?(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct, settings: SolverSettings) {
        n = P.columnCount
        m = A.rowCount
        self.cones = cones
        regularization = settings.staticRegularization
        dualRegularization = settings.equalityRegularization
        staticRegularization = settings.staticRegularization
        staticDualRegularization = settings.equalityRegularization
        refinement = IterativeRefinement(P: P, A: A, cones: cones, settings: settings)
        hessianDiagonal = [Double](repeating: 0, count: m)
        scaling = ScalingBlocks(rowCount: m)
        rhs = [Double](repeating: 0, count: n + m)
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
        for (index, (cone, range)) in zip(cones.cones, cones.ranges).enumerated() where cone.couplesRows {
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
        guard let f = CholmodFactorization(size: n + m, columnStarts: starts, rowIndices: rows, method: .simplicialLDL) else {
            return nil
        }
        factorization = f
        for k in staticValues.indices { f.values[k] = staticValues[k] }
        for j in 0..<n { f.values[positionOfXDiagonal[j]] += regularization }
    }

    var methodName: String {
        "quasi-definite KKT, \(factorization.name), size = \(n + m), nnz(K) = \(factorization.values.count), nnz(L) = \(factorization.factorNonzeros)"
    }

    func update() -> Bool {
        let values = factorization.values
        scaling.refresh(from: cones, inverse: false, equalityRegularization: 0)
        // Back to the static regularizations.
        if regularization != staticRegularization {
            for j in 0..<n { values[positionOfXDiagonal[j]] -= regularization - staticRegularization }
            regularization = staticRegularization
        }
        dualRegularization = staticDualRegularization
        // Off-diagonal parts of the coupled blocks −H_K, column by column (a < b).
        for (index, range, block) in scaling.coupled {
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
            for (_, range, block) in scaling.coupled {
                if case let .diagonalPlusRankOne(rho, u) = block {
                    for (a, i) in range.enumerated() { d[i] += rho * u[a] * u[a] }
                }
            }
        }
        for attempt in 0..<6 {
            if attempt > 0 {
                // Raise σ and δ until the factorization succeeds.
                let extra = regularization * 99
                for j in 0..<n { values[positionOfXDiagonal[j]] += extra }
                regularization += extra
                dualRegularization *= 100
            }
            hessianDiagonal.withUnsafeBufferPointer { d in
                for i in 0..<m { values[positionOfZDiagonal[i]] = -(d[i] + dualRegularization) }
            }
            if factorization.factor() { return true }
        }
        return false
    }

    func solve(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double]) -> Bool {
        lastResidual = refinement.solve(rx: rx, rz: rz, x: &x, z: &z) { rx, rz, x, z in
            rhs.withUnsafeMutableBufferPointer { r in
                for j in 0..<n { r[j] = rx[j] }
                for i in 0..<m { r[n + i] = rz[i] }
                solution.withUnsafeMutableBufferPointer { sol in
                    factorization.solve(UnsafeBufferPointer(r), into: sol)
                    for j in 0..<n { x[j] = sol[j] }
                    for i in 0..<m { z[i] = sol[n + i] }
                }
            }
        }
        return lastResidual.isFinite
    }
}
