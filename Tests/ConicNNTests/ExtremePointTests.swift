import ConicSolver
import Foundation
import Testing
@testable import ConicNN

/// `rows × columns` standard Gaussian entries, reproducible from a seed.
private func gaussianMatrix(rows: Int, columns: Int, seed: UInt64) -> DenseMatrix {
    var generator = SeededGenerator(seed: seed)
    return DenseMatrix(rowCount: rows, columnCount: columns, values: (0..<(rows * columns)).map { _ in generator.nextGaussian() })
}

private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// Extreme points along basis directions (JMLR Lemma 2.7, Theorem 3.5) and the Convex-RF pipeline.
@Suite("Extreme-point neurons and Convex-RF")
struct ExtremePointTests {
    static let digitsPath = "/work/shared/data/digits/digits.csv.gz"

    @Test("Active-set λ satisfies the simplex KKT conditions and matches the conic solver's QP")
    func simplexKKTAndConicAgreement() throws {
        // d < n, so many samples fall inside the hull of the others: both kinds are exercised.
        let a = gaussianMatrix(rows: 40, columns: 4, seed: 11)
        let n = a.rowCount
        var settings = ExtremePointSettings()
        let exact = try ExtremePointNeurons.projectOntoHulls(features: a, settings: settings)
        settings.method = .interiorPoint
        let reference = try ExtremePointNeurons.projectOntoHulls(features: a, settings: settings)
        var outside = 0
        for (p, q) in zip(exact, reference) {
            let i = p.sampleIndex
            let lambda = p.lambda(sampleCount: n)
            #expect(lambda.allSatisfy { $0 >= 0 } && abs(lambda.reduce(0, +) - 1) <= 1e-12 && lambda[i] == 0)
            // r recomputed from λ; gradient of ½‖r‖² in λⱼ is −aⱼᵀr.
            var r = a.row(i)
            for j in 0..<n where lambda[j] > 0 { for k in 0..<a.columnCount { r[k] -= lambda[j] * a[j, k] } }
            #expect(zip(r, p.residual).allSatisfy { abs($0 - $1) <= 1e-10 })
            let gradient = (0..<n).map { -dot(a.row($0), r) }
            let scale = (0..<n).filter { $0 != i }.map { j in dot(a.row(j), a.row(j)) }.max()! + dot(a.row(i), a.row(i))
            let onSupport = p.support.map { gradient[$0] }
            let level = onSupport.min()!
            // Equal on the support (unless the residual vanishes, where the gradient is 0 anyway) …
            #expect(onSupport.max()! - level <= 1e-9 * scale)
            // … and no smaller anywhere else.
            for j in 0..<n where j != i { #expect(gradient[j] >= level - 1e-9 * scale) }
            #expect(p.gap <= 1e-10 * scale)
            // The residual is unique, so the interior-point solution must be close to it; its
            // certified gap bounds the distance between them: ‖r − r*‖² ≤ 2·gap.
            let difference = zip(p.residual, q.residual).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            #expect(difference <= (2 * (q.gap + p.gap)).squareRoot() + 1e-9)
            #expect(difference <= 1e-3 * scale.squareRoot())
            #expect(q.distanceLowerBound <= p.distance + 1e-12 && p.distanceLowerBound <= q.distance + 1e-12)
            if p.distance > 1e-6 { outside += 1 }
        }
        #expect(outside >= 3 && outside < n)  // both vertices and interior samples occurred
    }

    @Test("A convex combination of other samples (and a duplicated sample) yields no neuron")
    func interiorSamplesHaveNoNeuron() throws {
        var a = gaussianMatrix(rows: 12, columns: 6, seed: 3)
        let d = a.columnCount
        for k in 0..<d {
            a[10, k] = 0.2 * a[0, k] + 0.5 * a[1, k] + 0.3 * a[2, k]
            a[11, k] = a[4, k]
        }
        let result = try ExtremePointNeurons.alongBasisDirections(features: a)
        #expect(result.interiorSamples == [4, 10, 11])
        #expect(result.neurons.map(\.sampleIndex) == [0, 1, 2, 3, 5, 6, 7, 8, 9])
        // Sample 10 is written with exactly those weights by the projection (unique here: the
        // three points are affinely independent and every other sample is in general position).
        let projections = try ExtremePointNeurons.projectOntoHulls(features: a)
        #expect(projections[10].distance <= 1e-12)
    }

    @Test("Each neuron leaves the other samples inactive or on its boundary and fires at its own sample")
    func biasDefiningProperty() throws {
        let a = gaussianMatrix(rows: 30, columns: 8, seed: 5)
        let result = try ExtremePointNeurons.alongBasisDirections(features: a)
        #expect(!result.neurons.isEmpty)
        for neuron in result.neurons {
            let i = neuron.sampleIndex
            #expect(abs(dot(neuron.weights, neuron.weights) - 1) <= 1e-12)
            let others = (0..<a.rowCount).filter { $0 != i }.map { dot(a.row($0), neuron.weights) + neuron.bias }
            #expect(others.allSatisfy { $0 <= 1e-12 })           // aⱼᵀu + b ≤ 0 for j ≠ i
            #expect(abs(others.max()!) <= 1e-12)                 // with equality at the minimizer of −aⱼᵀu
            let own = dot(a.row(i), neuron.weights) + neuron.bias
            #expect(own > 0 && abs(own - neuron.activationAtSample) <= 1e-12)
            // At the optimum the activation equals the distance to the hull.
            #expect(abs(own - neuron.projection.distance) <= 1e-9 * max(1, own))
        }
    }

    @Test("Theorem 3.5: with every sample a vertex, the n neurons interpolate any labels (min-ℓ1 LP)")
    func theorem35Interpolation() throws {
        let n = 25, d = 60
        let a = gaussianMatrix(rows: n, columns: d, seed: 17)
        let result = try ExtremePointNeurons.alongBasisDirections(features: a)
        #expect(result.interiorSamples.isEmpty)
        #expect(result.neurons.count == n)
        let h = result.activations(on: a)
        // (AU + 1bᵀ)₊ is diagonal with positive entries: nonsingular.
        for r in 0..<n {
            for c in 0..<n {
                let isOwn = result.neurons[c].sampleIndex == r
                if isOwn { #expect(h[r, c] > 1e-3) } else { #expect(h[r, c] <= 1e-12) }
            }
        }
        // min ‖w‖₁ s.t. Hw = y on the solver's cones: variables (w, t), −t ≤ w ≤ t.
        var generator = SeededGenerator(seed: 2)
        let y = (0..<n).map { _ in generator.nextGaussian() }
        var rows = [Int](), columns = [Int](), values = [Double]()
        for r in 0..<n { for c in 0..<n where h[r, c] != 0 { rows.append(r); columns.append(c); values.append(h[r, c]) } }
        for c in 0..<n {
            rows += [n + c, n + c, 2 * n + c, 2 * n + c]
            columns += [c, n + c, c, n + c]
            values += [1, -1, -1, -1]
        }
        let matrix = try SparseMatrix(rowCount: 3 * n, columnCount: 2 * n, rows: rows, columns: columns, values: values)
        let problem = try ConicProblem(q: Array(repeating: 0, count: n) + Array(repeating: 1, count: n), A: matrix,
                                       b: y + Array(repeating: 0, count: 2 * n), cones: [.zero(n), .nonnegative(2 * n)])
        let solution = try solve(problem)
        #expect(solution.status == .solved)
        let w = Array(solution.x[0..<n])
        let fitted = h.multiplied(by: w)
        #expect(zip(fitted, y).allSatisfy { abs($0 - $1) <= 1e-6 })
        // With a diagonal H the ℓ1 optimum is unique: wᵢ = yᵢ / Hᵢᵢ.
        let expectedNorm = (0..<n).reduce(0.0) { $0 + abs(y[result.neurons[$1].sampleIndex]) / result.neurons[$1].activationAtSample }
        #expect(abs(solution.primalObjective - expectedNorm) <= 1e-6 * expectedNorm)
    }

    @Test("Bad inputs to the extreme-point solver give typed errors")
    func extremePointErrors() {
        #expect(throws: ExtremePointError.tooFewSamples(samples: 1, features: 3)) {
            try ExtremePointNeurons.alongBasisDirections(features: DenseMatrix(rows: [[1, 2, 3]]))
        }
        #expect(throws: ExtremePointError.nonFinite(sample: 1)) {
            try ExtremePointNeurons.alongBasisDirections(features: DenseMatrix(rows: [[1, 2], [.nan, 0], [3, 4]]))
        }
    }
}
