import Foundation
import ConicSolver

/// Limits of a search for the maximum of the dual constraint function `C(V)`.
public struct DualConstraintSearchBudget: Sendable, Equatable {
    /// Wall-clock seconds the search may take; when it runs out the bound stays valid but is
    /// reported as not proven.
    public var timeLimit: Double = 60
    /// Nodes of the branch and bound at most.
    public var maximumNodes: Int = 200_000
    /// The bound is proven once it is within this factor of the best value found, or below the
    /// threshold it is compared with.
    public var relativeTolerance: Double = 1e-3

    /// Default budget.
    public init() {}
    /// A budget with the given limits.
    public init(timeLimit: Double, maximumNodes: Int = 200_000, relativeTolerance: Double = 1e-3) {
        self.timeLimit = timeLimit
        self.maximumNodes = maximumNodes
        self.relativeTolerance = relativeTolerance
    }
}

/// What a search for `C(V) = max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖` found: a certified upper bound, the best value
/// reached by a concrete neuron, and the neurons that violate the threshold.
public struct DualConstraintSearchResult: Sendable {
    /// A certified `C ≥ C(V)`.
    public var upperBound: Double
    /// The largest `‖Vᵀ(X̃u)₊‖` reached by a neuron found (a lower bound on `C(V)`).
    public var bestValue: Double
    /// How ``upperBound`` was obtained.
    public var method: DualConstraintBound.Method
    /// Whether ``upperBound`` is tight: within the budget's tolerance of ``bestValue``, or at most
    /// `threshold·(1 + tolerance)`.
    public var proven: Bool
    /// Neurons `u` (`‖u‖ = 1`, one entry per column of the design) with `‖Vᵀ(X̃u)₊‖ > threshold`,
    /// best first.
    public var violators: [[Double]]
    /// Branch-and-bound nodes explored.
    public var nodes: Int
    /// Wall-clock seconds of the search.
    public var seconds: Double
}

