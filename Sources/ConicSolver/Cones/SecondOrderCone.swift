/// The second-order cone `{(t, x) : ‖x‖₂ ≤ t}` of dimension `n ≥ 2`.
///
/// Jordan product `u∘v = (uᵀv, u₀v₁ + v₀u₁)`, identity `e = (1, 0)`, `J = diag(1, −1, …, −1)`.
/// Nesterov–Todd scaling: with `s̄ = s/√(sᵀJs)`, `z̄ = z/√(zᵀJz)`, `γ = √((1 + s̄ᵀz̄)/2)`,
/// `w̄ = (s̄ + Jz̄)/(2γ)` (so `w̄ᵀJw̄ = 1`) and `η = (sᵀJs / zᵀJz)^¼`,
///
///     W = η [w̄₀  w̄₁ᵀ; w̄₁  I + w̄₁w̄₁ᵀ/(1 + w̄₀)],   W⁻¹ = η⁻² J W J,
///     H = W² = η²(2w̄w̄ᵀ − J),                       H⁻¹ = η⁻²(2(Jw̄)(Jw̄)ᵀ − J).
final class SecondOrderCone: Cone {
    let dimension: Int
    var degree: Int { 1 }
    var couplesRows: Bool { true }
    private var wBar: [Double]
    private var eta = 1.0
    private var lambda: [Double]
    private var scratch1: [Double]
    private var scratch2: [Double]

    init(dimension: Int) {
        precondition(dimension >= 2, "second-order cones of dimension 1 are handled as nonnegative cones")
        self.dimension = dimension
        wBar = [Double](repeating: 0, count: dimension); wBar[0] = 1
        lambda = wBar
        scratch1 = wBar
        scratch2 = wBar
    }

    /// `tᵀJt`, computed as `(t₀ − ‖t₁‖)(t₀ + ‖t₁‖)` to limit cancellation.
    private static func jNorm(_ v: UnsafeBufferPointer<Double>) -> Double {
        let tail = tailNorm(v)
        return (v[0] - tail) * (v[0] + tail)
    }

    private static func tailNorm(_ v: UnsafeBufferPointer<Double>) -> Double {
        var sum = 0.0
        for i in 1..<v.count { sum += v[i] * v[i] }
        return sum.squareRoot()
    }

    func setIdentityScaling() {
        eta = 1
        for i in 0..<dimension { wBar[i] = i == 0 ? 1 : 0; lambda[i] = wBar[i] }
    }

    func updateScaling(s: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Bool {
        let sJs = Self.jNorm(s), zJz = Self.jNorm(z)
        guard s[0] > 0, z[0] > 0, sJs > 0, zJz > 0 else { return false }
        let sScale = 1 / sJs.squareRoot(), zScale = 1 / zJz.squareRoot()
        var dot = 0.0
        for i in 0..<dimension { dot += s[i] * z[i] }
        dot *= sScale * zScale
        let gamma = ((1 + dot) / 2).squareRoot()
        wBar[0] = (s[0] * sScale + z[0] * zScale) / (2 * gamma)
        for i in 1..<dimension { wBar[i] = (s[i] * sScale - z[i] * zScale) / (2 * gamma) }
        // Restore w̄ᵀJw̄ = 1 exactly against rounding.
        var tail = 0.0
        for i in 1..<dimension { tail += wBar[i] * wBar[i] }
        wBar[0] = (1 + tail).squareRoot()
        eta = (sJs / zJz).squareRoot().squareRoot()
        lambda.withUnsafeMutableBufferPointer { multiplyW(z, into: $0, inverse: false) }
        return lambda[0] > 0 && eta.isFinite
    }

    /// `out ← W v` or `out ← W⁻¹ v`.
    private func multiplyW(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>, inverse: Bool) {
        wBar.withUnsafeBufferPointer { w in
            let sign = inverse ? -1.0 : 1.0
            let scale = inverse ? 1 / eta : eta
            var w1v1 = 0.0
            for i in 1..<dimension { w1v1 += w[i] * v[i] }
            let v0 = v[0]
            out[0] = scale * (w[0] * v0 + sign * w1v1)
            let c = sign * v0 + w1v1 / (1 + w[0])
            for i in 1..<dimension { out[i] = scale * (v[i] + c * w[i]) }
        }
    }

    func minimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double { v[0] - Self.tailNorm(v) }

    func isInterior(_ v: UnsafeBufferPointer<Double>) -> Bool { v[0] > 0 && Self.jNorm(v) > 0 }

    func addIdentity(_ v: UnsafeMutableBufferPointer<Double>, scale alpha: Double) { v[0] += alpha }

    func setToIdentity(_ v: UnsafeMutableBufferPointer<Double>) {
        v.update(repeating: 0); v[0] = 1
    }

    /// `out ← u ∘ v`.
    private func jordanProduct(_ u: UnsafeBufferPointer<Double>, _ v: UnsafeBufferPointer<Double>,
                               into out: UnsafeMutableBufferPointer<Double>) {
        var dot = 0.0
        for i in 0..<dimension { dot += u[i] * v[i] }
        let u0 = u[0], v0 = v[0]
        for i in 1..<dimension { out[i] = u0 * v[i] + v0 * u[i] }
        out[0] = dot
    }

    func affineTarget(_ out: UnsafeMutableBufferPointer<Double>) {
        lambda.withUnsafeBufferPointer { l in jordanProduct(l, l, into: out) }
    }

    func addCorrector(_ t: UnsafeMutableBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                      deltaZ: UnsafeBufferPointer<Double>, sigmaMu: Double) {
        scratch1.withUnsafeMutableBufferPointer { a in
            scratch2.withUnsafeMutableBufferPointer { b in
                multiplyW(deltaS, into: a, inverse: true)
                multiplyW(deltaZ, into: b, inverse: false)
                var dot = 0.0
                for i in 0..<dimension { dot += a[i] * b[i] }
                t[0] += dot - sigmaMu
                let a0 = a[0], b0 = b[0]
                for i in 1..<dimension { t[i] += a0 * b[i] + b0 * a[i] }
            }
        }
    }

    func slackOffset(target t: UnsafeBufferPointer<Double>, into ds: UnsafeMutableBufferPointer<Double>) {
        // λ \ t: solve the arrow system L(λ) x = t.
        scratch1.withUnsafeMutableBufferPointer { x in
            lambda.withUnsafeBufferPointer { l in
                let l0 = l[0]
                var tail2 = 0.0, l1t1 = 0.0
                for i in 1..<dimension { tail2 += l[i] * l[i]; l1t1 += l[i] * t[i] }
                let det = (l0 - tail2.squareRoot()) * (l0 + tail2.squareRoot())
                let x0 = (l0 * t[0] - l1t1) / det
                x[0] = x0
                for i in 1..<dimension { x[i] = (t[i] - x0 * l[i]) / l0 }
            }
            multiplyW(UnsafeBufferPointer(x), into: ds, inverse: false)
        }
    }

    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        wBar.withUnsafeBufferPointer { w in
            var wv = 0.0
            for i in 0..<dimension { wv += w[i] * v[i] }
            let e2 = eta * eta
            out[0] = e2 * (2 * w[0] * wv - v[0])
            for i in 1..<dimension { out[i] = e2 * (2 * w[i] * wv + v[i]) }
        }
    }

