import XCTest
import ConicSolver
@testable import ConicNN
import ConicTestSupport

/// The branch and bound on `C(V) = max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖` against an independent enumeration
/// (rank 4–5), the exact rank-≤3 method, adversarial neurons, and its budget.
final class DualConstraintSearchTests: XCTestCase {
    // MARK: Independent enumeration

    /// `max_{‖u‖≤1} vᵀ(Xu)₊` by enumeration, for points in general position: every chamber of the
    /// central arrangement has an extreme ray `±r` on `d − 1` hyperplanes, and around it all
    /// `2^{d−1}` sign choices of those hyperplanes are chambers; on chamber `D` the function is
    /// `g_Dᵀu`, whose maximum over the chamber's part of the ball is `‖Π_K g_D‖`, i.e. `‖P_J g_D‖`
    /// for the face `J` (≤ `d − 1` hyperplanes) where the projection `P_J g_D` lands in the chamber.
    static func enumeratedMaximum(_ x: DenseMatrix, _ v: [Double]) -> Double {
        let n = x.rowCount, d = x.columnCount
        let rows = (0..<n).map { x.row($0) }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        func subsets(_ size: Int) -> [[Int]] {
            guard size > 0 else { return [[]] }
            var out = [[Int]]()
            func extend(_ prefix: [Int], _ from: Int) {
                if prefix.count == size { out.append(prefix); return }
                guard from < n else { return }
                for k in from..<n { extend(prefix + [k], k + 1) }
            }
            extend([], 0)
            return out
        }
        /// An orthonormal basis of the orthogonal complement of span{x_j : j ∈ J}, by Gram–Schmidt.
        func complementProjector(_ J: [Int]) -> ([Double]) -> [Double] {
            var basis = [[Double]]()
            for j in J {
                var w = rows[j]
                for b in basis { let p = dot(w, b); w = zip(w, b).map { $0 - p * $1 } }
                let norm = dot(w, w).squareRoot()
                if norm > 1e-12 { basis.append(w.map { $0 / norm }) }
            }
            return { g in
                var w = g
                for b in basis { let p = dot(w, b); w = zip(w, b).map { $0 - p * $1 } }
                return w
            }
        }
        // Chambers from extreme rays.
        var chambers = Set<[Bool]>()
        for J in subsets(d - 1) {
            // The ray: the complement of span{x_j} (one dimension).
            let project = complementProjector(J)
            var ray = [Double](repeating: 0, count: d)
            var bestNorm = 0.0
            for e in 0..<d {
                var unit = [Double](repeating: 0, count: d); unit[e] = 1
                let w = project(unit)
                let norm = dot(w, w)
                if norm > bestNorm { bestNorm = norm; ray = w }
            }
            for sign in [1.0, -1.0] {
                let r = ray.map { sign * $0 }
                let base = rows.map { dot($0, r) > 0 }
                for mask in 0..<(1 << J.count) {
                    var pattern = base
                    for (bit, j) in J.enumerated() { pattern[j] = mask & (1 << bit) != 0 }
                    chambers.insert(pattern)
                }
            }
        }
        let faces = (0..<d).flatMap { subsets($0) }.map { complementProjector($0) }
        var best = 0.0
        for pattern in chambers {
            var g = [Double](repeating: 0, count: d)
            for i in 0..<n where pattern[i] { for k in 0..<d { g[k] += v[i] * rows[i][k] } }
            for project in faces {
                let w = project(g)
                let norm = dot(w, w).squareRoot()
                guard norm > best else { continue }
                let scale = rows.map { dot($0, $0).squareRoot() }.max()! * norm
                let inside = (0..<n).allSatisfy { i in
                    let t = dot(rows[i], w)
                    return pattern[i] ? t >= -1e-10 * scale : t <= 1e-10 * scale
                }
                if inside { best = norm }
            }
        }
        return best
    }

    /// `|vᵀ(X̃u)₊|` maximized by brute force over `count` random unit directions (for the free
    /// bias: `‖u₁..d‖ = 1`, `b` uniform in `[−R, R]`).
    static func randomNeuronMaximum(_ x: DenseMatrix, _ v: DenseMatrix, count: Int, freeBias: Bool = false,
                                    seed: UInt64 = 99) -> Double {
        var rng = SeededGenerator(seed: seed)
        let d = x.columnCount, features = freeBias ? d - 1 : d
        let radius = (0..<x.rowCount).map { euclideanNorm(x.row($0).prefix(features)) }.max()!
        var best = 0.0
        for _ in 0..<count {
            var u = (0..<d).map { _ in rng.nextGaussian() }
            let norm = euclideanNorm(u.prefix(features))
            u = u.map { $0 / norm }
            if freeBias { u[d - 1] = Double.random(in: -radius...radius, using: &rng) }
            let h = x.multiplied(by: u).map { max($0, 0) }
            best = max(best, euclideanNorm(v.transposeMultiplied(by: h)))
        }
        return best
    }

