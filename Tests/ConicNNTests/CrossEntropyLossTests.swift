import Foundation
import Testing
@testable import ConicNN
import ConicSolver

/// Points in the plane with `classes` labels from a noisy angular rule (no single neuron separates
/// them), and their one-hot targets.
func labeledClasses(count: Int, classes: Int, seed: UInt64) -> (x: DenseMatrix, labels: [Int], onehot: DenseMatrix) {
    var generator = SeededGenerator(seed: seed)
    var x = DenseMatrix(rowCount: count, columnCount: 2), labels = [Int]()
    for i in 0..<count {
        x[i, 0] = generator.nextGaussian(); x[i, 1] = generator.nextGaussian()
        let angle = atan2(x[i, 1], x[i, 0]) + 0.5 * generator.nextGaussian()
        let sector = Int(((angle + .pi) / (2 * .pi) * Double(classes)).rounded(.down))
        labels.append(min(max(sector, 0), classes - 1))
    }
    var onehot = DenseMatrix(rowCount: count, columnCount: classes)
    for (i, label) in labels.enumerated() { onehot[i, label] = 1 }
    return (x, labels, onehot)
}

@Suite("Cross-entropy loss: conjugate, exponential-cone program over shared neurons, entropy lower bound")
struct CrossEntropyLossTests {
    /// A random probability vector with every entry at least `floor`.
    private static func simplexPoint(_ c: Int, floor: Double, _ generator: inout SeededGenerator) -> [Double] {
        let raw = (0..<c).map { _ in Double.random(in: 0...1, using: &generator) + floor }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }

    @Test("Fenchel–Young: ℓ(F) + ℓ*(Z) ≥ ⟨Z, F⟩, with equality at Z = ∇ℓ(F); ℓ* = +∞ off Y − simplex")
    func fenchelYoung() {
        var generator = SeededGenerator(seed: 4)
        let n = 4, c = 3
        for _ in 0..<20 {
            let f = (0..<(n * c)).map { _ in 3 * generator.nextGaussian() }
            var y = [Double](repeating: 0, count: n * c)
            for i in 0..<n { y[i * c + Int(generator.next() % UInt64(c))] = 1 }
            let value = Loss.crossEntropy.value(predictions: f, targets: y, columns: c)
            // The value by its definition, log Σ e^f − f_y, row by row.
            var direct = 0.0
            for i in 0..<n {
                let row = Array(f[(i * c)..<(i * c + c)])
                direct += log(row.reduce(0) { $0 + exp($1) }) - zip(row, y[(i * c)..<(i * c + c)]).reduce(0) { $0 + $1.0 * $1.1 }
            }
            #expect(abs(value - direct) <= 1e-12 * max(1, direct))
            let gradient = Loss.crossEntropy.gradient(predictions: f, targets: y, columns: c)
            let inner = { (z: [Double]) in zip(z, f).reduce(0) { $0 + $1.0 * $1.1 } }
            let atGradient = value + Loss.crossEntropy.conjugate(gradient, targets: y, columns: c) - inner(gradient)
            #expect(abs(atGradient) <= 1e-12 * max(1, value), "equality at the gradient: \(atGradient)")
            // Another point of the domain: Z = P − Y for a random row-stochastic P.
            var z = [Double]()
            for i in 0..<n {
                let p = Self.simplexPoint(c, floor: 0.01, &generator)
                z += (0..<c).map { p[$0] - y[i * c + $0] }
            }
            let slack = value + Loss.crossEntropy.conjugate(z, targets: y, columns: c) - inner(z)
            #expect(slack > 1e-8, "strict away from the gradient: \(slack)")
            // Outside the domain (a row summing to 1.1) the conjugate is +∞.
            var outside = z
            outside[0] += 0.1
            #expect(Loss.crossEntropy.conjugate(outside, targets: y, columns: c) == .infinity)
        }
        // Large scores neither overflow nor lose the loss.
        #expect(Loss.crossEntropy.value(predictions: [800, 0, -800], targets: [0, 1, 0], columns: 3) == 800)
    }

