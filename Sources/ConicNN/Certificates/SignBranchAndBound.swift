import Foundation
import ConicSolver

/// The data of one branch and bound over the signs of `x̃ᵢᵀu` (see `docs/nn-certificates.md`,
/// "Bounding C(V) by branch and bound"), for a scalar weight vector `v`:
/// `max vᵀ(X̃u)₊` over the base set `U` — the unit ball, or with a free bias the cylinder
/// `‖u₁..d‖ ≤ 1, |b| ≤ R`.
///
/// Every bound it returns is the value of a Lagrangian dual at a point that is feasible by
/// construction (multipliers clipped into their boxes), evaluated in closed form, so its validity
/// does not depend on how accurately the small least-squares problems were solved.
struct SignSearchGeometry {
    /// Samples and coordinates (`d̃`).
    let n: Int, dim: Int
    /// The design, row after row.
    let x: [Double]
    /// `‖x̃ᵢ‖`.
    let norms: [Double]
    /// The base set is the cylinder of a free bias (last coordinate `b`, `|b| ≤ radius`).
    let cylinder: Bool
    /// `R = maxᵢ ‖xᵢ‖` over the feature part (cylinder only).
    let radius: Double
    /// Weights of the least-squares metric whose minimizers are used as (heuristic) dual points:
    /// ones for the ball; for the cylinder `R²` on the bias, which makes `‖r‖_W` comparable to
    /// the cylinder's support function `‖r₁..d‖ + R|r_b|`.
    let metric: [Double]

    init(design: DenseMatrix, cylinder: Bool) {
        n = design.rowCount
        dim = design.columnCount
        x = design.values
        self.cylinder = cylinder
        var norms = [Double](repeating: 0, count: n)
        var radius = 0.0
        for i in 0..<n {
            var s = 0.0, f = 0.0
            for j in 0..<dim { let e = design.values[i * dim + j]; s += e * e; if j < dim - 1 { f += e * e } }
            norms[i] = s.squareRoot()
            radius = max(radius, f.squareRoot())
        }
        self.norms = norms
        self.radius = radius
        var metric = [Double](repeating: 1, count: dim)
        if cylinder { metric[dim - 1] = max(radius * radius, 1e-12) }
        self.metric = metric
    }

    /// `max_{u∈U} rᵀu`: `‖r‖` on the ball, `‖r₁..d‖ + R|r_b|` on the cylinder.
    func support(_ r: [Double]) -> Double {
        if !cylinder { return euclideanNorm(r) }
        return euclideanNorm(r[0..<(dim - 1)]) + radius * abs(r[dim - 1])
    }

    /// A dual point `z` of the box for `min_z σ_U(c + Σzⱼbⱼ)` and the residual `r = c + Σzⱼbⱼ`.
    /// On the ball this is a least squares; on the cylinder `σ_U(r) = ‖r₁..d‖ + R|r_b|` equals
    /// `min_{λ>0} (1 + R²/λ²)^{1/2}‖(r₁..d, λr_b)‖`, so least squares in the metric `(1,…,1,λ²)`
    /// alternate with the best `λ² = R‖r₁..d‖/|r_b|` (each step lowers that product).
    func minimizeSupport(c: [Double], columns: [Double], lower: [Double], upper: [Double],
                         start: [Double]?, columnNorms: [Double]? = nil) -> (z: [Double], r: [Double], value: Double) {
        func residual(_ z: [Double]) -> [Double] {
            var r = c
            for j in z.indices where z[j] != 0 { for k in 0..<dim { r[k] += z[j] * columns[j * dim + k] } }
            return r
        }
        var z = BoxLeastSquares.solve(c: c, columns: columns, dim: dim, lower: lower, upper: upper,
                                      metric: metric, start: start, columnNorms: columnNorms)
        var r = residual(z)
        var value = support(r)
        guard cylinder, radius > 0 else { return (z, r, value) }
        var weights = metric
        for _ in 0..<40 {
            let feature = euclideanNorm(r[0..<(dim - 1)]), bias = abs(r[dim - 1])
            let squared = bias > 0 ? radius * feature / bias : 1e8 * radius * radius
            weights[dim - 1] = min(max(squared, 1e-8 * radius * radius), 1e8 * radius * radius)
            let next = BoxLeastSquares.solve(c: c, columns: columns, dim: dim, lower: lower, upper: upper,
                                             metric: weights, start: z)
            let nextR = residual(next)
            let nextValue = support(nextR)
            if nextValue < value {
                let improved = value - nextValue
                z = next; r = nextR; value = nextValue
                if improved <= 1e-12 * value { break }
            } else { break }
        }
        return (z, r, value)
    }

