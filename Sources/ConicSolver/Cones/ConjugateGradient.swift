import Foundation

/// The conjugate barrier's gradient in closed form (or by one scalar equation): for `s` in the
/// interior of the dual of the barrier's cone, the point `w` of the barrier's cone with
///
///     ∇F(w) = −s,
///
/// i.e. `w = −∇F°(s)` for the conjugate `F°` of `F`. The primal–dual scaling needs it every
/// iteration for every cone (there `F` is the closed-form barrier `F*` of `K*` and `s` the
/// slack); a damped 3-D Newton method with a 3 × 3 inverse and a membership test per iteration
/// (``ThreeDimensionalBarrier/conjugatePointByNewton(_:start:)``) took most of the solve time.
///
/// **Exponential cones.** Writing out `∇F(w) = −s` leaves one unknown, `ω > 1`, with
///
///     ω + log ω = 1 + ε,
///
/// the Wright ω function, where `ε > 0` is the slack's margin `ψ(s)/(±s₁)`: `ε = log(z/y) − x/y`
/// for `s = (x, y, z) ∈ K_exp` and `ε = 1 − v/u + log(−t/u)` for `s = (u, v, t) ∈ K*_exp`. With
/// `d = ω − 1` (solved for directly, so a point near the boundary, where `d ≈ ε/2`, keeps its
/// digits) the point is
///
///     K_exp:  w = (−1/(d y), (2d − 1 + x/y)/(d y), ω/(d z)),
///     K*_exp: w = ((2d − 1 + v/u)/(d u), −1/(d u), ω/(d t)).
///
/// **Power cones** (`α`, `β = 1 − α`, `φ(w) = (w₁/c₁)^{2α}(w₂/c₂)^{2β}` with `c = (α, β)` for
/// the dual power barrier and `c = (1, 1)` for the primal one). With `a = φ/(φ − w₃²) ≥ 1`,
///
///     w = ((2αa + β)/s₁, (2βa + α)/s₂, −s₃ φ(w)/(2a)),
///
/// and `a` solves the scalar equation `s₃² φ(w) = 4a(a − 1)`, in logarithms and in
/// `b = log(a − 1)`:
///
///     G(b) = log 4 + log a + b − 2α log(2αa + β) − 2β log(2βa + α) − k = 0,
///     k = 2 log|s₃| − 2α log(c₁s₁) − 2β log(c₂s₂).
///
/// `G` increases from −∞ to `−2α log α − 2β log β − k`, which is positive exactly when `s` is
/// interior; a safeguarded Newton method in `b` (bisection when a step leaves the bracket)
/// solves it from a start left of the root (the root of `G` with `a = 1` in the logarithms).
extension ThreeDimensionalBarrier {
    /// `w` with `∇F(w) = −s` (see the extension's comment), `nil` when `s` is not interior to
    /// the dual cone or the result is not finite.
    func conjugatePoint(_ s: SIMD3<Double>) -> SIMD3<Double>? {
        let w: SIMD3<Double>
        switch self {
        case .dualExponential:
            // s = (x, y, z) ∈ K_exp.
            let (x, y, z) = (s.x, s.y, s.z)
            guard y > 0, z > 0 else { return nil }
            let ratio = x / y
            let epsilon = log(z / y) - ratio
            guard epsilon > 0, let d = wrightOmegaMinusOne(epsilon) else { return nil }
            let dy = d * y
            w = SIMD3(-1 / dy, (2 * d - 1 + ratio) / dy, (1 + d) / (d * z))
        case .exponential:
            // s = (u, v, t) ∈ K*_exp.
            let (u, v, t) = (s.x, s.y, s.z)
            guard u < 0, t > 0 else { return nil }
            let ratio = v / u
            let epsilon = 1 - ratio + log(-t / u)
            guard epsilon > 0, let d = wrightOmegaMinusOne(epsilon) else { return nil }
            let du = d * u
            w = SIMD3((2 * d - 1 + ratio) / du, -1 / du, (1 + d) / (d * t))
        case let .power(alpha):
            guard let point = Self.powerConjugatePoint(s, alpha: alpha, scale: SIMD2(1, 1)) else { return nil }
            w = point
        case let .dualPower(alpha):
            guard let point = Self.powerConjugatePoint(s, alpha: alpha, scale: SIMD2(alpha, 1 - alpha)) else { return nil }
            w = point
        }
        guard w.x.isFinite, w.y.isFinite, w.z.isFinite else { return nil }
        return w
    }

