import Foundation

/// A symmetric 3 × 3 matrix, stored by columns (the Hessian blocks of the 3-D cones).
struct Matrix3: Equatable {
    var c0: SIMD3<Double>, c1: SIMD3<Double>, c2: SIMD3<Double>

    static let identity = Matrix3(c0: [1, 0, 0], c1: [0, 1, 0], c2: [0, 0, 1])
    static let zero = Matrix3(c0: .zero, c1: .zero, c2: .zero)

    /// `a bᵀ`.
    static func outer(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Matrix3 {
        Matrix3(c0: a * b.x, c1: a * b.y, c2: a * b.z)
    }

    /// `diag(d)`.
    static func diagonal(_ d: SIMD3<Double>) -> Matrix3 {
        Matrix3(c0: SIMD3<Double>(d.x, 0, 0), c1: SIMD3<Double>(0, d.y, 0), c2: SIMD3<Double>(0, 0, d.z))
    }

    static func + (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(c0: a.c0 + b.c0, c1: a.c1 + b.c1, c2: a.c2 + b.c2) }
    static func - (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(c0: a.c0 - b.c0, c1: a.c1 - b.c1, c2: a.c2 - b.c2) }
    static func * (s: Double, a: Matrix3) -> Matrix3 { Matrix3(c0: s * a.c0, c1: s * a.c1, c2: s * a.c2) }

    /// `M v`.
    func times(_ v: SIMD3<Double>) -> SIMD3<Double> { c0 * v.x + c1 * v.y + c2 * v.z }

    subscript(row: Int, column: Int) -> Double {
        switch column {
        case 0: return c0[row]
        case 1: return c1[row]
        default: return c2[row]
        }
    }

    var determinant: Double {
        c0.x * (c1.y * c2.z - c2.y * c1.z) - c1.x * (c0.y * c2.z - c2.y * c0.z) + c2.x * (c0.y * c1.z - c1.y * c0.z)
    }

    /// The inverse of a symmetric positive definite matrix by its Cholesky factor `LLᵀ`, `nil`
    /// when a pivot is not positive (the matrix is not numerically positive definite).
    var positiveDefiniteInverse: Matrix3? {
        let d0 = c0.x
        guard d0 > 0, d0.isFinite else { return nil }
        let l00 = d0.squareRoot(), l10 = c0.y / l00, l20 = c0.z / l00
        let d1 = c1.y - l10 * l10
        guard d1 > 0 else { return nil }
        let l11 = d1.squareRoot(), l21 = (c1.z - l20 * l10) / l11
        let d2 = c2.z - l20 * l20 - l21 * l21
        guard d2 > 0, d2.isFinite else { return nil }
        let l22 = d2.squareRoot()
        // L⁻¹ (lower triangular), then M⁻¹ = L⁻ᵀL⁻¹.
        let i00 = 1 / l00, i11 = 1 / l11, i22 = 1 / l22
        let i10 = -l10 * i00 * i11
        let i21 = -l21 * i11 * i22
        let i20 = -(l20 * i00 + l21 * i10) * i22
        let r0 = SIMD3(i00, i10, i20), r1 = SIMD3(0, i11, i21), r2 = SIMD3(0, 0, i22)
        // Columns of L⁻¹ are r0, r1, r2; (L⁻ᵀL⁻¹)ᵢⱼ = rᵢ · rⱼ.
        let a01 = dot3(r0, r1), a02 = dot3(r0, r2), a12 = dot3(r1, r2)
        return Matrix3(c0: SIMD3<Double>(dot3(r0, r0), a01, a02), c1: SIMD3<Double>(a01, dot3(r1, r1), a12), c2: SIMD3<Double>(a02, a12, dot3(r2, r2)))
    }

    /// ``positiveDefiniteInverse`` of `M + δI` for the smallest of `δ = 0, 10⁻¹⁴, 10⁻¹²,
    /// 10⁻¹⁰ × trace` that succeeds, with the matrix actually inverted: near a cone's boundary
    /// the Hessian's condition number reaches `1/ε`, and rounding in its assembly can make it
    /// indefinite in the last digits.
    var regularizedInverse: (matrix: Matrix3, inverse: Matrix3)? {
        let trace = c0.x + c1.y + c2.z
        guard trace > 0, trace.isFinite else { return nil }
        for shift in [0, 1e-14, 1e-12, 1e-10] {
            let shifted = self + Matrix3.diagonal(SIMD3(repeating: shift * trace))
            if let inverse = shifted.positiveDefiniteInverse { return (shifted, inverse) }
        }
        return nil
    }

    /// The eigendecomposition `M = Q diag(λ) Qᵀ` of a symmetric matrix by cyclic Jacobi
    /// rotations (accurate for the small eigenvalues of the graded Hessians near a boundary);
    /// `Q` has the eigenvectors as columns.
    var symmetricEigen: (values: SIMD3<Double>, vectors: Matrix3) {
        // Row-major a (entries 0–8) and q (9–17) in one stack buffer: this runs for every cone
        // in every iteration.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 18) { w in
            let entries = (c0.x, c1.x, c2.x, c0.y, c1.y, c2.y, c0.z, c1.z, c2.z)
            w[0] = entries.0; w[1] = entries.1; w[2] = entries.2
            w[3] = entries.3; w[4] = entries.4; w[5] = entries.5
            w[6] = entries.6; w[7] = entries.7; w[8] = entries.8
            for k in 9..<18 { w[k] = 0 }
            w[9] = 1; w[13] = 1; w[17] = 1
            @inline(__always) func a(_ i: Int, _ j: Int) -> Double { w[3 * i + j] }
            for _ in 0..<30 {
                let off = a(0, 1) * a(0, 1) + a(0, 2) * a(0, 2) + a(1, 2) * a(1, 2)
                let diagonal = a(0, 0) * a(0, 0) + a(1, 1) * a(1, 1) + a(2, 2) * a(2, 2)
                if off <= 1e-36 * diagonal || off == 0 { break }
                for pair in 0..<3 {
                    let p = pair == 2 ? 1 : 0, r = pair == 0 ? 1 : 2
                    guard a(p, r) != 0 else { continue }
                    let theta = (a(r, r) - a(p, p)) / (2 * a(p, r))
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), sn = t * c
                    for k in 0..<3 {
                        let akp = w[3 * k + p], akr = w[3 * k + r]
                        w[3 * k + p] = c * akp - sn * akr; w[3 * k + r] = sn * akp + c * akr
                    }
                    for k in 0..<3 {
                        let apk = w[3 * p + k], ark = w[3 * r + k]
                        w[3 * p + k] = c * apk - sn * ark; w[3 * r + k] = sn * apk + c * ark
                    }
                    for k in 0..<3 {
                        let qkp = w[9 + 3 * k + p], qkr = w[9 + 3 * k + r]
                        w[9 + 3 * k + p] = c * qkp - sn * qkr; w[9 + 3 * k + r] = sn * qkp + c * qkr
                    }
                }
            }
            return (SIMD3(w[0], w[4], w[8]),
                    Matrix3(c0: SIMD3(w[9], w[12], w[15]), c1: SIMD3(w[10], w[13], w[16]), c2: SIMD3(w[11], w[14], w[17])))
        }
    }

    /// `Mᵀ v`.
    func transposeTimes(_ v: SIMD3<Double>) -> SIMD3<Double> { SIMD3(dot3(c0, v), dot3(c1, v), dot3(c2, v)) }

    /// `(M + Mᵀ)/2`.
    var symmetrized: Matrix3 {
        let a01 = (c1.x + c0.y) / 2, a02 = (c2.x + c0.z) / 2, a12 = (c2.y + c1.z) / 2
        return Matrix3(c0: SIMD3<Double>(c0.x, a01, a02), c1: SIMD3<Double>(a01, c1.y, a12), c2: SIMD3<Double>(a02, a12, c2.z))
    }

    /// The entries column by column.
    var columnMajor: [Double] { [c0.x, c0.y, c0.z, c1.x, c1.y, c1.z, c2.x, c2.y, c2.z] }
}

