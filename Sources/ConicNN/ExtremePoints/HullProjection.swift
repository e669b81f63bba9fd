import ConicSolver
import Foundation

/// The point of the convex hull of the other samples that lies nearest to one sample `aᵢ`:
/// the solution of the simplex-constrained least-squares problem
///
///     minimize ‖aᵢ − Σ_{j≠i} λⱼ aⱼ‖₂   subject to  λ ≥ 0,  1ᵀλ = 1,
///
/// together with a certificate of its accuracy.
///
/// The certificate is the Frank–Wolfe gap of `f(λ) = ½‖r(λ)‖²` at the returned `λ`:
/// `gap = ∇f(λ)ᵀλ − minⱼ ∂f/∂λⱼ = ‖r‖² − minⱼ (aᵢ − aⱼ)ᵀr`. Since `f` is convex and the
/// simplex is the convex hull of the unit vectors, `f(λ) − f* ≤ gap` exactly, hence the
/// distance bound ``distanceLowerBound``.
public struct HullProjection: Sendable, Equatable {
    /// The sample `i` that was projected.
    public var sampleIndex: Int
    /// The samples with `λⱼ > 0`, in increasing order.
    public var support: [Int]
    /// `λⱼ` for each entry of ``support``; they are positive and sum to 1.
    public var weights: [Double]
    /// `r = aᵢ − Σⱼ λⱼ aⱼ`.
    public var residual: [Double]
    /// `‖r‖₂`, an upper bound on the distance from `aᵢ` to the hull of the other samples.
    public var distance: Double
    /// The Frank–Wolfe gap: an upper bound on `½‖r‖² − ½·dist²`.
    public var gap: Double
    /// Major iterations (active-set method) or solver iterations (interior-point method).
    public var iterations: Int
    /// `max_{j≠i} ‖aⱼ − aᵢ‖²`, the scale the tolerances are relative to.
    public var squaredScale: Double

    /// A certified lower bound on the distance to the hull: `√max(0, ‖r‖² − 2·gap)`.
    public var distanceLowerBound: Double { max(0, distance * distance - 2 * gap).squareRoot() }

    /// `λ` as a dense vector of length `sampleCount` (zero at `i` and off the support).
    public func lambda(sampleCount: Int) -> [Double] {
        var out = [Double](repeating: 0, count: sampleCount)
        for (j, w) in zip(support, weights) { out[j] = w }
        return out
    }
}

/// How the simplex-constrained least-squares problems are solved.
public enum SimplexQPMethod: String, Sendable, Equatable, CaseIterable {
    /// Wolfe's minimum-norm-point active-set method: exact up to rounding, finite, and cheap
    /// when the support is small (at most `d + 1` samples). The default.
    case activeSet = "active-set"
    /// The conic interior-point solver on the residual form of the QP (`d + n` rows); much
    /// slower, accurate to about the square root of the solver's tolerance, kept as a reference.
    case interiorPoint = "interior-point"
}

/// Solvers for the per-sample projections, on data centered once for accuracy (the problem is
/// invariant under translating all samples).
struct SimplexLeastSquares {
    /// Row-major `n × d`, centered.
    let points: [Double]
    let n: Int
    let d: Int
    /// `AAᵀ` of the centered points (row-major `n × n`) when it pays: the active-set scores
    /// then cost `n·|S|` per iteration instead of `n·d`, and supports are usually far smaller
    /// than `d`. Only kept for `d > 32` and `n ≤ 5000` (200 MB).
    let pointGram: [Double]?

    static let gramMinimumFeatures = 33
    static let gramMaximumSamples = 5000

