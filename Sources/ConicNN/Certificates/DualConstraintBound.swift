import ConicSolver

/// Certified upper bounds on the dual constraint function
/// `C(V) = max_{‖u‖ ≤ 1} ‖Vᵀ(X̃u)₊‖₂` (for one output, `max |vᵀ(X̃u)₊|`).
///
/// A dual point `V` is feasible for the dual of the training problem when `C(V) ≤ β`; a point
/// from a solve over a subset of the activation patterns only satisfies the constraint on that
/// subset, and is made feasible by scaling it with `β / C` for any `C ≥ C(V)` (see
/// `docs/nn-certificates.md`).
public enum DualConstraintBound {
    /// How a bound was obtained.
    public enum Method: String, Sendable, Codable {
        /// The exact maximum, over every cell of the hyperplane arrangement (rank ≤ 3).
        case exact
        /// `‖V‖₂ · σ₁(X̃)` and per-sample norms: valid for any data, usually loose.
        case norm
        /// The semidefinite relaxation (``SemidefiniteRelaxation``), per output.
        case semidefinite
        /// The branch and bound over activation signs (``DualConstraintBound/search(design:dual:threshold:starts:freeBias:budget:maximumViolators:)``).
        case branchAndBound
    }

    /// `C(V)` computed exactly for data of rank at most 3, plus the (rounding-level) error of the
    /// rank reduction `‖V‖_F · σ_{r+1}`: the largest value over the critical directions of every
    /// chamber (``RowSpaceReduction/forEachCriticalDirection(dual:_:)``).
    ///
    /// - Complexity: `O(n³·c)` for rank 3.
    static func exact(_ reduction: RowSpaceReduction, dual v: DenseMatrix) -> Double {
        var best = 0.0
        reduction.forEachCriticalDirection(dual: v) { w in
            best = max(best, euclideanNorm(reduction.outputs(dual: v, at: w)))
        }
        return best + euclideanNorm(v.values) * reduction.residualNorm
    }

    /// Bounds valid for any data: `‖V‖₂ σ₁(X̃)` (as `‖(X̃u)₊‖ ≤ ‖X̃u‖ ≤ σ₁`), and for one output
    /// also `max(Σₖ(vₖ)₊‖x̃ₖ‖, Σₖ(vₖ)₋‖x̃ₖ‖)` and `max(‖v₊‖σ₁(X̃₊), ‖v₋‖σ₁(X̃₋))` with `X̃±` the rows
    /// where `vₖ ≷ 0` (since `vᵀ(X̃u)₊ ≤ v₊ᵀ(X̃₊u)₊`); the smallest.
    static func norm(design: DenseMatrix, dual v: DenseMatrix) -> Double {
        func largestSingularValue(_ m: DenseMatrix) -> Double {
            m.rowCount == 0 ? 0 : m.singularValueDecomposition()?.sigma.first ?? .infinity
        }
        var bound = largestSingularValue(v) * largestSingularValue(design)
        if v.columnCount == 1 {
            var positive = 0.0, negative = 0.0
            var positiveRows = [Int](), negativeRows = [Int]()
            for k in 0..<design.rowCount {
                let rowNorm = euclideanNorm(design.values[(k * design.columnCount)..<((k + 1) * design.columnCount)])
                let vk = v.values[k]
                if vk > 0 { positive += vk * rowNorm; positiveRows.append(k) }
                if vk < 0 { negative -= vk * rowNorm; negativeRows.append(k) }
            }
            bound = min(bound, max(positive, negative))
            let split = max(euclideanNorm(positiveRows.map { v.values[$0] }) * largestSingularValue(design.rows(positiveRows)),
                            euclideanNorm(negativeRows.map { v.values[$0] }) * largestSingularValue(design.rows(negativeRows)))
            bound = min(bound, split)
        }
        return bound
    }

