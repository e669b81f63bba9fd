/// The nonnegative orthant `ℝⁿ₊`. Jordan product is elementwise, `e = 𝟙`,
/// `W = diag(√(s/z))`, `λ = √(s z)`, `H = diag(s/z)`.
final class NonnegativeCone: Cone {
    let dimension: Int
    var degree: Int { dimension }
    var couplesRows: Bool { false }
    /// Diagonal of `W`.
    private var w: [Double]
    /// Scaled variable `λ`.
    private var lambda: [Double]

    init(dimension: Int) {
        self.dimension = dimension
        w = [Double](repeating: 1, count: dimension)
        lambda = [Double](repeating: 1, count: dimension)
    }

    func setIdentityScaling() {
        w.withUnsafeMutableBufferPointer { $0.update(repeating: 1) }
        lambda.withUnsafeMutableBufferPointer { $0.update(repeating: 1) }
    }

    func updateScaling(s: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Bool {
        var ok = true
        w.withUnsafeMutableBufferPointer { w in
            lambda.withUnsafeMutableBufferPointer { l in
                for i in 0..<dimension {
                    let si = s[i], zi = z[i]
                    if !(si > 0 && zi > 0) { ok = false; return }
                    w[i] = (si / zi).squareRoot()
                    l[i] = (si * zi).squareRoot()
                }
            }
        }
        return ok
    }

    func minimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double { v.min() ?? .infinity }

    func isInterior(_ v: UnsafeBufferPointer<Double>) -> Bool { v.allSatisfy { $0 > 0 } }

    func addIdentity(_ v: UnsafeMutableBufferPointer<Double>, scale alpha: Double) {
        for i in 0..<dimension { v[i] += alpha }
    }

    func setToIdentity(_ v: UnsafeMutableBufferPointer<Double>) { v.update(repeating: 1) }

    func affineTarget(_ out: UnsafeMutableBufferPointer<Double>) {
        lambda.withUnsafeBufferPointer { l in for i in 0..<dimension { out[i] = l[i] * l[i] } }
    }

    func addCorrector(_ t: UnsafeMutableBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                      deltaZ: UnsafeBufferPointer<Double>, sigmaMu: Double) {
        // (W⁻¹Δs)∘(WΔz) = Δs·Δz elementwise, since W is diagonal.
        for i in 0..<dimension { t[i] += deltaS[i] * deltaZ[i] - sigmaMu }
    }

    func slackOffset(target t: UnsafeBufferPointer<Double>, into ds: UnsafeMutableBufferPointer<Double>) {
        w.withUnsafeBufferPointer { w in
            lambda.withUnsafeBufferPointer { l in
                for i in 0..<dimension { ds[i] = w[i] * t[i] / l[i] }
            }
        }
    }

    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        w.withUnsafeBufferPointer { w in for i in 0..<dimension { out[i] = w[i] * w[i] * v[i] } }
    }

    func inverseHessian(diagonal: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) -> ScalingBlock {
        w.withUnsafeBufferPointer { w in for i in 0..<dimension { diagonal[i] = 1 / (w[i] * w[i]) } }
        return .diagonal
    }

    func multiplyInverseHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                                equalityRegularization delta: Double) {
        w.withUnsafeBufferPointer { w in for i in 0..<dimension { out[i] = v[i] / (w[i] * w[i]) } }
    }

    func hessian(diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock {
        w.withUnsafeBufferPointer { w in for i in 0..<dimension { diagonal[i] = w[i] * w[i] } }
        return .diagonal
    }

    func stepLength(s: UnsafeBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                    z: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, maxStep: Double) -> Double {
        var alpha = maxStep
        for i in 0..<dimension {
            if deltaS[i] < 0 { alpha = min(alpha, -s[i] / deltaS[i]) }
            if deltaZ[i] < 0 { alpha = min(alpha, -z[i] / deltaZ[i]) }
        }
        return alpha
    }
}