    /// `x̃ᵢᵀu`.
    @inline(__always) func product(_ i: Int, _ u: [Double]) -> Double {
        var s = 0.0
        let base = i * dim
        for j in 0..<dim { s += x[base + j] * u[j] }
        return s
    }

    /// `vᵀ(X̃u)₊`.
    func value(_ v: [Double], _ u: [Double]) -> Double {
        var total = 0.0
        for i in 0..<n where v[i] != 0 {
            let t = product(i, u)
            if t > 0 { total += v[i] * t }
        }
        return total
    }

    /// `u` scaled onto the boundary of the base set: unit on the ball, `‖u₁..d‖ = 1` on the
    /// cylinder (`b` scaled along, then clipped to `[−R, R]`); `nil` for a zero direction.
    func normalized(_ u: [Double]) -> [Double]? {
        let norm = cylinder ? euclideanNorm(u[0..<(dim - 1)]) : euclideanNorm(u)
        guard norm > 0, norm.isFinite else { return nil }
        var out = u.map { $0 / norm }
        if cylinder { out[dim - 1] = min(max(out[dim - 1], -radius), radius) }
        return out
    }

    /// With a free bias: the best `b ∈ [−R, R]` for the direction `u₁..d` (the maximum of the
    /// piecewise-linear `b ↦ vᵀ(X u + b)₊` sits at a kink `b = −xᵢᵀu`), by one sorted sweep.
    func bestBias(_ v: [Double], _ u: [Double]) -> [Double] {
        var out = u
        out[dim - 1] = 0
        var s = (0..<n).map { product($0, out) }
        var order = Array(0..<n)
        order.sort { s[$0] > s[$1] }
        var weighted = 0.0, weight = 0.0
        var bestValue = -Double.infinity, best = 0.0
        var k = 0
        while k < n {
            // b = −s at the k-th largest s: the samples before it are active.
            let level = s[order[k]]
            while k < n && s[order[k]] == level { weighted += v[order[k]] * s[order[k]]; weight += v[order[k]]; k += 1 }
            let value = weighted - weight * level
            if value > bestValue { bestValue = value; best = -level }
        }
        s.removeAll()
        out[dim - 1] = min(max(best, -radius), radius)
        return out
    }

    /// A local ascent on `vᵀ(X̃u)₊` from `start`: `u ← X̃ᵀD(u)v` normalized (for the cylinder,
    /// the feature part, then the best bias), until the activation pattern repeats. Returns the
    /// best point met and its value.
    func ascend(_ v: [Double], from start: [Double], iterations: Int = 30) -> (point: [Double], value: Double)? {
        guard var u = normalized(start) else { return nil }
        if cylinder { u = bestBias(v, u) }
        var best = (point: u, value: value(v, u))
        var previous = [Bool]()
        for _ in 0..<iterations {
            var g = [Double](repeating: 0, count: dim)
            var active = [Bool](repeating: false, count: n)
            for i in 0..<n where product(i, u) > 0 {
                active[i] = true
                let base = i * dim
                for j in 0..<dim { g[j] += v[i] * x[base + j] }
            }
            if active == previous { break }
            previous = active
            guard var next = normalized(g) else { break }
            if cylinder { next = bestBias(v, next) }
            u = next
            let f = value(v, u)
            if f > best.value { best = (u, f) }
        }
        return best
    }
}

