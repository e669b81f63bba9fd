import Foundation
import Testing

/// docs/json-schema.md lists every key the commands write with `--json`: the fast commands are run
/// and each key they print (nested keys by their own name) must appear in the command's section.
@Suite struct JSONSchemaDocumentationTests {
    static let document: String? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/json-schema.md")
        return try? String(contentsOf: url, encoding: .utf8)
    }()

    /// The text of the sections whose heading contains one of `names`.
    static func sections(_ names: [String]) -> String {
        guard let document else { return "" }
        return document.components(separatedBy: "\n## ").filter { section in
            let heading = section.prefix { $0 != "\n" }
            return names.contains { heading.contains($0) }
        }.joined(separator: "\n")
    }

    /// Every key of a JSON value: object keys, and those of objects inside it (arrays included).
    static func keys(of value: Any) -> Set<String> {
        switch value {
        case let object as [String: Any]:
            return object.reduce(into: Set(object.keys)) { $0.formUnion(keys(of: $1.value)) }
        case let list as [Any]:
            return list.reduce(into: Set<String>()) { $0.formUnion(keys(of: $1)) }
        default:
            return []
        }
    }

    func expectDocumented(_ arguments: [String], sections names: [String], input: Data? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try runConic(arguments + ["--json"], input: input)
        #expect(run.status == 0, "\(arguments): \(run.standardError)", sourceLocation: sourceLocation)
        let text = Self.sections(names)
        #expect(!text.isEmpty, "no section \(names) in docs/json-schema.md", sourceLocation: sourceLocation)
        let missing = Self.keys(of: try run.jsonObject()).filter { !text.contains("`\($0)`") }
        #expect(missing.isEmpty, "\(arguments.prefix(2)) writes keys docs/json-schema.md does not list: \(missing.sorted())",
                sourceLocation: sourceLocation)
    }

    @Test("Every key of solve, export and the nn commands is documented", .enabled(if: document != nil))
    func documented() throws {
        let data = try temporaryFile(named: "small.csv", contents: smallRegressionCSV).path
        let network = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("net.json").path
        try expectDocumented(["solve", "-"], sections: ["conic solve"], input: Data(StandardInputTests.lp.utf8))
        let solution = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("solution.json")
        let solve = try runConic(["solve", "-", "--solution", solution.path], input: Data(StandardInputTests.lp.utf8))
        #expect(solve.status == 0)
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: solution))
        let solveSection = Self.sections(["conic solve"])
        #expect(Self.keys(of: written).filter { !solveSection.contains("`\($0)`") }.isEmpty)
        try expectDocumented(["nn", "train", "--data", data, "--beta", "0.1", "--quiet", "--bias", "--test-fraction", "0.25",
                              "--save-network", network],
                             sections: ["conic nn train", "Certificate keys"])
        try expectDocumented(["nn", "certify", "--network", network, "--data", data, "--beta", "0.1", "--quiet", "--bias"],
                             sections: ["conic nn certify", "conic nn train", "Certificate keys"])
        try expectDocumented(["nn", "train", "--data", data, "--beta", "0.1", "--quiet", "--bias", "--output-bias"],
                             sections: ["conic nn train", "Certificate keys"])
        try expectDocumented(["nn", "sgd", "--data", data, "--beta", "0.1", "--width", "4", "--epochs", "20", "--quiet",
                              "--test-fraction", "0.25"], sections: ["conic nn sgd"])
        try expectDocumented(["nn", "extreme-points", "--data", data], sections: ["conic nn extreme-points"])
        try expectDocumented(["nn", "spike-free", "--data", data, "--starts", "10"], sections: ["conic nn spike-free"])
        try expectDocumented(["nn", "three-layer", "--data", data, "--beta", "0.1", "--quiet"], sections: ["conic nn three-layer"])
        // Two features with different singular values: the nuclear-norm kind.
        try expectDocumented(["nn", "deep", "--data", data, "--beta", "0.1", "--quiet", "--gd-seeds", "1", "--gd-epochs", "50",
                              "--test-fraction", "0.25"], sections: ["conic nn deep"])
        let line = (0..<15).map { i -> String in
            let t = Double(i) / 7 - 1
            return "\(t),\(sin(3 * t))"
        }.joined(separator: "\n") + "\n"
        let oneDimensional = try temporaryFile(named: "line.csv", contents: line).path
        try expectDocumented(["nn", "spline", "--data", oneDimensional, "--quiet"], sections: ["conic nn spline"])
        try expectDocumented(["nn", "spline", "--data", oneDimensional, "--beta", "0.01", "--quiet", "--gd-runs", "1",
                              "--gd-epochs", "20"], sections: ["conic nn spline"])
        try expectDocumented(["nn", "cutting-plane", "--data", data, "--beta", "0.1", "--quiet", "--test-fraction", "0.25"],
                             sections: ["conic nn cutting-plane"])
    }
}
