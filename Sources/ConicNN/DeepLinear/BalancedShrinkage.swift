#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scalar problem behind every closed form of ICLR 2021 with weight decay:
///
///     g(p) = ½(c − p)² + (βL/2)·p^{2/L},   p ≥ 0.
///
/// Why: a product `M = W₁⋯W_L` has `min ½Σ‖Wₗ‖²_F = (L/2)Σᵢσᵢ(M)^{2/L}` over its factorizations,
/// reached by the balanced one (every layer carries `σᵢ^{1/L}`); with orthonormal data the loss
/// splits along the singular directions of the target, leaving one `g` per singular value `c`.
///
/// For `L = 2`, `p* = (c − β)₊` (singular-value soft-thresholding). For `L > 2`, `p^{2/L}` is
/// concave: `p* = 0` for `c ≤ c*` and otherwise the largest root of `p + βp^{(2−L)/L} = c`, which
/// jumps from 0 to `p₀ = (β(L − 2))^{L/(2L−2)}` at the threshold `c* = p₀ + βp₀^{(2−L)/L}` (there
/// `g(p₀) = g(0)`; derivation in docs/nn-deep.md).
public enum BalancedShrinkage {
    /// `c*(β, L)`: a singular value `c` gives a non-zero direction exactly when `c > c*`
    /// (`β` for `L = 2`, `2β^{3/4}` for `L = 3`).
    public static func threshold(beta: Double, depth: Int) -> Double {
        precondition(depth >= 2 && beta >= 0)
        if depth == 2 || beta == 0 { return beta }
        let l = Double(depth)
        let p0 = pow(beta * (l - 2), l / (2 * l - 2))
        return p0 + beta * pow(p0, (2 - l) / l)
    }

    /// The global minimizer `p*` of `g` (0 at the threshold itself, where both tie).
    public static func scale(targetNorm c: Double, beta: Double, depth: Int) -> Double {
        precondition(depth >= 2 && beta >= 0)
        if beta == 0 { return max(c, 0) }
        if depth == 2 { return max(c - beta, 0) }
        guard c > threshold(beta: beta, depth: depth) else { return 0 }
        let l = Double(depth)
        // h(p) = p + βp^{(2−L)/L} increases on [p₀, ∞) (its minimum is below p₀), h(p₀) = c* < c ≤ h(c).
        func h(_ p: Double) -> Double { p + beta * pow(p, (2 - l) / l) }
        var low = pow(beta * (l - 2), l / (2 * l - 2)), high = c
        for _ in 0..<200 {
            let mid = 0.5 * (low + high)
            guard mid > low, mid < high else { break }
            if h(mid) < c { low = mid } else { high = mid }
        }
        let p = 0.5 * (low + high)
        return value(p, targetNorm: c, beta: beta, depth: depth) < 0.5 * c * c ? p : 0
    }

    /// `g(p)`.
    public static func value(_ p: Double, targetNorm c: Double, beta: Double, depth: Int) -> Double {
        0.5 * (c - p) * (c - p) + 0.5 * beta * Double(depth) * pow(max(p, 0), 2 / Double(depth))
    }
}