    func inverseHessian(diagonal: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) -> ScalingBlock {
        let inv = 1 / (eta * eta)
        diagonal[0] = -inv
        for i in 1..<dimension { diagonal[i] = inv }
        var u = wBar
        for i in 1..<dimension { u[i] = -u[i] }
        return .diagonalPlusRankOne(rho: 2 * inv, u: u)
    }

    func multiplyInverseHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                                equalityRegularization delta: Double) {
        // η⁻²(2(Jw̄)(Jw̄)ᵀ − J) v
        wBar.withUnsafeBufferPointer { w in
            var jwv = w[0] * v[0]
            for i in 1..<dimension { jwv -= w[i] * v[i] }
            let inv = 1 / (eta * eta)
            out[0] = inv * (2 * w[0] * jwv - v[0])
            for i in 1..<dimension { out[i] = inv * (-2 * w[i] * jwv + v[i]) }
        }
    }

    func hessian(diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock {
        let e2 = eta * eta
        diagonal[0] = -e2
        for i in 1..<dimension { diagonal[i] = e2 }
        return .diagonalPlusRankOne(rho: 2 * e2, u: wBar)
    }

    func stepLength(s: UnsafeBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                    z: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, maxStep: Double) -> Double {
        min(Self.boundaryStep(s, deltaS, maxStep), Self.boundaryStep(z, deltaZ, maxStep))
    }

    /// Smallest positive root of `f(α) = (x₀ + αd₀)² − ‖x₁ + αd₁‖²` (the first exit from the
    /// cone when `x` is interior), capped at `maxStep`.
    static func boundaryStep(_ x: UnsafeBufferPointer<Double>, _ d: UnsafeBufferPointer<Double>, _ maxStep: Double) -> Double {
        let n = x.count
        var a = d[0] * d[0], b = x[0] * d[0], dd = 0.0, xx = 0.0
        for i in 1..<n { dd += d[i] * d[i]; b -= x[i] * d[i]; xx += x[i] * x[i] }
        a -= dd
        let c = (x[0] - xx.squareRoot()) * (x[0] + xx.squareRoot())
        // f(α) = aα² + 2bα + c with c > 0.
        if c <= 0 { return 0 }
        var root = Double.infinity
        if a == 0 {
            if b < 0 { root = -c / (2 * b) }
        } else {
            let disc = b * b - a * c
            if disc >= 0 {
                let q = -(b + (b >= 0 ? 1 : -1) * disc.squareRoot())
                for r in [q / a, c / q] where r > 0 && r.isFinite { root = min(root, r) }
            } else if a > 0, b < 0 {
                // A double root (the line through the apex) that rounding pushed below zero:
                // the minimum of f, at −b/a, is where the line touches the boundary.
                root = -b / a
            }
        }
        return min(root, maxStep)
    }
}
