import Foundation
import ConicSolver

/// A non-convex warm start for pattern generation (squared loss, one output): grow a network by
/// inserting the neurons that most violate the dual constraint at its residual, and descend the
/// weight-decay objective
///
///     ½‖(X̃Uᵀ)₊a + c − y‖² + (β/2)(‖U‖² + ‖a‖²)      (c: an unregularized offset, free bias or output bias)
///
/// with L-BFGS over all weights after each insertion. Descent moves neurons continuously across
/// the samples' hyperplanes, which the convex program can only do by meeting the right pattern
/// (measured in docs/nn-certificates.md, "Neuron growth"). Its neurons' patterns then start the convex
/// program, whose value over them is at most the network's (each neuron is a feasible block), and
/// generation continues from that program's exact dual point.
///
/// Insertion is the same test as generation's: at the residual `v = y − f` a neuron `u` with
/// `|vᵀ(X̃u)₊| > β` lowers the objective when added with a small balanced scale (the loss falls by
/// `s²|vᵀ(X̃u)₊|`, the weight decay grows by `s²β`).
enum NeuronGrowth {
    struct Settings {
        /// Neurons inserted per round at most (the best distinct violators of the ascent).
        var insertedPerRound = 20
        /// L-BFGS iterations per round at most.
        var iterationsPerRound = 3000
        /// Rounds at most.
        var rounds = 20
        /// Stop after this many rounds in a row that lowered the objective by less than
        /// ``stallDecrease`` (relative).
        var stallRounds = 3
        var stallDecrease = 1e-3
        /// Random Gaussian starts of the ascent (besides the network's neurons and data rows).
        var randomStarts = 100
    }

    struct Outcome {
        /// The neurons' input weights (rows of `U`; the bias last with a bias column).
        var neurons: [[Double]]
        var outputWeights: [Double]
        /// The unregularized offset `c` (free bias or output bias; 0 otherwise).
        var offset: Double
        /// The objective of the grown network (with its offset, under a free bias).
        var objective: Double
        /// The largest `|vᵀ(X̃u)₊|/β` the last ascent found.
        var violation: Double
        var rounds: Int
    }

    /// Grows the network until the ascent finds no violation above `β(1 + tolerance)`, the
    /// objective stalls, the rounds run out or `deadline` passes.
    ///
    /// - Parameter outputOffset: descend an offset `c` as well (the output bias); a free bias
    ///   always has one (its constant neuron).
    static func grow(design: DenseMatrix, targets y: [Double], beta: Double, freeBias: Bool, outputOffset: Bool = false,
                     tolerance: Double,
                     settings: Settings = Settings(), seed: UInt64, deadline: Date,
                     progress: ((String) -> Void)?) -> Outcome {
        let n = design.rowCount, width = design.columnCount
        let penalized = freeBias ? width - 1 : width
        var neurons = [[Double]](), outputs = [Double]()
        let hasOffset = freeBias || outputOffset
        var offset = hasOffset ? y.reduce(0, +) / Double(max(n, 1)) : 0
        var objective = Double.infinity, violation = Double.infinity
        var stalled = 0, round = 0, iterations = 0
        let optimizer = LBFGS(memory: 30, maximumIterations: settings.iterationsPerRound)
        while round < settings.rounds, Date() < deadline {
            round += 1
            let model = Model(design: design, targets: y, beta: beta, penalized: penalized, hasOffset: hasOffset,
                              width: neurons.count)
            if !neurons.isEmpty {
                let outcome = optimizer.minimize(from: model.pack(neurons, outputs, offset), deadline: deadline) { model.evaluate($0, &$1) }
                (neurons, outputs, offset) = model.unpack(outcome.x)
                iterations = outcome.iterations
                // Neurons whose product ‖u‖|a| vanished carry nothing: dropping them keeps the
                // descent small (the ascent finds them again when the residual needs them).
                let products = zip(neurons, outputs).map { euclideanNorm($0.0[0..<penalized]) * abs($0.1) }
                let largest = products.max() ?? 0
                let kept = products.indices.filter { products[$0] > 1e-8 * largest && products[$0] > 0 }
                neurons = kept.map { neurons[$0] }
                outputs = kept.map { outputs[$0] }
            }
            // The descent stops at the deadline; the ascent would overrun it.
            if Date() >= deadline, !neurons.isEmpty {
                objective = min(objective, Model(design: design, targets: y, beta: beta, penalized: penalized,
                                                 hasOffset: hasOffset, width: neurons.count).objective(neurons, outputs, offset).0)
                break
            }
            let (value, residual) = Model(design: design, targets: y, beta: beta, penalized: penalized, hasOffset: hasOffset,
                                          width: neurons.count).objective(neurons, outputs, offset)
            if objective.isFinite, objective - value <= settings.stallDecrease * max(abs(objective), 1e-300) {
                stalled += 1
            } else {
                stalled = 0
            }
            objective = min(objective, value)
            let starts = ConvexTrainer.ascentStarts(design: design, neurons: neurons, random: settings.randomStarts,
                                                    seed: seed &+ UInt64(round) &* 104_729)
            let found = DualConstraintOracle.multiStartAscent(design: design, dual: DenseMatrix(column: residual),
                                                              freeBias: freeBias, starts: starts,
                                                              count: 2 * settings.insertedPerRound,
                                                              chamberPolish: 2 * settings.insertedPerRound)
            violation = (found.first?.value ?? 0) / beta
            progress?(String(format: "growth %d: %d neurons, objective %.6g, max violation %.4g·β, %d descent steps",
                             round, neurons.count, value, violation, iterations))
            // Half of each round's insertions for each sign of the output weight: the best
            // violators of one sign alone grew the network more slowly (6.2 against 3.5 on
            // airfoil after 100 s).
            let violating = found.filter { $0.value > beta * (1 + tolerance) }
            let violators = [true, false].flatMap { positive in
                violating.filter { ($0.signedValue >= 0) == positive }.prefix(max(1, settings.insertedPerRound / 2))
            }
            if violators.isEmpty || stalled >= settings.stallRounds { break }
            for candidate in violators {
                // A small balanced scale: the first-order decrease is s²(value − β).
                let scale = 1e-2 * (candidate.value - beta).squareRoot() + 1e-3
                neurons.append(candidate.weights.map { $0 * scale })
                outputs.append(candidate.signedValue >= 0 ? scale : -scale)
            }
        }
        return Outcome(neurons: neurons, outputWeights: outputs, offset: offset, objective: objective, violation: violation,
                       rounds: round)
    }

