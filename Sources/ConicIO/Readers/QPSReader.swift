import ConicSolver
import Foundation

/// Reader for QPS files: MPS files (free or fixed format) with the Maros–Mészáros `QUADOBJ`
/// extension for a quadratic objective.
///
/// A file describes
///
///     minimize    ½xᵀQx + cᵀx + c₀
///     subject to  lᵣ ≤ Ax ≤ uᵣ,  lₓ ≤ x ≤ uₓ
///
/// and is returned as a ``ConicProblem``
///
///     minimize    ½xᵀPx + qᵀx + c₀
///     subject to  A'x + s = b,  s ∈ {0}ᵏ × ℝʳ₊
///
/// with `P` the upper triangle of `Q`. The rows of `A'` are, in this order:
///
/// 1. one `.zero(k)` cone (omitted when `k = 0`) with the equality rows: the `E` rows without a
///    range, ranged rows whose lower and upper limits coincide (in row order), then a unit row
///    `e_jᵀx = v` for every variable whose lower and upper bounds coincide (`FX`), in column order;
/// 2. one `.nonnegative(r)` cone (omitted when `r = 0`) with, for every remaining constraint row
///    in file order, `aᵀx ≤ u` (row `a`, right-hand side `u`) when it has a finite upper limit
///    followed by `−aᵀx ≤ −l` when it has a finite lower limit; then for every remaining variable,
///    in column order, `x_j ≤ u` (row `e_j`) and `−x_j ≤ −l` (row `−e_j`) for its finite bounds.
///
/// Conventions:
/// - The first `N` row is the objective; further `N` rows are dropped, with their coefficients,
///   right-hand sides and ranges.
/// - A right-hand side on the objective row is minus the objective constant: `c₀ = −value`.
/// - Ranges follow the MPS standard: for a range `R` on a row with right-hand side `b`, an `E` row
///   becomes `[b, b+|R|]` when `R > 0` and `[b−|R|, b]` when `R < 0`, an `L` row
///   `[b−|R|, b]` and a `G` row `[b, b+|R|]`.
/// - Variables default to `0 ≤ x < ∞`. `UP` with a negative value on a variable whose lower
///   bound has not been set explicitly also sets the lower bound to `−∞` (the usual MPS
///   convention). `MI` sets the lower bound to `−∞`, `PL` the upper bound to `+∞`.
/// - Bounds and row limits of magnitude at least `10³⁰` count as infinite and produce no row.
/// - In `RHS`, `RANGES` and `BOUNDS` the set name may be omitted. When a file holds several
///   sets, only the first one is used and lines of other sets are ignored.
/// - `QUADOBJ` lists the lower (or upper) triangle of `Q`: an entry `(i, j, v)` means
///   `Q_ij = Q_ji = v`, and is added to `P[min(i,j), max(i,j)]`. `QMATRIX` lists the full
///   symmetric matrix; only its entries with the first index ≤ the second are kept.
/// - `OBJSENSE MAX` (the value may also be on the following line) makes the returned problem
///   minimize the *negated* objective: `q`, `P` and `c₀` are negated, so the optimal value of
///   the returned problem is minus the optimal value of the file's maximization problem.
/// - Fixed-format files, whose names may contain blanks, are detected automatically: when a line
///   cannot be read as free format, the file is read again with the fixed MPS columns (type in
///   columns 2–3, names in 5–12, 15–22 and 40–47, numbers in 25–36 and 50–61).
/// - Integer variables (`MARKER` lines, `BV`, `LI`, `UI` bounds) and semi-continuous variables
///   (`SC`) are not supported and are reported as errors. `ENDATA` is optional.
///
/// Malformed input throws ``ConicError/parse(file:line:message:)`` with the 1-based line number
/// (0 for problems not tied to a line, such as a missing section).
public enum QPSReader {

