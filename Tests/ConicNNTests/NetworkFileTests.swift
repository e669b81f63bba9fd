import ConicSolver
import Foundation
import Testing
@testable import ConicNN

/// Network files: exact JSON and npz round trips, archives written by real NumPy 2.4
/// (`numpy.savez` / `numpy.savez_compressed`, float64 and float32), and typed errors on bad input.
@Suite final class NetworkFileTests {
    /// `np.savez(f, W1=W1, w2=w2, bias=np.array(True))` with float64
    /// `W1 = [[0.1, -2.25, 1/3], [3e-7, 4, -5.5], [-6, 7.125, 1e10]]`, `w2 = [0.5, -1, 2]`.
    static let savez64 = "UEsDBC0AAAAAAAAAIQCnhtvG//////////8GABQAVzEubnB5AQAQAMgAAAAAAAAAyAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCpqZmZmZmbk/AAAAAAAAAsBVVVVVVVXVP3aDDfT1IZQ+AAAAAAAAEEAAAAAAAAAWwAAAAAAAABjAAAAAAACAHEAAAAAgX6ACQlBLAwQtAAAAAAAAACEA6Jdk+///////////BgAUAHcyLm5weQEAEACYAAAAAAAAAJgAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADgPwAAAAAAAPC/AAAAAAAAAEBQSwMELQAAAAAAAAAhAIIt+NP//////////wgAFABiaWFzLm5weQEAEACBAAAAAAAAAIEAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBUEsBAi0DLQAAAAAAAAAhAKeG28bIAAAAyAAAAAYAAAAAAAAAAAAAAIABAAAAAFcxLm5weVBLAQItAy0AAAAAAAAAIQDol2T7mAAAAJgAAAAGAAAAAAAAAAAAAACAAQABAAB3Mi5ucHlQSwECLQMtAAAAAAAAACEAgi3404EAAACBAAAACAAAAAAAAAAAAAAAgAHQAQAAYmlhcy5ucHlQSwUGAAAAAAMAAwCeAAAAiwIAAAAA"

    /// `np.savez_compressed(f, W1=W1f, w2=w2f[:, 0], bias=np.array(False))` with float32
    /// `W1f = [[1.5, -2.25, 0.125], [3, 4, -5.5], [-6, 7.125, 8]]`, `w2f[:, 0] = [0.5, -1, 2]`.
    static let compressed32 = "UEsDBC0AAAAIAAAAIQDT1eRX//////////8GABQAVzEubnB5AQAQAKQAAAAAAAAAZQAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOgrGmjoKtQpkAy4GhgP2DAwCBxgYGOwYGBwcGBgagHgDkH8AiJ8A2QyOAFBLAwQtAAAACAAAACEAJzPoE///////////BgAUAHcyLm5weQEAEACMAAAAAAAAAE8AAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoq6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjqaOgq1ChQALgYGBnsGhob9QNoBAFBLAwQtAAAACAAAACEAFB3/pP//////////CAAUAGJpYXMubnB5AQAQAIEAAAAAAAAAQwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBek2SorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqaOgq1ChQBLgYAUEsBAi0DLQAAAAgAAAAhANPV5FdlAAAApAAAAAYAAAAAAAAAAAAAAIABAAAAAFcxLm5weVBLAQItAy0AAAAIAAAAIQAnM+gTTwAAAIwAAAAGAAAAAAAAAAAAAACAAZ0AAAB3Mi5ucHlQSwECLQMtAAAACAAAACEAFB3/pEMAAACBAAAACAAAAAAAAAAAAAAAgAEkAQAAYmlhcy5ucHlQSwUGAAAAAAMAAwCeAAAAoQEAAAAA"

