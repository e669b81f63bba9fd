import ConicIO
import ConicSolver
import Foundation

/// Why a network file could not be read or written.
public enum NetworkFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file name ends in neither `.json` nor `.npz`.
    case unsupportedFormat(path: String)
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)
    /// The JSON text is malformed or does not have the expected keys and types.
    case invalidJSON(path: String, reason: String)
    /// A required array (`W1`, `w2`) is absent.
    case missingArray(path: String, name: String)
    /// An array has the wrong number of dimensions, ragged rows, or a length that does not
    /// match the other arrays.
    case invalidShape(path: String, name: String, reason: String)
    /// An array holds NaN or an infinity (at flat, row-major `index`).
    case nonFinite(path: String, name: String, index: Int)
    /// A `.npy` entry has a dtype other than bool, integer, float32 or float64.
    case unsupportedDtype(path: String, name: String, descr: String)
    /// A `.npy` entry is malformed (bad magic, header or truncated data).
    case invalidNpy(path: String, name: String, reason: String)
    /// The `.npz` zip archive is truncated or inconsistent.
    case corruptArchive(path: String, reason: String)
    /// A zip entry uses a compression method other than stored (0) or deflate (8).
    case unsupportedCompression(path: String, entry: String, method: Int)
    /// The weights are finite but so large that the network's weight decay
    /// `½Σⱼ(‖uⱼ‖² + ‖αⱼ‖²)` overflows, so no objective or certificate can be computed for it.
    case weightsTooLarge(path: String, reason: String)

    /// The message, led by the file path.
    public var description: String {
        switch self {
        case let .unsupportedFormat(path):
            return "\(path): unknown network file format (expected a .json or .npz file name)"
        case let .unreadable(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .unwritable(path, reason):
            return "\(path): cannot write: \(reason)"
        case let .invalidJSON(path, reason):
            return "\(path): invalid network JSON: \(reason)"
        case let .missingArray(path, name):
            return "\(path): missing array '\(name)'"
        case let .invalidShape(path, name, reason):
            return "\(path): \(name) \(reason)"
        case let .nonFinite(path, name, index):
            return "\(path): \(name) holds NaN or infinity at flat index \(index)"
        case let .unsupportedDtype(path, name, descr):
            return "\(path): \(name) has unsupported dtype \(descr) (expected bool, integer, float32 or float64)"
        case let .invalidNpy(path, name, reason):
            return "\(path): \(name).npy: \(reason)"
        case let .corruptArchive(path, reason):
            return "\(path): corrupt npz archive: \(reason)"
        case let .unsupportedCompression(path, entry, method):
            return "\(path): entry \(entry) uses zip compression method \(method) (only stored and deflate are supported)"
        case let .weightsTooLarge(path, reason):
            return "\(path): \(reason)"
        }
    }
}

/// Reading and writing trained networks.
///
/// Both formats hold `W1` (`m × d̃`, one row per hidden neuron, the bias weight last when the
/// network has a bias), `w2` (length `m` for one output, or `m × c`), an optional `bias` flag and
/// an optional `bias_regularized` flag (default true; false for a free bias, as in the JMLR
/// formulations), and an optional output bias `b2` (one number per output; absent when the
/// network has none). JSON: `{"W1": [[…], …], "w2": […], "bias": true, "b2": […]}`. NPZ: the
/// archive `numpy.savez` writes, with entries `W1.npy`, `w2.npy` and optionally 0-d `bias.npy`
/// and `bias_regularized.npy`, and `b2.npy` (length `c`, or 0-d for one output).
extension TwoLayerNetwork {
    /// The path that stands for standard input.
    public static let standardInputPath = "-"

    /// Reads a network from a `.json` or `.npz` file (chosen by the extension); the path `-`
    /// reads standard input, whose format is told by its content (``decode(_:name:defaultBias:)``),
    /// and messages name it `<stdin>`.
    ///
    /// - Parameter defaultBias: whether the network has a bias input when the file does not say.
    /// - Throws: ``NetworkFileError``.
    public static func load(path: String, defaultBias: Bool = false) throws -> TwoLayerNetwork {
        if path == standardInputPath {
            return try decode(Array(FileHandle.standardInput.readDataToEndOfFile()), name: "<stdin>",
                              defaultBias: defaultBias)
        }
        let format = try NetworkFileFormat(path: path)
        let bytes: [UInt8]
        do {
            bytes = try readFileBytes(path, kind: "network")
        } catch {
            throw NetworkFileError.unreadable(path: path, reason: "\(error)")
        }
        switch format {
        case .json: return try decodeJSON(bytes, path: path, defaultBias: defaultBias)
        case .npz: return try decodeNPZ(bytes, path: path, defaultBias: defaultBias)
        }
    }

