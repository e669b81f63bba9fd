/// The cone of positive semidefinite `n × n` matrices in `svec` form (see ``Svec``).
///
/// Jordan product `X∘Y = (XY + YX)/2`, identity `e = svec(I)`, degree `n`.
/// Nesterov–Todd scaling from the Cholesky factors `S = L_s L_sᵀ`, `Z = L_z L_zᵀ` and the SVD
/// `L_zᵀ L_s = U Λ Vᵀ`:
///
///     R = L_s V Λ^{-1/2},   R⁻¹ = Λ^{-1/2} Uᵀ L_zᵀ,
///     W(Z) = RᵀZR,   W⁻ᵀ(S) = R⁻¹SR⁻ᵀ,   Wᵀ(Y) = RYRᵀ,   λ = Λ (diagonal),
///     H(Z) = (RRᵀ) Z (RRᵀ),   H⁻¹(X) = G X G with G = (RRᵀ)⁻¹ = R⁻ᵀR⁻¹.
///
/// `H` and `H⁻¹` are applied in the eigenbasis `RRᵀ = QΩQᵀ`, as `Q[(QᵀZQ) ∘ ωωᵀ]Qᵀ` and with
/// `1/ω` for the inverse, so both come from one decomposition: in `Q`'s coordinates they are
/// exact inverses. Near the end `RRᵀ` has a condition number like `1/μ`, and the separately
/// rounded products `RRᵀ` and `(RRᵀ)⁻¹` then disagree in the directions of the small
/// eigenvalues — enough to stall iterative refinement, which measures residuals with `H` and
/// corrects with `H⁻¹` (measured on SDPLIB, see `docs/solver.md`). A round trip `H(H⁻¹v)`
/// through the standard basis still loses the small components of `v` to the large ones.
///
/// Step lengths come from the smallest eigenvalue of `L⁻¹ ΔX L⁻ᵀ` (`X = LLᵀ`).
///
/// - Complexity: `O(n³)` per operation (LAPACK and BLAS-3), plus `O(n⁴)` to write out a full
///   `H` block for the sparse Newton-system forms.
final class PSDTriangleCone: Cone {
    /// Matrix order `n`.
    let order: Int
    let dimension: Int
    var degree: Int { order }
    var couplesRows: Bool { order > 1 }

    private var r: [Double]
    private var rInverse: [Double]
    private var lambda: [Double]
    /// `G = QΩ⁻¹Qᵀ = (RRᵀ)⁻¹`, for assembling the Schur complement.
    private(set) var g: [Double]
    /// The eigendecomposition `RRᵀ = QΩQᵀ`: `Q` (columns), `ω` and `1/ω`.
    private var eigenvectors: [Double], omega: [Double], omegaInverse: [Double]
    private var work1: [Double], work2: [Double], work3: [Double], work4: [Double]
    private var vector: [Double]
    /// The point of the last scaling update and the Cholesky factors of `mat(s)` and `mat(z)`
    /// computed there: the step lengths of the iteration are evaluated at that point.
    private var scalingPoint: (s: [Double], z: [Double], factorS: [Double], factorZ: [Double])?

    init(order: Int) {
        self.order = order
        dimension = order * (order + 1) / 2
        var identity = [Double](repeating: 0, count: order * order)
        for i in 0..<order { identity[i + i * order] = 1 }
        r = identity; rInverse = identity; g = identity; eigenvectors = identity
        omega = [Double](repeating: 1, count: order); omegaInverse = omega
        lambda = [Double](repeating: 1, count: order)
        work1 = identity; work2 = identity; work3 = identity; work4 = identity
        vector = [Double](repeating: 0, count: order)
    }

    func setIdentityScaling() {
        scalingPoint = nil
        for j in 0..<order {
            for i in 0..<order {
                let value: Double = i == j ? 1 : 0
                r[i + j * order] = value; rInverse[i + j * order] = value
                g[i + j * order] = value; eigenvectors[i + j * order] = value
            }
            lambda[j] = 1; omega[j] = 1; omegaInverse[j] = 1
        }
    }

