/// The problem data the iterations work on: `P̂`, `q̂`, `Â`, `b̂` after Ruiz equilibration, with
/// the ``Equilibration`` that maps a scaled point back to the problem as given.
struct ScaledProblem {
    /// `P̂ = c·DPD` (upper triangle, as ``ConicProblem/P``).
    var P: SparseMatrix
    /// `q̂ = c·Dq`.
    var q: [Double]
    /// `Â = EAD`.
    var A: SparseMatrix
    /// `b̂ = Eb`.
    var b: [Double]
    /// The scaling `D`, `E`, `c`.
    var scaling: Equilibration
}

/// Ruiz equilibration of the problem data.
///
/// The solver works on `P̂ = c·DPD`, `q̂ = c·Dq`, `Â = EAD`, `b̂ = Eb` with positive diagonal
/// `D` (columns), `E` (rows) and a cost scale `c`. A scaled point maps back as
///
///     x = D x̂,   s = E⁻¹ ŝ,   z = E ẑ / c,
///
/// and the scaled objective is `c` times the original one (without its constant).
/// `E` is constant over each second-order cone so that the scaled slack stays in the same cone.
struct Equilibration {
    /// Column scaling `D`.
    var d: [Double]
    /// Row scaling `E`.
    var e: [Double]
    /// Cost scaling `c`.
    var c: Double = 1

    private static let minimumScale = 1e-4
    private static let maximumScale = 1e4

    /// Computes the scaling and returns the scaled data. `stopWhen` is asked before each pass (the solve's time limit): the passes done so far
    /// already give a valid scaling.
    static func scale(_ problem: ConicProblem, cones: ConeProduct, iterations: Int, stopWhen: () -> Bool = { false })
        -> ScaledProblem {
        let n = problem.variableCount, m = problem.constraintCount
        var P = problem.P, A = problem.A, q = problem.q, b = problem.b
        var scaling = Equilibration(d: [Double](repeating: 1, count: n), e: [Double](repeating: 1, count: m))
        func clampedInverseRoot(_ norm: Double) -> Double {
            norm == 0 ? 1 : 1 / min(max(norm, minimumScale), maximumScale).squareRoot()
        }
        for _ in 0..<iterations {
            if stopWhen() { break }
            var columnNorm = [Double](repeating: 0, count: n)
            var rowNorm = [Double](repeating: 0, count: m)
            for j in 0..<n {
                for k in P.columnStarts[j]..<P.columnStarts[j + 1] {
                    let v = abs(P.values[k]), i = P.rowIndices[k]
                    columnNorm[j] = max(columnNorm[j], v)
                    columnNorm[i] = max(columnNorm[i], v)
                }
                for k in A.columnStarts[j]..<A.columnStarts[j + 1] {
                    let v = abs(A.values[k])
                    columnNorm[j] = max(columnNorm[j], v)
                    rowNorm[A.rowIndices[k]] = max(rowNorm[A.rowIndices[k]], v)
                }
            }
            for (cone, r) in zip(cones.cones, cones.ranges) where cone.couplesRows {
                let blockNorm = rowNorm[r].max() ?? 0
                for i in r { rowNorm[i] = blockNorm }
            }
            let dStep = columnNorm.map(clampedInverseRoot)
            let eStep = rowNorm.map(clampedInverseRoot)
            scaleInPlace(&P, rows: dStep, columns: dStep)
            scaleInPlace(&A, rows: eStep, columns: dStep)
            for j in 0..<n { q[j] *= dStep[j]; scaling.d[j] *= dStep[j] }
            for i in 0..<m { b[i] *= eStep[i]; scaling.e[i] *= eStep[i] }
        }
        // Cost scaling, only for extreme costs: bring the larger of the mean column norm of P and
        // ‖q‖∞ into [1e-4, 1e4]. Scaling moderate costs to one cost iterations on the
        // Maros–Mészáros set and made QSHARE1B stall (docs/history/benchmarks-log.md).
        if iterations > 0 {
            var columnNorm = [Double](repeating: 0, count: n)
            for j in 0..<n {
                for k in P.columnStarts[j]..<P.columnStarts[j + 1] {
                    let v = abs(P.values[k])
                    columnNorm[j] = max(columnNorm[j], v)
                    columnNorm[P.rowIndices[k]] = max(columnNorm[P.rowIndices[k]], v)
                }
            }
            let meanNorm = n > 0 ? columnNorm.reduce(0, +) / Double(n) : 0
            let qNorm = q.reduce(0) { max($0, abs($1)) }
            let size = max(meanNorm, qNorm)
            if size > 0, size < minimumScale || size > maximumScale {
                let c = min(max(size, minimumScale), maximumScale) / size
                scaling.c = c
                for k in P.values.indices { P.values[k] *= c }
                for j in 0..<n { q[j] *= c }
            }
        }
        return ScaledProblem(P: P, q: q, A: A, b: b, scaling: scaling)
    }

    /// `M ← diag(rows) M diag(columns)`.
    private static func scaleInPlace(_ M: inout SparseMatrix, rows: [Double], columns: [Double]) {
        for j in 0..<M.columnCount {
            for k in M.columnStarts[j]..<M.columnStarts[j + 1] {
                M.values[k] *= rows[M.rowIndices[k]] * columns[j]
            }
        }
    }
}
