import Foundation
import Testing

/// `conic nn deep` on data whose singular values differ: two linear layers are solved, not refused.
@Suite struct DeepCommandTests {
    @Test("two linear layers on unequal data: the nuclear-norm kind, certified, no worse than gradient descent; --nuclear-norm on whitened data matches the closed form")
    func nuclearNormKind() throws {
        let data = try temporaryFile(named: "small.csv", contents: smallRegressionCSV).path
        let run = try runConic(["nn", "deep", "--data", data, "--beta", "0.05", "--gd-seeds", "2", "--gd-epochs", "3000",
                                "--gd-widths", "1", "--lr", "0.02", "--json", "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")
        let object = try run.jsonObject()
        #expect(object["kind"] as? String == "nuclear-norm")
        let objective = try #require(object["objective"] as? Double), bound = try #require(object["lower_bound"] as? Double)
        let convex = try #require(object["convex_objective"] as? Double)
        #expect(abs(objective - convex) <= 1e-10 * objective)
        #expect(bound <= objective && objective - bound <= 1e-6 * objective)
        #expect(try #require(object["prediction_difference"] as? Double) <= 1e-8)
        #expect(object["closed_form_le_gd"] as? Bool == true)
        // Depth 3 on the same data has no closed form: refused without gradient descent; with it, the best run
        // is reported with the dual bound at the runs' residuals below it.
        let deeper = ["nn", "deep", "--data", data, "--beta", "0.05", "--depth", "3", "--json", "--quiet"]
        #expect(try runConic(deeper + ["--gd-seeds", "0"]).status != 0)
        let bounded = try runConic(deeper + ["--gd-seeds", "2", "--gd-epochs", "2000", "--gd-widths", "2,2"])
        #expect(bounded.status == 0, "\(bounded.standardError)")
        let report = try bounded.jsonObject()
        #expect(report["kind"] as? String == "dual-bound")
        let best = try #require(report["objective"] as? Double), below = try #require(report["lower_bound"] as? Double)
        #expect(below > 0 && below <= best)
        #expect(best == report["gd_best_objective"] as? Double)

        // Whitened data: the program (forced) and the closed form agree.
        let whitened = ["nn", "deep", "--data", data, "--beta", "0.05", "--whiten", "--gd-seeds", "0", "--json", "--quiet"]
        let closed = try runConic(whitened).jsonObject(), forced = try runConic(whitened + ["--nuclear-norm"]).jsonObject()
        #expect(closed["kind"] as? String == "linear" && forced["kind"] as? String == "nuclear-norm")
        let a = try #require(closed["objective"] as? Double), b = try #require(forced["objective"] as? Double)
        #expect(abs(a - b) <= 1e-7 * a)
    }
}
