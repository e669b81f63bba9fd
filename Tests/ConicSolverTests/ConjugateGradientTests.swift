import Foundation
import Testing
@testable import ConicSolver
import ConicTestSupport

// The closed-form conjugate gradient of the 3-D cones (`ConjugateGradient.swift`): the Wright ω
// function against its defining equation, and `conjugatePoint` against the damped Newton
// method it replaced, on points of every scale and close to the cones' boundaries; and the
// switch of a cone to the dual scaling.

/// Points of the cone on which the barrier `barrier`'s conjugate lives (the dual of the
/// barrier's cone), from well inside to `1e-10` (relative) from the boundary, at scales
/// `1e-8 … 1e8`; a negative gap puts the point outside by that much.
private func slackPoints(_ barrier: ThreeDimensionalBarrier, gaps: [Double] = [1.0, 1e-2, 1e-6, 1e-10]) -> [SIMD3<Double>] {
    gappedSlackPoints(barrier, gaps: gaps).map(\.point)
}

/// ``slackPoints(_:gaps:)`` with each point's gap.
private func gappedSlackPoints(_ barrier: ThreeDimensionalBarrier, gaps: [Double] = [1.0, 1e-2, 1e-6, 1e-10]) -> [(point: SIMD3<Double>, gap: Double)] {
    var points: [(point: SIMD3<Double>, gap: Double)] = []
    for scale in [1e-8, 1e-3, 1, 1e3, 1e8] {
        for gap in gaps {
            for shape in [0.2, 1, 5] {
                let p: SIMD3<Double>
                switch barrier {
                case .dualExponential:
                    // K_exp: y log(z/y) − x = gap · y.
                    let y = shape, z = 1.5
                    p = SIMD3(y * log(z / y) - gap * y, y, z)
                case .exponential:
                    // K*_exp: 1 − v/u + log(−t/u) = gap, u < 0.
                    let u = -shape, t = 0.7
                    p = SIMD3(u, u * (1 + log(-t / u) - gap), t)
                case let .power(alpha):
                    // The dual power cone: |t| = (1 − gap)(u/α)^α (v/(1−α))^{1−α}.
                    let u = shape, v = 1.3
                    p = SIMD3(u, v, -(1 - gap) * pow(u / alpha, alpha) * pow(v / (1 - alpha), 1 - alpha))
                case let .dualPower(alpha):
                    // The power cone: |z| = (1 − gap) x^α y^{1−α}.
                    let x = shape, y = 0.8
                    p = SIMD3(x, y, (1 - gap) * pow(x, alpha) * pow(y, 1 - alpha))
                }
                points.append((scale * p, gap))
            }
        }
    }
    return points
}

private let barriers: [ThreeDimensionalBarrier] = [
    .dualExponential, .exponential, .dualPower(0.3), .power(0.3), .dualPower(0.5), .power(0.8), .dualPower(0.05),
]

@Suite("Closed-form conjugate gradient")
struct ConjugateGradientTests {

    /// `d = ω(1 + ε) − 1` solves `d + log(1 + d) = ε` to rounding, from `ε = 1e-300` to `1e300`.
    @Test func wrightOmegaSolvesItsEquation() throws {
        var epsilon = 1e-300
        while epsilon < 1e300 {
            let d = try #require(wrightOmegaMinusOne(epsilon), "no value at ε = \(epsilon)")
            #expect(d > 0)
            let residual = abs(d + log1p(d) - epsilon)
            #expect(residual <= 8 * Double.ulpOfOne * epsilon, "ε = \(epsilon): d = \(d), residual \(residual)")
            epsilon *= 7.3
        }
        // Known values: ω(1) = 1, ω(1 + e) = e (e + log e = 1 + e).
        #expect(wrightOmegaMinusOne(0) == nil)
        #expect(wrightOmegaMinusOne(-1) == nil)
        #expect(wrightOmegaMinusOne(.nan) == nil)
        let e = try #require(wrightOmegaMinusOne(M_E))
        #expect(abs(e + 1 - M_E) <= 4 * Double.ulpOfOne * M_E)
    }

