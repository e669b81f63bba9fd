import ConicSolver
import Foundation

/// The cross-entropy loss's side of the weak-duality bound (``DualLowerBound``).
///
/// Per sample `ℓᵢ(f) = log Σₖ e^{fₖ} − ⟨yᵢ, f⟩` with `yᵢ` in the probability simplex. Its conjugate
/// is `ℓᵢ*(z) = Σₖ pₖ log pₖ` at `p = z + yᵢ` when `p` lies in the simplex (`+∞` otherwise), so the
/// dual objective at a point `V` is
///
///     −ℓ*(−V) = Σᵢ H(yᵢ − vᵢ),   H(p) = −Σₖ pₖ log pₖ,
///
/// finite exactly when every `pᵢ = yᵢ − vᵢ` is a probability vector: `V = Y − P` for row-stochastic
/// `P` (at the optimum, `P = softmax(F)`). Along the ray `tV` the rows are
/// `pᵢ(t) = yᵢ − t vᵢ = (1 − t) yᵢ + t pᵢ`, in the simplex for `t ∈ [0, 1]` and beyond it while
/// every entry stays non-negative (``crossEntropyRayLimit(dual:targets:)``). `Σᵢ H(pᵢ(t))` is
/// concave in `t`, with slope `Σᵢₖ vᵢₖ log pᵢₖ(t)` (rows of `V` sum to zero).
extension DualLowerBound {
    /// The largest `t` with every `yᵢₖ − t vᵢₖ ≥ 0` (`+∞` when no entry of `V` is positive).
    static func crossEntropyRayLimit(dual: DenseMatrix, targets: DenseMatrix) -> Double {
        var limit = Double.infinity
        for (v, y) in zip(dual.values, targets.values) where v > 0 { limit = min(limit, max(y, 0) / v) }
        return limit
    }

    /// `Σᵢ H(yᵢ − t vᵢ)`; entries that rounding pushed below zero count as zero.
    static func crossEntropyValue(dual: DenseMatrix, targets: DenseMatrix, scale t: Double) -> Double {
        var total = 0.0
        for (v, y) in zip(dual.values, targets.values) {
            let p = y - t * v
            if p > 0 { total -= p * log(p) }
        }
        return total
    }

    /// The maximizer of `Σᵢ H(yᵢ − t vᵢ)` over `t ∈ [0, upper]` (`upper` at most the ray limit), by
    /// bisection on the sign of the slope `Σᵢₖ vᵢₖ log pᵢₖ(t)`: `+∞` at `t = 0⁺` wherever a class
    /// without target mass gets probability, `−∞` where an entry reaches zero. Any `t` in the range
    /// gives a valid bound; the bisection only decides how tight.
    static func crossEntropyRayOptimum(dual: DenseMatrix, targets: DenseMatrix, upper: Double) -> Double {
        guard upper > 0, dual.values.contains(where: { $0 != 0 }) else { return 0 }
        func slope(_ t: Double) -> Double {
            var total = 0.0
            for (v, y) in zip(dual.values, targets.values) where v != 0 {
                total += v * log(max(y - t * v, 0))
            }
            return total
        }
        if upper.isFinite, slope(upper) >= 0 { return upper }
        var low = 0.0, high = upper.isFinite ? upper : 1
        if !upper.isFinite {
            // No entry of V is positive (all rows zero then); still, find a bracket.
            while slope(high) > 0, high < 1e12 { low = high; high *= 2 }
        }
        for _ in 0..<200 where high - low > 1e-15 * max(high, 1e-300) {
            let middle = 0.5 * (low + high)
            if slope(middle) > 0 { low = middle } else { high = middle }
        }
        return low
    }

    /// The cross-entropy dual point moved onto `1ᵀV = 0` (the free output bias's constraint) while
    /// every row stays in `yᵢ − simplex`: the rows `pᵢ = yᵢ − vᵢ` are cleaned (negative entries and
    /// classes absent from the targets set to zero, renormalized), shifted by the mean column
    /// residual `r/n` (which keeps each row's sum), and mixed with the class frequencies `π` —
    /// the point `V₀ = Y − 1πᵀ`, which has `1ᵀV₀ = 0` — just enough that no entry is negative.
    static func crossEntropyZeroSumProjection(_ dual: DenseMatrix, targets: DenseMatrix) -> DenseMatrix {
        let n = dual.rowCount, c = dual.columnCount
        guard n > 0, c > 0 else { return dual }
        var pi = [Double](repeating: 0, count: c)
        for i in 0..<n { for k in 0..<c { pi[k] += targets[i, k] / Double(n) } }
        var p = DenseMatrix(rowCount: n, columnCount: c)
        for i in 0..<n {
            var sum = 0.0
            for k in 0..<c where pi[k] > 0 {
                p[i, k] = max(targets[i, k] - dual[i, k], 0)
                sum += p[i, k]
            }
            for k in 0..<c { p[i, k] = sum > 0 ? p[i, k] / sum : pi[k] }
        }
        // r = 1ᵀ(Y − P) = nπ − 1ᵀP; adding r/n to every row zeroes it.
        var shift = pi
        for i in 0..<n { for k in 0..<c { shift[k] -= p[i, k] / Double(n) } }
        var theta = 0.0
        for i in 0..<n {
            for k in 0..<c {
                p[i, k] += shift[k]
                if p[i, k] < 0 { theta = max(theta, pi[k] > 0 ? -p[i, k] / (pi[k] - p[i, k]) : 1) }
            }
        }
        theta = min(theta, 1)
        var v = dual
        for i in 0..<n {
            for k in 0..<c {
                let mixed = (1 - theta) * p[i, k] + theta * pi[k]
                v[i, k] = targets[i, k] - max(mixed, 0)
            }
        }
        return v
    }
}

extension ConvexTrainer {
    /// Why `targets` cannot be cross-entropy targets (`nil` when they can): at least two columns and
    /// every row a probability vector (one-hot labels in practice).
    public static func crossEntropyTargetProblem(_ targets: DenseMatrix) -> String? {
        guard targets.columnCount >= 2 else {
            return "the cross-entropy loss needs one column per class (one-hot targets, at least 2 classes), got \(targets.columnCount)"
        }
        for i in 0..<targets.rowCount {
            let row = targets.row(i)
            if row.contains(where: { $0 < 0 }) || abs(row.reduce(0, +) - 1) > 1e-9 {
                return "the cross-entropy loss needs rows of class probabilities (one-hot labels); row \(i) is \(row)"
            }
        }
        return nil
    }
}

extension ConvexTrainer {
    /// `−∇ℓ(0) = Y − (Σₖ Yᵢₖ / c)` row by row: the cross-entropy's dual point at the zero network
    /// (uniform probabilities).
    static func crossEntropyDualAtZero(_ targets: DenseMatrix) -> DenseMatrix {
        let zero = [Double](repeating: 0, count: targets.values.count)
        let gradient = Loss.crossEntropy.gradient(predictions: zero, targets: targets.values, columns: targets.columnCount)
        return DenseMatrix(rowCount: targets.rowCount, columnCount: targets.columnCount, values: gradient.map { -$0 })
    }
}