    /// `np.savez(f, W1=W1f, w2=w2f)` with float32 and no `bias` entry,
    /// `w2f = [[0.5, 1], [-1, 0.25], [2, -4]]` (two outputs).
    static let savez32Vector = "UEsDBC0AAAAAAAAAIQDT1eRX//////////8GABQAVzEubnB5AQAQAKQAAAAAAAAApAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAwD8AABDAAAAAPgAAQEAAAIBAAACwwAAAwMAAAORAAAAAQVBLAwQtAAAAAAAAACEALrRqtf//////////BgAUAHcyLm5weQEAEACYAAAAAAAAAJgAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AACAPwAAgL8AAIA+AAAAQAAAgMBQSwECLQMtAAAAAAAAACEA09XkV6QAAACkAAAABgAAAAAAAAAAAAAAgAEAAAAAVzEubnB5UEsBAi0DLQAAAAAAAAAhAC60arWYAAAAmAAAAAYAAAAAAAAAAAAAAIAB3AAAAHcyLm5weVBLBQYAAAAAAgACAGgAAACsAQAAAAA="

    /// `np.savez_compressed(f, W1=np.asfortranarray(W1), w2=w2, bias=np.array(1))`: float64 W1 in
    /// Fortran order and an int64 bias flag.
    static let compressedFortran = "UEsDBC0AAAAIAAAAIQClVE9b//////////8GABQAVzEubnB5AQAQAMgAAAAAAAAAcQAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2ahrqOgnpZfVFKUmBefX5SSChIPKSpNBQoXZyQWpAK5GsY6CsaaOgq1CuQDrlkzQWCnfVkz75evilPsGMBA4gCEZoLSAg5gqkHGIRQMrtpDxMVA8grxC5icAFBLAwQtAAAACAAAACEA6Jdk+///////////BgAUAHcyLm5weQEAEACYAAAAAAAAAFAAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjqaOgq1ChQALgYweGAPoT/sh9AMDgBQSwMELQAAAAgAAAAhAKSxn6r//////////wgAFABiaWFzLm5weQEAEACIAAAAAAAAAEYAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNpoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkamjoKtQoUAS5GBggAAFBLAQItAy0AAAAIAAAAIQClVE9bcQAAAMgAAAAGAAAAAAAAAAAAAACAAQAAAABXMS5ucHlQSwECLQMtAAAACAAAACEA6Jdk+1AAAACYAAAABgAAAAAAAAAAAAAAgAGpAAAAdzIubnB5UEsBAi0DLQAAAAgAAAAhAKSxn6pGAAAAiAAAAAgAAAAAAAAAAAAAAIABMQEAAGJpYXMubnB5UEsFBgAAAAADAAMAngAAALEBAAAAAA=="

    static let w1: [[Double]] = [[0.1, -2.25, 1.0 / 3.0], [3e-7, 4, -5.5], [-6, 7.125, 1e10]]
    static let w1f: [[Double]] = [[1.5, -2.25, 0.125], [3, 4, -5.5], [-6, 7.125, 8]]