extension DualConstraintBound {
    /// Searches for the maximum of `‖Vᵀ(X̃u)₊‖` over `‖u‖ ≤ 1` (`X̃ = design`), returning a certified
    /// upper bound and the neurons found above `threshold` (the oracle of pattern generation and
    /// the bound of the certificate in one search).
    ///
    /// Rank ≤ 3 (with a free bias: `d ≤ 3`): the exact chamber enumeration. Otherwise a branch and
    /// bound over the signs of `x̃ᵢᵀu` (`docs/nn-certificates.md`, "Bounding C(V) by branch and
    /// bound") started from a multi-start ascent; nodes whose bound is at most
    /// `max(best, threshold)·(1 + tolerance)` are closed. For several outputs each column is bounded
    /// separately and `C ≤ (Σₖ Cₖ²)^{1/2}`. The returned bound is valid whenever the search stops.
    ///
    /// - Parameters:
    ///   - starts: neurons to start local ascents from (e.g. a network's own neurons, last
    ///     round's violators); any length-`d̃` vectors.
    ///   - freeBias: the last column of `design` is an unregularized bias (a column of ones;
    ///     `‖u₁..d‖ ≤ 1`, `b` free). The bound is over `|b| ≤ maxᵢ‖xᵢ‖`, which is the supremum over
    ///     every `b` only when `1ᵀV = 0`: project `V` first, as the certificate does.
    ///   - maximumViolators: how many violators to return at most.
    ///   - relaxationSampleLimit: when the search is not tight, the semidefinite relaxation is
    ///     tried as well for at most this many samples (it costs far more than the search; 0: never).
    ///   - progress: receives a line at every power-of-two node count and one at the end.
    public static func search(design: DenseMatrix, dual v: DenseMatrix, threshold: Double,
                              starts: [[Double]] = [], freeBias: Bool = false,
                              budget: DualConstraintSearchBudget = DualConstraintSearchBudget(),
                              maximumViolators: Int = 32, relaxationSampleLimit: Int = 0,
                              progress: ((String) -> Void)? = nil) -> DualConstraintSearchResult {
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double {
            let e = clock.now - start
            return Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18
        }
        let n = design.rowCount, c = v.columnCount, dim = design.columnCount
        precondition(v.rowCount == n, "DualConstraintBound.search: \(v.rowCount) dual rows for \(n) samples")
        let tolerance = budget.relativeTolerance
        guard n > 0, dim > 0, c > 0, v.values.contains(where: { $0 != 0 }) else {
            return DualConstraintSearchResult(upperBound: 0, bestValue: 0, method: .exact, proven: true, violators: [],
                                              nodes: 0, seconds: elapsed())
        }
        guard design.values.allSatisfy(\.isFinite), v.values.allSatisfy(\.isFinite) else {
            // NaN or infinity: nothing can be certified.
            return DualConstraintSearchResult(upperBound: .infinity, bestValue: 0, method: .norm, proven: false,
                                              violators: [], nodes: 0, seconds: elapsed())
        }
        func finished(upper: Double, best: Double, method: Method, candidates: [SearchCandidate], nodes: Int)
            -> DualConstraintSearchResult {
            let proven = upper <= (1 + tolerance) * max(best, threshold) * (1 + 1e-12) + 1e-300
            let violators = SearchCandidate.distinct(candidates.filter { $0.value > threshold }, limit: maximumViolators)
            progress?("bound C ≤ \(upper) (\(method.rawValue)\(proven ? ", proven" : "")), best neuron \(best), ratio \(upper / max(best, .leastNormalMagnitude)), \(nodes) nodes, \(elapsed()) s, n \(n), d̃ \(dim), threshold \(threshold)")
            return DualConstraintSearchResult(upperBound: upper, bestValue: best, method: method, proven: proven,
                                              violators: violators.map(\.weights), nodes: nodes, seconds: elapsed())
        }

        // Rank ≤ 3: exact.
        if freeBias {
            let features = DenseMatrix(rows: (0..<n).map { Array(design.row($0).dropLast()) }, columnCount: dim - 1)
            if let reductions = DualConstraintOracle.exactReductions(features: features, bias: true) {
                let exact = DualConstraintOracle.exact(features: features, dual: v, reductions: reductions,
                                                       count: maximumViolators)
                let candidates = exact.candidates.map { SearchCandidate(weights: $0.weights, value: $0.value) }
                return finished(upper: exact.maximum, best: candidates.map(\.value).max() ?? 0, method: .exact,
                                candidates: candidates, nodes: 0)
            }
        } else if let reduction = try? RowSpaceReduction(design) {
            let exact = DualConstraintOracle.exact(features: design, dual: v, reductions: [(reduction, nil)],
                                                   count: maximumViolators)
            let candidates = exact.candidates.map { SearchCandidate(weights: $0.weights, value: $0.value) }
            return finished(upper: exact.maximum, best: candidates.map(\.value).max() ?? 0, method: .exact,
                            candidates: candidates, nodes: 0)
        }

        let geometry = SignSearchGeometry(design: design, cylinder: freeBias)
        let deadline = budget.timeLimit
        var candidates = [SearchCandidate]()
        var upper = 0.0, bestValue = 0.0, nodes = 0
        if c == 1 {
            let column = v.values
            let outcome = SignBranchAndBound.run(geometry: geometry, directions: [column, column.map { -$0 }],
                                                 threshold: threshold, starts: starts, tolerance: tolerance,
                                                 maximumNodes: budget.maximumNodes, seconds: deadline - elapsed(),
                                                 progress: progress)
            upper = outcome.upper; bestValue = outcome.best; nodes = outcome.nodes
            candidates = outcome.candidates
        } else {
            // Per column, then C ≤ (Σ Cₖ²)^{1/2}; neurons scored by the full norm.
            var squares = 0.0
            for k in 0..<c {
                let column = v.column(k)
                let remaining = (deadline - elapsed()) / Double(c - k)
                let outcome = SignBranchAndBound.run(geometry: geometry, directions: [column, column.map { -$0 }],
                                                     threshold: 0, starts: starts + candidates.map(\.weights),
                                                     tolerance: tolerance,
                                                     maximumNodes: (budget.maximumNodes - nodes) / (c - k),
                                                     seconds: remaining, progress: progress)
                squares += outcome.upper * outcome.upper
                nodes += outcome.nodes
                candidates += outcome.candidates
            }
            upper = squares.squareRoot()
            func jointValue(_ u: [Double]) -> (value: Double, outputs: [Double]) {
                var h = [Double](repeating: 0, count: n)
                for i in 0..<n { h[i] = max(0, geometry.product(i, u)) }
                let outputs = v.transposeMultiplied(by: h)
                return (euclideanNorm(outputs), outputs)
            }
            candidates = candidates.map { SearchCandidate(weights: $0.weights, value: jointValue($0.weights).value) }
            // Joint ascent from the best: for w = Vᵀh/‖Vᵀh‖ at the current neuron, ascend on Vw.
            let leaders = SearchCandidate.distinct(candidates, limit: 16)
            for leader in leaders {
                var u = leader.weights
                for _ in 0..<10 {
                    let (value, outputs) = jointValue(u)
                    guard value > 0 else { break }
                    let direction = v.multiplied(by: outputs.map { $0 / value })
                    guard let (next, _) = geometry.ascend(direction, from: u, iterations: 5) else { break }
                    let nextValue = jointValue(next).value
                    if nextValue <= value * (1 + 1e-12) { break }
                    u = next
                    candidates.append(SearchCandidate(weights: next, value: nextValue))
                }
            }
            bestValue = candidates.map(\.value).max() ?? 0
        }
        var method = Method.branchAndBound
        if !(upper <= (1 + tolerance) * max(bestValue, threshold)) {
            // Not tight: the norm bounds (and, up to `relaxationSampleLimit` samples, the
            // semidefinite relaxation) may still be smaller.
            let other: (value: Double, method: Method)
            if freeBias {
                let features = DenseMatrix(rows: (0..<n).map { Array(design.row($0).dropLast()) }, columnCount: dim - 1)
                other = DualConstraintOracle.certifiedBound(features: features, dual: v, bias: true, reductions: nil,
                                                            maximumRelaxationSamples: relaxationSampleLimit)
            } else {
                other = best(design: design, dual: v, maximumRelaxationSamples: relaxationSampleLimit)
            }
            if other.value < upper { upper = other.value; method = other.method }
        }
        return finished(upper: max(upper, bestValue), best: bestValue, method: method, candidates: candidates, nodes: nodes)
    }
}