/// `min ‖c + Σⱼ zⱼbⱼ‖_W` over the box `lower ≤ z ≤ upper` (upper may be `+∞`), by a bounded-variable
/// active-set method in the manner of Lawson–Hanson: variables leave their bound one at a time
/// (the most violated optimality condition first), the free ones solve an unconstrained least
/// squares, and a step back to the box is taken when that solution leaves it.
///
/// The result is only used as a dual point for bounds that are valid for every `z` in the box, so
/// an early stop (iteration cap, near-dependent columns) costs tightness, never validity.
///
/// - Parameters:
///   - columns: `m` columns of length `dim`, stored one after another.
///   - start: an initial `z` (clipped into the box; free variables beyond `dim` are rounded to a bound).
struct BoxLeastSquares {
    static func solve(c: [Double], columns: [Double], dim: Int, lower: [Double], upper: [Double],
                      metric: [Double], start: [Double]? = nil, maximumIterations: Int? = nil,
                      columnNorms givenNorms: [Double]? = nil) -> [Double] {
        let m = lower.count
        if m == 0 { return [] }
        var z = [Double](repeating: 0, count: m)
        var free = [Int]()
        free.reserveCapacity(dim + 1)
        var isFree = [Bool](repeating: false, count: m)
        for j in 0..<m {
            let s = start?[j] ?? lower[j]
            z[j] = min(max(s, lower[j]), upper[j])
            if z[j] > lower[j] && z[j] < upper[j] {
                if free.count < dim { free.append(j); isFree[j] = true } else {
                    z[j] = (upper[j].isFinite && upper[j] - z[j] < z[j] - lower[j]) ? upper[j] : lower[j]
                }
            }
        }
        let columnNorms: [Double] = givenNorms ?? (0..<m).map { j in
            var s = 0.0
            for k in 0..<dim { let e = columns[j * dim + k]; s += metric[k] * e * e }
            return s.squareRoot()
        }
        // The residual r = c + Σ zⱼbⱼ, kept up to date as z changes.
        var r = c
        func fullResidual() {
            r = c
            columns.withUnsafeBufferPointer { b in
                for j in 0..<m where z[j] != 0 {
                    let base = j * dim, zj = z[j]
                    for k in 0..<dim { r[k] += zj * b[base + k] }
                }
            }
        }
        fullResidual()
        func weightedObjective() -> Double {
            var s = 0.0
            for k in 0..<dim { s += metric[k] * r[k] * r[k] }
            return s
        }
        func change(_ j: Int, to value: Double) {
            let delta = value - z[j]
            guard delta != 0 else { return }
            z[j] = value
            let base = j * dim
            for k in 0..<dim { r[k] += delta * columns[base + k] }
        }
        /// The unconstrained minimizer over the free variables (the others held), or nil when
        /// their columns are (nearly) dependent.
        func freeSolution() -> [Double]? {
            let p = free.count
            // r without the free variables' contribution.
            var rest = r
            for j in free { let base = j * dim; for k in 0..<dim { rest[k] -= z[j] * columns[base + k] } }
            var a = [Double](repeating: 0, count: p * p), rhs = [Double](repeating: 0, count: p)
            for (s, j) in free.enumerated() {
                var e = 0.0
                for k in 0..<dim { e += columns[j * dim + k] * metric[k] * rest[k] }
                rhs[s] = -e
                for (t, l) in free.enumerated() where t <= s {
                    var e = 0.0
                    for k in 0..<dim { e += columns[j * dim + k] * metric[k] * columns[l * dim + k] }
                    a[s * p + t] = e; a[t * p + s] = e
                }
            }
            // Cholesky, refusing pivots that lose more than ~10 digits.
            for s in 0..<p {
                var d = a[s * p + s]
                for t in 0..<s { d -= a[s * p + t] * a[s * p + t] }
                let scale = columnNorms[free[s]] * columnNorms[free[s]]
                guard d > 1e-10 * scale, d > 0 else { return nil }
                let root = d.squareRoot()
                a[s * p + s] = root
                for q in (s + 1)..<max(p, s + 1) {
                    var e = a[q * p + s]
                    for t in 0..<s { e -= a[q * p + t] * a[s * p + t] }
                    a[q * p + s] = e / root
                }
            }
            var y = rhs
            for s in 0..<p { for t in 0..<s { y[s] -= a[s * p + t] * y[t] }; y[s] /= a[s * p + s] }
            for s in stride(from: p - 1, through: 0, by: -1) {
                for t in (s + 1)..<max(p, s + 1) { y[s] -= a[t * p + s] * y[t] }
                y[s] /= a[s * p + s]
            }
            return y
        }
        /// Moves the free variables towards their unconstrained minimizer, staying in the box;
        /// variables that reach a bound stop being free. Returns false when no step was possible.
        func relaxFree() -> Bool {
            for _ in 0..<(2 * dim + 4) {
                if free.isEmpty { return true }
                guard let target = freeSolution() else { return false }
                var step = 1.0
                for (s, j) in free.enumerated() {
                    let t = target[s]
                    if t < lower[j] { step = min(step, (z[j] - lower[j]) / max(z[j] - t, .leastNormalMagnitude)) }
                    if t > upper[j] { step = min(step, (upper[j] - z[j]) / max(t - z[j], .leastNormalMagnitude)) }
                }
                step = max(0, step)
                var leaving = [Int]()
                for (s, j) in free.enumerated() {
                    var value = z[j] + step * (target[s] - z[j])
                    if step < 1 {
                        let span = max(1, abs(value))
                        if value <= lower[j] + 1e-14 * span { value = lower[j]; leaving.append(j) }
                        else if value >= upper[j] - 1e-14 * span { value = upper[j]; leaving.append(j) }
                    } else {
                        value = min(max(value, lower[j]), upper[j])
                    }
                    change(j, to: value)
                }
                if step >= 1 { return true }
                if leaving.isEmpty {
                    // The step was cut by a variable that rounding kept inside: put the nearest on its bound.
                    var nearest = free[0], gap = Double.infinity
                    for j in free {
                        let g = min(z[j] - lower[j], upper[j] - z[j])
                        if g < gap { gap = g; nearest = j }
                    }
                    change(nearest, to: z[nearest] - lower[nearest] < upper[nearest] - z[nearest] ? lower[nearest] : upper[nearest])
                    leaving.append(nearest)
                }
                for j in leaving { isFree[j] = false }
                free.removeAll { !isFree[$0] }
            }
            return true
        }
        if !free.isEmpty, !relaxFree() {
            for j in free { isFree[j] = false; change(j, to: z[j] - lower[j] < upper[j] - z[j] ? lower[j] : upper[j]) }
            free.removeAll()
        }
        var blocked = [Bool](repeating: false, count: m)
        let limit = maximumIterations ?? (3 * m + 50)
        var objective = weightedObjective()
        var weighted = [Double](repeating: 0, count: dim)
        for iteration in 0..<limit {
            if iteration % 32 == 31 { fullResidual(); objective = weightedObjective() }
            let rNorm = objective.squareRoot()
            if rNorm == 0 { break }
            for k in 0..<dim { weighted[k] = metric[k] * r[k] }
            var entering = -1, bestScore = 1e-11 * rNorm
            columns.withUnsafeBufferPointer { b in
                for j in 0..<m where !isFree[j] && !blocked[j] {
                    let base = j * dim
                    var g = 0.0
                    for k in 0..<dim { g += b[base + k] * weighted[k] }
                    let score: Double
                    if g < 0 && z[j] <= lower[j] && z[j] < upper[j] { score = -g }
                    else if g > 0 && z[j] >= upper[j] && z[j] > lower[j] { score = g }
                    else { continue }
                    let normalized = score / columnNorms[j]
                    if normalized > bestScore && columnNorms[j] > 0 { bestScore = normalized; entering = j }
                }
            }
            if entering < 0 { break }
            let saved = z, savedFree = free, savedR = r
            free.append(entering); isFree[entering] = true
            let moved = relaxFree()
            let nextObjective = weightedObjective()
            if !moved || nextObjective >= objective * (1 - 1e-14) {
                // No progress (dependent column or rounding): undo and do not try it again until
                // something else moves.
                z = saved; r = savedR
                for j in free { isFree[j] = false }
                free = savedFree
                for j in free { isFree[j] = true }
                blocked[entering] = true
                continue
            }
            for j in 0..<m where blocked[j] { blocked[j] = false }
            objective = nextObjective
        }
        return z
    }
}