    /// A parsed QPS file: the conic problem together with the names and counts of the model.
    public struct Model: Sendable {
        /// The problem name from the `NAME` line (empty when absent).
        public let name: String
        /// The problem in conic form (see ``QPSReader``).
        public let problem: ConicProblem
        /// Names of the variables (columns), in the order of the variables of ``problem``.
        public let variableNames: [String]
        /// Names of the `E`, `L` and `G` rows in file order: the original constraints, before
        /// ranges and bounds are turned into rows of `A`.
        public let constraintNames: [String]
        /// Name of the objective row, or `nil` when the file has no `N` row.
        public let objectiveName: String?
        /// `true` when the file asks to maximize; ``problem`` then minimizes the negated objective.
        public let isMaximization: Bool

        /// Number of variables of the original model.
        public var variableCount: Int { variableNames.count }
        /// Number of constraint rows (`E`, `L`, `G`) of the original model.
        public var constraintCount: Int { constraintNames.count }
    }

    /// Reads a QPS/MPS file from disk.
    ///
    /// - Throws: ``ConicError/io(_:)`` when the file cannot be read,
    ///   ``ConicError/parse(file:line:message:)`` when it is malformed.
    public static func read(path: String) throws -> ConicProblem {
        try readModel(path: path).problem
    }

    /// Parses QPS/MPS text; `fileName` is used in error messages.
    ///
    /// - Throws: ``ConicError/parse(file:line:message:)`` when the text is malformed.
    public static func parse(_ text: String, fileName: String = "<input>") throws -> ConicProblem {
        try parseModel(text, fileName: fileName).problem
    }

    /// Reads a QPS/MPS file from disk, keeping the names and counts of the model.
    ///
    /// - Throws: ``ConicError/io(_:)`` when the file cannot be read,
    ///   ``ConicError/parse(file:line:message:)`` when it is malformed.
    public static func readModel(path: String) throws -> Model {
        try parseModel(nullTerminated: readFileBytes(path, kind: "QPS", nullTerminated: true), fileName: path)
    }

    /// Parses QPS/MPS text, keeping the names and counts of the model; `fileName` is used in
    /// error messages.
    ///
    /// - Throws: ``ConicError/parse(file:line:message:)`` when the text is malformed.
    public static func parseModel(_ text: String, fileName: String = "<input>") throws -> Model {
        try parseModel(nullTerminated: Array(text.utf8) + [0], fileName: fileName)
    }

    private static func parseModel(nullTerminated bytes: [UInt8], fileName: String) throws -> Model {
        func parse(_ layout: QPSLayout) throws -> Model {
            try LineTokenizer.withTokenizer(bytes, syntax: .mps) { text in
                var parser = QPSParser(text: text, layout: layout)
                return try parser.run()
            }
        }
        do {
            return try parse(.free)
        } catch let free as QPSFailure {
            guard free.layoutSensitive else { throw free.error(fileName) }
            // The line may be fixed format with blanks inside names: read the file again with
            // the fixed MPS columns, and report whichever reading got further.
            do {
                return try parse(.fixed)
            } catch let fixed as QPSFailure {
                throw (fixed.line > free.line ? fixed : free).error(fileName)
            }
        }
    }
}

// MARK: - Parser

/// A parse failure before it is turned into a ``ConicError``.
private struct QPSFailure: Error {
    let line: Int
    let message: String
    /// Whether the failure may come from reading a fixed-format file as free format.
    let layoutSensitive: Bool

    func error(_ fileName: String) -> ConicError {
        .parse(file: fileName, line: line, message: message)
    }
}

private enum QPSLayout { case free, fixed }

private enum QPSSection { case none, name, rows, columns, rhs, ranges, bounds, quadobj, qmatrix, objsense, end }

private enum QPSRowKind { case objective, free, equal, less, greater }

/// Bounds and limits at least this large in magnitude are infinite.
private let qpsInfinity = 1e30

private struct QPSParser {
    /// The lines and free-format tokens of the input.
    var text: LineTokenizer
    let layout: QPSLayout
    /// 1-based number of the current line.
    var line: Int { text.line }

    // Structure.
    var section = QPSSection.none
    var sawContent = false
    var seenRows = false
    var seenColumns = false
    var name = ""
    var maximize = false

