import ConicIO
import ConicSolver
import Foundation

/// A numeric array read from a `.npy` file, converted to `Double` and stored in C (row-major) order.
struct NumpyArray: Equatable {
    /// The dimensions; empty for a 0-d (scalar) array.
    var shape: [Int]
    /// `shape.reduce(1, *)` entries, last index fastest.
    var values: [Double]
    /// The dtype as written in the file (`'<f8'`, `'|b1'`, …), for error messages.
    var descr: String
}

/// The subset of NumPy's file formats the network files need: `.npy` arrays (format versions
/// 1.0, 2.0 and 3.0; bool, integer and float dtypes) inside `.npz` zip archives (stored or
/// deflated entries, zip64 records as `numpy.savez` writes them). Every byte offset read from
/// a file is bounds-checked, so corrupt or truncated input throws instead of trapping.
///
/// `path` parameters only label error messages.
enum NumpyArchive {
    // MARK: Reading .npz

    /// The arrays of an `.npz` archive by name (the entry name without `.npy`).
    static func readArchive(_ bytes: [UInt8], path: String) throws -> [String: NumpyArray] {
        var arrays: [String: NumpyArray] = [:]
        for entry in try zipEntries(bytes, path: path) where !entry.name.hasSuffix("/") {
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            guard arrays[name] == nil else { continue }
            arrays[name] = try parseNpy(try entryData(entry, in: bytes, path: path), name: name, path: path)
        }
        return arrays
    }

    /// One file of the archive, as described by its central directory record.
    struct ZipEntry {
        var name: String
        var flags: UInt16
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    /// Little-endian reads that throw at the end of the buffer.
    struct ByteReader {
        let bytes: [UInt8]
        let path: String

        func check(_ offset: Int, _ count: Int, _ what: String) throws {
            guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
                throw NetworkFileError.corruptArchive(path: path, reason: "truncated \(what) at byte \(offset)")
            }
        }

        func uint(_ offset: Int, _ width: Int, _ what: String) throws -> UInt64 {
            try check(offset, width, what)
            var v: UInt64 = 0
            for k in stride(from: width - 1, through: 0, by: -1) { v = v << 8 | UInt64(bytes[offset + k]) }
            return v
        }

        func u16(_ offset: Int, _ what: String) throws -> Int { Int(try uint(offset, 2, what)) }
        func u32(_ offset: Int, _ what: String) throws -> Int { Int(try uint(offset, 4, what)) }
        /// A 64-bit size or offset, rejected when it does not fit an `Int`.
        func u64(_ offset: Int, _ what: String) throws -> Int {
            let v = try uint(offset, 8, what)
            guard v <= UInt64(Int.max) else { throw NetworkFileError.corruptArchive(path: path, reason: "\(what) out of range") }
            return Int(v)
        }
    }

    static let endOfCentralDirectorySignature = 0x0605_4b50
    static let zip64LocatorSignature = 0x0706_4b50
    static let zip64EndSignature = 0x0606_4b50
    static let centralHeaderSignature = 0x0201_4b50
    static let localHeaderSignature = 0x0403_4b50

    /// The entries listed in the archive's central directory.
    static func zipEntries(_ bytes: [UInt8], path: String) throws -> [ZipEntry] {
        let r = ByteReader(bytes: bytes, path: path)
        // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
        guard bytes.count >= 22 else {
            throw NetworkFileError.corruptArchive(path: path, reason: "not a zip archive (\(bytes.count) bytes)")
        }
        var eocd = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while eocd >= lowest, try r.u32(eocd, "end record") != endOfCentralDirectorySignature { eocd -= 1 }
        guard eocd >= lowest else {
            throw NetworkFileError.corruptArchive(path: path, reason: "not a zip archive (no end of central directory record)")
        }
        var entryCount = try r.u16(eocd + 10, "end record")
        var directorySize = try r.u32(eocd + 12, "end record")
        var directoryOffset = try r.u32(eocd + 16, "end record")
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64: a locator just before the end record points at the 64-bit end record.
            let locator = eocd - 20
            guard locator >= 0, try r.u32(locator, "zip64 locator") == zip64LocatorSignature else {
                throw NetworkFileError.corruptArchive(path: path, reason: "zip64 end record locator missing")
            }
            let end64 = try r.u64(locator + 8, "zip64 locator")
            guard try r.u32(end64, "zip64 end record") == zip64EndSignature else {
                throw NetworkFileError.corruptArchive(path: path, reason: "zip64 end record missing")
            }
            entryCount = try r.u64(end64 + 32, "zip64 end record")
            directorySize = try r.u64(end64 + 40, "zip64 end record")
            directoryOffset = try r.u64(end64 + 48, "zip64 end record")
        }
        try r.check(directoryOffset, directorySize, "central directory")

