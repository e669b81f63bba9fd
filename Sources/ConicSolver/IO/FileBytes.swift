import Foundation

/// The bytes of the file at `path`, with a trailing NUL when `nullTerminated` (for parsers that
/// call `strtod` on the buffer). `kind` names the format in the error message.
///
/// - Throws: ``ConicError/io(_:)`` when the file cannot be read.
func readFileBytes(_ path: String, kind: String, nullTerminated: Bool = false) throws -> [UInt8] {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ConicError.io("cannot read \(kind) file '\(path)': \(error.localizedDescription)")
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(data.count + 1)
    bytes.append(contentsOf: data)
    if nullTerminated { bytes.append(0) }
    return bytes
}

/// Runs `body` with the C numeric locale on this thread (a '.' decimal point), so that `strtod`
/// parses numbers the same whatever the program has set with `setlocale`.
func withCNumericLocale<T>(_ body: () throws -> T) rethrows -> T {
    let cLocale = newlocale(LC_NUMERIC_MASK, "C", nil)
    let previousLocale = cLocale.map { uselocale($0) }
    defer {
        if let previousLocale { uselocale(previousLocale) }
        if let cLocale { freelocale(cLocale) }
    }
    return try body()
}