/// A neuron and its value `‖Vᵀ(X̃u)₊‖`.
struct SearchCandidate {
    var weights: [Double]
    var value: Double

    /// The `limit` best, skipping neurons parallel to a better one.
    static func distinct(_ candidates: [SearchCandidate], limit: Int) -> [SearchCandidate] {
        var out = [SearchCandidate]()
        for candidate in candidates.sorted(by: { $0.value > $1.value }) where out.count < limit {
            let norm = euclideanNorm(candidate.weights)
            let same = out.contains { other in
                let otherNorm = euclideanNorm(other.weights)
                return zip(candidate.weights, other.weights).allSatisfy { abs($0 / norm - $1 / otherNorm) <= 1e-9 }
            }
            if !same { out.append(candidate) }
        }
        return out
    }
}

extension SignBranchAndBound {
    /// What one search over several scalar directions gave: `upper ≥ maxₖ max_u vₖᵀ(X̃u)₊`.
    struct Outcome {
        var upper: Double
        var best: Double
        var candidates: [SearchCandidate]
        var nodes: Int
    }

    /// Best-first branch and bound over the roots `directions` (one tree each, one queue), after a
    /// multi-start ascent; candidates are scored by their largest direction value (for `v, −v`:
    /// `|vᵀ(X̃u)₊|`).
    static func run(geometry g: SignSearchGeometry, directions: [[Double]], threshold: Double, starts: [[Double]],
                    tolerance: Double, maximumNodes: Int, seconds: Double,
                    progress: ((String) -> Void)? = nil) -> Outcome {
        let clock = ContinuousClock()
        let begin = clock.now
        func timeUp() -> Bool {
            let e = clock.now - begin
            return Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18 > seconds
        }
        let searches = directions.map { SignBranchAndBound(geometry: g, v: $0) }
        var best = 0.0
        var candidates = [SearchCandidate]()
        func offer(_ point: [Double], _ value: Double) {
            if value > best { best = value }
            if value > threshold || value >= best * 0.999 { candidates.append(SearchCandidate(weights: point, value: value)) }
            if candidates.count > 4000 {
                candidates.sort { $0.value > $1.value }
                candidates.removeLast(candidates.count - 1000)
            }
        }

        // Incumbent: ascents from the given neurons, the data directions, the positive parts'
        // centroids and random directions.
        var seeds = starts.filter { $0.count == g.dim }
        let stride = max(1, g.n / 300)
        for i in Swift.stride(from: 0, to: g.n, by: stride) {
            var row = Array(g.x[(i * g.dim)..<((i + 1) * g.dim)])
            if g.cylinder { row[g.dim - 1] = 0 }
            seeds.append(row)
        }
        var generator = SeededGenerator(seed: 0x5eed)
        for _ in 0..<64 { seeds.append((0..<g.dim).map { _ in generator.nextGaussian() }) }
        for search in searches {
            var centroid = [Double](repeating: 0, count: g.dim)
            for i in search.positive { for k in 0..<g.dim { centroid[k] += search.v[i] * g.x[i * g.dim + k] } }
            var local = [SearchCandidate]()
            for seed in seeds + [centroid] {
                if let (point, value) = g.ascend(search.v, from: seed) {
                    offer(point, value)
                    local.append(SearchCandidate(weights: point, value: value))
                }
            }
            // The best few ascents, refined region by region.
            for candidate in SearchCandidate.distinct(local, limit: 8) where candidate.value > 0 {
                let (point, value) = search.regionAscent(from: candidate.weights, value: candidate.value)
                offer(point, value)
            }
        }

        // The queue: a max-heap of (bound, node).
        var heap = BoundHeap()
        for (root, _) in searches.enumerated() {
            heap.push(.infinity, (root, SignBranchAndBound.Node(constraints: [], hint: nil)))
        }
        var closed = 0.0, nodes = 0
        func pruneLevel() -> Double { max(best, threshold) * (1 + tolerance) }
        while let (parentBound, item) = heap.popMax() {
            if parentBound <= pruneLevel() { closed = max(closed, parentBound); continue }
            if nodes >= maximumNodes || (nodes % 8 == 0 && timeUp()) { heap.push(parentBound, item); break }
            let (root, node) = item
            let search = searches[root]
            let evaluation = search.evaluate(node)
            nodes += 1

            let bound = min(parentBound, evaluation.bound)
            if let progress, nodes & (nodes - 1) == 0 {
                progress("  \(nodes) nodes: node bound \(bound), largest open \(max(heap.maximum ?? 0, bound)), best \(best), \(heap.count) open, depth \(node.depth)")
            }
            if let point = evaluation.point {
                let value = g.value(search.v, point)
                offer(point, value)
                if value >= 0.9 * best {
                    let (polished, better) = search.regionAscent(from: point, value: value, rounds: 2)
                    if better > value { offer(polished, better) }
                }
            }
            if bound <= pruneLevel() { closed = max(closed, bound); continue }
            guard let branch = evaluation.branch else { closed = max(closed, bound); continue }
            for sign: Int32 in [1, -1] {
                // Children inherit the intervals while the queue is small enough to hold them.
                heap.push(bound, (root, SignBranchAndBound.Node(constraints: node.constraints + [sign * Int32(branch + 1)],
                                                               hint: evaluation.point,
                                                               intervals: heap.count < 50_000 ? evaluation.intervals : nil)))
            }
        }
        let open = heap.maximum ?? 0
        return Outcome(upper: max(best, closed, open), best: best, candidates: candidates, nodes: nodes)
    }
}

