import Foundation
import Testing
@testable import ConicIO
@testable import ConicSolver
import ConicTestSupport

// MARK: - Helpers

/// The line number and message of the parse error thrown for `text`, or nil if none is thrown.
private func sdpaParseError(_ text: String, fileName: String = "<input>") -> (line: Int, message: String)? {
    expectedParseError(text, fileName: fileName) { try SDPAReader.parse($0, fileName: $1) }
}

/// Whether two problems have the same data.
private func sdpaSameProblem(_ a: ConicProblem, _ b: ConicProblem) -> Bool {
    a.A == b.A && a.b == b.b && a.q == b.q && a.cones == b.cones && a.P == b.P
        && a.objectiveConstant == b.objectiveConstant
}

/// `/work/shared/data/sdplib`, found from this file: the package root is three levels up.
private let sdpaDataDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/data/sdplib").standardizedFileURL

private let sdpaDataAvailable = FileManager.default.fileExists(
    atPath: sdpaDataDirectory.appendingPathComponent("reference.csv").path)

private let sqrt2 = 2.0.squareRoot()

// MARK: - Inline files

/// m = 2, a 2×2 PSD block and a diagonal block of size 2. The last entry repeats one before it.
private let tinySDPA = """
2
2
2 -2
1.5 -2
0 1 1 1 1.0
0 1 1 2 0.5
0 2 2 2 3.0
1 1 1 1 2.0
1 1 1 2 1.0
1 1 2 2 4.0
2 1 1 2 -1.0
2 2 1 1 5.0
2 2 2 2 6.0
2 2 2 2 1.0
"""

/// `tinySDPA` with comments, trailing text, braces, commas and parentheses, `c` over two lines,
/// lower-triangle entries, integral decimals and CRLF line ends.
private let decoratedSDPA = """
"A tiny problem: mDim = 2, nBLOCK = 2, {2, -2}"
* another comment
   2  =  mDIM
   2  =  nBLOCK
{2, -2} = bLOCKsTRUCT

{1.5,
 -2.0e0}
0 1 1 1 1.0
0 1 2 1 0.5
* a comment among the entries
0 2 2 2 3.0
1,1,1,1,2.0
1 1 2 1 1.0
(1 1 2 2 4.0)
2.0 1 2 1 -1.0
2 2 1 1 5.0
2 2 2 2 6.0
2 2 2 2 1.0  trailing comment

""".replacingOccurrences(of: "\n", with: "\r\n")

// MARK: - Tests

@Suite("SDPAReader")
struct SDPAReaderTests {

    @Test("a 2×2 PSD block and a diagonal block give the exact A, b, q and cones")
    func tinyProblem() throws {
        let problem = try SDPAReader.parse(tinySDPA)
        #expect(problem.variableCount == 2)
        #expect(problem.constraintCount == 5)
        #expect(problem.q == [1.5, -2])
        #expect(problem.cones == [.positiveSemidefinite(2), .nonnegative(2)])
        #expect(problem.P.nonzeroCount == 0)
        #expect(problem.objectiveConstant == 0)
        // Rows: svec of block 1 = (X11, √2·X12, X22), then the diagonal (X11, X22) of block 2.
        // b = −svec(F0), column i of A = −svec(Fi).
        #expect(problem.b == [-1, -0.5 * sqrt2, 0, 0, -3])
        let expectedA: [[Double]] = [
            [-2, 0],
            [-sqrt2, sqrt2],
            [-4, 0],
            [0, -5],
            [0, -7], // 6 + 1: duplicated entries are summed
        ]
        #expect(testDense(problem.A) == expectedA)
        // The explicit entries are stored, nothing else.
        #expect(problem.A.nonzeroCount == 6)
    }

