import ConicSolver

/// How the cutting-plane loop looks for neurons that violate the dual constraint
/// `‖Vᵀ(Au + b1)₊‖ ≤ β` (JMLR eq. 12, 21).
public enum NeuronOracle: String, Sendable, Codable, CaseIterable {
    /// The spike-free relaxation (JMLR eq. 15): `max ±vᵀAu` over `Au + b1 ≥ 0`, `‖u‖ ≤ 1`, two
    /// second-order cone programs per output. It sees only neurons whose activations are all
    /// nonnegative on the data, so "no violation found" proves optimality only for spike-free
    /// data (Proposition 3.2); the certificate then relies on a certified bound instead.
    case relaxation
    /// A heuristic for data where the relaxation sees too little (`n > d`: its feasible set
    /// holds only neurons active on every sample): fixed-point ascent `u ← A_kᵀD(u)v/‖·‖` on the
    /// true `vᵀ(A_k u)₊` from every sample `k` as the kink (`b = −aₖᵀu`; without a bias, from
    /// every sample direction). Cheap (`O(n²d)` per round) and never a proof of optimality.
    case ascent
    /// Every critical direction of every chamber of the hyperplane arrangement: the exact
    /// maximum, for data of rank ≤ 3 (with a bias, `d ≤ 3`: the bias is placed at a kink
    /// `b = −aₖᵀu`, which is where a piecewise-linear function of `b` peaks).
    case exact
}

/// A hidden neuron `x ↦ (xᵀu + b)₊` with `‖u‖ ≤ 1` and its dual-constraint value.
struct CandidateNeuron {
    /// `u` followed by `b` (`b = 0` without a bias).
    var weights: [Double]
    /// `‖Vᵀ(Au + b1)₊‖` (for one output, the signed `vᵀ(Au + b1)₊` is in ``signedValue``).
    var value: Double
    var signedValue: Double
}

/// The two oracles and the certified bound on the dual constraint for free-bias networks.
enum DualConstraintOracle {
    /// The design matrix `[A 1]` (or `A`) whose product with a neuron's weights gives `Au + b1`.
    static func design(_ features: DenseMatrix, bias: Bool) -> DenseMatrix {
        bias ? features.appendingOnesColumn() : features
    }

    /// `Vᵀ(design·θ)₊` for a neuron `θ = (u, b)`.
    static func outputs(design: DenseMatrix, dual v: DenseMatrix, neuron: [Double]) -> [Double] {
        let h = design.multiplied(by: neuron).map { max($0, 0) }
        return v.transposeMultiplied(by: h)
    }

    // MARK: Exact

    /// The data shifted so that sample `k` sits at the origin: rows `aᵢ − aₖ`. With
    /// `b = −aₖᵀu`, `Au + b1 = (A − 1aₖᵀ)u`.
    private static func shifted(_ features: DenseMatrix, by k: Int) -> DenseMatrix {
        var out = features
        let d = features.columnCount
        for i in 0..<features.rowCount { for j in 0..<d { out.values[i * d + j] -= features.values[k * d + j] } }
        return out
    }

    /// The reductions the exact oracle walks: `A` itself, or (with a bias) every shift `A − 1aₖᵀ`
    /// (only one per distinct sample). `nil` when the rank is above 3.
    static func exactReductions(features: DenseMatrix, bias: Bool) -> [(reduction: RowSpaceReduction, shift: Int?)]? {
        guard bias else {
            guard let reduction = try? RowSpaceReduction(features) else { return nil }
            return [(reduction, nil)]
        }
        var seen = Set<[Double]>()
        var out = [(reduction: RowSpaceReduction, shift: Int?)]()
        for k in 0..<features.rowCount where seen.insert(features.row(k)).inserted {
            guard let reduction = try? RowSpaceReduction(shifted(features, by: k)) else { return nil }
            out.append((reduction, k))
        }
        return out
    }

