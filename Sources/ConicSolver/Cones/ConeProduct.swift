/// The product cone `K = K₁ × … × Kₚ` over one flat vector, each cone owning a contiguous range.
///
/// Adjacent zero cones and adjacent nonnegative cones are merged into one block, and
/// second-order cones of dimension 1 and PSD cones of order 1 are treated as nonnegative, so the
/// per-cone work is done over as few, as large blocks as possible. Each cone owns one range of
/// the flat vectors (`ranges[k]` for `cones[k]`).
final class ConeProduct {
    let cones: [ConeBlock]
    let ranges: [Range<Int>]
    let dimension: Int
    let degree: Int
    /// Whether an exponential or power cone is present (they need the unit starting point and
    /// the neighborhood safeguard of the step).
    let hasNonsymmetric: Bool

    /// With `primalDualScaling`, the non-symmetric cones use the primal–dual scaling instead of
    /// the dual scaling (``NonsymmetricScaling``).
    init(_ specs: [ConeSpec], primalDualScaling: Bool = true) {
        enum Kind: Equatable { case zero, nonnegative, secondOrder, positiveSemidefinite, nonsymmetric(ThreeDimensionalBarrier) }
        var blocks: [(Kind, Int)] = []
        func merge(_ kind: Kind, _ n: Int) {
            if let last = blocks.last, last.0 == kind { blocks[blocks.count - 1].1 += n } else { blocks.append((kind, n)) }
        }
        for spec in specs where spec.dimension > 0 {
            switch spec {
            case let .zero(n): merge(.zero, n)
            case let .nonnegative(n): merge(.nonnegative, n)
            case .secondOrder(1): merge(.nonnegative, 1)
            case let .secondOrder(n): blocks.append((.secondOrder, n))
            case .positiveSemidefinite(1): merge(.nonnegative, 1)
            case let .positiveSemidefinite(order): blocks.append((.positiveSemidefinite, order))
            // Each cone is listed by the barrier of its dual, which its scaling evaluates.
            case .exponential: blocks.append((.nonsymmetric(.dualExponential), 3))
            case .dualExponential: blocks.append((.nonsymmetric(.exponential), 3))
            case let .power(alpha): blocks.append((.nonsymmetric(.dualPower(alpha)), 3))
            case let .dualPower(alpha): blocks.append((.nonsymmetric(.power(alpha)), 3))
            }
        }
        var cones: [ConeBlock] = [], ranges: [Range<Int>] = [], start = 0
        for (kind, n) in blocks {
            let cone: ConeBlock
            switch kind {
            case .zero: cone = .zero(ZeroCone(dimension: n))
            case .nonnegative: cone = .nonnegative(NonnegativeCone(dimension: n))
            case .secondOrder: cone = .secondOrder(SecondOrderCone(dimension: n))
            case .positiveSemidefinite: cone = .positiveSemidefinite(PSDTriangleCone(order: n))
            case let .nonsymmetric(barrier):
                cone = .nonsymmetric(NonsymmetricCone(dualBarrier: barrier, primalDualScaling: primalDualScaling))
            }
            cones.append(cone)
            ranges.append(start..<start + cone.dimension)
            start += cone.dimension
        }
        self.cones = cones
        self.ranges = ranges
        dimension = start
        degree = cones.reduce(0) { $0 + $1.degree }
        hasNonsymmetric = cones.contains { $0.nonsymmetricCone != nil }
    }

    func setIdentityScaling() { for cone in cones { cone.setIdentityScaling() } }

    func updateScaling(s: [Double], z: [Double]) -> Bool {
        s.withUnsafeBufferPointer { s in
            z.withUnsafeBufferPointer { z in
                for (cone, r) in zip(cones, ranges) {
                    if !cone.updateScaling(s: .init(rebasing: s[r]), z: .init(rebasing: z[r])) { return false }
                }
                return true
            }
        }
    }

    /// The smallest eigenvalue of `v` over all cones (`+∞` when only zero cones are present),
    /// against `K*` when `dual`.
    func minimumEigenvalue(_ v: [Double], dual: Bool = false) -> Double {
        v.withUnsafeBufferPointer { v in
            var m = Double.infinity
            for (cone, r) in zip(cones, ranges) {
                let slice = UnsafeBufferPointer(rebasing: v[r])
                m = min(m, dual ? cone.dualMinimumEigenvalue(slice) : cone.minimumEigenvalue(slice))
            }
            return m
        }
    }

