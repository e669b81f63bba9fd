import ConicSolver
import Foundation

extension ConvexTrainer {
    /// A sharper certified `C ≥ C(V) = max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖₂` for a dual point whose rows lie (up to
    /// rounding) in a plane of `ℝᶜ`: the cross-entropy's `V = Y − P` has rows summing to zero, so
    /// with three classes `Vᵀ(X̃u)₊` lives in a plane, and with two on a line (also two squared outputs).
    ///
    /// With `Q = [q₁ q₂ | q₃ …]` the eigenvectors of `VᵀV` (largest first),
    /// `‖Vᵀh‖² = ‖[q₁ q₂]ᵀVᵀh‖² + Σ_{k≥3} (q_kᵀVᵀh)²`. The planar part is bounded by a polygon of
    /// directions `z_j = q₁ cos φⱼ + q₂ sin φⱼ`, `φⱼ = πj/K` (`j < K`): for `w` in the plane some
    /// `±z_j` is within `π/(2K)` of it, so `‖w‖ cos(π/(2K)) ≤ max_j |z_jᵀw|`, and
    /// `max_u |z_jᵀVᵀ(X̃u)₊|` is the one-output constraint at `Vz_j`, which the search bounds much
    /// more tightly than `(Σₖ Cₖ²)^{1/2}` over the columns (up to `√c` loose). Each remaining
    /// direction adds its one-output bound `R_k` (tiny here: rounding), so
    ///
    ///     C ≤ ( (max_j C₁(Vz_j) / cos(π/(2K)))² + Σ_{k≥3} C₁(Vq_k)² )^{1/2}.
    ///
    /// Returns `nil` unless ``dualIsPlanar(_:)``. `K = 32` directions: the factor is 1.0012.
    static func planarConstraintBound(design: DenseMatrix, dual v: DenseMatrix, starts: [[Double]], found: Double,
                                      settings: ConvexTrainingSettings, timeLeft: Double,
                                      directions: Int = 32) -> ConstraintBound? {
        let c = v.columnCount
        guard dualIsPlanar(v) else { return nil }
        let (_, vectors) = symmetricEigenpairs(v.multiplied(by: v, transposeSelf: true))
        let planar = min(2, c)
        // One-output searches share the time; the cheap rounding directions get a second each.
        let remainderCount = c - planar
        let perDirection = max(0.25, (timeLeft - Double(remainderCount)) / Double(directions))
        var budget = DualConstraintSearchBudget()
        budget.timeLimit = perDirection
        budget.relativeTolerance = 1e-4
        func oneOutput(_ z: [Double], time: Double, threshold: Double) -> DualConstraintSearchResult {
            let column = DenseMatrix(rowCount: v.rowCount, columnCount: 1, values: (0..<v.rowCount).map { i in
                (0..<c).reduce(0) { $0 + v[i, $1] * z[$1] }
            })
            var limited = budget
            limited.timeLimit = time
            return DualConstraintBound.search(design: design, dual: column, threshold: threshold, starts: starts,
                                              freeBias: settings.freeBias, budget: limited, maximumViolators: 0)
        }
        var nodes = 0, proven = true
        var largest = 0.0, bestValue = 0.0
        let planeDirections = planar == 1 ? 1 : directions
        for j in 0..<planeDirections {
            let phi = Double.pi * Double(j) / Double(planeDirections)
            let z = (0..<c).map { k in vectors[k][0] * cos(phi) + (planar == 2 ? vectors[k][1] * sin(phi) : 0) }
            // Below `found` (a neuron's value of the whole C(V), at least every C₁(Vz)) nothing is
            // gained, so nodes under it close at once: most directions are settled in a few nodes.
            let result = oneOutput(z, time: perDirection, threshold: found)
            nodes += result.nodes
            proven = proven && result.proven
            largest = max(largest, result.upperBound)
            bestValue = max(bestValue, result.bestValue)
        }
        // With one planar direction the line is covered exactly; with a polygon, up to cos(π/(2K)).
        let factor = planar == 1 ? 1 : 1 / cos(Double.pi / Double(2 * directions))
        var squared = (largest * factor) * (largest * factor)
        for k in planar..<c {
            // Rounding-sized: searched to their own (tiny) maximum.
            let result = oneOutput((0..<c).map { vectors[$0][k] }, time: 1, threshold: 0)
            nodes += result.nodes
            squared += result.upperBound * result.upperBound
        }
        let value = squared.squareRoot()
        let best = max(found, bestValue)
        return ConstraintBound(value: max(value, best), method: .branchAndBound, proven: proven && value <= best * factor * (1 + 1e-3),
                               nodes: nodes, bestValue: best, violators: [])
    }

    /// Whether the rows of `V` (at least two columns, not all zero) lie in a plane of `ℝᶜ` up to
    /// rounding: `VᵀV` has at most two eigenvalues above `10⁻¹⁰` of the largest.
    static func dualIsPlanar(_ v: DenseMatrix) -> Bool {
        guard v.columnCount >= 2 else { return false }
        let values = symmetricEigenpairs(v.multiplied(by: v, transposeSelf: true)).values
        guard let top = values.first, top > 0 else { return false }
        return values.count < 3 || values[2] <= 1e-10 * top
    }

    /// Eigenvalues (decreasing) and eigenvectors (columns, `vectors[row][column]`) of a small
    /// symmetric matrix, by cyclic Jacobi rotations.
    static func symmetricEigenpairs(_ matrix: DenseMatrix) -> (values: [Double], vectors: [[Double]]) {
        let n = matrix.rowCount
        var a = (0..<n).map { i in (0..<n).map { matrix[i, $0] } }
        var q = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
            let scale = (0..<n).reduce(0.0) { $0 + a[$1][$1] * a[$1][$1] }
            if off <= 1e-30 * max(scale, .leastNormalMagnitude) { break }
            for p in 0..<n {
                for r in (p + 1)..<max(p + 1, n) where a[p][r] != 0 {
                    let theta = (a[r][r] - a[p][p]) / (2 * a[p][r])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let cosine = 1 / (t * t + 1).squareRoot(), sine = t * cosine
                    for k in 0..<n {  // A ← A·J
                        let akp = a[k][p], akr = a[k][r]
                        a[k][p] = cosine * akp - sine * akr
                        a[k][r] = sine * akp + cosine * akr
                    }
                    for k in 0..<n {  // A ← Jᵀ·A
                        let apk = a[p][k], ark = a[r][k]
                        a[p][k] = cosine * apk - sine * ark
                        a[r][k] = sine * apk + cosine * ark
                    }
                    for k in 0..<n {
                        let qkp = q[k][p], qkr = q[k][r]
                        q[k][p] = cosine * qkp - sine * qkr
                        q[k][r] = sine * qkp + cosine * qkr
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0][$0] > a[$1][$1] }
        return (order.map { a[$0][$0] }, (0..<n).map { k in order.map { q[k][$0] } })
    }
}
