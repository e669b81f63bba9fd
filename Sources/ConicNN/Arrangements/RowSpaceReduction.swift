import ConicSolver

/// The rows of a design matrix of rank `r ≤ 3` in coordinates of its row space:
/// `X̃ = Z·B + E`, where `B` (`r × d̃`) has orthonormal rows, `Z = X̃Bᵀ` (`n × r`) and `‖E‖₂` is
/// the largest singular value dropped (``residualNorm``, 0 up to rounding for exactly low-rank data).
///
/// Because `u ↦ Bu` maps the unit ball of `ℝ^d̃` onto the unit ball of `ℝʳ`, every question about
/// neurons `(X̃u)₊` with `‖u‖ ≤ 1` becomes a question about `(Zw)₊` with `‖w‖ ≤ 1` in at most
/// three dimensions, where the hyperplane arrangement `{w : zᵢᵀw = 0}` can be walked exactly.
struct RowSpaceReduction {
    /// Rows `zᵢ` padded with zeros to three coordinates.
    let rows: [SIMD3<Double>]
    /// `r`.
    let rank: Int
    /// `σ_{r+1}(X̃)`, a bound on `‖X̃u − Z(Bu)‖` for unit `u`.
    let residualNorm: Double
    /// The rows of `B` (`r` orthonormal vectors of length `d̃`): `u = Bᵀw` maps a direction
    /// `w` of the reduced space back to input weights with `X̃u = Zw` (up to ``residualNorm``).
    let basis: [[Double]]


    init(_ design: DenseMatrix) throws {
        guard let (u, sigma, vt) = design.singularValueDecomposition() else {
            throw ArrangementError.invalidData("the data matrix holds NaN or infinity, or its SVD did not converge")
        }
        let rank = NumericalRank.of(singularValues: sigma)
        guard rank <= 3 else { throw ArrangementError.rankTooHigh(rank) }
        self.rank = rank
        residualNorm = rank < sigma.count ? sigma[rank] : 0
        basis = (0..<rank).map { vt.row($0) }
        rows = (0..<design.rowCount).map { i in
            var z = SIMD3<Double>(repeating: 0)
            for k in 0..<rank { z[k] = u[i, k] * sigma[k] }
            return z
        }
    }

    /// Relative size below which `zᵢᵀw` counts as zero (the point lies on hyperplane `i`).
    private static let onHyperplane = 1e-12