    init(features: DenseMatrix) {
        n = features.rowCount
        d = features.columnCount
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { mean[k] += features.values[i * d + k] } }
        for k in 0..<d { mean[k] /= Double(max(n, 1)) }
        var centered = features.values
        for i in 0..<n { for k in 0..<d { centered[i * d + k] -= mean[k] } }
        points = centered
        if d >= Self.gramMinimumFeatures, n <= Self.gramMaximumSamples {
            let c = DenseMatrix(rowCount: n, columnCount: d, values: centered)
            pointGram = c.multiplied(by: c, transposeOther: true).values
        } else {
            pointGram = nil
        }
    }

    /// As ``minimumScore(_:sample:x:)`` for `x = Σₖ λₖ(aₖ − aᵢ)`, from the Gram matrix:
    /// `xᵀ(aⱼ − aᵢ) = Σₖ λₖ Gₖⱼ − Gᵢⱼ − (Σₖ λₖ Gₖᵢ − Gᵢᵢ)` (using `Σλ = 1`).
    private func minimumScore(gram g: UnsafeBufferPointer<Double>, sample i: Int, active: [Int], lambda: [Double],
                              buffer t: inout [Double]) -> (index: Int, score: Double) {
        t.withUnsafeMutableBufferPointer { t in
            let gp = g.baseAddress!
            for j in 0..<n { t[j] = 0 }
            for (k, w) in zip(active, lambda) {
                let row = gp + k * n
                for j in 0..<n { t[j] += w * row[j] }
            }
            let rowI = gp + i * n
            let offset = t[i] - rowI[i]
            var best = -1, bestScore = Double.infinity
            for j in 0..<n {
                let s = t[j] - rowI[j] - offset
                if s < bestScore && j != i { bestScore = s; best = j }
            }
            return (best, bestScore)
        }
    }

    /// `xᵀy` over `count` entries; four partial sums let the loop vectorize (these products
    /// are the inner loops of the active-set method).
    static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 4 <= count {
            s0 += x[k] * y[k]; s1 += x[k + 1] * y[k + 1]
            s2 += x[k + 2] * y[k + 2]; s3 += x[k + 3] * y[k + 3]
            k += 4
        }
        while k < count { s0 += x[k] * y[k]; k += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// `max_{j≠i} ‖aⱼ − aᵢ‖²` and the nearest other sample `argmin_{j≠i} ‖aⱼ − aᵢ‖²` with its
    /// squared distance, from `‖aⱼ‖² − 2aⱼᵀaᵢ + ‖aᵢ‖²` (the data are centered, so this loses
    /// little; the active set recomputes what it keeps from differences).
    func distances(from i: Int) -> (scale: Double, nearest: Int, nearestDistance: Double) {
        points.withUnsafeBufferPointer { a in
            let ap = a.baseAddress!, ai = ap + i * d
            let own = Self.dot(ai, ai, d)
            var scale = 0.0, nearest = -1, nearestDistance = Double.infinity
            for j in 0..<n where j != i {
                let aj = ap + j * d
                let s = max(0, Self.dot(aj, aj, d) - 2 * Self.dot(aj, ai, d) + own)
                scale = max(scale, s)
                if s < nearestDistance { nearestDistance = s; nearest = j }
            }
            return (scale, nearest, nearestDistance)
        }
    }

    /// `x·aⱼ − x·aᵢ = xᵀ(aⱼ − aᵢ)` for every `j ≠ i`, and the minimizing `j`.
    private func minimumScore(_ a: UnsafeBufferPointer<Double>, sample i: Int, x: [Double]) -> (index: Int, score: Double) {
        x.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!, ap = a.baseAddress!
            let xi = Self.dot(xp, ap + i * d, d)
            var best = -1, bestScore = Double.infinity
            for j in 0..<n {
                let s = Self.dot(xp, ap + j * d, d) - xi
                if s < bestScore && j != i { bestScore = s; best = j }
            }
            return (best, bestScore)
        }
    }

    /// The projection from a given `λ` (support and weights): residual, distance and exact gap.
    func certify(sample i: Int, support: [Int], weights: [Double], iterations: Int, squaredScale: Double) -> HullProjection {
        points.withUnsafeBufferPointer { a in
            // x = Σ λⱼ (aⱼ − aᵢ) = −r
            var x = [Double](repeating: 0, count: d)
            for (j, w) in zip(support, weights) { for k in 0..<d { x[k] += w * (a[j * d + k] - a[i * d + k]) } }
            let xx = x.reduce(0) { $0 + $1 * $1 }
            let gap = n > 1 ? max(0, xx - minimumScore(a, sample: i, x: x).score) : 0
            let order = support.indices.sorted { support[$0] < support[$1] }
            return HullProjection(sampleIndex: i, support: order.map { support[$0] }, weights: order.map { weights[$0] },
                                  residual: x.map { -$0 }, distance: xx.squareRoot(), gap: gap, iterations: iterations,
                                  squaredScale: squaredScale)
        }
    }

    /// Wolfe's minimum-norm-point method on the points `pⱼ = aⱼ − aᵢ` (`j ≠ i`): the norm of
    /// `x = Σ λⱼ pⱼ` is the residual norm. Major steps add the point with the most negative
    /// `xᵀpⱼ`; minor steps move to the minimum-norm point of the affine hull of the active set,
    /// dropping points whose weight would turn negative. Stops when the Frank–Wolfe gap is at
    /// most `relativeGapTolerance · max ‖pⱼ‖²`, or when no step makes progress.
    func activeSet(sample i: Int, relativeGapTolerance: Double, maxIterations: Int) -> HullProjection {
        precondition(n >= 2, "SimplexLeastSquares: need at least two samples")
        let (scale, start, _) = distances(from: i)
        let tolerance = relativeGapTolerance * scale
        return points.withUnsafeBufferPointer { a in
            // Start from the nearest other sample.
            var active = [start]
            var rows = [(0..<d).map { a[start * d + $0] - a[i * d + $0] }]
            var gram = [[rows[0].reduce(0) { $0 + $1 * $1 }]]
            var lambda = [1.0]
            var x = rows[0]
            var previousNorm = Double.infinity
            var iterations = 0
            var scores = pointGram == nil ? [] : [Double](repeating: 0, count: n)
            // The lifted points (pⱼ, √c) make M = G + c·11ᵀ positive definite exactly when the
            // active points are affinely independent; c ~ scale keeps M well balanced.
            let lift = max(scale, .leastNormalMagnitude)
            major: while iterations < maxIterations {
                iterations += 1
                // No shortcut at small ‖x‖: only the gap certifies that a sample is inside the hull.
                let xx = x.reduce(0) { $0 + $1 * $1 }
                let j: Int, score: Double
                if let pointGram {
                    (j, score) = pointGram.withUnsafeBufferPointer {
                        minimumScore(gram: $0, sample: i, active: active, lambda: lambda, buffer: &scores)
                    }
                } else {
                    (j, score) = minimumScore(a, sample: i, x: x)
                }
                if xx - score <= tolerance || active.contains(j) { break }
                // Progress guard: rounding can make a step that does not lower ‖x‖.
                if xx >= previousNorm { break }
                previousNorm = xx
                let p = (0..<d).map { a[j * d + $0] - a[i * d + $0] }
                for (k, row) in rows.enumerated() {
                    let g = zip(row, p).reduce(0) { $0 + $1.0 * $1.1 }
                    gram[k].append(g)
                }
                gram.append(gram.indices.map { gram[$0].last! } + [p.reduce(0) { $0 + $1 * $1 }])
                active.append(j)
                rows.append(p)
                lambda.append(0)
                while true {
                    guard let mu = Self.affineMinimizer(gram, lift: lift) else {
                        // Affinely dependent to working precision: the new point cannot help.
                        Self.remove(active.count - 1, &active, &rows, &gram, &lambda)
                        break major
                    }
                    if mu.allSatisfy({ $0 > 0 }) { lambda = mu; break }
                    // Walk from λ towards μ until the first weight reaches zero, and drop it.
                    var theta = 1.0, blocking = -1
                    for k in mu.indices where mu[k] <= 0 {
                        let step = lambda[k] - mu[k]
                        let t = step > 0 ? lambda[k] / step : 0
                        if t < theta || blocking < 0 { theta = t; blocking = k }
                    }
                    for k in lambda.indices { lambda[k] += theta * (mu[k] - lambda[k]) }
                    lambda[blocking] = 0
                    // Only points that reached the boundary leave; a new point still at weight 0
                    // but moving inwards (μ > 0) stays.
                    for k in lambda.indices.reversed() where lambda[k] <= 0 && mu[k] <= 0 {
                        Self.remove(k, &active, &rows, &gram, &lambda)
                    }
                    let total = lambda.reduce(0, +)
                    lambda = lambda.map { $0 / total }
                }
                x = [Double](repeating: 0, count: d)
                for (w, row) in zip(lambda, rows) { for k in 0..<d { x[k] += w * row[k] } }
            }
            return certify(sample: i, support: active, weights: lambda, iterations: iterations, squaredScale: scale)
        }
    }

    private static func remove(_ k: Int, _ active: inout [Int], _ rows: inout [[Double]], _ gram: inout [[Double]],
                               _ lambda: inout [Double]) {
        active.remove(at: k)
        rows.remove(at: k)
        lambda.remove(at: k)
        gram.remove(at: k)
        for r in gram.indices { gram[r].remove(at: k) }
    }

    /// The weights `μ` (`1ᵀμ = 1`) of the minimum-norm point of the affine hull of the points
    /// whose Gram matrix is `gram`: `μ ∝ (G + c·11ᵀ)⁻¹1`. `nil` when that matrix is not
    /// numerically positive definite (the points are affinely dependent).
    static func affineMinimizer(_ gram: [[Double]], lift: Double) -> [Double]? {
        let m = gram.count
        // Cholesky L Lᵀ of M = G + c·11ᵀ, row by row.
        var l = [Double](repeating: 0, count: m * m)
        var largest = 0.0
        for r in 0..<m { largest = max(largest, gram[r][r] + lift) }
        for r in 0..<m {
            for c in 0...r {
                var s = gram[r][c] + lift
                for k in 0..<c { s -= l[r * m + k] * l[c * m + k] }
                if r == c {
                    guard s > 1e-13 * largest else { return nil }
                    l[r * m + r] = s.squareRoot()
                } else {
                    l[r * m + c] = s / l[c * m + c]
                }
            }
        }
        var z = [Double](repeating: 1, count: m)
        for r in 0..<m {
            for k in 0..<r { z[r] -= l[r * m + k] * z[k] }
            z[r] /= l[r * m + r]
        }
        for r in (0..<m).reversed() {
            for k in (r + 1)..<m { z[r] -= l[k * m + r] * z[k] }
            z[r] /= l[r * m + r]
        }
        let total = z.reduce(0, +)
        guard total > 0, total.isFinite else { return nil }
        return z.map { $0 / total }
    }

    /// The same QP on the conic solver, in residual form (so its size grows like `n + d`, not
    /// `n²`): variables `(λ, r)`, minimize `½‖r‖²` subject to `r + Σⱼ λⱼ aⱼ = aᵢ`, `1ᵀλ = 1`,
    /// `λ ≥ 0`. The returned `λ` is clipped to the simplex and certified like the active-set one.
    func interiorPoint(sample i: Int, settings: SolverSettings) throws -> HullProjection {
        let others = (0..<n).filter { $0 != i }
        let m = others.count
        var rows = [Int](), columns = [Int](), values = [Double]()
        for (c, j) in others.enumerated() {
            for k in 0..<d where points[j * d + k] != 0 {
                rows.append(k); columns.append(c); values.append(points[j * d + k])
            }
            rows.append(d); columns.append(c); values.append(1)           // 1ᵀλ = 1
            rows.append(d + 1 + c); columns.append(c); values.append(-1)  // −λ ≤ 0
        }
        for k in 0..<d { rows.append(k); columns.append(m + k); values.append(1) }
        let a = try SparseMatrix(rowCount: d + 1 + m, columnCount: m + d, rows: rows, columns: columns, values: values, name: "A")
        let p = try SparseMatrix(rowCount: m + d, columnCount: m + d, rows: (0..<d).map { m + $0 },
                                 columns: (0..<d).map { m + $0 }, values: Array(repeating: 1, count: d), name: "P")
        let b = (0..<d).map { points[i * d + $0] } + [1] + Array(repeating: 0, count: m)
        let problem = try ConicProblem(P: p, q: Array(repeating: 0, count: m + d), A: a, b: b,
                                       cones: [.zero(d + 1), .nonnegative(m)])
        let solution = try solve(problem, settings: settings)
        guard solution.status.isOptimal else { throw ExtremePointError.solverFailed(sample: i, status: solution.status) }
        let clipped = (0..<m).map { max(0, solution.x[$0]) }
        let total = clipped.reduce(0, +)
        guard total > 0 else { throw ExtremePointError.solverFailed(sample: i, status: solution.status) }
        let support = (0..<m).filter { clipped[$0] > 0 }
        return certify(sample: i, support: support.map { others[$0] }, weights: support.map { clipped[$0] / total },
                       iterations: solution.iterations, squaredScale: distances(from: i).scale)
    }
}