    // Rows.
    var rowIndex: [String: Int] = [:]
    var rowNames: [String] = []
    var rowKinds: [QPSRowKind] = []
    var rowLines: [Int] = []
    var objectiveRow: Int?
    var rhs: [Double] = []
    var range: [Double] = []
    var hasRange: [Bool] = []

    // Columns.
    var columnIndex: [String: Int] = [:]
    var columnNames: [String] = []
    var q: [Double] = []
    var lower: [Double] = []
    var upper: [Double] = []
    var lowerIsExplicit: [Bool] = []

    // Constraint coefficients (original row indices) and quadratic terms.
    var entryRows: [Int] = []
    var entryColumns: [Int] = []
    var entryValues: [Double] = []
    var quadRows: [Int] = []
    var quadColumns: [Int] = []
    var quadValues: [Double] = []
    var constant = 0.0

    // First set name of each section; lines of other sets are ignored.
    var rhsSet: String?
    var rangeSet: String?
    var boundSet: String?

    init(text: LineTokenizer, layout: QPSLayout) {
        self.text = text
        self.layout = layout
    }

    // MARK: Driver

    mutating func run() throws -> QPSReader.Model {
        while text.nextLine() {
            sawContent = true
            // Section names start in column 1, data lines with a blank.
            if text.lineStartsWithBlank {
                try handleData()
            } else {
                try handleHeader()
            }
            if section == .end { break }
        }
        return try finish()
    }

    /// Number of free-format tokens of the current line.
    private var tokenCount: Int { text.fieldCount }

    /// Free-format token `k` of the current line.
    private func token(_ k: Int) -> String { text.field(k) }

    /// "1 field", "3 fields": the number of free-format fields of the current line.
    private var fieldCount: String { text.fieldCountText }

    /// The fixed-format field in 1-based columns `from...to` (to the end of the line when `to` is
    /// nil), without surrounding blanks.
    private func field(_ from: Int, _ to: Int?) -> String { text.columns(from, to) }

    private func fail(_ message: String, layoutSensitive: Bool = false) -> QPSFailure {
        QPSFailure(line: line, message: message, layoutSensitive: layoutSensitive)
    }

    private func failWithoutLine(_ message: String) -> QPSFailure {
        QPSFailure(line: 0, message: message, layoutSensitive: false)
    }

    // MARK: Sections

    private mutating func handleHeader() throws {
        let keyword = token(0)
        switch keyword {
        case "NAME":
            name = tokenCount > 1 ? text.text(text.range(ofField: 1).lowerBound ..< text.range(ofField: tokenCount - 1).upperBound) : ""
            section = .name
        case "ROWS":
            guard !seenRows else { throw fail("duplicate ROWS section") }
            seenRows = true
            section = .rows
        case "COLUMNS":
            guard seenRows else { throw fail("the COLUMNS section must come after the ROWS section") }
            guard !seenColumns else { throw fail("duplicate COLUMNS section") }
            seenColumns = true
            section = .columns
        case "RHS", "RANGES", "BOUNDS", "QUADOBJ", "QMATRIX":
            guard seenColumns else { throw fail("the \(keyword) section must come after the COLUMNS section") }
            switch keyword {
            case "RHS": section = .rhs
            case "RANGES": section = .ranges
            case "BOUNDS": section = .bounds
            case "QUADOBJ": section = .quadobj
            default: section = .qmatrix
            }
        case "OBJSENSE":
            section = .objsense
            if tokenCount > 2 {
                throw fail("OBJSENSE line has \(fieldCount); expected OBJSENSE followed by at most MIN or MAX")
            }
            if tokenCount == 2 { try setSense(token(1)) }
        case "ENDATA":
            section = .end
        default:
            throw fail("unknown section '\(keyword)'; expected NAME, ROWS, COLUMNS, RHS, RANGES, BOUNDS, "
                + "QUADOBJ, QMATRIX, OBJSENSE or ENDATA (section names start in column 1, data lines with a blank)")
        }
    }