    /// Calls `visit(pattern, vertex, edgeNormal)` with a point of every chamber (full-dimensional
    /// cell) of the arrangement, given by its bit-packed activation pattern.
    ///
    /// Every chamber of an essential central arrangement is a pointed cone, so it has a vertex
    /// (an extreme ray `p`) on its boundary. Around `p` the chambers are the sectors cut by the
    /// hyperplanes through `p`; the point `p + εq + ε²t` for infinitesimal `ε`, with `q` along a
    /// hyperplane through `p` and `t` across it, lies inside one sector, and its pattern is read
    /// lexicographically: the sign of `zᵢᵀp`, or of `zᵢᵀq` if that is zero, or of `zᵢᵀt`.
    /// `vertex` is `p` (unit); `edgeNormal` is the `zₖ` of the hyperplane that `q` runs along
    /// (rank 3 only), so that callers can also examine the edge between the two sectors.
    /// Samples with `zᵢ = 0` are active in every pattern (`0 ≥ 0`).
    func forEachChamber(_ visit: (_ pattern: [UInt64], _ vertex: SIMD3<Double>, _ edgeNormal: SIMD3<Double>?) -> Void) {
        let n = rows.count
        let wordCount = max(1, (n + 63) / 64)
        let norms = rows.map { ($0 * $0).sum().squareRoot() }
        let scale = norms.max() ?? 0
        let isZeroRow = norms.map { $0 <= Self.onHyperplane * scale }

        // Sign of zᵢᵀw: +1, −1 or 0 (on the hyperplane); zero rows report 0.
        func sign(_ i: Int, _ w: SIMD3<Double>) -> Int {
            if isZeroRow[i] { return 0 }
            let value = (rows[i] * w).sum()
            if abs(value) <= Self.onHyperplane * norms[i] { return 0 }
            return value > 0 ? 1 : -1
        }
        func normalized(_ w: SIMD3<Double>) -> SIMD3<Double> { w / (w * w).sum().squareRoot() }

        // Base pattern at `p` (active where zᵢᵀp > 0 or zᵢ = 0) and the hyperplanes through `p`.
        func base(_ p: SIMD3<Double>) -> (words: [UInt64], through: [Int]) {
            var words = [UInt64](repeating: 0, count: wordCount)
            var through = [Int]()
            for i in 0..<n {
                if isZeroRow[i] { words[i >> 6] |= 1 << UInt64(i & 63); continue }
                switch sign(i, p) {
                case 1: words[i >> 6] |= 1 << UInt64(i & 63)
                case 0: through.append(i)
                default: break
                }
            }
            return (words, through)
        }
        // The pattern of p + εq + ε²t, given the base at p.
        func perturbed(_ base: (words: [UInt64], through: [Int]), _ levels: [SIMD3<Double>]) -> [UInt64] {
            var words = base.words
            for i in base.through {
                for level in levels {
                    let s = sign(i, level)
                    if s == 0 { continue }
                    if s > 0 { words[i >> 6] |= 1 << UInt64(i & 63) }
                    break
                }
            }
            return words
        }

        switch rank {
        case 0:
            return
        case 1:
            for p in [SIMD3<Double>(1, 0, 0), SIMD3<Double>(-1, 0, 0)] {
                visit(base(p).words, p, nil)
            }
        case 2:
            // Rays: the directions ±rot90(zᵢ) in the plane; sectors on either side (q = ±zᵢ).
            for i in 0..<n where !isZeroRow[i] {
                let ray = normalized(SIMD3(-rows[i].y, rows[i].x, 0))
                for p in [ray, -ray] {
                    let b = base(p)
                    let along = normalized(rows[i])
                    for q in [along, -along] { visit(perturbed(b, [q]), p, nil) }
                }
            }
        default:
            for i in 0..<n where !isZeroRow[i] {
                for j in (i + 1)..<n where !isZeroRow[j] {
                    let cross = simdCross(rows[i], rows[j])
                    guard (cross * cross).sum().squareRoot() > Self.onHyperplane * norms[i] * norms[j] else { continue }
                    let vertex = normalized(cross)
                    for p in [vertex, -vertex] {
                        let b = base(p)
                        for k in b.through {
                            let q0 = normalized(simdCross(p, rows[k]))
                            for q in [q0, -q0] {
                                let t0 = normalized(simdCross(p, q))
                                for t in [t0, -t0] { visit(perturbed(b, [q, t]), p, rows[k]) }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension RowSpaceReduction {
    /// The input weights `u = Bᵀw` (length `d̃`) of a reduced direction `w`.
    func inputWeights(_ w: SIMD3<Double>) -> [Double] {
        var u = [Double](repeating: 0, count: basis.first?.count ?? 0)
        for k in 0..<rank { for j in u.indices { u[j] += w[k] * basis[k][j] } }
        return u
    }

    /// Calls `visit` with unit directions `w` that include a maximizer of `‖Vᵀ(Zw)₊‖` over the
    /// unit sphere, for any `V` (`n × c`) — and, for one output, of both `vᵀ(Zw)₊` and `−vᵀ(Zw)₊`.
    ///
    /// On each chamber of the arrangement the function is `w ↦ ‖G_Dᵀw‖` with
    /// `G_D = Σ_{i∈D} zᵢvᵢᵀ`, a convex function on a spherical polygon, so its maximum is at a
    /// critical point of `wᵀG_DG_Dᵀw` on the sphere: an eigenvector of `G_DG_Dᵀ` (interior), an
    /// eigenvector of its restriction to the plane of an edge (edge interior), or a vertex. Both
    /// signs of every eigenvector are visited, which covers the signed maxima for one output.
    func forEachCriticalDirection(dual v: DenseMatrix, _ visit: (SIMD3<Double>) -> Void) {
        let c = v.columnCount
        precondition(v.rowCount == rows.count)
        func consider(_ w: SIMD3<Double>) {
            let length = (w * w).sum().squareRoot()
            guard length > 0, length.isFinite else { return }
            visit(w / length)
        }
        // Lower rank: the chamber's sphere is a circle (or two points); eigenvectors of the
        // padded matrices still cover the in-plane critical points.
        forEachChamber { pattern, vertex, edgeNormal in
            consider(vertex)
            // S = G Gᵀ with G = Σ_{i∈D} zᵢ vᵢᵀ (3 × c).
            var g = [SIMD3<Double>](repeating: .zero, count: c)
            for (wordIndex, word) in pattern.enumerated() {
                var bits = word
                while bits != 0 {
                    let i = wordIndex * 64 + bits.trailingZeroBitCount
                    bits &= bits - 1
                    for k in 0..<c { g[k] += rows[i] * v.values[i * c + k] }
                }
            }
            var s = SymmetricMatrix3()
            for column in g { s.addOuterProduct(column) }
            for w in s.eigenvectors() { consider(w); consider(-w) }
            if let normal = edgeNormal {
                let projected = s.projected(orthogonalTo: normal)
                for w in projected.eigenvectors() { consider(w); consider(-w) }
            }
        }
    }

    /// `Vᵀ(Zw)₊` (length `c`).
    func outputs(dual v: DenseMatrix, at w: SIMD3<Double>) -> [Double] {
        let c = v.columnCount
        var out = [Double](repeating: 0, count: c)
        for i in rows.indices {
            let h = (rows[i] * w).sum()
            guard h > 0 else { continue }
            for k in 0..<c { out[k] += v.values[i * c + k] * h }
        }
        return out
    }
}

/// The cross product `a × b`.
func simdCross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
