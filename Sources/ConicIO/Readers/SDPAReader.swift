import ConicSolver
import Foundation

/// Reader for the sparse SDPA format (`.dat-s`), the format of SDPLIB
/// (https://github.com/vsdp/SDPLIB, B. Borchers, *SDPLIB 1.2*).
///
/// A file describes `m` symmetric block-diagonal matrices `F₁, …, F_m`, a constant matrix `F₀`
/// with the same block structure and a cost vector `c ∈ ℝᵐ`, and the problem SDPA calls its
/// *primal*:
///
///     minimize    cᵀx
///     subject to  X = Σᵢ xᵢ Fᵢ − F₀ ⪰ 0        (x ∈ ℝᵐ)
///
/// (its dual is `maximize tr(F₀Y)  subject to  tr(FᵢY) = cᵢ,  Y ⪰ 0`). It is returned as the
/// ``ConicProblem``
///
///     minimize    qᵀx            with q = c, P = 0, c₀ = 0
///     subject to  Ax + s = b,  s ∈ K
///
/// with the same `m` variables and one cone per block, in block order:
///
/// - a block of order `k > 0` becomes ``ConeSpec/positiveSemidefinite(_:)`` `(k)` whose
///   `k(k+1)/2` rows hold `s = svec(X_blk)`: column `i` of `A` is `−svec(Fᵢ,blk)` and
///   `b = −svec(F₀,blk)`, where `svec` lists the upper triangle column by column,
///   `(1,1), (1,2), (2,2), (1,3), …`, with the off-diagonal entries multiplied by `√2` (entry
///   `(i, j)`, `i ≤ j`, 1-based, is row `j(j−1)/2 + i` of the block);
/// - a block of size `−k < 0` (a diagonal, "LP", block) becomes ``ConeSpec/nonnegative(_:)``
///   `(k)` whose rows hold the diagonal of `X_blk`: `A = −diag(Fᵢ,blk)`, `b = −diag(F₀,blk)`.
///
/// Blocks of order 1 are kept as given: a block size `1` gives a `positiveSemidefinite(1)` cone
/// and `−1` a `nonnegative(1)` cone (the two describe the same set, a scalar `≥ 0`).
///
/// **Sign convention.** The objective of the returned problem is `qᵀx = cᵀx`, exactly SDPA's
/// primal objective (what SDPA prints as `objValPrimal`), and SDPLIB's published optimal values
/// are this value too: SDPA 7.3.16 on `control1` prints `objValPrimal = +1.7784627e+01`,
/// `objValDual = +1.7784626e+01` and SDPLIB lists 17.78463; on `truss1` it prints
/// `objValPrimal = −8.9999963e+00` and SDPLIB lists −8.999996. Nothing is negated. The slack
/// `s = b − Ax` is `svec(X)` (the `xMat` SDPA prints), and the dual variable of the PSD cone
/// is `svec(Y)`.
///
/// File layout (1-based indices throughout):
///
/// 1. comment lines, whose first non-blank character is `"` or `*`; such lines, and blank lines,
///    are skipped anywhere in the file;
/// 2. `m`, the number of constraint matrices (at least 1); anything after the number on its line
///    is a comment (as in `3 = mDIM`);
/// 3. `nblocks`, the number of blocks (at least 1); the rest of its line is a comment;
/// 4. the `nblocks` block sizes (nonzero; negative for a diagonal block);
/// 5. the `m` entries of `c`;
/// 6. one entry per line, `matno blkno i j value`: entry `(i, j)` of block `blkno` of `F_matno`
///    (`matno` in `0…m`, where `0` is `F₀`). Entries give the upper triangle; an entry with
///    `i > j` is read as `(j, i)` (the matrices are symmetric). Entries of a diagonal block must
///    have `i = j`. Entries given more than once are summed; entries whose value is exactly zero
///    are skipped (they are still checked).
///
/// Numbers are separated by blanks, tabs, commas, braces or parentheses, so `{1, 2, -3}`,
/// `(1,2,-3)` and `1 2 -3` are the same list. The block sizes and `c` may run over several
/// lines; a list must end at the end of a line, and a token that does not start like a number
/// (for instance `=` in `2 = bLOCKsTRUCT`) starts a comment that runs to the end of its line.
/// Integer fields may be written as integral decimals (`2.0`). Values must be finite: NaN and
/// infinities are rejected. The blocks may have at most `2²⁸` rows in total (a single PSD block of
/// order up to 23 170), and the problem the header declares must fit in memory (see
/// ``MemoryBudget``); otherwise ``ConicError/problemTooLarge(what:requiredBytes:availableBytes:)``
/// is thrown before anything large is allocated.
///
/// Malformed input throws ``ConicError/parse(file:line:message:)`` with the 1-based line number
/// (0 for problems not tied to a line, such as an empty file); files that cannot be read throw
/// ``ConicError/io(_:)``.
public enum SDPAReader {