    /// The exact maximum of `‖Vᵀ(Au + b1)₊‖` (plus the rank-reduction error), and the best
    /// candidates: for one output the largest `vᵀ(·)₊` and the smallest (most negative), for
    /// several outputs the largest norms; at most `count` per sign, distinct.
    static func exact(features: DenseMatrix, dual v: DenseMatrix, reductions: [(reduction: RowSpaceReduction, shift: Int?)],
                      count: Int) -> (maximum: Double, candidates: [CandidateNeuron]) {
        let scalar = v.columnCount == 1
        var maximum = 0.0
        var positive = TopCandidates(limit: count), negative = TopCandidates(limit: count)
        let d = features.columnCount
        for (reduction, shift) in reductions {
            var localMaximum = 0.0
            reduction.forEachCriticalDirection(dual: v) { w in
                let out = reduction.outputs(dual: v, at: w)
                let norm = euclideanNorm(out)
                localMaximum = max(localMaximum, norm)
                let score = scalar ? out[0] : norm
                guard score > positive.threshold || (scalar && -score > negative.threshold) else { return }
                var u = reduction.inputWeights(w)
                if let k = shift {
                    let b = -(0..<d).reduce(0.0) { $0 + features[k, $1] * u[$1] }
                    u.append(b)
                }
                let candidate = CandidateNeuron(weights: u, value: norm, signedValue: scalar ? out[0] : norm)
                if score > positive.threshold { positive.insert(candidate, score: score) }
                if scalar, -score > negative.threshold { negative.insert(candidate, score: -score) }
            }
            maximum = max(maximum, localMaximum + euclideanNorm(v.values) * reduction.residualNorm)
        }
        return (maximum, positive.items + negative.items)
    }

    // MARK: Relaxation

    /// The spike-free relaxation for one dual column `v` and sign `σ`:
    /// `max σ(vᵀAu + b·1ᵀv)` s.t. `Au + b1 ≥ 0`, `‖u‖ ≤ 1` (and `|b| ≤ R`, `R = maxᵢ‖aᵢ‖`, which
    /// loses nothing: beyond it every sample is on one side and the objective no longer changes
    /// once `1ᵀv = 0`).
    static func relaxation(features: DenseMatrix, column v: [Double], sign: Double, bias: Bool,
                           settings: SolverSettings) throws -> [Double]? {
        let n = features.rowCount, d = features.columnCount
        let variableCount = d + (bias ? 1 : 0)
        let g = features.transposeMultiplied(by: v)
        let radius = (0..<n).map { euclideanNorm(features.row($0)) }.max() ?? 0
        if bias {
            // b's cost is σ·1ᵀv, and b = R keeps every sample active whatever u. When that cost is
            // not negative (it is 0 at the projected duals, 1ᵀv = 0), b = R is optimal and
            // u = σAᵀv/‖Aᵀv‖ in closed form. Solved as a conic program, b's optimal set is then a
            // whole interval on which all its constraints are slack: the Newton matrix loses rank
            // along b and the solve ends without a verdict (insufficient progress), which left the
            // cutting plane with no candidate at all.
            let gNorm = euclideanNorm(g)
            if sign * v.reduce(0, +) * radius >= -Self.negligibleBiasCost * gNorm {
                guard gNorm > 0 else { return nil }
                return g.map { sign * $0 / gNorm } + [radius]
            }
        }
        var q = g.map { -sign * $0 }
        if bias { q.append(-sign * v.reduce(0, +)) }
        var rows = [Int](), columns = [Int](), values = [Double](), b = [Double]()
        for i in 0..<n {
            for j in 0..<d where features[i, j] != 0 { rows.append(i); columns.append(j); values.append(-features[i, j]) }
            if bias { rows.append(i); columns.append(d); values.append(-1) }
            b.append(0)
        }
        var row = n
        var cones: [ConeSpec] = [.nonnegative(n + (bias ? 2 : 0))]
        if bias {
            rows += [row, row + 1]; columns += [d, d]; values += [1, -1]; b += [radius, radius]
            row += 2
        }
        b.append(1)
        for j in 0..<d { rows.append(row + 1 + j); columns.append(j); values.append(-1); b.append(0) }
        row += 1 + d
        cones.append(.secondOrder(1 + d))
        let a = try SparseMatrix(rowCount: row, columnCount: variableCount, rows: rows, columns: columns, values: values, name: "A")
        let solution = try ConicSolver.solve(ConicProblem(q: q, A: a, b: b, cones: cones), settings: settings)
        guard solution.status.isOptimal else { return nil }
        var neuron = Array(solution.x[0..<variableCount])
        // Interior-point solutions sit strictly inside the ball. Scaling (u, b) together keeps
        // Au + b1 ≥ 0 and scales the objective, so put u on the sphere.
        // A relaxation whose optimum is 0 has a whole face of optimal points, and the solver's
        // may have ‖u‖ as small as 1e-18: scaled to the sphere its bias became 3·10¹³ and the
        // master program could no longer be solved (1-D interpolation, free bias). Such a point
        // is no neuron (a positive optimum of this linear objective puts u on the sphere).
        let norm = euclideanNorm(neuron[0..<d])
        guard norm > 1e-3 else { return nil }
        neuron = neuron.map { $0 / norm }
        return neuron
    }

