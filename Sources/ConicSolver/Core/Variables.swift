/// The iterate of the homogeneous self-dual embedding, in the scaled data: `x`, the slacks
/// `s ∈ K`, the duals `z ∈ K*`, and `τ, κ ≥ 0`. A solution with `τ > 0` is `(x, s, z)/τ`.
struct Variables {
    var x: [Double], s: [Double], z: [Double]
    var tau = 1.0, kappa = 1.0

    /// Zero vectors for `n` variables and `m` constraint rows, `τ = κ = 1`.
    init(n: Int, m: Int) {
        x = [Double](repeating: 0, count: n)
        s = [Double](repeating: 0, count: m)
        z = s
    }
}

/// The residuals of the embedding at an iterate, and the products they are made of:
///
///     r_x = Px + Aᵀz + qτ,   r_z = Ax + s − bτ,   r_τ = qᵀx + bᵀz + κ + xᵀPx/τ.
struct Residuals {
    var rx: [Double], rz: [Double], rtau = 0.0
    var Px: [Double], Atz: [Double], Ax: [Double]
    var xPx = 0.0, qx = 0.0, bz = 0.0

    /// Zero residuals for `n` variables and `m` constraint rows.
    init(n: Int, m: Int) {
        rx = [Double](repeating: 0, count: n); Px = rx; Atz = rx
        rz = [Double](repeating: 0, count: m); Ax = rz
    }

    /// Evaluates the residuals of `v` for the scaled data.
    ///
    /// - Complexity: one product each with `P`, `A` and `Aᵀ`.
    mutating func update(_ v: Variables, data: ScaledProblem) {
        let n = rx.count, m = rz.count
        fill(&Px, 0); fill(&Atz, 0); fill(&Ax, 0)
        v.x.withUnsafeBufferPointer { xp in
            Px.withUnsafeMutableBufferPointer { data.P.symmetricMultiplyAdd(xp, into: $0) }
            Ax.withUnsafeMutableBufferPointer { data.A.multiplyAdd(xp, into: $0) }
        }
        v.z.withUnsafeBufferPointer { zp in Atz.withUnsafeMutableBufferPointer { data.A.transposeMultiplyAdd(zp, into: $0) } }
        xPx = dot(v.x, Px); qx = dot(data.q, v.x); bz = dot(data.b, v.z)
        for j in 0..<n { rx[j] = Px[j] + Atz[j] + data.q[j] * v.tau }
        for i in 0..<m { rz[i] = Ax[i] + v.s[i] - data.b[i] * v.tau }
        rtau = qx + bz + v.kappa + xPx / v.tau
    }
}