    private mutating func handleData() throws {
        switch section {
        case .none:
            throw fail("data line before any section header (section names such as ROWS start in column 1)")
        case .name:
            throw fail("unexpected data line after NAME; expected a section header such as ROWS")
        case .rows: try handleRow()
        case .columns: try handleColumn()
        case .rhs: try handleRHSOrRange(isRange: false)
        case .ranges: try handleRHSOrRange(isRange: true)
        case .bounds: try handleBound()
        case .quadobj: try handleQuadratic(full: false)
        case .qmatrix: try handleQuadratic(full: true)
        case .objsense:
            guard tokenCount == 1 else {
                throw fail("OBJSENSE data line has \(fieldCount); expected one: MIN or MAX")
            }
            try setSense(token(0))
        case .end:
            break
        }
    }

    private mutating func setSense(_ value: String) throws {
        switch value.uppercased() {
        case "MIN", "MINIMIZE": maximize = false
        case "MAX", "MAXIMIZE": maximize = true
        default: throw fail("unknown objective sense '\(value)'; expected MIN or MAX")
        }
    }

    // MARK: ROWS

    private mutating func handleRow() throws {
        let type: String, rowName: String
        switch layout {
        case .free:
            guard tokenCount == 2 else {
                throw fail("ROWS line has \(fieldCount); expected 2 (row type and row name)",
                           layoutSensitive: true)
            }
            type = token(0)
            rowName = token(1)
        case .fixed:
            type = field(2, 3)
            rowName = field(5, 12)
            guard !type.isEmpty, !rowName.isEmpty else {
                throw fail("ROWS line needs a row type in columns 2-3 and a row name in columns 5-12",
                           layoutSensitive: true)
            }
        }
        let kind: QPSRowKind
        switch type.uppercased() {
        case "N": kind = objectiveRow == nil ? .objective : .free
        case "E": kind = .equal
        case "L": kind = .less
        case "G": kind = .greater
        default:
            throw fail("unknown row type '\(type)' for row '\(rowName)'; expected N, E, L or G")
        }
        if let previous = rowIndex[rowName] {
            throw fail("duplicate row name '\(rowName)' (already declared on line \(rowLines[previous]))")
        }
        let index = rowNames.count
        rowIndex[rowName] = index
        rowNames.append(rowName)
        rowKinds.append(kind)
        rowLines.append(line)
        rhs.append(0)
        range.append(0)
        hasRange.append(false)
        if kind == .objective { objectiveRow = index }
    }

    // MARK: COLUMNS

    private mutating func handleColumn() throws {
        if (0..<tokenCount).contains(where: { token($0).uppercased() == "'MARKER'" }) {
            throw fail("integer variables are not supported (MARKER line in COLUMNS)")
        }
        let column: String
        switch layout {
        case .free:
            guard tokenCount == 3 || tokenCount == 5 else {
                throw fail("COLUMNS line has \(fieldCount); expected 3 (column, row, value) "
                           + "or 5 (column, row, value, row, value)", layoutSensitive: true)
            }
            column = token(0)
            let j = declareColumn(column)
            try addCoefficient(column: j, row: token(1), value: token(2))
            if tokenCount == 5 { try addCoefficient(column: j, row: token(3), value: token(4)) }
        case .fixed:
            column = field(5, 12)
            let row1 = field(15, 22), value1 = field(25, 39), row2 = field(40, 47), value2 = field(50, nil)
            guard !column.isEmpty, !row1.isEmpty, !value1.isEmpty, row2.isEmpty == value2.isEmpty else {
                throw fail("COLUMNS line needs a column name (columns 5-12), a row name (15-22) and a value "
                           + "(25-36), optionally followed by a row name (40-47) and a value (50-61)",
                           layoutSensitive: true)
            }
            let j = declareColumn(column)
            try addCoefficient(column: j, row: row1, value: value1)
            if !row2.isEmpty { try addCoefficient(column: j, row: row2, value: value2) }
        }
    }

    private mutating func declareColumn(_ column: String) -> Int {
        if let j = columnIndex[column] { return j }
        let j = columnNames.count
        columnIndex[column] = j
        columnNames.append(column)
        q.append(0)
        lower.append(0)
        upper.append(.infinity)
        lowerIsExplicit.append(false)
        return j
    }

