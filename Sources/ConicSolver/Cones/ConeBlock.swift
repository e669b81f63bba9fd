/// One cone of the product, by kind: the closed set of cones the solver knows. Every operation
/// of the ``Cone`` contract is dispatched here by a `switch` (statically, no existential), and
/// code that needs one kind's own members (the Schur form's PSD blocks) matches its case.
enum ConeBlock {
    case zero(ZeroCone)
    case nonnegative(NonnegativeCone)
    case secondOrder(SecondOrderCone)
    case positiveSemidefinite(PSDTriangleCone)
    /// The exponential and power cones and their duals.
    case nonsymmetric(NonsymmetricCone)

    /// The PSD cone, if this is one.
    var psd: PSDTriangleCone? {
        if case let .positiveSemidefinite(cone) = self { return cone }
        return nil
    }

    /// The non-symmetric cone, if this is one.
    var nonsymmetricCone: NonsymmetricCone? {
        if case let .nonsymmetric(cone) = self { return cone }
        return nil
    }

    var isZero: Bool { if case .zero = self { return true } else { return false } }
    var isSecondOrder: Bool { if case .secondOrder = self { return true } else { return false } }


    var dimension: Int {
        switch self {
        case let .zero(cone): cone.dimension
        case let .nonnegative(cone): cone.dimension
        case let .secondOrder(cone): cone.dimension
        case let .positiveSemidefinite(cone): cone.dimension
        case let .nonsymmetric(cone): cone.dimension
        }
    }

    var degree: Int {
        switch self {
        case let .zero(cone): cone.degree
        case let .nonnegative(cone): cone.degree
        case let .secondOrder(cone): cone.degree
        case let .positiveSemidefinite(cone): cone.degree
        case let .nonsymmetric(cone): cone.degree
        }
    }

    var couplesRows: Bool {
        switch self {
        case let .zero(cone): cone.couplesRows
        case let .nonnegative(cone): cone.couplesRows
        case let .secondOrder(cone): cone.couplesRows
        case let .positiveSemidefinite(cone): cone.couplesRows
        case let .nonsymmetric(cone): cone.couplesRows
        }
    }

    func setIdentityScaling() {
        switch self {
        case let .zero(cone): cone.setIdentityScaling()
        case let .nonnegative(cone): cone.setIdentityScaling()
        case let .secondOrder(cone): cone.setIdentityScaling()
        case let .positiveSemidefinite(cone): cone.setIdentityScaling()
        case let .nonsymmetric(cone): cone.setIdentityScaling()
        }
    }

    func updateScaling(s: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Bool {
        switch self {
        case let .zero(cone): cone.updateScaling(s: s, z: z)
        case let .nonnegative(cone): cone.updateScaling(s: s, z: z)
        case let .secondOrder(cone): cone.updateScaling(s: s, z: z)
        case let .positiveSemidefinite(cone): cone.updateScaling(s: s, z: z)
        case let .nonsymmetric(cone): cone.updateScaling(s: s, z: z)
        }
    }

    func minimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double {
        switch self {
        case let .zero(cone): cone.minimumEigenvalue(v)
        case let .nonnegative(cone): cone.minimumEigenvalue(v)
        case let .secondOrder(cone): cone.minimumEigenvalue(v)
        case let .positiveSemidefinite(cone): cone.minimumEigenvalue(v)
        case let .nonsymmetric(cone): cone.minimumEigenvalue(v)
        }
    }

    func dualMinimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double {
        switch self {
        case let .zero(cone): cone.dualMinimumEigenvalue(v)
        case let .nonnegative(cone): cone.dualMinimumEigenvalue(v)
        case let .secondOrder(cone): cone.dualMinimumEigenvalue(v)
        case let .positiveSemidefinite(cone): cone.dualMinimumEigenvalue(v)
        case let .nonsymmetric(cone): cone.dualMinimumEigenvalue(v)
        }
    }

    func isInterior(_ v: UnsafeBufferPointer<Double>) -> Bool {
        switch self {
        case let .zero(cone): cone.isInterior(v)
        case let .nonnegative(cone): cone.isInterior(v)
        case let .secondOrder(cone): cone.isInterior(v)
        case let .positiveSemidefinite(cone): cone.isInterior(v)
        case let .nonsymmetric(cone): cone.isInterior(v)
        }
    }

    func isDualInterior(_ v: UnsafeBufferPointer<Double>) -> Bool {
        switch self {
        case let .zero(cone): cone.isDualInterior(v)
        case let .nonnegative(cone): cone.isDualInterior(v)
        case let .secondOrder(cone): cone.isDualInterior(v)
        case let .positiveSemidefinite(cone): cone.isDualInterior(v)
        case let .nonsymmetric(cone): cone.isDualInterior(v)
        }
    }

    func addIdentity(_ v: UnsafeMutableBufferPointer<Double>, scale alpha: Double) {
        switch self {
        case let .zero(cone): cone.addIdentity(v, scale: alpha)
        case let .nonnegative(cone): cone.addIdentity(v, scale: alpha)
        case let .secondOrder(cone): cone.addIdentity(v, scale: alpha)
        case let .positiveSemidefinite(cone): cone.addIdentity(v, scale: alpha)
        case let .nonsymmetric(cone): cone.addIdentity(v, scale: alpha)
        }
    }

    func setToIdentity(_ v: UnsafeMutableBufferPointer<Double>) {
        switch self {
        case let .zero(cone): cone.setToIdentity(v)
        case let .nonnegative(cone): cone.setToIdentity(v)
        case let .secondOrder(cone): cone.setToIdentity(v)
        case let .positiveSemidefinite(cone): cone.setToIdentity(v)
        case let .nonsymmetric(cone): cone.setToIdentity(v)
        }
    }

    func affineTarget(_ out: UnsafeMutableBufferPointer<Double>) {
        switch self {
        case let .zero(cone): cone.affineTarget(out)
        case let .nonnegative(cone): cone.affineTarget(out)
        case let .secondOrder(cone): cone.affineTarget(out)
        case let .positiveSemidefinite(cone): cone.affineTarget(out)
        case let .nonsymmetric(cone): cone.affineTarget(out)
        }
    }

    func addCorrector(_ t: UnsafeMutableBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, sigmaMu: Double) {
        switch self {
        case let .zero(cone): cone.addCorrector(t, deltaS: deltaS, deltaZ: deltaZ, sigmaMu: sigmaMu)
        case let .nonnegative(cone): cone.addCorrector(t, deltaS: deltaS, deltaZ: deltaZ, sigmaMu: sigmaMu)
        case let .secondOrder(cone): cone.addCorrector(t, deltaS: deltaS, deltaZ: deltaZ, sigmaMu: sigmaMu)
        case let .positiveSemidefinite(cone): cone.addCorrector(t, deltaS: deltaS, deltaZ: deltaZ, sigmaMu: sigmaMu)
        case let .nonsymmetric(cone): cone.addCorrector(t, deltaS: deltaS, deltaZ: deltaZ, sigmaMu: sigmaMu)
        }
    }

    func slackOffset(target t: UnsafeBufferPointer<Double>, into ds: UnsafeMutableBufferPointer<Double>) {
        switch self {
        case let .zero(cone): cone.slackOffset(target: t, into: ds)
        case let .nonnegative(cone): cone.slackOffset(target: t, into: ds)
        case let .secondOrder(cone): cone.slackOffset(target: t, into: ds)
        case let .positiveSemidefinite(cone): cone.slackOffset(target: t, into: ds)
        case let .nonsymmetric(cone): cone.slackOffset(target: t, into: ds)
        }
    }

    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        switch self {
        case let .zero(cone): cone.multiplyHessian(v, into: out)
        case let .nonnegative(cone): cone.multiplyHessian(v, into: out)
        case let .secondOrder(cone): cone.multiplyHessian(v, into: out)
        case let .positiveSemidefinite(cone): cone.multiplyHessian(v, into: out)
        case let .nonsymmetric(cone): cone.multiplyHessian(v, into: out)
        }
    }