    /// The closed form and the damped Newton method agree to 1e-12 (relative, per entry against
    /// `‖w‖∞`) at every scale from 1e-8 to 1e8 at gaps ≥ 1e-2 from the boundary; closer in, `w`
    /// itself is ill-conditioned (`w ∝ 1/gap`, and the gap is computed by cancellation from
    /// `s`), and the bound grows as `1e-14/gap`. The closed form also satisfies `∇F(w) = −s` to
    /// 1e-9 relative where that check is well-conditioned (gap ≥ 1e-2).
    @Test(arguments: 0..<barriers.count)
    func closedFormMatchesNewton(index: Int) throws {
        let barrier = barriers[index]
        let points = gappedSlackPoints(barrier)
        var compared = 0
        for (s, gap) in points {
            let w = try #require(barrier.conjugatePoint(s), "\(barrier): no closed form at s = \(s)")
            #expect(barrier.isInterior(w), "\(barrier): w = \(w) is not interior")
            if gap >= 1e-2 {
                let gradient = barrier.derivatives(w).gradient
                let sScale = max(abs(s.x), abs(s.y), abs(s.z))
                for r in 0..<3 {
                    #expect(abs(gradient[r] + s[r]) <= 1e-9 * sScale, "\(barrier): ∇F(w) ≠ −s at s = \(s): \(gradient)")
                }
            }
            // Newton from the barrier's interior point scaled to s (log-homogeneity: w ∝ 1/scale).
            let start = (3 / max(1e-300, (s * barrier.interiorPoint).sum().magnitude)) * barrier.interiorPoint
            guard let reference = barrier.conjugatePointByNewton(s, start: barrier.isInterior(start) ? start : barrier.interiorPoint) else { continue }
            compared += 1
            let wScale = max(abs(w.x), abs(w.y), abs(w.z))
            let tolerance = max(1e-12, 1e-14 / gap)
            for r in 0..<3 {
                #expect(abs(w[r] - reference[r]) <= tolerance * wScale, "\(barrier): closed form \(w) against Newton \(reference) at s = \(s), gap \(gap)")
            }
        }
        // Newton must have converged on most points for the comparison to mean anything.
        #expect(compared >= points.count / 2, "\(barrier): Newton converged on \(compared) of \(points.count) points")
    }

    /// Outside the dual cone there is no conjugate point.
    @Test(arguments: 0..<barriers.count)
    func noPointOutsideTheCone(index: Int) {
        let barrier = barriers[index]
        for s in slackPoints(barrier, gaps: [-1e-2, -1]) {
            #expect(barrier.conjugatePoint(s) == nil, "\(barrier): a point for s = \(s) outside the cone")
        }
        for s in slackPoints(barrier) {
            #expect(barrier.conjugatePoint(s * SIMD3(-1, -1, 1)) == nil, "\(barrier): a point for the reflected s")
        }
    }

    /// After ``NonsymmetricCone/useDualScaling()`` the scaling is `μ∇²F*(z)` (no primal–dual
    /// update) at points where the primal–dual update was used before.
    @Test func switchToDualScaling() {
        for barrier in barriers {
            let cone = NonsymmetricCone(dualBarrier: barrier)
            let s = cone.unit * SIMD3(1.3, 0.9, 1.1), z = cone.unit * SIMD3(0.8, 1.2, 1.0)
            guard cone.primalBarrier.isInterior(s), cone.dualBarrier.isInterior(z) else {
                Issue.record("\(barrier): test points not interior"); continue
            }
            func update() -> Bool {
                [s.x, s.y, s.z].withUnsafeBufferPointer { sp in [z.x, z.y, z.z].withUnsafeBufferPointer { cone.updateScaling(s: sp, z: $0) } }
            }
            #expect(update())
            #expect(cone.usedPrimalDualScaling, "\(barrier): the primal–dual scaling was not used off the central path")
            cone.useDualScaling()
            #expect(update())
            #expect(!cone.usedPrimalDualScaling)
            let mu = (s * z).sum() / 3
            let expected = mu * barrier.derivatives(z).hessian
            for (a, b) in zip(cone.scaling.columnMajor, expected.columnMajor) {
                #expect(abs(a - b) <= 1e-10 * max(1, abs(b)), "\(barrier): H = \(cone.scaling) against μ∇²F*(z) = \(expected)")
            }
        }
    }
}
