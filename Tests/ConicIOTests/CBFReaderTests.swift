import Foundation
import Testing
@testable import ConicIO
@testable import ConicSolver
import ConicTestSupport

// MARK: - Helpers

/// The line number and message of the parse error thrown for `text`, or nil if none is thrown.
private func cbfParseError(_ text: String, fileName: String = "<input>") -> (line: Int, message: String)? {
    expectedParseError(text, fileName: fileName) { try CBFReader.parse($0, fileName: $1) }
}

private func cbfInSOC(_ s: [Double], margin: Double = 0) -> Bool {
    guard let t = s.first else { return false }
    return t - s.dropFirst().reduce(0) { $0 + $1 * $1 }.squareRoot() >= margin
}

private func cbfInRotated(_ u: [Double], margin: Double = 0) -> Bool {
    guard u.count >= 2 else { return false }
    let rest = u.dropFirst(2).reduce(0) { $0 + $1 * $1 }
    return u[0] >= margin && u[1] >= margin && 2 * u[0] * u[1] - rest >= margin
}

/// A fresh temporary directory.
private func cbfTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cbf-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Compresses `file` with `/usr/bin/gzip`, keeping it; returns the `.gz` file.
private func cbfGzip(_ file: URL) throws -> URL {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
    process.arguments = ["-k", "-f", file.path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return URL(fileURLWithPath: file.path + ".gz")
}

private let cbfGzipAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip")

/// `/work/shared/data/cblib`, found from this file: the package root is three levels up.
private let cbfDataDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/data/cblib").standardizedFileURL

private let cbfDataAvailable = FileManager.default.fileExists(
    atPath: cbfDataDirectory.appendingPathComponent("reference.csv").path)

// MARK: - Inline files

/// Every variable cone, no CON section, no OBJSENSE (defaults to MIN).
private let variableConesCBF = """
# variable cones only
VER
1

VAR
9 5
L+ 2
L- 1
L= 1
Q 3
F 2
"""

/// Every constraint cone with ACOORD and BCOORD; free variables.
private let constraintConesCBF = """
VER
3
OBJSENSE
MIN
VAR
2 1
F 2
CON
8 5
L+ 1
L- 1
L= 1
F 2
Q 3
OBJACOORD
2
0 1.5
1 -2
OBJBCOORD
4.25
ACOORD
10
0 0 1.0
0 1 2.0
1 0 3.0
2 1 4.0
3 0 5.0
4 1 6.0
5 0 7.0
6 1 8.0
7 0 9.0
3 1 1e3
BCOORD
4
0 -1
1 2
2 3
5 0.5
"""

// MARK: - Tests

@Suite("CBFReader")
struct CBFReaderTests {

    @Test("variable cones F, L+, L-, L=, Q become rows on x")
    func variableCones() throws {
        let model = try CBFReader.parseModel(variableConesCBF)
        let p = model.problem
        #expect(model.version == 1)
        #expect(!model.isMaximization)
        #expect(model.variableCount == 9)
        #expect(model.constraintCount == 0)
        #expect(model.variableCones == [.init(.nonnegative, 2), .init(.nonpositive, 1), .init(.zero, 1),
                                        .init(.quadratic, 3), .init(.free, 2)])
        #expect(model.constraintCones.isEmpty)
        #expect(p.variableCount == 9)
        #expect(p.q == [Double](repeating: 0, count: 9))
        #expect(p.objectiveConstant == 0)
        #expect(p.P.nonzeroCount == 0)
        #expect(p.cones == [.nonnegative(3), .zero(1), .secondOrder(3)])
        #expect(p.b == [Double](repeating: 0, count: 7))
        #expect(testDense(p.A) == [
            [-1, 0, 0, 0, 0, 0, 0, 0, 0],
            [0, -1, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, 1, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, -1, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, -1, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, -1, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, -1, 0, 0],
        ])
    }

    @Test("constraint cones L+, L-, L=, F, Q map g = Ax + b to s")
    func constraintCones() throws {
        let model = try CBFReader.parseModel(constraintConesCBF)
        let p = model.problem
        #expect(model.version == 3)
        #expect(model.variableCount == 2)
        #expect(model.constraintCount == 8)
        #expect(model.constraintCones == [.init(.nonnegative, 1), .init(.nonpositive, 1), .init(.zero, 1),
                                          .init(.free, 2), .init(.quadratic, 3)])
        #expect(p.q == [1.5, -2])
        #expect(p.objectiveConstant == 4.25)
        // L+ row: −a + s = b; L- row: a + s = −b; L= row: −a = b; F rows dropped; Q rows: −a + s = b.
        #expect(testDense(p.A) == [
            [-1, -2],
            [3, 0],
            [0, -4],
            [-7, 0],
            [0, -8],
            [-9, 0],
        ])
        #expect(p.b == [-1, -2, 3, 0.5, 0, 0])
        #expect(p.cones == [.nonnegative(2), .zero(1), .secondOrder(3)])
        // The slack is the CBF affine expression (negated for L-).
        let x = [0.25, -1.5]
        let s = testSlack(p, x)
        let g = [1 * x[0] + 2 * x[1] - 1, 3 * x[0] + 2, 4 * x[1] + 3, 7 * x[0] + 0.5, 8 * x[1], 9 * x[0]]
        #expect(s == [g[0], -g[1], g[2], g[3], g[4], g[5]])
    }

    @Test("CON rows come before VAR rows; nonnegative and zero cones merge across the boundary")
    func order() throws {
        let p = try CBFReader.parse("""
            VER
            2
            VAR
            3 3
            L+ 1
            F 1
            L= 1
            CON
            2 2
            L= 1
            L+ 1
            ACOORD
            2
            0 1 1
            1 2 1
            """)
        // CON: zero(1), nonneg(1); VAR: nonneg(1) merges with the CON one, then zero(1).
        #expect(p.cones == [.zero(1), .nonnegative(2), .zero(1)])
        #expect(testDense(p.A) == [[0, -1, 0], [0, 0, -1], [-1, 0, 0], [0, 0, -1]])
        #expect(p.b == [0, 0, 0, 0])
    }

    @Test("OBJSENSE MAX negates the objective")
    func maximize() throws {
        let text = """
            VER
            1
            OBJSENSE
            MAX
            VAR
            2 1
            L+ 2
            OBJACOORD
            3
            0 1
            1 -3
            0 0.5
            OBJBCOORD
            -7
            """
        let model = try CBFReader.parseModel(text)
        #expect(model.isMaximization)
        #expect(model.problem.q == [-1.5, 3])
        #expect(model.problem.objectiveConstant == 7)
        let minimize = try CBFReader.parse(text.replacingOccurrences(of: "MAX", with: "MIN"))
        #expect(minimize.q == [1.5, -3])
        #expect(minimize.objectiveConstant == -7)
    }

    @Test("QR on variables: s = T x with T = [[h, h], [h, −h]] ⊕ I")
    func rotatedVariables() throws {
        let p = try CBFReader.parse("VER\n1\nVAR\n4 2\nQR 3\nL+ 1\n")
        let h = 0.5.squareRoot()
        #expect(p.cones == [.secondOrder(3), .nonnegative(1)])
        #expect(testDense(p.A) == [[-h, -h, 0, 0], [-h, h, 0, 0], [0, 0, -1, 0], [0, 0, 0, -1]])
        #expect(p.b == [0, 0, 0, 0])
        // 2·1·2 = 4 ≥ 1.9² = 3.61: inside; 2.1² = 4.41: outside.
        #expect(cbfInSOC(Array(testSlack(p, [1, 2, 1.9, 0]).prefix(3)), margin: 1e-3))
        #expect(!cbfInSOC(Array(testSlack(p, [1, 2, 2.1, 0]).prefix(3))))
    }

    @Test("QR on constraints: s = T g; membership is preserved", arguments: [3, 2, 5])
    func rotatedConstraints(dimension: Int) throws {
        // g = x + offset, with offset in BCOORD.
        let offset = (0..<dimension).map { Double($0 % 3) * 0.25 - 0.1 }
        var lines = ["VER", "3", "VAR", "\(dimension) 1", "F \(dimension)", "CON", "\(dimension) 1", "QR \(dimension)",
                     "ACOORD", "\(dimension)"]
        lines += (0..<dimension).map { "\($0) \($0) 1" }
        lines += ["BCOORD", "\(dimension)"] + offset.indices.map { "\($0) \(offset[$0])" }
        let p = try CBFReader.parse(lines.joined(separator: "\n"))
        #expect(p.cones == [.secondOrder(dimension)])
        let h = 0.5.squareRoot()
        #expect(abs(p.b[0] - h * (offset[0] + offset[1])) < 1e-15)
        #expect(abs(p.b[1] - h * (offset[0] - offset[1])) < 1e-15)
        if dimension > 2 { #expect(Array(p.b.dropFirst(2)) == Array(offset.dropFirst(2))) }
        var generator = SystemRandomNumberGenerator()
        var inside = 0
        for _ in 0..<500 {
            let g = (0..<dimension).map { _ in Double.random(in: -2...2, using: &generator) }
            let x = zip(g, offset).map { $0 - $1 }
            let s = testSlack(p, x)
            // Away from the boundary, g is in the rotated cone exactly when s = T g is in the SOC.
            if cbfInRotated(g, margin: 1e-6) {
                inside += 1
                #expect(cbfInSOC(s), "g = \(g), s = \(s)")
            } else if !cbfInRotated(g, margin: -1e-6) {
                #expect(!cbfInSOC(s, margin: -1e-9), "g = \(g), s = \(s)")
            }
            // T is orthogonal and symmetric: ‖s‖ = ‖g‖.
            let normG = g.reduce(0) { $0 + $1 * $1 }, normS = s.reduce(0) { $0 + $1 * $1 }
            #expect(abs(normG - normS) < 1e-12 * max(1, normG))
        }
        #expect(inside > 0)
    }

    @Test("comments, blank lines, tabs, CRLF and duplicate entries")
    func layout() throws {
        let text = "# header comment\r\nVER\r\n1\r\n\r\n  # indented comment\r\nVAR\r\n2\t1\r\nL+ 2\r\n"
            + "CON\r\n1 1\r\nL= 1\r\nACOORD\r\n3\r\n0 0 1\r\n0\t0  2.5e0\r\n0 1 -1E-1\r\nBCOORD\r\n2\r\n0 1\r\n0 +2\r\n"
        let p = try CBFReader.parse(text)
        #expect(testDense(p.A) == [[-3.5, 0.1], [-1, 0], [0, -1]])
        #expect(p.b == [3, 0, 0])
        #expect(p.cones == [.zero(1), .nonnegative(2)])
    }

    @Test("gzip files are detected by their magic bytes", .enabled(if: cbfGzipAvailable))
    func gzip() throws {
        let directory = try cbfTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("problem.cbf")
        try constraintConesCBF.write(to: plain, atomically: true, encoding: .utf8)
        let compressed = try cbfGzip(plain)
        let expected = try CBFReader.parse(constraintConesCBF)
        for url in [plain, compressed] {
            let p = try CBFReader.read(path: url.path)
            #expect(p.A == expected.A)
            #expect(p.b == expected.b)
            #expect(p.q == expected.q)
            #expect(p.cones == expected.cones)
            #expect(p.objectiveConstant == expected.objectiveConstant)
        }
        // Names do not matter: gzip data named .cbf, plain text named .cbf.gz.
        let gzipNamedPlain = directory.appendingPathComponent("renamed.cbf")
        try FileManager.default.copyItem(at: compressed, to: gzipNamedPlain)
        #expect(try CBFReader.read(path: gzipNamedPlain.path).A == expected.A)
        let plainNamedGzip = directory.appendingPathComponent("renamed.cbf.gz")
        try FileManager.default.copyItem(at: plain, to: plainNamedGzip)
        #expect(try CBFReader.read(path: plainNamedGzip.path).A == expected.A)

        // Parse errors in compressed files name the file and the line.
        let bad = directory.appendingPathComponent("bad.cbf")
        try "VER\n1\nVAR\n2 1\nL+ 3\n".write(to: bad, atomically: true, encoding: .utf8)
        let badGz = try cbfGzip(bad)
        #expect(throws: ConicError.parse(file: badGz.path, line: 5,
                                         message: "the cones of VAR cover more than the 2 variables declared on line 4")) {
            try CBFReader.read(path: badGz.path)
        }

        // A truncated gzip file is an I/O error, not a parse error.
        let whole = try Data(contentsOf: compressed)
        let truncated = directory.appendingPathComponent("truncated.cbf.gz")
        try whole.prefix(whole.count / 2).write(to: truncated)
        do {
            _ = try CBFReader.read(path: truncated.path)
            Issue.record("a truncated gzip file was read")
        } catch let ConicError.io(message) {
            #expect(message.contains(truncated.path))
        }
        // Corrupt compressed data.
        var corrupt = [UInt8](whole)
        for k in (corrupt.count / 2 - 8)..<(corrupt.count / 2 + 8) { corrupt[k] ^= 0x5a }
        let corrupted = directory.appendingPathComponent("corrupt.cbf.gz")
        try Data(corrupt).write(to: corrupted)
        do {
            _ = try CBFReader.read(path: corrupted.path)
            Issue.record("a corrupt gzip file was read")
        } catch ConicError.io {
        } catch ConicError.parse {
            // Corruption that still inflates to (wrong) text is caught by the CRC check or the parser.
        }
    }

    @Test("unreadable files give ConicError.io")
    func unreadable() throws {
        let missing = "/nonexistent/dir/file.cbf.gz"
        do {
            _ = try CBFReader.read(path: missing)
            Issue.record("expected an error")
        } catch let ConicError.io(message) {
            #expect(message.contains(missing))
        }
        let directory = try cbfTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ConicError.self) { try CBFReader.read(path: directory.path) }
    }

    @Test("INT sections, CBF 4 SVECPSD cones and malformed power cones are reported clearly")
    func unsupported() {
        let int = cbfParseError("VER\n1\nVAR\n2 1\nL+ 2\nINT\n1\n0\n")
        #expect(int?.line == 6)
        #expect(int?.message == "integer variables are not supported (INT section)")
        let svec = cbfParseError("VER\n3\nVAR\n3 1\nSVECPSD 3\n")
        #expect(svec?.line == 5)
        #expect(svec?.message.contains("SVECPSD cones in VAR or CON (CBF version 4) are not supported") == true)
        // Exponential and power cones are read (ExponentialConeTests); these are malformed.
        let exp = cbfParseError("VER\n3\nVAR\n4 1\nEXP 4\n")
        #expect(exp?.line == 5)
        #expect(exp?.message.contains("cones have dimension 3") == true)
        let pow = cbfParseError("VER\n3\nPOWCONES\n1 3\n3\n1\n1\n1\n")
        #expect(pow?.line == 4)
        #expect(pow?.message.contains("only 3-D power cones") == true)
        let powCone = cbfParseError("VER\n3\nVAR\n3 1\n@0:POW 3\n")
        #expect(powCone?.line == 5)
        #expect(powCone?.message.contains("refers to power cone 0, but POWCONES declares 0") == true)
        let negative = cbfParseError("VER\n3\nPOWCONES\n1 2\n2\n1\n-1\n")
        #expect(negative?.line == 7)
        #expect(negative?.message.contains("must be positive") == true)
    }

    @Test("malformed files give parse errors with line numbers")
    func malformed() {
        let head = "VER\n1\nVAR\n2 1\nF 2\nCON\n2 1\nL+ 2\n" // lines 1-8
        let cases: [(String, Int, String)] = [
            ("", 0, "the file is empty"),
            ("# only a comment\n\n", 0, "the file is empty"),
            ("VAR\n1 1\nF 1\n", 1, "must start with the VER keyword"),
            ("VER\n5\nVAR\n1 1\nF 1\n", 2, "unsupported CBF version 5"),
            ("VER\nx\n", 2, "'x' is not a valid integer (version)"),
            ("VER\n", 1, "VER must be followed by a line 'version', but the file ends"),
            ("VER\n1\nOBJSENSE\nMAXIMIZE\n", 4, "unknown objective sense 'MAXIMIZE'"),
            ("VER\n1\nOBJSENSE\nMIN\n", 0, "missing VAR section"),
            ("VER\n1\nFOO\n", 3, "unknown keyword 'FOO'"),
            ("VER\n1\nVAR 2 1\nF 2\n", 3, "the keyword VAR must be alone on its line"),
            ("VER\n1\nVAR\n5 2\nL+ 2\nF 2\n", 4, "VAR declares 5 variables but its 2 cones cover 4"),
            ("VER\n1\nVAR\n3 2\nL+ 2\n\nF 2\n", 7, "the cones of VAR cover more than the 3 variables declared on line 4"),
            ("VER\n1\nVAR\n3 2\nL+ 3\nOBJACOORD\n0\n", 6, "VAR (line 3) announces 2 cones but only 1 is given before OBJACOORD"),
            ("VER\n1\nVAR\n2 1\nX 2\n", 5, "unknown cone 'X'"),
            ("VER\n1\nVAR\n2 1\nL+ 0\n", 5, "dimension of the L+ cone is 0; it must be at least 1"),
            ("VER\n1\nVAR\n1 1\nQR 1\n", 5, "dimension of the QR cone is 1; it must be at least 2"),
            ("VER\n1\nVAR\n-1 0\n", 4, "number of variables is -1; it must be at least 0"),
            ("VER\n1\nVAR\n200000000 1\nF 200000000\n", 4, "number of variables is 200000000; at most 100000000 is supported"),
            ("VER\n1\nVAR\n1 1\nF 1\nVAR\n1 1\nF 1\n", 6, "duplicate VAR section (first at line 3)"),
            ("VER\n1\nVAR\n1 1\nF 1\nCON\n1\n", 7, "CON line has 1 field; expected 2"),
            ("VER\n1\nOBJACOORD\n0\nVAR\n1 1\nF 1\n", 3, "OBJACOORD must come after the VAR section"),
            ("VER\n1\nVAR\n1 1\nF 1\nACOORD\n0\n", 6, "ACOORD must come after the CON section"),
            (head + "ACOORD\n3\n0 0 1\n1 1 2\nBCOORD\n0\n", 13, "ACOORD (line 9) announces 3 entries but only 2 are given before BCOORD"),
            (head + "ACOORD\n3\n0 0 1\n1 1 2\n", 9, "ACOORD announces 3 entries but the file ends after 2"),
            (head + "ACOORD\n1\n0 0 1\n1 1 2\n", 12, "expected a keyword but found data; ACOORD (line 9) announces 1 entry"),
            (head + "ACOORD\n1\n2 0 1\n", 11, "row index 2 is out of range (valid: 0...1; CON declares 2 rows)"),
            (head + "ACOORD\n1\n0 -1 1\n", 11, "variable index -1 is out of range (valid: 0...1; VAR declares 2 variables)"),
            (head + "ACOORD\n1\n0 1.0 1\n", 11, "'1.0' is not a valid integer (variable index)"),
            (head + "ACOORD\n1\n0 0 1.5x\n", 11, "'1.5x' is not a valid number (coefficient)"),
            (head + "ACOORD\n1\n0 0 nan\n", 11, "value 'nan' is not finite"),
            (head + "ACOORD\n1\n0 0 1e999\n", 11, "value '1e999' is not finite"),
            (head + "ACOORD\n1\n0 0\n", 11, "ACOORD line has 2 fields; expected 3 (row, variable, value)"),
            (head + "ACOORD\n1\n0 0 1 2\n", 11, "ACOORD line has 4 fields; expected 3"),
            (head + "ACOORD\n-2\n", 10, "number of entries is -2; it must be at least 0"),
            (head + "ACOORD\n99999999999999999999\n", 10, "integer '99999999999999999999' is too large"),
            (head + "BCOORD\n1\n5 1\n", 11, "row index 5 is out of range"),
            (head + "BCOORD\n1\n0\n", 11, "BCOORD line has 1 field; expected 2 (row, value)"),
            (head + "OBJBCOORD\nabc\n", 10, "'abc' is not a valid number (objective constant)"),
            (head + "OBJACOORD\n1\n2 1\n", 11, "variable index 2 is out of range"),
            ("VER\n1\nVAR\n0 0\nOBJACOORD\n1\n0 1\n", 7, "variable index 0 is out of range (VAR declares 0 variables)"),
        ]
        for (text, line, message) in cases {
            guard let error = cbfParseError(text, fileName: "bad.cbf") else {
                Issue.record("no error for:\n\(text)")
                continue
            }
            #expect(error.line == line, "\(message): got \(error)")
            #expect(error.message.contains(message), "expected '\(message)', got '\(error.message)'")
        }
    }

    @Test("empty problem dimensions are accepted")
    func emptyProblem() throws {
        let p = try CBFReader.parse("VER\n1\nVAR\n0 0\nCON\n0 0\nOBJBCOORD\n2\n")
        #expect(p.variableCount == 0)
        #expect(p.constraintCount == 0)
        #expect(p.cones.isEmpty)
        #expect(p.objectiveConstant == 2)
    }

    @Test("CBLIB files match reference.csv counts", .enabled(if: cbfDataAvailable))
    func cblibFiles() throws {
        let csv = try String(contentsOf: cbfDataDirectory.appendingPathComponent("reference.csv"), encoding: .utf8)
        var reference: [(name: String, n: Int, m: Int, size: Int)] = []
        for line in csv.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, let n = Int(fields[1]), let m = Int(fields[2]) else {
                Issue.record("bad reference line: \(line)")
                continue
            }
            let path = cbfDataDirectory.appendingPathComponent("\(fields[0]).cbf.gz").path
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            reference.append((String(fields[0]), n, m, size ?? 0))
        }
        #expect(reference.count == 22)
        #if DEBUG
        // Debug builds parse much more slowly: only the five smallest files, to stay within seconds.
        let files = Array(reference.sorted { $0.size < $1.size }.prefix(5))
        #else
        let files = reference
        #endif
        for file in files {
            let path = cbfDataDirectory.appendingPathComponent("\(file.name).cbf.gz").path
            let model = try CBFReader.readModel(path: path)
            let p = model.problem
            #expect(model.variableCount == file.n, "\(file.name): n")
            #expect(p.variableCount == file.n, "\(file.name): q")
            #expect(model.constraintCount == file.m, "\(file.name): CON rows")
            #expect(!model.isMaximization, "\(file.name)")
            // Rows: the CON rows and the VAR rows, without the free ones.
            let nonFree = { (blocks: [CBFReader.ConeBlock]) in
                blocks.filter { $0.cone != .free }.reduce(0) { $0 + $1.dimension }
            }
            #expect(p.constraintCount == nonFree(model.constraintCones) + nonFree(model.variableCones), "\(file.name)")
            #expect(p.cones.reduce(0) { $0 + $1.dimension } == p.constraintCount)
        }
    }
}

