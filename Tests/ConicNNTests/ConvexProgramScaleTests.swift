import Testing
import Foundation
@testable import ConicNN
import ConicSolver

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
    /// More pattern weights (P·d̃ = 1000) than samples (n = 500): the residual formulation, whose
    /// reduced matrix would be dense; the automatic choice, a memory limit that leaves only the
    /// quasi-definite form, and the quasi-definite form asked for must reach the same optimum.
    @Test("d = 20, n = 500, P = 50: the same optimum whichever Newton form solves it")
    func moderateProgram() throws {
        let (x, y) = teacherData(samples: 500, features: 20, seed: 3)
        var settings = ConvexTrainingSettings(beta: 1e-2)
        settings.patterns = .sampled(count: 50, seed: 1)
        settings.signConstraintGenerationThreshold = 10_000
        settings.relaxationSampleLimit = 0  // the norm bound: the semidefinite one is not under test
        let automatic = try ConvexTrainer.train(features: x, targets: y, settings: settings)
        #expect(automatic.solverStatus == .solved)
        #expect(automatic.patternCount == 50)

        var quasiDefinite = settings
        quasiDefinite.solver.newtonSystem = .quasiDefinite
        let reference = try ConvexTrainer.train(features: x, targets: y, settings: quasiDefinite)
        let scale = max(1, abs(reference.convexObjective))
        #expect(abs(automatic.convexObjective - reference.convexObjective) <= 1e-6 * scale,
                "automatic \(automatic.convexObjective), quasi-definite \(reference.convexObjective)")

        // A limit under the reduced form's assembly map (8 bytes per term of AᵀDA, over 10⁷ terms
        // from the 500 dense residual rows, so 500 MB) but above the quasi-definite form (about 50 MB).
        var limited = settings
        limited.solver.memoryLimit = 1e8
        let small = try ConvexTrainer.train(features: x, targets: y, settings: limited)
        #expect(abs(small.convexObjective - reference.convexObjective) <= 1e-6 * scale)
        for result in [automatic, reference, small] {
            #expect(result.certificate.lowerBound <= result.certificate.objective + 1e-9 * scale)
        }
    }
}
