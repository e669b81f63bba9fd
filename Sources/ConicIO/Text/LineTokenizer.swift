import ConicSolver
import Foundation

/// The lexical rules of a line-oriented text format: what separates the fields of a line, which
/// lines are comments, and how numbers may be written. The readers differ only in these rules.
struct TextSyntax: Sendable {
    /// Where a comment marker must stand to make its line a comment.
    enum CommentPosition: Sendable {
        /// The first character that is not a blank (CBF's `#`, SDPA's `"` and `*`).
        case firstNonBlank
        /// The first column (MPS's `*`: elsewhere it may start a name).
        case firstColumn
    }

    /// Bytes that separate fields besides the blanks (space, tab, CR, VT, FF).
    let separators: ByteSet
    /// Bytes that mark a comment line.
    let commentMarkers: ByteSet
    /// Where ``commentMarkers`` count.
    let commentPosition: CommentPosition
    /// Whether a number may have a Fortran exponent (`1.5D+02`), as MPS files from old codes do.
    let fortranExponents: Bool

    /// CBF: blank-separated fields, `#` comment lines.
    static let cbf = TextSyntax(separators: [], commentMarkers: [UInt8(ascii: "#")],
                                commentPosition: .firstNonBlank, fortranExponents: false)
    /// SDPA: numbers separated by blanks or the list punctuation `, { } ( )`; `"` and `*`
    /// comment lines.
    static let sdpa = TextSyntax(separators: [UInt8(ascii: ","), UInt8(ascii: "{"), UInt8(ascii: "}"),
                                              UInt8(ascii: "("), UInt8(ascii: ")")],
                                 commentMarkers: [UInt8(ascii: "\""), UInt8(ascii: "*")],
                                 commentPosition: .firstNonBlank, fortranExponents: false)
    /// QPS/MPS: blank-separated fields, `*` in column 1 for comments, Fortran exponents allowed.
    static let mps = TextSyntax(separators: [], commentMarkers: [UInt8(ascii: "*")],
                                commentPosition: .firstColumn, fortranExponents: true)
}

/// A set of bytes, tested in constant time (the tokenizer turns its syntax's sets into a byte table).
struct ByteSet: Sendable, ExpressibleByArrayLiteral {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(arrayLiteral bytes: UInt8...) {
        for byte in bytes { insert(byte) }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    @inline(__always) func contains(_ byte: UInt8) -> Bool {
        let word: UInt64
        switch byte >> 6 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return word >> UInt64(byte & 63) & 1 != 0
    }
}

/// An integer field read by ``LineTokenizer/integer(_:)``.
enum IntegerField: Equatable {
    case value(Int)
    /// Not an optional sign followed by decimal digits.
    case notAnInteger
    /// Digits whose value does not fit in `Int`.
    case tooLarge
}

/// Splits text into lines and the lines into fields, skipping blank and comment lines, and reads
/// fields as integers (overflow-checked) or finite-or-not reals (`strtod`, whole field only). The
/// one tokenizer of the CBF, SDPA and QPS readers: each gives its ``TextSyntax`` and keeps its
/// own grammar and messages.
///
/// It works on a buffer whose byte after the text is zero, so that `strtod` stops inside it;
/// create it with ``withTokenizer(_:syntax:_:)``, which also parses numbers in the C locale.
struct LineTokenizer {
    /// The text; `base[length]` is a zero byte.
    let base: UnsafePointer<UInt8>
    /// Number of bytes of text (without the terminating zero).
    let length: Int
    let syntax: TextSyntax
    /// For every byte value: 0 inside a field, 1 a separator, 2 the line end. A table, not
    /// ``TextSyntax``'s sets, because it is read once per input byte (owned by ``withTokenizer(_:syntax:_:)``).
    private let byteClass: UnsafePointer<UInt8>

    /// Offset of the first byte after the current line.
    private(set) var position = 0
    /// 1-based number of the current line (0 before the first).
    private(set) var line = 0
    /// Number of the last line that had fields (0 before the first); after ``nextLine()`` returned
    /// `false`, the last line of data in the file.
    private(set) var lastFieldLine = 0
    /// The current line without its line end (and without one trailing CR).
    private(set) var lineStart = 0
    private(set) var lineEnd = 0
    /// Fields of the current line, as byte offsets `starts[k] ..< ends[k]`.
    private var starts: [Int] = []
    private var ends: [Int] = []

