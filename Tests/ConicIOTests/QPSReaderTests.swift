import Foundation
import Testing
@testable import ConicIO
@testable import ConicSolver
import ConicTestSupport

// MARK: - Helpers

/// The line number and message of the parse error thrown for `text`, or nil if none is thrown.
private func qpsParseError(_ text: String, fileName: String = "<input>") -> (line: Int, message: String)? {
    expectedParseError(text, fileName: fileName) { try QPSReader.parse($0, fileName: $1) }
}

/// `/work/shared/data/maros-meszaros`, found from this file: the package root is three levels up.
private let qpsDataDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/data/maros-meszaros").standardizedFileURL

private let qpsDataAvailable = FileManager.default.fileExists(
    atPath: qpsDataDirectory.appendingPathComponent("reference.csv").path)

// MARK: - Inline files

/// Free format: a second N row (ignored), one- and two-pair lines, RHS on the objective, QUADOBJ
/// with an off-diagonal entry, and no ENDATA.
private let basicQPS = """
NAME          BASIC
* a comment line

ROWS
 N  obj
 E  eq1
 L  le1
 G  ge1
 N  other
COLUMNS
    x   obj  1.0   eq1  1.0
    x   le1  2.0   other 7.0
    y   obj  -1    le1  1
    y   ge1  3e0
    z   eq1  -1.5  ge1  1
RHS
    rhs obj  10    eq1  2
    rhs le1  8
    rhs ge1  -1    other 99
QUADOBJ
    x   x    4.0
    y   x    1.0
    z   z    2.0
    z   y    -0.5
"""

/// Ranges on every row type, given without set names.
private let rangesQPS = """
NAME RANGETEST
ROWS
 N obj
 E e1
 E e2
 L l1
 G g1
 E e3
 E e4
COLUMNS
 x obj 1 e1 1
 x e2 1 l1 1
 x g1 1 e3 1
 x e4 1
RHS
 e1 1 e2 2
 l1 3 g1 4
 e3 5 e4 6
RANGES
 e1 2 e2 -3
 l1 -4 g1 -5
 e4 0
BOUNDS
 FR x
ENDATA
"""

/// Every supported bound type.
private let boundsQPS = """
NAME BOUNDTEST
ROWS
 N obj
COLUMNS
 a obj 1
 b obj 1
 c obj 1
 d obj 1
 e obj 1
 f obj 1
 g obj 1
 h obj 1
 i obj 1
BOUNDS
 LO BND a -1
 UP BND b 4
 FX BND c 2
 FR BND d
 MI BND e
 UP BND e 3
 UP BND f 5
 PL BND f
 UP BND g -2
 LO BND h 0
 UP BND h -2
 UP BND i 1e30
ENDATA
"""

/// A fixed-format file whose names contain blanks.
private let fixedQPS = """
NAME          FIXED BLANKS
ROWS
 N  COST 1
 L  LIM 1
 G  LIM 2
 E  MY EQN
COLUMNS
    X ONE     COST 1             1.5   LIM 1               1.
    X ONE     LIM 2               1.
    Y TWO     COST 1             -2.   LIM 1               1.
    Y TWO     MY EQN             -1.   LIM 2               3.
    Z 3       MY EQN              1.
RHS
    RHS 1     LIM 1               4.   LIM 2               1.
    RHS 1     COST 1             -3.   MY EQN              2.
RANGES
    RNG 1     LIM 1              2.5
BOUNDS
 UP BND 1     X ONE               3.
 MI BND 1     Z 3
QUADOBJ
    X ONE     X ONE               2.
    Y TWO     X ONE              0.5
ENDATA
"""

// MARK: - Tests

@Suite("QPSReader")
struct QPSReaderTests {

