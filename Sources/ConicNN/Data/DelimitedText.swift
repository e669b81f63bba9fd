import ConicIO
import ConicSolver
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the fields of a line are separated.
enum FieldSeparator: Sendable {
    /// Commas; spaces and tabs around a field are ignored, and an empty field is an error.
    case comma
    /// Runs of spaces and tabs.
    case whitespace
}

/// A numeric table read from delimited text: all columns, row-major.
struct DelimitedTable {
    /// Field names of the header row, when there was one.
    var header: [String]?
    /// Fields per row.
    var columnCount: Int
    /// Entries row after row (`rowCount × columnCount`).
    var values: [Double]
    /// The 1-based file line of every data row, for error messages raised after parsing.
    var lineNumbers: [Int]

    var rowCount: Int { lineNumbers.count }

    /// The table without its first column when that column is a row index as `pandas.to_csv()`
    /// writes it by default: an empty (or `Unnamed: 0`) header name over the integers 0, 1, …,
    /// n − 1 (or 1, …, n). Read as a feature it would silently change the problem.
    func droppingRowIndexColumn() -> DelimitedTable {
        guard let header, columnCount > 1, ["", "Unnamed: 0"].contains(header[0].trimmingCharacters(in: .whitespaces))
        else { return self }
        let first = values[0]
        guard first == 0 || first == 1 else { return self }
        for row in 0..<rowCount where values[row * columnCount] != first + Double(row) { return self }
        var kept: [Double] = []
        kept.reserveCapacity(rowCount * (columnCount - 1))
        for row in 0..<rowCount { kept.append(contentsOf: values[(row * columnCount + 1)..<((row + 1) * columnCount)]) }
        return DelimitedTable(header: Array(header.dropFirst()), columnCount: columnCount - 1, values: kept, lineNumbers: lineNumbers)
    }
}

/// Reads numeric delimited text: CSV, or whitespace/tab-separated columns, optionally
/// gzip-compressed, with an optional header row.
enum DelimitedTextReader {
    /// Parses the file at `path` (gzip detected by its magic bytes).
    ///
    /// - Parameters:
    ///   - separator: the field separator, or `nil` to use commas for `.csv` names and for files
    ///     whose first non-blank line contains a comma, whitespace otherwise.
    ///   - allowHeader: whether a first row with a non-numeric field is taken as a header
    ///     (otherwise it is a non-numeric-field error).
    ///   - displayName: the file name used in error messages.
    static func read(path: String, separator: FieldSeparator? = nil, allowHeader: Bool,
                     displayName: String? = nil) throws -> DelimitedTable {
        let bytes: [UInt8]
        do {
            bytes = try readFileBytes(path, kind: "data", nullTerminated: true, decompressingGzip: true)
        } catch let ConicError.problemTooLarge(what, requiredBytes, availableBytes) {
            throw DataError.tooLarge(file: path, what: what, requiredBytes: requiredBytes, availableBytes: availableBytes)
        } catch {
            throw DataError.unreadable(path: path, reason: "\(error)")
        }
        var sep = separator
        if sep == nil {
            var base = (path as NSString).lastPathComponent.lowercased()
            if base.hasSuffix(".gz") { base.removeLast(3) }
            if base.hasSuffix(".csv") { sep = .comma }
        }
        return try parse(bytes: bytes, separator: sep, allowHeader: allowHeader, file: displayName ?? path)
    }

    /// Parses standard input to its end: delimited text, or gzip-compressed text (its magic bytes;
    /// spooled through a temporary file, since the gzip reader works on files). The separator is
    /// decided by the content (a comma on the first line: CSV).
    static func readStandardInput(allowHeader: Bool, displayName: String) throws -> DelimitedTable {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        var bytes: [UInt8]
        if data.count >= 2, data[data.startIndex] == 0x1f, data[data.startIndex + 1] == 0x8b {
            let spool = FileManager.default.temporaryDirectory.appendingPathComponent("conic-stdin-\(UUID().uuidString).gz")
            defer { try? FileManager.default.removeItem(at: spool) }
            do {
                try data.write(to: spool)
                bytes = try readFileBytes(spool.path, kind: "data", nullTerminated: true, decompressingGzip: true)
            } catch let ConicError.problemTooLarge(what, requiredBytes, availableBytes) {
                throw DataError.tooLarge(file: displayName, what: what, requiredBytes: requiredBytes, availableBytes: availableBytes)
            } catch {
                throw DataError.unreadable(path: displayName, reason: "\(error)".replacingOccurrences(of: spool.path, with: displayName))
            }
        } else {
            bytes = [UInt8](data)
            bytes.append(0)
        }
        return try parse(bytes: bytes, separator: nil, allowHeader: allowHeader, file: displayName)
    }

