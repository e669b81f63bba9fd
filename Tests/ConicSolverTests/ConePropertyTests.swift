import Foundation
import Testing
@testable import ConicSolver
import ConicTestSupport

// Property tests of the cone implementations against the maths of `Cone.swift`, on seeded random
// interior points: the Nesterov–Todd identities (H z = s, H⁻¹H = I, W(λ \ λ∘λ) = s), the
// symmetric rank-one forms of H and H⁻¹, the Mehrotra corrector and the step to the boundary.
// Dense matrices are built in the tests from the cones' matrix-vector products.

// MARK: - Buffer wrappers

private func coneMinEig(_ cone: any Cone, _ v: [Double]) -> Double {
    v.withUnsafeBufferPointer { cone.minimumEigenvalue($0) }
}

private func coneUpdate(_ cone: any Cone, s: [Double], z: [Double]) -> Bool {
    s.withUnsafeBufferPointer { s in z.withUnsafeBufferPointer { z in cone.updateScaling(s: s, z: z) } }
}

private func coneH(_ cone: any Cone, _ v: [Double]) -> [Double] {
    var out = [Double](repeating: .nan, count: v.count)
    v.withUnsafeBufferPointer { v in out.withUnsafeMutableBufferPointer { cone.multiplyHessian(v, into: $0) } }
    return out
}

private func coneIdentity(_ cone: any Cone) -> [Double] {
    var e = [Double](repeating: .nan, count: cone.dimension)
    e.withUnsafeMutableBufferPointer { cone.setToIdentity($0) }
    return e
}

private func coneAffineTarget(_ cone: any Cone) -> [Double] {
    var t = [Double](repeating: .nan, count: cone.dimension)
    t.withUnsafeMutableBufferPointer { cone.affineTarget($0) }
    return t
}

private func coneSlackOffset(_ cone: any Cone, _ t: [Double]) -> [Double] {
    var ds = [Double](repeating: .nan, count: t.count)
    t.withUnsafeBufferPointer { t in ds.withUnsafeMutableBufferPointer { cone.slackOffset(target: t, into: $0) } }
    return ds
}

private func coneCorrector(_ cone: any Cone, _ t: [Double], deltaS: [Double], deltaZ: [Double], sigmaMu: Double) -> [Double] {
    var out = t
    deltaS.withUnsafeBufferPointer { dS in
        deltaZ.withUnsafeBufferPointer { dZ in
            out.withUnsafeMutableBufferPointer { cone.addCorrector($0, deltaS: dS, deltaZ: dZ, sigmaMu: sigmaMu) }
        }
    }
    return out
}

private func coneStep(_ cone: any Cone, s: [Double], ds: [Double], z: [Double], dz: [Double], maxStep: Double) -> Double {
    s.withUnsafeBufferPointer { s in
        ds.withUnsafeBufferPointer { ds in
            z.withUnsafeBufferPointer { z in
                dz.withUnsafeBufferPointer { dz in cone.stepLength(s: s, deltaS: ds, z: z, deltaZ: dz, maxStep: maxStep) }
            }
        }
    }
}

