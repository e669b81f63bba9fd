import Foundation

/// Limited-memory BFGS for smooth (or piecewise smooth) unconstrained minimization: the
/// two-loop recursion over the last `memory` steps, a backtracking Armijo line search, and
/// curvature pairs with `sᵀy ≤ 0` skipped (so the implicit Hessian stays positive definite on
/// the ReLU objectives' kinks).
struct LBFGS {
    /// Steps remembered.
    var memory = 20
    /// Iterations at most.
    var maximumIterations = 1000
    /// Stop when `‖∇f‖∞ ≤ gradientTolerance · max(1, |f|)`.
    var gradientTolerance = 1e-10
    /// Stop when a step lowers `f` by less than this relative amount.
    var relativeDecrease = 1e-15

    /// The result of a run: the point, its value, and the iterations taken.
    struct Outcome {
        var x: [Double]
        var value: Double
        var iterations: Int
    }

    /// Minimizes `f` from `start`; `f(x, &g)` returns the value and writes the gradient into `g`.
    func minimize(from start: [Double], deadline: Date = .distantFuture,
                  _ f: ([Double], inout [Double]) -> Double) -> Outcome {
        let count = start.count
        var x = start
        var g = [Double](repeating: 0, count: count)
        var value = f(x, &g)
        guard value.isFinite, count > 0 else { return Outcome(x: x, value: value, iterations: 0) }
        var steps = [[Double]](), changes = [[Double]](), curvatures = [Double]()
        var iterations = 0
        var trialGradient = [Double](repeating: 0, count: count)
        while iterations < maximumIterations {
            if iterations % 16 == 0, Date() >= deadline { break }
            let gradientNorm = g.reduce(0.0) { max($0, abs($1)) }
            if gradientNorm <= gradientTolerance * max(1, abs(value)) { break }
            iterations += 1
            // Two-loop recursion: direction = −H∇f.
            var q = g
            var alphas = [Double](repeating: 0, count: steps.count)
            for k in stride(from: steps.count - 1, through: 0, by: -1) {
                let alpha = Self.dot(steps[k], q) / curvatures[k]
                alphas[k] = alpha
                Self.axpy(-alpha, changes[k], &q)
            }
            if let s = steps.last, let y = changes.last {
                let scale = Self.dot(s, y) / Self.dot(y, y)
                for i in 0..<count { q[i] *= scale }
            } else {
                // First step: a unit-length move along the steepest descent.
                let norm = Self.dot(g, g).squareRoot()
                for i in 0..<count { q[i] /= max(norm, 1e-300) }
            }
            for k in 0..<steps.count {
                let beta = Self.dot(changes[k], q) / curvatures[k]
                Self.axpy(alphas[k] - beta, steps[k], &q)
            }
            var direction = q.map { -$0 }
            var slope = Self.dot(g, direction)
            if !(slope < 0) {
                // Not a descent direction (rounding on a kink): restart from steepest descent.
                steps.removeAll(); changes.removeAll(); curvatures.removeAll()
                direction = g.map { -$0 }
                slope = -Self.dot(g, g)
                guard slope < 0 else { break }
            }
            var step = 1.0
            var accepted: (x: [Double], value: Double)?
            for _ in 0..<40 {
                var trial = x
                Self.axpy(step, direction, &trial)
                let trialValue = f(trial, &trialGradient)
                if trialValue.isFinite, trialValue <= value + 1e-4 * step * slope {
                    accepted = (trial, trialValue)
                    break
                }
                step *= 0.5
            }
            guard let (next, nextValue) = accepted else { break }
            var s = next, y = trialGradient
            for i in 0..<count { s[i] -= x[i]; y[i] -= g[i] }
            let curvature = Self.dot(s, y)
            if curvature > 1e-12 * Self.dot(y, y).squareRoot() * Self.dot(s, s).squareRoot() {
                steps.append(s); changes.append(y); curvatures.append(curvature)
                if steps.count > memory { steps.removeFirst(); changes.removeFirst(); curvatures.removeFirst() }
            }
            let decrease = value - nextValue
            x = next; value = nextValue; g = trialGradient
            if decrease <= relativeDecrease * max(1, abs(value)) { break }
        }
        return Outcome(x: x, value: value, iterations: iterations)
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in x.indices { y[i] += alpha * x[i] }
    }
}