    /// A network from the bytes of either format: an npz archive when they start with the zip
    /// magic `PK`, JSON otherwise. `name` stands for the source in messages.
    ///
    /// - Throws: ``NetworkFileError``; empty input is ``NetworkFileError/invalidJSON(path:reason:)``.
    public static func decode(_ bytes: [UInt8], name: String, defaultBias: Bool = false) throws -> TwoLayerNetwork {
        guard bytes.contains(where: { !(" \t\r\n".utf8.contains($0)) }) else {
            throw NetworkFileError.invalidJSON(path: name, reason: "the input is empty (expected a network as JSON or npz)")
        }
        if bytes.starts(with: Array("PK".utf8)) { return try decodeNPZ(bytes, path: name, defaultBias: defaultBias) }
        return try decodeJSON(bytes, path: name, defaultBias: defaultBias)
    }

    /// Writes the network as `.json` or `.npz` (chosen by the extension), replacing the file.
    ///
    /// JSON numbers are written with the shortest digits that read back to the same `Double`,
    /// and the npz holds float64 arrays, so both round-trip exactly.
    ///
    /// - Throws: ``NetworkFileError`` for an unknown extension, non-finite weights or a failed write.
    public func save(to path: String) throws {
        let format = try NetworkFileFormat(path: path)
        try Self.checkFinite(inputWeights.values, name: "W1", path: path)
        try Self.checkFinite(outputWeights.values, name: "w2", path: path)
        try Self.checkFinite(outputBias ?? [], name: "b2", path: path)
        let bytes: [UInt8]
        switch format {
        case .json: bytes = Array(jsonText().utf8)
        case .npz: bytes = npzBytes()
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NetworkFileError.unwritable(path: path, reason: error.localizedDescription)
        }
    }

    // MARK: JSON

