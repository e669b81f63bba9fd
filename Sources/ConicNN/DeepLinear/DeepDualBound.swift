import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lower bounds on the deep weight-decay objective `P = ½‖f(X) − Y‖²_F + (β/2)Σₗ‖Wₗ‖²_F` from the
/// dual of ICLR 2021 (Lemma 1.1 and eq. 2's `D*`), valid for every network of the depth, any data.
///
/// Rescaling the last two layers gives `(β/2)(‖W_{L−1}‖² + ‖W_L‖²) ≥ βΣⱼ‖zⱼ‖` with the output
/// `Σⱼ hⱼzⱼᵀ`, `hⱼ = g(A_{L−2}uⱼ)` for unit `uⱼ`. For the first `L − 2` layers put `τ = Πₗ‖Wₗ‖_F`:
/// by AM–GM their decay is at least `(β/2)(L − 2)τ^{2/(L−2)}`, and `‖Λ₀ᵀhⱼ‖ ≤ γ·τ`, where the *gain*
/// `γ` is `σ_max(XᵀΛ₀)` for a linear network and `σ_max(Λ₀)σ_max(X)` for ReLU (`‖v₊‖ ≤ ‖v‖`).
/// Weak duality of the convex problem in `z` then gives, for every `s ≥ 0` with `sγτ ≤ β`,
/// `P ≥ (β/2)(L − 2)τ^{2/(L−2)} + s⟨Λ₀, Y⟩ − ½s²‖Λ₀‖²`, and the bound is the infimum over `τ` of
/// the best such `s`. For `L = 2` there is no `τ` and this is the two-layer dual value.
///
/// The bound is tight when the optimum has one non-zero direction and `Λ₀` is its residual; with
/// several directions it ties them to one `τ` and is loose (docs/nn-deep.md).
public enum DeepDualBound {
    /// `σ_max(XᵀΛ₀)`, the gain of a linear network; `nil` if the SVD fails.
    public static func linearGain(features: DenseMatrix, direction: DenseMatrix) -> Double? {
        features.multiplied(by: direction, transposeSelf: true).singularValueDecomposition()?.sigma.first ?? nil
    }

    /// `σ_max(Λ₀)·σ_max(X)`, a gain valid for ReLU hidden layers; `nil` if an SVD fails.
    public static func reluGain(features: DenseMatrix, direction: DenseMatrix) -> Double? {
        guard let a = direction.singularValueDecomposition()?.sigma.first,
              let x = features.singularValueDecomposition()?.sigma.first else { return nil }
        return a * x
    }

    /// The bound for the dual direction `Λ₀` (`n × K`, e.g. a network's residual `Y − f`).
    public static func lowerBound(targets: DenseMatrix, direction: DenseMatrix, gain: Double, beta: Double, depth: Int) -> Double {
        precondition(depth >= 2 && beta > 0 && targets.values.count == direction.values.count)
        let a = zip(targets.values, direction.values).reduce(0) { $0 + $1.0 * $1.1 }
        let b = direction.values.reduce(0) { $0 + $1 * $1 }
        guard a > 0, b > 0, gain.isFinite else { return 0 }
        let free = 0.5 * a * a / b          // the dual value without the constraint
        guard gain > 0 else { return free }
        // The dual value for constraint level c = β/τ: s = min(a/b, c/γ).
        func dual(_ c: Double) -> Double {
            let s = min(a / b, c / gain)
            return s * a - 0.5 * s * s * b
        }
        if depth == 2 { return dual(beta) }
        let k = Double(depth - 2)
        func total(_ t: Double) -> Double { 0.5 * beta * k * t * t + dual(beta / pow(t, k)) }
        // For t ≤ t_c the constraint is inactive and the infimum there is `free` (t → 0); beyond t_hi
        // the decay alone exceeds `free`.
        let tc = pow(beta * b / (gain * a), 1 / k), th = a / (b * beta * k).squareRoot()
        guard tc < th else { return free }
        let t = ScalarSearch.minimize(total, low: tc, high: th)
        return min(free, total(t))
    }
}

/// A global search for a minimizer of a continuous function of one positive variable: a
/// geometric grid, then golden-section refinement around its best point.
enum ScalarSearch {
    static func minimize(_ f: (Double) -> Double, low: Double, high: Double, gridPoints: Int = 4000,
                         refinements: Int = 120) -> Double {
        precondition(low > 0 && high > low && gridPoints >= 3)
        let ratio = pow(high / low, 1 / Double(gridPoints - 1))
        var best = 0, bestValue = Double.infinity
        for k in 0..<gridPoints {
            let v = f(low * pow(ratio, Double(k)))
            if v < bestValue { best = k; bestValue = v }
        }
        var a = low * pow(ratio, Double(max(best - 1, 0))), b = low * pow(ratio, Double(min(best + 1, gridPoints - 1)))
        let golden = (5.0.squareRoot() - 1) / 2
        for _ in 0..<refinements {
            let c = b - golden * (b - a), d = a + golden * (b - a)
            if f(c) < f(d) { b = d } else { a = c }
            guard b - a > 1e-15 * b else { break }
        }
        let t = 0.5 * (a + b)
        return f(t) <= bestValue ? t : low * pow(ratio, Double(best))
    }
}
