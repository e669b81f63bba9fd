import Testing
@testable import ConicSolver
import ConicTestSupport

// Input validation: every malformed `ConicProblem` or `SparseMatrix` is rejected with the right
// `ConicError` case, and the error's description is non-empty and names the offending item.


/// Expects the description to be non-empty and to contain every fragment (case-insensitive).
private func expectDescription(_ error: ConicError?, mentions fragments: [String],
                               sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    let text = error.description
    #expect(!text.isEmpty, "empty description for \(error)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(text.lowercased().contains(fragment.lowercased()),
                "description \"\(text)\" does not mention \"\(fragment)\"", sourceLocation: sourceLocation)
    }
}

// A valid 3×2 problem that each test breaks in one place.
private let goodA = testMatrix([[1, 0], [0, 1], [1, 1]], columns: 2)
private let goodQ: [Double] = [1, -1]
private let goodB: [Double] = [1, 2, 3]
private let goodCones: [ConeSpec] = [.zero(1), .nonnegative(2)]

@Suite("Input validation")
struct InputValidationTests {

    @Test func validProblemIsAccepted() throws {
        let problem = try ConicProblem(P: testUpperTriangle([[2, 1], [1, 2]]), q: goodQ, A: goodA, b: goodB, cones: goodCones)
        #expect(problem.variableCount == 2 && problem.constraintCount == 3)
        // P = nil means a zero quadratic term.
        let lp = try ConicProblem(q: goodQ, A: goodA, b: goodB, cones: goodCones)
        #expect(lp.P.nonzeroCount == 0 && lp.P.rowCount == 2 && lp.P.columnCount == 2)
    }

    // MARK: ConicProblem

