/// The contract every cone of the product `K` fulfils. The maths is written here once.
///
/// The interior-point method keeps `s ∈ int K` and `z ∈ int K*`. The symmetric cones (zero,
/// nonnegative, second-order, PSD) are self-dual except the zero cone, whose dual is the whole
/// space; for them each iteration builds the Nesterov–Todd scaling `W` (symmetric, positive
/// definite) with
///
///     W z = W⁻¹ s = λ,      H = WᵀW  (so H z = s),
///
/// and linearizes the centrality condition `s ∘ z = σμe` in the scaled space as
///
///     λ ∘ (W Δz + W⁻¹ Δs) = −t,      t = λ∘λ + (W⁻¹Δsₐ)∘(WΔzₐ) − σμe,
///
/// where `∘` is the cone's Jordan product, `e` its identity and the Mehrotra term
/// `(W⁻¹Δsₐ)∘(WΔzₐ)` uses the affine (predictor) direction (it is absent in the predictor itself).
/// Solving for `Δs` gives
///
///     Δs = −dₛ − H Δz,      dₛ = Wᵀ(λ \ t),
///
/// which is what the Newton system consumes: `H` enters its matrix and `dₛ` its right-hand side.
/// For the predictor `t = λ∘λ` and `dₛ = s`.
///
/// The exponential and power cones are not self-scaled: ``NonsymmetricCone`` gives its own `H`
/// (a primal–dual scaling with `H z = s`) and `dₛ` (with a third-order corrector) in the same
/// contract, `Δs = −dₛ − H Δz`, documented there.
///
/// Cones work on their own slice of the flat vectors; every buffer passed in has the cone's
/// dimension.
protocol Cone: AnyObject {
    /// Number of entries of `s` the cone covers.
    var dimension: Int { get }
    /// Barrier degree ν (the number of entries of `e` counted by `sᵀz = ν μ` at the central path).
    var degree: Int { get }

    /// Sets `W = I` (used for the initial point).
    func setIdentityScaling()
    /// Computes `W` and `λ` from interior `s`, `z`; returns `false` when they are not interior.
    func updateScaling(s: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Bool

    /// The smallest "eigenvalue" of `v`: `v ∈ int K` iff it is positive (`+∞` for the zero cone).
    func minimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double
    /// Whether `v` is strictly inside the cone as ``updateScaling(s:z:)`` will judge it
    /// (always true for the zero cone, whose slack is fixed and whose dual is free).
    func isInterior(_ v: UnsafeBufferPointer<Double>) -> Bool
    /// The smallest "eigenvalue" of `v` against the dual cone `K*` (the same for self-dual cones;
    /// `+∞` for the zero cone, whose dual is free).
    func dualMinimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double
    /// Whether `v` is strictly inside `K*` as ``updateScaling(s:z:)`` will judge `z`.
    func isDualInterior(_ v: UnsafeBufferPointer<Double>) -> Bool
    /// `v ← v + α e`.
    func addIdentity(_ v: UnsafeMutableBufferPointer<Double>, scale alpha: Double)
    /// `v ← e` (zero for the zero cone).
    func setToIdentity(_ v: UnsafeMutableBufferPointer<Double>)

    /// `out ← λ ∘ λ`, the predictor target `t`.
    func affineTarget(_ out: UnsafeMutableBufferPointer<Double>)
    /// `t ← t + (W⁻¹Δsₐ)∘(WΔzₐ) − σμ e` (Mehrotra corrector and centering).
    func addCorrector(_ t: UnsafeMutableBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                      deltaZ: UnsafeBufferPointer<Double>, sigmaMu: Double)
    /// `ds ← Wᵀ(λ \ t)`.
    func slackOffset(target t: UnsafeBufferPointer<Double>, into ds: UnsafeMutableBufferPointer<Double>)

    /// `out ← H v` with `H = WᵀW` (zero for the zero cone).
    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>)
    /// `out ← H⁻¹ v`, with `1/δ` on the zero cone's rows (its regularization).
    func multiplyInverseHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                                equalityRegularization delta: Double)
    /// The block `H⁻¹` for the reduced Newton matrix; its diagonal is always written to `diagonal`.
    /// For the zero cone the diagonal is `1/δ` (its regularization).
    func inverseHessian(diagonal: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) -> ScalingBlock
    /// The block `H` for the full Newton matrix; its diagonal is always written to `diagonal`.
    func hessian(diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock
    /// Whether the cone's `H` and `H⁻¹` couple its rows (a full block); otherwise they are diagonal.
    var couplesRows: Bool { get }

    /// Largest `α ≤ αmax` keeping `s + αΔs ∈ K` and `z + αΔz ∈ K*`.
    func stepLength(s: UnsafeBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                    z: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, maxStep: Double) -> Double
}

extension Cone {
    /// Self-dual cones judge `z` as they judge `s`.
    func dualMinimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double { minimumEigenvalue(v) }
    func isDualInterior(_ v: UnsafeBufferPointer<Double>) -> Bool { isInterior(v) }
}

/// How a cone hands its `H` or `H⁻¹` block to the Newton-system solvers.
enum ScalingBlock {
    /// Diagonal: the entries are in the diagonal buffer.
    case diagonal
    /// The diagonal buffer plus the symmetric rank-one term `ρ u uᵀ` (second-order cones).
    case diagonalPlusRankOne(rho: Double, u: [Double])
    /// A full symmetric `k × k` column-major matrix, diagonal included (PSD cones).
    case dense([Double])
}
