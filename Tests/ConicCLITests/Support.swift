import Foundation
import Testing

/// What a run of the `conic` executable printed and how it ended.
struct CommandOutput {
    var status: Int32
    var standardOutput: String
    var standardError: String

    /// The standard output as one JSON object (a failed expectation when it is not one).
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(standardOutput.utf8)) as? [String: Any]
        return try #require(object, "not a JSON object: \(standardOutput)", sourceLocation: sourceLocation)
    }
}

/// The `conic` executable `swift test` built next to this test bundle.
let conicExecutable: URL = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for candidate in [directory, directory.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("conic")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return directory.appendingPathComponent("conic")
}()

/// Runs `conic` with `arguments`, feeding `input` on standard input (empty when nil). The output
/// goes through files, so a large output cannot block the process on a full pipe.
func runConic(_ arguments: [String], input: Data? = nil) throws -> CommandOutput {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conic-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let paths = ["in", "out", "err"].map { directory.appendingPathComponent($0) }
    try (input ?? Data()).write(to: paths[0])
    for path in paths[1...] { try Data().write(to: path) }
    let process = Process()
    process.executableURL = conicExecutable
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: paths[0])
    process.standardOutput = try FileHandle(forWritingTo: paths[1])
    process.standardError = try FileHandle(forWritingTo: paths[2])
    try process.run()
    process.waitUntilExit()
    return CommandOutput(status: process.terminationStatus,
                         standardOutput: String(decoding: try Data(contentsOf: paths[1]), as: UTF8.self),
                         standardError: String(decoding: try Data(contentsOf: paths[2]), as: UTF8.self))
}

/// A file in a fresh temporary directory holding `contents`.
func temporaryFile(named name: String, contents: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conic-cli-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(contents.utf8).write(to: url)
    return url
}

/// A small regression data set (CSV with a header; y = a ReLU of the features plus a little noise).
let smallRegressionCSV: String = {
    var lines = ["x1,x2,y"]
    for i in 0..<12 {
        let x1 = Double(i) / 6 - 1, x2 = sin(Double(i))
        let y = max(0, x1 + 0.5 * x2) - 0.3 * x2 + 0.01 * cos(Double(7 * i))
        lines.append("\(x1),\(x2),\(y)")
    }
    return lines.joined(separator: "\n") + "\n"
}()
