import Foundation
import Testing
import ConicIO
@testable import ConicSolver
import ConicTestSupport

/// End-to-end: read real Maros–Mészáros files, solve, check the certificate and the reference
/// optimum of `reference.csv` (1e-6 relative, or 1e-6 absolute below 1 in magnitude — the rule of
/// the benchmark). The full set runs in `Benchmarks/`; these are the small ones, fast in debug.
@Suite("Maros–Mészáros end to end")
struct MarosMeszarosTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data/maros-meszaros").standardizedFileURL

    static let references: [String: Double] = {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("reference.csv"), encoding: .utf8) else { return [:] }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > 3, let value = Double(fields[3]) { values[String(fields[0])] = value }
        }
        return values
    }()

    static let names = ["HS21", "HS35", "HS35MOD", "HS52", "HS118", "HS268", "GENHS28", "ZECEVIC2", "TAME",
                        "QPTEST", "LOTSCHD", "QAFIRO", "DUALC1", "DUAL1", "QPCBLEND", "QADLITTL", "QSHARE1B",
                        "QRECIPE", "QSC205", "QPCBOEI2"]

    @Test(arguments: names)
    func solvesToReference(name: String) throws {
        guard let reference = Self.references[name] else { return }  // data not present: nothing to check
        let problem = try QPSReader.read(path: Self.directory.appendingPathComponent("\(name).SIF").path)
        let solution = try solve(problem)
        checkOptimality(problem, solution, tol: 1e-6, label: name)
        let error = abs(solution.primalObjective - reference)
        let allowed = abs(reference) >= 1 ? 1e-6 * abs(reference) : 1e-6
        #expect(error <= allowed, "\(name): objective \(solution.primalObjective), reference \(reference)")
    }
}