// MARK: - Semidefinite parts

private let cbfRoot2 = 2.0.squareRoot()

/// Two matrix variables X₀ (order 2) and X₁ (order 1) after one scalar variable x₀ ≥ 0:
///
///     min  2x₀ + ⟨[[1, .5], [.5, 1]], X₀⟩ + 3X₁ + 0.5
///     s.t. ⟨[[1, −2], [−2, 1]], X₀⟩ − 1 ≥ 0          (CON row 0, L+)
///          x₀ + 4X₁ − 5 = 0                          (CON row 1, L=)
///          x₀ ≥ 0, X₀ ⪰ 0, X₁ ⪰ 0
private let psdVariablesCBF = """
VER
3
OBJSENSE
MIN
PSDVAR
2
2
1
VAR
1 1
L+ 1
CON
2 2
L+ 1
L= 1
OBJFCOORD
4
0 0 0 1.0
0 1 1 1.0
0 1 0 0.5
1 0 0 3
OBJACOORD
1
0 2
OBJBCOORD
0.5
FCOORD
4
0 0 0 0 1
0 0 1 1 1
0 0 1 0 -2
1 1 0 0 4
ACOORD
1
1 0 1
BCOORD
2
0 -1
1 -5
"""

/// Two affine matrix constraints on x = (x₀ ≥ 0, x₁ free), after one CON row x₀ + x₁ − 1 ≥ 0:
///
///     G₀ = x₀ [[1, 0], [0, 0]] + x₁ [[0, 1], [1, 0]] + [[0, 0], [0, 1]] ⪰ 0
///     G₁ = x₀ H₁₀ + x₁ H₁₁ + D₁ ⪰ 0 (order 3), with H₁₀ = 3(E₂₀ + E₀₂) + 2E₁₁,
///          H₁₁ = −(E₂₁ + E₁₂), D₁ = E₀₀ + 0.5(E₂₁ + E₁₂) + E₂₂ (the last given as 0.5 twice)
private let psdConstraintsCBF = """
VER
3
VAR
2 2
L+ 1
F 1
PSDCON
2
2
3
CON
1 1
L+ 1
ACOORD
2
0 0 1
0 1 1
BCOORD
1
0 -1
HCOORD
5
0 0 0 0 1
0 1 1 0 1
1 0 2 0 3
1 0 1 1 2
1 1 2 1 -1
DCOORD
5
0 1 1 1
1 0 0 1
1 2 1 0.5
1 2 2 0.5
1 2 2 0.5
"""

