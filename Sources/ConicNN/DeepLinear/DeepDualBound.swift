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

    /// `σ_max(Λ₀)·σ_max(X)`, a gain valid for ReLU hidden layers (pass `σ_max(X)`); `nil` if the SVD fails.
    public static func reluGain(featureNorm: Double, direction: DenseMatrix) -> Double? {
        guard let a = direction.singularValueDecomposition()?.sigma.first else { return nil }
        return a * featureNorm
    }

    /// A dual direction `Λ` with its gain (``linearGain(features:direction:)`` or ``reluGain(features:direction:)``).
    public struct Direction: Sendable {
        public var direction: DenseMatrix
        public var gain: Double
        public init(direction: DenseMatrix, gain: Double) { self.direction = direction; self.gain = gain }
    }

    /// The bound over the plane spanned by a network's residual `R = Y − f` and `anchor` (`Y` itself;
    /// centred when the network has a free constant): directions `±(cos φ·R̂ + sin φ·ê)`, `φ ∈ [0, π)`,
    /// in an orthonormal basis `R̂, ê` of the plane (the sign that makes `⟨Λ, Y⟩ > 0`), each scaled
    /// optimally for every `τ`. The residual is tangent to the optimum at its own `τ`; as `τ` moves the
    /// best direction moves in this plane (towards `Y` as `τ → 0`, towards the part of `Y` no network
    /// reaches as `τ` grows), so for one-direction optima the bound is tight up to the angle grid:
    /// `angles` uniform angles, then `rounds` of `refinement` more between the neighbours of the angles
    /// that are the best near the minimizing `τ` (more directions only raise the bound).
    public static func lowerBound(targets: DenseMatrix, residual: DenseMatrix, anchor: DenseMatrix, beta: Double, depth: Int,
                                  angles: Int = 720, refinement: Int = 32, rounds: Int = 3,
                                  gain: (DenseMatrix) -> Double?) -> Double {
        precondition(residual.values.count == anchor.values.count)
        let nr = euclideanNorm(residual.values)
        let r = nr > 0 ? residual.values.map { $0 / nr } : [Double](repeating: 0, count: residual.values.count)
        let along = zip(anchor.values, r).reduce(0) { $0 + $1.0 * $1.1 }
        var e = zip(anchor.values, r).map { $0 - along * $1 }
        let ne = euclideanNorm(e)
        e = ne > 1e-12 * max(euclideanNorm(anchor.values), .leastNormalMagnitude) ? e.map { $0 / ne } : e.map { _ in 0 }
        func direction(_ phi: Double) -> Direction? {
            var values = zip(r, e).map { cos(phi) * $0 + sin(phi) * $1 }
            if zip(values, targets.values).reduce(0, { $0 + $1.0 * $1.1 }) < 0 { values = values.map { -$0 } }
            let lambda = DenseMatrix(rowCount: residual.rowCount, columnCount: residual.columnCount, values: values)
            return gain(lambda).map { Direction(direction: lambda, gain: $0) }
        }
        // Directions with their angles; each round adds `refinement` angles within one current step of
        // the angles that are the best near the minimizing τ, and shrinks the step accordingly.
        var step = Double.pi / Double(max(angles, 2))
        var phis = [Double](), directions = [Direction]()
        func add(_ phi: Double) { if let d = direction(phi) { phis.append(phi); directions.append(d) } }
        for k in 0..<max(angles, 2) { add(Double(k) * step) }
        var result = bound(targets: targets, directions: directions, beta: beta, depth: depth)
        guard refinement > 0 else { return result.value }
        for _ in 0..<rounds {
            let centres = result.active.sorted().map { phis[$0] }
            for centre in centres {
                for j in 1...refinement where 2 * j != refinement { add(centre + step * (2 * Double(j) / Double(refinement) - 1)) }
            }
            step *= 2 / Double(refinement)
            let next = bound(targets: targets, directions: directions, beta: beta, depth: depth)
            result = (max(result.value, next.value), next.active)
        }
        return result.value
    }

    /// The bound for dual directions `Λᵢ` (`n × K`): `inf_τ (β/2)(L − 2)τ^{2/(L−2)} + maxᵢ Dᵢ(β/τ)`.
    public static func lowerBound(targets: DenseMatrix, directions: [Direction], beta: Double, depth: Int) -> Double {
        bound(targets: targets, directions: directions, beta: beta, depth: depth).value
    }

    /// The bound and the indices of the directions that are the best near the minimizing `τ` (where more
    /// directions would raise it).
    static func bound(targets: DenseMatrix, directions: [Direction], beta: Double, depth: Int) -> (value: Double, active: Set<Int>) {
        precondition(depth >= 2 && beta > 0)
        // Per direction: a = ⟨Λ, Y⟩, b = ‖Λ‖², gain g; useless directions are skipped.
        let terms = directions.enumerated().compactMap { index, item -> (index: Int, a: Double, b: Double, g: Double)? in
            precondition(item.direction.values.count == targets.values.count)
            let a = zip(targets.values, item.direction.values).reduce(0) { $0 + $1.0 * $1.1 }
            let b = item.direction.values.reduce(0) { $0 + $1 * $1 }
            guard a > 0, b > 0, item.gain.isFinite, item.gain >= 0 else { return nil }
            return (index, a, b, item.gain)
        }
        guard !terms.isEmpty else { return (0, []) }
        // The dual value at constraint level c = β/τ, s = min(a/b, c/g), and the best direction.
        func dual(_ c: Double) -> (value: Double, index: Int) {
            var best = 0.0, index = -1
            for t in terms {
                let s = t.g > 0 ? min(t.a / t.b, c / t.g) : t.a / t.b
                let v = s * t.a - 0.5 * s * s * t.b
                if v > best { best = v; index = t.index }
            }
            return (best, index)
        }
        func activeNear(_ levels: [Double]) -> Set<Int> { Set(levels.map { dual($0).index }.filter { $0 >= 0 }) }
        if depth == 2 { return (dual(beta).value, activeNear([beta])) }
        let k = Double(depth - 2)
        func total(_ t: Double) -> Double { 0.5 * beta * k * t * t + dual(beta / pow(t, k)).value }
        // Below every t_c the constraints are inactive and the infimum there is the t → 0 limit; beyond
        // t_hi the decay alone exceeds it.
        let free = dual(.infinity).value
        let tc = terms.map { $0.g > 0 ? pow(beta * $0.b / ($0.g * $0.a), 1 / k) : .infinity }.min()!
        let th = (2 * free / (beta * k)).squareRoot()
        guard tc < th else { return (free, []) }
        let t = ScalarSearch.minimize(total, low: tc, high: th, gridPoints: 1000)
        let value = total(t)
        guard value < free else { return (free, []) }
        return (value, activeNear((-20...20).map { beta / pow(t * (1 + 5e-3 * Double($0)), k) }))
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
