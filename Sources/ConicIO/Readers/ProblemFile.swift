import ConicSolver
import Foundation

/// The problem file formats `conic` reads.
public enum ProblemFileFormat: String, Sendable, CaseIterable {
    /// QPS / free or fixed MPS (`.qps`, `.mps`, `.sif`).
    case qps
    /// SDPA sparse format (`.dat-s`).
    case sdpa
    /// Conic Benchmark Format (`.cbf`, `.cbf.gz`).
    case cbf

    /// The format of `path`: by extension when it is a known one, otherwise by content
    /// (gzip data or a `VER` keyword: CBF; `NAME`/`ROWS` sections: QPS; a leading number: SDPA).
    public static func detect(path: String) throws -> ProblemFileFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".dat-s") { return .sdpa }
        if lower.hasSuffix(".cbf") || lower.hasSuffix(".cbf.gz") { return .cbf }
        if lower.hasSuffix(".qps") || lower.hasSuffix(".mps") || lower.hasSuffix(".sif") { return .qps }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConicError.io("cannot read '\(path)': no such file or not readable")
        }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 4096)
        if head.count >= 2, head[head.startIndex] == 0x1f, head[head.startIndex + 1] == 0x8b { return .cbf }
        let text = String(decoding: head, as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("*") || trimmed.hasPrefix("\"") { continue }
            let word = trimmed.split(separator: " ").first.map(String.init)?.uppercased() ?? ""
            if word == "VER" { return .cbf }
            if ["NAME", "ROWS", "OBJSENSE"].contains(word) { return .qps }
            if let first = trimmed.first, first.isNumber || first == "-" || first == "+" || first == "{" { return .sdpa }
            break
        }
        throw ConicError.parse(file: path, line: 0,
                               message: "unknown file format; use .qps/.mps/.sif (QPS), .dat-s (SDPA) or .cbf/.cbf.gz (CBF)")
    }

    /// Reads the problem in `path` with the reader of its format.
    public static func read(path: String) throws -> ConicProblem {
        switch try detect(path: path) {
        case .qps: return try QPSReader.read(path: path)
        case .sdpa: return try SDPAReader.read(path: path)
        case .cbf: return try CBFReader.read(path: path)
        }
    }
}
