/// The norms of a problem's data that make the solver's tests independent of how the data are
/// scaled: a certificate or a residual is judged against the data it involves, not against 1.
struct DataScale: Sendable {
    /// `max |Aᵢⱼ|`, `max |Pᵢⱼ|`, `‖b‖∞`, `‖q‖∞` of the original data.
    let normA: Double, normP: Double, normB: Double, normQ: Double

    init(_ problem: ConicProblem) {
        func largest(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
        normA = largest(problem.A.values)
        normP = largest(problem.P.values)
        normB = largest(problem.b)
        normQ = largest(problem.q)
    }

    /// `max(1, numerator / denominator)`, or 1 when the denominator vanishes (its term is then
    /// exactly zero, as the matrix is).
    private func factor(_ numerator: Double, _ denominator: Double) -> Double {
        denominator > 0 ? max(1, numerator / denominator) : 1
    }

    /// How far `z` (with `bᵀz < 0`) is from proving primal infeasibility, `≤ ε` to accept:
    /// `‖Aᵀz‖∞ / (−bᵀz) · max(1, ‖b‖∞ / max|Aᵢⱼ|)`.
    ///
    /// A certificate proves that every `x` with `b − Ax ∈ K` has `‖x‖₁ ≥ −bᵀz / ‖Aᵀz‖∞`; this asks
    /// that radius to be `1/ε` times the problem's own scale `‖b‖∞ / max|Aᵢⱼ|`. The absolute ratio
    /// alone accepted any `z` once `b` was large (`x₁ + x₂ ≥ 10⁹` was "infeasible" at iteration 0).
    func primalInfeasibility(transposeProductNorm atz: Double, bz: Double) -> Double {
        bz < 0 ? atz / -bz * factor(normB, normA) : .infinity
    }

    /// How far `x` (with `qᵀx < 0`) is from proving dual infeasibility, `≤ ε` to accept:
    /// the larger of `‖Px‖∞ · max(1, ‖q‖∞ / max|Pᵢⱼ|)` and `‖Ax + s‖∞ · max(1, ‖q‖∞ / max|Aᵢⱼ|)`,
    /// over `−qᵀx`: every dual-feasible `(x', z)` then has `‖x'‖₁` or `‖z‖₁` at least `1/ε` times
    /// the scale `‖q‖∞ / max|Pᵢⱼ|` or `‖q‖∞ / max|Aᵢⱼ|`.
    func dualInfeasibility(quadraticNorm px: Double, slackResidualNorm axs: Double, qx: Double) -> Double {
        qx < 0 ? max(px * factor(normQ, normP), axs * factor(normQ, normA)) / -qx : .infinity
    }
}

/// Residuals of a point `(x, s, z)` in the original data, normwise and row by row.
struct PointResiduals {
    /// `‖Ax + s − b‖∞` and `‖Px + Aᵀz + q‖∞`.
    var primal = 0.0, dual = 0.0
    /// `maxᵢ |rᵢ| / (|bᵢ| + Σⱼ|Aᵢⱼxⱼ| + |sᵢ|)` with `r = Ax + s − b`, over the rows with `bᵢ ≠ 0`
    /// except those whose terms vanish (below): each such constraint against its own terms, so a
    /// row whose entries are tiny against the rest of the data is still held to the tolerance
    /// (a bound `y ≥ 10⁻¹⁰` broken by 50 % passed the normwise test). Rows with `bᵢ = 0` have no
    /// scale of their own: where their terms vanish at the optimum, an interior-point residual
    /// shrinks only as fast as the others, so they are left to the normwise test.
    ///
    /// A row with `bᵢ ≠ 0` can have vanishing terms as well: `bᵢ` a rounding error of zero
    /// (`10⁻¹⁵`) or far below the row's matrix entries, and every other term going to zero with
    /// the iterates (the multipliers of slack constraints on a variable whose cost is that
    /// `bᵢ`). Its residual then shrinks with the others while its terms shrink as fast, so the
    /// ratio stays of order one at every iterate: the cutting plane's relaxation SOCP (issue 15,
    /// a bias column with cost `−2·10⁻¹⁵`, residual `3·10⁻⁹` against terms `5·10⁻⁹`) ended
    /// `insufficient_progress` with a gap of `10⁻¹⁴`. Such a row is judged against the global
    /// scale instead, when both
    /// - its terms are below ``vanishingTerms`` of what its data give at the point's scale,
    ///   `|bᵢ| + Σⱼ|Aᵢⱼ|·‖x‖∞` (for columns `|qⱼ| + Σᵢ|Aᵢⱼ|·‖z‖∞ + Σₖ|Pⱼₖ|·‖x‖∞`), and
    /// - its residual cannot move the objective by more than the feasibility tolerance: the
    ///   point solves exactly the problem with `bᵢ` moved by `rᵢ`, whose dual objective differs
    ///   by `rᵢzᵢ`, so `|rᵢzᵢ| ≤ 10⁻⁸·max(1, |pobj|, |dobj|)` (for columns `|rⱼxⱼ|`).
    /// The row's measure is then the smaller of `|rᵢ|/terms` and `|rᵢzᵢ|·w/max(1, |pobj|, |dobj|)`
    /// with `w` = ``objectiveEffectWeight``, both held to the rowwise tolerance (10⁻⁶ for
    /// `solved`, the reduced feasibility tolerance for `almost_solved`).
    /// The broken bound above has vanishing terms too (`‖x‖∞ = 10¹⁰`), but `zᵢ = 10¹⁰` and an
    /// effect of a quarter of its objective; rows of problems whose data are all tiny do not
    /// vanish against their own data.
    var primalRowwise = 0.0
    /// The same for the dual constraints: columns with `qⱼ ≠ 0`, `r = Px + Aᵀz + q`, terms
    /// `|qⱼ| + Σₖ|Pⱼₖxₖ| + Σᵢ|Aᵢⱼzᵢ|`.
    var dualRowwise = 0.0