    /// The power-cone case of ``conjugatePoint(_:)``, with `c = scale`.
    private static func powerConjugatePoint(_ s: SIMD3<Double>, alpha: Double, scale c: SIMD2<Double>) -> SIMD3<Double>? {
        let beta = 1 - alpha
        guard s.x > 0, s.y > 0, s.x.isFinite, s.y.isFinite, s.z.isFinite else { return nil }
        var a = 1.0
        if s.z != 0 {
            let k = 2 * log(abs(s.z)) - 2 * alpha * log(c.x * s.x) - 2 * beta * log(c.y * s.y)
            // G's limit for a → ∞, positive exactly for interior s.
            let limit = -2 * alpha * log(alpha) - 2 * beta * log(beta) - k
            guard limit > 0 else { return nil }
            func g(_ b: Double) -> (value: Double, slope: Double, a: Double) {
                let am1 = exp(b), a = 1 + am1
                let p = 2 * alpha * a + beta, q = 2 * beta * a + alpha
                let value = log(4) + log(a) + b - 2 * alpha * log(p) - 2 * beta * log(q) - k
                let slope = am1 * (1 / a - 4 * alpha * alpha / p - 4 * beta * beta / q) + 1
                return (value, slope, a)
            }
            // With a = 1 inside the logarithms G is b + const: its root lies left of G's.
            var b = k + 2 * alpha * log(1 + alpha) + 2 * beta * log(2 - alpha) - log(4)
            var low = -Double.infinity, high = Double.infinity
            var converged = false
            for _ in 0..<200 {
                let (value, slope, _) = g(b)
                guard value.isFinite else { return nil }
                if value == 0 { converged = true; break }
                if value < 0 { low = b } else { high = b }
                var next = b - value / slope
                if !(next > low && next < high) || !slope.isFinite || slope <= 0 {
                    // Leave the bracket only outwards on an open side; else bisect.
                    if high == .infinity { next = b + max(1, abs(b)) } else if low == -.infinity { next = b - max(1, abs(b)) } else { next = (low + high) / 2 }
                }
                if abs(next - b) <= 4 * Double.ulpOfOne * max(1, abs(b)) { b = next; converged = true; break }
                b = next
            }
            guard converged else { return nil }
            a = g(b).a
            guard a.isFinite else { return nil }
        }
        let w1 = (2 * alpha * a + beta) / s.x, w2 = (2 * beta * a + alpha) / s.y
        let phi = exp(2 * alpha * log(w1 / c.x) + 2 * beta * log(w2 / c.y))
        return SIMD3(w1, w2, -s.z * phi / (2 * a))
    }

    /// `w` with `∇F(w) = −s` by damped Newton on the strictly convex, self-concordant
    /// `F(w) + sᵀw` from `start` (the damped step `1/(1 + λ)` stays interior): the general
    /// method ``conjugatePoint(_:)`` replaces, kept as its reference. `nil` when it does not
    /// converge.
    func conjugatePointByNewton(_ s: SIMD3<Double>, start: SIMD3<Double>) -> SIMD3<Double>? {
        var w = start
        guard isInterior(w) else { return nil }
        for _ in 0..<200 {
            let (g, h) = derivatives(w)
            guard let inverse = h.positiveDefiniteInverse else { return nil }
            let step = -inverse.times(g + s)
            let decrement = (step * h.times(step)).sum().squareRoot()
            guard decrement.isFinite else { return nil }
            let t = decrement > 0.25 ? 1 / (1 + decrement) : 1
            let next = w + t * step
            guard isInterior(next) else { return nil }
            w = next
            if decrement < 1e-12 { return w }
        }
        return nil
    }
}

/// `d = ω − 1` for the Wright ω function at `1 + ε`: the root of `d + log(1 + d) = ε`, `ε > 0`
/// (so `d > 0`). Started from its series `ε/2 + ε²/16 − ε³/192` for small `ε` and from the
/// asymptote `ω ≈ ζ − log ζ + log ζ/ζ`, `ζ = 1 + ε`, otherwise, then Halley's method (cubic
/// convergence; two or three steps reach rounding). `nil` for `ε ≤ 0` or not finite.
func wrightOmegaMinusOne(_ epsilon: Double) -> Double? {
    guard epsilon > 0, epsilon.isFinite else { return nil }
    var d: Double
    if epsilon < 2 {
        d = epsilon * (0.5 + epsilon * (1.0 / 16 - epsilon / 192))
    } else {
        let zeta = 1 + epsilon, l = log(zeta)
        d = zeta - l + l / zeta - 1
    }
    for _ in 0..<12 {
        let f = d + log1p(d) - epsilon
        let onePlus = 1 + d
        let slope = (2 + d) / onePlus, curvature = -1 / (onePlus * onePlus)
        let step = 2 * f * slope / (2 * slope * slope - f * curvature)
        var next = d - step
        if !(next > 0) { next = d / 2 }  // keep d > 0 (a poor start far from the root)
        if abs(next - d) <= 2 * Double.ulpOfOne * next { return next }
        d = next
    }
    return d
}
