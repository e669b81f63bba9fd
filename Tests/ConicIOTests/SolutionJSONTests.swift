import Foundation
import Testing
@testable import ConicIO
@testable import ConicSolver
import ConicTestSupport

/// `conic solve --solution FILE` writes ``SolutionJSON/encode(_:problem:)``: the vectors read back
/// from the JSON must be the solver's point (feasible, with the reported objective), certificates
/// must survive with `null` for the parts that have no value, and the layout must match the cones.
@Suite("Solution JSON")
struct SolutionJSONTests {
    private func decode(_ data: Data) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// An array of numbers, with `null` read as NaN.
    private func vector(_ object: [String: Any], _ key: String) throws -> [Double] {
        let values = try #require(object[key] as? [Any], "\(key) missing")
        return values.map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }

    /// min x₁ + x₂ over the PSD matrix [[x₁, 1], [1, x₂]] ⪰ 0 (optimum 2 at x = (1, 1)), plus x₁ ≤ 3.
    @Test func solvedPointReadsBackFeasible() throws {
        let r2 = 2.0.squareRoot()
        // Rows (1,1), (1,2), (2,2): s = b − Ax = svec([[x₁, −1], [−1, x₂]]); row 4: x₁ + s₄ = 3.
        let A = testMatrix([[-1, 0], [0, 0], [0, -1], [1, 0]], columns: 2)
        let problem = try ConicProblem(q: [1, 1], A: A, b: [0, -r2, 0, 3], cones: [.positiveSemidefinite(2), .nonnegative(1)])
        let solution = try solve(problem)
        #expect(solution.status == .solved)
        let object = try decode(try SolutionJSON.encode(solution, problem: problem))
        #expect(object["status"] as? String == "solved")
        let x = try vector(object, "x"), s = try vector(object, "s"), z = try vector(object, "z")
        #expect(x.count == 2 && s.count == 4 && z.count == 4)
        // The point read back is still an optimal primal–dual pair (residuals, gap, cones).
        checkPrimalDualPoint(problem, x: x, s: s, z: z, tol: 1e-7, label: "read back from JSON")
        let objective = try #require((object["objective"] as? NSNumber)?.doubleValue)
        #expect(abs(objective - 2) <= 1e-6)
        #expect(abs(x[0] + x[1] - objective) <= 1e-9)
        let cones = try #require(object["cones"] as? [[String: Any]])
        #expect(cones.count == 2)
        #expect(cones[0]["type"] as? String == "psd_triangle" && (cones[0]["dim"] as? Int) == 2)
        #expect(cones[1]["type"] as? String == "nonnegative" && (cones[1]["dim"] as? Int) == 1)
    }

    /// x ≥ 1 and x ≤ 0: the certificate `z` is written, `x`, `s` and the objectives are `null`.
    @Test func infeasibleCertificateReadsBack() throws {
        let problem = try ConicProblem(q: [1], A: testMatrix([[-1], [1]], columns: 1), b: [-1, 0], cones: [.nonnegative(2)])
        let solution = try solve(problem)
        #expect(solution.status == .primalInfeasible)
        let object = try decode(try SolutionJSON.encode(solution, problem: problem))
        #expect(object["objective"] is NSNull)
        #expect(try vector(object, "x").allSatisfy(\.isNaN))
        let z = try vector(object, "z")
        checkPrimalInfeasibilityCertificate(problem, z)
    }

    /// The summary (`conic solve --json`) keys stay as they are: scripts read them. Keys are
    /// only ever added (`info`, with the ``SolveInfo`` of the run).
    @Test func summaryKeysAreStable() throws {
        let problem = try ConicProblem(q: [1], A: testMatrix([[-1]], columns: 1), b: [-1], cones: [.nonnegative(1)])
        let solution = try solve(problem)
        let summary = SolutionJSON.summary(solution, problem: problem)
        #expect(Set(summary.keys) == ["status", "objective", "dual_objective", "iterations", "solve_time", "setup_time",
                                      "primal_residual", "dual_residual", "gap", "n", "m", "info"])
        let info = try #require(summary["info"] as? [String: Any])
        #expect(info["newton_system"] as? String == solution.info.newtonSystem?.rawValue)
        let records = try #require(info["records"] as? [[String: Any]])
        #expect(records.count == solution.iterations + 1)
        #expect(records.first?["step"] is NSNull)
    }
}