    /// The objective and its gradient for a fixed width, over the packed weights
    /// `[U (row after row) | a | c (free bias only)]`.
    struct Model {
        let design: DenseMatrix
        let targets: [Double]
        let beta: Double
        let penalized: Int
        let hasOffset: Bool
        let width: Int

        var dim: Int { design.columnCount }

        func pack(_ neurons: [[Double]], _ outputs: [Double], _ offset: Double) -> [Double] {
            neurons.flatMap { $0 } + outputs + (hasOffset ? [offset] : [])
        }

        func unpack(_ x: [Double]) -> ([[Double]], [Double], Double) {
            let neurons = (0..<width).map { Array(x[($0 * dim)..<(($0 + 1) * dim)]) }
            let outputs = Array(x[(width * dim)..<(width * dim + width)])
            return (neurons, outputs, hasOffset ? x[width * dim + width] : 0)
        }

        /// The objective and the residual `y − f`.
        func objective(_ neurons: [[Double]], _ outputs: [Double], _ offset: Double) -> (Double, [Double]) {
            var gradient = [Double](repeating: 0, count: width * dim + width + (hasOffset ? 1 : 0))
            let (value, residual) = evaluate(pack(neurons, outputs, offset), gradient: &gradient, wantResidual: true)
            return (value, residual)
        }

        func evaluate(_ x: [Double], _ gradient: inout [Double]) -> Double {
            evaluate(x, gradient: &gradient, wantResidual: false).0
        }

        private func evaluate(_ x: [Double], gradient: inout [Double], wantResidual: Bool) -> (Double, [Double]) {
            let n = design.rowCount, m = width, d = dim
            let offset = hasOffset ? x[m * d + m] : 0
            var residual = targets.map { -$0 + offset }  // f − y, then the neurons' part added
            var regularization = 0.0
            for j in 0..<m {
                for k in 0..<penalized { regularization += x[j * d + k] * x[j * d + k] }
                regularization += x[m * d + j] * x[m * d + j]
            }
            guard m > 0 else {
                for k in gradient.indices { gradient[k] = 0 }
                if hasOffset { gradient[0] = residual.reduce(0, +) }
                let loss = 0.5 * residual.reduce(0) { $0 + $1 * $1 }
                return (loss, wantResidual ? residual.map { -$0 } : [])
            }
            let weights = DenseMatrix(rowCount: m, columnCount: d, values: Array(x[0..<(m * d)]))
            let h = design.multiplied(by: weights, transposeOther: true)  // n × m
            for i in 0..<n {
                var s = 0.0
                for j in 0..<m where h.values[i * m + j] > 0 { s += h.values[i * m + j] * x[m * d + j] }
                residual[i] += s
            }
            let loss = 0.5 * residual.reduce(0) { $0 + $1 * $1 }
            // ∂/∂a_j = Σᵢ (hᵢⱼ)₊ rᵢ + βa_j;  ∂/∂U = Gᵀ X̃ + βU with Gᵢⱼ = 1[hᵢⱼ > 0] rᵢ a_j.
            var g = DenseMatrix(rowCount: n, columnCount: m)
            var outputGradient = [Double](repeating: 0, count: m)
            for i in 0..<n {
                let r = residual[i]
                for j in 0..<m where h.values[i * m + j] > 0 {
                    outputGradient[j] += h.values[i * m + j] * r
                    g.values[i * m + j] = r * x[m * d + j]
                }
            }
            let inputGradient = g.multiplied(by: design, transposeSelf: true)  // m × d
            for j in 0..<m {
                for k in 0..<d {
                    gradient[j * d + k] = inputGradient.values[j * d + k] + (k < penalized ? beta * x[j * d + k] : 0)
                }
                gradient[m * d + j] = outputGradient[j] + beta * x[m * d + j]
            }
            if hasOffset { gradient[m * d + m] = residual.reduce(0, +) }
            return (loss + 0.5 * beta * regularization, wantResidual ? residual.map { -$0 } : [])
        }
    }
}
