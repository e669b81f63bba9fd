import ConicSolver
import CZlib
import Foundation

/// The bytes of the file at `path`, with a trailing NUL when `nullTerminated` (for parsers that
/// call `strtod` on the buffer). Shared by the problem readers and the NN layer's data and
/// network files, hence `package`: it is no API of the file formats. With `decompressingGzip`, a file that starts with the gzip magic
/// bytes is decompressed (whatever its name). `kind` names the format in error messages.
///
/// - Throws: ``ConicError/io(_:)`` when the file cannot be read or decompressed,
///   ``ConicError/problemTooLarge(what:requiredBytes:availableBytes:)`` when the decompressed text
///   would take more than a quarter of the memory budget (``MemoryBudget``): the parser needs
///   the text and the problem built from it at the same time, and a small gzip file can expand
///   about a thousandfold; ``ConicError/io(_:)`` also when it expands more than 50-fold past
///   64 MiB, which only a decompression bomb does.
package func readFileBytes(_ path: String, kind: String, nullTerminated: Bool = false,
                          decompressingGzip: Bool = false) throws -> [UInt8] {
    if decompressingGzip, try fileStartsWithGzipMagic(path, kind: kind) {
        var bytes = try gunzip(path: path, kind: kind)
        if nullTerminated { bytes.append(0) }
        return bytes
    }
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
package func withCNumericLocale<T>(_ body: () throws -> T) rethrows -> T {
    let cLocale = newlocale(LC_NUMERIC_MASK, "C", nil)
    let previousLocale = cLocale.map { uselocale($0) }
    defer {
        if let previousLocale { uselocale(previousLocale) }
        if let cLocale { freelocale(cLocale) }
    }
    return try body()
}

private func fileStartsWithGzipMagic(_ path: String, kind: String) throws -> Bool {
    guard let file = fopen(path, "rb") else {
        throw ConicError.io("cannot open \(kind) file '\(path)': \(String(cString: strerror(errno)))")
    }
    var head: [UInt8] = [0, 0]
    let headCount = fread(&head, 1, 2, file)
    fclose(file)
    return headCount == 2 && head[0] == 0x1f && head[1] == 0x8b
}

/// Decompresses a gzip file with zlib, in large chunks, refusing a decompression bomb as soon as
/// the output passes either limit:
/// - a quarter of the memory budget (the parser holds the text and the problem built from it);
/// - 64 MiB and 50 times the compressed size: numeric text compresses about 5–10:1 (CBLIB's
///   files at most 7:1), while a bomb reaches 1000:1, and stopping early keeps the refusal fast.
private func gunzip(path: String, kind: String) throws -> [UInt8] {
    let budget = MemoryBudget.availableBytes()
    let compressedSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    let plausible = compressedSize.map { max(64 << 20, MemoryBudget.bytes([($0, 50)])) } ?? Int.max
    let cap = min(max(budget / 4, 1 << 20), plausible)
    guard let gz = gzopen(path, "rb") else {
        throw ConicError.io("cannot open \(kind) file '\(path)': \(String(cString: strerror(errno)))")
    }
    _ = gzbuffer(gz, 1 << 20)
    let chunkSize = 1 << 22
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    var bytes: [UInt8] = []
    var failure: String?
    while true {
        let got = chunk.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32($0.count)) }
        if got < 0 {
            failure = zlibMessage(gz)
            break
        }
        if got == 0 { break }
        if bytes.count + Int(got) > cap {
            gzclose(gz)
            if cap == plausible, let compressedSize {
                throw ConicError.io("cannot decompress \(kind) file '\(path)': it expands more than 50-fold "
                                    + "(past \(MemoryBudget.describe(bytes.count)) from \(MemoryBudget.describe(compressedSize))), "
                                    + "which no real problem file does; refusing it as a decompression bomb")
            }
            throw ConicError.problemTooLarge(what: "decompressing \(kind) file '\(path)' (stopped after "
                                             + "\(MemoryBudget.describe(bytes.count)) of text; reading it needs about four times its text)",
                                             requiredBytes: MemoryBudget.bytes([(bytes.count + Int(got), 4)]),
                                             availableBytes: budget)
        }
        bytes.append(contentsOf: chunk[0..<Int(got)])
    }
    if failure == nil {
        var code: Int32 = 0
        _ = gzerror(gz, &code)
        if code != Z_OK { failure = zlibMessage(gz) }
    }
    let closed = gzclose(gz)
    if failure == nil, closed != Z_OK {
        failure = closed == Z_BUF_ERROR ? "unexpected end of file" : "zlib error \(closed)"
    }
    if let failure {
        throw ConicError.io("cannot decompress \(kind) file '\(path)': \(failure)")
    }
    return bytes
}

private func zlibMessage(_ gz: gzFile) -> String {
    var code: Int32 = 0
    guard let message = gzerror(gz, &code) else { return "zlib error \(code)" }
    let text = String(cString: message)
    return text.isEmpty ? "zlib error \(code)" : text
}