    /// A bias cost `σ·1ᵀv·R` below this fraction of `‖Aᵀv‖` (the objective's scale) counts as
    /// zero: rounding leaves `1ᵀv` at about `n·ε·max|vᵢ|` after the projection onto `1ᵀv = 0`.
    static let negligibleBiasCost = 1e-9

    /// Relaxation candidates: for every output column and both signs (JMLR A.7.3), scored by
    /// the true `‖Vᵀ(Au + b1)₊‖` (for one output, the signed value).
    static func relaxationCandidates(features: DenseMatrix, dual v: DenseMatrix, bias: Bool,
                                     settings: SolverSettings) throws -> [CandidateNeuron] {
        let design = design(features, bias: bias)
        var out = [CandidateNeuron]()
        for k in 0..<v.columnCount {
            let column = v.column(k)
            for sign in [1.0, -1.0] {
                guard let neuron = try relaxation(features: features, column: column, sign: sign, bias: bias, settings: settings)
                else { continue }
                let values = outputs(design: design, dual: v, neuron: neuron)
                out.append(CandidateNeuron(weights: neuron, value: euclideanNorm(values),
                                           signedValue: v.columnCount == 1 ? values[0] : euclideanNorm(values)))
            }
        }
        return out
    }

    // MARK: Ascent

    /// Ascent candidates (see ``NeuronOracle/ascent``): for every output column and sign, the
    /// best `count` distinct neurons over all starts, scored like the exact oracle's.
    static func ascentCandidates(features: DenseMatrix, dual v: DenseMatrix, bias: Bool, count: Int,
                                 maximumStarts: Int = 2000) -> [CandidateNeuron] {
        let n = features.rowCount, d = features.columnCount, c = v.columnCount
        let design = design(features, bias: bias)
        let starts = n <= maximumStarts ? Array(0..<n) : (0..<maximumStarts).map { $0 * n / maximumStarts }
        var out = [CandidateNeuron]()
        for column in 0..<c {
            let target = v.column(column)
            for sign in [1.0, -1.0] {
                let weights = target.map { sign * $0 }
                var best = TopCandidates(limit: count)
                for k in starts {
                    // The data seen from the kink: rows aᵢ − aₖ (bias) or aᵢ (no bias, start at aₖ).
                    let anchor = bias ? features.row(k) : [Double](repeating: 0, count: d)
                    var u = bias ? features.transposeMultiplied(by: weights) : features.row(k)
                    var previous = [Bool]()
                    for _ in 0..<20 {
                        let norm = euclideanNorm(u)
                        guard norm > 0 else { break }
                        u = u.map { $0 / norm }
                        let shift = zip(anchor, u).reduce(0.0) { $0 + $1.0 * $1.1 }
                        let h = features.multiplied(by: u).map { $0 - shift }
                        let active = h.map { $0 > 0 }
                        if active == previous { break }
                        previous = active
                        // g = A_kᵀ D σv = Σ_{active} σvᵢ (aᵢ − aₖ).
                        var g = [Double](repeating: 0, count: d)
                        for i in 0..<n where active[i] {
                            for j in 0..<d { g[j] += weights[i] * (features[i, j] - anchor[j]) }
                        }
                        u = g
                    }
                    let norm = euclideanNorm(u)
                    guard norm > 0 else { continue }
                    u = u.map { $0 / norm }
                    var neuron = u
                    if bias { neuron.append(-zip(anchor, u).reduce(0.0) { $0 + $1.0 * $1.1 }) }
                    let values = outputs(design: design, dual: v, neuron: neuron)
                    let score = c == 1 ? sign * values[0] : euclideanNorm(values)
                    guard score > best.threshold else { continue }
                    best.insert(CandidateNeuron(weights: neuron, value: euclideanNorm(values),
                                                signedValue: c == 1 ? values[0] : euclideanNorm(values)), score: score)
                }
                out += best.items
            }
        }
        return out
    }