        var entries: [ZipEntry] = []
        var p = directoryOffset
        for _ in 0..<entryCount {
            guard try r.u32(p, "central directory") == centralHeaderSignature else {
                throw NetworkFileError.corruptArchive(path: path, reason: "bad central directory record at byte \(p)")
            }
            let nameLength = try r.u16(p + 28, "central directory")
            let extraLength = try r.u16(p + 30, "central directory")
            let commentLength = try r.u16(p + 32, "central directory")
            try r.check(p + 46, nameLength + extraLength + commentLength, "central directory")
            var entry = ZipEntry(name: String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
                                 flags: UInt16(try r.u16(p + 8, "central directory")),
                                 method: UInt16(try r.u16(p + 10, "central directory")),
                                 crc: UInt32(try r.u32(p + 16, "central directory")),
                                 compressedSize: try r.u32(p + 20, "central directory"),
                                 size: try r.u32(p + 24, "central directory"),
                                 localHeaderOffset: try r.u32(p + 42, "central directory"))
            try applyZip64Extra(&entry, reader: r, extraStart: p + 46 + nameLength, extraLength: extraLength)
            entries.append(entry)
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// Replaces the 0xFFFFFFFF placeholders of a central record with the 64-bit values of its
    /// zip64 extra field, which lists only the placeholders, in this order.
    static func applyZip64Extra(_ entry: inout ZipEntry, reader r: ByteReader, extraStart: Int, extraLength: Int) throws {
        guard entry.size == 0xFFFF_FFFF || entry.compressedSize == 0xFFFF_FFFF || entry.localHeaderOffset == 0xFFFF_FFFF else { return }
        var q = extraStart
        while q + 4 <= extraStart + extraLength {
            let id = try r.u16(q, "extra field"), length = try r.u16(q + 2, "extra field")
            if id == 0x0001 {
                var field = q + 4
                if entry.size == 0xFFFF_FFFF { entry.size = try r.u64(field, "zip64 extra field"); field += 8 }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try r.u64(field, "zip64 extra field"); field += 8 }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try r.u64(field, "zip64 extra field") }
                guard field <= q + 4 + length else {
                    throw NetworkFileError.corruptArchive(path: r.path, reason: "zip64 extra field too short for \(entry.name)")
                }
                return
            }
            q += 4 + length
        }
        throw NetworkFileError.corruptArchive(path: r.path, reason: "zip64 extra field missing for \(entry.name)")
    }

    /// The uncompressed bytes of `entry`, checked against its CRC-32.
    static func entryData(_ entry: ZipEntry, in bytes: [UInt8], path: String) throws -> [UInt8] {
        let r = ByteReader(bytes: bytes, path: path)
        guard entry.flags & 1 == 0 else {
            throw NetworkFileError.corruptArchive(path: path, reason: "entry \(entry.name) is encrypted")
        }
        let local = entry.localHeaderOffset
        guard try r.u32(local, "local header") == localHeaderSignature else {
            throw NetworkFileError.corruptArchive(path: path, reason: "bad local header for \(entry.name)")
        }
        // Sizes come from the central directory: numpy's local headers hold zip64 placeholders.
        let start = local + 30 + (try r.u16(local + 26, "local header")) + (try r.u16(local + 28, "local header"))
        try r.check(start, entry.compressedSize, "data of \(entry.name)")
        let stored = bytes[start..<(start + entry.compressedSize)]
        let data: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else {
                throw NetworkFileError.corruptArchive(path: path, reason: "stored entry \(entry.name) has inconsistent sizes")
            }
            data = Array(stored)
        case 8:
            data = try inflateRaw(Array(stored), size: entry.size, entry: entry.name, path: path)
        default:
            throw NetworkFileError.unsupportedCompression(path: path, entry: entry.name, method: Int(entry.method))
        }
        guard crc32Checksum(data) == entry.crc else {
            throw NetworkFileError.corruptArchive(path: path, reason: "CRC-32 mismatch in \(entry.name)")
        }
        return data
    }

    /// Decompresses a raw deflate stream whose uncompressed size the directory gives.
    static func inflateRaw(_ input: [UInt8], size: Int, entry: String, path: String) throws -> [UInt8] {
        // Deflate cannot expand data more than about 1032:1, so a larger claimed size is corrupt
        // (and must not be allocated).
        guard size <= input.count * 1032 + 1024, size < Int(UInt32.max), input.count < Int(UInt32.max) else {
            throw NetworkFileError.corruptArchive(path: path, reason: "implausible size \(size) for \(entry)")
        }
        // Still up to 4 GiB from a 4 MiB entry: check it against memory before allocating.
        do {
            try MemoryBudget.require(size, for: "decompressing \(entry)")
        } catch {
            throw NetworkFileError.corruptArchive(path: path, reason: "\(error)")
        }
        do {
            return try Deflate.inflateRaw(input, size: size)
        } catch .cannotInitialize {
            throw NetworkFileError.corruptArchive(path: path, reason: "cannot initialise zlib for \(entry)")
        } catch .sizeMismatch {
            throw NetworkFileError.corruptArchive(path: path, reason: "\(entry): decompressed size differs from the directory")
        } catch let .corrupt(status) {
            throw NetworkFileError.corruptArchive(path: path, reason: "\(entry): corrupt deflate data (zlib status \(status))")
        }
    }

    static func crc32Checksum(_ data: [UInt8]) -> UInt32 { Deflate.crc32Checksum(data) }

    // MARK: Reading .npy

    /// Parses one `.npy` file.
    static func parseNpy(_ bytes: [UInt8], name: String, path: String) throws -> NumpyArray {
        func invalid(_ reason: String) -> NetworkFileError { .invalidNpy(path: path, name: name, reason: reason) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw invalid("not a .npy file (bad magic)") }
        let major = bytes[6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw invalid("truncated header") }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw invalid("unsupported format version \(major).\(bytes[7])")
        }
        guard headerLength <= bytes.count - headerStart else { throw invalid("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        var literal = PythonLiteralParser(Array(header.unicodeScalars))
        guard case let .dict(items)? = try? literal.parseValue() else { throw invalid("header is not a Python dict: \(header)") }
        let fields = Dictionary(items, uniquingKeysWith: { first, _ in first })

        guard case let .string(descr)? = fields["descr"] else {
            throw NetworkFileError.unsupportedDtype(path: path, name: name, descr: fields["descr"].map { "\($0)" } ?? "missing")
        }
        guard case let .bool(fortranOrder)? = fields["fortran_order"] else { throw invalid("'fortran_order' missing or not a bool") }
        guard case let .tuple(dims)? = fields["shape"] else { throw invalid("'shape' missing or not a tuple") }
        var shape: [Int] = []
        for dim in dims {
            guard case let .int(n) = dim, n >= 0 else { throw invalid("bad shape \(dims)") }
            shape.append(n)
        }
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw invalid("shape \(shape) too large") }
            count = product
        }

        guard let type = ScalarType(descr) else { throw NetworkFileError.unsupportedDtype(path: path, name: name, descr: descr) }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard count <= available / type.size else {
            throw invalid("data truncated: \(count) × \(type.size) bytes expected, \(available) present")
        }
        var values = [Double](repeating: 0, count: count)
        for k in 0..<count { values[k] = type.value(bytes, at: dataStart + k * type.size) }

        if fortranOrder && shape.count > 1 {
            guard shape.count == 2 else { throw invalid("Fortran-ordered arrays with more than 2 dimensions are not supported") }
            let rows = shape[0], columns = shape[1]
            var cOrder = values
            for i in 0..<rows { for j in 0..<columns { cOrder[i * columns + j] = values[j * rows + i] } }
            values = cOrder
        }
        return NumpyArray(shape: shape, values: values, descr: descr)
    }

    /// A scalar dtype: byte order, kind (`f`, `i`, `u`, `b`) and size.
    struct ScalarType {
        let bigEndian: Bool
        let kind: Character
        let size: Int

        /// Accepts `<f8 <f4 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1` and their `>`/`=` variants.
        init?(_ descr: String) {
            let chars = Array(descr)
            guard chars.count >= 3, let size = Int(String(chars[2...])), "<>|=".contains(chars[0]) else { return nil }
            let kind = chars[1]
            switch (kind, size) {
            case ("f", 4), ("f", 8), ("i", 1), ("i", 2), ("i", 4), ("i", 8), ("u", 1), ("u", 2), ("u", 4), ("u", 8), ("b", 1): break
            default: return nil
            }
            self.bigEndian = chars[0] == ">"
            self.kind = kind
            self.size = size
        }

        func value(_ bytes: [UInt8], at offset: Int) -> Double {
            var bits: UInt64 = 0
            for k in 0..<size {
                let b = UInt64(bytes[offset + (bigEndian ? k : size - 1 - k)])
                bits = bits << 8 | b
            }
            switch kind {
            case "f": return size == 8 ? Double(bitPattern: bits) : Double(Float(bitPattern: UInt32(bits)))
            case "i":
                // Sign-extend from `size` bytes.
                let shift = UInt64(64 - 8 * size)
                return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
            case "b": return bits == 0 ? 0 : 1
            default: return Double(bits)
            }
        }
    }

    // MARK: Writing

    /// A `.npy` (format 1.0) file holding `values` as little-endian float64 in C order.
    static func npyFile(shape: [Int], values: [Double]) -> [UInt8] {
        var out = npyHeader(descr: "<f8", shape: shape)
        out.reserveCapacity(out.count + 8 * values.count)
        for v in values {
            let bits = v.bitPattern
            for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * k))) }
        }
        return out
    }

    /// A 0-d `.npy` bool array.
    static func npyFile(bool: Bool) -> [UInt8] {
        npyHeader(descr: "|b1", shape: []) + [bool ? 1 : 0]
    }

    /// Magic, version 1.0, and the header dict padded with spaces and a newline so the data
    /// starts at a multiple of 64 bytes, as NumPy writes it.
    static func npyHeader(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dict.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
    }

    /// A zip archive of uncompressed (stored) entries, as `numpy.savez` would read back.
    static func zipArchive(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func put(_ buffer: inout [UInt8], _ value: Int, _ width: Int) {
            for k in 0..<width { buffer.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
        }
        // A fixed timestamp (1980-01-01 00:00, the DOS epoch) keeps saved files byte-identical.
        let dosTime = 0, dosDate = (0 << 9) | (1 << 5) | 1
        for entry in entries {
            let name = Array(entry.name.utf8)
            let crc = Int(crc32Checksum(entry.data))
            let offset = out.count
            put(&out, localHeaderSignature, 4)
            put(&out, 20, 2)  // version needed: 2.0
            put(&out, 0, 2)   // flags
            put(&out, 0, 2)   // method: stored
            put(&out, dosTime, 2); put(&out, dosDate, 2)
            put(&out, crc, 4)
            put(&out, entry.data.count, 4); put(&out, entry.data.count, 4)
            put(&out, name.count, 2); put(&out, 0, 2)
            out += name
            out += entry.data

            put(&central, centralHeaderSignature, 4)
            put(&central, 20, 2); put(&central, 20, 2)  // version made by, version needed
            put(&central, 0, 2); put(&central, 0, 2)
            put(&central, dosTime, 2); put(&central, dosDate, 2)
            put(&central, crc, 4)
            put(&central, entry.data.count, 4); put(&central, entry.data.count, 4)
            put(&central, name.count, 2)
            put(&central, 0, 2); put(&central, 0, 2)  // extra, comment
            put(&central, 0, 2); put(&central, 0, 2)  // disk, internal attributes
            put(&central, 0, 4)                       // external attributes
            put(&central, offset, 4)
            central += name
        }
        let directoryOffset = out.count
        out += central
        put(&out, endOfCentralDirectorySignature, 4)
        put(&out, 0, 2); put(&out, 0, 2)
        put(&out, entries.count, 2); put(&out, entries.count, 2)
        put(&out, central.count, 4)
        put(&out, directoryOffset, 4)
        put(&out, 0, 2)
        return out
    }
}

