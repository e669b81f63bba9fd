import Testing
@testable import ConicNN
import ConicSolver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ICLR 2021: deep linear closed forms, the deep dual bound, rank-one ReLU and the deep spline.
@Suite("DeepLinear")
struct DeepLinearTests {
    /// `n × d` data with orthonormal columns (`n ≥ d`) or rows (`n < d`), scaled by `scale`.
    static func orthonormal(_ n: Int, _ d: Int, seed: UInt64, scale: Double = 1) -> DenseMatrix {
        let (u, _, vt) = gaussianMatrix(n, d, seed: seed).singularValueDecomposition()!
        var q = u.multiplied(by: vt)
        for k in q.values.indices { q.values[k] *= scale }
        return q
    }

    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func train(_ x: DenseMatrix, _ y: DenseMatrix, widths: [Int], beta: Double, seed: UInt64,
                      activation: HiddenActivation = .linear, bias: Bool = false, epochs: Int = 3000,
                      lr: Double = 1e-2) throws -> DeepGradientTrainingResult {
        let settings = DeepGradientTrainingSettings(hiddenWidths: widths, optimizer: .adam, learningRate: lr, epochs: epochs,
                                                    seed: seed, beta: beta, recordEvery: epochs,
                                                    activation: activation, lastHiddenBias: bias)
        return try DeepGradientTrainer.train(features: x, targets: y, settings: settings)
    }

    // MARK: - The scalar problem

