import ConicSolver

/// Settings of the ℓ0–ℓ1 check (JMLR Lemma 3.2).
public struct EquivalenceCheckSettings: Sendable, Equatable {
    /// Random starting neurons of the ascent (besides `u₁`, `u₂` and the normalized samples).
    public var starts: Int
    /// Largest number of ascent steps per start.
    public var iterations: Int
    /// Seed of the random starts.
    public var seed: UInt64
    /// Largest sample count for which the semidefinite upper bound is tried when the norm bound
    /// does not certify (0 turns it off; the relaxation's PSD block has order `1 + d + n`).
    public var relaxationSampleLimit: Int
    /// The check certifies when the upper bound is at most `1 + tolerance`.
    public var tolerance: Double

    /// Settings with the defaults used by the CLI.
    public init(starts: Int = 256, iterations: Int = 100, seed: UInt64 = 0,
                relaxationSampleLimit: Int = SemidefiniteRelaxation.maximumSamples, tolerance: Double = 1e-7) {
        self.starts = starts
        self.iterations = iterations
        self.seed = seed
        self.relaxationSampleLimit = relaxationSampleLimit
        self.tolerance = tolerance
    }
}

/// The outcome of the ℓ0–ℓ1 check for one dual candidate `v`.
public struct EquivalenceCheck: Sendable, Equatable {
    /// What the two bounds say about `C(v) = max_{‖u‖≤1} |vᵀ(Au)₊|`.
    public enum Verdict: String, Sendable, Codable {
        /// The certified upper bound is `≤ 1 + tolerance`: `v` is dual feasible, so the two-neuron
        /// network is a minimum-ℓ1 interpolant (ℓ0–ℓ1 equivalence holds).
        case certified
        /// A neuron with `|vᵀ(Au)₊| > 1 + tolerance` was found: this `v` is not dual feasible.
        /// Lemma 3.2 minimizes over all `v` meeting its two equalities, so this refutes only the candidate.
        case candidateInfeasible = "candidate_infeasible"
        /// Neither: the lower estimate is ≤ 1 but the upper bound is > 1.
        case inconclusive
    }

    /// The dual candidate: the minimum-norm `v` with `vᵀ(Au₁)₊ = 1` and `vᵀ(Au₂)₊ = −1`.
    public let dual: [Double]
    /// `vᵀy`, which equals the two-neuron network's `‖w‖₁` by construction.
    public let dualValue: Double
    /// The largest `|vᵀ(Au)₊|` found by the ascent over unit `u`: a lower estimate of `C(v)`, not a bound on the optimum.
    public let lowerEstimate: Double
    /// The unit neuron at which ``lowerEstimate`` was found.
    public let maximizer: [Double]
    /// A certified upper bound on `C(v)`.
    public let upperBound: Double
    /// How ``upperBound`` was obtained (norm bounds, exact enumeration for rank ≤ 3, or the semidefinite relaxation).
    public let upperBoundMethod: DualConstraintBound.Method
    /// The verdict at the settings' tolerance.
    public let verdict: Verdict

    /// `vᵀy / max(1, upperBound)`: a certified lower bound on the minimum-ℓ1 value, since
    /// `v / max(1, C)` is dual feasible whenever `C ≥ C(v)` (weak duality, JMLR Thm 3.2).
    public var lowerBound: Double { dualValue / max(1, upperBound) }
}