    private mutating func addCoefficient(column j: Int, row: String, value: String) throws {
        let i = try lookUpRow(row, in: "COLUMNS")
        let v = try number(value)
        switch rowKinds[i] {
        case .objective: q[j] += v
        case .free: break
        case .equal, .less, .greater:
            entryRows.append(i)
            entryColumns.append(j)
            entryValues.append(v)
        }
    }

    // MARK: RHS and RANGES

    private mutating func handleRHSOrRange(isRange: Bool) throws {
        let sectionName = isRange ? "RANGES" : "RHS"
        let set: String
        var pairs: [(String, String)] = []
        switch layout {
        case .free:
            let first: Int
            switch tokenCount {
            case 2, 4: set = ""; first = 0
            case 3, 5: set = token(0); first = 1
            default:
                throw fail("\(sectionName) line has \(fieldCount); expected [set name] row value "
                           + "[row value]", layoutSensitive: true)
            }
            var k = first
            while k + 1 < tokenCount {
                pairs.append((token(k), token(k + 1)))
                k += 2
            }
        case .fixed:
            set = field(5, 12)
            let row1 = field(15, 22), value1 = field(25, 39), row2 = field(40, 47), value2 = field(50, nil)
            guard !row1.isEmpty, !value1.isEmpty, row2.isEmpty == value2.isEmpty else {
                throw fail("\(sectionName) line needs a row name (columns 15-22) and a value (25-36), "
                           + "optionally followed by a row name (40-47) and a value (50-61)",
                           layoutSensitive: true)
            }
            pairs.append((row1, value1))
            if !row2.isEmpty { pairs.append((row2, value2)) }
        }
        if !set.isEmpty {
            let chosen = isRange ? rangeSet : rhsSet
            if let chosen {
                if chosen != set { return }
            } else if isRange {
                rangeSet = set
            } else {
                rhsSet = set
            }
        }
        for (row, value) in pairs {
            let i = try lookUpRow(row, in: sectionName)
            let v = try number(value)
            switch rowKinds[i] {
            case .objective:
                if !isRange { constant = -v }
            case .free:
                break
            case .equal, .less, .greater:
                if isRange {
                    range[i] = v
                    hasRange[i] = true
                } else {
                    rhs[i] = v
                }
            }
        }
    }

    // MARK: BOUNDS

    private mutating func handleBound() throws {
        let type = (layout == .free ? token(0) : field(2, 3)).uppercased()
        let needsValue: Bool
        switch type {
        case "LO", "UP", "FX": needsValue = true
        case "FR", "MI", "PL": needsValue = false
        case "BV": throw fail("binary variables are not supported (BV bound)")
        case "LI", "UI": throw fail("integer variables are not supported (\(type) bound)")
        case "SC": throw fail("semi-continuous variables are not supported (SC bound)")
        default:
            throw fail("unknown bound type '\(type)'; expected LO, UP, FX, FR, MI or PL")
        }
        var set = "", column = "", value = ""
        switch layout {
        case .free:
            let k = tokenCount
            if needsValue {
                switch k {
                case 4: set = token(1); column = token(2); value = token(3)
                case 3: column = token(1); value = token(2)
                default:
                    throw fail("\(type) bound line has \(fieldCount); expected \(type) [set name] column value",
                               layoutSensitive: true)
                }
            } else {
                switch k {
                case 2: column = token(1)
                case 3:
                    // Either "type set column" or "type column value"; prefer the first reading.
                    if columnIndex[token(2)] != nil || columnIndex[token(1)] == nil {
                        set = token(1); column = token(2)
                    } else {
                        column = token(1)
                    }
                case 4: set = token(1); column = token(2)
                default:
                    throw fail("\(type) bound line has \(fieldCount); expected \(type) [set name] column",
                               layoutSensitive: true)
                }
            }
        case .fixed:
            set = field(5, 12)
            column = field(15, 22)
            value = field(25, nil)
            guard !column.isEmpty, !needsValue || !value.isEmpty else {
                throw fail("\(type) bound line needs a column name in columns 15-22"
                           + (needsValue ? " and a value in columns 25-36" : ""), layoutSensitive: true)
            }
        }
        if !set.isEmpty {
            if let boundSet {
                if boundSet != set { return }
            } else {
                boundSet = set
            }
        }
        guard let j = columnIndex[column] else {
            throw fail("column '\(column)' in BOUNDS is not declared in COLUMNS", layoutSensitive: true)
        }
        switch type {
        case "LO":
            lower[j] = try number(value)
            lowerIsExplicit[j] = true
        case "UP":
            let v = try number(value)
            upper[j] = v
            if v < 0, !lowerIsExplicit[j] { lower[j] = -.infinity }
        case "FX":
            let v = try number(value)
            lower[j] = v
            upper[j] = v
            lowerIsExplicit[j] = true
        case "FR":
            lower[j] = -.infinity
            upper[j] = .infinity
            lowerIsExplicit[j] = true
        case "MI":
            lower[j] = -.infinity
            lowerIsExplicit[j] = true
        default: // "PL"
            upper[j] = .infinity
        }
    }