/// A reported scaling block as a dense matrix; also checks that the diagonal buffer holds its diagonal.
private func densify(_ d: [Double], _ block: ScalingBlock) -> [[Double]] {
    let n = d.count
    var M = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    switch block {
    case .diagonal:
        for i in 0..<n { M[i][i] = d[i] }
    case let .diagonalPlusRankOne(rho, u):
        #expect(u.count == n, "rank-one vector has \(u.count) entries, dimension \(n)")
        for i in 0..<n {
            M[i][i] = d[i]
            for j in 0..<n { M[i][j] += rho * u[i] * u[j] }
        }
    case let .dense(matrix):
        #expect(matrix.count == n * n, "dense block has \(matrix.count) entries, dimension \(n)")
        for i in 0..<n { for j in 0..<n { M[i][j] = matrix[i + j * n] } }
        for i in 0..<n { #expect(d[i] == M[i][i], "diagonal buffer \(d[i]) differs from the block's \(M[i][i])") }
    }
    return M
}

/// The block `H⁻¹` the cone reports for the reduced Newton matrix, densified.
private func coneInverseHessianDense(_ cone: any Cone, delta: Double = 1e-7) -> [[Double]] {
    var d = [Double](repeating: .nan, count: cone.dimension)
    let block = d.withUnsafeMutableBufferPointer { cone.inverseHessian(diagonal: $0, equalityRegularization: delta) }
    return densify(d, block)
}

/// The block `H` the cone reports for the full Newton matrix, densified.
private func coneHessianDense(_ cone: any Cone) -> [[Double]] {
    var d = [Double](repeating: .nan, count: cone.dimension)
    let block = d.withUnsafeMutableBufferPointer { cone.hessian(diagonal: $0) }
    return densify(d, block)
}

/// `H` built column by column from `multiplyHessian` (row-major).
private func coneHessianFromProducts(_ cone: any Cone) -> [[Double]] {
    let n = cone.dimension
    var H = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for j in 0..<n {
        var e = [Double](repeating: 0, count: n); e[j] = 1
        let col = coneH(cone, e)
        for i in 0..<n { H[i][j] = col[i] }
    }
    return H
}

private func matMul(_ A: [[Double]], _ B: [[Double]]) -> [[Double]] {
    let n = A.count, k = B.count, m = B.first?.count ?? 0
    var C = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
    for i in 0..<n { for l in 0..<k { let a = A[i][l]; for j in 0..<m { C[i][j] += a * B[l][j] } } }
    return C
}

private func maxAbs(_ M: [[Double]]) -> Double { M.reduce(0) { max($0, certMaxAbs($1)) } }

private func maxAbsDifference(_ A: [[Double]], _ B: [[Double]]) -> Double {
    var worst = 0.0
    for i in A.indices { for j in A[i].indices { let d = abs(A[i][j] - B[i][j]); if !(d <= worst) { worst = d } } }
    return worst
}

private func identityMatrix(_ n: Int) -> [[Double]] {
    (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0 } }
}

// MARK: - Random points

private func makeCone(_ spec: ConeSpec) -> any Cone {
    switch spec {
    case let .zero(n): return ZeroCone(dimension: n)
    case let .nonnegative(n): return NonnegativeCone(dimension: n)
    case let .secondOrder(n): return SecondOrderCone(dimension: n)
    case let .positiveSemidefinite(n): return PSDTriangleCone(order: n)
    case .exponential, .dualExponential, .power, .dualPower:
        preconditionFailure("the non-symmetric cones have their own harness (NonsymmetricConePropertyTests)")
    }
}

/// A random point of the interior of the cone, at a random overall scale in [10⁻³, 10³] and a
/// random distance to the boundary (down to 10⁻⁴ of its size), so badly centred pairs occur too.
private func randomInterior(_ spec: ConeSpec, _ rng: inout TestSeededGenerator) -> [Double] {
    let scale = pow(10, rng.uniform(-3, 3))
    let margin = pow(10, rng.uniform(-4, 0))
    switch spec {
    case .zero(let n):
        return [Double](repeating: 0, count: n)
    case .nonnegative(let n):
        return (0..<n).map { _ in scale * (rng.uniform(0, 1) < 0.2 ? margin : rng.uniform(0.05, 3)) }
    case .secondOrder(let n):
        let tail = rng.vector(n - 1, -2, 2)
        let norm = certNorm2(tail)
        return [scale * (norm + margin * max(norm, 1))] + tail.map { scale * $0 }
    case .exponential, .dualExponential, .power, .dualPower:
        preconditionFailure("the non-symmetric cones have their own harness (NonsymmetricConePropertyTests)")
    case .positiveSemidefinite(let n):
        // B Bᵀ + margin·I: positive definite, with smallest eigenvalue near margin·scale.
        let b = (0..<n).map { _ in rng.vector(n, -1, 1) }
        var m = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n { for j in 0..<n {
            m[i][j] = scale * ((0..<n).reduce(0) { $0 + b[i][$1] * b[j][$1] } + (i == j ? margin : 0))
        } }
        return Svec.svec(m)
    }
}

