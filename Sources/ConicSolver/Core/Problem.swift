/// A conic program
///
///     minimize    ½xᵀPx + qᵀx + c₀
///     subject to  Ax + s = b,  s ∈ K = K₁ × … × Kₚ
///
/// with `P` symmetric positive semidefinite, stored as its upper triangle.
/// The initializer checks dimensions, finiteness, the triangle of `P` and the cone sizes.
public struct ConicProblem: Sendable {
    /// Upper triangle of the `n × n` quadratic cost.
    public let P: SparseMatrix
    /// Linear cost, length `n`.
    public let q: [Double]
    /// `m × n` constraint matrix.
    public let A: SparseMatrix
    /// Right-hand side, length `m`.
    public let b: [Double]
    /// Cones in row order; their dimensions add up to `m`.
    public let cones: [ConeSpec]
    /// Constant term `c₀` added to the objective.
    public let objectiveConstant: Double

    /// Number of variables `n`.
    public var variableCount: Int { q.count }
    /// Number of constraint rows `m`.
    public var constraintCount: Int { b.count }

    /// Creates and validates a problem.
    ///
    /// - Parameters:
    ///   - P: upper triangle of the quadratic cost; `nil` for a linear objective.
    ///   - q: linear cost.
    ///   - A: constraint matrix with `q.count` columns.
    ///   - b: right-hand side with `A.rowCount` entries.
    ///   - cones: the cones, whose dimensions must add up to `A.rowCount`.
    ///   - objectiveConstant: constant added to the objective.
    /// - Throws: ``ConicError`` describing the first problem found.
    public init(P: SparseMatrix? = nil, q: [Double], A: SparseMatrix, b: [Double], cones: [ConeSpec],
                objectiveConstant: Double = 0) throws {
        let n = q.count
        let P = P ?? .zeros(n, n)
        guard P.rowCount == n, P.columnCount == n else {
            throw ConicError.dimensionMismatch("P is \(P.rowCount)×\(P.columnCount) but q has \(n) entries")
        }
        guard A.columnCount == n else {
            throw ConicError.dimensionMismatch("A has \(A.columnCount) columns but q has \(n) entries")
        }
        guard A.rowCount == b.count else {
            throw ConicError.dimensionMismatch("A has \(A.rowCount) rows but b has \(b.count) entries")
        }
        for j in 0..<n {
            for k in P.columnStarts[j]..<P.columnStarts[j + 1] where P.rowIndices[k] > j {
                throw ConicError.notUpperTriangular(row: P.rowIndices[k], column: j)
            }
        }
        try Self.checkFinite(P.values, "P")
        try Self.checkFinite(q, "q")
        try Self.checkFinite(A.values, "A")
        try Self.checkFinite(b, "b")
        guard objectiveConstant.isFinite else { throw ConicError.nonFinite("objective constant is \(objectiveConstant)") }
        var total = 0
        for (index, cone) in cones.enumerated() {
            switch cone {
            case let .zero(d), let .nonnegative(d):
                guard d >= 0 else { throw ConicError.invalidCones("cone \(index) has negative dimension \(d)") }
            case let .secondOrder(d):
                guard d >= 1 else { throw ConicError.invalidCones("second-order cone \(index) has dimension \(d); it needs at least 1") }
            case let .positiveSemidefinite(order):
                guard order >= 1 else { throw ConicError.invalidCones("PSD cone \(index) has order \(order); it needs at least 1") }
            case .exponential, .dualExponential:
                break
            case let .power(alpha), let .dualPower(alpha):
                guard alpha > 0, alpha < 1 else {
                    throw ConicError.invalidCones("power cone \(index) has exponent \(alpha); it needs 0 < α < 1")
                }
            }
            // Checked sums: cone sizes from input may be near Int.max, and a wrapped total could
            // even match b.count by accident.
            guard let dimension = cone.checkedDimension else {
                throw ConicError.invalidCones("cone \(index) (\(cone)) covers more rows than an Int can count")
            }
            let (sum, overflow) = total.addingReportingOverflow(dimension)
            guard !overflow else {
                throw ConicError.invalidCones("the cone dimensions up to cone \(index) add up to more than an Int can count")
            }
            total = sum
        }
        guard total == b.count else {
            throw ConicError.invalidCones("cone dimensions add up to \(total) but A has \(b.count) rows")
        }
        self.P = P; self.q = q; self.A = A; self.b = b; self.cones = cones
        self.objectiveConstant = objectiveConstant
    }

    private static func checkFinite(_ values: [Double], _ name: String) throws {
        if let k = values.firstIndex(where: { !$0.isFinite }) {
            throw ConicError.nonFinite("\(name) has \(values[k]) at stored entry \(k)")
        }
    }

    /// The residuals `‖Ax + s − b‖∞` (primal) and `‖Px + Aᵀz + q‖∞` (dual) of a point.
    public func residuals(x: [Double], s: [Double], z: [Double]) -> (primal: Double, dual: Double) {
        let r = pointResiduals(x: x, s: s, z: z)
        return (r.primal, r.dual)
    }

    /// The objective `½xᵀPx + qᵀx + c₀` at `x`.
    public func objective(at x: [Double]) -> Double {
        let px = P.symmetricMultiply(x)
        var value = objectiveConstant
        for j in 0..<variableCount { value += x[j] * (0.5 * px[j] + q[j]) }
        return value
    }
}
