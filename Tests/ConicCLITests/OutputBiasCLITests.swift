import Foundation
import Testing

/// `--output-bias` on the nn commands, and network files read from standard input.
@Suite struct OutputBiasCLITests {
    static let shifted: String = {
        // The small regression data with every target moved by +5: an offset matters.
        let lines = smallRegressionCSV.split(separator: "\n")
        return ([String(lines[0])] + lines.dropFirst().map { line in
            var fields = line.split(separator: ",").map(String.init)
            fields[2] = "\(Double(fields[2])! + 5)"
            return fields.joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }()

    @Test("nn train --output-bias saves b2 and beats training without it; certify of the file reproduces its objective")
    func trainAndCertify() throws {
        let data = try temporaryFile(named: "shifted.csv", contents: Self.shifted)
        let network = data.deletingLastPathComponent().appendingPathComponent("net.json").path
        let common = ["nn", "train", "--data", data.path, "--beta", "0.1", "--bias", "--quiet", "--json"]
        let with = try runConic(common + ["--output-bias", "--save-network", network])
        let without = try runConic(common)
        #expect(with.status == 0 && without.status == 0, "\(with.standardError)")
        let trained = try with.jsonObject()
        let objective = try #require(trained["objective"] as? Double)
        #expect(objective < (try #require(try without.jsonObject()["objective"] as? Double)))
        #expect((trained["output_bias"] as? [Double])?.count == 1)
        #expect(try String(contentsOfFile: network, encoding: .utf8).contains("\"b2\""))
        #expect(try #require(trained["lower_bound"] as? Double) <= objective)

        let certified = try runConic(["nn", "certify", "--network", network, "--data", data.path, "--beta", "0.1", "--quiet", "--json"])
        #expect(certified.status == 0, "\(certified.standardError)")
        let report = try certified.jsonObject()
        let given = try #require(report["objective"] as? Double)
        #expect(abs(given - objective) <= 1e-9 * objective)
        #expect(try #require(report["lower_bound"] as? Double) <= given)

        // The same file on standard input.
        let piped = try runConic(["nn", "certify", "--network", "-", "--data", data.path, "--beta", "0.1", "--quiet", "--json"],
                                 input: try Data(contentsOf: URL(fileURLWithPath: network)))
        #expect(piped.status == 0, "\(piped.standardError)")
        #expect(try piped.jsonObject()["objective"] as? Double == given)
    }

    @Test("nn sgd --output-bias trains an offset; the saved network has b2")
    func sgd() throws {
        let data = try temporaryFile(named: "shifted.csv", contents: Self.shifted)
        let network = data.deletingLastPathComponent().appendingPathComponent("sgd.npz").path
        let run = try runConic(["nn", "sgd", "--data", data.path, "--beta", "0.01", "--width", "8", "--epochs", "300",
                                "--bias", "--output-bias", "--quiet", "--json", "--save-network", network])
        #expect(run.status == 0, "\(run.standardError)")
        let certified = try runConic(["nn", "certify", "--network", network, "--data", data.path, "--beta", "0.01", "--quiet", "--json"])
        #expect(certified.status == 0, "\(certified.standardError)")
        let sgdObjective = try #require(try run.jsonObject()["objective"] as? Double)
        let report = try certified.jsonObject()
        #expect(abs(try #require(report["objective"] as? Double) - sgdObjective) <= 1e-9 * sgdObjective)
        #expect((report["output_bias"] as? [Double])?.count == 1)
    }

    @Test("--network - reads standard input; both inputs on it, or bad text, are refused with a message")
    func standardInput() throws {
        let data = try temporaryFile(named: "shifted.csv", contents: Self.shifted)
        let both = try runConic(["nn", "certify", "--network", "-", "--data", "-", "--beta", "0.1", "--quiet"], input: Data("{}".utf8))
        #expect(both.status != 0)
        #expect(both.standardError.contains("standard input"), "\(both.standardError)")
        let garbage = try runConic(["nn", "certify", "--network", "-", "--data", data.path, "--beta", "0.1", "--quiet"],
                                   input: Data("not a network".utf8))
        #expect(garbage.status != 0)
        #expect(garbage.standardError.contains("<stdin>"), "\(garbage.standardError)")
        let empty = try runConic(["nn", "certify", "--network", "-", "--data", data.path, "--beta", "0.1", "--quiet"])
        #expect(empty.status != 0)
        #expect(empty.standardError.contains("<stdin>") && empty.standardError.contains("empty"), "\(empty.standardError)")
    }
}
