@testable import ConicCLI
import Foundation
import Testing

/// `closed-form` and `convex-rf` print labelled, readable reports that say what their `--json` says.
@Suite struct TextReportTests {
    /// Text no report may contain: Swift's own renderings of dictionaries, optionals and nulls.
    static let dumps = ["<null>", "[[", "[\"", "Optional(", "NSNull", "\":"]

    @Test("Values are formatted for reading; keys without a line are still shown")
    func formatting() {
        #expect(TextReport.format(NSNull()) == "none")
        #expect(TextReport.format(true) == "yes" && TextReport.format(0.25) == "0.25" && TextReport.format(Double.nan) == "none")
        #expect(TextReport.format([1.5, -2.0]) == "1.5, -2")
        #expect(TextReport.format([["seed": 2, "objective": 1.5, "diverged": false]] as [[String: Any]])
                == "seed 2: diverged no, objective 1.5")
        let report = TextReport(title: "title", lines: [.init(label: "the value", key: "a", note: "(note)"),
                                                        .init(label: "time", key: "t", seconds: true)],
                                omitted: ["hidden"])
        let text = report.render(["a": 1.0, "t": 0.12345, "hidden": 3, "extra_key": NSNull()])
        #expect(text == "title\nthe value: 1  (note)\ntime:      0.123 s\nextra_key: none")
    }

    @Test("nn closed-form: the two-neuron report")
    func closedForm() throws {
        // n = 4 samples in d = 6 dimensions (the two-neuron form needs n ≤ d), scalar targets.
        var rows: [String] = [], state: UInt64 = 12345
        for i in 0..<4 {
            let x = (0..<6).map { _ -> Double in
                state = state &* 6364136223846793005 &+ 1442695040888963407   // an LCG: generic, full-rank rows
                return Double(state >> 11) / Double(1 << 53) - 0.5
            }
            rows.append((x + [Double(i % 2 == 0 ? 1 : -0.5) + 0.1 * Double(i)]).map { String($0) }.joined(separator: ","))
        }
        let file = try temporaryFile(named: "interpolate.csv", contents: rows.joined(separator: "\n") + "\n")
        let arguments = ["nn", "closed-form", "--data", file.path, "--whiten", "--quiet", "--starts", "16"]
        let text = try runConic(arguments), json = try runConic(arguments + ["--json"])
        #expect(text.status == 0 && json.status == 0, "\(text.standardError)")
        for dump in Self.dumps { #expect(!text.standardOutput.contains(dump), "\(dump) in \(text.standardOutput)") }
        let objective = try #require(try json.jsonObject()["objective"] as? Double)
        #expect(text.standardOutput.contains("objective ‖w‖₁:"))
        #expect(text.standardOutput.contains(String(format: "%.10g", objective)))
        #expect(text.standardOutput.hasPrefix("two-neuron minimum-norm interpolant (JMLR Lemma 3.1) on 4 samples, 6 features, whitened"))
    }

    @Test("nn convex-rf: the report of a small image set")
    func convexRF() throws {
        // 40 images of 6×6 pixels: class 0 bright on the left half, class 1 on the right, with a little texture.
        var rows: [String] = []
        for i in 0..<40 {
            let label = i % 2
            let pixels = (0..<36).map { p -> Double in
                let column = p % 6
                let bright = (column < 3) == (label == 0)
                return (bright ? 0.8 : 0.1) + 0.1 * sin(Double(7 * i + 3 * p))
            }
            rows.append((pixels + [Double(label)]).map { String($0) }.joined(separator: ","))
        }
        let file = try temporaryFile(named: "images.csv", contents: rows.joined(separator: "\n") + "\n")
        let arguments = ["nn", "convex-rf", "--data", file.path, "--patch-size", "3", "--filters", "8", "--quiet"]
        let text = try runConic(arguments), json = try runConic(arguments + ["--json"])
        #expect(text.status == 0 && json.status == 0, "\(text.standardError)")
        for dump in Self.dumps { #expect(!text.standardOutput.contains(dump), "\(dump) in \(text.standardOutput)") }
        let accuracy = try #require(try json.jsonObject()["test_accuracy"] as? Double)
        #expect(text.standardOutput.contains("test accuracy:     " + String(format: "%.10g", accuracy)))
        #expect(text.standardOutput.contains("Convex-RF (JMLR Algorithm 2): 32 training and 8 test images, 2 classes"))
    }
}
