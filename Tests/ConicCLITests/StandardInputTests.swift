import Foundation
import Testing

/// `-` reads standard input wherever the command line names a file to read.
@Suite struct StandardInputTests {
    /// min x + 2y  s.t.  x + y ≥ 1, x, y ≥ 0: the optimum 1 at (1, 0).
    static let lp = """
        NAME STDIN
        ROWS
         N obj
         G c1
        COLUMNS
            x obj 1 c1 1
            y obj 2 c1 1
        RHS
            rhs c1 1
        ENDATA

        """

    @Test("conic solve - reads the problem from standard input, with or without --format")
    func solve() throws {
        for arguments in [["solve", "-", "--json"], ["solve", "-", "--format", "qps", "--json"]] {
            let run = try runConic(arguments, input: Data(Self.lp.utf8))
            #expect(run.status == 0, "\(run.standardError)")
            let object = try run.jsonObject()
            #expect(object["status"] as? String == "solved")
            #expect(abs((object["objective"] as? Double ?? .nan) - 1) < 1e-7)
        }
        // The wrong format is the flag's choice, and the message names standard input.
        let wrong = try runConic(["solve", "-", "--format", "sdpa"], input: Data(Self.lp.utf8))
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("<stdin>") && !wrong.standardError.contains("conic-stdin-"), "\(wrong.standardError)")
    }

    @Test("nn train --data - gives what the same file gives; a bad row names <stdin> and its line")
    func data() throws {
        let file = try temporaryFile(named: "small.csv", contents: smallRegressionCSV)
        let common = ["nn", "train", "--beta", "0.1", "--quiet", "--json"]
        let fromFile = try runConic(common + ["--data", file.path])
        let fromInput = try runConic(common + ["--data", "-"], input: Data(smallRegressionCSV.utf8))
        #expect(fromFile.status == 0 && fromInput.status == 0, "\(fromInput.standardError)")
        let objective = try #require(try fromFile.jsonObject()["objective"] as? Double)
        #expect(try fromInput.jsonObject()["objective"] as? Double == objective)
        let ragged = try runConic(common + ["--data", "-"], input: Data("a,b,y\n1,2,3\n4,5\n".utf8))
        #expect(ragged.status == 1)
        #expect(ragged.standardError.contains("<stdin>:3: row has 2 fields, expected 3"), "\(ragged.standardError)")
    }

    static let gzip = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("Compressed data on standard input is recognised by its magic bytes", .enabled(if: gzip != nil))
    func compressed() throws {
        let file = try temporaryFile(named: "small.csv", contents: smallRegressionCSV)
        let zip = Process()
        zip.executableURL = URL(fileURLWithPath: Self.gzip!)
        zip.arguments = ["-k", file.path]
        try zip.run()
        zip.waitUntilExit()
        let compressed = try Data(contentsOf: URL(fileURLWithPath: file.path + ".gz"))
        let common = ["nn", "train", "--beta", "0.1", "--quiet", "--json"]
        let fromInput = try runConic(common + ["--data", "-"], input: compressed)
        let fromFile = try runConic(common + ["--data", file.path])
        #expect(fromInput.status == 0, "\(fromInput.standardError)")
        #expect(try fromInput.jsonObject()["objective"] as? Double == (try fromFile.jsonObject()["objective"] as? Double))
    }
}