    /// Runs `body` with a tokenizer over `bytes`, whose last byte must be a terminating zero (the
    /// text is everything before it). Numbers are parsed in the C locale ('.' decimal point)
    /// whatever the program's locale.
    static func withTokenizer<R>(_ bytes: [UInt8], syntax: TextSyntax,
                                 _ body: (inout LineTokenizer) throws -> R) rethrows -> R {
        precondition(bytes.last == 0, "LineTokenizer: the input must end with a zero byte")
        let byteClass = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        defer { byteClass.deallocate() }
        for value in 0...255 {
            let byte = UInt8(value)
            byteClass[value] = byte == 10 ? 2 : isBlank(byte) || syntax.separators.contains(byte) ? 1 : 0
        }
        return try withCNumericLocale {
            try bytes.withUnsafeBufferPointer { buffer in
                var tokenizer = LineTokenizer(base: buffer.baseAddress!, length: buffer.count - 1, syntax: syntax,
                                              byteClass: byteClass)
                return try body(&tokenizer)
            }
        }
    }

    private init(base: UnsafePointer<UInt8>, length: Int, syntax: TextSyntax, byteClass: UnsafePointer<UInt8>) {
        self.base = base
        self.length = length
        self.syntax = syntax
        self.byteClass = byteClass
        starts.reserveCapacity(16)
        ends.reserveCapacity(16)
    }

    // MARK: Lines

    /// Space, tab, CR, VT, FF.
    @inline(__always) static func isBlank(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 13 || byte == 11 || byte == 12
    }

    /// Moves to the next line that has fields and is not a comment, and splits it into fields.
    /// Returns `false` at the end of the text.
    mutating func nextLine() -> Bool {
        while position < length {
            line += 1
            starts.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            lineStart = position
            var p = position
            let isComment: Bool
            switch syntax.commentPosition {
            case .firstColumn:
                isComment = syntax.commentMarkers.contains(base[p])
            case .firstNonBlank:
                while p < length, Self.isBlank(base[p]) { p += 1 }
                isComment = p < length && syntax.commentMarkers.contains(base[p])
            }
            if isComment {
                while p < length, base[p] != 10 { p += 1 }
            } else {
                let base = self.base, length = self.length, byteClass = self.byteClass
                while p < length {
                    let kind = byteClass[Int(base[p])]
                    if kind == 2 { break }
                    if kind == 1 { p += 1; continue }
                    let start = p
                    while p < length, byteClass[Int(base[p])] == 0 { p += 1 }
                    starts.append(start)
                    ends.append(p)
                }
            }
            lineEnd = p
            if lineEnd > lineStart, base[lineEnd - 1] == 13 { lineEnd -= 1 }
            position = p + 1
            if !starts.isEmpty {
                lastFieldLine = line
                return true
            }
        }
        return false
    }

    /// Bytes of text after the current line: a bound on what the rest of the file can hold.
    var remainingByteCount: Int { max(0, length - position) }

    /// Whether the current line starts with a blank (MPS: a data line, not a section header).
    var lineStartsWithBlank: Bool { lineStart < lineEnd && Self.isBlank(base[lineStart]) }

    // MARK: Fields

    /// Number of fields of the current line.
    var fieldCount: Int { starts.count }

    /// "1 field", "3 fields".
    var fieldCountText: String { starts.count == 1 ? "1 field" : "\(starts.count) fields" }

    /// The byte range of field `k`.
    func range(ofField k: Int) -> Range<Int> { starts[k] ..< ends[k] }

    /// The first byte of field `k`.
    func firstByte(ofField k: Int) -> UInt8 { base[starts[k]] }

    /// Number of bytes of field `k`.
    func byteCount(ofField k: Int) -> Int { ends[k] - starts[k] }

    /// Field `k` as text, whole (names); empty when there is no field `k`.
    func field(_ k: Int) -> String {
        k < starts.count ? text(starts[k] ..< ends[k]) : ""
    }

    /// Field `k` as text shortened to 60 bytes for messages; empty when there is no field `k`.
    func excerpt(_ k: Int) -> String {
        k < starts.count ? excerpt(starts[k] ..< ends[k]) : ""
    }