    @Test("balanced shrinkage is the global minimizer of ½(c − p)² + (βL/2)p^{2/L} on a fine grid", arguments: [2, 3, 4, 5])
    func shrinkageAgainstGrid(depth: Int) {
        let beta = 0.3
        for c in [0.1, 0.5, 0.9, 1.3, 2.0, 5.0] {
            let p = BalancedShrinkage.scale(targetNorm: c, beta: beta, depth: depth)
            let value = BalancedShrinkage.value(p, targetNorm: c, beta: beta, depth: depth)
            var grid = Double.infinity
            for k in 0...200_000 { grid = min(grid, BalancedShrinkage.value(c * Double(k) / 200_000, targetNorm: c, beta: beta, depth: depth)) }
            #expect(value <= grid + 1e-14)
            #expect(value >= grid - 1e-7 * max(1, c * c))
        }
        // At the threshold the jump: just below it the optimum is 0, just above it is not.
        let star = BalancedShrinkage.threshold(beta: beta, depth: depth)
        #expect(BalancedShrinkage.scale(targetNorm: star * (1 - 1e-9), beta: beta, depth: depth) == 0)
        #expect(BalancedShrinkage.scale(targetNorm: star * (1 + 1e-9), beta: beta, depth: depth) > 0)
        if depth == 3 { #expect(abs(star - 2 * pow(beta, 0.75)) <= 1e-14) }
    }

    // MARK: - Deep linear closed forms

    @Test("L = 2 is singular-value soft-thresholding with a tight dual bound, for XᵀX = I and XXᵀ = I",
          arguments: [(30, 8), (6, 20)])
    func twoLayerSoftThresholding(shape: (Int, Int)) throws {
        let x = Self.orthonormal(shape.0, shape.1, seed: 11)
        let y = gaussianMatrix(shape.0, 4, seed: 12)
        let beta = 1.5
        let solution = try DeepLinearClosedForm.solve(features: x, targets: y, depth: 2, beta: beta, hiddenWidths: [5])
        let c = x.multiplied(by: y, transposeSelf: true).singularValueDecomposition()!.sigma
        let m = solution.endToEnd.singularValueDecomposition()!.sigma
        #expect(Self.maxDifference(Array(m.prefix(c.count)), c.map { max($0 - beta, 0) }) <= 1e-10)
        #expect(solution.rank == c.filter { $0 > beta }.count)
        #expect(solution.rank >= 1 && solution.rank < c.count)   // β separates the spectrum: the test can fail
        #expect(solution.predictionDifference <= 1e-8)
        #expect(abs(solution.lowerBound - solution.objective) <= 1e-9 * solution.objective)
        let frobenius = solution.layerFrobeniusNorms, spectral = solution.layerOperatorNorms
        #expect(abs(frobenius[0] - frobenius[1]) <= 1e-10 && abs(spectral[0] - spectral[1]) <= 1e-10)
        // Optimality: the gradient of the objective vanishes at the rebuilt weights.
        let gradient = solution.network.objectiveAndGradient(features: x, targets: y, beta: beta).gradient
        #expect(gradient.allSatisfy { $0.values.allSatisfy { abs($0) <= 1e-9 } })
        // Remark 2.1 / Fig. 5a: gradient descent (a wider network) reaches the same objective, and its
        // first-layer neurons lie in the span of the kept input directions.
        let settings = DeepGradientTrainingSettings(hiddenWidths: [12], optimizer: .gd, learningRate: 0.05, epochs: 3000,
                                                    seed: 3, beta: beta, recordEvery: 3000, activation: .linear)
        let run = try DeepGradientTrainer.train(features: x, targets: y, settings: settings)
        #expect(solution.objective <= run.finalObjective + 1e-10)
        #expect(run.finalObjective <= solution.objective * (1 + 1e-8))
        let w = run.network.weights[0], v = solution.inputDirections
        var outside = w
        for i in 0..<solution.rank {
            let vi = v.column(i)
            for j in 0..<w.columnCount {
                let along = (0..<w.rowCount).reduce(0) { $0 + w[$1, j] * vi[$1] }
                for a in 0..<w.rowCount { outside[a, j] -= along * vi[a] }
            }
        }
        #expect(euclideanNorm(outside.values) <= 1e-4 * euclideanNorm(w.values))
    }

    @Test("deep linear, L = 3 and 4: the closed form is ≤ every gradient-descent run, which reaches it; layer norms agree",
          arguments: [3, 4])
    func deepAgainstGradientDescent(depth: Int) throws {
        let x = Self.orthonormal(20, 6, seed: 21, scale: 2)
        let y = gaussianMatrix(20, 3, seed: 22)
        let beta = 0.8
        let widths = [Int](repeating: 5, count: depth - 1)
        let solution = try DeepLinearClosedForm.solve(features: x, targets: y, depth: depth, beta: beta, hiddenWidths: widths)
        #expect(solution.rank >= 1)
        #expect(solution.predictionDifference <= 1e-8)
        #expect(solution.lowerBound <= solution.objective * (1 + 1e-12))
        let f = solution.layerFrobeniusNorms
        #expect(f.allSatisfy { abs($0 - f[0]) <= 1e-10 })
        var best = Double.infinity
        for seed in UInt64(1)...4 {
            let run = try Self.train(x, y, widths: widths, beta: beta, seed: seed)
            #expect(!run.diverged)
            #expect(solution.objective <= run.finalObjective + 1e-10)
            if run.finalObjective < best {
                best = run.finalObjective
                // Near a stationary point the layers are balanced too (Proposition 3.1).
                let g = run.network.layerFrobeniusNorms
                #expect(g.allSatisfy { abs($0 - g[0]) <= 1e-2 * g[0] })
            }
        }
        #expect(best <= solution.objective * (1 + 1e-4))
    }

    @Test("L = 3 on 1 × 1 data equals a dense grid over (w₁, w₂) with the best w₃")
    func deepLinearEqualsGrid() throws {
        let x = DenseMatrix(rows: [[1.0]]), y = DenseMatrix(rows: [[2.0]])
        let beta = 0.5
        let solution = try DeepLinearClosedForm.solve(features: x, targets: y, depth: 3, beta: beta)
        var grid = Double.infinity
        let steps = 800
        for i in 0...steps {
            for j in 0...steps {
                let w1 = 3 * Double(i) / Double(steps), w2 = 3 * Double(j) / Double(steps), a = w1 * w2
                let w3 = a * 2 / (a * a + beta)   // argmin of ½(a w₃ − y)² + (β/2)w₃²
                grid = min(grid, 0.5 * (a * w3 - 2) * (a * w3 - 2) + 0.5 * beta * (w1 * w1 + w2 * w2 + w3 * w3))
            }
        }
        #expect(solution.objective <= grid + 1e-12)
        #expect(solution.objective >= grid - 1e-4)
        #expect(abs(solution.lowerBound - solution.objective) <= 1e-9 * solution.objective)   // one direction: tight
    }

    @Test("Theorem 4.1: on rank-one data c a₀ᵀ with c ≥ 0 the closed form is a ReLU network no ReLU run beats")
    func rankOneReLU() throws {
        let c = [0.3, 1.0, 1.7, 0.2, 2.5, 0.9, 1.4, 0.0]
        let a0 = [0.6, -0.8, 0.4]
        let x = DenseMatrix(rows: c.map { ci in a0.map { ci * $0 } })
        let y = gaussianMatrix(8, 2, seed: 31)
        let beta = 0.4
        let solution = try DeepLinearClosedForm.solve(features: x, targets: y, depth: 3, beta: beta, hiddenWidths: [4, 4],
                                                      activation: .relu)
        #expect(solution.network.activation == .relu)
        #expect(solution.rank == 1)
        #expect(solution.predictionDifference <= 1e-8)
        // One direction: tight up to the bound's angle grid.
        #expect(solution.lowerBound <= solution.objective && solution.lowerBound >= solution.objective * (1 - 1e-4))
        for seed in UInt64(1)...3 {
            let run = try Self.train(x, y, widths: [4, 4], beta: beta, seed: seed, activation: .relu)
            #expect(solution.objective <= run.finalObjective + 1e-10)
        }
        var mixed = x
        for k in 0..<3 { mixed[0, k] = -mixed[1, k] }
        #expect(throws: ClosedFormError.self) {
            try DeepLinearClosedForm.solve(features: mixed, targets: y, depth: 3, beta: beta, activation: .relu)
        }
    }