    // MARK: Certified bound

    /// A certified `C ≥ sup_{‖u‖≤1, b} ‖Vᵀ(Au + b1)₊‖` (or without `b`): exact for rank ≤ 3
    /// (with a bias: `d ≤ 3`); otherwise, without a bias, the tightest of the norm and
    /// semidefinite bounds (``DualConstraintBound/best(design:dual:maximumRelaxationSamples:)``);
    /// with a bias, the smaller of
    /// - the largest norm bound over the shifted data `A − 1aₖᵀ` (the supremum over `b` is
    ///   attained at a kink `b = −aₖᵀu`), and
    /// - for at most `maximumRelaxationSamples` samples, `ρ·C_SDP([A, s1])` with `s ∈ {R/2, R}`,
    ///   `R = maxₖ‖aₖ‖`, `ρ = √(1 + R²/s²)`: kinks have `|b| ≤ R`, so `(u, b/s)` lies in the ball of
    ///   radius `ρ`, and by positive homogeneity the supremum is at most `ρ` times the constraint
    ///   function of the design `[A, s1]` over the unit ball, which the relaxation bounds.
    static func certifiedBound(features: DenseMatrix, dual v: DenseMatrix, bias: Bool,
                               reductions: [(reduction: RowSpaceReduction, shift: Int?)]?,
                               maximumRelaxationSamples: Int) -> (value: Double, method: DualConstraintBound.Method) {
        if let reductions {
            return (exact(features: features, dual: v, reductions: reductions, count: 0).maximum, .exact)
        }
        guard bias else {
            return DualConstraintBound.best(design: features, dual: v, maximumRelaxationSamples: maximumRelaxationSamples)
        }
        var seen = Set<[Double]>()
        var bound = 0.0
        for k in 0..<features.rowCount where seen.insert(features.row(k)).inserted {
            bound = max(bound, DualConstraintBound.norm(design: shifted(features, by: k), dual: v))
        }
        let radius = (0..<features.rowCount).map { euclideanNorm(features.row($0)) }.max() ?? 0
        guard features.rowCount <= maximumRelaxationSamples, radius > 0 else { return (bound, .norm) }
        // A larger s shrinks ρ but weakens the relaxation (it does not see that 1ᵀv = 0 cancels
        // the bias); s = R/2 and s = R were the best of {R/2, R, 3R, 10R} in the measured cases.
        var best = (value: bound, method: DualConstraintBound.Method.norm)
        for scale in [radius / 2, radius] {
            let rho = (1 + (radius * radius) / (scale * scale)).squareRoot()
            var design = features.appendingOnesColumn()
            for i in 0..<design.rowCount { design[i, design.columnCount - 1] = scale }
            if let relaxed = DualConstraintBound.semidefinite(design: design, dual: v), rho * relaxed < best.value {
                best = (rho * relaxed, .semidefinite)
            }
        }
        return best
    }
}

/// The `limit` highest-scoring candidates with distinct weights.
private struct TopCandidates {
    let limit: Int
    private(set) var items = [CandidateNeuron]()
    private var scores = [Double]()

    init(limit: Int) { self.limit = limit }

    /// The score a new candidate must beat to enter.
    var threshold: Double { limit == 0 ? .infinity : (items.count < limit ? 0 : scores.last ?? 0) }

    mutating func insert(_ candidate: CandidateNeuron, score: Double) {
        // Parallel directions (the same chamber met from several vertices) are one neuron.
        if let k = items.firstIndex(where: { zip($0.weights, candidate.weights).allSatisfy { abs($0 - $1) <= 1e-9 } }) {
            guard score > scores[k] else { return }
            items.remove(at: k); scores.remove(at: k)
        }
        let position = scores.firstIndex(where: { $0 < score }) ?? scores.count
        items.insert(candidate, at: position); scores.insert(score, at: position)
        if items.count > limit { items.removeLast(); scores.removeLast() }
    }
}