    /// The text of `range`.
    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// The text of `range` shortened to 60 bytes (with `…`) for messages.
    func excerpt(_ range: Range<Int>) -> String {
        let count = min(range.count, 60)
        let text = String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: count), as: UTF8.self)
        return count < range.count ? text + "…" : text
    }

    /// The text in the 1-based columns `from...to` of the current line (to its end when `to` is
    /// nil), without surrounding blanks: a field of a fixed-column format.
    func columns(_ from: Int, _ to: Int?) -> String {
        var lo = lineStart + from - 1
        var hi = to.map { min(lineEnd, lineStart + $0) } ?? lineEnd
        guard lo < hi else { return "" }
        while lo < hi, Self.isBlank(base[lo]) { lo += 1 }
        while hi > lo, Self.isBlank(base[hi - 1]) { hi -= 1 }
        return text(lo ..< hi)
    }

    // MARK: Numbers

    /// Field `k` as an integer: an optional sign and decimal digits, nothing else.
    func integer(_ k: Int) -> IntegerField { integer(starts[k] ..< ends[k]) }

    /// The bytes of `range` as an integer: an optional sign and decimal digits, nothing else;
    /// read left to right, so an overflow is reported before a later invalid byte.
    func integer(_ range: Range<Int>) -> IntegerField {
        var p = range.lowerBound
        let end = range.upperBound
        var negative = false
        if p < end, base[p] == 43 || base[p] == 45 { // + -
            negative = base[p] == 45
            p += 1
        }
        guard p < end else { return .notAnInteger }
        var value = 0
        while p < end {
            let digit = Int(base[p]) - 48
            guard digit >= 0, digit <= 9 else { return .notAnInteger }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            guard !o1, !o2 else { return .tooLarge }
            value = sum
            p += 1
        }
        return .value(negative ? -value : value)
    }

    /// Field `k` as a real number; see ``real(_:)-(Range<Int>)``.
    func real(_ k: Int) -> Double? { real(starts[k] ..< ends[k]) }

    /// The bytes of `range` as a real number, or nil unless all of them form one (`strtod`'s
    /// syntax: NaN and infinities are numbers here, for the caller to refuse with its message).
    func real(_ range: Range<Int>) -> Double? {
        if let value = Self.strtodWhole(base + range.lowerBound, count: range.count) { return value }
        guard syntax.fortranExponents else { return nil }
        return Self.realWithFortranExponent(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    /// `text` as a real number with the rules of ``real(_:)-(Range<Int>)`` for `syntax` (for
    /// fields cut out by column rather than by separators).
    static func real(_ text: String, syntax: TextSyntax) -> Double? {
        let count = text.utf8.count
        // Native strings hand out their zero-terminated storage without a copy.
        if let value = text.withCString({ strtodWhole(UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: count) }) {
            return value
        }
        guard syntax.fortranExponents else { return nil }
        return Array(text.utf8).withUnsafeBufferPointer { realWithFortranExponent($0) }
    }

    /// `strtod` of the `count` bytes at `text` (followed, at some point, by a zero byte), or nil
    /// unless it reads exactly those bytes.
    private static func strtodWhole(_ text: UnsafePointer<UInt8>, count: Int) -> Double? {
        guard count > 0 else { return nil }
        var consumed = -1
        let value = text.withMemoryRebound(to: CChar.self, capacity: count + 1) { text -> Double in
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(text, &stop)
            if let stop { consumed = UnsafePointer(stop) - text }
            return value
        }
        return consumed == count ? value : nil
    }

    /// The number `1.5D+02` written with a Fortran exponent letter (`d` or `D`, read as `e`).
    private static func realWithFortranExponent(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard bytes.contains(where: { $0 == 100 || $0 == 68 }) else { return nil } // d D
        let mapped = bytes.map { $0 == 100 || $0 == 68 ? 101 : $0 } + [0]
        return mapped.withUnsafeBufferPointer { strtodWhole($0.baseAddress!, count: bytes.count) }
    }
}

/// A malformed input at `line` (1-based; 0 when not tied to a line), before the reader turns it
/// into ``ConicError/parse(file:line:message:)`` with the file name.
struct TextParseFailure: Error {
    let line: Int
    let message: String
}

/// A problem whose declared size does not fit in memory, refused before anything of that size is
/// allocated; it reaches the caller as ``ConicError/problemTooLarge(what:requiredBytes:availableBytes:)``
/// with the file name in front of `what`.
struct DeclaredProblemTooLarge: Error {
    let what: String
    let requiredBytes: Int
    let availableBytes: Int

    /// ``MemoryBudget/require(_:for:)``, throwing this error instead of ``ConicError``.
    static func require(_ requiredBytes: Int, for what: @autoclosure () -> String) throws {
        do {
            try MemoryBudget.require(requiredBytes, for: what())
        } catch let ConicError.problemTooLarge(what, requiredBytes, availableBytes) {
            throw DeclaredProblemTooLarge(what: what, requiredBytes: requiredBytes, availableBytes: availableBytes)
        }
    }
}

/// Runs a reader's parser on the text of `fileName`, turning its failures into the
/// ``ConicError``s callers see: ``TextParseFailure`` into ``ConicError/parse(file:line:message:)``
/// and ``DeclaredProblemTooLarge`` into ``ConicError/problemTooLarge(what:requiredBytes:availableBytes:)``
/// naming the file. Other errors pass through unchanged.
func reportingParseFailures<R>(in fileName: String, _ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let failure as TextParseFailure {
        throw ConicError.parse(file: fileName, line: failure.line, message: failure.message)
    } catch let tooLarge as DeclaredProblemTooLarge {
        throw ConicError.problemTooLarge(what: "\(fileName): \(tooLarge.what)", requiredBytes: tooLarge.requiredBytes,
                                         availableBytes: tooLarge.availableBytes)
    }
}