/// The variables `(x, svec(X₀), svec(X₁), …)` of a problem read from CBF.
private func cbfVariables(_ x: [Double], _ matrices: [[[Double]]]) -> [Double] {
    x + matrices.flatMap { Svec.svec($0) }
}

extension CBFReaderTests {

    @Test("PSDVAR: svec(Xⱼ) columns after x, PSD rows last, √2 on off-diagonal OBJFCOORD and FCOORD entries")
    func psdVariables() throws {
        let model = try CBFReader.parseModel(psdVariablesCBF)
        let p = model.problem
        let r2 = cbfRoot2
        #expect(model.variableCount == 1)
        #expect(model.constraintCount == 2)
        #expect(model.psdVariableOrders == [2, 1])
        #expect(model.psdConstraintOrders.isEmpty)
        #expect(model.psdVariableColumns == [1..<4, 4..<5])
        #expect(p.variableCount == 5)
        // Columns: x₀, X₀₀, √2·X₀₁, X₁₁, X₁(0,0).
        #expect(p.q == [2, 1, 0.5 * r2, 1, 3])
        #expect(p.objectiveConstant == 0.5)
        // Rows: CON L+ (0), CON L= (1), VAR L+ (2), svec(X₀) (3...5), X₁ (6).
        #expect(p.cones == [.nonnegative(1), .zero(1), .nonnegative(1), .positiveSemidefinite(2),
                            .positiveSemidefinite(1)])
        #expect(testDense(p.A) == [
            [0, -1, 2 * r2, -1, 0],
            [-1, 0, 0, 0, -4],
            [-1, 0, 0, 0, 0],
            [0, -1, 0, 0, 0],
            [0, 0, -1, 0, 0],
            [0, 0, 0, -1, 0],
            [0, 0, 0, 0, -1],
        ])
        #expect(p.b == [-1, -5, 0, 0, 0, 0, 0])

        // At a point, the objective and the slacks are the CBF expressions.
        let (x0, a, o, d, y) = (0.75, 1.5, -0.25, 2.0, 0.625)
        let v = cbfVariables([x0], [[[a, o], [o, d]], [[y]]])
        let objective = zip(p.q, v).reduce(p.objectiveConstant) { $0 + $1.0 * $1.1 }
        #expect(abs(objective - (2 * x0 + (a + 2 * 0.5 * o + d) + 3 * y + 0.5)) < 1e-14)
        let s = testSlack(p, v)
        #expect(abs(s[0] - (a - 4 * o + d - 1)) < 1e-14)
        #expect(abs(s[1] - (x0 + 4 * y - 5)) < 1e-14)
        #expect(abs(s[2] - x0) < 1e-14)
        #expect(zip(s[3...6], Svec.svec([[a, o], [o, d]]) + [y]).allSatisfy { abs($0 - $1) < 1e-14 })

        // OBJSENSE MAX negates the OBJFCOORD part too.
        let maximized = try CBFReader.parse(psdVariablesCBF.replacingOccurrences(of: "MIN", with: "MAX"))
        #expect(maximized.q == p.q.map { -$0 })
        #expect(maximized.objectiveConstant == -0.5)
    }

    @Test("PSDCON: s = svec(Σ xⱼHᵢⱼ + Dᵢ) after the CON rows, before the VAR rows")
    func psdConstraints() throws {
        let model = try CBFReader.parseModel(psdConstraintsCBF)
        let p = model.problem
        let r2 = cbfRoot2
        #expect(model.psdConstraintOrders == [2, 3])
        #expect(model.psdVariableOrders.isEmpty)
        #expect(model.psdVariableColumns.isEmpty)
        #expect(p.variableCount == 2)
        #expect(p.q == [0, 0])
        // Rows: CON (0), G₀ (1...3), G₁ (4...9), VAR L+ (10); no merging across the PSD cones.
        #expect(p.cones == [.nonnegative(1), .positiveSemidefinite(2), .positiveSemidefinite(3), .nonnegative(1)])
        #expect(testDense(p.A) == [
            [-1, -1],
            [-1, 0], [0, -r2], [0, 0],
            [0, 0], [0, 0], [-2, 0], [-3 * r2, 0], [0, r2], [0, 0],
            [-1, 0],
        ])
        #expect(p.b == [-1, 0, 0, 1, 1, 0, 0, 0, 0.5 * r2, 1, 0])

        // The slack on the PSD rows is svec of the affine matrices.
        let x = [0.3, -1.7]
        let s = testSlack(p, x)
        let G0 = [[x[0], x[1]], [x[1], 1]]
        let G1 = [[1, 0, 3 * x[0]], [0, 2 * x[0], 0.5 - x[1]], [3 * x[0], 0.5 - x[1], 1]]
        let expected = [x[0] + x[1] - 1] + Svec.svec(G0) + Svec.svec(G1) + [x[0]]
        #expect(s.count == expected.count)
        #expect(zip(s, expected).allSatisfy { abs($0 - $1) < 1e-14 }, "s = \(s), expected \(expected)")
    }

    @Test("PSD sections with no entries, and zero-count PSDVAR/PSDCON")
    func psdEmpty() throws {
        let empty = try CBFReader.parseModel("VER\n3\nPSDVAR\n0\nVAR\n1 1\nF 1\nPSDCON\n0\nOBJFCOORD\n0\nHCOORD\n0\nDCOORD\n0\n")
        #expect(empty.psdVariableOrders.isEmpty)
        #expect(empty.psdConstraintOrders.isEmpty)
        #expect(empty.problem.variableCount == 1)
        #expect(empty.problem.constraintCount == 0)
        // A matrix variable without data: only its cone rows, zero objective.
        let p = try CBFReader.parse("VER\n3\nPSDVAR\n1\n3\nVAR\n0 0\n")
        #expect(p.variableCount == 6)
        #expect(p.q == [Double](repeating: 0, count: 6))
        #expect(p.cones == [.positiveSemidefinite(3)])
        #expect(testDense(p.A) == (0..<6).map { i in (0..<6).map { $0 == i ? -1 : 0 } })
    }

    @Test("malformed PSD sections give parse errors with line numbers")
    func psdMalformed() {
        let psdvar = "VER\n3\nPSDVAR\n1\n2\nVAR\n1 1\nF 1\n" // lines 1-8
        let psdcon = "VER\n3\nVAR\n1 1\nF 1\nPSDCON\n1\n2\n" // lines 1-8
        let cases: [(String, Int, String)] = [
            ("VER\n3\nPSDVAR\n1\n0\n", 5, "order of PSD variable 0 is 0; it must be at least 1"),
            ("VER\n3\nPSDVAR\n-1\n", 4, "number of PSD variables is -1; it must be at least 0"),
            ("VER\n3\nPSDVAR\n1\n20000\n", 5, "order of PSD variable 0 is 20000; at most 14141 is supported"),
            ("VER\n3\nPSDVAR\n1\n2 2\n", 5, "PSDVAR line has 2 fields; expected 1 (order)"),
            ("VER\n3\nPSDVAR\n2\n2\nVAR\n1 1\nF 1\n", 6, "PSDVAR (line 3) announces 2 matrices but only 1 is given before VAR"),
            ("VER\n3\nPSDVAR\n2\n2\n", 3, "PSDVAR announces 2 matrices but the file ends after 1"),
            ("VER\n3\nPSDVAR\n1\n2\n2\n", 6, "expected a keyword but found data; PSDVAR (line 3) announces 1 matrix"),
            // 9000·9001/2 = 40 504 500 entries each: the third one passes 10⁸.
            ("VER\n3\nPSDVAR\n4\n9000\n9000\n9000\n9000\n", 7,
             "PSD variables of PSDVAR (count on line 4) have more than 100000000 svec entries"),
            ("VER\n3\nVAR\n1 1\nF 1\nPSDCON\n1\n0\n", 8, "order of PSD constraint 0 is 0; it must be at least 1"),
            (psdvar + "PSDVAR\n0\n", 9, "duplicate PSDVAR section (first at line 3)"),
            ("VER\n3\nVAR\n1 1\nF 1\nOBJFCOORD\n0\n", 6, "OBJFCOORD must come after the PSDVAR section"),
            (psdvar + "FCOORD\n0\n", 9, "FCOORD must come after the CON section"),
            ("VER\n3\nVAR\n1 1\nF 1\nCON\n1 1\nL+ 1\nFCOORD\n0\n", 9, "FCOORD must come after the PSDVAR section"),
            ("VER\n3\nVAR\n1 1\nF 1\nHCOORD\n0\n", 6, "HCOORD must come after the PSDCON section"),
            ("VER\n3\nPSDCON\n1\n2\nHCOORD\n0\n", 6, "HCOORD must come after the VAR section"),
            ("VER\n3\nVAR\n1 1\nF 1\nDCOORD\n0\n", 6, "DCOORD must come after the PSDCON section"),
            (psdvar + "OBJFCOORD\n1\n1 0 0 1\n", 11,
             "PSD variable index 1 is out of range (valid: 0...0; PSDVAR declares 1 PSD variables)"),
            (psdvar + "OBJFCOORD\n1\n0 2 0 1\n", 11,
             "matrix row index 2 is out of range (valid: 0...1; PSD variable 0 has order 2)"),
            (psdvar + "OBJFCOORD\n1\n0 1 -1 1\n", 11, "matrix column index -1 is out of range"),
            (psdvar + "OBJFCOORD\n1\n0 0 1 1\n", 11,
             "matrix entry (0, 1) is above the diagonal; CBF lists the lower triangle only"),
            (psdvar + "OBJFCOORD\n1\n0 1 0\n", 11,
             "OBJFCOORD line has 3 fields; expected 4 (PSD variable, matrix row, matrix column, value)"),
            (psdvar + "OBJFCOORD\n1\n0 1 0 x\n", 11, "'x' is not a valid number (objective coefficient)"),
            (psdvar + "CON\n1 1\nL+ 1\nFCOORD\n1\n1 0 0 0 1\n", 14, "row index 1 is out of range (valid: 0...0; CON declares 1 rows)"),
            (psdvar + "CON\n1 1\nL+ 1\nFCOORD\n1\n0 0 0 1 1\n", 14, "matrix entry (0, 1) is above the diagonal"),
            (psdvar + "CON\n1 1\nL+ 1\nFCOORD\n1\n0 0 0 0\n", 14, "FCOORD line has 4 fields; expected 5"),
            (psdvar + "CON\n1 1\nL+ 1\nFCOORD\n2\n0 0 0 0 1\n", 12, "FCOORD announces 2 entries but the file ends after 1"),
            (psdcon + "HCOORD\n1\n1 0 0 0 1\n", 11,
             "PSD constraint index 1 is out of range (valid: 0...0; PSDCON declares 1 PSD constraints)"),
            (psdcon + "HCOORD\n1\n0 1 0 0 1\n", 11, "variable index 1 is out of range (valid: 0...0; VAR declares 1 variables)"),
            (psdcon + "HCOORD\n1\n0 0 0 1 1\n", 11, "matrix entry (0, 1) is above the diagonal"),
            (psdcon + "HCOORD\n1\n0 0 0 2 1\n", 11, "matrix column index 2 is out of range (valid: 0...1; PSD constraint 0 has order 2)"),
            (psdcon + "DCOORD\n1\n0 1 1 1 1\n", 11, "DCOORD line has 5 fields; expected 4 (PSD constraint, matrix row, matrix column, value)"),
            (psdcon + "DCOORD\n1\n0 0 1 1\n", 11, "matrix entry (0, 1) is above the diagonal"),
            (psdcon + "DCOORD\n1\n2 0 0 1\n", 11, "PSD constraint index 2 is out of range"),
            (psdcon + "DCOORD\n1\n0 0 0 inf\n", 11, "value 'inf' is not finite (constant term)"),
        ]
        for (text, line, message) in cases {
            guard let error = cbfParseError(text, fileName: "bad.cbf") else {
                Issue.record("no error for:\n\(text.prefix(300))")
                continue
            }
            #expect(error.line == line, "\(message): got \(error)")
            #expect(error.message.contains(message), "expected '\(message)', got '\(error.message)'")
        }
    }

    @Test("end to end, PSDCON: minimize x subject to [[x, 1], [1, x]] ⪰ 0 has optimum 1")
    func solvePSDConstraint() throws {
        let p = try CBFReader.parse("""
            VER
            3
            OBJSENSE
            MIN
            VAR
            1 1
            F 1
            PSDCON
            1
            2
            OBJACOORD
            1
            0 1
            HCOORD
            2
            0 0 0 0 1
            0 0 1 1 1
            DCOORD
            1
            0 1 0 1
            """)
        #expect(p.cones == [.positiveSemidefinite(2)])
        #expect(p.b == [0, cbfRoot2, 0])
        let solution = try solve(p)
        checkOptimality(p, solution, tol: 1e-6, expectedObjective: 1, label: "CBF PSDCON")
        #expect(abs(solution.x[0] - 1) < 1e-5)
    }

    @Test("end to end, PSDVAR: minimize ⟨[[2, 1], [1, 2]], X⟩ subject to tr X = 1, X ⪰ 0 has optimum 1")
    func solvePSDVariable() throws {
        let model = try CBFReader.parseModel("""
            VER
            3
            OBJSENSE
            MIN
            PSDVAR
            1
            2
            VAR
            0 0
            CON
            1 1
            L= 1
            OBJFCOORD
            3
            0 0 0 2
            0 1 0 1
            0 1 1 2
            FCOORD
            2
            0 0 0 0 1
            0 0 1 1 1
            BCOORD
            1
            0 -1
            """)
        let p = model.problem
        #expect(p.q == [2, cbfRoot2, 2])
        #expect(p.cones == [.zero(1), .positiveSemidefinite(2)])
        let solution = try solve(p)
        checkOptimality(p, solution, tol: 1e-6, expectedObjective: 1, label: "CBF PSDVAR")
        // The minimizer is the projector on the eigenvector (1, −1)/√2 of the smallest eigenvalue.
        let columns = try #require(model.psdVariableColumns.first)
        let X = try #require(Svec.matrix(Array(solution.x[columns])))
        let expected = [[0.5, -0.5], [-0.5, 0.5]]
        for i in 0..<2 { for j in 0..<2 { #expect(abs(X[i][j] - expected[i][j]) < 1e-5, "X = \(X)") } }
    }
}
