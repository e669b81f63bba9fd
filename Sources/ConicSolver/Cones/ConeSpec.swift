/// One cone of the product `K`, with its dimension.
///
/// The cones of a problem are listed in the order of the rows of `A` they constrain; any order
/// and any repetition is allowed.
public enum ConeSpec: Sendable, Equatable, Hashable {
    /// `{0}ⁿ`: the rows are equalities `Ax = b`. Its dual cone is all of `ℝⁿ`.
    case zero(Int)
    /// The nonnegative orthant `ℝⁿ₊`: the rows are inequalities `Ax ≤ b`.
    case nonnegative(Int)
    /// The second-order cone `{(t, x) ∈ ℝ × ℝⁿ⁻¹ : ‖x‖₂ ≤ t}`, of total dimension `n ≥ 1`.
    case secondOrder(Int)
    /// The cone of positive semidefinite `n × n` matrices (`n` is the matrix order, `n ≥ 1`),
    /// vectorized as `svec`: the upper triangle column by column, off-diagonal entries times √2,
    /// so that `svec(X)ᵀsvec(Y) = tr(XY)`. It covers `n(n+1)/2` rows. See `docs/psd-vectorization.md`.
    case positiveSemidefinite(Int)
    /// The exponential cone `K_exp = closure{(x, y, z) : y e^{x/y} ≤ z, y > 0}` (3 rows, in this
    /// order, as in SCS and Clarabel; CBF lists the same cone reversed). Its dual is
    /// ``dualExponential``.
    case exponential
    /// The dual exponential cone `K*_exp = closure{(u, v, w) : −u e^{v/u} ≤ e·w, u < 0}` (3 rows).
    case dualExponential
    /// The 3-D power cone `K_α = {(x, y, z) : x^α y^{1−α} ≥ |z|, x, y ≥ 0}`, `0 < α < 1` (3 rows).
    /// Its dual is ``dualPower(_:)`` with the same `α`.
    case power(Double)
    /// The dual power cone `K*_α = {(u, v, w) : (u/α)^α (v/(1−α))^{1−α} ≥ |w|, u, v ≥ 0}` (3 rows).
    case dualPower(Double)

    /// Number of rows of `A` (entries of `s`) the cone covers, or `nil` when it does not fit in
    /// an `Int` (a PSD order above about 4.3·10⁹): validation uses this instead of ``dimension``,
    /// which would trap on such an order.
    public var checkedDimension: Int? {
        switch self {
        case let .zero(n), let .nonnegative(n), let .secondOrder(n): return n
        case let .positiveSemidefinite(n):
            let (square, overflow) = n.multipliedReportingOverflow(by: n)
            guard !overflow, square <= Int.max - n else { return nil }
            return (square + n) / 2
        case .exponential, .dualExponential, .power, .dualPower: return 3
        }
    }

    /// Number of rows of `A` (entries of `s`) the cone covers.
    public var dimension: Int {
        switch self {
        case let .zero(n), let .nonnegative(n), let .secondOrder(n): return n
        case let .positiveSemidefinite(n): return n * (n + 1) / 2
        case .exponential, .dualExponential, .power, .dualPower: return 3
        }
    }

    /// Whether the cone is one of the non-symmetric (exponential, power) cones, which take a
    /// primal–dual scaling instead of Nesterov–Todd's (``NonsymmetricCone``).
    public var isNonsymmetric: Bool {
        switch self {
        case .exponential, .dualExponential, .power, .dualPower: return true
        case .zero, .nonnegative, .secondOrder, .positiveSemidefinite: return false
        }
    }
}