@inline(__always) private func dot3(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

/// A logarithmically homogeneous self-concordant barrier of one of the 3-D cones (ν = 3), in the
/// common form
///
///     F(v) = −log ψ(v) − Σᵢ cᵢ log(σᵢ vᵢ),      Σᵢ cᵢ = 2, σᵢ = ±1,
///
/// with its derivatives up to the third:
///
///     ∇F = −∇ψ/ψ − c/v,
///     ∇²F = ∇ψ∇ψᵀ/ψ² − ∇²ψ/ψ + diag(c/v²),
///     ∇³F[a, b] = −∇³ψ[a, b]/ψ + (∇²ψ[a, b]∇ψ + (∇ψᵀb)∇²ψ a + (∇ψᵀa)∇²ψ b)/ψ²
///                 − 2(∇ψᵀa)(∇ψᵀb)∇ψ/ψ³ − 2 c∘a∘b/v³.
///
/// The cone's interior is where every `σᵢvᵢ` with `cᵢ > 0` and `ψ(v)` are positive.
///
/// | kind | cone | `ψ` | `c`, `σ` |
/// |---|---|---|---|
/// | exponential | `K_exp ∋ (x, y, z)` | `y log(z/y) − x` | `(0, 1, 1)`, `+` |
/// | dual exponential | `K*_exp ∋ (u, v, w)` | `v − u − u log(−w/u)` | `(1, 0, 1)`, `(−, +, +)` |
/// | power `α` | `K_α ∋ (x, y, z)` | `x^{2α} y^{2(1−α)} − z²` | `(1 − α, α, 0)`, `+` |
/// | dual power `α` | `K*_α ∋ (u, v, w)` | `(u/α)^{2α} (v/(1−α))^{2(1−α)} − w²` | `(1 − α, α, 0)`, `+` |
enum ThreeDimensionalBarrier: Equatable {
    case exponential, dualExponential, power(Double), dualPower(Double)

    /// The barrier of the dual cone.
    var dual: ThreeDimensionalBarrier {
        switch self {
        case .exponential: return .dualExponential
        case .dualExponential: return .exponential
        case let .power(alpha): return .dualPower(alpha)
        case let .dualPower(alpha): return .power(alpha)
        }
    }

    var weights: SIMD3<Double> {
        switch self {
        case .exponential: return SIMD3<Double>(0, 1, 1)
        case .dualExponential: return SIMD3<Double>(1, 0, 1)
        case let .power(alpha), let .dualPower(alpha): return SIMD3<Double>(1 - alpha, alpha, 0)
        }
    }

    var signs: SIMD3<Double> {
        switch self {
        case .dualExponential: return SIMD3<Double>(-1, 1, 1)
        default: return SIMD3<Double>(1, 1, 1)
        }
    }

    /// A point of the interior, to start Newton's method from.
    var interiorPoint: SIMD3<Double> {
        switch self {
        case .exponential, .dualExponential: return SIMD3<Double>(-1, 1, 1)
        case .power, .dualPower: return SIMD3<Double>(1, 1, 0)
        }
    }

    /// Whether the logarithms' arguments are positive (then `ψ` can be evaluated).
    private func logArgumentsPositive(_ v: SIMD3<Double>) -> Bool {
        let w = weights, s = signs
        for i in 0..<3 where w[i] > 0 { guard s[i] * v[i] > 0, v[i].isFinite else { return false } }
        return v.x.isFinite && v.y.isFinite && v.z.isFinite
    }

    /// For the power cones: `ℓ = 2α log(x/a) + 2(1−α) log(y/b)` (`a = b = 1` for the primal cone,
    /// `a = α`, `b = 1 − α` for the dual), `φ = e^ℓ` and `ℓ`'s gradient and Hessian diagonal.
    private func powerTerms(_ v: SIMD3<Double>, _ alpha: Double, dual: Bool)
        -> (phi: Double, gradient: SIMD3<Double>, hessian: SIMD3<Double>) {
        let beta = 1 - alpha
        let a = dual ? alpha : 1, b = dual ? beta : 1
        let ell = 2 * alpha * log(v.x / a) + 2 * beta * log(v.y / b)
        return (exp(ell), SIMD3<Double>(2 * alpha / v.x, 2 * beta / v.y, 0), SIMD3<Double>(-2 * alpha / (v.x * v.x), -2 * beta / (v.y * v.y), 0))
    }

    /// `ψ(v)`; only meaningful where ``logArgumentsPositive(_:)``.
    private func psi(_ v: SIMD3<Double>) -> Double {
        switch self {
        case .exponential: return v.y * log(v.z / v.y) - v.x
        case .dualExponential: return v.y - v.x - v.x * log(-v.z / v.x)
        case let .power(alpha): return powerTerms(v, alpha, dual: false).phi - v.z * v.z
        case let .dualPower(alpha): return powerTerms(v, alpha, dual: true).phi - v.z * v.z
        }
    }

    private func psiGradient(_ v: SIMD3<Double>) -> SIMD3<Double> {
        switch self {
        case .exponential: return SIMD3<Double>(-1, log(v.z / v.y) - 1, v.y / v.z)
        case .dualExponential: return SIMD3<Double>(log(-v.x / v.z), 1, -v.x / v.z)
        case let .power(alpha), let .dualPower(alpha):
            let t = powerTerms(v, alpha, dual: self != .power(alpha))
            return t.phi * t.gradient - SIMD3(0, 0, 2 * v.z)
        }
    }

    private func psiHessian(_ v: SIMD3<Double>) -> Matrix3 {
        switch self {
        case .exponential:
            let yz = 1 / v.z
            return Matrix3(c0: .zero, c1: SIMD3<Double>(0, -1 / v.y, yz), c2: SIMD3<Double>(0, yz, -v.y / (v.z * v.z)))
        case .dualExponential:
            let uw = -1 / v.z
            return Matrix3(c0: SIMD3<Double>(1 / v.x, 0, uw), c1: .zero, c2: SIMD3<Double>(uw, 0, v.x / (v.z * v.z)))
        case let .power(alpha), let .dualPower(alpha):
            let t = powerTerms(v, alpha, dual: self != .power(alpha))
            return t.phi * (Matrix3.outer(t.gradient, t.gradient) + Matrix3.diagonal(t.hessian))
                - Matrix3.diagonal(SIMD3<Double>(0, 0, 2))
        }
    }

    /// `∇³ψ[a, b]`.
    private func psiThird(_ v: SIMD3<Double>, _ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
        switch self {
        case .exponential:
            // ψ_yyy = 1/y², ψ_yzz = −1/z², ψ_zzz = 2y/z³.
            let y = v.y, z = v.z
            let pyyy = 1 / (y * y), pyzz = -1 / (z * z), pzzz = 2 * y / (z * z * z)
            return SIMD3<Double>(0, pyyy * a.y * b.y + pyzz * a.z * b.z, pyzz * (a.y * b.z + a.z * b.y) + pzzz * a.z * b.z)
        case .dualExponential:
            // ψ_uuu = −1/u², ψ_uww = 1/w², ψ_www = −2u/w³.
            let u = v.x, w = v.z
            let puuu = -1 / (u * u), puww = 1 / (w * w), pwww = -2 * u / (w * w * w)
            return SIMD3<Double>(puuu * a.x * b.x + puww * a.z * b.z, 0, puww * (a.x * b.z + a.z * b.x) + pwww * a.z * b.z)
        case let .power(alpha), let .dualPower(alpha):
            // φ = e^ℓ: ∇³φ[a, b] = φ[(gᵀa)(gᵀb)g + (aᵀDb)g + (gᵀa)Db + (gᵀb)Da + ∇³ℓ[a, b]],
            // g = ∇ℓ, D = ∇²ℓ (diagonal), ∇³ℓ[a, b] = (4α a₀b₀/x³, 4(1−α) a₁b₁/y³, 0).
            let t = powerTerms(v, alpha, dual: self != .power(alpha))
            let g = t.gradient, d = t.hessian
            let ga = dot3(g, a), gb = dot3(g, b), aDb = dot3(a * d, b)
            let third = SIMD3(4 * alpha * a.x * b.x / (v.x * v.x * v.x), 4 * (1 - alpha) * a.y * b.y / (v.y * v.y * v.y), 0)
            return t.phi * ((ga * gb + aDb) * g + ga * (d * b) + gb * (d * a) + third)
        }
    }

    /// Whether `v` is in the interior of the cone.
    func isInterior(_ v: SIMD3<Double>) -> Bool {
        guard logArgumentsPositive(v) else { return false }
        let p = psi(v)
        return p > 0 && p.isFinite
    }

    /// `F(v)`, `+∞` outside the interior.
    func value(_ v: SIMD3<Double>) -> Double {
        guard isInterior(v) else { return .infinity }
        let w = weights, s = signs
        var f = -log(psi(v))
        for i in 0..<3 where w[i] > 0 { f -= w[i] * log(s[i] * v[i]) }
        return f
    }

    /// `cᵢ / vᵢᵏ`, zero where `cᵢ = 0` (that `vᵢ` has no logarithm and may be zero).
    private func weighted(_ v: SIMD3<Double>, power k: Int) -> SIMD3<Double> {
        let w = weights
        var out = SIMD3<Double>.zero
        for i in 0..<3 where w[i] > 0 {
            var d = v[i]
            for _ in 1..<k { d *= v[i] }
            out[i] = w[i] / d
        }
        return out
    }

    /// `∇F(v)` and `∇²F(v)` at an interior `v`.
    func derivatives(_ v: SIMD3<Double>) -> (gradient: SIMD3<Double>, hessian: Matrix3) {
        let p = psi(v), dp = psiGradient(v), hp = psiHessian(v)
        let gradient = -dp / p - weighted(v, power: 1)
        let hessian = (1 / (p * p)) * Matrix3.outer(dp, dp) - (1 / p) * hp + Matrix3.diagonal(weighted(v, power: 2))
        return (gradient, hessian.symmetrized)
    }

    /// `∇³F(v)[a, b]` at an interior `v`.
    func thirdDerivative(_ v: SIMD3<Double>, _ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
        let p = psi(v), dp = psiGradient(v), hp = psiHessian(v)
        let da = dot3(dp, a), db = dot3(dp, b), hab = dot3(a, hp.times(b))
        var out = -psiThird(v, a, b) / p
        out += (hab * dp + db * hp.times(a) + da * hp.times(b)) / (p * p)
        out -= 2 * da * db * dp / (p * p * p)
        out -= 2 * weighted(v, power: 3) * a * b
        return out
    }
}

/// The exponential and power cones (and their duals): 3-D cones that are not self-scaled, so
/// Nesterov–Todd scaling does not exist for them. This implements the primal–dual scaling of
/// Dahl & Andersen (2022, after Tunçel) with their third-order corrector.
///
/// `F*` is the closed-form barrier of the dual cone `K*` (``ThreeDimensionalBarrier``) and `F`
/// its conjugate, a barrier of `K`, whose gradient `∇F(s) = −z̃` solves `∇F*(z̃) = −s` (in
/// closed form through the Wright ω function for the exponential cones and by one scalar
/// equation for the power cones: ``ThreeDimensionalBarrier/conjugatePoint(_:)``). With `s̃ = −∇F*(z)`, `μ = sᵀz/3`, `μ̃ = s̃ᵀz̃/3`
/// (`μμ̃ ≥ 1`, with equality on the central path), the scaling is the BFGS-type update of
/// `H₀ = μ∇²F*(z)` that maps both `z ↦ s` and `z̃ ↦ s̃`:
///
///     H = H₀ + S (YᵀS)⁻¹ Sᵀ − H₀Y (YᵀH₀Y)⁻¹ YᵀH₀,      Y = [z z̃],  S = [s s̃],
///
/// which is symmetric positive definite when `μμ̃ > 1`; near the central path (where the update
/// is ill-defined) `H = H₀` (the dual scaling, also selectable throughout:
/// ``NonsymmetricScaling``). The solver moves every cone to the dual scaling for the rest of a
/// solve after a combined step shorter than 0.1 (``useDualScaling()``), as Clarabel does.
/// In the ``Cone`` contract: the predictor's `dₛ = s`, and the corrector's
///
///     dₛ = s + σμ∇F*(z) − η,      η = ½ ∇³F*(z)[Δzₐ, ∇²F*(z)⁻¹Δsₐ],
///
/// the second-order term of `s + σμ∇F*(z + Δz)` along the predictor direction. The unit point
/// `e` (``setToIdentity(_:)``) is the one with `e = −∇F*(e)`, central with `μ = 1`.
final class NonsymmetricCone: Cone {
    /// The barrier of `K*` (its dual, of `K`, is used for the neighborhood measure).
    let dualBarrier: ThreeDimensionalBarrier
    let primalBarrier: ThreeDimensionalBarrier
    var dimension: Int { 3 }
    var degree: Int { 3 }
    var couplesRows: Bool { true }
    /// The central unit point `e = −∇F*(e)`.
    let unit: SIMD3<Double>
    /// `F(e) + F*(e) + 3`, the neighborhood measure at the unit point.
    private let centralProximity: Double

    private var s = SIMD3<Double>.zero, z = SIMD3<Double>.zero
    /// `∇F*(z)` and `∇²F*(z)⁻¹` at the last scaling point.
    private var dualGradient = SIMD3<Double>.zero
    private var dualHessianInverse = Matrix3.identity
    /// The scaling `H = Q diag(ω) Qᵀ` and its inverse `Q diag(1/ω) Qᵀ`, both applied in `Q`'s
    /// coordinates so that they are inverses to rounding whatever `H`'s condition number (it
    /// grows like `1/μ²`; refinement measures with `H` what the reduced form solved with `H⁻¹`).
    private(set) var scaling = Matrix3.identity
    private(set) var scalingInverse = Matrix3.identity
    private var eigenvectors = Matrix3.identity
    private var omega = SIMD3<Double>(repeating: 1)
    /// `z̃ = −∇F(s)` of the last update, the next update's starting point.
    private(set) var conjugatePoint: SIMD3<Double>?
    /// Whether ``updateScaling(s:z:)`` tries the primal–dual scaling (else `H = μ∇²F*(z)`);
    /// cleared for the rest of a solve by ``useDualScaling()``.
    private(set) var primalDualScaling: Bool
    /// Whether the last update used the primal–dual scaling (else the dual scaling `μ∇²F*(z)`).
    private(set) var usedPrimalDualScaling = false

    /// The cone `K` whose dual has the barrier `dualBarrier`.
    init(dualBarrier: ThreeDimensionalBarrier, primalDualScaling: Bool = true) {
        self.dualBarrier = dualBarrier
        self.primalDualScaling = primalDualScaling
        primalBarrier = dualBarrier.dual
        unit = Self.centralPoint(dualBarrier)
        centralProximity = primalBarrier.value(unit) + dualBarrier.value(unit) + 3
    }

    /// Solves `e = −∇F*(e)`: the minimizer of `F*(w) + ½‖w‖²`, by damped Newton.
    private static func centralPoint(_ barrier: ThreeDimensionalBarrier) -> SIMD3<Double> {
        var w = barrier.interiorPoint
        for _ in 0..<100 {
            let (g, h) = barrier.derivatives(w)
            guard let inverse = (h + Matrix3.identity).positiveDefiniteInverse else { break }
            let step = -inverse.times(g + w)
            let decrement = dot3(step, (h + Matrix3.identity).times(step)).squareRoot()
            var t = decrement > 0.25 ? 1 / (1 + decrement) : 1
            while !barrier.isInterior(w + t * step) && t > 1e-12 { t /= 2 }
            w += t * step
            if decrement < 1e-13 { break }
        }
        return w
    }

    /// `z̃ = −∇F(s)`, the `w` with `∇F*(w) = −s`: in closed form (``ThreeDimensionalBarrier/
    /// conjugatePoint(_:)``), by damped Newton from the last update's point when rounding
    /// defeats it. `nil` when neither gives an interior point.
    private func conjugateGradient(_ s: SIMD3<Double>) -> SIMD3<Double>? {
        if let w = dualBarrier.conjugatePoint(s), dualBarrier.isInterior(w) { return w }
        let se = dot3(s, unit)
        guard se > 0 else { return nil }
        let start = conjugatePoint.flatMap { dualBarrier.isInterior($0) ? $0 : nil } ?? (3 / se) * unit
        return dualBarrier.conjugatePointByNewton(s, start: start)
    }

    /// Uses the dual scaling `H = μ∇²F*(z)` from the next update on.
    func useDualScaling() {
        primalDualScaling = false
        conjugatePoint = nil
    }

    @inline(__always) private func load(_ v: UnsafeBufferPointer<Double>) -> SIMD3<Double> { SIMD3(v[0], v[1], v[2]) }
    @inline(__always) private func store(_ v: SIMD3<Double>, _ out: UnsafeMutableBufferPointer<Double>) {
        out[0] = v.x; out[1] = v.y; out[2] = v.z
    }

    func setIdentityScaling() {
        scaling = .identity; scalingInverse = .identity
        eigenvectors = .identity; omega = SIMD3(repeating: 1)
        usedPrimalDualScaling = false
    }

    func updateScaling(s sBuffer: UnsafeBufferPointer<Double>, z zBuffer: UnsafeBufferPointer<Double>) -> Bool {
        let s = load(sBuffer), z = load(zBuffer)
        guard primalBarrier.isInterior(s), dualBarrier.isInterior(z) else { return false }
        self.s = s; self.z = z
        let (g, hd) = dualBarrier.derivatives(z)
        guard let hdInverse = hd.regularizedInverse?.inverse else { return false }
        dualGradient = g; dualHessianInverse = hdInverse
        let mu = dot3(s, z) / 3
        let h0 = mu * hd
        usedPrimalDualScaling = false
        var h = h0
        if primalDualScaling, let zt = conjugateGradient(s) {
            conjugatePoint = zt
            let st = -g
            let muTilde = dot3(st, zt) / 3
            // YᵀS = [zᵀs, zᵀs̃; z̃ᵀs, z̃ᵀs̃] (off-diagonal 3 in exact arithmetic), YᵀH₀Y likewise.
            let off = (dot3(z, st) + dot3(zt, s)) / 2
            let m11 = dot3(z, s), m22 = dot3(zt, st)
            let detS = m11 * m22 - off * off
            let h0z = h0.times(z), h0zt = h0.times(zt)
            let n11 = dot3(z, h0z), n12 = (dot3(z, h0zt) + dot3(zt, h0z)) / 2, n22 = dot3(zt, h0zt)
            let detH = n11 * n22 - n12 * n12
            if mu * muTilde - 1 > Self.centralTolerance, detS > Self.centralTolerance * m11 * m22,
               detH > Self.centralTolerance * n11 * n22 {
                // S (YᵀS)⁻¹ Sᵀ and H₀Y (YᵀH₀Y)⁻¹ YᵀH₀ through the 2 × 2 inverses.
                func rankTwo(_ a: SIMD3<Double>, _ b: SIMD3<Double>, _ p11: Double, _ p12: Double, _ p22: Double, _ det: Double) -> Matrix3 {
                    let i11 = p22 / det, i12 = -p12 / det, i22 = p11 / det
                    return i11 * Matrix3.outer(a, a) + i12 * (Matrix3.outer(a, b) + Matrix3.outer(b, a)) + i22 * Matrix3.outer(b, b)
                }
                let candidate = (h0 + rankTwo(s, st, m11, off, m22, detS) - rankTwo(h0z, h0zt, n11, n12, n22, detH)).symmetrized
                if candidate.regularizedInverse != nil {
                    h = candidate
                    usedPrimalDualScaling = true
                }
            }
        } else {
            conjugatePoint = nil
        }
        guard let (matrix, _) = h.regularizedInverse else { return false }
        let (values, vectors) = matrix.symmetricEigen
        let largest = values.max()
        guard largest > 0, largest.isFinite else { return false }
        // Eigenvalues below rounding of the largest are rounding themselves: floor them there.
        omega = SIMD3(max(values.x, 1e-15 * largest), max(values.y, 1e-15 * largest), max(values.z, 1e-15 * largest))
        eigenvectors = vectors
        scaling = Self.compose(vectors, omega)
        scalingInverse = Self.compose(vectors, 1 / omega)
        return true
    }

    /// `Q diag(d) Qᵀ`.
    private static func compose(_ q: Matrix3, _ d: SIMD3<Double>) -> Matrix3 {
        (d.x * Matrix3.outer(q.c0, q.c0) + d.y * Matrix3.outer(q.c1, q.c1) + d.z * Matrix3.outer(q.c2, q.c2)).symmetrized
    }

    /// Below this `μμ̃ − 1` (and relative determinants) the primal–dual update is ill-defined and
    /// the dual scaling is used: √ε, as near the central path the two coincide to that order.
    static let centralTolerance = Double.ulpOfOne.squareRoot()

    /// The largest `t` with `v − t e ∈ K` (or `K*`), by bisection: `≥ 0` exactly on the cone.
    private func margin(_ v: SIMD3<Double>, barrier: ThreeDimensionalBarrier) -> Double {
        let scale = max(abs(v.x), abs(v.y), abs(v.z))
        guard scale > 0, scale.isFinite else { return scale == 0 ? 0 : -.infinity }
        var low = -scale, high = scale
        var expansions = 0
        while !barrier.isInterior(v - low * unit) && expansions < 60 { low *= 2; expansions += 1 }
        guard barrier.isInterior(v - low * unit) else { return -.infinity }
        expansions = 0
        while barrier.isInterior(v - high * unit) && expansions < 60 { high *= 2; expansions += 1 }
        for _ in 0..<80 {
            let mid = (low + high) / 2
            if barrier.isInterior(v - mid * unit) { low = mid } else { high = mid }
            if high - low <= 1e-15 * scale { break }
        }
        return low
    }

    func minimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double { margin(load(v), barrier: primalBarrier) }
    func dualMinimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double { margin(load(v), barrier: dualBarrier) }
    func isInterior(_ v: UnsafeBufferPointer<Double>) -> Bool { primalBarrier.isInterior(load(v)) }
    func isDualInterior(_ v: UnsafeBufferPointer<Double>) -> Bool { dualBarrier.isInterior(load(v)) }

    func addIdentity(_ v: UnsafeMutableBufferPointer<Double>, scale alpha: Double) {
        store(load(UnsafeBufferPointer(v)) + alpha * unit, v)
    }

    func setToIdentity(_ v: UnsafeMutableBufferPointer<Double>) { store(unit, v) }

    func affineTarget(_ out: UnsafeMutableBufferPointer<Double>) { store(s, out) }

    func addCorrector(_ t: UnsafeMutableBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                      deltaZ: UnsafeBufferPointer<Double>, sigmaMu: Double) {
        let eta = 0.5 * dualBarrier.thirdDerivative(z, load(deltaZ), dualHessianInverse.times(load(deltaS)))
        var correction = sigmaMu * dualGradient
        if eta.x.isFinite && eta.y.isFinite && eta.z.isFinite { correction -= eta }
        store(load(UnsafeBufferPointer(t)) + correction, t)
    }

    func slackOffset(target t: UnsafeBufferPointer<Double>, into ds: UnsafeMutableBufferPointer<Double>) {
        ds[0] = t[0]; ds[1] = t[1]; ds[2] = t[2]
    }

    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        store(eigenvectors.times(omega * eigenvectors.transposeTimes(load(v))), out)
    }

    func multiplyInverseHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                                equalityRegularization delta: Double) {
        store(eigenvectors.times(eigenvectors.transposeTimes(load(v)) / omega), out)
    }

    func inverseHessian(diagonal: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) -> ScalingBlock {
        store(SIMD3<Double>(scalingInverse.c0.x, scalingInverse.c1.y, scalingInverse.c2.z), diagonal)
        return .dense(scalingInverse.columnMajor)
    }

    func hessian(diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock {
        store(SIMD3<Double>(scaling.c0.x, scaling.c1.y, scaling.c2.z), diagonal)
        return .dense(scaling.columnMajor)
    }

    /// Largest `α ≤ αmax` with `s + αΔs ∈ int K` and `z + αΔz ∈ int K*`: `αmax` when it is
    /// interior, else by bisection on the interval's boundary point.
    func stepLength(s sBuffer: UnsafeBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                    z zBuffer: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, maxStep: Double) -> Double {
        let s = load(sBuffer), ds = load(deltaS), z = load(zBuffer), dz = load(deltaZ)
        func interior(_ alpha: Double) -> Bool {
            primalBarrier.isInterior(s + alpha * ds) && dualBarrier.isInterior(z + alpha * dz)
        }
        if interior(maxStep) { return maxStep }
        var low = 0.0, high = maxStep
        for _ in 0..<50 {
            let mid = (low + high) / 2
            if interior(mid) { low = mid } else { high = mid }
            if high - low <= 1e-10 * maxStep { break }
        }
        return low
    }

    /// `F(s) + F*(z) + 3 log μ + 3`, less its value at the unit point: 0 there, growing without
    /// bound as `(s, z)` leaves the central path or `sᵀz/3` falls behind `μ` (the barrier's
    /// neighborhood measure, with the product's `μ`).
    func proximity(s sBuffer: UnsafeBufferPointer<Double>, z zBuffer: UnsafeBufferPointer<Double>, mu: Double) -> Double {
        primalBarrier.value(load(sBuffer)) + dualBarrier.value(load(zBuffer)) + 3 * log(mu) + 3 - centralProximity
    }
}
