import Foundation
import Testing
@testable import ConicSolver
import ConicTestSupport

// The property harness of the exponential and power cones (and their duals), against the maths
// of `NonsymmetricCone.swift`: the barrier's derivatives against finite differences, logarithmic
// homogeneity, the central unit point, the primal–dual scaling's secant equations, the step to
// the boundary and membership against the definitions (`testConeViolation`).

/// Every kind of 3-D cone, by its `ConeSpec` and the barrier of its dual (what the cone evaluates).
private let kinds: [(spec: ConeSpec, dualBarrier: ThreeDimensionalBarrier)] = [
    (.exponential, .dualExponential), (.dualExponential, .exponential),
    (.power(0.3), .dualPower(0.3)), (.dualPower(0.3), .power(0.3)),
    (.power(0.5), .dualPower(0.5)), (.dualPower(0.8), .power(0.8)),
]

/// The cone's `ConeSpec` with the roles of `K` and `K*` swapped.
private func dualSpec(_ spec: ConeSpec) -> ConeSpec {
    switch spec {
    case .exponential: return .dualExponential
    case .dualExponential: return .exponential
    case let .power(a): return .dualPower(a)
    case let .dualPower(a): return .power(a)
    default: return spec
    }
}

/// A random point strictly inside the cone `spec`: the unit point moved at random, kept when the
/// definition (not the solver) says it is inside by a margin.
private func randomInterior(_ spec: ConeSpec, unit: SIMD3<Double>, _ rng: inout TestSeededGenerator) -> SIMD3<Double> {
    while true {
        let scale = exp(rng.uniform(-2, 2))
        let v = scale * (unit + SIMD3(rng.uniform(-0.9, 0.9), rng.uniform(-0.9, 0.9), rng.uniform(-0.9, 0.9)))
        let a = [v.x, v.y, v.z]
        // Inside with room: a shrunk copy toward the unit point's direction must stay inside.
        if testConeViolation(spec, a[...]) == 0, testConeViolation(spec, [v.x - 0.05 * scale * unit.x, v.y - 0.05 * scale * unit.y, v.z - 0.05 * scale * unit.z][...]) == 0 {
            return v
        }
    }
}

private func array(_ v: SIMD3<Double>) -> [Double] { [v.x, v.y, v.z] }

private func withBuffers<R>(_ a: [Double], _ b: [Double], _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>) -> R) -> R {
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in body(a, b) } }
}

@Suite("Non-symmetric cone properties")
struct NonsymmetricConePropertyTests {