    /// The semidefinite bound: per output column `k`, the larger of the relaxation's bounds for
    /// `vₖ` and `−vₖ`; for several outputs `(Σₖ Cₖ²)^{1/2}` (as `‖Vᵀh‖² = Σₖ (vₖᵀh)²`).
    static func semidefinite(design: DenseMatrix, dual v: DenseMatrix) -> Double? {
        var total = 0.0
        for k in 0..<v.columnCount {
            let column = v.column(k)
            guard let positive = SemidefiniteRelaxation.upperBound(design: design, v: column),
                  let negative = SemidefiniteRelaxation.upperBound(design: design, v: column.map { -$0 }) else { return nil }
            total += max(positive, negative) * max(positive, negative)
        }
        return total.squareRoot()
    }

    /// The tightest bound available for this data: exact when `rank(X̃) ≤ 3`; otherwise the smaller
    /// of the norm bound and, for at most ``SemidefiniteRelaxation/maximumSamples`` samples, the
    /// semidefinite relaxation.
    public static func best(design: DenseMatrix, dual v: DenseMatrix,
                            maximumRelaxationSamples: Int = SemidefiniteRelaxation.maximumSamples)
        -> (value: Double, method: Method) {
        if let reduction = try? RowSpaceReduction(design) {
            return (exact(reduction, dual: v), .exact)
        }
        let normBound = norm(design: design, dual: v)
        if design.rowCount <= maximumRelaxationSamples, let relaxed = semidefinite(design: design, dual: v), relaxed < normBound {
            return (relaxed, .semidefinite)
        }
        return (normBound, .norm)
    }
}

/// A symmetric 3 × 3 matrix with Jacobi eigenvectors, for the small eigenproblems of the exact bound.
struct SymmetricMatrix3 {
    var a = [[Double]](repeating: [0, 0, 0], count: 3)

    mutating func addOuterProduct(_ x: SIMD3<Double>) {
        for i in 0..<3 { for j in 0..<3 { a[i][j] += x[i] * x[j] } }
    }

    /// `P S P` with `P = I − n̂n̂ᵀ`.
    func projected(orthogonalTo normal: SIMD3<Double>) -> SymmetricMatrix3 {
        let unit = normal / (normal * normal).sum().squareRoot()
        var p = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 { for j in 0..<3 { p[i][j] = (i == j ? 1 : 0) - unit[i] * unit[j] } }
        var out = SymmetricMatrix3()
        for i in 0..<3 { for j in 0..<3 {
            var sum = 0.0
            for k in 0..<3 { for l in 0..<3 { sum += p[i][k] * a[k][l] * p[l][j] } }
            out.a[i][j] = sum
        } }
        return out
    }

    /// The three orthonormal eigenvectors (cyclic Jacobi rotations until the off-diagonal vanishes).
    func eigenvectors() -> [SIMD3<Double>] {
        var m = a
        var q: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0..<50 {
            let off = m[0][1] * m[0][1] + m[0][2] * m[0][2] + m[1][2] * m[1][2]
            let diagonal = m[0][0] * m[0][0] + m[1][1] * m[1][1] + m[2][2] * m[2][2]
            if off <= 1e-30 * max(diagonal, .leastNormalMagnitude) { break }
            for (p, r) in [(0, 1), (0, 2), (1, 2)] where m[p][r] != 0 {
                let theta = (m[r][r] - m[p][p]) / (2 * m[p][r])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let cosine = 1 / (t * t + 1).squareRoot(), sine = t * cosine
                for k in 0..<3 {
                    let mkp = m[k][p], mkr = m[k][r]
                    m[k][p] = cosine * mkp - sine * mkr
                    m[k][r] = sine * mkp + cosine * mkr
                }
                for k in 0..<3 {
                    let mpk = m[p][k], mrk = m[r][k]
                    m[p][k] = cosine * mpk - sine * mrk
                    m[r][k] = sine * mpk + cosine * mrk
                }
                for k in 0..<3 {
                    let qkp = q[k][p], qkr = q[k][r]
                    q[k][p] = cosine * qkp - sine * qkr
                    q[k][r] = sine * qkp + cosine * qkr
                }
            }
        }
        return (0..<3).map { j in SIMD3(q[0][j], q[1][j], q[2][j]) }
    }
}