    @Test("the ray's best scale maximizes Σ H(Y − tV) on its interval, which ends where an entry reaches 0")
    func rayOptimum() {
        var generator = SeededGenerator(seed: 9)
        let (_, _, y) = labeledClasses(count: 6, classes: 3, seed: 2)
        var v = y
        for i in 0..<6 {
            let p = Self.simplexPoint(3, floor: 0.05, &generator)
            for k in 0..<3 { v[i, k] = y[i, k] - p[k] }
        }
        let limit = DualLowerBound.crossEntropyRayLimit(dual: v, targets: y)
        #expect(limit > 1)
        for upper in [limit, 0.4] {
            let t = DualLowerBound.crossEntropyRayOptimum(dual: v, targets: y, upper: upper)
            #expect(t >= 0 && t <= upper)
            let best = DualLowerBound.crossEntropyValue(dual: v, targets: y, scale: t)
            for s in stride(from: 0.0, through: upper, by: upper / 300) {
                #expect(DualLowerBound.crossEntropyValue(dual: v, targets: y, scale: s) <= best + 1e-12, "t = \(t) beaten at \(s)")
            }
            // Every point of the interval is in the conjugate's domain.
            var scaled = v
            for k in scaled.values.indices { scaled.values[k] = -upper * v.values[k] }
            #expect(Loss.crossEntropy.conjugate(scaled.values, targets: y.values, columns: 3).isFinite)
        }
    }

    @Test("the zero-sum projection gives 1ᵀV = 0 with rows still in Y − simplex, and keeps such a point")
    func zeroSumProjection() {
        var generator = SeededGenerator(seed: 12)
        let (_, _, y) = labeledClasses(count: 10, classes: 3, seed: 6)
        var v = y
        for i in 0..<10 {
            let p = Self.simplexPoint(3, floor: 0, &generator)
            for k in 0..<3 { v[i, k] = y[i, k] - p[k] }
        }
        let projected = DualLowerBound.zeroSumProjection(v, targets: y, loss: .crossEntropy)
        for k in 0..<3 { #expect(abs((0..<10).reduce(0) { $0 + projected[$1, k] }) <= 1e-12) }
        let minus = projected.values.map { -$0 }
        #expect(Loss.crossEntropy.conjugate(minus, targets: y.values, columns: 3).isFinite)
        let again = DualLowerBound.zeroSumProjection(projected, targets: y, loss: .crossEntropy)
        for (a, b) in zip(again.values, projected.values) { #expect(abs(a - b) <= 1e-12) }
    }

    @Test("rank 3, three classes: the certificate closes the gap, the rebuilt network reproduces the convex model",
          arguments: [false, true])
    func certifiedTraining(freeBias: Bool) throws {
        let (x, _, y) = labeledClasses(count: 14, classes: 3, seed: 21)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.loss = .crossEntropy
        settings.hasBias = true
        settings.biasRegularized = !freeBias
        // The default generation tolerance (1e-5): interior-point duals are accurate to about 1e-6 here.
        let result = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        let certificate = result.certificate
        #expect(result.solverStatus.isOptimal)
        #expect(certificate.boundMethod == .exact, "rank 3: the dual constraint is maximized exactly")
        #expect(certificate.lowerBound <= certificate.objective + 1e-12)
        #expect(certificate.relativeGap <= 1e-4, "gap \(certificate.gap) of \(certificate.objective)")
        // The objective stated is the rebuilt network's, and it realizes the convex program's value.
        let objective = result.network.objective(features: x, targets: y, beta: settings.beta, loss: .crossEntropy)
        #expect(abs(objective - certificate.objective) <= 1e-12 * objective)
        #expect(abs(objective - result.convexObjective) <= 1e-6 * objective)
        let f = result.network.predict(x)
        let scale = max(1, result.convexPredictions.values.map(abs).max() ?? 0)
        for (a, b) in zip(f.values, result.convexPredictions.values) { #expect(abs(a - b) <= 1e-6 * scale) }
        // Trained below the zero network's n log 3.
        #expect(certificate.objective < 14 * log(3.0) - 1)

        // The bound holds for networks the program never saw: Adam-trained and random ones.
        for seed in UInt64(1)...3 {
            var adam = GradientTrainingSettings(width: 4 * Int(seed), epochs: 300, seed: seed, beta: settings.beta,
                                                loss: .crossEntropy, hasBias: true, biasRegularized: !freeBias)
            adam.batchSize = 14
            let trained = try GradientTrainer.train(features: x, targets: y, settings: adam)
            #expect(certificate.lowerBound <= trained.finalObjective + 1e-12)
            #expect(abs(trained.finalObjective - trained.network.objective(features: x, targets: y, beta: settings.beta,
                                                                           loss: .crossEntropy)) <= 1e-9 * trained.finalObjective)
            var generator = SeededGenerator(seed: seed + 50)
            let random = TwoLayerNetwork(
                inputWeights: DenseMatrix(rowCount: 5, columnCount: 3, values: (0..<15).map { _ in generator.nextGaussian() }),
                outputWeights: DenseMatrix(rowCount: 5, columnCount: 3, values: (0..<15).map { _ in generator.nextGaussian() }),
                hasBias: true, biasRegularized: !freeBias)
            #expect(certificate.lowerBound <= random.objective(features: x, targets: y, beta: settings.beta, loss: .crossEntropy))
        }
    }