    /// Reads an SDPA sparse (`.dat-s`) file from disk.
    ///
    /// - Throws: ``ConicError/io(_:)`` when the file cannot be read,
    ///   ``ConicError/parse(file:line:message:)`` when it is malformed.
    public static func read(path: String) throws -> ConicProblem {
        try parse(nullTerminated: readFileBytes(path, kind: "SDPA", nullTerminated: true), fileName: path)
    }

    /// Parses SDPA sparse text; `fileName` is used in error messages.
    ///
    /// - Throws: ``ConicError/parse(file:line:message:)`` when the text is malformed.
    public static func parse(_ text: String, fileName: String = "<input>") throws -> ConicProblem {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return try parse(nullTerminated: bytes, fileName: fileName)
    }

    /// Parses `bytes`, whose last byte must be a terminating zero.
    private static func parse(nullTerminated bytes: [UInt8], fileName: String) throws -> ConicProblem {
        let data = try reportingParseFailures(in: fileName) {
            try LineTokenizer.withTokenizer(bytes, syntax: .sdpa) { text in
                var parser = SDPAParser(text: text)
                return try parser.run()
            }
        }
        do {
            let A = try SparseMatrix(rowCount: data.rowCount, columnCount: data.c.count,
                                     rows: data.rows, columns: data.columns, values: data.values, name: "A")
            return try ConicProblem(q: data.c, A: A, b: data.b, cones: data.cones)
        } catch let error as ConicError {
            // Only possible when sums of duplicated entries overflow to infinity.
            if case .problemTooLarge = error { throw error }
            throw ConicError.parse(file: fileName, line: 0, message: error.description)
        }
    }
}

// MARK: - Parser

/// The parsed contents: `A` as triplets, and everything else ready for ``ConicProblem``.
private struct SDPAData {
    var c: [Double] = []
    var cones: [ConeSpec] = []
    var rowCount = 0
    var rows: [Int] = []
    var columns: [Int] = []
    var values: [Double] = []
    var b: [Double] = []
}

/// Largest number of rows (entries of `s`) accepted for all blocks together.
private let sdpaMaxRows = 1 << 28

/// Largest accepted `m` or number of blocks.
private let sdpaMaxCount = Int(Int32.max)

private struct SDPAParser {
    /// The lines and tokens of the input.
    var text: LineTokenizer
    /// 1-based number of the current line.
    var line: Int { text.line }

    init(text: LineTokenizer) {
        self.text = text
    }

    // MARK: Tokens

    private var tokenCount: Int { text.fieldCount }

    /// Moves to the next line that holds a token and is not a comment. Returns `false` at the end
    /// of the input.
    private mutating func nextLine() -> Bool { text.nextLine() }

    /// Token `k` of the current line as text, shortened for messages.
    private func token(_ k: Int) -> String { text.excerpt(k) }

    /// Whether token `k` reads as a number (or as NaN or an infinity, which are rejected later);
    /// any other token starts a comment.
    private func isNumeric(_ k: Int) -> Bool {
        let first = text.firstByte(ofField: k)
        if (first >= 48 && first <= 57) || first == 43 || first == 45 || first == 46 { return true } // 0-9 + - .
        let count = text.byteCount(ofField: k)
        guard count == 3 || count == 8 else { return false }
        let word = text.field(k).lowercased()
        return word == "nan" || word == "inf" || word == "infinity"
    }

    /// The number of leading numeric tokens of the current line: the rest is a comment.
    private func numericCount() -> Int {
        var k = 0
        while k < tokenCount, isNumeric(k) { k += 1 }
        return k
    }

    private func fail(_ message: String) -> TextParseFailure {
        TextParseFailure(line: line, message: message)
    }

    // MARK: Numbers

