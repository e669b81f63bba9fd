import ConicSolver

/// The globally optimal two-layer linear network of ``TwoLayerLinearProgram`` with its certificate.
public struct TwoLayerLinearSolution: Sendable {
    /// The balanced network `W₁ = U√Σ`, `W₂ = √ΣVᵀ` of `W = UΣVᵀ` (linear hidden layer).
    public let network: DeepReLUNetwork
    /// The end-to-end matrix `W` (`d × K`): the program's solution after the polishing steps.
    public let endToEnd: DenseMatrix
    /// `½‖XW − Y‖² + β‖W‖_*`, the convex program's value at ``endToEnd``.
    public let convexObjective: Double
    /// The same at the solver's point, before polishing (at least ``convexObjective``).
    public let solverObjective: Double
    /// `½‖XW₁W₂ − Y‖² + (β/2)(‖W₁‖² + ‖W₂‖²)` of ``network`` (equal to ``convexObjective`` up to rounding).
    public let objective: Double
    /// The dual bound ``TwoLayerLinearProgram/lowerBound(features:targets:residual:beta:)`` at the
    /// network's residual: no two-layer linear network has a lower objective.
    public let lowerBound: Double
    /// The left singular vectors of ``endToEnd`` (`d × rank`): the first-layer neurons lie in their span.
    public let inputDirections: DenseMatrix
    /// The singular values of ``endToEnd`` that the polishing kept, descending (all of them when no
    /// polishing step was taken).
    public let singularValues: [Double]
    /// The number of positive ``singularValues``: the hidden width the optimum needs.
    public let rank: Int
    /// `max |XW₁W₂ − XW|`: the rebuilt network against the convex model.
    public let predictionDifference: Double
    /// The conic solver's report.
    public let status: SolverStatus
    public let iterations: Int
    public let solveTime: Double
}