    @Test("free format: P, q, A, b, cones and constant")
    func basicFreeFormat() throws {
        let model = try QPSReader.parseModel(basicQPS)
        let p = model.problem
        #expect(model.name == "BASIC")
        #expect(model.variableNames == ["x", "y", "z"])
        #expect(model.constraintNames == ["eq1", "le1", "ge1"])
        #expect(model.objectiveName == "obj")
        #expect(!model.isMaximization)
        #expect(p.q == [1, -1, 0])
        #expect(p.objectiveConstant == -10)
        #expect(testDense(p.P) == [[4, 1, 0], [0, 0, -0.5], [0, 0, 2]])
        #expect(p.cones == [.zero(1), .nonnegative(5)])
        #expect(testDense(p.A) == [
            [1, 0, -1.5],   // eq1: x − 1.5z = 2
            [2, 1, 0],      // le1: 2x + y ≤ 8
            [0, -3, -1],    // ge1: 3y + z ≥ −1
            [-1, 0, 0],     // x ≥ 0
            [0, -1, 0],     // y ≥ 0
            [0, 0, -1],     // z ≥ 0
        ])
        #expect(p.b == [2, 8, 1, 0, 0, 0])
        // The objective at a point: ½xᵀQx + qᵀx + c0 with Q = [[4,1,0],[1,0,-.5],[0,-.5,2]].
        let x = [1.0, 2.0, 3.0]
        let expected = 0.5 * (4 * 1 + 2 * 1 * 2 - 2 * 0.5 * 2 * 3 + 2 * 9) + (1 - 2) - 10
        #expect(abs(p.objective(at: x) - expected) < 1e-12)
    }

    @Test("ranges on E (both signs), L, G rows, and a zero range")
    func ranges() throws {
        let p = try QPSReader.parse(rangesQPS)
        #expect(p.cones == [.zero(2), .nonnegative(8)])
        #expect(testDense(p.A) == [[1], [1], [1], [-1], [1], [-1], [1], [-1], [1], [-1]])
        #expect(p.b == [
            5, 6,       // e3 = 5; e4 with range 0 is an equality
            3, -1,      // e1 ∈ [1, 3]      (R = 2 > 0)
            2, 1,       // e2 ∈ [−1, 2]     (R = −3 < 0)
            3, 1,       // l1 ∈ [−1, 3]     (|R| = 4)
            9, -4,      // g1 ∈ [4, 9]      (|R| = 5)
        ])
    }

    @Test("bound types LO, UP, FX, FR, MI, PL, negative UP, infinite UP")
    func bounds() throws {
        let p = try QPSReader.parse(boundsQPS)
        #expect(p.cones == [.zero(1), .nonnegative(9)])
        let A = testDense(p.A)
        func unit(_ j: Int, _ s: Double) -> [Double] {
            var row = [Double](repeating: 0, count: 9); row[j] = s; return row
        }
        #expect(A == [
            unit(2, 1),                   // c = 2 (FX)
            unit(0, -1),                  // a ≥ −1
            unit(1, 1), unit(1, -1),      // 0 ≤ b ≤ 4
            // d free: no rows
            unit(4, 1),                   // e ≤ 3, e ≥ −∞ (MI)
            unit(5, -1),                  // f ≥ 0 (PL removed the upper bound 5)
            unit(6, 1),                   // g ≤ −2, lower −∞ (negative UP on a default lower bound)
            unit(7, 1), unit(7, -1),      // h: explicit LO 0 is kept with UP −2
            unit(8, -1),                  // i ≥ 0; UP 1e30 is infinite
        ])
        #expect(p.b == [2, 1, 4, 0, 3, 0, -2, -2, 0, 0])
    }

    @Test("OBJSENSE MAX negates q, P and the constant")
    func maximize() throws {
        let body = """
        ROWS
         N obj
         L c1
        COLUMNS
         x obj 1 c1 1
         y obj 2 c1 1
        RHS
         rhs obj 10 c1 4
        QUADOBJ
         x x -2
         y x 1
        ENDATA
        """
        for header in ["OBJSENSE\n    MAX\n", "OBJSENSE MAX\n", "OBJSENSE\n    MAXIMIZE\n"] {
            let model = try QPSReader.parseModel("NAME MAXTEST\n" + header + body)
            let p = model.problem
            #expect(model.isMaximization)
            #expect(p.q == [-1, -2])
            #expect(testDense(p.P) == [[2, -1], [0, 0]])
            #expect(p.objectiveConstant == 10)
            #expect(p.cones == [.nonnegative(3)])
        }
        let minimized = try QPSReader.parseModel("NAME MINTEST\nOBJSENSE\n    MIN\n" + body)
        #expect(!minimized.isMaximization)
        #expect(minimized.problem.q == [1, 2])
        #expect(minimized.problem.objectiveConstant == -10)
    }

    @Test("QMATRIX keeps one triangle of the full matrix")
    func qmatrix() throws {
        let text = """
        NAME QM
        ROWS
         N obj
        COLUMNS
         x obj 1
         y obj 1
        QMATRIX
         x x 2
         x y 1
         y x 1
         y y 4
        ENDATA
        """
        let p = try QPSReader.parse(text)
        #expect(testDense(p.P) == [[2, 1], [0, 4]])
        #expect(p.cones == [.nonnegative(2)])
    }

    @Test("free format without set names, tabs, CRLF and Fortran exponents")
    func freeFormatVariants() throws {
        let text = "NAME\r\nROWS\r\n N\tobj\r\n L\tc\r\nCOLUMNS\r\n x\tobj\t1.5D+00\tc\t1\r\n"
            + "RHS\r\n c 4\r\n obj -2\r\nBOUNDS\r\n UP x 3\r\n FR BND2 x\r\nENDATA\r\n"
        let p = try QPSReader.parse(text)
        #expect(p.q == [1.5])
        #expect(p.objectiveConstant == 2)
        // Lines without a set name always apply; the later FR line frees x again.
        #expect(p.cones == [.nonnegative(1)])
        #expect(testDense(p.A) == [[1]])
        #expect(p.b == [4])
    }

    @Test("only the first RHS and BOUNDS set is used")
    func multipleSets() throws {
        let text = """
        NAME SETS
        ROWS
         N obj
         L c
        COLUMNS
         x obj 1 c 1
        RHS
         RHS1 c 4
         RHS2 c 5
        BOUNDS
         UP B1 x 3
         UP B2 x 7
        ENDATA
        """
        let p = try QPSReader.parse(text)
        #expect(p.b == [4, 3, 0])
    }

    @Test("fixed format with blanks inside names")
    func fixedFormat() throws {
        let model = try QPSReader.parseModel(fixedQPS)
        let p = model.problem
        #expect(model.variableNames == ["X ONE", "Y TWO", "Z 3"])
        #expect(model.constraintNames == ["LIM 1", "LIM 2", "MY EQN"])
        #expect(model.objectiveName == "COST 1")
        #expect(p.q == [1.5, -2, 0])
        #expect(p.objectiveConstant == 3)
        #expect(testDense(p.P) == [[2, 0.5, 0], [0, 0, 0], [0, 0, 0]])
        #expect(p.cones == [.zero(1), .nonnegative(6)])
        #expect(testDense(p.A) == [
            [0, -1, 1],     // MY EQN: −y + z = 2
            [1, 1, 0],      // LIM 1 ≤ 4
            [-1, -1, 0],    // LIM 1 ≥ 4 − 2.5
            [-1, -3, 0],    // LIM 2 ≥ 1
            [1, 0, 0],      // x ≤ 3
            [-1, 0, 0],     // x ≥ 0
            [0, -1, 0],     // y ≥ 0; z is free (MI)
        ])
        #expect(p.b == [2, 4, -1.5, -1, 3, 0, 0])
    }

    @Test("fixed format: errors are reported at the right line")
    func fixedFormatError() {
        let broken = fixedQPS.replacingOccurrences(of: "    Z 3       MY EQN              1.",
                                                   with: "    Z 3       MY EQN             1.x")
        let error = qpsParseError(broken)
        #expect(error?.line == 12)
        #expect(error?.message.contains("'1.x'") == true)
        let undeclared = fixedQPS.replacingOccurrences(of: " MI BND 1     Z 3", with: " MI BND 1     Z 4")
        #expect(qpsParseError(undeclared)?.line == 20)
    }

    @Test("malformed files give parse errors with line numbers")
    func malformed() {
        func check(_ text: String, line: Int, _ fragment: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
            let error = qpsParseError(text)
            #expect(error?.line == line, "line for: \(fragment)", sourceLocation: sourceLocation)
            #expect(error?.message.contains(fragment) == true,
                    "message '\(error?.message ?? "none")' should contain '\(fragment)'",
                    sourceLocation: sourceLocation)
        }
        let head = "NAME T\nROWS\n N obj\n L c\nCOLUMNS\n x obj 1 c 1\n"   // lines 1-6
        check("", line: 0, "empty")
        check("* only a comment\n\n", line: 0, "empty")
        check(head + "FOO\n", line: 7, "unknown section 'FOO'")
        check("NAME T\nROWS\n N obj\n X c\n", line: 4, "unknown row type 'X'")
        check("NAME T\nROWS\n N obj\n L c\n G c\n", line: 5, "duplicate row name 'c'")
        check("NAME T\nROWS\n N\n", line: 3, "ROWS line has 1 field")
        check(head + " y obj 1 d 2\n", line: 7, "row 'd' in COLUMNS is not declared")
        check(head + " y obj 1 c\n", line: 7, "COLUMNS line has 4 fields")
        check(head + " y obj 1.2.3\n", line: 7, "'1.2.3' is not a valid number")
        check(head + " y obj NaN\n", line: 7, "not finite")
        check(head + " y obj inf\n", line: 7, "not finite")
        check(head + " y obj 1e400\n", line: 7, "not finite")
        check(head + " MARKER 'MARKER' 'INTORG'\n", line: 7, "integer variables are not supported")
        check(head + "RHS\n rhs d 1\n", line: 8, "row 'd' in RHS is not declared")
        check(head + "RHS\n rhs c 1 obj 2 3\n", line: 8, "RHS line has 6 fields")
        check(head + "RANGES\n rng c abc\n", line: 8, "'abc' is not a valid number")
        check(head + "BOUNDS\n UP BND y 1\n", line: 8, "column 'y' in BOUNDS is not declared")
        check(head + "BOUNDS\n BV BND x\n", line: 8, "binary variables are not supported")
        check(head + "BOUNDS\n LI BND x 1\n", line: 8, "integer variables are not supported")
        check(head + "BOUNDS\n SC BND x 1\n", line: 8, "semi-continuous")
        check(head + "BOUNDS\n XX BND x 1\n", line: 8, "unknown bound type 'XX'")
        check(head + "BOUNDS\n UP BND x 1 2 3\n", line: 8, "UP bound line has 6 fields")
        check(head + "QUADOBJ\n x y 1\n", line: 8, "column 'y' in QUADOBJ is not declared")
        check(head + "QUADOBJ\n x x\n", line: 8, "QUADOBJ line has 2 fields")
        check(head + "OBJSENSE\n    SIDEWAYS\n", line: 8, "unknown objective sense 'SIDEWAYS'")
        check(" x obj 1\n", line: 1, "before any section")
        check("NAME T\nCOLUMNS\n x obj 1\n", line: 2, "COLUMNS section must come after the ROWS")
        check("NAME T\nROWS\n N obj\nRHS\n", line: 4, "RHS section must come after the COLUMNS")
        check("NAME T\n", line: 0, "missing ROWS section")
        check("NAME T\nROWS\n N obj\nENDATA\n", line: 0, "missing COLUMNS section")
        check(head + "ROWS\n", line: 7, "duplicate ROWS section")
    }

    @Test("ENDATA is optional and text after it is ignored")
    func endata() throws {
        let text = "NAME T\nROWS\n N obj\nCOLUMNS\n x obj 1\n"
        #expect(try QPSReader.parse(text).q == [1])
        #expect(try QPSReader.parse(text + "ENDATA\nthis is not QPS\n").q == [1])
    }

    @Test("unreadable files give ConicError.io")
    func unreadable() {
        let error = #expect(throws: ConicError.self) {
            _ = try QPSReader.read(path: "/nonexistent/dir/FILE.QPS")
        }
        if case .io(let message)? = error {
            #expect(message.contains("/nonexistent/dir/FILE.QPS"))
        } else {
            Issue.record("expected ConicError.io, got \(String(describing: error))")
        }
    }

    // MARK: Maros–Mészáros files

    @Test("HS21", .enabled(if: qpsDataAvailable))
    func hs21() throws {
        let model = try QPSReader.readModel(path: qpsDataDirectory.appendingPathComponent("HS21.SIF").path)
        let p = model.problem
        #expect(model.name == "HS21")
        #expect(p.variableCount == 2)
        #expect(model.constraintCount == 1)
        #expect(p.objectiveConstant == -100)
        #expect(p.q == [0, 0])
        #expect(testDense(p.P) == [[0.02, 0], [0, 2]])
        // 10x₁ − x₂ ≥ 10, 2 ≤ x₁ ≤ 50, −50 ≤ x₂ ≤ 50.
        #expect(p.cones == [.nonnegative(5)])
        #expect(testDense(p.A) == [[-10, 1], [1, 0], [-1, 0], [0, 1], [0, -1]])
        #expect(p.b == [-10, 50, -2, 50, 50])
        // The optimum x = (2, 0) has value −99.96.
        #expect(abs(p.objective(at: [2, 0]) - -99.96) < 1e-12)
    }

    @Test("QAFIRO", .enabled(if: qpsDataAvailable))
    func qafiro() throws {
        let model = try QPSReader.readModel(path: qpsDataDirectory.appendingPathComponent("QAFIRO.SIF").path)
        let p = model.problem
        #expect(model.variableCount == 32)
        #expect(model.constraintCount == 27)
        #expect(p.objectiveConstant == 0)
        #expect(p.P.nonzeroCount > 0)
        // 8 E rows, 19 L rows, and x ≥ 0 for all 32 variables.
        #expect(p.cones == [.zero(8), .nonnegative(19 + 32)])
        #expect(p.A.columnCount == 32)
    }

    @Test("HS118 (ranges)", .enabled(if: qpsDataAvailable))
    func hs118() throws {
        let model = try QPSReader.readModel(path: qpsDataDirectory.appendingPathComponent("HS118.SIF").path)
        let p = model.problem
        #expect(model.variableCount == 15)
        #expect(model.constraintCount == 17)
        // 12 ranged G rows (2 rows each), 5 plain G rows, and 15 variables with two finite bounds.
        #expect(p.cones == [.nonnegative(12 * 2 + 5 + 15 * 2)])
        // R------1: −x₁ + x₄ ≥ −7 with range 13 → −7 ≤ −x₁ + x₄ ≤ 6.
        let A = testDense(p.A)
        var row = [Double](repeating: 0, count: 15); row[0] = -1; row[3] = 1
        #expect(A[0] == row)
        #expect(A[1] == row.map { -$0 })
        #expect(p.b[0] == 6)
        #expect(p.b[1] == 7)
        // C------1: 8 ≤ x₁ ≤ 21 (the first variable bound rows).
        #expect(p.b[29] == 21)
        #expect(p.b[30] == -8)
    }

    @Test("all Maros–Mészáros files match reference.csv counts", .enabled(if: qpsDataAvailable))
    func allFiles() throws {
        let csv = try String(contentsOf: qpsDataDirectory.appendingPathComponent("reference.csv"), encoding: .utf8)
        var checked = 0
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, let n = Int(fields[1]), let m = Int(fields[2]) else {
                Issue.record("bad reference line: \(line)")
                continue
            }
            let path = qpsDataDirectory.appendingPathComponent("\(fields[0]).SIF").path
            let model = try QPSReader.readModel(path: path)
            #expect(model.variableCount == n, "\(fields[0]): n")
            #expect(model.problem.variableCount == n, "\(fields[0]): q")
            #expect(model.constraintCount == m, "\(fields[0]): constraints")
            #expect(model.problem.cones.reduce(0) { $0 + $1.dimension } == model.problem.constraintCount)
            checked += 1
        }
        #expect(checked == 58)
    }
}