    /// One output: the optimum has one candidate direction, where the bound's relaxation is exact.
    @Test("above the threshold the zero network is optimal and certified", arguments: [2, 3, 4])
    func zeroNetworkCertified(depth: Int) throws {
        let x = Self.orthonormal(12, 4, seed: 71)
        let y = gaussianMatrix(12, 1, seed: 72)
        let top = x.multiplied(by: y, transposeSelf: true).singularValueDecomposition()!.sigma[0]
        // β just above the one whose threshold is the largest singular value: every direction is cut.
        var low = 1e-9, high = top
        for _ in 0..<100 { let mid = 0.5 * (low + high); if BalancedShrinkage.threshold(beta: mid, depth: depth) < top { low = mid } else { high = mid } }
        let solution = try DeepLinearClosedForm.solve(features: x, targets: y, depth: depth, beta: high * 1.05)
        let half = 0.5 * y.values.reduce(0) { $0 + $1 * $1 }
        #expect(solution.rank == 0)
        #expect(abs(solution.objective - half) <= 1e-12 * half)
        #expect(solution.lowerBound <= solution.objective && solution.lowerBound >= solution.objective * (1 - 1e-4))
    }

    @Test("the dual bound holds on general data and certifies gradient descent for one output")
    func dualBoundOnGeneralData() throws {
        let x = gaussianMatrix(15, 5, seed: 41)
        let y = gaussianMatrix(15, 1, seed: 42)
        let beta = 1.0
        for depth in [2, 3] {
            let widths = [Int](repeating: 4, count: depth - 1)
            let run = try Self.train(x, y, widths: widths, beta: beta, seed: 1, epochs: 4000)
            let f = run.network.predict(x)
            let residual = DenseMatrix(rowCount: 15, columnCount: 1, values: zip(y.values, f.values).map { $0 - $1 })
            let bound = DeepDualBound.lowerBound(targets: y, residual: residual, anchor: y, beta: beta, depth: depth) {
                DeepDualBound.linearGain(features: x, direction: $0)
            }
            #expect(bound <= run.finalObjective)
            #expect(bound >= run.finalObjective * (1 - 1e-3))   // one output: the relaxation is exact
            for seed in UInt64(2)...3 {
                let other = try Self.train(x, y, widths: widths, beta: beta, seed: seed, epochs: 500)
                #expect(bound <= other.finalObjective)
            }
        }
    }