    /// ∇F, ∇²F and ∇³F[a, b] of every barrier against central differences of the level below,
    /// and logarithmic homogeneity: `∇F(v)ᵀv = −3`, `∇²F(v)v = −∇F(v)`.
    @Test(arguments: 0..<kinds.count)
    func barrierDerivativesMatchFiniteDifferences(kind: Int) {
        let (spec, barrier) = kinds[kind]
        let cone = NonsymmetricCone(dualBarrier: barrier)
        var rng = TestSeededGenerator(seed: UInt64(17 + kind))
        for _ in 0..<20 {
            // Points of K*, where the barrier F* lives.
            let z = randomInterior(dualSpec(spec), unit: cone.unit, &rng)
            #expect(barrier.isInterior(z), "\(spec): the barrier rejects an interior point \(z)")
            let (g, h) = barrier.derivatives(z)
            let step = 1e-6 * max(abs(z.x), abs(z.y), abs(z.z))
            for i in 0..<3 {
                var e = SIMD3<Double>.zero; e[i] = step
                let fd = (barrier.value(z + e) - barrier.value(z - e)) / (2 * step)
                #expect(abs(fd - g[i]) <= 1e-5 * (1 + abs(g[i])), "\(spec): ∂F/∂v\(i) = \(g[i]), finite difference \(fd) at \(z)")
                let column = (barrier.derivatives(z + e).gradient - barrier.derivatives(z - e).gradient) / (2 * step)
                for r in 0..<3 {
                    #expect(abs(column[r] - h[r, i]) <= 1e-5 * (1 + abs(h[r, i])),
                            "\(spec): ∇²F[\(r), \(i)] = \(h[r, i]), finite difference \(column[r]) at \(z)")
                }
            }
            let a = SIMD3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1))
            let b = SIMD3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1))
            let third = barrier.thirdDerivative(z, a, b)
            let fdThird = (barrier.derivatives(z + step * a).hessian.times(b) - barrier.derivatives(z - step * a).hessian.times(b)) / (2 * step)
            let size = max(abs(third.x), abs(third.y), abs(third.z))
            for r in 0..<3 {
                #expect(abs(fdThird[r] - third[r]) <= 1e-4 * (1 + size), "\(spec): ∇³F[a, b][\(r)] = \(third[r]), finite difference \(fdThird[r])")
            }
            #expect(abs((g * z).sum() + 3) <= 1e-9, "\(spec): ∇F(v)ᵀv = \((g * z).sum()), expected −3")
            let hz = h.times(z)
            for r in 0..<3 { #expect(abs(hz[r] + g[r]) <= 1e-8 * (1 + abs(g[r])), "\(spec): ∇²F(v)v ≠ −∇F(v)") }
        }
    }

    /// The unit point is central (`e = −∇F*(e)`, so `eᵀe = 3`) and inside both cones.
    @Test(arguments: 0..<kinds.count)
    func unitPointIsCentral(kind: Int) {
        let (spec, barrier) = kinds[kind]
        let cone = NonsymmetricCone(dualBarrier: barrier)
        let e = cone.unit
        let g = barrier.derivatives(e).gradient
        for i in 0..<3 { #expect(abs(e[i] + g[i]) <= 1e-10, "\(spec): e = \(e) but −∇F*(e) = \(-g)") }
        #expect(abs((e * e).sum() - 3) <= 1e-9)
        #expect(testConeViolation(spec, array(e)[...]) == 0 && testDualConeViolation(spec, array(e)[...]) == 0,
                "\(spec): the unit point \(e) is not in K ∩ K*")
        // The margin against K and K* is positive at e and (nearly) zero on the boundary.
        let margin = array(e).withUnsafeBufferPointer { cone.minimumEigenvalue($0) }
        #expect(margin > 0.1 && margin <= 1 + 1e-9, "\(spec): margin of e is \(margin)")
    }

    /// The scaling: symmetric positive definite, `H⁻¹H = I`, `H z = s` always (primal–dual or
    /// dual scaling of a central pair), and the primal–dual scaling is used off the central path.
    @Test(arguments: 0..<kinds.count)
    func scalingSatisfiesTheSecantEquation(kind: Int) {
        let (spec, barrier) = kinds[kind]
        let cone = NonsymmetricCone(dualBarrier: barrier)
        var rng = TestSeededGenerator(seed: UInt64(101 + kind))
        var primalDualUsed = 0
        for _ in 0..<20 {
            let s = randomInterior(spec, unit: cone.unit, &rng), z = randomInterior(dualSpec(spec), unit: cone.unit, &rng)
            let ok = withBuffers(array(s), array(z)) { cone.updateScaling(s: $0, z: $1) }
            #expect(ok, "\(spec): scaling update failed at s = \(s), z = \(z)")
            guard ok else { continue }
            let h = cone.scaling, hi = cone.scalingInverse
            #expect(h.positiveDefiniteInverse != nil, "\(spec): H is not positive definite")
            for i in 0..<3 {
                var e = SIMD3<Double>.zero; e[i] = 1
                let back = hi.times(h.times(e))
                for r in 0..<3 { #expect(abs(back[r] - e[r]) <= 1e-8, "\(spec): H⁻¹H ≠ I") }
            }
            if cone.usedPrimalDualScaling {
                primalDualUsed += 1
                let hz = h.times(z)
                for r in 0..<3 { #expect(abs(hz[r] - s[r]) <= 1e-7 * (1 + abs(s[r])), "\(spec): Hz = \(hz) ≠ s = \(s)") }
                // The second secant equation H z̃ = s̃, with z̃ = −∇F(s) (∇F*(z̃) = −s) and s̃ = −∇F*(z).
                if let zt = cone.conjugatePoint {
                    let back = barrier.derivatives(zt).gradient
                    for r in 0..<3 { #expect(abs(back[r] + s[r]) <= 1e-8 * (1 + abs(s[r])), "\(spec): ∇F*(z̃) ≠ −s") }
                    let st = -barrier.derivatives(z).gradient, hzt = h.times(zt)
                    for r in 0..<3 { #expect(abs(hzt[r] - st[r]) <= 1e-7 * (1 + abs(st[r])), "\(spec): Hz̃ = \(hzt) ≠ s̃ = \(st)") }
                }
            }
        }
        #expect(primalDualUsed >= 15, "\(spec): the primal–dual scaling was used \(primalDualUsed) times of 20")
    }

    /// The step to the boundary lands on it: just beyond it is outside (by the definition), just
    /// before it inside; a step that stays inside returns the maximum.
    @Test(arguments: 0..<kinds.count)
    func stepLengthReachesTheBoundary(kind: Int) {
        let (spec, barrier) = kinds[kind]
        let cone = NonsymmetricCone(dualBarrier: barrier)
        var rng = TestSeededGenerator(seed: UInt64(303 + kind))
        var boundaryHits = 0
        for _ in 0..<30 {
            let s = randomInterior(spec, unit: cone.unit, &rng), z = randomInterior(dualSpec(spec), unit: cone.unit, &rng)
            let ds = 3 * SIMD3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)) * s
            let dz = SIMD3<Double>.zero
            let alpha = array(s).withUnsafeBufferPointer { sp in
                array(ds).withUnsafeBufferPointer { dsp in
                    withBuffers(array(z), array(dz)) { zp, dzp in cone.stepLength(s: sp, deltaS: dsp, z: zp, deltaZ: dzp, maxStep: 10) }
                }
            }
            if alpha < 10 {
                boundaryHits += 1
                #expect(testConeViolation(spec, array(s + 0.999 * alpha * ds)[...]) == 0, "\(spec): inside before the step")
                #expect(testConeViolation(spec, array(s + 1.01 * alpha * ds)[...]) > 0, "\(spec): still inside beyond the step α = \(alpha)")
            } else {
                #expect(testConeViolation(spec, array(s + 10 * ds)[...]) == 0, "\(spec): the maximum step leaves the cone")
            }
        }
        #expect(boundaryHits >= 5, "\(spec): too few steps reached the boundary to test it (\(boundaryHits))")
    }

    /// Membership: `sᵀz > 0` for interior pairs (the cones are dual to each other), and the
    /// solver's margins agree in sign with the definitions on random points of the plane.
    @Test(arguments: 0..<kinds.count)
    func membershipAgreesWithTheDefinitions(kind: Int) {
        let (spec, barrier) = kinds[kind]
        let cone = NonsymmetricCone(dualBarrier: barrier)
        var rng = TestSeededGenerator(seed: UInt64(505 + kind))
        for _ in 0..<30 {
            let s = randomInterior(spec, unit: cone.unit, &rng), z = randomInterior(dualSpec(spec), unit: cone.unit, &rng)
            #expect((s * z).sum() > 0, "\(spec): sᵀz = \((s * z).sum()) for interior s, z")
        }
        var checked = 0
        for _ in 0..<300 {
            let v = SIMD3(rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3))
            let primalViolation = testConeViolation(spec, array(v)[...]), dualViolation = testDualConeViolation(spec, array(v)[...])
            let margin = array(v).withUnsafeBufferPointer { cone.minimumEigenvalue($0) }
            let dualMargin = array(v).withUnsafeBufferPointer { cone.dualMinimumEigenvalue($0) }
            // Points well inside or well outside (the definitions' excess is not a distance).
            if primalViolation > 1e-3 { #expect(margin < 0, "\(spec): margin \(margin) of \(v) outside K"); checked += 1 }
            if primalViolation == 0, margin < -1e-9 { Issue.record("\(spec): margin \(margin) of \(v) inside K") }
            if dualViolation > 1e-3 { #expect(dualMargin < 0, "\(spec): dual margin \(dualMargin) of \(v) outside K*") }
            if dualViolation == 0, dualMargin < -1e-9 { Issue.record("\(spec): dual margin \(dualMargin) of \(v) inside K*") }
            let inside = array(v).withUnsafeBufferPointer { cone.isInterior($0) }
            if inside { #expect(primalViolation == 0, "\(spec): \(v) judged interior but violates K by \(primalViolation)") }
        }
        #expect(checked >= 30, "\(spec): too few points outside K to test the margin (\(checked))")
    }

    /// The third-order corrector vanishes on a zero predictor and the combined `dₛ` at the
    /// central unit point with `σμ = 1` and no correction is zero (`s + μ∇F*(z) = 0`).
    @Test(arguments: 0..<kinds.count)
    func centralPointHasNoCentralityResidual(kind: Int) {
        let (spec, barrier) = kinds[kind]
        let cone = NonsymmetricCone(dualBarrier: barrier)
        let e = array(cone.unit)
        #expect(withBuffers(e, e) { cone.updateScaling(s: $0, z: $1) })
        var t = [Double](repeating: .nan, count: 3)
        t.withUnsafeMutableBufferPointer { cone.affineTarget($0) }
        for i in 0..<3 { #expect(t[i] == e[i]) }
        let zero = [0.0, 0, 0]
        withBuffers(zero, zero) { dS, dZ in t.withUnsafeMutableBufferPointer { cone.addCorrector($0, deltaS: dS, deltaZ: dZ, sigmaMu: 1) } }
        for i in 0..<3 { #expect(abs(t[i]) <= 1e-10, "\(spec): dₛ at the central point is \(t)") }
    }
}