    func updateScaling(s: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>) -> Bool {
        let n = order
        return work1.withUnsafeMutableBufferPointer { ls in
        work2.withUnsafeMutableBufferPointer { lz in
        work3.withUnsafeMutableBufferPointer { u in
        work4.withUnsafeMutableBufferPointer { vt in
        r.withUnsafeMutableBufferPointer { rp in
        rInverse.withUnsafeMutableBufferPointer { rip in
        lambda.withUnsafeMutableBufferPointer { lam in
            let lsP = ls.baseAddress!, lzP = lz.baseAddress!, uP = u.baseAddress!, vtP = vt.baseAddress!
            Svec.unpack(s, into: lsP, order: n)
            Svec.unpack(z, into: lzP, order: n)
            guard Dense.cholesky(lsP, n: n), Dense.cholesky(lzP, n: n) else { return false }
            scalingPoint = (Array(s), Array(z), Array(ls), Array(lz))
            // M = L_zᵀ L_s into rp (as scratch), then its SVD.
            Dense.multiply(lzP, transposeA: true, lsP, transposeB: false, into: rp.baseAddress!, m: n, n: n, k: n)
            guard Dense.singularValueDecomposition(rp.baseAddress!, n: n, u: uP, sigma: lam.baseAddress!, vt: vtP) else { return false }
            for i in 0..<n where !(lam[i] > 0) { return false }
            // R = L_s V Λ^{-1/2}
            Dense.multiply(lsP, transposeA: false, vtP, transposeB: true, into: rp.baseAddress!, m: n, n: n, k: n)
            for j in 0..<n {
                let scale = 1 / lam[j].squareRoot()
                for i in 0..<n { rp[i + j * n] *= scale }
            }
            // R⁻¹ = Λ^{-1/2} Uᵀ L_zᵀ
            Dense.multiply(uP, transposeA: true, lzP, transposeB: true, into: rip.baseAddress!, m: n, n: n, k: n)
            for j in 0..<n {
                for i in 0..<n { rip[i + j * n] /= lam[i].squareRoot() }
            }
            return true
        }}}}}}} && refreshProducts()
    }

    /// The eigendecomposition `RRᵀ = QΩQᵀ` and `G = QΩ⁻¹Qᵀ`. (`G` from the same eigenbasis as
    /// `H⁻¹` rather than as `R⁻ᵀR⁻¹`: the Schur matrix assembled from it is then the better
    /// preconditioner for refinement — measured: control5 and gpp250-3 end `almost_solved`
    /// with `R⁻ᵀR⁻¹`, and truss8 takes 3× as long.)
    private func refreshProducts() -> Bool {
        let n = order
        let ok = eigenvectors.withUnsafeMutableBufferPointer { q in
            r.withUnsafeBufferPointer { rp in
                Dense.multiply(rp.baseAddress!, transposeA: false, rp.baseAddress!, transposeB: true, into: q.baseAddress!, m: n, n: n, k: n)
            }
            return omega.withUnsafeMutableBufferPointer { Dense.symmetricEigen(q.baseAddress!, n: n, into: $0.baseAddress!) }
        }
        guard ok, let largest = omega.last, largest > 0, largest.isFinite else { return false }
        // RRᵀ is positive definite, but at condition numbers near 1/ε rounding can put its
        // smallest computed eigenvalues at or below zero: clamp them (H and H⁻¹ built from the
        // clamped ω stay inverses of each other) rather than fail the step.
        let floor = largest * 1e-30
        for j in 0..<n {
            omega[j] = max(omega[j], floor)
            omegaInverse[j] = 1 / omega[j]
        }
        g = eigenProduct(omegaInverse)
        return g.allSatisfy(\.isFinite)
    }

    /// `V = QΩ^{-1/2}`, a factor of `G = VVᵀ` (column-major): products through it keep the rounding
    /// of each term relative to its own eigenvalue of `G`, which products through the explicit `G`
    /// do not. Computed on request (`n²`): only the Schur form's factored assembly needs it.
    func gFactor() -> [Double] {
        let n = order
        var v = eigenvectors
        for j in 0..<n {
            let scale = omegaInverse[j].squareRoot()
            for i in 0..<n { v[i + j * n] *= scale }
        }
        return v
    }