    /// The JSON document; one neuron per line keeps files readable and diffable.
    func jsonText() -> String {
        func list(_ values: ArraySlice<Double>) -> String { "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }
        func rows(_ m: DenseMatrix) -> String {
            guard m.rowCount > 0 else { return "[]" }
            return "[\n" + (0..<m.rowCount).map { i in
                "    " + list(m.values[(i * m.columnCount)..<((i + 1) * m.columnCount)])
            }.joined(separator: ",\n") + "\n  ]"
        }
        var text = "{\n  \"bias\": \(hasBias),\n"
        if hasBias, !biasRegularized { text += "  \"bias_regularized\": false,\n" }
        text += "  \"W1\": \(rows(inputWeights)),\n"
        text += "  \"w2\": " + (outputCount == 1 ? list(outputWeights.values[...]) : rows(outputWeights))
        if let offset = outputBias { text += ",\n  \"b2\": " + list(offset[...]) }
        if width == 0 {
            // Without rows the column counts cannot be seen, so they are stated.
            text += ",\n  \"W1_columns\": \(inputWeights.columnCount),\n  \"w2_columns\": \(outputCount)"
        }
        return text + "\n}\n"
    }

    static func decodeJSON(_ bytes: [UInt8], path: String, defaultBias: Bool) throws -> TwoLayerNetwork {
        let document: NetworkJSON
        do {
            document = try JSONDecoder().decode(NetworkJSON.self, from: Data(bytes))
        } catch let problem as NetworkJSON.Problem {
            switch problem {
            case let .missing(name): throw NetworkFileError.missingArray(path: path, name: name)
            case let .shape(name, reason): throw NetworkFileError.invalidShape(path: path, name: name, reason: reason)
            }
        } catch let DecodingError.dataCorrupted(context) {
            throw NetworkFileError.invalidJSON(path: path, reason: context.debugDescription)
        } catch let DecodingError.typeMismatch(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw NetworkFileError.invalidJSON(path: path, reason: "\(key.isEmpty ? "document" : key): \(context.debugDescription)")
        } catch {
            throw NetworkFileError.invalidJSON(path: path, reason: "\(error)")
        }
        return try assemble(path: path, inputRows: document.inputRows, inputColumns: document.inputColumns,
                            outputRows: document.outputRows, outputColumns: document.outputColumns,
                            hasBias: document.bias ?? defaultBias, biasRegularized: document.biasRegularized ?? true,
                            outputBias: document.outputBias)
    }

    // MARK: NPZ

    func npzBytes() -> [UInt8] {
        let w2Shape = outputCount == 1 ? [width] : [width, outputCount]
        var entries = [
            ("W1.npy", NumpyArchive.npyFile(shape: [width, inputWeights.columnCount], values: inputWeights.values)),
            ("w2.npy", NumpyArchive.npyFile(shape: w2Shape, values: outputWeights.values)),
            ("bias.npy", NumpyArchive.npyFile(bool: hasBias)),
        ]
        if hasBias, !biasRegularized { entries.append(("bias_regularized.npy", NumpyArchive.npyFile(bool: false))) }
        if let offset = outputBias { entries.append(("b2.npy", NumpyArchive.npyFile(shape: [offset.count], values: offset))) }
        return NumpyArchive.zipArchive(entries)
    }

    static func decodeNPZ(_ bytes: [UInt8], path: String, defaultBias: Bool) throws -> TwoLayerNetwork {
        let arrays = try NumpyArchive.readArchive(bytes, path: path)
        guard let w1 = arrays["W1"] else { throw NetworkFileError.missingArray(path: path, name: "W1") }
        guard let w2 = arrays["w2"] else { throw NetworkFileError.missingArray(path: path, name: "w2") }
        guard w1.shape.count == 2 else {
            throw NetworkFileError.invalidShape(path: path, name: "W1", reason: "must be 2-D, has shape \(w1.shape)")
        }
        let (m, columns) = (w1.shape[0], w1.shape[1])
        let outputColumns: Int
        switch w2.shape.count {
        case 1: outputColumns = 1
        case 2: outputColumns = w2.shape[1]
        default: throw NetworkFileError.invalidShape(path: path, name: "w2", reason: "must be 1-D or 2-D, has shape \(w2.shape)")
        }
        guard w2.shape[0] == m else {
            throw NetworkFileError.invalidShape(path: path, name: "w2", reason: "has \(w2.shape[0]) rows, W1 has \(m)")
        }
        func flag(_ name: String) throws -> Bool? {
            guard let array = arrays[name] else { return nil }
            guard array.values.count == 1, array.shape.count <= 1 else {
                throw NetworkFileError.invalidShape(path: path, name: name, reason: "must be a single value, has shape \(array.shape)")
            }
            return array.values[0] != 0
        }
        let hasBias = try flag("bias") ?? defaultBias
        let biasRegularized = try flag("bias_regularized") ?? true
        if let b2 = arrays["b2"] {
            guard b2.shape.count <= 1, b2.values.count == outputColumns else {
                throw NetworkFileError.invalidShape(path: path, name: "b2",
                                                    reason: "must hold one value per output (\(outputColumns)), has shape \(b2.shape)")
            }
        }
        let u = DenseMatrix(rowCount: m, columnCount: columns, values: w1.values)
        let a = DenseMatrix(rowCount: m, columnCount: outputColumns, values: w2.values)
        return try validated(TwoLayerNetwork(inputWeights: u, outputWeights: a, hasBias: hasBias, biasRegularized: biasRegularized,
                                             outputBias: arrays["b2"]?.values),
                             path: path)
    }

    // MARK: Validation

    /// Builds the network from row lists, checking every shape before `DenseMatrix` would trap.
    static func assemble(path: String, inputRows: [[Double]], inputColumns: Int?, outputRows: [[Double]],
                         outputColumns: Int?, hasBias: Bool, biasRegularized: Bool = true,
                         outputBias: [Double]? = nil) throws -> TwoLayerNetwork {
        let m = inputRows.count
        let d = inputRows.first?.count ?? inputColumns ?? (hasBias ? 1 : 0)
        for (i, row) in inputRows.enumerated() where row.count != d {
            throw NetworkFileError.invalidShape(path: path, name: "W1", reason: "row \(i) has \(row.count) entries, expected \(d)")
        }
        guard outputRows.count == m else {
            throw NetworkFileError.invalidShape(path: path, name: "w2", reason: "has \(outputRows.count) entries, W1 has \(m) rows")
        }
        let c = outputRows.first?.count ?? outputColumns ?? 1
        for (i, row) in outputRows.enumerated() where row.count != c {
            throw NetworkFileError.invalidShape(path: path, name: "w2", reason: "row \(i) has \(row.count) entries, expected \(c)")
        }
        if let offset = outputBias, offset.count != c {
            throw NetworkFileError.invalidShape(path: path, name: "b2", reason: "has \(offset.count) entries, expected one per output (\(c))")
        }
        let network = TwoLayerNetwork(inputWeights: DenseMatrix(rowCount: m, columnCount: d, values: inputRows.flatMap { $0 }),
                                      outputWeights: DenseMatrix(rowCount: m, columnCount: c, values: outputRows.flatMap { $0 }),
                                      hasBias: hasBias, biasRegularized: biasRegularized, outputBias: outputBias)
        return try validated(network, path: path)
    }

    static func validated(_ network: TwoLayerNetwork, path: String) throws -> TwoLayerNetwork {
        if network.hasBias, network.inputWeights.columnCount == 0 {
            throw NetworkFileError.invalidShape(path: path, name: "W1", reason: "has no columns, but the network has a bias (its last column)")
        }
        guard network.outputWeights.columnCount > 0 else {
            throw NetworkFileError.invalidShape(path: path, name: "w2", reason: "has no columns (no outputs)")
        }
        try checkFinite(network.inputWeights.values, name: "W1", path: path)
        try checkFinite(network.outputWeights.values, name: "w2", path: path)
        try checkFinite(network.outputBias ?? [], name: "b2", path: path)
        // Finite entries can still overflow the objective (1e308² = ∞): a certificate for such a
        // network would compare infinities, so it is refused here rather than reported later.
        guard network.halfSquaredWeightNorm.isFinite, network.balanced().halfSquaredWeightNorm.isFinite else {
            let largest = (network.inputWeights.values + network.outputWeights.values).map(abs).max() ?? 0
            throw NetworkFileError.weightsTooLarge(path: path, reason:
                "weights up to \(largest) in magnitude make the weight decay ½Σ(‖uⱼ‖² + ‖αⱼ‖²) overflow; "
                + "rescale the network (its squared weights must sum to a finite number)")
        }
        return network
    }

    static func checkFinite(_ values: [Double], name: String, path: String) throws {
        if let k = values.firstIndex(where: { !$0.isFinite }) {
            throw NetworkFileError.nonFinite(path: path, name: name, index: k)
        }
    }
}

/// The file formats, told apart by extension.
private enum NetworkFileFormat {
    case json, npz