/// One scalar direction's branch and bound state: `max vᵀ(X̃u)₊` over `U`.
///
/// A node's relaxation bounds each positive term whose sign is still open by its secant over the
/// interval of `x̃ᵢᵀu` on the node. Its error is up to `vᵢ‖x̃ᵢ‖/2` per term, and at a dense dual
/// point of both signs (a regression residual) these errors add up to hundreds of times the value
/// sought. Part of that mass cancels against nearby negative terms: for `w ≤ min(vᵢ, −vⱼ)`,
/// `w(x̃ᵢᵀu)₊ − w(x̃ⱼᵀu)₊ ≤ w((x̃ᵢ − x̃ⱼ)ᵀu)₊` for every `u` (as `(a)₊ − (b)₊ ≤ (a − b)₊`), a convex
/// term whose secant error is at most `w‖x̃ᵢ − x̃ⱼ‖/2`. Such *netted pairs* are chosen once per `v`
/// (``NettedPair``) and used at a node while their positive sample's sign is open and their
/// secant is the smaller; a node whose positive signs are all fixed is exact as before.
struct SignBranchAndBound {
    let geometry: SignSearchGeometry
    /// The weights (`v`, or `−v`, or a column of `V`).
    let v: [Double]
    /// Samples with `vᵢ > 0` (convex terms, branched on) and `vᵢ < 0` (concave terms, kept exact
    /// through multipliers `θᵢ ∈ [0, 1]`: `vᵢ(t)₊ ≤ θᵢvᵢt`).
    let positive: [Int], negative: [Int]
    /// A positive sample's weight `w` netted against a negative sample's (see the type's comment).
    struct NettedPair {
        /// Indices into ``positive`` and ``negative``.
        var positive: Int, negative: Int
        var weight: Double
    }
    let pairs: [NettedPair]
    /// The convex terms' directions, `dim` entries each: `x̃ᵢ` for the positive samples (in
    /// ``positive`` order), then `x̃ᵢ − x̃ⱼ` for the pairs; and their norms.
    let termRows: [Double], termNorms: [Double]