    @Test("the slack s = b − Ax is svec(Σ xᵢFᵢ − F₀) and the objective is cᵀx")
    func slackIsSvecOfX() throws {
        let problem = try SDPAReader.parse(tinySDPA)
        let x = [0.5, -1.0]
        // Block 1: x1·F1 + x2·F2 − F0 = [[1 − 1, 0.5 + 1 − 0.5], [·, 2]] = [[0, 1], [1, 2]].
        // Block 2: diag(−5, −7) − diag(0, 3) = diag(−5, −10).
        let s = testSlack(problem, x)
        let expected = [0, sqrt2, 2, -5, -10]
        for (got, want) in zip(s, expected) { #expect(abs(got - want) < 1e-14) }
        #expect(abs(problem.objective(at: x) - (1.5 * 0.5 + 2)) < 1e-15)
    }

    @Test("header lists with braces, commas, parentheses, comments and trailing text")
    func decoratedSyntax() throws {
        let plain = try SDPAReader.parse(tinySDPA)
        let decorated = try SDPAReader.parse(decoratedSDPA)
        #expect(sdpaSameProblem(plain, decorated))
    }

    @Test("c in braces on one line and block sizes over several lines")
    func listsOverLines() throws {
        let text = """
        3 trailing text on the m line
        3 blocks here
        1
        -1
        2
        {1.0, 2.0, 3.0}
        1 1 1 1 1
        2 2 1 1 1
        3 3 2 2 1
        """
        let problem = try SDPAReader.parse(text)
        #expect(problem.q == [1, 2, 3])
        // Order 1 stays PSD(1); −1 is nonnegative(1).
        #expect(problem.cones == [.positiveSemidefinite(1), .nonnegative(1), .positiveSemidefinite(2)])
        #expect(problem.constraintCount == 5)
        #expect(testDense(problem.A) == [[-1, 0, 0], [0, -1, 0], [0, 0, 0], [0, 0, 0], [0, 0, -1]])
    }

    @Test("lower-triangle entries are read as the upper triangle")
    func lowerTriangleSwapped() throws {
        let header = "1\n1\n3\n1\n"
        let upper = try SDPAReader.parse(header + "0 1 1 3 2.0\n1 1 2 3 -1.5\n1 1 1 2 4\n")
        let lower = try SDPAReader.parse(header + "0 1 3 1 2.0\n1 1 3 2 -1.5\n1 1 2 1 4\n")
        #expect(sdpaSameProblem(upper, lower))
        // svec order of an order-3 block: (1,1) (1,2) (2,2) (1,3) (2,3) (3,3).
        #expect(upper.b == [0, 0, 0, -2 * sqrt2, 0, 0])
        #expect(testDense(upper.A).map { $0[0] } == [0, -4 * sqrt2, 0, 0, 1.5 * sqrt2, 0])
    }

    @Test("explicit zero entries are checked but not stored")
    func zeroEntries() throws {
        let problem = try SDPAReader.parse("1\n1\n2\n1\n1 1 1 2 0\n1 1 1 1 0.0\n0 1 2 2 0\n")
        #expect(problem.A.nonzeroCount == 0)
        #expect(problem.b == [0, 0, 0])
        #expect(sdpaParseError("1\n1\n2\n1\n1 1 1 3 0\n")?.line == 5)
    }

    @Test("malformed input reports the right line", arguments: [
        // (text, line, part of the message)
        ("", 0, "no data"),
        ("\"only a comment\"\n\n", 0, "no data"),
        ("0\n1\n2\n\n", 1, "m is 0"),
        ("-2\n1\n2\n1 2\n", 1, "m is -2"),
        ("abc\n1\n2\n1\n", 1, "expected the number of constraint matrices"),
        ("2x\n1\n2\n1 2\n", 1, "not a valid integer"),
        ("1.5\n1\n2\n1\n", 1, "not a valid integer"),
        ("\"c\"\n1\n", 2, "file ends before the number of blocks"),
        ("1\n0\n2\n1\n", 2, "nblocks is 0"),
        ("1\n2\n2 0\n1\n", 3, "block 2 has size 0"),
        ("1\n2\n2 3 4\n1\n", 3, "nblocks = 2"),
        ("1\n3\n2 3\n", 3, "the file ends"),
        ("1\n1\n100000\n1\n", 3, "rows past"),
        ("1\n1\n2\n", 3, "file ends before c"),
        ("2\n1\n2\n1.0\n", 4, "c has only 1 entry,"),
        ("3\n1\n2\n1.0 2.0\n0 1 1 1 1.0\n", 4, "does not complete it"),
        ("2\n1\n2\n1 2 3\n", 4, "c has 3 entries"),
        ("2\n1\n2\n1 nan\n", 4, "NaN and infinite"),
        ("2\n1\n2\n1 -inf\n", 4, "NaN and infinite"),
        ("2\n1\n2\n1 1.0.0\n", 4, "not a valid number"),
        ("1\n1\n2\n1\n0 1 1 1 1\n0 2 1 1 1\n", 6, "block number 2 is out of range 1...1"),
        ("1\n1\n2\n1\n0 0 1 1 1\n", 5, "block number 0"),
        ("1\n1\n2\n1\n0 1 3 1 1\n", 5, "row index i = 3 is out of range 1...2"),
        ("1\n1\n2\n1\n0 1 1 0 1\n", 5, "column index j = 0"),
        ("1\n2\n2 -3\n1\n0 2 1 2 1\n", 5, "off the diagonal of block 2"),
        ("1\n2\n2 -3\n1\n0 2 4 4 1\n", 5, "out of range 1...3"),
        ("2\n1\n2\n1 1\n3 1 1 1 1\n", 5, "matrix number 3 is out of range 0...2"),
        ("2\n1\n2\n1 1\n-1 1 1 1 1\n", 5, "matrix number -1"),
        ("1\n1\n2\n1\n1 1 1 1 1.0x\n", 5, "not a valid number"),
        ("1\n1\n2\n1\n1 1 1 1 inf\n", 5, "NaN and infinite"),
        ("1\n1\n2\n1\n1 1 1 1 NaN\n", 5, "NaN and infinite"),
        ("1\n1\n2\n1\n1 1 1 1e400 1\n", 5, "not a valid integer"),
        ("1\n1\n2\n1\n1 1 1 1\n", 5, "found 4 numbers"),
        ("1\n1\n2\n1\n1 1 1 1 1 1\n", 5, "found 6 numbers"),
        ("1\n1\n2\n1\nend\n", 5, "found 'end'"),
        ("1\n1\n2\n1\n1 1 1 99999999999999999999 1\n", 5, "too large"),
        ("1\n1\n2\n1\n1 1 1 1 1e308\n1 1 1 2 1.5e308\n", 6, "not finite"),
        ("1\n1\n2\n1\n0 1 1 1 1e308\n0 1 1 1 1e308\n", 0, "non-finite"), // duplicates sum to −∞
        ("\"x\"\n* y\n\n1\n1\n2\n1\n\n1 1 1 1 1\n1 1 1 3 1\n", 10, "column index j = 3"),
    ] as [(String, Int, String)])
    func malformed(text: String, line: Int, fragment: String) {
        guard let error = sdpaParseError(text, fileName: "bad.dat-s") else {
            Issue.record("no error for \(text.debugDescription)")
            return
        }
        #expect(error.line == line, "\(error.message)")
        #expect(error.message.contains(fragment), "message: \(error.message)")
    }

    @Test("an unreadable file throws ConicError.io")
    func missingFile() {
        #expect {
            _ = try SDPAReader.read(path: "/nonexistent/dir/missing.dat-s")
        } throws: { error in
            if case ConicError.io = error { return true }
            return false
        }
    }