    // MARK: Tests

    func testBranchAndBoundEqualsEnumeratedMaximumInRankFourAndFive() {
        for (seed, n, d) in [(1, 12, 4), (3, 9, 5)] as [(UInt64, Int, Int)] {
            let x = gaussianMatrix(n, d, seed: seed)
            let v = gaussianMatrix(n, 1, seed: seed + 100)
            let exact = max(Self.enumeratedMaximum(x, v.values), Self.enumeratedMaximum(x, v.values.map { -$0 }))
            let result = DualConstraintBound.search(design: x, dual: v, threshold: 0,
                                                    budget: DualConstraintSearchBudget(timeLimit: 20, relativeTolerance: 1e-5))
            XCTAssertEqual(result.method, .branchAndBound)
            XCTAssertTrue(result.proven, "seed \(seed)")
            XCTAssertGreaterThanOrEqual(result.upperBound, exact * (1 - 1e-9), "seed \(seed): bound below the maximum")
            XCTAssertEqual(result.upperBound, exact, accuracy: 2e-5 * exact, "seed \(seed)")
            XCTAssertEqual(result.bestValue, exact, accuracy: 2e-5 * exact, "seed \(seed)")
            XCTAssertLessThanOrEqual(result.bestValue, exact * (1 + 1e-9))
            XCTAssertGreaterThan(result.nodes, 1)
        }
    }

    func testFreeBiasEqualsEnumerationOverKinks() {
        // With 1ᵀv = 0 the supremum over the bias sits at a kink b = −x_kᵀu: the maximum over the
        // shifted data x_i − x_k, each enumerated.
        let n = 8, d = 4
        let features = gaussianMatrix(n, d, seed: 7)
        var v = gaussianMatrix(n, 1, seed: 8).values
        let mean = v.reduce(0, +) / Double(n)
        v = v.map { $0 - mean }
        var exact = 0.0
        for k in 0..<n {
            var shifted = features
            for i in 0..<n { for j in 0..<d { shifted[i, j] -= features[k, j] } }
            exact = max(exact, Self.enumeratedMaximum(shifted, v), Self.enumeratedMaximum(shifted, v.map { -$0 }))
        }
        let result = DualConstraintBound.search(design: features.appendingOnesColumn(), dual: DenseMatrix(column: v),
                                                threshold: 0, freeBias: true,
                                                budget: DualConstraintSearchBudget(timeLimit: 20, relativeTolerance: 1e-4))
        XCTAssertEqual(result.method, .branchAndBound)
        XCTAssertTrue(result.proven)
        XCTAssertGreaterThanOrEqual(result.upperBound, exact * (1 - 1e-9))
        XCTAssertEqual(result.upperBound, exact, accuracy: 2e-4 * exact)
        XCTAssertEqual(result.bestValue, exact, accuracy: 1e-9 * exact)
        for u in result.violators { XCTAssertEqual(euclideanNorm(u.prefix(d)), 1, accuracy: 1e-9) }
    }

    func testNettedPairsKeepTheBoundExact() {
        // Near-duplicate samples of opposite weight (a dense residual's local cancellation): the
        // netted pairs carry most of the mass, and the bound still equals the enumerated maximum.
        var rng = SeededGenerator(seed: 41)
        let centers = gaussianMatrix(6, 4, &rng)
        var rows = [[Double]](), weights = [Double]()
        for i in 0..<6 {
            let weight = 0.5 + Double(i) * 0.3
            for sign in [1.0, -1.0] {
                rows.append(centers.row(i).map { $0 + 0.05 * rng.nextGaussian() })
                weights.append(sign * weight * (1 + 0.2 * rng.nextGaussian()))
            }
        }
        let x = DenseMatrix(rows: rows, columnCount: 4)
        let search = SignBranchAndBound(geometry: SignSearchGeometry(design: x, cylinder: false), v: weights)
        XCTAssertFalse(search.pairs.isEmpty, "near-duplicates of opposite sign are netted")
        let exact = max(Self.enumeratedMaximum(x, weights), Self.enumeratedMaximum(x, weights.map { -$0 }))
        let result = DualConstraintBound.search(design: x, dual: DenseMatrix(column: weights), threshold: 0,
                                                budget: DualConstraintSearchBudget(timeLimit: 20, relativeTolerance: 1e-6))
        XCTAssertTrue(result.proven)
        XCTAssertGreaterThanOrEqual(result.upperBound, exact * (1 - 1e-9), "bound below the maximum")
        XCTAssertEqual(result.upperBound, exact, accuracy: 1e-5 * exact)
        // At the root the netted relaxation is far tighter than the plain secants (its mass is
        // the pairs' differences).
        let root = search.evaluate(SignBranchAndBound.Node(constraints: [], hint: nil)).bound
        let plainMass = weights.indices.reduce(0.0) { $0 + max(weights[$1], 0) * euclideanNorm(x.row($1)) } / 2
        XCTAssertGreaterThanOrEqual(root, exact * (1 - 1e-9))
        XCTAssertLessThan(root, plainMass / 3)
    }