extension TwoNeuronInterpolation {
    /// JMLR Lemma 3.2 for the closed form: the two-neuron network is minimum-ℓ1 when some `v` with
    /// `vᵀ(Au₁)₊ = 1`, `vᵀ(Au₂)₊ = −1` has `C(v) = max_{‖u‖≤1} |vᵀ(Au)₊| ≤ 1`.
    ///
    /// Any such `v` has `vᵀy = w₁ − w₂ = ‖w‖₁`, so `C(v) ≤ 1` makes it a dual point with the
    /// primal's value. The candidate is the minimum-norm one,
    /// `v = w₁(y)₊/‖(y)₊‖² − |w₂|(−y)₊/‖(−y)₊‖²` (the two constraint vectors have disjoint supports).
    /// It is also the candidate that minimizes the bound `max(‖v₊‖, ‖v₋‖)·σ₁(A)` of the paper's proof,
    /// since Cauchy–Schwarz forces `‖v₊‖ ≥ w₁/‖(y)₊‖` and `‖v₋‖ ≥ |w₂|/‖(−y)₊‖`.
    ///
    /// `C(v)` itself is NP-hard to compute in general (JMLR Remark 3.1), so it is bracketed:
    /// - from below, by ascent from many unit starts: on the current activation pattern `D` the
    ///   function is linear, `±vᵀDAu`, and the step moves to its maximizer on the ball,
    ///   `u ← ±AᵀDv/‖AᵀDv‖` (projected gradient ascent with an unbounded step), repeated until the
    ///   pattern stops changing; every value seen is a true value of the function at a unit `u`;
    /// - from above, by ``DualConstraintBound`` (norm bounds such as `‖v₊‖σ₁(A₊)`, exact for
    ///   rank ≤ 3, and the semidefinite relaxation when the norm bound does not certify).
    ///
    /// For whitened data (`AAᵀ = I`) `w₁ = ‖(y)₊‖`, `‖v₊‖ = 1` and `σ₁(A₊) ≤ 1`, so the norm bound certifies.
    public static func checkEquivalence(_ solution: TwoNeuronSolution, features: DenseMatrix,
                                        settings: EquivalenceCheckSettings = EquivalenceCheckSettings()) -> EquivalenceCheck {
        let y = solution.targets
        let (w1, w2) = solution.outputWeights
        let positive = y.map { max($0, 0) }, negative = y.map { max(-$0, 0) }
        let positiveSquared = positive.reduce(0) { $0 + $1 * $1 }, negativeSquared = negative.reduce(0) { $0 + $1 * $1 }
        let v = zip(positive, negative).map { w1 * $0 / positiveSquared - abs(w2) * $1 / negativeSquared }
        let dualValue = zip(v, y).reduce(0) { $0 + $1.0 * $1.1 }

        let (lower, maximizer) = ascentEstimate(features: features, dual: v,
                                                seeds: solution.network.inputWeights, settings: settings)
        let column = DenseMatrix(column: v)
        var upper = DualConstraintBound.best(design: features, dual: column, maximumRelaxationSamples: 0)
        if upper.value > 1 + settings.tolerance, settings.relaxationSampleLimit > 0,
           features.rowCount <= settings.relaxationSampleLimit {
            upper = DualConstraintBound.best(design: features, dual: column,
                                             maximumRelaxationSamples: settings.relaxationSampleLimit)
        }
        let verdict: EquivalenceCheck.Verdict = upper.value <= 1 + settings.tolerance ? .certified
            : lower > 1 + settings.tolerance ? .candidateInfeasible : .inconclusive
        return EquivalenceCheck(dual: v, dualValue: dualValue, lowerEstimate: lower, maximizer: maximizer,
                                upperBound: upper.value, upperBoundMethod: upper.method, verdict: verdict)
    }

