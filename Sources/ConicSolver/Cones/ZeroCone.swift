/// The zero cone `{0}ⁿ` (equality rows). Its slack is always zero and its dual variable is free,
/// so it contributes nothing to centrality, has degree 0 and never limits a step.
final class ZeroCone: Cone {
    let dimension: Int
    var degree: Int { 0 }
    var couplesRows: Bool { false }

    init(dimension: Int) { self.dimension = dimension }

    func setIdentityScaling() {}
    func updateScaling(s: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Bool { true }
    func minimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double { .infinity }
    func isInterior(_ v: UnsafeBufferPointer<Double>) -> Bool { true }
    func dualMinimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double { .infinity }
    func addIdentity(_ v: UnsafeMutableBufferPointer<Double>, scale alpha: Double) {}
    func setToIdentity(_ v: UnsafeMutableBufferPointer<Double>) { v.update(repeating: 0) }
    func affineTarget(_ out: UnsafeMutableBufferPointer<Double>) { out.update(repeating: 0) }
    func addCorrector(_ t: UnsafeMutableBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                      deltaZ: UnsafeBufferPointer<Double>, sigmaMu: Double) {}
    func slackOffset(target t: UnsafeBufferPointer<Double>, into ds: UnsafeMutableBufferPointer<Double>) {
        ds.update(repeating: 0)
    }
    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        out.update(repeating: 0)
    }
    func inverseHessian(diagonal: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) -> ScalingBlock {
        diagonal.update(repeating: 1 / delta)
        return .diagonal
    }
    func multiplyInverseHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                                equalityRegularization delta: Double) {
        for i in 0..<dimension { out[i] = v[i] / delta }
    }
    func hessian(diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock {
        diagonal.update(repeating: 0)
        return .diagonal
    }
    func stepLength(s: UnsafeBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                    z: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, maxStep: Double) -> Double {
        maxStep
    }
}