    // MARK: QUADOBJ and QMATRIX

    private mutating func handleQuadratic(full: Bool) throws {
        let sectionName = full ? "QMATRIX" : "QUADOBJ"
        let first: String, second: String, value: String
        switch layout {
        case .free:
            guard tokenCount == 3 else {
                throw fail("\(sectionName) line has \(fieldCount); expected 3 (column, column, value)",
                           layoutSensitive: true)
            }
            first = token(0); second = token(1); value = token(2)
        case .fixed:
            first = field(5, 12); second = field(15, 22); value = field(25, nil)
            guard !first.isEmpty, !second.isEmpty, !value.isEmpty else {
                throw fail("\(sectionName) line needs column names in columns 5-12 and 15-22 and a value "
                           + "in columns 25-36", layoutSensitive: true)
            }
        }
        let i = try lookUpColumn(first, in: sectionName)
        let j = try lookUpColumn(second, in: sectionName)
        let v = try number(value)
        if full, i > j { return }
        quadRows.append(min(i, j))
        quadColumns.append(max(i, j))
        quadValues.append(v)
    }

    // MARK: Helpers

    private func lookUpRow(_ row: String, in sectionName: String) throws -> Int {
        guard let i = rowIndex[row] else {
            throw fail("row '\(row)' in \(sectionName) is not declared in ROWS", layoutSensitive: true)
        }
        return i
    }

    private func lookUpColumn(_ column: String, in sectionName: String) throws -> Int {
        guard let j = columnIndex[column] else {
            throw fail("column '\(column)' in \(sectionName) is not declared in COLUMNS", layoutSensitive: true)
        }
        return j
    }

    private func number(_ token: String) throws -> Double {
        guard let value = LineTokenizer.real(token, syntax: text.syntax) else {
            throw fail("'\(token)' is not a valid number", layoutSensitive: true)
        }
        guard value.isFinite else {
            throw fail("value '\(token)' is not finite; NaN and infinite values are not allowed")
        }
        return value
    }

    // MARK: Assembly

