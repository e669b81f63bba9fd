import Testing
import Foundation
@testable import ConicNN
@testable import ConicSolver
import ConicTestSupport

/// Data of a random two-layer ReLU teacher (width 5) with label noise.
private func teacherData(samples n: Int, features d: Int, seed: UInt64) -> (DenseMatrix, DenseMatrix) {
    var rng = SeededGenerator(seed: seed)
    let x = gaussianMatrix(n, d, &rng)
    let u = gaussianMatrix(d, 5, &rng, scale: 1 / Double(d).squareRoot())
    let a = (0..<5).map { _ in rng.nextGaussian() }
    var y = DenseMatrix(rowCount: n, columnCount: 1)
    for k in 0..<n {
        var value = 0.1 * rng.nextGaussian()
        for j in 0..<5 {
            var h = 0.0
            for i in 0..<d { h += x[k, i] * u[i, j] }
            value += a[j] * max(h, 0)
        }
        y[k, 0] = value
    }
    return (x, y)
}

@Suite("Convex training at moderate scale")
struct ConvexProgramScaleTests {
    /// More pattern weights (P·d̃ = 300) than samples (n = 200): the residual formulation, whose
    /// dense residual rows make the reduced matrix dense and its assembly map quadratic in their
    /// length. Under a memory limit between the two forms' estimates the reduced form is refused
    /// and the automatic choice still reaches the optimum that each form finds without a limit.
    @Test("A residual-form program: the same optimum under every Newton form and under a memory limit",
          .tags(.slow), .enabled(if: SlowTests.enabled, SlowTests.skipReason))
    func residualProgram() throws {
        let (x, y) = teacherData(samples: 200, features: 10, seed: 3)
        let patterns = ActivationPatterns.sampled(x, count: 30, seed: 1)
        // The sign constraints that generation starts from (38 per pattern), as in training.
        let initial = ConvexTrainer.initialSignRows(design: x, patterns: patterns, samples: Array(0..<200))
        let program = try ConvexReLUProgram(design: x, targets: y.column(0), beta: 1e-2, loss: .squared, patterns: patterns,
                                            signRows: initial, formulation: .residual)
        #expect(program.formulation == .residual)
        let full = try ConvexReLUProgram(design: x, targets: y.column(0), beta: 1e-2, loss: .squared, patterns: patterns,
                                         signRows: Array(repeating: Array(0..<200), count: patterns.count),
                                         formulation: .residual)
        let problem = program.problem
        func estimates(_ problem: ConicProblem) -> (reduced: Double, full: Double) {
            let cones = ConeProduct(problem.cones)
            return (ReducedKKTSolver.estimatedBytes(P: problem.P, A: problem.A, cones: cones),
                    QuasiDefiniteKKTSolver.estimatedBytes(P: problem.P, A: problem.A, cones: cones))
        }
        // A limit that refuses the reduced form of both programs and admits the quasi-definite one.
        let (restricted, everything) = (estimates(problem), estimates(full.problem))
        let limit = (everything.reduced * everything.full).squareRoot()
        #expect(restricted.reduced > limit && everything.reduced > limit && everything.full < limit,
                "estimates (bytes): \(restricted), all sign rows \(everything)")

        var settings = SolverSettings()
        var objectives: [Double] = []
        for form in [NewtonSystemForm.quasiDefinite, .reduced, .automatic] {
            settings.newtonSystem = form
            let solution = try solve(problem, settings: settings)
            // The program's certificate, from its data: residuals, gap, cones.
            checkOptimality(problem, solution, label: "\(form)")
            objectives.append(solution.primalObjective)
        }
        settings.memoryLimit = limit
        let limited = try solve(problem, settings: settings)
        checkOptimality(problem, limited, label: "automatic under a memory limit")
        objectives.append(limited.primalObjective)
        settings.newtonSystem = .reduced
        #expect(throws: ConicError.self) { try solve(problem, settings: settings) }

        let reference = objectives[0], scale = max(1, abs(reference))
        for objective in objectives { #expect(abs(objective - reference) <= 1e-6 * scale, "\(objectives)") }

        // End to end under the limit, with sign constraints generated from the same start (and
        // the formulation training picks): the optimum of the program with all of them, which
        // the run above relaxes.
        settings.newtonSystem = .automatic
        let optimum = try solve(full.problem, settings: settings).primalObjective
        #expect(optimum >= reference - 1e-6 * scale)
        var training = ConvexTrainingSettings(beta: 1e-2)
        training.patterns = .sampled(count: 30, seed: 1)
        training.signConstraintGenerationThreshold = 1000
        training.relaxationSampleLimit = 0
        training.generationRounds = 0  // the fixed pattern set of the programs above
        training.solver.memoryLimit = limit
        let result = try ConvexTrainer.train(features: x, targets: y, settings: training)
        #expect(result.solverStatus == .solved)
        #expect(abs(result.convexObjective - optimum) <= 1e-6 * max(1, abs(optimum)))
        #expect(result.certificate.lowerBound <= result.certificate.objective + 1e-9 * scale)
    }
}