    init(path: String) throws {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": self = .json
        case "npz": self = .npz
        default: throw NetworkFileError.unsupportedFormat(path: path)
        }
    }
}

/// The JSON document, decoded key by key so that shape problems get their own messages.
private struct NetworkJSON: Decodable {
    enum Problem: Error {
        case missing(String)
        case shape(String, String)
    }

    enum Key: String, CodingKey {
        case W1, w2, bias, bias_regularized, W1_columns, w2_columns, b2
    }

    var inputRows: [[Double]]
    var outputRows: [[Double]]
    var bias: Bool?
    var biasRegularized: Bool?
    /// The output bias: a list of one number per output, or a bare number for one output.
    var outputBias: [Double]?
    var inputColumns: Int?
    var outputColumns: Int?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        guard container.contains(.W1) else { throw Problem.missing("W1") }
        guard container.contains(.w2) else { throw Problem.missing("w2") }
        if let rows = try? container.decode([[Double]].self, forKey: .W1) {
            inputRows = rows
        } else if (try? container.decode([Double].self, forKey: .W1)) != nil {
            throw Problem.shape("W1", "must be a list of rows (2-D), found a flat list")
        } else {
            throw Problem.shape("W1", "must be a list of rows of numbers")
        }
        if let flat = try? container.decode([Double].self, forKey: .w2) {
            outputRows = flat.map { [$0] }
        } else if let rows = try? container.decode([[Double]].self, forKey: .w2) {
            outputRows = rows
        } else {
            throw Problem.shape("w2", "must be a list of numbers or a list of rows of numbers")
        }
        /// A flag given as true/false or 0/1; absent or null means not given.
        func flag(_ key: Key) throws -> Bool? {
            if let flag = try? container.decodeIfPresent(Bool.self, forKey: key) { return flag }
            if let number = try? container.decode(Int.self, forKey: key), number == 0 || number == 1 { return number == 1 }
            if container.contains(key), (try? container.decodeNil(forKey: key)) != true {
                throw Problem.shape(key.rawValue, "must be true or false")
            }
            return nil
        }
        bias = try flag(.bias)
        biasRegularized = try flag(.bias_regularized)
        if !container.contains(.b2) || (try? container.decodeNil(forKey: .b2)) == true {
            outputBias = nil
        } else if let list = try? container.decode([Double].self, forKey: .b2) {
            outputBias = list
        } else if let number = try? container.decode(Double.self, forKey: .b2) {
            outputBias = [number]
        } else {
            throw Problem.shape("b2", "must be a number or a list of numbers (one per output)")
        }
        inputColumns = try container.decodeIfPresent(Int.self, forKey: .W1_columns)
        outputColumns = try container.decodeIfPresent(Int.self, forKey: .w2_columns)
        if let n = inputColumns, n < 0 { throw Problem.shape("W1_columns", "must not be negative") }
        if let n = outputColumns, n < 0 { throw Problem.shape("w2_columns", "must not be negative") }
    }
}