    private func finish() throws -> QPSReader.Model {
        guard sawContent else { throw failWithoutLine("the file is empty (no sections found)") }
        guard seenRows else { throw failWithoutLine("missing ROWS section") }
        guard seenColumns else { throw failWithoutLine("missing COLUMNS section") }
        let n = columnNames.count
        let rowCount = rowNames.count

        // Coefficients grouped by original row.
        var rowStarts = [Int](repeating: 0, count: rowCount + 1)
        for i in entryRows { rowStarts[i + 1] += 1 }
        for i in 0..<rowCount { rowStarts[i + 1] += rowStarts[i] }
        var next = rowStarts
        var rowEntryColumns = [Int](repeating: 0, count: entryRows.count)
        var rowEntryValues = [Double](repeating: 0, count: entryRows.count)
        for k in entryRows.indices {
            let p = next[entryRows[k]]
            rowEntryColumns[p] = entryColumns[k]
            rowEntryValues[p] = entryValues[k]
            next[entryRows[k]] += 1
        }

        // Limits of every constraint row.
        var rowLower = [Double](repeating: -.infinity, count: rowCount)
        var rowUpper = [Double](repeating: .infinity, count: rowCount)
        var constraintNames: [String] = []
        for i in 0..<rowCount {
            let b = rhs[i], r = range[i]
            switch rowKinds[i] {
            case .objective, .free:
                continue
            case .equal:
                if hasRange[i], r > 0 {
                    rowLower[i] = b; rowUpper[i] = b + r
                } else if hasRange[i], r < 0 {
                    rowLower[i] = b + r; rowUpper[i] = b
                } else {
                    rowLower[i] = b; rowUpper[i] = b
                }
            case .less:
                rowUpper[i] = b
                if hasRange[i] { rowLower[i] = b - abs(r) }
            case .greater:
                rowLower[i] = b
                if hasRange[i] { rowUpper[i] = b + abs(r) }
            }
            constraintNames.append(rowNames[i])
        }

        var aRows: [Int] = [], aColumns: [Int] = [], aValues: [Double] = []
        var b: [Double] = []
        aRows.reserveCapacity(2 * entryRows.count)
        aColumns.reserveCapacity(2 * entryRows.count)
        aValues.reserveCapacity(2 * entryRows.count)

        func emitRow(_ i: Int, sign: Double, rhs value: Double) {
            let r = b.count
            for p in rowStarts[i]..<rowStarts[i + 1] {
                aRows.append(r)
                aColumns.append(rowEntryColumns[p])
                aValues.append(sign * rowEntryValues[p])
            }
            b.append(value)
        }
        func emitUnit(_ j: Int, sign: Double, rhs value: Double) {
            aRows.append(b.count)
            aColumns.append(j)
            aValues.append(sign)
            b.append(value)
        }
        func isEquality(_ lo: Double, _ hi: Double) -> Bool { lo == hi && lo.isFinite }

        // Equalities.
        for i in 0..<rowCount where rowKinds[i] != .objective && rowKinds[i] != .free {
            if isEquality(rowLower[i], rowUpper[i]) { emitRow(i, sign: 1, rhs: rowUpper[i]) }
        }
        for j in 0..<n where isEquality(lower[j], upper[j]) {
            emitUnit(j, sign: 1, rhs: upper[j])
        }
        let zeroCount = b.count

        // Inequalities.
        for i in 0..<rowCount where rowKinds[i] != .objective && rowKinds[i] != .free {
            let lo = rowLower[i], hi = rowUpper[i]
            if isEquality(lo, hi) { continue }
            if hi < qpsInfinity { emitRow(i, sign: 1, rhs: hi) }
            if lo > -qpsInfinity { emitRow(i, sign: -1, rhs: -lo) }
        }
        for j in 0..<n {
            let lo = lower[j], hi = upper[j]
            if isEquality(lo, hi) { continue }
            if hi < qpsInfinity { emitUnit(j, sign: 1, rhs: hi) }
            if lo > -qpsInfinity { emitUnit(j, sign: -1, rhs: -lo) }
        }
        let inequalityCount = b.count - zeroCount

        var cones: [ConeSpec] = []
        if zeroCount > 0 { cones.append(.zero(zeroCount)) }
        if inequalityCount > 0 { cones.append(.nonnegative(inequalityCount)) }

        let sign = maximize ? -1.0 : 1.0
        let P = try SparseMatrix(rowCount: n, columnCount: n, rows: quadRows, columns: quadColumns,
                                 values: maximize ? quadValues.map { -$0 } : quadValues, name: "P")
        let A = try SparseMatrix(rowCount: b.count, columnCount: n, rows: aRows, columns: aColumns,
                                 values: aValues, name: "A")
        let problem = try ConicProblem(P: P, q: maximize ? q.map { -$0 } : q, A: A, b: b, cones: cones,
                                       objectiveConstant: sign * constant)
        return QPSReader.Model(name: name, problem: problem, variableNames: columnNames,
                               constraintNames: constraintNames,
                               objectiveName: objectiveRow.map { rowNames[$0] },
                               isMaximization: maximize)
    }
}