    /// The largest `|vᵀ(Au)₊|` seen by the pattern ascent of ``checkEquivalence(_:features:settings:)``
    /// and the unit `u` where it was seen. All starts run together as the columns of one matrix,
    /// each twice (ascending `+vᵀ(Au)₊` and `−vᵀ(Au)₊`), so a step costs two matrix products.
    static func ascentEstimate(features a: DenseMatrix, dual v: [Double], seeds: DenseMatrix,
                               settings: EquivalenceCheckSettings) -> (value: Double, maximizer: [Double]) {
        let n = a.rowCount, d = a.columnCount
        var starts = [[Double]]()
        for j in 0..<seeds.rowCount { starts.append(seeds.row(j)) }
        for i in 0..<n { starts.append(a.row(i)) }
        var rng = SeededGenerator(seed: settings.seed)
        for _ in 0..<max(0, settings.starts) { starts.append((0..<d).map { _ in rng.nextGaussian() }) }
        starts = starts.compactMap { u in
            let norm = euclideanNorm(u)
            return norm > 0 ? u.map { $0 / norm } : nil
        }
        let s = starts.count
        // Columns 0..<s ascend +vᵀ(Au)₊, columns s..<2s ascend −vᵀ(Au)₊.
        var u = DenseMatrix(rowCount: d, columnCount: 2 * s)
        for (c, start) in starts.enumerated() {
            for k in 0..<d { u[k, c] = start[k]; u[k, s + c] = start[k] }
        }
        var best = (value: 0.0, maximizer: starts.first ?? [Double](repeating: 0, count: d))
        var previousPatterns = [Bool]()
        for _ in 0...max(0, settings.iterations) {
            let z = a.multiplied(by: u)   // n × 2s pre-activations
            var weighted = DenseMatrix(rowCount: n, columnCount: 2 * s)
            var patterns = [Bool](repeating: false, count: n * 2 * s)
            for c in 0..<(2 * s) {
                let sign = c < s ? 1.0 : -1.0
                var value = 0.0
                for i in 0..<n where z[i, c] > 0 {
                    value += v[i] * z[i, c]
                    weighted[i, c] = sign * v[i]
                    patterns[i * 2 * s + c] = true
                }
                if abs(value) > best.value { best = (abs(value), u.column(c)) }
            }
            if patterns == previousPatterns { break }
            previousPatterns = patterns
            // The maximizer over the ball of the linear piece ±vᵀDAu is AᵀD(±v), normalized.
            let g = a.multiplied(by: weighted, transposeSelf: true)   // d × 2s
            for c in 0..<(2 * s) {
                let column = g.column(c)
                let norm = euclideanNorm(column)
                guard norm > 0 else { continue }   // no active sample: keep the column
                for k in 0..<d { u[k, c] = column[k] / norm }
            }
        }
        return polish(features: a, dual: v, start: best.maximizer, value: best.value, iterations: settings.iterations)
    }

    /// Refines the best point of the pattern ascent, whose update overshoots when the maximum lies
    /// on a kink (a face `aᵢᵀu = 0` of the chamber): a line search along the tangential gradient
    /// and along its projection onto the near-active faces, accepting only increases of the true
    /// function, so the result is still a value the function takes at a unit `u`.
    static func polish(features a: DenseMatrix, dual v: [Double], start: [Double], value: Double,
                       iterations: Int) -> (value: Double, maximizer: [Double]) {
        let n = a.rowCount, d = a.columnCount
        let rowNorms = (0..<n).map { euclideanNorm(a.row($0)) }
        func signedValue(_ u: [Double]) -> Double {
            zip(a.multiplied(by: u), v).reduce(0) { $0 + ($1.0 > 0 ? $1.0 * $1.1 : 0) }
        }
        let sign: Double = signedValue(start) >= 0 ? 1 : -1
        var u = start, current = sign * signedValue(start)
        for _ in 0..<max(0, iterations) {
            let z = a.multiplied(by: u)
            var g = a.transposeMultiplied(by: (0..<n).map { z[$0] > 0 ? sign * v[$0] : 0 })
            let radial = zip(g, u).reduce(0) { $0 + $1.0 * $1.1 }
            for k in 0..<d { g[k] -= radial * u[k] }
            // Projection of g onto the complement of the near-active rows (Gram–Schmidt).
            var basis = [[Double]]()
            for i in 0..<n where rowNorms[i] > 0 && abs(z[i]) <= 1e-3 * rowNorms[i] {
                var r = a.row(i)
                for b in basis { let c = zip(r, b).reduce(0) { $0 + $1.0 * $1.1 }; for k in 0..<d { r[k] -= c * b[k] } }
                let norm = euclideanNorm(r)
                if norm > 1e-12 * rowNorms[i] { basis.append(r.map { $0 / norm }) }
            }
            var projected = g
            for b in basis { let c = zip(projected, b).reduce(0) { $0 + $1.0 * $1.1 }; for k in 0..<d { projected[k] -= c * b[k] } }
            var improved = false
            for direction in [g, projected] {
                let length = euclideanNorm(direction)
                guard length > 0 else { continue }
                var step = 1.0
                for _ in 0..<30 {
                    let trial = zip(u, direction).map { $0 + step * $1 / length }
                    let norm = euclideanNorm(trial)
                    let candidate = trial.map { $0 / norm }
                    let f = sign * signedValue(candidate)
                    if f > current * (1 + 1e-15) + 1e-300 { u = candidate; current = f; improved = true; break }
                    step /= 2
                }
            }
            if !improved { break }
        }
        return current >= value ? (current, u) : (value, start)
    }
}