    /// A row's terms vanish when they are below this fraction of its data at the point's scale:
    /// the normwise feasibility tolerance, below which the normwise test treats them as zero.
    static let vanishingTerms = 1e-8
    /// The weight of a vanishing row's effect on the objective against the rowwise tolerance:
    /// that tolerance over the normwise one (`10⁻⁶/10⁻⁸`), so the row passes when its effect
    /// is within the feasibility tolerance of the objective.
    static let objectiveEffectWeight = 100.0
}

extension ConicProblem {
    /// The residuals of `(x, s, z)` in this problem's data, normwise and row by row.
    ///
    /// - Complexity: `O(nnz(A) + nnz(P))`.
    func pointResiduals(x: [Double], s: [Double], z: [Double]) -> PointResiduals {
        let n = variableCount, m = constraintCount
        var rp = [Double](repeating: 0, count: m), scaleP = b.map { abs($0) }
        var rd = q, scaleD = q.map { abs($0) }
        // Σⱼ|Aᵢⱼ| by row, and Σᵢ|Aᵢⱼ|, Σₖ|Pⱼₖ| by column: the rows' data at the point's scale.
        var rowData = [Double](repeating: 0, count: m)
        var columnDataZ = [Double](repeating: 0, count: n), columnDataX = columnDataZ
        var xPx = 0.0
        for i in 0..<m { rp[i] = s[i] - b[i]; scaleP[i] += abs(s[i]) }
        for j in 0..<n {
            let xj = x[j]
            for k in A.columnStarts[j]..<A.columnStarts[j + 1] {
                let i = A.rowIndices[k], a = A.values[k]
                rp[i] += a * xj; scaleP[i] += abs(a * xj)
                rd[j] += a * z[i]; scaleD[j] += abs(a * z[i])
                rowData[i] += abs(a); columnDataZ[j] += abs(a)
            }
            // P holds its upper triangle: entry (i, j), i ≤ j, acts on both rows i and j.
            for k in P.columnStarts[j]..<P.columnStarts[j + 1] {
                let i = P.rowIndices[k], p = P.values[k]
                rd[i] += p * xj; scaleD[i] += abs(p * xj)
                columnDataX[i] += abs(p)
                xPx += (i == j ? 1 : 2) * p * x[i] * xj
                if i != j { rd[j] += p * x[i]; scaleD[j] += abs(p * x[i]); columnDataX[j] += abs(p) }
            }
        }
        func largest(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
        let normX = largest(x), normZ = largest(z)
        var qx = 0.0, bz = 0.0
        for j in 0..<n { qx += q[j] * x[j] }
        for i in 0..<m { bz += b[i] * z[i] }
        let objectiveScale = max(1, abs(0.5 * xPx + qx), abs(-0.5 * xPx - bz))
        let weight = PointResiduals.objectiveEffectWeight / objectiveScale
        /// A row's measure: against its own terms, or, when those vanish against its data,
        /// its effect on the objective if that is smaller.
        func rowwise(_ r: Double, terms: Double, data: Double, multiplier: Double) -> Double {
            let own = abs(r) / terms
            guard terms <= PointResiduals.vanishingTerms * data else { return own }
            let effect = weight * abs(r * multiplier)
            return effect.isFinite ? min(own, effect) : own
        }
        let invalid = PointResiduals(primal: .nan, dual: .nan, primalRowwise: .nan, dualRowwise: .nan)
        var out = PointResiduals()
        for i in 0..<m {
            guard rp[i].isFinite, scaleP[i].isFinite else { return invalid }
            out.primal = max(out.primal, abs(rp[i]))
            if rp[i] != 0, b[i] != 0 {
                out.primalRowwise = max(out.primalRowwise, rowwise(rp[i], terms: scaleP[i], data: abs(b[i]) + rowData[i] * normX, multiplier: z[i]))
            }
        }
        for j in 0..<n {
            guard rd[j].isFinite, scaleD[j].isFinite else { return invalid }
            out.dual = max(out.dual, abs(rd[j]))
            if rd[j] != 0, q[j] != 0 {
                out.dualRowwise = max(out.dualRowwise, rowwise(rd[j], terms: scaleD[j], data: abs(q[j]) + columnDataZ[j] * normZ + columnDataX[j] * normX,
                                                                   multiplier: x[j]))
            }
        }
        return out
    }
}

extension ConicProblem {
    /// Why what `solution` claims does not hold for this problem (`nil` when it holds), checked
    /// from the data alone with the given settings' tolerances (times `slack`, for rounding in
    /// the mapping back):
    /// - `solved` / `almostSolved`: residuals normwise and row by row, the gap between
    ///   `½xᵀPx + qᵀx` and `−½xᵀPx − bᵀz`, `s ∈ K` and `z ∈ K*`;
    /// - primal / dual infeasibility: the certificate in its dual cone (cone), with its scale-aware
    ///   residual (``DataScale``) within the infeasibility tolerance.
    ///
    /// Statuses that claim nothing hold trivially. Used on solutions mapped back through a
    /// presolve, whose verdict must be the original problem's.
    func claimFailure(of solution: Solution, settings: SolverSettings, slack: Double = 10) -> String? {
        let n = variableCount, m = constraintCount
        let (x, s, z) = (solution.x, solution.s, solution.z)
        let cones = ConeProduct(self.cones)
        func largest(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
        /// `v` within `tolerance·‖v‖∞` of the cone (dual cone: the zero cone's dual is free).
        func inCones(_ v: [Double], tolerance: Double, dual: Bool) -> Bool {
            guard v.count == m else { return false }
            let floor = -tolerance * max(largest(v), .leastNormalMagnitude)
            return v.withUnsafeBufferPointer { v in
                zip(cones.cones, cones.ranges).allSatisfy { cone, r in
                    if cone.isZero { return dual || r.allSatisfy { abs(v[$0]) <= -floor } }
                    let slice = UnsafeBufferPointer(rebasing: v[r])
                    return (dual ? cone.dualMinimumEigenvalue(slice) : cone.minimumEigenvalue(slice)) >= floor
                }
            }
        }
        let scale = DataScale(self)
        switch solution.status {
        case .solved, .almostSolved:
            guard x.count == n, s.count == m, z.count == m else { return "the point has the wrong size" }
            let reduced = solution.status == .almostSolved
            let feasibility = slack * (reduced ? settings.reducedFeasibilityTolerance : settings.feasibilityTolerance)
            let rowwise = slack * (reduced ? settings.reducedFeasibilityTolerance : Termination.rowwiseTolerance)
            let gapTolerance = slack * (reduced ? settings.reducedGapTolerance : max(settings.gapAbsoluteTolerance, settings.gapRelativeTolerance))
            let r = pointResiduals(x: x, s: s, z: z)
            let px = P.symmetricMultiply(x)
            var xPx = 0.0, qx = 0.0, bz = 0.0
            for j in 0..<n { xPx += x[j] * px[j]; qx += q[j] * x[j] }
            for i in 0..<m { bz += b[i] * z[i] }
            let primal = 0.5 * xPx + qx, dual = -0.5 * xPx - bz
            let gap = abs(primal - dual) / max(1, min(abs(primal), abs(dual)))
            let primalScale = max(1, scale.normB + largest(x) + largest(s)), dualScale = max(1, scale.normQ + largest(x) + largest(z))
            if !(r.primal <= feasibility * primalScale) { return "primal residual \(r.primal) against \(primalScale)" }
            if !(r.dual <= feasibility * dualScale) { return "dual residual \(r.dual) against \(dualScale)" }
            if !(r.primalRowwise <= rowwise) { return "a constraint is violated by \(r.primalRowwise) of its terms" }
            if !(r.dualRowwise <= rowwise) { return "a dual constraint is violated by \(r.dualRowwise) of its terms" }
            if !(gap <= gapTolerance) { return "relative gap \(gap)" }
            if !inCones(s, tolerance: feasibility, dual: false) { return "s is outside K" }
            if !inCones(z, tolerance: feasibility, dual: true) { return "z is outside K*" }
            return nil
        case .primalInfeasible, .almostPrimalInfeasible:
            guard z.count == m, z.allSatisfy(\.isFinite) else { return "the certificate is not finite" }
            let tolerance = slack * (solution.status == .primalInfeasible ? settings.infeasibilityRelativeTolerance : settings.reducedInfeasibilityTolerance)
            var bz = 0.0
            for i in 0..<m { bz += b[i] * z[i] }
            let measure = scale.primalInfeasibility(transposeProductNorm: largest(A.transposeMultiply(z)), bz: bz)
            if !(measure <= tolerance) { return "the certificate's residual is \(measure) of the data's scale" }
            return inCones(z, tolerance: tolerance, dual: true) ? nil : "z is outside K*"
        case .dualInfeasible, .almostDualInfeasible:
            guard x.count == n, s.count == m, (x + s).allSatisfy(\.isFinite) else { return "the certificate is not finite" }
            let tolerance = slack * (solution.status == .dualInfeasible ? settings.infeasibilityRelativeTolerance : settings.reducedInfeasibilityTolerance)
            var qx = 0.0
            for j in 0..<n { qx += q[j] * x[j] }
            var axs = A.multiply(x)
            for i in 0..<m { axs[i] += s[i] }
            let measure = scale.dualInfeasibility(quadraticNorm: largest(P.symmetricMultiply(x)), slackResidualNorm: largest(axs), qx: qx)
            if !(measure <= tolerance) { return "the certificate's residual is \(measure) of the data's scale" }
            return inCones(s, tolerance: tolerance, dual: false) ? nil : "s is outside K"
        case .maxIterations, .timeLimit, .numericalError, .insufficientProgress, .insufficientMemory:
            return nil
        }
    }
}