/// The Python literals that appear in `.npy` headers: dicts, tuples, lists, strings, ints,
/// `True`/`False`/`None`.
indirect enum PythonLiteral: Equatable, CustomStringConvertible {
    case dict([(String, PythonLiteral)])
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case string(String)
    case int(Int)
    case bool(Bool)
    case none

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool { a.description == b.description }

    var description: String {
        switch self {
        case let .dict(items): return "{" + items.map { "'\($0.0)': \($0.1)" }.joined(separator: ", ") + "}"
        case let .tuple(items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case let .list(items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .string(s): return "'\(s)'"
        case let .int(n): return String(n)
        case let .bool(b): return b ? "True" : "False"
        case .none: return "None"
        }
    }
}

/// A recursive-descent parser for ``PythonLiteral``; any other syntax throws.
struct PythonLiteralParser {
    struct SyntaxError: Error {}
    let text: [Unicode.Scalar]
    var i = 0
    /// Nesting depth; bounded so that a hostile header cannot exhaust the stack.
    var depth = 0
    static let maxDepth = 16

    init(_ text: [Unicode.Scalar]) { self.text = text }

    mutating func skipSpace() {
        while i < text.count, text[i].properties.isWhitespace { i += 1 }
    }

    mutating func expect(_ c: Unicode.Scalar) throws {
        skipSpace()
        guard i < text.count, text[i] == c else { throw SyntaxError() }
        i += 1
    }

    /// Items up to `close`, separated by commas, with an optional trailing comma; returns
    /// whether a comma was seen (which makes `(3,)` a tuple).
    mutating func sequence(close: Unicode.Scalar, item: (inout PythonLiteralParser) throws -> Void) throws -> Bool {
        var sawComma = false
        while true {
            skipSpace()
            guard i < text.count else { throw SyntaxError() }
            if text[i] == close { i += 1; return sawComma }
            try item(&self)
            skipSpace()
            guard i < text.count else { throw SyntaxError() }
            if text[i] == "," { i += 1; sawComma = true } else if text[i] != close { throw SyntaxError() }
        }
    }

    mutating func parseValue() throws -> PythonLiteral {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw SyntaxError() }
        skipSpace()
        guard i < text.count else { throw SyntaxError() }
        let c = text[i]
        switch c {
        case "{":
            i += 1
            var items: [(String, PythonLiteral)] = []
            _ = try sequence(close: "}") { p in
                guard case let .string(key) = try p.parseValue() else { throw SyntaxError() }
                try p.expect(":")
                items.append((key, try p.parseValue()))
            }
            return .dict(items)
        case "(", "[":
            i += 1
            var items: [PythonLiteral] = []
            let sawComma = try sequence(close: c == "(" ? ")" : "]") { p in items.append(try p.parseValue()) }
            if c == "[" { return .list(items) }
            // `(x)` without a comma is just x in parentheses.
            return items.count == 1 && !sawComma ? items[0] : .tuple(items)
        case "'", "\"":
            i += 1
            var s = ""
            while i < text.count, text[i] != c {
                if text[i] == "\\", i + 1 < text.count { i += 1 }
                s.unicodeScalars.append(text[i])
                i += 1
            }
            guard i < text.count else { throw SyntaxError() }
            i += 1
            return .string(s)
        default:
            var word = ""
            while i < text.count, text[i].properties.isAlphabetic || ("0"..."9").contains(text[i]) || text[i] == "-" || text[i] == "+" {
                word.unicodeScalars.append(text[i])
                i += 1
            }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                // Python 2 wrote long integers with an `L` suffix.
                guard let n = Int(word.hasSuffix("L") ? String(word.dropLast()) : word) else { throw SyntaxError() }
                return .int(n)
            }
        }
    }
}