    @Test("bad inputs give typed errors")
    func errors() throws {
        let x = Self.orthonormal(10, 4, seed: 51)
        let y = gaussianMatrix(10, 2, seed: 52)
        #expect { try DeepLinearClosedForm.solve(features: gaussianMatrix(10, 4, seed: 53), targets: y, depth: 3, beta: 0.1) } throws: {
            if case .unequalSingularValues = $0 as? ClosedFormError { return true }
            return false
        }
        #expect(throws: ClosedFormError.self) { try DeepLinearClosedForm.solve(features: x, targets: y, depth: 1, beta: 0.1) }
        #expect(throws: ClosedFormError.self) { try DeepLinearClosedForm.solve(features: x, targets: y, depth: 3, beta: 0) }
        #expect(throws: ClosedFormError.self) {
            try DeepLinearClosedForm.solve(features: x, targets: gaussianMatrix(9, 2, seed: 54), depth: 3, beta: 0.1)
        }
        #expect(throws: ClosedFormError.self) {
            try DeepLinearClosedForm.solve(features: x, targets: y, depth: 3, beta: 0.01, hiddenWidths: [1, 1])
        }
        var bad = y
        bad[0, 0] = .nan
        #expect(throws: ClosedFormError.self) { try DeepLinearClosedForm.solve(features: x, targets: bad, depth: 2, beta: 0.1) }
        #expect(throws: ClosedFormError.self) {
            try DeepReLUSpline.solve(features: gaussianMatrix(6, 2, seed: 55), targets: gaussianMatrix(6, 1, seed: 56), depth: 3, beta: 0.1)
        }
        #expect(throws: ClosedFormError.self) {
            try DeepReLUSpline.solve(features: DenseMatrix(column: [-1, 0.5, 1, 2]), targets: DenseMatrix(column: [0, 1, 0, 1]),
                                     depth: 3, beta: 0.1)
        }
    }

    @Test("whitened one-hot ReLU (Theorem 4.4): the relaxed dual bound is tight at depth 2 and below the objective deeper")
    func whitenedReLUBound() throws {
        let a = gaussianMatrix(9, 14, seed: 81)
        let x = try Whitening.fit(a).apply(a)
        var y = DenseMatrix(rowCount: 9, columnCount: 3)
        for i in 0..<9 { y[i, i % 3] = 1 }
        for widths in [[4], [4, 4], [4, 4, 4]] {
            let solution = try DeepReLUClosedForm.build(features: x, targets: y, hiddenWidths: widths, beta: 0.3)
            let bound = try #require(solution.relaxedLowerBound)
            #expect(bound <= solution.objective * (1 + 1e-12))
            if widths.count == 1 { #expect(bound >= solution.objective * (1 - 1e-9)) } else { #expect(bound > 0) }
        }
    }

    // MARK: - Biases and the deep spline

    @Test("backpropagation with biases and linear layers matches central differences")
    func gradientWithBiases() {
        let x = gaussianMatrix(5, 3, seed: 61), y = gaussianMatrix(5, 2, seed: 62)
        for activation in HiddenActivation.allCases {
            let net = DeepReLUNetwork(weights: [gaussianMatrix(3, 4, seed: 63), gaussianMatrix(4, 3, seed: 64), gaussianMatrix(3, 2, seed: 65)],
                                      biases: [[0.1, -0.2, 0.3, 0.05], [0.2, -0.1, 0.4]], activation: activation)
            let beta = 0.3
            let analytic = net.objectiveAndGradients(features: x, targets: y, beta: beta)
            let h = 1e-6
            for l in 0..<2 {
                for k in net.biases[l].indices {
                    var plus = net, minus = net
                    plus.biases[l][k] += h
                    minus.biases[l][k] -= h
                    let numeric = (plus.objective(features: x, targets: y, beta: beta) - minus.objective(features: x, targets: y, beta: beta)) / (2 * h)
                    #expect(abs(numeric - analytic.biases[l][k]) <= 1e-5 * max(1, abs(numeric)))
                }
            }
            for k in net.weights[1].values.indices {
                var plus = net, minus = net
                plus.weights[1].values[k] += h
                minus.weights[1].values[k] -= h
                let numeric = (plus.objective(features: x, targets: y, beta: beta) - minus.objective(features: x, targets: y, beta: beta)) / (2 * h)
                #expect(abs(numeric - analytic.weights[1].values[k]) <= 1e-5 * max(1, abs(numeric)))
            }
        }
    }

    @Test("Corollary 4.2: the deep spline has knots at samples, a tight bound, and no GD run beats it", arguments: [2, 3, 4])
    func deepSpline(depth: Int) throws {
        let xs = [0.2, 0.7, 1.1, 1.6, 2.4, 3.0]
        let ys = [0.5, -0.4, 0.8, 0.1, 1.2, -0.3]
        let x = DenseMatrix(column: xs), y = DenseMatrix(column: ys)
        let beta = 0.05
        let solution = try DeepReLUSpline.solve(features: x, targets: y, depth: depth, beta: beta)
        #expect(solution.predictionDifference <= 1e-8)
        #expect(solution.knots.allSatisfy { k in xs.contains { abs($0 - k) <= 1e-7 } })
        #expect(solution.lowerBound <= solution.objective)
        #expect(solution.objective - solution.lowerBound <= 1e-4 * solution.objective)
        let widths = [Int](repeating: 3, count: depth - 2) + [12]
        for seed in UInt64(1)...3 {
            let run = try Self.train(x, y, widths: widths, beta: beta, seed: seed, activation: .relu, bias: true, epochs: 2000)
            #expect(solution.objective <= run.finalObjective + 1e-8)
        }
    }
}
