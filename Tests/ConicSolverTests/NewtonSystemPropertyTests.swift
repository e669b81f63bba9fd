import Foundation
import Testing
@testable import ConicSolver
import ConicTestSupport

/// The property harness of the Newton-system forms: on small random problems of each cone family
/// and at a random interior scaling, every form's solve of
///
///     [ P   Aᵀ ] [x]   [r_x]
///     [ A  −H  ] [z] = [r_z]
///
/// must have a small residual against the unregularized matrix, assembled densely here from the
/// data and from `H` applied to unit vectors (not from the forms' own products). The
/// regularizations each form factors with, raised or not, must not show in the result, and every
/// form must give the same solution.
@Suite("Newton-system forms")
struct NewtonSystemPropertyTests {
    /// The cone families of the harness.
    enum Family: String, CaseIterable, CustomTestStringConvertible {
        case linear, quadratic, secondOrder, semidefinite
        var testDescription: String { rawValue }

        /// Variables and cones (equality rows first in every family: their `H` block is zero).
        var layout: (n: Int, cones: [ConeSpec], quadratic: Bool) {
            switch self {
            case .linear: return (5, [.zero(2), .nonnegative(6)], false)
            case .quadratic: return (5, [.zero(1), .nonnegative(6)], true)
            case .secondOrder: return (6, [.zero(1), .nonnegative(2), .secondOrder(4), .secondOrder(9)], true)
            case .semidefinite: return (4, [.zero(1), .positiveSemidefinite(3), .nonnegative(2)], false)
            }
        }
    }

    /// Largest relative residual `‖r − K[x; z]‖∞ / (1 + ‖r‖∞)` accepted. An unrefined solve with
    /// the default regularizations (1e-8) is off by about 1e-8.
    static let tolerance = 1e-10

    /// Dense `K = [P Aᵀ; A −H]` of order `n + m` (row-major) for the cones' current scaling.
    static func denseMatrix(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct) -> [[Double]] {
        let n = P.columnCount, m = A.rowCount
        var K = [[Double]](repeating: [Double](repeating: 0, count: n + m), count: n + m)
        for j in 0..<n {
            for k in P.columnStarts[j]..<P.columnStarts[j + 1] {
                let i = P.rowIndices[k]
                K[i][j] = P.values[k]; K[j][i] = P.values[k]
            }
            for k in A.columnStarts[j]..<A.columnStarts[j + 1] {
                let i = A.rowIndices[k]
                K[n + i][j] = A.values[k]; K[j][n + i] = A.values[k]
            }
        }
        var unit = [Double](repeating: 0, count: m), column = unit
        for i in 0..<m {
            unit[i] = 1
            unit.withUnsafeBufferPointer { u in column.withUnsafeMutableBufferPointer { cones.multiplyHessian(u, into: $0) } }
            for r in 0..<m { K[n + r][n + i] = -column[r] }
            unit[i] = 0
        }
        return K
    }

    /// `‖r − K v‖∞ / (1 + ‖r‖∞)`.
    static func relativeResidual(_ K: [[Double]], _ v: [Double], _ r: [Double]) -> Double {
        var error = 0.0
        for (row, rhs) in zip(K, r) { error = max(error, abs(rhs - zip(row, v).reduce(0) { $0 + $1.0 * $1.1 })) }
        return error / (1 + r.reduce(0) { max($0, abs($1)) })
    }

    /// A random problem of the family and a random interior point `s`, `z` its cones are scaled at.
    static func instance(_ family: Family, seed: UInt64) throws -> (P: SparseMatrix, A: SparseMatrix, cones: ConeProduct) {
        var generator = TestSeededGenerator(seed: seed)
        let (n, specs, quadratic) = family.layout
        let cones = ConeProduct(specs)
        let m = cones.ranges.last?.upperBound ?? 0
        var rows: [Int] = [], columns: [Int] = [], values: [Double] = []
        for j in 0..<n { for i in 0..<m { rows.append(i); columns.append(j); values.append(generator.uniform(-1, 1)) } }
        let A = try SparseMatrix(rowCount: m, columnCount: n, rows: rows, columns: columns, values: values)
        // P = BBᵀ with B of rank 2 (positive semidefinite and singular), upper triangle.
        rows = []; columns = []; values = []
        if quadratic {
            let B = (0..<n).map { _ in generator.vector(2, -1, 1) }
            for j in 0..<n { for i in 0...j { rows.append(i); columns.append(j); values.append(B[i][0] * B[j][0] + B[i][1] * B[j][1]) } }
        }
        let P = try SparseMatrix(rowCount: n, columnCount: n, rows: rows, columns: columns, values: values)
        // A point well inside the cones: the identity plus a perturbation, zero on equality rows.
        func interior(dual: Bool) -> [Double] {
            var v = [Double](repeating: 0, count: m)
            cones.setToIdentity(&v)
            for i in 0..<m { v[i] += 0.3 * generator.uniform(-1, 1) }
            for (cone, range) in zip(cones.cones, cones.ranges) where cone.isZero { for i in range { v[i] = 0 } }
            cones.shiftToInterior(&v, dual: dual)
            return v
        }
        let s = interior(dual: false), z = interior(dual: true)
        #expect(cones.updateScaling(s: s, z: z))
        return (P, A, cones)
    }