    /// Moves `v` into the interior of `K` (or `K*`): `v ← v + (1 − m)e` when its smallest
    /// eigenvalue `m` is below 1.
    func shiftToInterior(_ v: inout [Double], dual: Bool = false) {
        v.withUnsafeMutableBufferPointer { v in
            for (cone, r) in zip(cones, ranges) {
                let slice = UnsafeMutableBufferPointer(rebasing: v[r])
                let m = dual ? cone.dualMinimumEigenvalue(UnsafeBufferPointer(slice)) : cone.minimumEigenvalue(UnsafeBufferPointer(slice))
                if m < 1, m.isFinite { cone.addIdentity(slice, scale: 1 - m) }
            }
        }
    }

    /// Whether `v` is strictly inside every cone (of `K*` when `dual`), as the scaling update
    /// will judge it.
    func isInterior(_ v: [Double], dual: Bool = false) -> Bool {
        v.withUnsafeBufferPointer { v in
            zip(cones, ranges).allSatisfy { cone, r in
                dual ? cone.isDualInterior(.init(rebasing: v[r])) : cone.isInterior(.init(rebasing: v[r]))
            }
        }
    }

    /// Whether a non-symmetric cone still uses the primal–dual scaling.
    var usesPrimalDualScaling: Bool {
        cones.contains { $0.nonsymmetricCone?.primalDualScaling == true }
    }

    /// Moves every non-symmetric cone to the dual scaling for the rest of the solve.
    func switchToDualScaling() {
        for cone in cones { cone.nonsymmetricCone?.useDualScaling() }
    }

    /// The largest neighborhood measure ``NonsymmetricCone/proximity(s:z:mu:)`` over the
    /// non-symmetric cones (`−∞` without one).
    func worstProximity(s: [Double], z: [Double], mu: Double) -> Double {
        s.withUnsafeBufferPointer { s in
            z.withUnsafeBufferPointer { z in
                var worst = -Double.infinity
                for (cone, r) in zip(cones, ranges) {
                    guard let cone = cone.nonsymmetricCone else { continue }
                    worst = max(worst, cone.proximity(s: .init(rebasing: s[r]), z: .init(rebasing: z[r]), mu: mu))
                }
                return worst
            }
        }
    }

    func addIdentity(_ v: inout [Double], scale alpha: Double) {
        v.withUnsafeMutableBufferPointer { v in
            for (cone, r) in zip(cones, ranges) { cone.addIdentity(.init(rebasing: v[r]), scale: alpha) }
        }
    }

    func setToIdentity(_ v: inout [Double]) {
        v.withUnsafeMutableBufferPointer { v in
            for (cone, r) in zip(cones, ranges) { cone.setToIdentity(.init(rebasing: v[r])) }
        }
    }

    /// `ds ← Wᵀ(λ \ t)` with the predictor target `t = λ∘λ`, or the corrector target
    /// `t = λ∘λ + (W⁻¹Δsₐ)∘(WΔzₐ) − σμe` when a predictor direction is given.
    func slackOffset(into ds: inout [Double], target t: inout [Double],
                     corrector: (deltaS: [Double], deltaZ: [Double], sigmaMu: Double)?) {
        t.withUnsafeMutableBufferPointer { t in
            ds.withUnsafeMutableBufferPointer { ds in
                for (cone, r) in zip(cones, ranges) {
                    let tr = UnsafeMutableBufferPointer(rebasing: t[r])
                    cone.affineTarget(tr)
                    if let c = corrector {
                        c.deltaS.withUnsafeBufferPointer { dS in
                            c.deltaZ.withUnsafeBufferPointer { dZ in
                                cone.addCorrector(tr, deltaS: .init(rebasing: dS[r]), deltaZ: .init(rebasing: dZ[r]), sigmaMu: c.sigmaMu)
                            }
                        }
                    }
                    cone.slackOffset(target: UnsafeBufferPointer(tr), into: .init(rebasing: ds[r]))
                }
            }
        }
    }

    /// `out ← H v` blockwise.
    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        for (cone, r) in zip(cones, ranges) {
            cone.multiplyHessian(.init(rebasing: v[r]), into: .init(rebasing: out[r]))
        }
    }

    /// Largest step in `(0, maxStep]` keeping `s` and `z` interior.
    func stepLength(s: [Double], deltaS: [Double], z: [Double], deltaZ: [Double], maxStep: Double) -> Double {
        s.withUnsafeBufferPointer { s in
        deltaS.withUnsafeBufferPointer { ds in
        z.withUnsafeBufferPointer { z in
        deltaZ.withUnsafeBufferPointer { dz in
            var alpha = maxStep
            for (cone, r) in zip(cones, ranges) {
                alpha = cone.stepLength(s: .init(rebasing: s[r]), deltaS: .init(rebasing: ds[r]),
                                        z: .init(rebasing: z[r]), deltaZ: .init(rebasing: dz[r]), maxStep: alpha)
            }
            return alpha
        }}}}
    }
}
