@testable import ConicCLI
import Foundation
import Testing

/// `--bias regularized|free` means the same on every `nn` command; the old spellings keep theirs.
@Suite struct BiasArgumentTests {
    @Test("--bias regularized|free is written as each command's own flag")
    func spellings() throws {
        let data = ["--data", "d.csv", "--beta", "1"]
        #expect(try BiasSpelling.normalized(["nn", "train"] + data + ["--bias", "free"]) == ["nn", "train"] + data + ["--free-bias"])
        #expect(try BiasSpelling.normalized(["nn", "train", "--bias=regularized"] + data) == ["nn", "train", "--bias"] + data)
        #expect(try BiasSpelling.normalized(["nn", "sgd", "--bias", "free", "--width", "3"]) == ["nn", "sgd", "--free-bias", "--width", "3"])
        #expect(try BiasSpelling.normalized(["nn", "cutting-plane", "--bias", "free"]) == ["nn", "cutting-plane", "--bias"])
        #expect(try BiasSpelling.normalized(["nn", "spline", "--bias=free"]) == ["nn", "spline", "--bias"])
        // Old spellings pass unchanged: a plain --bias followed by another option, or at the end.
        for command in ["train", "cutting-plane", "three-layer", "closed-form"] {
            let old = ["nn", command, "--bias", "--data", "d.csv", "--free-bias", "--bias"]
            #expect(try BiasSpelling.normalized(old) == old)
        }
        // Outside `nn`, and after `--`, nothing is touched.
        #expect(try BiasSpelling.normalized(["solve", "--bias", "free"]) == ["solve", "--bias", "free"])
        #expect(try BiasSpelling.normalized(["solve", "nn", "train", "--bias", "free"]) == ["solve", "nn", "train", "--bias", "free"])
        #expect(try BiasSpelling.normalized(["nn", "train", "--", "--bias", "free"]) == ["nn", "train", "--", "--bias", "free"])
    }

    @Test("A kind of bias a command does not have, or a wrong value, is a usage error")
    func refusals() {
        #expect(throws: (any Error).self) { try BiasSpelling.normalized(["nn", "cutting-plane", "--bias", "regularized"]) }
        #expect(throws: (any Error).self) { try BiasSpelling.normalized(["nn", "svm1d", "--bias=regularized"]) }
        #expect(throws: (any Error).self) { try BiasSpelling.normalized(["nn", "three-layer", "--bias", "free"]) }
        #expect(throws: (any Error).self) { try BiasSpelling.normalized(["nn", "train", "--bias=maybe"]) }
        let run = try? runConic(["nn", "cutting-plane", "--data", "x.csv", "--bias", "regularized"])
        #expect(run?.status == 64)
        #expect(run?.standardError.contains("has no regularized bias") == true)
    }

    @Test("nn train: --bias free is --free-bias, --bias regularized is the plain --bias")
    func trainingAgrees() throws {
        let file = try temporaryFile(named: "small.csv", contents: smallRegressionCSV)
        func objective(_ bias: [String]) throws -> Double {
            let run = try runConic(["nn", "train", "--data", file.path, "--beta", "0.1", "--quiet", "--json"] + bias)
            #expect(run.status == 0, "\(run.standardError)")
            return try #require(try run.jsonObject()["objective"] as? Double)
        }
        let free = try objective(["--bias", "free"]), regularized = try objective(["--bias", "regularized"])
        #expect(free == (try objective(["--free-bias"])))
        #expect(regularized == (try objective(["--bias"])))
        // A free bias is a relaxation of a regularized one: never worse, and here strictly better.
        #expect(free < regularized)
    }
}