    /// The real number at `start ..< end`, on `line`; `what` names it in messages.
    private func real(_ start: Int, _ end: Int, line: Int, _ what: String) throws -> Double {
        guard let value = text.real(start ..< end) else {
            throw TextParseFailure(line: line, message: "'\(excerpt(start, end))' is not a valid number (\(what))")
        }
        guard value.isFinite else {
            throw TextParseFailure(line: line, message:
                "\(what) is '\(excerpt(start, end))'; NaN and infinite values are not allowed")
        }
        return value
    }

    /// The integer at `start ..< end`, on `line`; integral decimals such as `2.0` are accepted.
    private func integer(_ start: Int, _ end: Int, line: Int, _ what: String) throws -> Int {
        switch text.integer(start ..< end) {
        case let .value(value): return value
        case .tooLarge:
            throw TextParseFailure(line: line, message: "integer '\(excerpt(start, end))' is too large (\(what))")
        case .notAnInteger:
            break
        }
        // Not a plain integer: accept an integral decimal such as 2.0 or 1e1.
        guard let real = text.real(start ..< end), real.isFinite, real == real.rounded(), abs(real) < 1e15 else {
            throw TextParseFailure(line: line, message: "'\(excerpt(start, end))' is not a valid integer (\(what))")
        }
        return Int(real)
    }

    private func excerpt(_ start: Int, _ end: Int) -> String { text.excerpt(start ..< end) }

    /// Token `k` of the current line as an integer (see ``integer(_:_:line:_:)``).
    private func integer(_ k: Int, _ what: String) throws -> Int {
        let range = text.range(ofField: k)
        return try integer(range.lowerBound, range.upperBound, line: line, what)
    }

    /// Token `k` of the current line as a finite real number.
    private func real(_ k: Int, _ what: String) throws -> Double {
        let range = text.range(ofField: k)
        return try real(range.lowerBound, range.upperBound, line: line, what)
    }

    // MARK: Header

    /// Reads the single count on the next line (the rest of the line is a comment).
    private mutating func count(_ what: String, _ name: String) throws -> Int {
        guard nextLine() else {
            throw TextParseFailure(line: text.lastFieldLine, message:
                text.lastFieldLine == 0 ? "the file holds no data: expected \(what)"
                                  : "the file ends before \(what)")
        }
        guard isNumeric(0) else {
            throw fail("expected \(what), found '\(token(0))'")
        }
        let value = try integer(0, name)
        guard value >= 1 else { throw fail("\(name) is \(value); it must be at least 1") }
        guard value <= sdpaMaxCount else { throw fail("\(name) is \(value); at most \(sdpaMaxCount) is supported") }
        return value
    }

    /// A list item: a token's byte range and its line.
    struct Item {
        let start: Int
        let end: Int
        let line: Int
    }

    /// "1 entry", "3 entries".
    private static func entries(_ k: Int) -> String { k == 1 ? "1 entry" : "\(k) entries" }

    /// Reads a list of exactly `count` numbers, which may run over several lines but must end at
    /// the end of a line (a non-numeric token starts a comment up to the end of its line).
    private mutating func list(_ count: Int, _ what: String, _ countText: String) throws -> [Item] {
        guard nextLine() else {
            throw TextParseFailure(line: text.lastFieldLine, message: "the file ends before \(what)")
        }
        let firstLine = line
        var items: [Item] = []
        var previousLine = line
        while true {
            let before = items.count
            let numbers = numericCount()
            if before + numbers > count {
                if line == firstLine {
                    throw fail("\(what) has \(Self.entries(numbers)), but \(countText)")
                }
                throw TextParseFailure(line: firstLine, message:
                    "\(what) has only \(Self.entries(before)) up to line \(previousLine), but \(countText) "
                    + "(line \(line), with \(numbers) numbers, does not complete it)")
            }
            for k in 0..<numbers {
                let range = text.range(ofField: k)
                items.append(Item(start: range.lowerBound, end: range.upperBound, line: line))
            }
            if items.count == count { return items }
            previousLine = line
            guard nextLine() else {
                throw TextParseFailure(line: firstLine, message:
                    "\(what) has only \(Self.entries(items.count)), but \(countText); the file ends")
            }
        }
    }

    // MARK: Driver