    /// `Q diag(d) Qᵀ`.
    private func eigenProduct(_ d: [Double]) -> [Double] {
        let n = order
        var scaled = eigenvectors, out = eigenvectors
        for j in 0..<n { for i in 0..<n { scaled[i + j * n] *= d[j] } }
        scaled.withUnsafeBufferPointer { sp in eigenvectors.withUnsafeBufferPointer { qp in out.withUnsafeMutableBufferPointer { op in
            Dense.multiply(sp.baseAddress!, transposeA: false, qp.baseAddress!, transposeB: true, into: op.baseAddress!, m: n, n: n, k: n)
        }}}
        return out
    }

    /// `out ← svec(Q[(QᵀVQ) ∘ ddᵀ]Qᵀ)`: `H` for `d = ω`, `H⁻¹` for `d = 1/ω`.
    private func eigenCongruence(_ v: UnsafeBufferPointer<Double>, _ d: [Double], into out: UnsafeMutableBufferPointer<Double>) {
        let n = order
        work1.withUnsafeMutableBufferPointer { x in
        work2.withUnsafeMutableBufferPointer { t in
        eigenvectors.withUnsafeBufferPointer { q in
        d.withUnsafeBufferPointer { d in
            Svec.unpack(v, into: x.baseAddress!, order: n)
            Dense.multiply(q.baseAddress!, transposeA: true, x.baseAddress!, transposeB: false, into: t.baseAddress!, m: n, n: n, k: n)
            Dense.multiply(t.baseAddress!, transposeA: false, q.baseAddress!, transposeB: false, into: x.baseAddress!, m: n, n: n, k: n)
            for j in 0..<n {
                let dj = d[j]
                for i in 0..<n { x[i + j * n] *= d[i] * dj }
            }
            Dense.multiply(q.baseAddress!, transposeA: false, x.baseAddress!, transposeB: false, into: t.baseAddress!, m: n, n: n, k: n)
            Dense.multiply(t.baseAddress!, transposeA: false, q.baseAddress!, transposeB: true, into: x.baseAddress!, m: n, n: n, k: n)
            Svec.pack(x.baseAddress!, into: out, order: n)
        }}}}
    }

    /// `out ← svec(Bᵀ mat(v) B)` (or `B mat(v) Bᵀ` when `transposeRight`), through work buffers.
    private func congruence(_ v: UnsafeBufferPointer<Double>, by b: [Double], transposeRight: Bool,
                            into out: UnsafeMutableBufferPointer<Double>) {
        let n = order
        work1.withUnsafeMutableBufferPointer { x in
        work2.withUnsafeMutableBufferPointer { t in
        b.withUnsafeBufferPointer { bp in
            Svec.unpack(v, into: x.baseAddress!, order: n)
            if transposeRight {
                // B X Bᵀ
                Dense.multiply(bp.baseAddress!, transposeA: false, x.baseAddress!, transposeB: false, into: t.baseAddress!, m: n, n: n, k: n)
                Dense.multiply(t.baseAddress!, transposeA: false, bp.baseAddress!, transposeB: true, into: x.baseAddress!, m: n, n: n, k: n)
            } else {
                // Bᵀ X B
                Dense.multiply(bp.baseAddress!, transposeA: true, x.baseAddress!, transposeB: false, into: t.baseAddress!, m: n, n: n, k: n)
                Dense.multiply(t.baseAddress!, transposeA: false, bp.baseAddress!, transposeB: false, into: x.baseAddress!, m: n, n: n, k: n)
            }
            Svec.pack(x.baseAddress!, into: out, order: n)
        }}}
    }

    func minimumEigenvalue(_ v: UnsafeBufferPointer<Double>) -> Double {
        let n = order
        return work1.withUnsafeMutableBufferPointer { x in
            vector.withUnsafeMutableBufferPointer { w in
                Svec.unpack(v, into: x.baseAddress!, order: n)
                guard Dense.symmetricEigenvalues(x.baseAddress!, n: n, into: w.baseAddress!) else { return -.infinity }
                return w[0]
            }
        }
    }

    func isInterior(_ v: UnsafeBufferPointer<Double>) -> Bool {
        work1.withUnsafeMutableBufferPointer { l in
            Svec.unpack(v, into: l.baseAddress!, order: order)
            return Dense.cholesky(l.baseAddress!, n: order)
        }
    }