    /// Parses NUL-terminated text `bytes` (the terminator is not part of the text).
    static func parse(bytes: [UInt8], separator: FieldSeparator?, allowHeader: Bool, file: String) throws -> DelimitedTable {
        precondition(bytes.last == 0, "DelimitedTextReader: the buffer must be NUL-terminated")
        return try bytes.withUnsafeBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { text in
                try withCNumericLocale {
                    var parser = Parser(text: text, end: buffer.count - 1, file: file)
                    return try parser.run(separator: separator, allowHeader: allowHeader).droppingRowIndexColumn()
                }
            }
        }
    }
}

/// The single pass over the text. Fields are located by byte scanning and converted in place
/// with `strtod` (the buffer's trailing NUL stops it at the end of the text), which keeps large
/// files fast: no per-field strings are built except for the header and for error messages.
private struct Parser {
    let text: UnsafePointer<CChar>
    let end: Int
    let file: String
    /// Field boundaries `[start, end)` of the current line, reused from line to line.
    var fields: [(Int, Int)] = []

    init(text: UnsafePointer<CChar>, end: Int, file: String) {
        self.text = text
        self.end = end
        self.file = file
        fields.reserveCapacity(64)
    }

    mutating func run(separator: FieldSeparator?, allowHeader: Bool) throws -> DelimitedTable {
        var separator = separator
        var header: [String]?
        var columnCount = -1
        var values: [Double] = []
        var lines: [Int] = []
        // A UTF-8 byte-order mark (spreadsheet exports) would otherwise make row 1 look like a header.
        var position = end >= 3 && byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF ? 3 : 0
        var lineNumber = 0
        while position < end {
            lineNumber += 1
            let lineEnd = endOfLine(from: position)
            defer { position = lineEnd + 1 }
            if separator == nil {
                // The first non-blank line decides: a comma anywhere means CSV.
                guard !isBlank(position, lineEnd) else { continue }
                separator = contains(UInt8(ascii: ","), position, lineEnd) ? .comma : .whitespace
            }
            guard try split(position, lineEnd, separator!, line: lineNumber) else { continue }
            if columnCount < 0 {
                columnCount = fields.count
                values.reserveCapacity(columnCount * max(16, end / max(1, 8 * columnCount)))
                if allowHeader, !fields.allSatisfy({ number(in: $0) != nil }) {
                    header = fields.map { unquoted(string($0)) }
                    continue
                }
            }
            guard fields.count == columnCount else {
                throw DataError.raggedRow(file: file, line: lineNumber, fieldCount: fields.count, expected: columnCount)
            }
            if lines.isEmpty { try checkMemory(columnCount: columnCount, firstRowBytes: lineEnd - position + 1) }
            for (k, field) in fields.enumerated() {
                guard let v = number(in: field) else {
                    throw DataError.nonNumeric(file: file, line: lineNumber, column: k + 1, field: string(field))
                }
                guard v.isFinite else {
                    throw DataError.nonFinite(file: file, line: lineNumber, column: k + 1, field: string(field))
                }
                values.append(v)
            }
            lines.append(lineNumber)
        }
        guard !lines.isEmpty else { throw DataError.empty(file: file) }
        return DelimitedTable(header: header, columnCount: columnCount, values: values, lineNumbers: lines)
    }

    /// Refuses a table whose `n × d` values (counted three times: the table, and the feature and
    /// target matrices copied from it) will not fit in memory, with `n` extrapolated from the
    /// length of the first data row. Decompressed text can be far larger than its file, and a
    /// failed allocation would abort the process instead of reporting the file.
    func checkMemory(columnCount d: Int, firstRowBytes: Int) throws {
        let rows = end / max(firstRowBytes, 1) + 1
        let required = MemoryBudget.bytes([(MemoryBudget.bytes([(rows, d)]), 3 * 8)])
        do {
            try MemoryBudget.require(required, for: "a table of about \(rows) rows × \(d) columns")
        } catch let ConicError.problemTooLarge(what, requiredBytes, availableBytes) {
            throw DataError.tooLarge(file: file, what: what, requiredBytes: requiredBytes, availableBytes: availableBytes)
        }
    }