    func testRankThreeAgreesWithExactMethod() {
        // Without a bias: 3-D data, the branch and bound called directly against the chamber method.
        let x = gaussianMatrix(25, 3, seed: 11)
        let v = gaussianMatrix(25, 1, seed: 12)
        let exact = DualConstraintBound.exact(try! RowSpaceReduction(x), dual: v)
        let outcome = SignBranchAndBound.run(geometry: SignSearchGeometry(design: x, cylinder: false),
                                             directions: [v.values, v.values.map { -$0 }], threshold: 0, starts: [],
                                             tolerance: 1e-7, maximumNodes: 100_000, seconds: 20)
        XCTAssertGreaterThanOrEqual(outcome.upper, exact * (1 - 1e-9))
        XCTAssertEqual(outcome.upper, exact, accuracy: 1e-6 * exact)
        XCTAssertEqual(outcome.best, exact, accuracy: 1e-6 * exact)
        // The public search keeps the exact method there.
        XCTAssertEqual(DualConstraintBound.search(design: x, dual: v, threshold: 0).method, .exact)

        // Free bias: 2-D features, against the exact oracle over the kinks.
        let features = gaussianMatrix(20, 2, seed: 13)
        var w = gaussianMatrix(20, 1, seed: 14)
        let mean = w.values.reduce(0, +) / 20
        w.values = w.values.map { $0 - mean }
        let reductions = DualConstraintOracle.exactReductions(features: features, bias: true)!
        let exactBias = DualConstraintOracle.exact(features: features, dual: w, reductions: reductions, count: 0).maximum
        let biased = SignBranchAndBound.run(geometry: SignSearchGeometry(design: features.appendingOnesColumn(), cylinder: true),
                                            directions: [w.values, w.values.map { -$0 }], threshold: 0, starts: [],
                                            tolerance: 1e-4, maximumNodes: 100_000, seconds: 20)
        XCTAssertGreaterThanOrEqual(biased.upper, exactBias * (1 - 1e-9))
        // The cylinder's dual is minimized by alternation: leaves are tight to about 1e-3.
        XCTAssertEqual(biased.upper, exactBias, accuracy: 2e-3 * exactBias)
        XCTAssertEqual(biased.best, exactBias, accuracy: 1e-6 * exactBias)
    }

    func testBoundIsNeverBelowAdversarialNeurons() {
        var rng = SeededGenerator(seed: 21)
        for (n, d, outputs, freeBias) in [(30, 6, 1, false), (30, 5, 2, false), (25, 4, 1, true)] {
            let x = gaussianMatrix(n, d, &rng)
            var v = gaussianMatrix(n, outputs, &rng)
            if freeBias {
                let mean = v.values.reduce(0, +) / Double(n)
                v.values = v.values.map { $0 - mean }
            }
            let design = freeBias ? x.appendingOnesColumn() : x
            let result = DualConstraintBound.search(design: design, dual: v, threshold: 0, freeBias: freeBias,
                                                    budget: DualConstraintSearchBudget(timeLimit: 5, relativeTolerance: 1e-4))
            let adversarial = Self.randomNeuronMaximum(design, v, count: 5000, freeBias: freeBias)
            XCTAssertGreaterThanOrEqual(result.upperBound, adversarial, "n \(n) d \(d) c \(outputs) bias \(freeBias)")
            XCTAssertGreaterThanOrEqual(result.upperBound, result.bestValue)
            // The ascent and the search are at least as good as random neurons.
            XCTAssertGreaterThanOrEqual(result.bestValue, adversarial * (1 - 1e-9))
            if outputs == 1 { XCTAssertTrue(result.proven, "n \(n) d \(d) bias \(freeBias)") }
        }
    }