/// Two-layer linear networks with weight decay on any data (ICLR 2021 §3, L = 2):
///
///     min_{W₁,W₂} ½‖XW₁W₂ − Y‖²_F + (β/2)(‖W₁‖²_F + ‖W₂‖²_F)  =  min_W ½‖XW − Y‖²_F + β‖W‖_*,
///
/// because `min{½(‖W₁‖² + ‖W₂‖²) : W₁W₂ = W} = ‖W‖_*` (reached by the balanced factorization, once the
/// hidden width is at least the rank of `W`). The right-hand side is convex; it is solved as a positive
/// semidefinite program (`‖W‖_* = min ½(tr A + tr B)` over `[[A, W], [Wᵀ, B]] ⪰ 0`, a PSD cone of order
/// `d + K`), then polished by proximal-gradient steps. When `X` has equal non-zero singular values the
/// answer is the closed form of ``DeepLinearClosedForm`` (singular-value soft-thresholding); this program
/// needs no such assumption.
///
/// The certificate does not trust the solver. Its dual is
///
///     max_Λ ⟨Λ, Y⟩ − ½‖Λ‖²  subject to  ‖XᵀΛ‖₂ ≤ β   (spectral norm),
///
/// by weak duality: `½‖XW − Y‖² ≥ ⟨Λ, Y − XW⟩ − ½‖Λ‖²` (Fenchel–Young) and `β‖W‖_* ≥ ⟨XᵀΛ, W⟩` when
/// `‖XᵀΛ‖₂ ≤ β` (the spectral and nuclear norms are dual), so every `W` — and every factored network —
/// has an objective of at least `⟨Λ, Y⟩ − ½‖Λ‖² = ½‖Y‖² − ½‖Y − Λ‖²`. At the optimum `Λ` is the residual
/// `R = Y − XW`; the bound scales `R` into the feasible set.
public enum TwoLayerLinearProgram {
    /// Solves the program and rebuilds the network.
    ///
    /// - Parameters:
    ///   - hiddenWidth: the network's width (default: the rank of `W`), at least ``TwoLayerLinearSolution/rank``.
    ///   - polishSteps: proximal-gradient steps after the solve, at most (each lowers the objective and
    ///     zeroes the directions the dual does not support; 0 keeps the solver's point).
    /// - Throws: ``ClosedFormError`` for inconsistent data, `β ≤ 0`, a width below the rank, or a solver
    ///   status that is not optimal; the solver's errors for a problem it cannot hold.
    /// - Complexity: one semidefinite solve with a PSD cone of order `d + K` and `K·d(d+1)/2` Hessian entries.
    public static func solve(features x: DenseMatrix, targets y: DenseMatrix, beta: Double, hiddenWidth: Int? = nil,
                             polishSteps: Int = 20, solver: SolverSettings = SolverSettings()) throws -> TwoLayerLinearSolution {
        let n = x.rowCount, d = x.columnCount, outputs = y.columnCount
        guard n > 0, d > 0, outputs > 0 else { throw ClosedFormError.dimensionMismatch("empty data: \(n) × \(d) features, \(outputs) target columns") }
        guard y.rowCount == n else { throw ClosedFormError.dimensionMismatch("\(y.rowCount) target rows for \(n) samples") }
        try requireFinite(x.values, "features")
        try requireFinite(y.values, "targets")
        guard beta.isFinite, beta > 0 else { throw ClosedFormError.invalidSetting("beta must be positive, got \(beta)") }
        guard polishSteps >= 0 else { throw ClosedFormError.invalidSetting("polishSteps must not be negative") }

        // ½‖XW − Y‖² = ½ζᵀ(I_K ⊗ XᵀX)ζ − vec(XᵀY)ᵀζ + ½‖Y‖², ζ = vec(W).
        let xtx = x.multiplied(by: x, transposeSelf: true), xty = x.multiplied(by: y, transposeSelf: true)
        var gram = [(a: Int, b: Int, value: Double)]()
        for o in 0..<outputs {
            for j in 0..<d { for i in 0...j where xtx[i, j] != 0 { gram.append((o * d + i, o * d + j, xtx[i, j])) } }
        }
        let linear = (0..<(d * outputs)).map { xty[$0 % d, $0 / d] }
        let constant = 0.5 * y.values.reduce(0) { $0 + $1 * $1 }
        let (solution, solved) = try NuclearNormProgram.solve(rows: d, columns: outputs, gram: gram, linear: linear,
                                                         constant: constant, beta: beta, solver: solver)
        guard solution.status.isOptimal else { throw ClosedFormError.solverFailed("the nuclear-norm program ended \(solution.status.rawValue)") }
        func objective(_ w: DenseMatrix) -> Double {
            let fit = Loss.squared.value(predictions: x.multiplied(by: w).values, targets: y.values)
            return fit + beta * (w.singularValueDecomposition()?.sigma.reduce(0, +) ?? .infinity)
        }
        // Polish: proximal-gradient steps W ← SVT_{tβ}(W + tXᵀ(Y − XW)), t = 1/‖X‖₂². Each step lowers the
        // objective, and a direction the dual does not support (‖uᵀXᵀRv‖ < β) is set to exactly zero, so the
        // rank is read off without a threshold on the interior-point solution.
        let lipschitz = xtx.symmetricEigenvalues()?.last ?? 0
        guard let start = solved.singularValueDecomposition() else { throw ClosedFormError.nonFinite("the SVD of the solution failed") }
        // W = U diag(σ) Vᵀ over the kept directions only (σ > 0).
        var w = solved, (u, sigma, vt) = start
        if lipschitz > 0 {
            let t = 1 / lipschitz
            var current = objective(w)
            for _ in 0..<polishSteps {
                var step = w
                let gradient = xtx.multiplied(by: w)
                for i in step.values.indices { step.values[i] -= t * (gradient.values[i] - xty.values[i]) }
                guard let (su, ss, svt) = step.singularValueDecomposition() else { break }
                let kept = ss.indices.filter { ss[$0] > t * beta }
                let shrunk = kept.map { ss[$0] - t * beta }
                var next = DenseMatrix(rowCount: d, columnCount: outputs)
                for (j, value) in zip(kept, shrunk) { for i in 0..<d { for k in 0..<outputs { next[i, k] += value * su[i, j] * svt[j, k] } } }
                let value = objective(next)
                guard value <= current else { break }
                (w, current) = (next, value)
                u = DenseMatrix(rows: (0..<d).map { i in kept.map { su[i, $0] } }, columnCount: kept.count)
                vt = DenseMatrix(rows: kept.map { svt.row($0) }, columnCount: outputs)
                sigma = shrunk
            }
        }
        let rank = sigma.filter { $0 > 0 }.count
        let width = hiddenWidth ?? max(rank, 1)
        guard width >= max(rank, 1) else { throw ClosedFormError.invalidSetting("hidden width \(width) is below the rank \(rank) of the optimum") }
        var w1 = DenseMatrix(rowCount: d, columnCount: width), w2 = DenseMatrix(rowCount: width, columnCount: outputs)
        for j in 0..<rank {
            let root = sigma[j].squareRoot()
            for i in 0..<d { w1[i, j] = root * u[i, j] }
            for k in 0..<outputs { w2[j, k] = root * vt[j, k] }
        }
        let network = DeepReLUNetwork(weights: [w1, w2], activation: .linear)

        let convexFit = x.multiplied(by: w), f = network.predict(x)
        let difference = zip(f.values, convexFit.values).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        let convexObjective = Loss.squared.value(predictions: convexFit.values, targets: y.values) + beta * sigma.reduce(0, +)
        let solverObjective = objective(solved)
        let residual = DenseMatrix(rowCount: n, columnCount: outputs, values: zip(y.values, f.values).map { $0 - $1 })
        return TwoLayerLinearSolution(
            network: network, endToEnd: w, convexObjective: convexObjective, solverObjective: solverObjective,
            objective: network.objective(features: x, targets: y, beta: beta),
            lowerBound: lowerBound(features: x, targets: y, residual: residual, beta: beta),
            inputDirections: DeepLinearClosedForm.columns(u, rank), singularValues: sigma, rank: rank, predictionDifference: difference,
            status: solution.status, iterations: solution.iterations, solveTime: solution.solveTime)
    }

    /// The dual value at `Λ = sR`, the residual `R = Y − f` of any network scaled to the best feasible
    /// `s = min(⟨R, Y⟩/‖R‖², β/‖XᵀR‖₂)`: a lower bound on every two-layer linear network's objective
    /// (0 when `⟨R, Y⟩ ≤ 0`). Equal to the optimum when `R` is the optimal residual.
    ///
    /// - Complexity: one `n × d` by `n × K` product and the SVD of the `d × K` result.
    public static func lowerBound(features x: DenseMatrix, targets y: DenseMatrix, residual: DenseMatrix, beta: Double) -> Double {
        guard let gain = DeepDualBound.linearGain(features: x, direction: residual) else { return 0 }
        return DeepDualBound.lowerBound(targets: y, directions: [.init(direction: residual, gain: gain)], beta: beta, depth: 2)
    }
}