    /// Every form that takes the family's cones, built on `P`, `A`.
    static func forms(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct) -> [any KKTSolver] {
        let settings = SolverSettings()
        let built: [(any KKTSolver)?] = [
            ReducedKKTSolver(P: P, A: A, cones: cones, settings: settings),
            QuasiDefiniteKKTSolver(P: P, A: A, cones: cones, settings: settings),
            SchurComplementKKTSolver(P: P, A: A, cones: cones, settings: settings),
        ]
        return built.compactMap { $0 }
    }

    @Test(arguments: Family.allCases)
    func solvesAgainstTheUnregularizedMatrix(family: Family) throws {
        for seed: UInt64 in [1, 2, 3] {
            let (P, A, cones) = try Self.instance(family, seed: seed)
            let n = P.columnCount, m = A.rowCount
            let K = Self.denseMatrix(P: P, A: A, cones: cones)
            var generator = TestSeededGenerator(seed: 100 + seed)
            let rx = generator.vector(n, -1, 1), rz = generator.vector(m, -1, 1)
            let forms = Self.forms(P: P, A: A, cones: cones)
            #expect(forms.count == 3, "\(family): every form takes these cones")
            var solutions: [(form: NewtonSystemForm, point: [Double])] = []
            for kkt in forms {
                var variants = [NewtonSystemOptions(solveTolerance: SolverSettings().refinementRelativeTolerance)]
                variants.append(NewtonSystemOptions(regularizationScale: 100, solveTolerance: variants[0].solveTolerance))
                if kkt.offersIncreasedAccuracy {
                    variants.append(NewtonSystemOptions(solveTolerance: variants[0].solveTolerance, accuracy: .increased))
                }
                for options in variants {
                    let label = "\(family), seed \(seed), \(kkt.form.rawValue), scale \(options.regularizationScale), \(options.accuracy)"
                    let factorization = try kkt.update(options).get()
                    #expect(factorization.retries == 0, "\(label): a well-conditioned matrix factors at once")
                    var x = [Double](repeating: 0, count: n), z = [Double](repeating: 0, count: m)
                    let reported = try kkt.solve(rx: rx, rz: rz, x: &x, z: &z, options: options).get().residual
                    let measured = Self.relativeResidual(K, x + z, rx + rz)
                    #expect(measured <= Self.tolerance, "\(label): residual \(measured) against the unregularized matrix")
                    #expect(reported <= Self.tolerance, "\(label): reported residual \(reported)")
                    // The measure is not blind: an error of 1e-6 in one entry shows.
                    var perturbed = x + z
                    perturbed[0] += 1e-6 * (1 + perturbed.reduce(0) { max($0, abs($1)) })
                    #expect(Self.relativeResidual(K, perturbed, rx + rz) > 100 * Self.tolerance, "\(label): the harness missed an error")
                    solutions.append((kkt.form, x + z))
                }
                // Without refinement, a regularization of 1e-4 shows: the residual above is the
                // refinement's doing, not a property of the random instance.
                if let regularized = kkt as? any RegularizedKKTForm {
                    let options = NewtonSystemOptions(regularizationScale: 1e4, solveTolerance: 1e-13)
                    _ = try regularized.update(options).get()
                    var x = [Double](repeating: 0, count: n), z = [Double](repeating: 0, count: m)
                    rx.withUnsafeBufferPointer { rxp in rz.withUnsafeBufferPointer { rzp in
                        x.withUnsafeMutableBufferPointer { xp in z.withUnsafeMutableBufferPointer { zp in
                            regularized.regularizedSolve(rx: rxp, rz: rzp, x: xp, z: zp)
                        }}
                    }}
                    let unrefined = Self.relativeResidual(K, x + z, rx + rz)
                    #expect(unrefined > 100 * Self.tolerance, "\(family), \(kkt.form.rawValue): unrefined residual \(unrefined)")
                } else {
                    Issue.record("\(kkt.form.rawValue) does not use the shared regularize–factor–refine skeleton")
                }
            }
            // All forms and options solve the same system.
            let reference = solutions[0].point
            let scale = 1 + reference.reduce(0) { max($0, abs($1)) }
            for (form, point) in solutions.dropFirst() {
                let difference = zip(point, reference).reduce(0) { max($0, abs($1.0 - $1.1)) }
                #expect(difference <= 1e-8 * scale, "\(family), seed \(seed): \(form.rawValue) differs by \(difference)")
            }
        }
    }
}