    /// Index of the `\n` ending the line that starts at `start`, or `end`.
    func endOfLine(from start: Int) -> Int {
        guard let hit = memchr(text + start, Int32(UInt8(ascii: "\n")), end - start) else { return end }
        return UnsafeRawPointer(text).distance(to: UnsafeRawPointer(hit))
    }

    func byte(_ i: Int) -> UInt8 { UInt8(bitPattern: text[i]) }

    /// Space, tab, CR (of CRLF line ends), vertical tab and form feed.
    func isSpace(_ i: Int) -> Bool {
        let b = byte(i)
        return b == 0x20 || (b >= 0x09 && b <= 0x0D)
    }

    func isBlank(_ start: Int, _ stop: Int) -> Bool {
        var i = start
        while i < stop, isSpace(i) { i += 1 }
        return i == stop
    }

    func contains(_ b: UInt8, _ start: Int, _ stop: Int) -> Bool {
        var i = start
        while i < stop {
            if byte(i) == b { return true }
            i += 1
        }
        return false
    }

    /// Fills ``fields`` with the line's fields; false for a blank line.
    ///
    /// CSV fields may be double-quoted (RFC 4180): a quoted field runs to its closing quote, may
    /// hold commas, and writes a quote as `""`. Its bounds keep the quotes (``number(in:)`` and
    /// ``unquoted(_:)`` look inside). A quoted field cannot span lines: the reader works line by
    /// line, so an unclosed quote is refused with its line rather than misread.
    mutating func split(_ start: Int, _ stop: Int, _ separator: FieldSeparator, line: Int) throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        guard !isBlank(start, stop) else { return false }
        switch separator {
        case .whitespace:
            var i = start
            while true {
                while i < stop, isSpace(i) { i += 1 }
                if i == stop { break }
                let fieldStart = i
                while i < stop, !isSpace(i) { i += 1 }
                fields.append((fieldStart, i))
            }
        case .comma:
            let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
            var i = start
            while true {
                var fieldStart = i
                while fieldStart < stop, isSpace(fieldStart) { fieldStart += 1 }
                if fieldStart < stop, byte(fieldStart) == quote {
                    i = fieldStart + 1
                    while i < stop, !(byte(i) == quote && (i + 1 == stop || byte(i + 1) != quote)) {
                        i += byte(i) == quote ? 2 : 1   // "" is a quote inside the field
                    }
                    guard i < stop else {
                        throw DataError.invalidValue(file: file, line: line, message: "field \(fields.count + 1) opens a quote that the line does not close (quoted fields spanning lines are not supported)")
                    }
                    let fieldEnd = i + 1
                    i = fieldEnd
                    while i < stop, isSpace(i) { i += 1 }
                    guard i == stop || byte(i) == comma else {
                        throw DataError.invalidValue(file: file, line: line, message: "field \(fields.count + 1) has text after its closing quote")
                    }
                    fields.append((fieldStart, fieldEnd))
                } else {
                    while i < stop, byte(i) != comma { i += 1 }
                    var fieldEnd = i
                    while fieldEnd > fieldStart, isSpace(fieldEnd - 1) { fieldEnd -= 1 }
                    fields.append((min(fieldStart, fieldEnd), fieldEnd))
                }
                if i == stop { break }
                i += 1
            }
        }
        return true
    }

    /// The number filling the whole field (inside its quotes when quoted), or nil (empty field,
    /// trailing junk, no digits).
    func number(in field: (Int, Int)) -> Double? {
        var field = field
        if field.1 - field.0 >= 2, byte(field.0) == UInt8(ascii: "\"") { field = (field.0 + 1, field.1 - 1) }
        guard field.0 < field.1, !isSpace(field.0) else { return nil }
        var stop: UnsafeMutablePointer<CChar>?
        let value = strtod(text + field.0, &stop)
        guard let stop, UnsafePointer(stop) == text + field.1 else { return nil }
        return value
    }

    func string(_ field: (Int, Int)) -> String {
        let bytes = UnsafeBufferPointer(start: text + field.0, count: field.1 - field.0)
        return String(decoding: bytes.lazy.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A header name without the double quotes CSV writers put around it (`""` inside is a quote).
    func unquoted(_ s: String) -> String {
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") {
            return String(s.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        return s
    }
}