    @Test("two classes: cross-entropy at β equals the logistic loss at β/√2 (α = (−a/2, a/2) is the cheapest split)",
          arguments: [false, true])
    func twoClassesMatchLogistic(freeBias: Bool) throws {
        let (x, labels, y) = labeledClasses(count: 12, classes: 2, seed: 31)
        let beta = 0.2
        var softmax = ConvexTrainingSettings(beta: beta)
        softmax.loss = .crossEntropy
        softmax.hasBias = true
        softmax.biasRegularized = !freeBias

        let crossEntropy = try ConvexTrainer.train(features: x, targets: y, settings: softmax)

        var logistic = softmax
        logistic.loss = .logistic
        logistic.beta = beta / 2.0.squareRoot()
        logistic.patterns = .exact
        let signs = DenseMatrix(column: labels.map { $0 == 1 ? 1 : -1 })
        let reference = try ConvexTrainer.train(features: x, targets: signs, settings: logistic)
        #expect(reference.exact)
        #expect(reference.certificate.relativeGap <= 1e-5)
        #expect(crossEntropy.certificate.relativeGap <= 1e-4)
        let optimum = reference.certificate.objective
        #expect(abs(crossEntropy.certificate.objective - optimum) <= 1e-4 * optimum,
                "cross-entropy \(crossEntropy.certificate.objective), logistic \(optimum)")
        // Each bound is below the other's objective.
        #expect(crossEntropy.certificate.lowerBound <= optimum + 1e-9)
        #expect(reference.certificate.lowerBound <= crossEntropy.certificate.objective + 1e-9)
        // The softmax network's score difference is a logistic network of the same objective.
        let f = crossEntropy.network.predict(x)
        let difference = DenseMatrix(column: (0..<12).map { f[$0, 1] - f[$0, 0] })
        let margins = Loss.logistic.value(predictions: difference.values, targets: signs.values)
        let softmaxLoss = Loss.crossEntropy.value(predictions: f.values, targets: y.values, columns: 2)
        #expect(abs(margins - softmaxLoss) <= 1e-10 * softmaxLoss)
    }

    @Test("certify: an Adam network's objective is above the lower bound, and the program finds one at least as good")
    func certifyGivenNetwork() throws {
        let (x, _, y) = labeledClasses(count: 12, classes: 3, seed: 41)
        let adam = GradientTrainingSettings(width: 6, epochs: 300, seed: 2, beta: 0.1, loss: .crossEntropy, hasBias: true)
        let trained = try GradientTrainer.train(features: x, targets: y, settings: adam)
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.loss = .crossEntropy
        let result = try ConvexTrainer.certify(trained.network, features: x, targets: y, settings: settings)
        #expect(abs(result.objective - trained.finalObjective) <= 1e-9 * result.objective)
        #expect(result.lowerBound <= result.objective)
        #expect(result.bestObjective <= result.objective + 1e-9)
        #expect(result.training.certificate.relativeGap <= 1e-4)
    }

    @Test("bad targets: one column, rows that are not probabilities, a single class")
    func rejectsBadTargets() {
        var settings = ConvexTrainingSettings(beta: 0.1)
        settings.loss = .crossEntropy
        let x = DenseMatrix(column: [0, 1, 2])
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: x, targets: DenseMatrix(column: [1, 0, 1]), settings: settings)
        }
        #expect(throws: ConvexTrainingError.self) {
            try ConvexTrainer.train(features: x, targets: DenseMatrix(rowCount: 3, columnCount: 2, values: [1, 1, 0, 1, 1, 0]),
                                    settings: settings)
        }
        let sgd = GradientTrainingSettings(width: 2, epochs: 1, seed: 0, beta: 0.1, loss: .crossEntropy)
        #expect(throws: GradientTrainingError.self) {
            try GradientTrainer.train(features: x, targets: DenseMatrix(rowCount: 3, columnCount: 2, values: [2, 0, 0, 1, 1, 0]),
                                      settings: sgd)
        }
    }
}