    func testExhaustedBudgetLeavesValidUnprovenBound() {
        let x = gaussianMatrix(40, 7, seed: 31)
        let v = gaussianMatrix(40, 1, seed: 32)
        let full = DualConstraintBound.search(design: x, dual: v, threshold: 0,
                                              budget: DualConstraintSearchBudget(timeLimit: 10))
        XCTAssertTrue(full.proven)
        let cut = DualConstraintBound.search(design: x, dual: v, threshold: 0,
                                             budget: DualConstraintSearchBudget(timeLimit: 10, maximumNodes: 3))
        XCTAssertFalse(cut.proven)
        XCTAssertLessThanOrEqual(cut.nodes, 3)
        XCTAssertGreaterThan(cut.upperBound, cut.bestValue * (1 + 1e-3))
        XCTAssertGreaterThanOrEqual(cut.upperBound, full.bestValue)
        XCTAssertGreaterThanOrEqual(cut.upperBound, full.upperBound / (1 + 1e-3))
        XCTAssertGreaterThanOrEqual(cut.upperBound, Self.randomNeuronMaximum(x, v, count: 2000))
    }

    func testViolatorsExceedTheThreshold() {
        let x = gaussianMatrix(30, 5, seed: 41)
        let v = gaussianMatrix(30, 1, seed: 42)
        let reference = DualConstraintBound.search(design: x, dual: v, threshold: 0)
        let threshold = 0.6 * reference.bestValue
        let result = DualConstraintBound.search(design: x, dual: v, threshold: threshold, maximumViolators: 10)
        XCTAssertFalse(result.violators.isEmpty)
        XCTAssertLessThanOrEqual(result.violators.count, 10)
        var previous = Double.infinity
        for u in result.violators {
            XCTAssertEqual(euclideanNorm(u), 1, accuracy: 1e-9)
            let value = abs(zip(v.values, x.multiplied(by: u)).reduce(0) { $0 + $1.0 * max($1.1, 0) })
            XCTAssertGreaterThan(value, threshold)
            XCTAssertLessThanOrEqual(value, previous * (1 + 1e-12))
            previous = value
        }
        XCTAssertEqual(result.bestValue, reference.bestValue, accuracy: 1e-9 * reference.bestValue)
        // Far above the maximum, nothing violates and the bound is proven against the threshold.
        let high = DualConstraintBound.search(design: x, dual: v, threshold: 2 * reference.upperBound)
        XCTAssertTrue(high.violators.isEmpty)
        XCTAssertTrue(high.proven)
        XCTAssertGreaterThanOrEqual(high.upperBound, reference.bestValue)
    }

    func testCertificateUsesTheSearchInModerateDimension() throws {
        // Slow in a debug build (two trainings with branch and bound): see SlowTests.
        try XCTSkipUnless(SlowTests.enabled, SlowTests.skipMessage)
        // Rank 5: the certificate's bound comes from the branch and bound, is proven, and the lower
        // bound stays below the trained network's objective.
        let x = gaussianMatrix(40, 4, seed: 51)
        let y = DenseMatrix(column: (0..<40).map { i in max(0, x[i, 0] - x[i, 1]) + 0.3 * x[i, 2] })
        var settings = ConvexTrainingSettings(beta: 0.05)
        settings.hasBias = true
        settings.patterns = .sampled(count: 30, seed: 1)
        let result = try! ConvexTrainer.train(features: x, targets: y, settings: settings)
        XCTAssertEqual(result.certificate.boundMethod, .branchAndBound)
        XCTAssertEqual(result.certificate.boundProven, true)
        XCTAssertLessThanOrEqual(result.certificate.lowerBound, result.certificate.objective)
        XCTAssertGreaterThan(result.certificate.lowerBound, 0)

        // A free bias: the cylinder search, on the zero-sum projection of the dual point.
        settings.biasRegularized = false
        let free = try! ConvexTrainer.train(features: x, targets: y, settings: settings)
        XCTAssertEqual(free.certificate.boundMethod, .branchAndBound)
        XCTAssertNotNil(free.certificate.boundNodes)
        XCTAssertLessThanOrEqual(free.certificate.lowerBound, free.certificate.objective)
        XCTAssertGreaterThan(free.certificate.lowerBound, 0)
    }
}