    /// Pairs are looked for among this many nearest negative samples of each positive one.
    static let pairCandidates = 16
    /// Above this many positive × negative samples no pairs are formed (the search is quadratic).
    static let pairSearchLimit = 40_000_000

    init(geometry: SignSearchGeometry, v: [Double]) {
        self.geometry = geometry
        self.v = v
        let positive = (0..<geometry.n).filter { v[$0] > 0 }
        let negative = (0..<geometry.n).filter { v[$0] < 0 }
        self.positive = positive
        self.negative = negative
        let pairs = Self.netting(geometry: geometry, v: v, positive: positive, negative: negative)
        self.pairs = pairs
        let dim = geometry.dim
        var rows = [Double]()
        rows.reserveCapacity((positive.count + pairs.count) * dim)
        for i in positive { rows += geometry.x[(i * dim)..<((i + 1) * dim)] }
        for pair in pairs {
            let i = positive[pair.positive], j = negative[pair.negative]
            for k in 0..<dim { rows.append(geometry.x[i * dim + k] - geometry.x[j * dim + k]) }
        }
        termRows = rows
        termNorms = (0..<(positive.count + pairs.count)).map { t in euclideanNorm(rows[(t * dim)..<((t + 1) * dim)]) }
    }

    /// Greedy netting: candidate pairs (each positive sample with its nearest negative ones) in
    /// order of the secant error they save per unit weight, `(σ_U(x̃ᵢ) − σ_U(x̃ᵢ − x̃ⱼ))/2`, each
    /// taking what weight both samples have left.
    private static func netting(geometry g: SignSearchGeometry, v: [Double], positive: [Int],
                                negative: [Int]) -> [NettedPair] {
        guard !positive.isEmpty, !negative.isEmpty, positive.count * negative.count <= pairSearchLimit else { return [] }
        let dim = g.dim
        var candidates = [(gain: Double, p: Int, q: Int)]()
        var difference = [Double](repeating: 0, count: dim)
        for (p, i) in positive.enumerated() {
            let own = g.support(Array(g.x[(i * dim)..<((i + 1) * dim)]))
            var nearest = [(distance: Double, q: Int)]()
            for (q, j) in negative.enumerated() {
                var s = 0.0
                for k in 0..<dim { let e = g.x[i * dim + k] - g.x[j * dim + k]; s += e * e }
                if nearest.count < pairCandidates || s < nearest[nearest.count - 1].distance {
                    let at = nearest.firstIndex { $0.distance > s } ?? nearest.count
                    nearest.insert((s, q), at: at)
                    if nearest.count > pairCandidates { nearest.removeLast() }
                }
            }
            for (_, q) in nearest {
                let j = negative[q]
                for k in 0..<dim { difference[k] = g.x[i * dim + k] - g.x[j * dim + k] }
                let gain = own - g.support(difference)
                if gain > 0 { candidates.append((gain, p, q)) }
            }
        }
        candidates.sort { $0.gain > $1.gain }
        var positiveLeft = positive.map { v[$0] }, negativeLeft = negative.map { -v[$0] }
        var pairs = [NettedPair]()
        for (_, p, q) in candidates {
            let w = min(positiveLeft[p], negativeLeft[q])
            guard w > 0 else { continue }
            positiveLeft[p] -= w; negativeLeft[q] -= w
            pairs.append(NettedPair(positive: p, negative: q, weight: w))
        }
        return pairs
    }