    @Test("read(path:) reads a file and names it in errors")
    func readFromDisk() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sdpa-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("tiny.dat-s")
        try tinySDPA.write(to: good, atomically: true, encoding: .utf8)
        #expect(sdpaSameProblem(try SDPAReader.read(path: good.path), try SDPAReader.parse(tinySDPA)))
        let bad = directory.appendingPathComponent("bad.dat-s")
        try "1\n1\n2\n1\n1 1 1 1 x1\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect {
            _ = try SDPAReader.read(path: bad.path)
        } throws: { error in
            if case let ConicError.parse(file, line, _) = error { return file == bad.path && line == 5 }
            return false
        }
    }

    @Test("SDPLIB files match reference.csv counts", .enabled(if: sdpaDataAvailable))
    func sdplibCounts() throws {
        let csv = try String(contentsOf: sdpaDataDirectory.appendingPathComponent("reference.csv"), encoding: .utf8)
        var reference: [String: (vars: Int, constraints: Int)] = [:]
        for line in csv.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 3, let n = Int(fields[1]), let rows = Int(fields[2]) else { continue }
            reference[String(fields[0])] = (n, rows)
        }
        // Small files covering: a 1×1 block (truss1), LP blocks (arch0), braces and commas in c
        // (gpp100, mcp100), a quoted comment line (qap6), several blocks (hinf2, control1).
        let names = ["truss1", "truss4", "control1", "hinf2", "theta1", "arch0", "mcp100", "gpp100", "qap6"]
        for name in names {
            guard let expected = reference[name] else {
                Issue.record("\(name) is not in reference.csv")
                continue
            }
            let problem = try SDPAReader.read(path: sdpaDataDirectory.appendingPathComponent("\(name).dat-s").path)
            #expect(problem.variableCount == expected.vars, "\(name)")
            let orders = problem.cones.reduce(0) { total, cone in
                switch cone {
                case let .positiveSemidefinite(k), let .nonnegative(k): return total + k
                case .zero, .secondOrder, .exponential, .dualExponential, .power, .dualPower:
                    return total + 1_000_000 // never produced
                }
            }
            #expect(orders == expected.constraints, "\(name)")
        }
    }

    /// SDPA 7.3.16 on truss1 prints xVec and xMat = X = Σ xᵢFᵢ − F₀ (4 significant digits) and
    /// objValPrimal = −8.9999963e+00, the value reference.csv lists (−8.999996): the slack at
    /// SDPA's x must be svec(xMat), and the objective cᵀx must match without a sign change.
    @Test("truss1: s at SDPA's solution is svec(xMat) and cᵀx is SDPLIB's value", .enabled(if: sdpaDataAvailable))
    func truss1AgainstSDPA() throws {
        let problem = try SDPAReader.read(path: sdpaDataDirectory.appendingPathComponent("truss1.dat-s").path)
        #expect(problem.cones == Array(repeating: .positiveSemidefinite(2), count: 6) + [.positiveSemidefinite(1)])
        let x = [-9.000e+00, 3.000e+00, 9.000e+00, -2.018e+00, 6.982e+00, -1.000e+00]
        // xMat blocks as (X11, X12, X22), then the 1×1 block.
        let blocks: [[Double]] = [[1, 0, 9], [1, -3, 9], [1, -2.482, 9], [1, 2.018, 9], [1, 3, 9], [1, 2.018, 9]]
        var expected: [Double] = []
        for block in blocks { expected += [block[0], sqrt2 * block[1], block[2]] }
        expected.append(0)
        let s = testSlack(problem, x)
        #expect(s.count == expected.count)
        for (got, want) in zip(s, expected) { #expect(abs(got - want) < 5e-3, "\(s) vs \(expected)") }
        #expect(abs(problem.objective(at: x) - -8.999996) < 1e-3)
    }
}