    /// A fresh directory for this test's files (every test runs on its own instance), removed
    /// when the test ends.
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("network-file-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Writes `bytes` to `name` in the test's directory and returns the path.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func decoded(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }

    static func loadError(_ path: String, defaultBias: Bool = false) -> NetworkFileError? {
        do {
            _ = try TwoLayerNetwork.load(path: path, defaultBias: defaultBias)
            return nil
        } catch let error as NetworkFileError {
            return error
        } catch {
            return nil
        }
    }

    /// A network whose weights need all 17 significant digits, plus edge values. The largest
    /// weight is the digits of `Double.greatestFiniteMagnitude` at 1e150: a network at 1e308
    /// itself is refused at load, since its weight decay overflows (`HostileDataTests`).
    static func awkwardNetwork(outputs: Int, bias: Bool, seed: UInt64) -> TwoLayerNetwork {
        var g = SeededGenerator(seed: seed)
        let m = 5, d = 3 + (bias ? 1 : 0)
        var u = (0..<(m * d)).map { _ in g.nextGaussian() }
        u[0] = 0.1; u[1] = 1.0 / 3.0; u[2] = .leastNonzeroMagnitude; u[3] = -0.0; u[4] = 1.7976931348623157e150; u[5] = -2.2250738585072014e-308
        let a = (0..<(m * outputs)).map { _ in g.nextGaussian() * 1e-5 }
        return TwoLayerNetwork(inputWeights: DenseMatrix(rowCount: m, columnCount: d, values: u),
                               outputWeights: DenseMatrix(rowCount: m, columnCount: outputs, values: a), hasBias: bias)
    }

    static func identical(_ a: TwoLayerNetwork, _ b: TwoLayerNetwork) -> Bool {
        a.hasBias == b.hasBias
            && a.inputWeights.rowCount == b.inputWeights.rowCount && a.inputWeights.columnCount == b.inputWeights.columnCount
            && a.outputWeights.rowCount == b.outputWeights.rowCount && a.outputWeights.columnCount == b.outputWeights.columnCount
            && a.inputWeights.values.map(\.bitPattern) == b.inputWeights.values.map(\.bitPattern)
            && a.outputWeights.values.map(\.bitPattern) == b.outputWeights.values.map(\.bitPattern)
    }

    // MARK: Round trips

    @Test(arguments: ["json", "npz"])
    func roundTripIsBitExact(format: String) throws {
        for (outputs, bias, biasRegularized) in [(1, true, true), (1, false, true), (3, true, true), (2, true, false)] {
            var network = Self.awkwardNetwork(outputs: outputs, bias: bias, seed: UInt64(outputs))
            network.biasRegularized = biasRegularized
            let path = "\(dir)/net-\(outputs)-\(bias)-\(biasRegularized).\(format)"
            try network.save(to: path)
            let loaded = try TwoLayerNetwork.load(path: path, defaultBias: !bias)
            #expect(Self.identical(network, loaded))
            #expect(loaded.biasRegularized == biasRegularized)
        }
    }

    @Test(arguments: ["json", "npz"])
    func networkWithoutNeuronsKeepsItsShape(format: String) throws {
        let empty = TwoLayerNetwork(inputWeights: DenseMatrix(rowCount: 0, columnCount: 4),
                                    outputWeights: DenseMatrix(rowCount: 0, columnCount: 2), hasBias: true)
        let path = dir + "/empty." + format
        try empty.save(to: path)
        let loaded = try TwoLayerNetwork.load(path: path)
        #expect(loaded == empty && loaded.inputDimension == 3 && loaded.outputCount == 2)
    }

    @Test func jsonWrittenByHand() throws {
        let flat = try self.file("flat.json", Array(#"{"W1": [[1, 2, 3], [4, 5, 6]], "w2": [0.5, -0.5]}"#.utf8))
        let withoutFlag = try TwoLayerNetwork.load(path: flat)
        #expect(withoutFlag.inputWeights == DenseMatrix(rows: [[1, 2, 3], [4, 5, 6]]))
        #expect(withoutFlag.outputWeights == DenseMatrix(column: [0.5, -0.5]))
        #expect(!withoutFlag.hasBias && withoutFlag.inputDimension == 3)
        let defaulted = try TwoLayerNetwork.load(path: flat, defaultBias: true)
        #expect(defaulted.hasBias && defaulted.inputDimension == 2)

        let rows = try self.file("rows.JSON", Array(#"{"bias": false, "W1": [[1, 2]], "w2": [[3, 4, 5]]}"#.utf8))
        let vector = try TwoLayerNetwork.load(path: rows, defaultBias: true)
        #expect(!vector.hasBias && vector.outputWeights == DenseMatrix(rows: [[3, 4, 5]]))
    }

    @Test func savedJSONIsReadableText() throws {
        let network = TwoLayerNetwork(inputWeights: DenseMatrix(rows: [[1, 0.5], [-2, 0.25]]),
                                      outputWeights: DenseMatrix(column: [1, -1]), hasBias: true)
        let path = dir + "/readable.json"
        try network.save(to: path)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect(object?["bias"] as? Bool == true)
        #expect((object?["W1"] as? [[Double]]) == [[1, 0.5], [-2, 0.25]])
        #expect((object?["w2"] as? [Double]) == [1, -1])
    }

    // MARK: Archives written by NumPy

    @Test func numpySavezFloat64() throws {
        let network = try TwoLayerNetwork.load(path: try self.file("a.npz", Self.decoded(Self.savez64)))
        #expect(network.inputWeights == DenseMatrix(rows: Self.w1))
        #expect(network.outputWeights == DenseMatrix(column: [0.5, -1, 2]))
        #expect(network.hasBias)
    }

    @Test func numpySavezCompressedFloat32() throws {
        let network = try TwoLayerNetwork.load(path: try self.file("b.npz", Self.decoded(Self.compressed32)), defaultBias: true)
        #expect(network.inputWeights == DenseMatrix(rows: Self.w1f))
        #expect(network.outputWeights == DenseMatrix(column: [0.5, -1, 2]))
        #expect(!network.hasBias)  // the file's flag wins over the default
    }

    @Test func numpySavezFloat32VectorOutputWithoutBiasEntry() throws {
        let path = try self.file("c.npz", Self.decoded(Self.savez32Vector))
        let network = try TwoLayerNetwork.load(path: path)
        #expect(network.inputWeights == DenseMatrix(rows: Self.w1f))
        #expect(network.outputWeights == DenseMatrix(rows: [[0.5, 1], [-1, 0.25], [2, -4]]))
        #expect(!network.hasBias)
        #expect(try TwoLayerNetwork.load(path: path, defaultBias: true).hasBias)
    }

    @Test func numpyFortranOrderAndIntegerFlag() throws {
        let network = try TwoLayerNetwork.load(path: try self.file("d.npz", Self.decoded(Self.compressedFortran)))
        #expect(network.inputWeights == DenseMatrix(rows: Self.w1))
        #expect(network.hasBias)
    }

    @Test func ourArchiveIsReadByOurReaderWithTheNumpyLayout() throws {
        let network = Self.awkwardNetwork(outputs: 2, bias: true, seed: 7)
        let arrays = try NumpyArchive.readArchive(network.npzBytes(), path: "memory")
        #expect(Set(arrays.keys) == ["W1", "w2", "bias"])
        #expect(arrays["W1"]?.shape == [5, 4] && arrays["W1"]?.descr == "<f8")
        #expect(arrays["w2"]?.shape == [5, 2])
        #expect(arrays["bias"] == NumpyArray(shape: [], values: [1], descr: "|b1"))
        // NumPy aligns the data of every array to 64 bytes.
        let npy = NumpyArchive.npyFile(shape: [3], values: [1, 2, 3])
        #expect((npy.count - 24) % 64 == 0 && npy[npy.count - 25] == UInt8(ascii: "\n"))
    }

    @Test func npyHeaderVariants() throws {
        // Format 2.0 (4-byte header length), big-endian int32, 1-D.
        let header = Array("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }\n".utf8)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, UInt8(header.count), 0, 0, 0] + header
        bytes += [0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x00, 0x01, 0x00]
        let array = try NumpyArchive.parseNpy(bytes, name: "x", path: "memory")
        #expect(array.shape == [2] && array.values == [-2, 256])

        // A hostile header nests deeper than any real one; it is rejected, not recursed into.
        let nested = Array(("{'descr': '<f8', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 100_000) + "}\n").utf8)
        let deep = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0] + withUnsafeBytes(of: UInt32(nested.count).littleEndian, Array.init) + nested
        #expect(throws: NetworkFileError.self) { try NumpyArchive.parseNpy(deep, name: "x", path: "memory") }
    }

    // MARK: Errors

    @Test func unknownExtensionAndMissingFile() throws {
        let network = Self.awkwardNetwork(outputs: 1, bias: false, seed: 1)
        #expect(throws: NetworkFileError.unsupportedFormat(path: dir + "/net.txt")) { try network.save(to: dir + "/net.txt") }
        #expect(Self.loadError(dir + "/net.pt") == .unsupportedFormat(path: dir + "/net.pt"))
        guard case .unreadable? = Self.loadError(dir + "/absent.json") else { Issue.record("missing file accepted"); return }
    }

    @Test func jsonShapeErrors() throws {
        func error(_ text: String) throws -> NetworkFileError? { Self.loadError(try self.file("bad.json", Array(text.utf8))) }
        guard case .missingArray(_, "W1")? = try error(#"{"w2": [1]}"#) else { Issue.record("missing W1 accepted"); return }
        guard case .missingArray(_, "w2")? = try error(#"{"W1": [[1]]}"#) else { Issue.record("missing w2 accepted"); return }
        guard case let .invalidShape(_, "W1", ragged)? = try error(#"{"W1": [[1, 2], [3]], "w2": [1, 2]}"#) else {
            Issue.record("ragged W1 accepted"); return
        }
        #expect(ragged == "row 1 has 1 entries, expected 2")
        guard case .invalidShape(_, "W1", _)? = try error(#"{"W1": [1, 2], "w2": [1, 2]}"#) else { Issue.record("flat W1 accepted"); return }
        guard case let .invalidShape(_, "w2", count)? = try error(#"{"W1": [[1], [2]], "w2": [1, 2, 3]}"#) else {
            Issue.record("w2 length mismatch accepted"); return
        }
        #expect(count == "has 3 entries, W1 has 2 rows")
        guard case .invalidShape(_, "w2", _)? = try error(#"{"W1": [[1], [2]], "w2": [[1, 2], [3]]}"#) else { Issue.record("ragged w2 accepted"); return }
        guard case .invalidShape(_, "bias", _)? = try error(#"{"W1": [[1]], "w2": [1], "bias": "yes"}"#) else { Issue.record("bias string accepted"); return }
        guard case .invalidJSON? = try error(#"{"W1": [[1]], "w2": [1]"#) else { Issue.record("truncated JSON accepted"); return }
        guard case .invalidJSON? = try error(#"[1, 2]"#) else { Issue.record("non-object accepted"); return }
        guard case .invalidJSON? = try error(#"{"W1": [[NaN]], "w2": [1]}"#) else { Issue.record("NaN accepted"); return }
        guard case .invalidShape(_, "W1", _)? = try error(#"{"W1": [[]], "w2": [1], "bias": true}"#) else {
            Issue.record("bias without a column accepted"); return
        }
    }

    @Test func nonFiniteWeightsAreNotSaved() throws {
        var network = Self.awkwardNetwork(outputs: 1, bias: false, seed: 2)
        network.outputWeights.values[3] = .nan
        let path = dir + "/nan.npz"
        #expect(throws: NetworkFileError.nonFinite(path: path, name: "w2", index: 3)) { try network.save(to: path) }
        // NaN written by NumPy is caught on loading.
        let npz = NumpyArchive.zipArchive([("W1.npy", NumpyArchive.npyFile(shape: [1, 1], values: [.infinity])),
                                           ("w2.npy", NumpyArchive.npyFile(shape: [1], values: [1]))])
        guard case .nonFinite(_, "W1", 0)? = Self.loadError(try self.file("inf.npz", npz)) else { Issue.record("infinity accepted"); return }
    }

    @Test func npzStructureErrors() throws {
        let w1 = NumpyArchive.npyFile(shape: [2, 2], values: [1, 2, 3, 4])
        let onlyW1 = NumpyArchive.zipArchive([("W1.npy", w1)])
        guard case .missingArray(_, "w2")? = Self.loadError(try self.file("m.npz", onlyW1)) else { Issue.record("missing w2 accepted"); return }

        let flatW1 = NumpyArchive.zipArchive([("W1.npy", NumpyArchive.npyFile(shape: [4], values: [1, 2, 3, 4])),
                                              ("w2.npy", NumpyArchive.npyFile(shape: [4], values: [1, 2, 3, 4]))])
        guard case .invalidShape(_, "W1", _)? = Self.loadError(try self.file("f.npz", flatW1)) else { Issue.record("1-D W1 accepted"); return }

        let mismatch = NumpyArchive.zipArchive([("W1.npy", w1), ("w2.npy", NumpyArchive.npyFile(shape: [3], values: [1, 2, 3]))])
        guard case .invalidShape(_, "w2", _)? = Self.loadError(try self.file("x.npz", mismatch)) else { Issue.record("w2 mismatch accepted"); return }

        let complex = NumpyArchive.npyHeader(descr: "<c16", shape: [1]) + [UInt8](repeating: 0, count: 16)
        let dtype = NumpyArchive.zipArchive([("W1.npy", complex), ("w2.npy", NumpyArchive.npyFile(shape: [1], values: [1]))])
        #expect(Self.loadError(try self.file("c.npz", dtype))?.description.contains("unsupported dtype <c16") == true)

        let short = Array(w1.dropLast(5))
        let truncatedData = NumpyArchive.zipArchive([("W1.npy", short), ("w2.npy", NumpyArchive.npyFile(shape: [2], values: [1, 2]))])
        guard case .invalidNpy(_, "W1", _)? = Self.loadError(try self.file("t.npz", truncatedData)) else { Issue.record("short npy accepted"); return }

        let notNpy = NumpyArchive.zipArchive([("W1.npy", Array("hello".utf8)), ("w2.npy", w1)])
        guard case .invalidNpy? = Self.loadError(try self.file("n.npz", notNpy)) else { Issue.record("non-npy entry accepted"); return }
    }

    @Test func corruptArchivesThrowInsteadOfTrapping() throws {
        let good = Self.decoded(Self.savez64)
        // Every truncation of a valid archive fails cleanly.
        for length in stride(from: 0, to: good.count, by: 7) {
            guard case .corruptArchive? = Self.loadError(try self.file("cut.npz", Array(good[0..<length]))) else {
                Issue.record("truncation to \(length) bytes accepted"); return
            }
        }
        // A flipped data byte is caught by the CRC (offset 200 is inside W1's values).
        var flipped = good
        flipped[200] ^= 0x40
        let crc = Self.loadError(try self.file("crc.npz", flipped))
        #expect(crc?.description.contains("CRC-32 mismatch in W1.npy") == true)
        // Damaged deflate data.
        var deflated = Self.decoded(Self.compressed32)
        for k in 60..<80 { deflated[k] = 0xFF }
        guard case .corruptArchive? = Self.loadError(try self.file("z.npz", deflated)) else { Issue.record("bad deflate stream accepted"); return }
        // An unknown compression method (12, bzip2) in the central directory.
        var bzip = NumpyArchive.zipArchive([("W1.npy", NumpyArchive.npyFile(shape: [1, 1], values: [1])),
                                            ("w2.npy", NumpyArchive.npyFile(shape: [1], values: [1]))])
        let directory = try #require(NumpyArchive.zipEntries(bzip, path: "memory").first)
        let central = try #require((0..<(bzip.count - 4)).first { k in bzip[k..<(k + 4)].elementsEqual([0x50, 0x4B, 0x01, 0x02]) })
        bzip[central + 10] = 12
        #expect(directory.method == 0)
        guard case .unsupportedCompression(_, "W1.npy", 12)? = Self.loadError(try self.file("bz.npz", bzip)) else {
            Issue.record("compression method 12 accepted"); return
        }
        #expect(Self.loadError(try self.file("text.npz", Array("not a zip at all".utf8)))?.description.contains("not a zip archive") == true)
    }

    @Test func randomlyDamagedArchivesNeverTrap() throws {
        var g = SeededGenerator(seed: 11)
        for archive in [Self.savez64, Self.compressed32, Self.savez32Vector, Self.compressedFortran].map(Self.decoded) {
            for _ in 0..<500 {
                var bytes = archive
                for _ in 0...Int(g.next() % 4) { bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next()) }
                do {
                    _ = try TwoLayerNetwork.decodeNPZ(bytes, path: "fuzz", defaultBias: false)
                } catch is NetworkFileError {
                    // Expected for most damage; anything else (or a trap) fails the test.
                }
            }
        }
    }
}