    @Test func columnsOfADoNotMatchQ() {
        let error = conicError("A with 2 columns, q with 3 entries") {
            _ = try ConicProblem(P: .zeros(3, 3), q: [1, 2, 3], A: goodA, b: goodB, cones: goodCones)
        }
        guard case .dimensionMismatch = error else { Issue.record("expected .dimensionMismatch, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["A", "columns", "2", "q", "3"])
    }

    @Test func rowsOfADoNotMatchB() {
        let error = conicError("A with 3 rows, b with 2 entries") {
            _ = try ConicProblem(q: goodQ, A: goodA, b: [1, 2], cones: [.nonnegative(2)])
        }
        guard case .dimensionMismatch = error else { Issue.record("expected .dimensionMismatch, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["rows", "b", "3", "2"])
    }

    @Test(arguments: [(3, 3), (2, 3), (3, 2), (1, 1)])
    func pOfWrongSize(rows: Int, columns: Int) {
        let error = conicError("P \(rows)×\(columns) with n = 2") {
            _ = try ConicProblem(P: .zeros(rows, columns), q: goodQ, A: goodA, b: goodB, cones: goodCones)
        }
        guard case .dimensionMismatch = error else { Issue.record("expected .dimensionMismatch, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["P", "\(rows)", "\(columns)"])
    }

    @Test func nanInQ() {
        let error = conicError("NaN in q") {
            _ = try ConicProblem(q: [1, .nan], A: goodA, b: goodB, cones: goodCones)
        }
        guard case .nonFinite = error else { Issue.record("expected .nonFinite, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["q", "nan"])
    }

    @Test func infinityInA() throws {
        let A = try SparseMatrix(rowCount: 3, columnCount: 2, rows: [0, 1, 2], columns: [0, 1, 1],
                                 values: [1, .infinity, 1], name: "A")
        let error = conicError("+∞ in A") {
            _ = try ConicProblem(q: goodQ, A: A, b: goodB, cones: goodCones)
        }
        guard case .nonFinite = error else { Issue.record("expected .nonFinite, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["A", "inf"])
        let minus = try SparseMatrix(rowCount: 3, columnCount: 2, rows: [0], columns: [0], values: [-.infinity], name: "A")
        let error2 = conicError("−∞ in A") { _ = try ConicProblem(q: goodQ, A: minus, b: goodB, cones: goodCones) }
        guard case .nonFinite = error2 else { Issue.record("expected .nonFinite, got \(String(describing: error2))"); return }
        expectDescription(error2, mentions: ["A", "-inf"])
    }

    @Test func nanInB() {
        let error = conicError("NaN in b") {
            _ = try ConicProblem(q: goodQ, A: goodA, b: [1, .nan, 3], cones: goodCones)
        }
        guard case .nonFinite = error else { Issue.record("expected .nonFinite, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["b", "nan"])
    }

    @Test func nonFiniteInPAndObjectiveConstant() {
        let P = testUpperTriangle([[1, 0], [0, 1]])
        var values = P.values; values[1] = .nan
        let badP = try! SparseMatrix(rowCount: 2, columnCount: 2, columnStarts: P.columnStarts, rowIndices: P.rowIndices,
                                     values: values, name: "P")
        let error = conicError("NaN in P") { _ = try ConicProblem(P: badP, q: goodQ, A: goodA, b: goodB, cones: goodCones) }
        guard case .nonFinite = error else { Issue.record("expected .nonFinite, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["P", "nan"])
        let error2 = conicError("infinite objective constant") {
            _ = try ConicProblem(q: goodQ, A: goodA, b: goodB, cones: goodCones, objectiveConstant: .infinity)
        }
        guard case .nonFinite = error2 else { Issue.record("expected .nonFinite, got \(String(describing: error2))"); return }
        expectDescription(error2, mentions: ["constant", "inf"])
    }

    @Test func pBelowTheDiagonal() {
        // Full symmetric storage has the entry (1, 0) below the diagonal.
        let full = SparseMatrix(dense: [[2, 1], [1, 2]])
        let error = conicError("P stored in full") { _ = try ConicProblem(P: full, q: goodQ, A: goodA, b: goodB, cones: goodCones) }
        #expect(error == .notUpperTriangular(row: 1, column: 0), "got \(String(describing: error))")
        expectDescription(error, mentions: ["row 1", "column 0", "below the diagonal"])
        // A lower-triangle-only P is rejected too.
        let lower = SparseMatrix(dense: [[1, 0, 0], [0, 1, 0], [0, 3, 1]])
        let error2 = conicError("lower-triangular P") {
            _ = try ConicProblem(P: lower, q: [1, 1, 1], A: .zeros(0, 3), b: [], cones: [])
        }
        #expect(error2 == .notUpperTriangular(row: 2, column: 1), "got \(String(describing: error2))")
        expectDescription(error2, mentions: ["row 2", "column 1"])
    }

    @Test(arguments: [
        [ConeSpec.zero(1), .nonnegative(1)],            // 2 < 3
        [ConeSpec.zero(2), .nonnegative(2)],            // 4 > 3
        [ConeSpec.secondOrder(4)],                      // 4 > 3
        [ConeSpec](),                                    // 0 < 3
    ])
    func coneDimensionsDoNotAddUp(cones: [ConeSpec]) {
        let total = cones.reduce(0) { $0 + $1.dimension }
        let error = conicError("cones \(cones)") { _ = try ConicProblem(q: goodQ, A: goodA, b: goodB, cones: cones) }
        guard case .invalidCones = error else { Issue.record("expected .invalidCones, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["\(total)", "3", "rows"])
    }

    @Test(arguments: [ConeSpec.zero(-1), .nonnegative(-2)])
    func negativeConeDimension(cone: ConeSpec) {
        // The other cone makes the total right (3) so that only the sign is wrong.
        let cones = [cone, .nonnegative(3 - cone.dimension)]
        let error = conicError("cone \(cone)") { _ = try ConicProblem(q: goodQ, A: goodA, b: goodB, cones: cones) }
        guard case .invalidCones = error else { Issue.record("expected .invalidCones, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["negative", "\(cone.dimension)", "cone 0"])
    }

    @Test(arguments: [0, -1])
    func secondOrderConeTooSmall(dimension: Int) {
        let cones: [ConeSpec] = [.nonnegative(3 - dimension), .secondOrder(dimension)]
        let error = conicError("SOC of dimension \(dimension)") { _ = try ConicProblem(q: goodQ, A: goodA, b: goodB, cones: cones) }
        guard case .invalidCones = error else { Issue.record("expected .invalidCones, got \(String(describing: error))"); return }
        expectDescription(error, mentions: ["second-order", "cone 1", "dimension \(dimension)"])
    }

    // MARK: SparseMatrix

    @Test func columnStartsWithWrongCount() {
        let error = conicError("columnStarts too short") {
            _ = try SparseMatrix(rowCount: 2, columnCount: 2, columnStarts: [0, 1], rowIndices: [0], values: [1], name: "M")
        }
        #expect(error.map { if case .invalidMatrix(name: "M", _) = $0 { true } else { false } } == true, "got \(String(describing: error))")
        expectDescription(error, mentions: ["M", "columnStarts", "2 entries", "3"])
    }

    @Test func columnStartsNotStartingAtZeroOrNotEndingAtCount() {
        let error = conicError("columnStarts[0] = 1") {
            _ = try SparseMatrix(rowCount: 2, columnCount: 2, columnStarts: [1, 1, 2], rowIndices: [0, 1], values: [1, 2], name: "M")
        }
        #expect(error.map { if case .invalidMatrix(name: "M", _) = $0 { true } else { false } } == true, "got \(String(describing: error))")
        expectDescription(error, mentions: ["M", "columnStarts", "start at 0"])
        let error2 = conicError("columnStarts ends past the entries") {
            _ = try SparseMatrix(rowCount: 2, columnCount: 2, columnStarts: [0, 1, 3], rowIndices: [0, 1], values: [1, 2], name: "M")
        }
        #expect(error2.map { if case .invalidMatrix = $0 { true } else { false } } == true, "got \(String(describing: error2))")
        expectDescription(error2, mentions: ["M", "columnStarts"])
        let error3 = conicError("values and rowIndices differ in length") {
            _ = try SparseMatrix(rowCount: 2, columnCount: 2, columnStarts: [0, 1, 2], rowIndices: [0, 1], values: [1], name: "M")
        }
        #expect(error3.map { if case .invalidMatrix = $0 { true } else { false } } == true, "got \(String(describing: error3))")
        expectDescription(error3, mentions: ["M", "values"])
    }

    @Test func columnStartsDecreasing() {
        let error = conicError("decreasing columnStarts") {
            _ = try SparseMatrix(rowCount: 3, columnCount: 3, columnStarts: [0, 2, 1, 3], rowIndices: [0, 1, 2],
                                 values: [1, 2, 3], name: "M")
        }
        #expect(error.map { if case .invalidMatrix(name: "M", _) = $0 { true } else { false } } == true, "got \(String(describing: error))")
        expectDescription(error, mentions: ["M", "decreases", "column 1"])
    }

    @Test(arguments: [-1, 2, 7])
    func rowIndexOutOfRange(row: Int) {
        let error = conicError("row index \(row) in a 2-row matrix") {
            _ = try SparseMatrix(rowCount: 2, columnCount: 2, columnStarts: [0, 1, 2], rowIndices: [0, row],
                                 values: [1, 2], name: "A")
        }
        #expect(error.map { if case .invalidMatrix(name: "A", _) = $0 { true } else { false } } == true, "got \(String(describing: error))")
        expectDescription(error, mentions: ["A", "row index \(row)", "column 1", "0..<2"])
    }

    @Test func unsortedAndDuplicateRowIndices() {
        let error = conicError("rows 2 then 0") {
            _ = try SparseMatrix(rowCount: 3, columnCount: 1, columnStarts: [0, 2], rowIndices: [2, 0], values: [1, 2], name: "A")
        }
        #expect(error.map { if case .invalidMatrix(name: "A", _) = $0 { true } else { false } } == true, "got \(String(describing: error))")
        expectDescription(error, mentions: ["A", "column 0", "increasing", "2 then 0"])
        let error2 = conicError("row 1 twice") {
            _ = try SparseMatrix(rowCount: 3, columnCount: 1, columnStarts: [0, 2], rowIndices: [1, 1], values: [1, 2], name: "A")
        }
        #expect(error2.map { if case .invalidMatrix = $0 { true } else { false } } == true, "got \(String(describing: error2))")
        expectDescription(error2, mentions: ["A", "strictly increasing", "1 then 1"])
    }

    @Test func negativeDimensions() {
        let error = conicError("negative rowCount") {
            _ = try SparseMatrix(rowCount: -1, columnCount: 0, columnStarts: [0], rowIndices: [], values: [], name: "M")
        }
        #expect(error.map { if case .invalidMatrix = $0 { true } else { false } } == true, "got \(String(describing: error))")
        expectDescription(error, mentions: ["M", "negative", "-1"])
    }

    @Test func tripletErrors() throws {
        let error = conicError("triplet entry out of range") {
            _ = try SparseMatrix(rowCount: 2, columnCount: 2, rows: [0, 2], columns: [0, 1], values: [1, 1], name: "T")
        }
        #expect(error.map { if case .invalidMatrix(name: "T", _) = $0 { true } else { false } } == true, "got \(String(describing: error))")
        expectDescription(error, mentions: ["T", "(2, 1)", "2×2"])
        let error2 = conicError("triplet lengths differ") {
            _ = try SparseMatrix(rowCount: 2, columnCount: 2, rows: [0, 1], columns: [0], values: [1, 1], name: "T")
        }
        #expect(error2.map { if case .invalidMatrix = $0 { true } else { false } } == true, "got \(String(describing: error2))")
        expectDescription(error2, mentions: ["T", "lengths"])
        // Duplicates are summed and rows sorted by the triplet initializer.
        let M = try SparseMatrix(rowCount: 3, columnCount: 1, rows: [2, 0, 2], columns: [0, 0, 0], values: [1, 5, 2], name: "T")
        #expect(M.rowIndices == [0, 2] && M.values == [5, 3])
    }

    /// Every case has a non-empty description.
    @Test func everyDescriptionIsNonEmpty() {
        let errors: [ConicError] = [
            .invalidMatrix(name: "A", reason: "r"), .dimensionMismatch("d"), .nonFinite("n"), .invalidCones("c"),
            .notUpperTriangular(row: 3, column: 1), .invalidSetting("s"), .parse(file: "f.qps", line: 4, message: "m"),
            .parse(file: "f.qps", line: 0, message: "m"), .io("cannot read"),
        ]
        for error in errors {
            #expect(!error.description.isEmpty, "\(error)")
        }
        #expect(ConicError.parse(file: "f.qps", line: 4, message: "m").description.contains("f.qps:4"))
    }
}