    func multiplyInverseHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) {
        switch self {
        case let .zero(cone): cone.multiplyInverseHessian(v, into: out, equalityRegularization: delta)
        case let .nonnegative(cone): cone.multiplyInverseHessian(v, into: out, equalityRegularization: delta)
        case let .secondOrder(cone): cone.multiplyInverseHessian(v, into: out, equalityRegularization: delta)
        case let .positiveSemidefinite(cone): cone.multiplyInverseHessian(v, into: out, equalityRegularization: delta)
        case let .nonsymmetric(cone): cone.multiplyInverseHessian(v, into: out, equalityRegularization: delta)
        }
    }

    func inverseHessian(diagonal: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) -> ScalingBlock {
        switch self {
        case let .zero(cone): cone.inverseHessian(diagonal: diagonal, equalityRegularization: delta)
        case let .nonnegative(cone): cone.inverseHessian(diagonal: diagonal, equalityRegularization: delta)
        case let .secondOrder(cone): cone.inverseHessian(diagonal: diagonal, equalityRegularization: delta)
        case let .positiveSemidefinite(cone): cone.inverseHessian(diagonal: diagonal, equalityRegularization: delta)
        case let .nonsymmetric(cone): cone.inverseHessian(diagonal: diagonal, equalityRegularization: delta)
        }
    }

    func hessian(diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock {
        switch self {
        case let .zero(cone): cone.hessian(diagonal: diagonal)
        case let .nonnegative(cone): cone.hessian(diagonal: diagonal)
        case let .secondOrder(cone): cone.hessian(diagonal: diagonal)
        case let .positiveSemidefinite(cone): cone.hessian(diagonal: diagonal)
        case let .nonsymmetric(cone): cone.hessian(diagonal: diagonal)
        }
    }

    func stepLength(s: UnsafeBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, maxStep: Double) -> Double {
        switch self {
        case let .zero(cone): cone.stepLength(s: s, deltaS: deltaS, z: z, deltaZ: deltaZ, maxStep: maxStep)
        case let .nonnegative(cone): cone.stepLength(s: s, deltaS: deltaS, z: z, deltaZ: deltaZ, maxStep: maxStep)
        case let .secondOrder(cone): cone.stepLength(s: s, deltaS: deltaS, z: z, deltaZ: deltaZ, maxStep: maxStep)
        case let .positiveSemidefinite(cone): cone.stepLength(s: s, deltaS: deltaS, z: z, deltaZ: deltaZ, maxStep: maxStep)
        case let .nonsymmetric(cone): cone.stepLength(s: s, deltaS: deltaS, z: z, deltaZ: deltaZ, maxStep: maxStep)
        }
    }
}