// MARK: Multi-start ascent from given starts

extension DualConstraintOracle {
    /// Local maxima of `‖Vᵀ(X̃θ)₊‖` (for one output: of `vᵀ(X̃θ)₊` and of `−vᵀ(X̃θ)₊`) reached
    /// from each of `starts`, best first, at most `count`, one per activation pattern.
    ///
    /// `θ` is normalized to `‖θ‖ = 1`, or with `freeBias` (the last column of `design` is an
    /// unregularized bias) to `‖θ₁..d‖ = 1`. On a fixed pattern `D` the objective is `wᵀDX̃θ`
    /// (linear; for several outputs `w = V·s/‖s‖`, `s = Vᵀ(X̃θ)₊`, the gradient of the norm),
    /// maximized on the sphere by `θ = X̃ᵀDw/‖·‖`; the step is repeated until the pattern repeats.
    /// With a free bias each step first moves `b` to the best kink `b = −x̃ₖᵀθ` (where a piecewise
    /// linear function of `b` peaks; with `1ᵀV = 0` the value is bounded in `b`) and the
    /// gradient ties `b` to that kink: `Σ_{i∈D} wᵢ(xᵢ − xₖ)`.
    ///
    /// A heuristic: it finds violating neurons (a lower bound on `C(V)`), never a proof.
    static func multiStartAscent(design: DenseMatrix, dual v: DenseMatrix, freeBias: Bool, starts: [[Double]],
                                 count: Int, maximumIterations: Int = 30, chamberPolish: Int? = nil) -> [CandidateNeuron] {
        let n = design.rowCount, width = design.columnCount, c = v.columnCount
        let penalized = freeBias ? width - 1 : width
        guard n > 0, penalized > 0, count > 0 else { return [] }
        let x = design.values

        func normalize(_ theta: [Double]) -> [Double]? {
            let norm = euclideanNorm(theta[0..<penalized])
            guard norm > 0, norm.isFinite else { return nil }
            return theta.map { $0 / norm }
        }
        func preActivations(_ theta: [Double]) -> [Double] {
            (0..<n).map { i in
                var h = 0.0
                for j in 0..<width { h += x[i * width + j] * theta[j] }
                return h
            }
        }
        /// `Vᵀ(h)₊` for pre-activations `h`.
        func outputs(_ h: [Double]) -> [Double] {
            var s = [Double](repeating: 0, count: c)
            for i in 0..<n where h[i] > 0 { for k in 0..<c { s[k] += v.values[i * c + k] * h[i] } }
            return s
        }
        /// The best bias at the kinks of `Σ wᵢ(hᵢ + b)₊` (one output, fixed `w`) or of
        /// `‖Σ Vᵢ(hᵢ + b)₊‖`; returns the new bias.
        func bestKink(_ h: [Double], weights w: [Double]?) -> Double {
            let order = (0..<n).sorted { h[$0] > h[$1] }
            var s0 = [Double](repeating: 0, count: c), s1 = [Double](repeating: 0, count: c)
            var best = -Double.infinity, bias = 0.0
            for position in 0..<n {
                let k = order[position], level = h[k]
                // Active: the samples before position (strictly above the kink, up to ties).
                let value = w != nil ? s1[0] - level * s0[0] : euclideanNorm((0..<c).map { s1[$0] - level * s0[$0] })
                if value > best { best = value; bias = -level }
                if let w {
                    s0[0] += w[k]; s1[0] += w[k] * level
                } else {
                    for j in 0..<c { s0[j] += v.values[k * c + j]; s1[j] += v.values[k * c + j] * level }
                }
            }
            return bias
        }

        /// The score of `θ` (with the bias moved to its best kink under a free bias) and that `θ`.
        func evaluate(_ start: [Double], fixed: [Double]?, sign: Double) -> (score: Double, theta: [Double], h: [Double]) {
            var theta = start
            var h = preActivations(theta)
            if freeBias {
                let shifted = h.map { $0 - theta[width - 1] }
                theta[width - 1] = bestKink(shifted, weights: fixed)
                h = shifted.map { $0 + theta[width - 1] }
            }
            let s = outputs(h)
            return (fixed != nil ? sign * s[0] : euclideanNorm(s), theta, h)
        }
        func refine(_ start: [Double], _ startScore: Double, fixed: [Double]?, sign: Double) -> ([Double], Double) {
            var current = evaluate(start, fixed: fixed, sign: sign)
            guard current.score > 0 else { return (start, startScore) }
            var step = 0.25
            for _ in 0..<80 {
                let w: [Double]
                if let fixed { w = fixed } else {
                    let s = outputs(current.h), norm = euclideanNorm(s)
                    guard norm > 0 else { break }
                    w = (0..<n).map { i in (0..<c).reduce(0.0) { $0 + v.values[i * c + $1] * s[$1] } / norm }
                }
                var g = [Double](repeating: 0, count: penalized)
                var total = 0.0
                for i in 0..<n where current.h[i] > 0 {
                    for j in 0..<penalized { g[j] += w[i] * x[i * width + j] }
                    total += w[i]
                }
                if freeBias, let kink = (0..<n).min(by: { abs(current.h[$0]) < abs(current.h[$1]) }) {
                    for j in 0..<penalized { g[j] -= total * x[kink * width + j] }
                }
                // Tangent part on the sphere of the penalized coordinates.
                let u = Array(current.theta[0..<penalized])
                let radial = zip(g, u).reduce(0.0) { $0 + $1.0 * $1.1 }
                let tangent = zip(g, u).map { $0 - radial * $1 }
                let length = euclideanNorm(tangent)
                guard length > 1e-14 * max(1, euclideanNorm(g)) else { break }
                var accepted = false
                while step > 1e-12 {
                    var trial = current.theta
                    for j in 0..<penalized { trial[j] += step * tangent[j] / length }
                    guard let unitTrial = normalize(trial) else { break }
                    if freeBias { trial = Array(unitTrial[0..<penalized]) + [current.theta[width - 1]] } else { trial = unitTrial }
                    let candidate = evaluate(trial, fixed: fixed, sign: sign)
                    if candidate.score > current.score {
                        current = candidate
                        step *= 1.5
                        accepted = true
                        break
                    }
                    step *= 0.5
                }
                if !accepted { break }
            }
            return current.score > startScore ? (current.theta, current.score) : (start, startScore)
        }

        // The objectives: for one output ±v (fixed weights), for several the norm.
        let signs: [Double?] = c == 1 ? [1, -1] : [nil]
        var bestByPattern = [[Bool]: CandidateNeuron]()
        var scoreByPattern = [[Bool]: Double]()
        for sign in signs {
            let fixed = sign.map { s in (0..<n).map { s * v.values[$0] } }
            var runningBest = 0.0
            for start in starts where start.count == width {
                guard var theta = normalize(start) else { continue }
                var bestTheta = theta, bestScore = -Double.infinity
                var previous = [Bool]()
                for _ in 0..<maximumIterations {
                    var h = preActivations(theta)
                    if freeBias {
                        let currentBias = theta[width - 1]
                        let shifted = h.map { $0 - currentBias }
                        theta[width - 1] = bestKink(shifted, weights: fixed)
                        h = shifted.map { $0 + theta[width - 1] }
                    }
                    let s = outputs(h)
                    let score = fixed != nil ? sign! * s[0] : euclideanNorm(s)
                    if score > bestScore { bestScore = score; bestTheta = theta }
                    let active = h.map { $0 > 0 }
                    if active == previous { break }
                    previous = active
                    let w: [Double]
                    if let fixed { w = fixed } else {
                        let norm = euclideanNorm(s)
                        guard norm > 0 else { break }
                        w = (0..<n).map { i in (0..<c).reduce(0.0) { $0 + v.values[i * c + $1] * s[$1] } / norm }
                    }
                    var g = [Double](repeating: 0, count: width)
                    for i in 0..<n where active[i] { for j in 0..<width { g[j] += w[i] * x[i * width + j] } }
                    if freeBias {
                        // b follows the kink: b = −x_kᵀu, so the bias coordinate is not a free direction.
                        g[width - 1] = 0
                        let kink = (0..<n).min { abs(h[$0]) < abs(h[$1]) }!
                        let total = (0..<n).reduce(0.0) { active[$1] ? $0 + w[$1] : $0 }
                        for j in 0..<penalized { g[j] -= total * x[kink * width + j] }
                        guard let next = normalize(g) else { break }
                        theta = Array(next[0..<penalized]) + [-(0..<penalized).reduce(0.0) { $0 + x[kink * width + $1] * next[$1] }]
                    } else {
                        guard let next = normalize(g) else { break }
                        theta = next
                    }
                }
                guard bestScore > 0, bestScore >= 0.5 * runningBest else { continue }
                runningBest = max(runningBest, bestScore)
                // The fixed point is a chamber's maximum only when it stays in the chamber; the
                // maxima that matter near the optimum sit on chamber boundaries, which the jumps
                // step over. A backtracking ascent along the sphere's tangent reaches them.
                (bestTheta, bestScore) = refine(bestTheta, bestScore, fixed: fixed, sign: sign ?? 1)
                let h = preActivations(bestTheta)
                let pattern = h.map { $0 > 0 }
                if let known = scoreByPattern[pattern], known >= bestScore { continue }
                let s = outputs(h)
                scoreByPattern[pattern] = bestScore
                bestByPattern[pattern] = CandidateNeuron(weights: bestTheta, value: euclideanNorm(s),
                                                         signedValue: c == 1 ? s[0] : euclideanNorm(s))
            }
        }
        var ranked = bestByPattern.keys.sorted { scoreByPattern[$0]! > scoreByPattern[$1]! }
        if c == 1, let polish = chamberPolish {
            // On a fixed pattern the maximum is an SOCP; the best chambers get it exactly (ridge
            // maxima included, which any ascent only approaches).
            for pattern in ranked.prefix(polish) {
                let candidate = bestByPattern[pattern]!
                let sign: Double = candidate.signedValue >= 0 ? 1 : -1
                guard let theta = chamberMaximum(design: design, weights: (0..<n).map { sign * v.values[$0] }, active: pattern,
                                                 freeBias: freeBias, settings: SolverSettings()),
                      let unitTheta = normalize(theta) else { continue }
                let h = preActivations(unitTheta)
                let value = outputs(h)[0]
                guard sign * value > scoreByPattern[pattern]! else { continue }
                scoreByPattern[pattern] = sign * value
                bestByPattern[pattern] = CandidateNeuron(weights: unitTheta, value: abs(value), signedValue: value)
            }
            ranked.sort { scoreByPattern[$0]! > scoreByPattern[$1]! }
        }
        return ranked.prefix(count).map { bestByPattern[$0]! }
    }