    mutating func run() throws -> SDPAData {
        var data = SDPAData()

        let m = try count("the number of constraint matrices m", "m")
        let mLine = line
        let blockCount = try count("the number of blocks nblocks", "nblocks")
        let blockLine = line

        let sizeItems = try list(blockCount, "the list of block sizes",
                                 "nblocks = \(blockCount) (line \(blockLine))")
        var orders: [Int] = []
        var isDiagonal: [Bool] = []
        var offsets: [Int] = []
        var total = 0
        for (index, item) in sizeItems.enumerated() {
            let size = try integer(item.start, item.end, line: item.line, "size of block \(index + 1)")
            guard size != 0 else {
                throw TextParseFailure(line: item.line, message: "block \(index + 1) has size 0; sizes must be nonzero")
            }
            let order = size.magnitude > UInt(sdpaMaxRows) ? sdpaMaxRows + 1 : abs(size)
            let rows = size < 0 ? order : order * (order + 1) / 2
            guard order <= sdpaMaxRows, total <= sdpaMaxRows - rows else {
                throw TextParseFailure(line: item.line, message:
                    "block \(index + 1) of size \(size) brings the number of rows past \(sdpaMaxRows), the most supported")
            }
            orders.append(order)
            isDiagonal.append(size < 0)
            offsets.append(total)
            data.cones.append(size < 0 ? .nonnegative(order) : .positiveSemidefinite(order))
            total += rows
        }
        data.rowCount = total

        // The block sizes are just numbers: 19 bytes can declare 2²⁸ rows. Refuse what solving
        // would not fit in memory before allocating `b`; the entries of A must be lines of the
        // file (at least 10 bytes each), which bounds their number.
        let psdOrders = zip(orders, isDiagonal).filter { !$0.1 }.map(\.0)
        let required = MemoryBudget.solverBytes(variables: m, rows: total, nonzeros: text.length / 10, psdOrders: psdOrders)
        try DeclaredProblemTooLarge.require(required, for: "the problem declared by the header (\(m) variables, "
                                            + "\(total) rows, largest PSD block of order \(psdOrders.max() ?? 0))")

        let cItems = try list(m, "c", "m = \(m) (line \(mLine))")
        data.c.reserveCapacity(m)
        for (index, item) in cItems.enumerated() {
            data.c.append(try real(item.start, item.end, line: item.line, "c[\(index + 1)]"))
        }

        data.b = [Double](repeating: 0, count: total)
        let estimate = min(text.length / 12, 1 << 24)
        data.rows.reserveCapacity(estimate)
        data.columns.reserveCapacity(estimate)
        data.values.reserveCapacity(estimate)
        let sqrt2 = 2.0.squareRoot()

        while nextLine() {
            let numbers = numericCount()
            guard numbers == 5 else {
                if numbers == 0 {
                    throw fail("expected an entry 'matno blkno i j value', found '\(token(0))'")
                }
                throw fail("expected an entry 'matno blkno i j value' (5 numbers), found \(numbers) number"
                           + (numbers == 1 ? "" : "s"))
            }
            let matrix = try integer(0, "matrix number")
            guard matrix >= 0, matrix <= m else {
                throw fail("matrix number \(matrix) is out of range 0...\(m) (m = \(m))")
            }
            let block = try integer(1, "block number")
            guard block >= 1, block <= blockCount else {
                throw fail("block number \(block) is out of range 1...\(blockCount) (nblocks = \(blockCount))")
            }
            let order = orders[block - 1]
            let diagonal = isDiagonal[block - 1]
            let kind = diagonal ? "diagonal block" : "block"
            var i = try integer(2, "row index i")
            guard i >= 1, i <= order else {
                throw fail("row index i = \(i) is out of range 1...\(order) for \(kind) \(block) of size \(order)")
            }
            var j = try integer(3, "column index j")
            guard j >= 1, j <= order else {
                throw fail("column index j = \(j) is out of range 1...\(order) for \(kind) \(block) of size \(order)")
            }
            let value = try real(4, "value")
            if diagonal {
                guard i == j else {
                    throw fail("entry (\(i), \(j)) is off the diagonal of block \(block), a diagonal (LP) block of size \(order)")
                }
            } else if i > j {
                swap(&i, &j)
            }
            if value == 0 { continue }
            let row = offsets[block - 1] + (diagonal ? i - 1 : (j - 1) * j / 2 + (i - 1))
            let scaled = i == j ? value : value * sqrt2
            guard scaled.isFinite else {
                throw fail("value \(token(4)) times √2 (off-diagonal svec scaling) is not finite")
            }
            if matrix == 0 {
                data.b[row] -= scaled
            } else {
                data.rows.append(row)
                data.columns.append(matrix - 1)
                data.values.append(-scaled)
            }
        }
        return data
    }
}