@Suite("The polygon bound on C(V) for dual points whose rows lie in a plane")
struct PlanarConstraintBoundTests {
    @Test("Jacobi eigenpairs: QΛQᵀ reproduces the matrix, Q is orthonormal, values decrease")
    func eigenpairs() {
        let b = gaussianMatrix(6, 4, seed: 7)
        let gram = b.multiplied(by: b, transposeSelf: true)
        let (values, q) = ConvexTrainer.symmetricEigenpairs(gram)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
        for i in 0..<4 {
            for j in 0..<4 {
                let rebuilt = (0..<4).reduce(0.0) { $0 + q[i][$1] * values[$1] * q[j][$1] }
                #expect(abs(rebuilt - gram[i, j]) <= 1e-10 * values[0])
                let inner = (0..<4).reduce(0.0) { $0 + q[$1][i] * q[$1][j] }
                #expect(abs(inner - (i == j ? 1 : 0)) <= 1e-12)
            }
        }
    }

    @Test("rank 3, three classes: the polygon bound lies between the exact C(V) and C(V)/cos(π/64)",
          arguments: [false, true])
    func brackets(freeBias: Bool) throws {
        let (x, _, y) = labeledClasses(count: 16, classes: 3, seed: 13)
        let design = x.appendingOnesColumn()
        var generator = SeededGenerator(seed: 5)
        // A cross-entropy dual point V = Y − P (rows sum to zero), projected for a free bias.
        var v = y
        for i in 0..<16 {
            let scores = (0..<3).map { _ in generator.nextGaussian() }
            let p = Loss.softmax(scores)
            for k in 0..<3 { v[i, k] = y[i, k] - p[k] }
        }
        if freeBias { v = DualLowerBound.zeroSumProjection(v, targets: y, loss: .crossEntropy) }
        var settings = ConvexTrainingSettings(beta: 1)
        settings.hasBias = true
        settings.biasRegularized = !freeBias
        let exact = DualConstraintBound.search(design: design, dual: v, threshold: 0, freeBias: freeBias, maximumViolators: 0)
        let planar = try #require(ConvexTrainer.planarConstraintBound(design: design, dual: v, starts: [], found: 0,
                                                                     settings: settings, timeLeft: 30))
        // In rank 3 the search is the chamber enumeration: its bound is C(V) itself (vector outputs included).
        #expect(exact.method == .exact)
        let c = exact.upperBound
        #expect(planar.value >= c * (1 - 1e-9), "planar \(planar.value) below C(V) = \(c)")
        #expect(planar.value <= c / cos(Double.pi / 64) * (1 + 1e-9), "planar \(planar.value), C(V) = \(c)")
        // Told a neuron's value (here C(V) itself), the searches stop once below it: still valid, as tight.
        let told = try #require(ConvexTrainer.planarConstraintBound(design: design, dual: v, starts: [], found: c,
                                                                   settings: settings, timeLeft: 30))
        #expect(told.value >= c * (1 - 1e-9))
        #expect(told.value <= c * (1 + 1e-4) / cos(Double.pi / 64) * (1 + 1e-9))
    }
}