    /// `argmax wᵀDX̃θ` over the closed cone of pattern `D` (`(2D − I)X̃θ ≥ 0`) and `‖θ₁..d̃‖ ≤ 1`
    /// (the bias free with `freeBias`): a small SOCP; `nil` when it fails or is unbounded.
    static func chamberMaximum(design: DenseMatrix, weights w: [Double], active: [Bool], freeBias: Bool,
                               settings: SolverSettings) -> [Double]? {
        let n = design.rowCount, width = design.columnCount
        let penalized = freeBias ? width - 1 : width
        var q = [Double](repeating: 0, count: width)
        for i in 0..<n where active[i] { for j in 0..<width { q[j] -= w[i] * design[i, j] } }
        var rows = [Int](), columns = [Int](), values = [Double](), b = [Double]()
        for i in 0..<n {
            let sign: Double = active[i] ? 1 : -1
            for j in 0..<width where design[i, j] != 0 { rows.append(i); columns.append(j); values.append(-sign * design[i, j]) }
            b.append(0)
        }
        b.append(1)
        for j in 0..<penalized { rows.append(n + 1 + j); columns.append(j); values.append(-1); b.append(0) }
        guard let a = try? SparseMatrix(rowCount: n + 1 + penalized, columnCount: width, rows: rows, columns: columns,
                                        values: values, name: "A"),
              let problem = try? ConicProblem(q: q, A: a, b: b, cones: [.nonnegative(n), .secondOrder(1 + penalized)]),
              let solution = try? ConicSolver.solve(problem, settings: settings), solution.status.isOptimal
        else { return nil }
        return Array(solution.x[0..<width])
    }
}