    func addIdentity(_ v: UnsafeMutableBufferPointer<Double>, scale alpha: Double) {
        for j in 0..<order { v[Svec.index(j, j)] += alpha }
    }

    func setToIdentity(_ v: UnsafeMutableBufferPointer<Double>) {
        v.update(repeating: 0)
        addIdentity(v, scale: 1)
    }

    func affineTarget(_ out: UnsafeMutableBufferPointer<Double>) {
        out.update(repeating: 0)
        for j in 0..<order { out[Svec.index(j, j)] = lambda[j] * lambda[j] }
    }

    func addCorrector(_ t: UnsafeMutableBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                      deltaZ: UnsafeBufferPointer<Double>, sigmaMu: Double) {
        let n = order
        var a = [Double](repeating: 0, count: dimension), b = a
        a.withUnsafeMutableBufferPointer { congruence(deltaS, by: rInverse, transposeRight: true, into: $0) }  // R⁻¹ΔSR⁻ᵀ
        b.withUnsafeMutableBufferPointer { congruence(deltaZ, by: r, transposeRight: false, into: $0) }       // RᵀΔZR
        work3.withUnsafeMutableBufferPointer { am in
        work4.withUnsafeMutableBufferPointer { bm in
        work1.withUnsafeMutableBufferPointer { product in
            a.withUnsafeBufferPointer { Svec.unpack($0, into: am.baseAddress!, order: n) }
            b.withUnsafeBufferPointer { Svec.unpack($0, into: bm.baseAddress!, order: n) }
            // (AB + BA)/2: pack symmetrizes AB, which equals (AB + (AB)ᵀ)/2 = (AB + BA)/2.
            Dense.multiply(am.baseAddress!, transposeA: false, bm.baseAddress!, transposeB: false, into: product.baseAddress!, m: n, n: n, k: n)
            var packed = [Double](repeating: 0, count: dimension)
            packed.withUnsafeMutableBufferPointer { Svec.pack(product.baseAddress!, into: $0, order: n) }
            for k in 0..<dimension { t[k] += packed[k] }
        }}}
        for j in 0..<n { t[Svec.index(j, j)] -= sigmaMu }
    }

    func slackOffset(target t: UnsafeBufferPointer<Double>, into ds: UnsafeMutableBufferPointer<Double>) {
        // λ \ t: X_ij = 2 T_ij / (λ_i + λ_j) (elementwise in svec, the √2 factors cancel).
        var x = [Double](repeating: 0, count: dimension)
        for j in 0..<order {
            for i in 0...j { x[Svec.index(i, j)] = 2 * t[Svec.index(i, j)] / (lambda[i] + lambda[j]) }
        }
        x.withUnsafeBufferPointer { congruence($0, by: r, transposeRight: true, into: ds) }  // R X Rᵀ
    }