    /// `tᵀu` for convex term `t`.
    @inline(__always) private func termProduct(_ t: Int, _ u: [Double]) -> Double {
        var s = 0.0
        let base = t * geometry.dim
        for k in 0..<geometry.dim { s += termRows[base + k] * u[k] }
        return s
    }

    /// A node: the sign constraints `sⱼx̃ⱼᵀu ≥ 0` fixed by branching (`+(j+1)` active,
    /// `−(j+1)` inactive) and a point used to warm-start its dual.
    struct Node {
        var constraints: [Int32]
        var hint: [Double]?
        /// The parent's intervals `(lₜ, hₜ)` of the convex terms (``termRows`` order, rounded
        /// outward to `Float`): valid here too, as the region only shrank.
        var intervals: [Float]? = nil
        var depth: Int { constraints.count }
    }

    /// How many free convex terms get their interval recomputed exactly at a node that
    /// inherits its parent's (the ones whose secant overestimates most at the parent's
    /// maximizer); the others keep the parent's, cut by the newest constraint in closed form.
    /// Unlimited: on energy (n = 768, d̃ = 9) 24 and 96 gave more nodes per second but looser
    /// bounds after 60 s (124 and 91 against 81); terms whose interval no longer straddles zero
    /// are never recomputed.
    static let exactIntervalCount = Int.max

    /// What evaluating a node gave.
    struct Evaluation {
        /// A certified bound on `max vᵀ(X̃u)₊` over the node's region.
        var bound: Double
        /// The dual's primal point (a direction that maximizes the relaxation), on the base set.
        var point: [Double]?
        /// The sample to branch on (`nil`: no positive term is left to fix — the bound is the
        /// node's concave maximum up to the accuracy of its dual).
        var branch: Int?
        /// The intervals used, for the children.
        var intervals: [Float]? = nil
    }

    /// A monotone local search: fix the signs of every positive term as they are at `u`, maximize
    /// the then concave function over that region exactly (the node's dual), move there, repeat.
    /// Each region contains the current point, so the value never drops; returns the best point.
    func regionAscent(from start: [Double], value startValue: Double, rounds: Int = 4) -> (point: [Double], value: Double) {
        var best = (point: start, value: startValue)
        for _ in 0..<rounds {
            let u = best.point
            let constraints = positive.map { i in Int32(i + 1) * (geometry.product(i, u) >= 0 ? 1 : -1) }
            let evaluation = evaluate(Node(constraints: constraints, hint: u))
            guard let point = evaluation.point else { break }
            let value = geometry.value(v, point)
            guard value > best.value * (1 + 1e-12) else { break }
            best = (point, value)
        }
        return best
    }

    /// The node's sign constraints as least-squares columns `sⱼx̃ⱼ`, with what every interval
    /// problem shares.
    private struct Constraints {
        var normals: [Double]
        var count: Int
        var norms: [Double]
        var zeros: [Double]
        var infinities: [Double]
    }

    /// Interval `[lₜ, hₜ] ⊇ {tᵀu : u in the node's region}` of convex term `t` from
    /// `hₜ ≤ max_{u∈U} (t + Σμⱼsⱼx̃ⱼ)ᵀu` for any `μ ≥ 0` (Lagrangian bound; `μ` from the least
    /// squares), likewise `lₜ`.
    private func interval(_ t: Int, _ k: Constraints) -> (Double, Double) {
        let g = geometry, dim = g.dim
        let m = k.count
        let row = Array(termRows[(t * dim)..<((t + 1) * dim)])
        func upper(_ target: [Double]) -> Double {
            if m == 0 { return g.support(target) }
            // On the ball, μ = 0 is optimal when no constraint normal makes an obtuse angle with the target.
            var needed = g.cylinder
            if !needed {
                k.normals.withUnsafeBufferPointer { a in
                    for j in 0..<m {
                        var s = 0.0
                        for l in 0..<dim { s += a[j * dim + l] * target[l] }
                        if s < 0 { needed = true; break }
                    }
                }
            }
            if !needed { return g.support(target) }
            let best = g.minimizeSupport(c: target, columns: k.normals, lower: k.zeros, upper: k.infinities, start: nil,
                                         columnNorms: g.cylinder ? nil : k.norms)
            return min(best.value, g.support(target))
        }
        let high = upper(row)
        // A term inactive on the whole region needs no lower end.
        let low = high <= 1e-15 * termNorms[t] ? -g.support(row.map { -$0 }) : -upper(row.map { -$0 })
        // Outward rounding margin.
        let slack = 1e-13 * termNorms[t] * (g.cylinder ? 1 + g.radius : 1)
        return (low - slack, high + slack)
    }