/// A binary max-heap of branch-and-bound nodes keyed by their bound.
struct BoundHeap {
    private var keys = [Double]()
    private var items = [(Int, SignBranchAndBound.Node)]()

    /// The largest key.
    var maximum: Double? { keys.first }
    /// Nodes held.
    var count: Int { keys.count }

    mutating func push(_ key: Double, _ item: (Int, SignBranchAndBound.Node)) {
        keys.append(key); items.append(item)
        var k = keys.count - 1
        while k > 0 {
            let parent = (k - 1) / 2
            guard keys[parent] < keys[k] else { break }
            keys.swapAt(parent, k); items.swapAt(parent, k)
            k = parent
        }
    }

    mutating func popMax() -> (Double, (Int, SignBranchAndBound.Node))? {
        guard !keys.isEmpty else { return nil }
        let top = (keys[0], items[0])
        let lastKey = keys.removeLast(), lastItem = items.removeLast()
        if !keys.isEmpty {
            keys[0] = lastKey; items[0] = lastItem
            var k = 0
            while true {
                let left = 2 * k + 1, right = left + 1
                var largest = k
                if left < keys.count && keys[left] > keys[largest] { largest = left }
                if right < keys.count && keys[right] > keys[largest] { largest = right }
                if largest == k { break }
                keys.swapAt(largest, k); items.swapAt(largest, k)
                k = largest
            }
        }
        return top
    }
}