/// The cones the harness runs on.
private let harnessCones: [ConeSpec] = [
    .nonnegative(1), .nonnegative(4), .nonnegative(9),
    .secondOrder(2), .secondOrder(3), .secondOrder(7),
    .positiveSemidefinite(2), .positiveSemidefinite(3), .positiveSemidefinite(5),
]

private let trials = 25

@Suite("Cone properties")
struct ConePropertyTests {

    /// Identity scaling: `e` is interior, `H = I`, `λ = e` so `λ∘λ = e` and `W(λ \ e) = e`.
    @Test(arguments: harnessCones)
    func identityScalingAndCentralPoint(spec: ConeSpec) {
        let cone = makeCone(spec)
        cone.setIdentityScaling()
        let e = coneIdentity(cone)
        #expect(coneMinEig(cone, e) > 0, "\(spec): minimumEigenvalue(e) = \(coneMinEig(cone, e))")
        expectClose(coneMinEig(cone, e), 1, tol: 1e-15, "\(spec): minimumEigenvalue(e)")
        #expect(maxAbsDifference(coneHessianFromProducts(cone), identityMatrix(spec.dimension)) == 0,
                "\(spec): H must be the identity after setIdentityScaling")
        #expect(maxAbsDifference(matMul(coneInverseHessianDense(cone), identityMatrix(spec.dimension)),
                                 identityMatrix(spec.dimension)) <= 1e-15,
                "\(spec): H⁻¹ must be the identity after setIdentityScaling")
        expectClose(coneAffineTarget(cone), e, tol: 1e-15, "\(spec): λ∘λ with λ = e")
        expectClose(coneSlackOffset(cone, e), e, tol: 1e-15, "\(spec): W(λ \\ e)")
        // Adding the identity shifts the smallest eigenvalue by exactly the amount added.
        var v = e
        v.withUnsafeMutableBufferPointer { cone.addIdentity($0, scale: 2.5) }
        expectClose(coneMinEig(cone, v), 3.5, tol: 1e-15, "\(spec): minimumEigenvalue(e + 2.5e)")
        let expectedDegree: Int
        switch spec {
        case .nonnegative(let d), .positiveSemidefinite(let d): expectedDegree = d
        case .secondOrder: expectedDegree = 1
        case .zero: expectedDegree = 0
        case .exponential, .dualExponential, .power, .dualPower: expectedDegree = 3
        }
        #expect(cone.degree == expectedDegree, "\(spec): degree \(cone.degree), expected \(expectedDegree)")
    }

    /// Nesterov–Todd scaling on random interior pairs: H z = s, H symmetric positive definite,
    /// the reported diagonal-plus-rank-one H equals the products, (diag + ρuuᵀ)⁻¹ block times H is
    /// the identity, λ∘λ has `sᵀz` as its trace (first entry for the SOC), and W(λ \ λ∘λ) = s.
    @Test(arguments: harnessCones)
    func ntScalingIdentities(spec: ConeSpec) {
        var rng = TestSeededGenerator(seed: 0xC0DE &+ UInt64(spec.dimension) &* 31 &+ (spec == .secondOrder(spec.dimension) ? 7 : 0))
        let cone = makeCone(spec)
        let n = spec.dimension
        for trial in 0..<trials {
            let s = randomInterior(spec, &rng), z = randomInterior(spec, &rng)
            let label = "\(spec) trial \(trial): s = \(s), z = \(z)"
            #expect(coneMinEig(cone, s) > 0 && coneMinEig(cone, z) > 0, "\(label): generator gave a non-interior point")
            guard coneUpdate(cone, s: s, z: z) else {
                Issue.record("\(label): updateScaling failed on interior points")
                continue
            }
            // H z = s.
            let Hz = coneH(cone, z)
            let nt = zip(Hz, s).map { abs($0 - $1) }.max() ?? 0
            #expect(nt <= 1e-10 * certMaxAbs(s), "\(label): ‖Hz − s‖∞ = \(nt), H z = \(Hz)")
            // H dense, symmetric, positive definite (Cholesky succeeds).
            let H = coneHessianFromProducts(cone)
            let normH = maxAbs(H)
            var asym = 0.0
            for i in 0..<n { for j in 0..<n { asym = max(asym, abs(H[i][j] - H[j][i])) } }
            #expect(asym <= 1e-12 * normH, "\(label): H is not symmetric (\(asym))")
            #expect(choleskySucceeds(H), "\(label): H is not positive definite: \(H)")
            // The diagonal-plus-rank-one form of H for the full Newton matrix.
            let Hform = coneHessianDense(cone)
            #expect(maxAbsDifference(Hform, H) <= 1e-11 * normH,
                    "\(label): hessian(diagonal:) differs from multiplyHessian by \(maxAbsDifference(Hform, H))")
            // H⁻¹ H = I.
            let Hinv = coneInverseHessianDense(cone)
            let product = matMul(Hinv, H)
            let cond = normH * maxAbs(Hinv)
            let err = maxAbsDifference(product, identityMatrix(n))
            #expect(err <= 1e-12 * max(1, cond) * Double(n), "\(label): ‖H⁻¹H − I‖max = \(err) (cond ≈ \(cond))")
            // λ∘λ: trace sᵀz.
            let t = coneAffineTarget(cone)
            let sz = certDot(s, z)
            switch spec {
            case .nonnegative:
                expectClose(t, zip(s, z).map { $0 * $1 }, tol: 1e-12, "\(label): λ∘λ = s∘z")
            case .secondOrder:
                expectClose(t[0], sz, tol: 1e-10, "\(label): (λ∘λ)₀ = ‖λ‖² = sᵀz")
                #expect(t[0] >= certNorm2(t.dropFirst()) * (1 - 1e-12), "\(label): λ∘λ must lie in the cone")
            case .positiveSemidefinite(let n):
                // λ∘λ = Λ², and tr Λ² = tr(RᵀZR·R⁻¹SR⁻ᵀ) = tr(ZS) = sᵀz.
                let trace = (0..<n).reduce(0) { $0 + t[Svec.index($1, $1)] }
                expectClose(trace, sz, tol: 1e-9, "\(label): tr(λ∘λ) = sᵀz")
                #expect(testConeViolation(spec, t[...]) <= 1e-12 * certMaxAbs(t), "\(label): λ∘λ must be PSD")
            case .zero, .exponential, .dualExponential, .power, .dualPower: break
            }
            // W(λ \ λ∘λ) = Wλ = s.
            let ds = coneSlackOffset(cone, t)
            let back = zip(ds, s).map { abs($0 - $1) }.max() ?? 0
            #expect(back <= 1e-9 * certMaxAbs(s), "\(label): ‖W(λ \\ λ∘λ) − s‖∞ = \(back), got \(ds)")
            // Mehrotra term with Δs = s, Δz = z: (W⁻¹s)∘(Wz) = λ∘λ.
            let zeroT = [Double](repeating: 0, count: n)
            let corr = coneCorrector(cone, zeroT, deltaS: s, deltaZ: z, sigmaMu: 0)
            expectClose(corr, t, tol: 1e-9, "\(label): (W⁻¹s)∘(Wz) = λ∘λ")
            // Centering term: t − σμe with zero directions.
            let sigmaMu = rng.uniform(0, 2) * sz / Double(cone.degree)
            let centred = coneCorrector(cone, t, deltaS: zeroT, deltaZ: zeroT, sigmaMu: sigmaMu)
            let e = coneIdentity(cone)
            expectClose(centred, zip(t, e).map { $0 - sigmaMu * $1 }, tol: 1e-14, "\(label): t − σμe")
        }
    }

    /// Step to the boundary: `s + αΔs` and `z + αΔz` stay in the cone, and when α is below the
    /// cap one of them is on the boundary (the step is maximal); just beyond, it has left.
    @Test(arguments: harnessCones)
    func stepLengthIsMaximal(spec: ConeSpec) {
        var rng = TestSeededGenerator(seed: 0x57E9 &+ UInt64(spec.dimension) &* 131 &+ (spec == .secondOrder(spec.dimension) ? 3 : 0))
        let cone = makeCone(spec)
        let n = spec.dimension
        var limited = 0
        for trial in 0..<(4 * trials) {
            let s = randomInterior(spec, &rng), z = randomInterior(spec, &rng)
            let sScale = certMaxAbs(s), zScale = certMaxAbs(z)
            let ds = rng.vector(n, -1, 1).map { $0 * sScale * pow(10, rng.uniform(-1, 2)) }
            let dz = rng.vector(n, -1, 1).map { $0 * zScale * pow(10, rng.uniform(-1, 2)) }
            let maxStep = trial.isMultiple(of: 2) ? 1 : 1e3
            let alpha = coneStep(cone, s: s, ds: ds, z: z, dz: dz, maxStep: maxStep)
            let label = "\(spec) trial \(trial): s = \(s), ds = \(ds), z = \(z), dz = \(dz), α = \(alpha)"
            #expect(alpha > 0 && alpha <= maxStep, "\(label): α outside (0, \(maxStep)]")
            let sAt = zip(s, ds).map { $0 + alpha * $1 }, zAt = zip(z, dz).map { $0 + alpha * $1 }
            let sSize = sScale + alpha * certMaxAbs(ds), zSize = zScale + alpha * certMaxAbs(dz)
            let sEig = coneMinEig(cone, sAt) / sSize, zEig = coneMinEig(cone, zAt) / zSize
            #expect(sEig >= -1e-12 && zEig >= -1e-12, "\(label): left the cone (relative eigenvalues \(sEig), \(zEig))")
            if alpha < maxStep {
                limited += 1
                #expect(min(sEig, zEig) <= 1e-9, "\(label): α is not maximal (relative eigenvalues \(sEig), \(zEig))")
                let beyond = 1.001 * alpha
                let sOut = coneMinEig(cone, zip(s, ds).map { $0 + beyond * $1 })
                let zOut = coneMinEig(cone, zip(z, dz).map { $0 + beyond * $1 })
                #expect(min(sOut, zOut) < 0, "\(label): still inside at 1.001α (\(sOut), \(zOut))")
            } else {
                // Capped: the whole segment up to maxStep is inside.
                #expect(sEig > -1e-12 && zEig > -1e-12)
            }
        }
        #expect(limited >= trials, "\(spec): only \(limited) steps were limited by the boundary; the test is too weak")
    }

    /// Directions that keep the iterate interior do not limit the step: Δs = s, Δz = z,
    /// zero directions, and (for the SOC) directions inside the cone.
    @Test(arguments: harnessCones)
    func interiorPreservingDirectionsGiveMaxStep(spec: ConeSpec) {
        var rng = TestSeededGenerator(seed: 0x1A7E &+ UInt64(spec.dimension))
        let cone = makeCone(spec)
        let n = spec.dimension
        for trial in 0..<trials {
            let s = randomInterior(spec, &rng), z = randomInterior(spec, &rng)
            let inside1 = randomInterior(spec, &rng), inside2 = randomInterior(spec, &rng)
            let zero = [Double](repeating: 0, count: n)
            for maxStep in [1.0, 0.37, 1e6] {
                let label = "\(spec) trial \(trial), maxStep \(maxStep): s = \(s), z = \(z)"
                #expect(coneStep(cone, s: s, ds: s, z: z, dz: z, maxStep: maxStep) == maxStep, "\(label): Δs = s, Δz = z")
                #expect(coneStep(cone, s: s, ds: zero, z: z, dz: zero, maxStep: maxStep) == maxStep, "\(label): zero direction")
                #expect(coneStep(cone, s: s, ds: inside1, z: z, dz: inside2, maxStep: maxStep) == maxStep,
                        "\(label): directions inside the cone \(inside1), \(inside2)")
                // Shrinking towards the origin: s + α(−s/c) reaches the origin (the boundary) at
                // α = c exactly, so α = min(maxStep, c) up to rounding. For the SOC this is a
                // double root of the boundary quadratic (discriminant 0), sensitive to rounding.
                // The computed step must never exceed the exact one (that would leave the cone);
                // it may fall short because of the double root: by O(√(ε·x₀²/xᵀJx)) relative,
                // about 1e-6 for the points closest to the boundary the generator makes.
                for c in [2.0, 1.0, 0.5] {
                    let exact = min(maxStep, c)
                    let alphaS = coneStep(cone, s: s, ds: s.map { -$0 / c }, z: z, dz: zero, maxStep: maxStep)
                    let alphaZ = coneStep(cone, s: s, ds: zero, z: z, dz: z.map { -$0 / c }, maxStep: maxStep)
                    for (name, alpha) in [("s", alphaS), ("z", alphaZ)] {
                        #expect(alpha <= exact * (1 + 1e-12) && alpha >= exact * (1 - 1e-5),
                                "\(label): step along −\(name)/\(c) is \(alpha), exact \(exact) (the iterate reaches the origin at α = \(c))")
                    }
                }
            }
        }
    }

    /// The zero cone: no centrality, free dual, never limits a step, H = 0, H⁻¹ block = 1/δ.
    @Test func zeroCone() {
        let cone = ZeroCone(dimension: 4)
        var rng = TestSeededGenerator(seed: 99)
        #expect(cone.degree == 0)
        #expect(!cone.couplesRows)
        cone.setIdentityScaling()
        #expect(coneIdentity(cone) == [0, 0, 0, 0], "e of the zero cone is 0")
        #expect(coneMinEig(cone, rng.vector(4, -5, 5)) == .infinity)
        let s = [Double](repeating: 0, count: 4), z = rng.vector(4, -3, 3)
        #expect(coneUpdate(cone, s: s, z: z), "any z is in the dual of the zero cone")
        #expect(coneH(cone, z) == s, "H z = 0 = s")
        #expect(coneAffineTarget(cone) == s)
        #expect(coneSlackOffset(cone, rng.vector(4, -1, 1)) == s)
        #expect(maxAbs(coneHessianDense(cone)) == 0)
        let delta = 1e-7
        expectClose(coneInverseHessianDense(cone, delta: delta).enumerated().map { $0.element[$0.offset] },
                    [Double](repeating: 1 / delta, count: 4), tol: 1e-15, "H⁻¹ block of the zero cone")
        for maxStep in [1.0, 1e9] {
            #expect(coneStep(cone, s: s, ds: rng.vector(4, -1e3, 1e3), z: z, dz: rng.vector(4, -1e3, 1e3), maxStep: maxStep) == maxStep)
        }
    }

    /// `boundaryStep` on a point of the boundary returns 0; on an interior point with a direction
    /// pointing straight out it returns the exact crossing.
    @Test func secondOrderBoundaryStepEdgeCases() {
        let onBoundary = [5.0, 3, 4], out = [-1.0, 0, 0]
        let a = onBoundary.withUnsafeBufferPointer { x in out.withUnsafeBufferPointer { d in SecondOrderCone.boundaryStep(x, d, 10) } }
        #expect(a == 0)
        // (2, 1, 0) + α(−1, 0, 0) leaves when 2 − α = 1: α = 1.
        let x = [2.0, 1, 0]
        let b = x.withUnsafeBufferPointer { x in out.withUnsafeBufferPointer { d in SecondOrderCone.boundaryStep(x, d, 10) } }
        expectClose(b, 1, tol: 1e-15, "crossing along −e")
        // A direction with a = 0 (d on the boundary of the cone, d = (1, −1, 0)): f(α) = c + 2bα,
        // b = x₀d₀ − x₁d₁ = 2 + 1 = 3 > 0: never leaves.
        let d = [1.0, -1, 0]
        let c = x.withUnsafeBufferPointer { x in d.withUnsafeBufferPointer { d in SecondOrderCone.boundaryStep(x, d, 10) } }
        #expect(c == 10)
        // (2, 1, 0) + α(−1, 1, 0): 2 − α = 1 + α at α = ½.
        let d2 = [-1.0, 1, 0]
        let e = x.withUnsafeBufferPointer { x in d2.withUnsafeBufferPointer { d in SecondOrderCone.boundaryStep(x, d, 10) } }
        expectClose(e, 0.5, tol: 1e-15, "crossing along a boundary direction")
    }

    // MARK: Cone product

    /// Adjacent orthants and SOCs of dimension 1 merge into orthant blocks, adjacent zero cones
    /// merge, empty cones vanish, SOCs of dimension ≥ 2 stay separate (even when adjacent);
    /// the degree is the sum of the blocks' degrees.
    @Test func coneProductMerging() {
        let specs: [ConeSpec] = [.nonnegative(2), .nonnegative(3), .secondOrder(1), .secondOrder(3), .secondOrder(2),
                                 .zero(2), .nonnegative(0), .zero(1), .secondOrder(1), .nonnegative(1), .zero(0)]
        let product = ConeProduct(specs)
        #expect(product.dimension == 16)
        #expect(product.ranges == [0..<6, 6..<9, 9..<11, 11..<14, 14..<16], "ranges \(product.ranges)")
        let kinds = product.cones.map { cone -> String in
            switch cone {
            case .nonnegative: return "nn\(cone.dimension)"
            case .secondOrder: return "soc\(cone.dimension)"
            case .zero: return "zero\(cone.dimension)"
            case .positiveSemidefinite, .nonsymmetric: return "?"
            }
        }
        #expect(kinds == ["nn6", "soc3", "soc2", "zero3", "nn2"], "blocks \(kinds)")
        // Degree: 6 (orthant) + 1 + 1 (SOCs) + 0 (zero) + 2 (orthant) = 10.
        #expect(product.degree == 10)
        #expect(product.degree == product.cones.reduce(0) { $0 + $1.degree })
        #expect(product.cones.reduce(0) { $0 + $1.dimension } == specs.reduce(0) { $0 + $1.dimension })
        for (cone, r) in zip(product.cones, product.ranges) { #expect(cone.dimension == r.count) }

        let onlySOC1 = ConeProduct([.secondOrder(1), .secondOrder(1), .secondOrder(1)])
        let isOrthant: Bool
        if case .nonnegative = onlySOC1.cones[0] { isOrthant = true } else { isOrthant = false }
        #expect(onlySOC1.cones.count == 1 && isOrthant && onlySOC1.degree == 3)
        let empty = ConeProduct([])
        #expect(empty.cones.isEmpty && empty.dimension == 0 && empty.degree == 0)
        #expect(empty.minimumEigenvalue([]) == .infinity)
    }

    /// The product applies the cone maths blockwise: H z = s over a mixed product (zero blocks
    /// have s = 0), the step is the minimum over blocks, and `shiftToInterior` lands on
    /// minimum eigenvalue 1.
    @Test func coneProductBlockwise() {
        let specs: [ConeSpec] = [.secondOrder(3), .zero(2), .nonnegative(3), .secondOrder(1), .secondOrder(4)]
        let product = ConeProduct(specs)
        var rng = TestSeededGenerator(seed: 4242)
        for trial in 0..<trials {
            var s: [Double] = [], z: [Double] = []
            for (cone, _) in zip(product.cones, product.ranges) {
                let spec: ConeSpec = cone.isZero ? .zero(cone.dimension)
                    : cone.isSecondOrder ? .secondOrder(cone.dimension) : .nonnegative(cone.dimension)
                s += randomInterior(spec, &rng)
                z += cone.isZero ? rng.vector(cone.dimension, -5, 5) : randomInterior(spec, &rng)
            }
            #expect(product.updateScaling(s: s, z: z), "trial \(trial)")
            var Hz = [Double](repeating: .nan, count: s.count)
            z.withUnsafeBufferPointer { zp in Hz.withUnsafeMutableBufferPointer { product.multiplyHessian(zp, into: $0) } }
            for (cone, r) in zip(product.cones, product.ranges) {
                let err = zip(Hz[r], s[r]).map { abs($0 - $1) }.max() ?? 0
                #expect(err <= 1e-10 * max(certMaxAbs(Array(s[r])), 1e-300), "trial \(trial), block \(cone.dimension): ‖Hz − s‖ = \(err)")
            }
            var ds = [Double](repeating: 0, count: s.count), t = ds
            product.slackOffset(into: &ds, target: &t, corrector: nil)
            let back = zip(ds, s).map { abs($0 - $1) }.max() ?? 0
            #expect(back <= 1e-9 * certMaxAbs(s), "trial \(trial): ‖W(λ \\ λ∘λ) − s‖∞ = \(back)")
            let dS = rng.vector(s.count, -1, 1).map { $0 * certMaxAbs(s) * 3 }
            let dZ = rng.vector(s.count, -1, 1).map { $0 * certMaxAbs(z) * 3 }
            let alpha = product.stepLength(s: s, deltaS: dS, z: z, deltaZ: dZ, maxStep: 1)
            var blockMin = 1.0
            for (cone, r) in zip(product.cones, product.ranges) {
                blockMin = Array(s[r]).withUnsafeBufferPointer { sp in Array(dS[r]).withUnsafeBufferPointer { dsp in
                    Array(z[r]).withUnsafeBufferPointer { zp in Array(dZ[r]).withUnsafeBufferPointer { dzp in
                        cone.stepLength(s: sp, deltaS: dsp, z: zp, deltaZ: dzp, maxStep: blockMin)
                    } }
                } }
            }
            #expect(alpha == blockMin, "trial \(trial): product step \(alpha), blockwise \(blockMin)")
            var v = rng.vector(s.count, -3, 3)
            product.shiftToInterior(&v)
            expectClose(product.minimumEigenvalue(v), 1, tol: 1e-12, "trial \(trial): shiftToInterior")
        }
    }

    /// Cholesky-based check used above, exercised on known matrices.
    @Test func choleskyHelper() {
        #expect(choleskySucceeds([[2, 1], [1, 2]]))
        #expect(!choleskySucceeds([[1, 2], [2, 1]]))
    }
}

/// Whether the dense symmetric matrix is positive definite (a plain Cholesky succeeds).
private func choleskySucceeds(_ M: [[Double]]) -> Bool {
    let n = M.count
    var L = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for j in 0..<n {
        var d = M[j][j]
        for k in 0..<j { d -= L[j][k] * L[j][k] }
        guard d > 0 else { return false }
        L[j][j] = d.squareRoot()
        for i in (j + 1)..<n {
            var v = M[i][j]
            for k in 0..<j { v -= L[i][k] * L[j][k] }
            L[i][j] = v / L[j][j]
        }
    }
    return true
}