    func multiplyHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        eigenCongruence(v, omega, into: out)
    }

    func multiplyInverseHessian(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                                equalityRegularization delta: Double) {
        eigenCongruence(v, omegaInverse, into: out)
    }

    /// `out ← G V G` through the explicit `G`: half the products of
    /// ``multiplyInverseHessian(_:into:equalityRegularization:)``, but accurate only to `ε·cond(G)`
    /// in the directions of `G`'s small eigenvalues.
    func multiplyByExplicitInverse(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        congruence(v, by: g, transposeRight: false, into: out)
    }

    /// The `svec` matrix of `X ↦ B X B` for symmetric `B` (the symmetric Kronecker product
    /// `B ⊗ₛ B`): entry `((i,j),(k,l))` is `s_ij/s_kl (B_ik B_jl + B_il B_jk)` for `k < l` and
    /// `s_ij B_ik B_jk` for `k = l`, with `s = √2` off the diagonal and 1 on it.
    private func kroneckerBlock(_ b: [Double], diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock {
        let n = order, k = dimension
        let root2 = 2.0.squareRoot()
        var block = [Double](repeating: 0, count: k * k)
        b.withUnsafeBufferPointer { b in
            block.withUnsafeMutableBufferPointer { out in
                for l in 0..<n {
                    for kk in 0...l {
                        let column = Svec.index(kk, l)
                        for j in 0..<n {
                            for i in 0...j {
                                let row = Svec.index(i, j)
                                var value: Double
                                if kk == l {
                                    value = b[i + kk * n] * b[j + kk * n]
                                    if i != j { value *= root2 }
                                } else {
                                    value = b[i + kk * n] * b[j + l * n] + b[i + l * n] * b[j + kk * n]
                                    if i == j { value /= root2 }
                                }
                                out[row + column * k] = value
                            }
                        }
                    }
                }
            }
        }
        for d in 0..<k { diagonal[d] = block[d + d * k] }
        return .dense(block)
    }

    func hessian(diagonal: UnsafeMutableBufferPointer<Double>) -> ScalingBlock {
        kroneckerBlock(eigenProduct(omega), diagonal: diagonal)
    }

    func inverseHessian(diagonal: UnsafeMutableBufferPointer<Double>, equalityRegularization delta: Double) -> ScalingBlock {
        kroneckerBlock(g, diagonal: diagonal)
    }

    func stepLength(s: UnsafeBufferPointer<Double>, deltaS: UnsafeBufferPointer<Double>,
                    z: UnsafeBufferPointer<Double>, deltaZ: UnsafeBufferPointer<Double>, maxStep: Double) -> Double {
        let alphaS = boundaryStep(s, deltaS, maxStep)
        // When z + α_s Δz is still positive definite, z's own bound is not the smaller one: one
        // Cholesky factorization (n³/3 flops, BLAS-3) then replaces a triangular congruence and an
        // eigenvalue problem (4n³/3 flops, half of them at BLAS-2 speed).
        if alphaS > 0, isInterior(z, along: deltaZ, step: alphaS) { return alphaS }
        return min(alphaS, boundaryStep(z, deltaZ, alphaS))
    }

    /// Whether `mat(x + α d)` is positive definite.
    private func isInterior(_ x: UnsafeBufferPointer<Double>, along d: UnsafeBufferPointer<Double>, step alpha: Double) -> Bool {
        var point = [Double](repeating: 0, count: dimension)
        for k in 0..<dimension { point[k] = x[k] + alpha * d[k] }
        return point.withUnsafeBufferPointer { isInterior($0) }
    }

    /// Largest `α ≤ maxStep` with `mat(x + αd) ⪰ 0`: `1 / max(0, −λ_min(L⁻¹ mat(d) L⁻ᵀ))`, with
    /// `L` from the scaling update when `x` is the point it was computed at.
    private func boundaryStep(_ x: UnsafeBufferPointer<Double>, _ d: UnsafeBufferPointer<Double>, _ maxStep: Double) -> Double {
        let n = order
        let known = scalingPoint.flatMap { point in
            point.s.elementsEqual(x) ? point.factorS : point.z.elementsEqual(x) ? point.factorZ : nil
        }
        return work1.withUnsafeMutableBufferPointer { l in
        work2.withUnsafeMutableBufferPointer { dm in
        vector.withUnsafeMutableBufferPointer { w in
            if let known {
                l.baseAddress!.update(from: known, count: n * n)
            } else {
                Svec.unpack(x, into: l.baseAddress!, order: n)
                guard Dense.cholesky(l.baseAddress!, n: n) else { return 0 }
            }
            Svec.unpack(d, into: dm.baseAddress!, order: n)
            Dense.triangularSolve(l.baseAddress!, dm.baseAddress!, n: n, right: false)
            Dense.triangularSolve(l.baseAddress!, dm.baseAddress!, n: n, right: true)
            // All eigenvalues (dsyev): `dsyevr` for the smallest alone is a third faster at order
            // 500, but its result differs in the last bits, and that alone turned control6, hinf7
            // and hinf14 from `solved` into `almost_solved` (docs/history/benchmarks-log.md, 2026-11-23).
            guard Dense.symmetricEigenvalues(dm.baseAddress!, n: n, into: w.baseAddress!) else { return 0 }
            let smallest = w[0]
            return smallest < 0 ? min(maxStep, -1 / smallest) : maxStep
        }}}
    }
}
