import ConicSolver
import Foundation

/// A linear output layer with an ℓ1 penalty, fitted by the conic solver:
///
///     minimize_{W, c}  ½‖BW + 1cᵀ − Y‖²_F + β Σ|Wⱼₖ|
///
/// for features `B` (`n × F`) and targets `Y` (`n × K`); the intercept `c` is not penalized.
///
/// The columns of `W` are independent problems. Each is put on the cones in Gram form:
/// variables `(w, c, t)`, quadratic cost from `[B 1]ᵀ[B 1]`, linear cost `−[B 1]ᵀy + β1ᵀt`, and
/// `−t ≤ w ≤ t` as `2F` nonnegative rows, so the program's size depends on `F`, not on `n`.
public struct L1OutputLayer: Sendable, Equatable {
    /// `W` (`F × K`).
    public var weights: DenseMatrix
    /// `c` (length `K`).
    public var intercept: [Double]
    /// The penalty β.
    public var beta: Double
    /// The solver's objective summed over the output columns (the program's optimal value).
    public var solverObjective: Double
    /// Interior-point iterations summed over the output columns.
    public var iterations: Int
    /// Seconds in the solver (setup included), summed over the output columns.
    public var solveTime: Double
    /// The worst status over the output columns (`solved` unless some column was only `almost_solved`).
    public var status: SolverStatus

    /// Fits the layer.
    ///
    /// - Throws: ``ConvexRFError`` for mismatched sizes, β < 0 or a failed solve, and the
    ///   solver's ``ConicError`` for a malformed program.
    public static func fit(features b: DenseMatrix, targets y: DenseMatrix, beta: Double,
                           settings: SolverSettings = SolverSettings()) throws -> L1OutputLayer {
        let n = b.rowCount, f = b.columnCount, k = y.columnCount
        guard y.rowCount == n, n > 0, f > 0, k > 0 else {
            throw ConvexRFError.invalidSetting("ℓ1 layer: \(n)×\(f) features with \(y.rowCount)×\(k) targets")
        }
        guard beta >= 0, beta.isFinite else { throw ConvexRFError.invalidSetting("β must be finite and ≥ 0, got \(beta)") }
        var augmented = DenseMatrix(rowCount: n, columnCount: f + 1)
        for r in 0..<n {
            for c in 0..<f { augmented.values[r * (f + 1) + c] = b.values[r * f + c] }
            augmented.values[r * (f + 1) + f] = 1
        }
        let gram = augmented.multiplied(by: augmented, transposeSelf: true)
        let correlations = augmented.multiplied(by: y, transposeSelf: true)  // (F+1) × K
        let variableCount = 2 * f + 1
        // Upper triangle of the Gram matrix on (w, c); t has no quadratic cost.
        var starts = [0], rows = [Int](), values = [Double]()
        rows.reserveCapacity((f + 1) * (f + 2) / 2)
        values.reserveCapacity((f + 1) * (f + 2) / 2)
        for column in 0...f {
            for row in 0...column { rows.append(row); values.append(gram[row, column]) }
            starts.append(rows.count)
        }
        starts += Array(repeating: rows.count, count: f)
        let p = try SparseMatrix(rowCount: variableCount, columnCount: variableCount, columnStarts: starts,
                                 rowIndices: rows, values: values, name: "P")
        // w − t ≤ 0 (rows 0..<F), −w − t ≤ 0 (rows F..<2F); t sits after c.
        var ar = [Int](), ac = [Int](), av = [Double]()
        for j in 0..<f {
            ar += [j, j, f + j, f + j]
            ac += [j, f + 1 + j, j, f + 1 + j]
            av += [1, -1, -1, -1]
        }
        let a = try SparseMatrix(rowCount: 2 * f, columnCount: variableCount, rows: ar, columns: ac, values: av, name: "A")
        var weights = DenseMatrix(rowCount: f, columnCount: k)
        var intercept = [Double](repeating: 0, count: k)
        var objective = 0.0, iterations = 0, time = 0.0
        var status = SolverStatus.solved
        for column in 0..<k {
            var q = [Double](repeating: beta, count: variableCount)
            for j in 0...f { q[j] = -correlations[j, column] }
            let target = y.column(column)
            let problem = try ConicProblem(P: p, q: q, A: a, b: Array(repeating: 0, count: 2 * f), cones: [.nonnegative(2 * f)],
                                           objectiveConstant: 0.5 * target.reduce(0) { $0 + $1 * $1 })
            let solution = try solve(problem, settings: settings)
            guard solution.status.isOptimal else { throw ConvexRFError.solverFailed(outputColumn: column, status: solution.status) }
            if solution.status != .solved { status = solution.status }
            for j in 0..<f { weights[j, column] = solution.x[j] }
            intercept[column] = solution.x[f]
            objective += solution.primalObjective
            iterations += solution.iterations
            time += solution.solveTime
        }
        return L1OutputLayer(weights: weights, intercept: intercept, beta: beta, solverObjective: objective,
                             iterations: iterations, solveTime: time, status: status)
    }

    /// `BW + 1cᵀ`.
    public func predict(_ features: DenseMatrix) -> DenseMatrix {
        var out = features.multiplied(by: weights)
        let k = weights.columnCount
        for r in 0..<out.rowCount { for c in 0..<k { out.values[r * k + c] += intercept[c] } }
        return out
    }

    /// `½‖BW + 1cᵀ − Y‖²_F + β Σ|W|`, evaluated directly.
    public func objective(features: DenseMatrix, targets: DenseMatrix) -> Double {
        let residual = zip(predict(features).values, targets.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return 0.5 * residual + beta * weights.values.reduce(0) { $0 + abs($1) }
    }

    /// The class of each row: the output column with the largest value.
    public func classify(_ features: DenseMatrix) -> [Int] {
        let scores = predict(features)
        return (0..<scores.rowCount).map { r in
            let row = scores.row(r)
            return row.indices.max { row[$0] < row[$1] } ?? 0
        }
    }
}