    /// The secant's overestimate of `(t)₊` at its worst point of `[l, h]`, per unit weight.
    @inline(__always) private static func secantError(_ low: Double, _ high: Double) -> Double {
        high > 0 && low < 0 ? high * (-low) / (high - low) : 0
    }

    /// Evaluates a node: intervals of the open convex terms, the netting in use, their secants,
    /// and the dual `min_{θ∈[0,1], μ≥0} c₀ + σ_U(c + Σθᵢwᵢx̃ᵢ + Σμⱼsⱼx̃ⱼ)` (`wᵢ` the negative
    /// weights left after netting), which bounds the node's maximum by weak duality for every
    /// `(θ, μ)` in the box.
    func evaluate(_ node: Node) -> Evaluation {
        let g = geometry, dim = g.dim
        var fixedSign = [Int8](repeating: 0, count: g.n)
        var normals = [Double]()
        normals.reserveCapacity(node.constraints.count * dim)
        for code in node.constraints {
            let j = Int(abs(code)) - 1
            let s: Double = code > 0 ? 1 : -1
            fixedSign[j] = code > 0 ? 1 : -1
            for k in 0..<dim { normals.append(s * g.x[j * dim + k]) }
        }
        let count = node.constraints.count
        let shared = Constraints(normals: normals, count: count,
                                 norms: (0..<count).map { j in euclideanNorm(normals[(j * dim)..<((j + 1) * dim)]) },
                                 zeros: [Double](repeating: 0, count: count),
                                 infinities: [Double](repeating: .infinity, count: count))
        let termCount = termNorms.count
        /// The sample whose sign decides whether term `t` is open.
        func sample(_ t: Int) -> Int { t < positive.count ? positive[t] : positive[pairs[t - positive.count].positive] }
        func weight(_ t: Int) -> Double { t < positive.count ? v[positive[t]] : pairs[t - positive.count].weight }
        // Intervals of the open terms: the parent's, cut by the newest constraint, and
        // recomputed exactly for the terms that matter most; exactly for all at a root.
        var lows = [Double](repeating: 0, count: termCount), highs = lows
        if let parent = node.intervals, let newest = node.constraints.last {
            let j = Int(abs(newest)) - 1
            let s: Double = newest > 0 ? 1 : -1
            let normSquared = g.norms[j] * g.norms[j]
            var gaps = [(gap: Double, index: Int)]()
            for t in 0..<termCount where fixedSign[sample(t)] == 0 {
                var low = Double(parent[2 * t]), high = Double(parent[2 * t + 1])
                if !g.cylinder, normSquared > 0 {
                    // max tᵀu over the ball and aᵀu ≥ 0 is ‖t − (aᵀt/‖a‖²)a‖ when aᵀt < 0.
                    var dot = 0.0
                    for k in 0..<dim { dot += s * g.x[j * dim + k] * termRows[t * dim + k] }
                    let cut = (max(0, termNorms[t] * termNorms[t] - dot * dot / normSquared)).squareRoot() * (1 + 1e-12)
                        + 1e-15 * termNorms[t]
                    if dot < 0 { high = min(high, cut) } else if dot > 0 { low = max(low, -cut) }
                }
                lows[t] = low; highs[t] = high
                // Pairs keep the cut intervals: recomputing theirs tripled a node's cost (airfoil:
                // 7,280 nodes in 60 s against 17,072) for a looser bound at the end (49β against 38β).
                if high > 0, low < 0, t < positive.count {
                    if let hint = node.hint {
                        let x = min(max(termProduct(t, hint), low), high)
                        gaps.append((weight(t) * (high * (x - low) / (high - low) - max(x, 0)), t))
                    } else {
                        gaps.append((weight(t) * Self.secantError(low, high), t))
                    }
                }
            }
            if gaps.count > Self.exactIntervalCount {
                gaps.sort { $0.gap > $1.gap }
                gaps.removeLast(gaps.count - Self.exactIntervalCount)
            }
            for (_, t) in gaps {
                let (low, high) = interval(t, shared)
                lows[t] = max(lows[t], low); highs[t] = min(highs[t], high)
            }
        } else {
            for t in 0..<termCount where fixedSign[sample(t)] == 0 {
                (lows[t], highs[t]) = interval(t, shared)
            }
        }
        // Netting in use: a pair whose positive sample is open, straddles zero, and whose secant
        // errs less than the sample's own.
        var positiveWeight = positive.map { v[$0] }
        var negativeWeight = negative.map { v[$0] }
        var netted = [Bool](repeating: false, count: pairs.count)
        for (q, pair) in pairs.enumerated() {
            let p = pair.positive
            guard fixedSign[positive[p]] == 0, lows[p] < 0, highs[p] > 0 else { continue }
            let t = positive.count + q
            guard Self.secantError(lows[t], highs[t]) < Self.secantError(lows[p], highs[p]) else { continue }
            netted[q] = true
            positiveWeight[p] -= pair.weight
            negativeWeight[pair.negative] += pair.weight
        }
        var c0 = 0.0
        var c = [Double](repeating: 0, count: dim)
        var slopes = [(term: Int, weight: Double, low: Double, high: Double)]()
        for t in 0..<termCount {
            let w: Double
            if t < positive.count {
                w = max(positiveWeight[t], 0)
                let i = positive[t]
                if fixedSign[i] == 1 {
                    for k in 0..<dim { c[k] += v[i] * g.x[i * dim + k] }
                    continue
                }
                if fixedSign[i] == -1 { continue }
            } else {
                guard netted[t - positive.count] else { continue }
                w = pairs[t - positive.count].weight
            }
            guard w > 0 else { continue }
            let low = lows[t], high = highs[t]
            if high <= 0 { continue }
            if low >= 0 {
                for k in 0..<dim { c[k] += w * termRows[t * dim + k] }
                continue
            }
            let slope = high / (high - low)
            c0 += w * (-low) * slope
            for k in 0..<dim { c[k] += w * slope * termRows[t * dim + k] }
            slopes.append((t, w, low, high))
        }
        var stored = [Float](repeating: 0, count: 2 * termCount)
        for t in 0..<termCount {
            stored[2 * t] = Float(lows[t]).nextDown
            stored[2 * t + 1] = Float(highs[t]).nextUp
        }
        // Columns: θ for the negative terms, then μ for the sign constraints.
        let m = negative.count + node.constraints.count
        var columns = [Double](repeating: 0, count: m * dim)
        let lower = [Double](repeating: 0, count: m)
        var upper = [Double](repeating: 1, count: m)
        var start = [Double](repeating: 0, count: m)
        for (s, i) in negative.enumerated() {
            let base = i * dim, w = min(negativeWeight[s], 0)
            for k in 0..<dim { columns[s * dim + k] = w * g.x[base + k] }
            if let hint = node.hint, g.product(i, hint) > 0 { start[s] = 1 }
        }
        for s in 0..<node.constraints.count {
            let column = negative.count + s
            for k in 0..<dim { columns[column * dim + k] = normals[s * dim + k] }
            upper[column] = .infinity
        }
        let (_, r, support) = g.minimizeSupport(c: c, columns: columns, lower: lower, upper: upper, start: start)
        let scale = v.indices.reduce(0.0) { $0 + abs(v[$1]) * g.norms[$1] }
        let bound = c0 + support + 1e-13 * scale * (g.cylinder ? 1 + g.radius : 1)

        // The relaxation's maximizer: the direction of the residual (on the cylinder, of its
        // feature part, with the best bias for it).
        var point = g.normalized(g.cylinder ? Array(r[0..<(dim - 1)]) + [0] : r)
        if g.cylinder, let p = point { point = g.bestBias(v, p) }

        // Branch on the sample whose secant (its own or a netted pair's) overestimates most at
        // the point, else on the widest secant error.
        var branch: Int?
        var largest = 0.0
        if let p = point {
            for (t, w, low, high) in slopes {
                let x = min(max(termProduct(t, p), low), high)
                let gap = w * (high * (x - low) / (high - low) - max(x, 0))
                if gap > largest { largest = gap; branch = sample(t) }
            }
        }
        if branch == nil || largest <= 1e-15 * scale {
            largest = 0
            for (t, w, low, high) in slopes {
                let gap = w * Self.secantError(low, high)
                if gap > largest { largest = gap; branch = sample(t) }
            }
            if largest <= 1e-15 * scale { branch = nil }
        }
        return Evaluation(bound: bound, point: point, branch: branch, intervals: stored)
    }
}
