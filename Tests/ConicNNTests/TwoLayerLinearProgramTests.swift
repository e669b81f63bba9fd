import Testing
@testable import ConicNN
import ConicSolver

/// ICLR 2021 §3 for two layers on any data: the nuclear-norm program, its factored network and its dual bound.
@Suite("TwoLayerLinearProgram")
struct TwoLayerLinearProgramTests {
    /// Gaussian `n × d` data with column scales from 0.2 to 3: singular values far apart.
    static func unequal(_ n: Int, _ d: Int, seed: UInt64) -> DenseMatrix {
        var x = gaussianMatrix(n, d, seed: seed)
        for i in 0..<n { for j in 0..<d { x[i, j] *= 0.2 + 2.8 * Double(j) / Double(max(d - 1, 1)) } }
        return x
    }

    static func inner(_ a: DenseMatrix, _ b: DenseMatrix) -> Double { zip(a.values, b.values).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test("on whitened data the program equals the closed form (objective to 1e-7, W to 1e-9)",
          arguments: [(30, 8, 1.0), (6, 20, 1.0), (25, 6, 0.4)])
    func agreesWithClosedForm(shape: (Int, Int, Double)) throws {
        let x = DeepLinearTests.orthonormal(shape.0, shape.1, seed: 61, scale: shape.2)
        let y = gaussianMatrix(shape.0, 4, seed: 62)
        // β between the 2nd and 3rd singular values of UᵀY (times σ): rank 2.
        let probe = try DeepLinearClosedForm.solve(features: x, targets: y, depth: 2, beta: 1)
        let beta = probe.dataScale * 0.5 * (probe.targetSpectrum[1] + probe.targetSpectrum[2])
        let closed = try DeepLinearClosedForm.solve(features: x, targets: y, depth: 2, beta: beta)
        let program = try TwoLayerLinearProgram.solve(features: x, targets: y, beta: beta)
        #expect(closed.rank == 2)
        #expect(abs(program.objective - closed.objective) <= 1e-7 * closed.objective)
        #expect(abs(program.convexObjective - closed.objective) <= 1e-7 * closed.objective)
        #expect(DeepLinearTests.maxDifference(program.endToEnd.values, closed.endToEnd.values) <= 1e-9)
        #expect(program.rank == closed.rank)
        #expect(program.lowerBound <= closed.objective * (1 + 1e-12))
        #expect(program.lowerBound >= closed.objective * (1 - 1e-7))
    }

    @Test("unequal singular values: the factored network predicts what W does, the optimum is certified, GD does not beat it")
    func unequalSpectrum() throws {
        let x = Self.unequal(40, 6, seed: 71)
        let y = gaussianMatrix(40, 3, seed: 72)
        #expect(throws: ClosedFormError.self) { try DeepLinearClosedForm.solve(features: x, targets: y, depth: 2, beta: 1) }
        let spectral = x.multiplied(by: y, transposeSelf: true).singularValueDecomposition()!.sigma[0]
        let beta = 0.9 * spectral
        let s = try TwoLayerLinearProgram.solve(features: x, targets: y, beta: beta)
        #expect(s.rank >= 1 && s.rank < 3)                             // a low-rank optimum: the test can fail
        #expect(s.predictionDifference <= 1e-8)
        #expect(abs(s.objective - s.convexObjective) <= 1e-10 * s.objective)
        #expect(s.convexObjective <= s.solverObjective)
        #expect(s.lowerBound <= s.objective)
        #expect(s.objective - s.lowerBound <= 1e-6 * s.objective)
        // Optimality from the data, not the solver: R = Y − XW has ‖XᵀR‖₂ ≤ β and ⟨XᵀR, W⟩ = β‖W‖_*.
        let f = x.multiplied(by: s.endToEnd)
        let r = DenseMatrix(rowCount: 40, columnCount: 3, values: zip(y.values, f.values).map { $0 - $1 })
        let xtr = x.multiplied(by: r, transposeSelf: true)
        #expect(xtr.singularValueDecomposition()!.sigma[0] <= beta * (1 + 1e-6))
        let nuclear = s.singularValues.reduce(0, +)
        #expect(abs(Self.inner(xtr, s.endToEnd) - beta * nuclear) <= 1e-6 * beta * nuclear)
        // Balanced factors: ‖W₁‖_F = ‖W₂‖_F, and the hidden layer has the rank of W.
        let norms = s.network.layerFrobeniusNorms
        #expect(abs(norms[0] - norms[1]) <= 1e-9 * norms[0])
        // Gradient descent on the non-convex model, two widths: never below the program; the bound holds for it.
        for (width, seed) in [(3, UInt64(1)), (6, UInt64(2))] {
            let run = try DeepLinearTests.train(x, y, widths: [width], beta: beta, seed: seed, epochs: 4000)
            #expect(s.objective <= run.finalObjective + 1e-9 * run.finalObjective)
            let g = run.network.predict(x)
            let residual = DenseMatrix(rowCount: 40, columnCount: 3, values: zip(y.values, g.values).map { $0 - $1 })
            let bound = TwoLayerLinearProgram.lowerBound(features: x, targets: y, residual: residual, beta: beta)
            #expect(bound <= s.objective * (1 + 1e-12))
            #expect(bound <= run.finalObjective)
        }
    }

    @Test("a narrower hidden layer than the rank, β ≤ 0 and shape errors are refused")
    func errors() throws {
        let x = Self.unequal(20, 4, seed: 81)
        let y = gaussianMatrix(20, 3, seed: 82)
        #expect(throws: ClosedFormError.self) { try TwoLayerLinearProgram.solve(features: x, targets: y, beta: 0) }
        #expect(throws: ClosedFormError.self) { try TwoLayerLinearProgram.solve(features: x, targets: gaussianMatrix(19, 3, seed: 83), beta: 1) }
        #expect(throws: ClosedFormError.self) { try TwoLayerLinearProgram.solve(features: x, targets: y, beta: 1e-3, hiddenWidth: 1) }
        // Above ‖XᵀY‖₂ the zero network is optimal, with the bound equal to ½‖Y‖².
        let spectral = x.multiplied(by: y, transposeSelf: true).singularValueDecomposition()!.sigma[0]
        let zero = try TwoLayerLinearProgram.solve(features: x, targets: y, beta: 1.2 * spectral)
        let half = 0.5 * y.values.reduce(0) { $0 + $1 * $1 }
        #expect(zero.rank == 0)
        #expect(abs(zero.objective - half) <= 1e-12 * half)
        #expect(abs(zero.lowerBound - half) <= 1e-12 * half)
    }
}
