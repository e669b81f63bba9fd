import ConicSolver

/// Whether a data matrix `A` is spike-free (JMLR Lemma 2.3): every rectified image `(Au)₊`,
/// `‖u‖ ≤ 1`, equals `Az` for some `‖z‖ ≤ 1`, i.e. `(Au)₊ ∈ range(A)` and `‖A†(Au)₊‖ ≤ 1`.
/// For spike-free data the relaxation oracle of the cutting-plane method is exact
/// (Proposition 3.2), so its "no violation" proves global optimality.
///
/// Deciding this is a non-concave maximization, so the check is an estimate with one-sided
/// proofs: a witness `u` proves the data are *not* spike-free; a bound proves they are
/// (whitened data with `n ≤ d`: `σ₁/σₙ = 1`, Lemma 2.4; rank one with a one-signed left singular
/// vector, Lemma 2.5); otherwise the verdict is ``Verdict/likely`` — the largest value found
/// by many ascents stayed ≤ 1, without proof.
public struct SpikeFreeReport: Sendable, Equatable, Codable {
    /// The outcome of the check.
    public enum Verdict: String, Sendable, Codable {
        /// Proven spike-free.
        case certified
        /// Proven not spike-free: ``witness`` violates the condition.
        case violated
        /// No violation found, but no proof either.
        case likely
    }

    public var verdict: Verdict
    /// How the verdict was reached, in words.
    public var reason: String
    /// The largest `‖A†(Au)₊‖` found (≤ 1 for spike-free data).
    public var largestPseudoinverseNorm: Double
    /// The largest `‖(I − AA†)(Au)₊‖ / ‖(Au)₊‖` found (0 for spike-free data).
    public var largestRangeResidual: Double
    /// `σ₁/σ_r` of `A`: a proven upper bound on `‖A†(Au)₊‖` (not on the range residual).
    public var conditionBound: Double
    /// A unit `u` that violates the condition, when ``verdict`` is ``Verdict/violated``.
    public var witness: [Double]?
}

/// The spike-free estimate.
public enum SpikeFreeCheck {
    /// Values above `1 + tolerance` (or range residuals above `tolerance`) count as violations.
    public static let tolerance = 1e-7

    /// Checks `features` (`n × d`) with `starts` seeded random directions, each improved by
    /// projected gradient ascent on the sphere.
    public static func check(features a: DenseMatrix, starts: Int = 200, seed: UInt64 = 0) -> SpikeFreeReport {
        let n = a.rowCount, d = a.columnCount
        guard n > 0, d > 0, let (left, sigma, _) = a.singularValueDecomposition(), let largest = sigma.first, largest > 0 else {
            return SpikeFreeReport(verdict: .certified, reason: "zero data: every rectified image is 0", largestPseudoinverseNorm: 0,
                                   largestRangeResidual: 0, conditionBound: 0, witness: nil)
        }
        let rank = NumericalRank.of(singularValues: sigma)
        let condition = largest / sigma[rank - 1]
        // A†h = VΣ⁻¹Uᵀh, so ‖A†h‖ = ‖Σ⁻¹Uᵀh‖; the range residual is h − UUᵀh.
        func measures(_ u: [Double]) -> (pseudo: Double, residual: Double, h: [Double], coordinates: [Double]) {
            let h = a.multiplied(by: u).map { max($0, 0) }
            var coordinates = [Double](repeating: 0, count: rank)
            for k in 0..<rank { for i in 0..<n { coordinates[k] += left[i, k] * h[i] } }
            var residual = h
            for k in 0..<rank { for i in 0..<n { residual[i] -= left[i, k] * coordinates[k] } }
            let pseudo = euclideanNorm((0..<rank).map { coordinates[$0] / sigma[$0] })
            let norm = euclideanNorm(h)
            return (pseudo, norm > 0 ? euclideanNorm(residual) / norm : 0, h, coordinates)
        }

        var rng = SeededGenerator(seed: seed)
        var bestPseudo = 0.0, bestResidual = 0.0
        var witness: [Double]?
        for _ in 0..<starts {
            var u = unit((0..<d).map { _ in rng.nextGaussian() })
            // Ascent on ½‖Σ⁻¹Uᵀ(Au)₊‖²: gradient Aᵀ D U Σ⁻² Uᵀ(Au)₊ with D the active samples.
            var step = 1.0 / (condition * condition)
            var current = measures(u)
            for _ in 0..<100 {
                var back = [Double](repeating: 0, count: n)
                for k in 0..<rank {
                    let weight = current.coordinates[k] / (sigma[k] * sigma[k])
                    for i in 0..<n where current.h[i] > 0 { back[i] += left[i, k] * weight }
                }
                let gradient = a.transposeMultiplied(by: back)
                let trial = unit(zip(u, gradient).map { $0 + step * $1 })
                let next = measures(trial)
                if next.pseudo > current.pseudo {
                    (u, current) = (trial, next)
                    step *= 1.5
                } else {
                    step *= 0.5
                    if step < 1e-12 { break }
                }
            }
            if current.pseudo > bestPseudo { bestPseudo = current.pseudo; if bestPseudo > 1 + tolerance { witness = u } }
            if current.residual > bestResidual { bestResidual = current.residual; if bestResidual > tolerance { witness = u } }
        }

        let report = { (verdict: SpikeFreeReport.Verdict, reason: String) in
            SpikeFreeReport(verdict: verdict, reason: reason, largestPseudoinverseNorm: bestPseudo, largestRangeResidual: bestResidual,
                            conditionBound: condition, witness: verdict == .violated ? witness : nil)
        }
        if bestResidual > tolerance {
            return report(.violated, "a rectified image (Au)₊ lies outside the range of A")
        }
        if bestPseudo > 1 + tolerance {
            return report(.violated, "‖A†(Au)₊‖ > 1 for a unit u")
        }
        if rank == n, condition <= 1 + tolerance {
            return report(.certified, "full row rank with σ₁/σₙ = 1 (whitened, Lemma 2.4)")
        }
        if rank == 1 {
            let column = (0..<n).map { left[$0, 0] }
            if column.allSatisfy({ $0 >= -tolerance }) || column.allSatisfy({ $0 <= tolerance }) {
                return report(.certified, "rank one with a one-signed left singular vector (Lemma 2.5)")
            }
        }
        return report(.likely, "no violation found in \(starts) ascents (an estimate, not a proof)")
    }

    private static func unit(_ v: [Double]) -> [Double] {
        let norm = euclideanNorm(v)
        return norm > 0 ? v.map { $0 / norm } : v
    }
}
