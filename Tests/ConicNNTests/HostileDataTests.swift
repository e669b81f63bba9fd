import ConicSolver
import Foundation
import Testing
@testable import ConicNN

/// Hostile data and network files (issue 15): a stray class label, more classes than outputs can
/// sensibly be, a table too wide for memory, and finite weights whose objective overflows. Each
/// ends in its typed error.
@Suite final class HostileDataTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-data-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ text: String, _ name: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A UCI classification directory with the given labels (one feature per sample).
    func classificationDirectory(labels: [Int]) throws -> String {
        let path = dir + "/toy"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        _ = try write(labels.indices.map { "\($0)" }.joined(separator: "\n") + "\n", "toy/toy_py.dat")
        _ = try write(labels.map(String.init).joined(separator: "\n") + "\n", "toy/labels_py.dat")
        return path
    }

    @Test func strayLabelIsOneMoreClassNotSixtyFiveThousand() throws {
        let dataset = try DatasetLoader.load(path: try classificationDirectory(labels: [0, 1, 0, 65535, 1]))
        #expect(dataset.classCount == 3)
        #expect(dataset.labels == [0, 1, 0, 2, 1])
        #expect(try dataset.oneHotTargets().columnCount == 3)
    }

    @Test func labelsAlreadyDenseAreKept() throws {
        let dataset = try DatasetLoader.load(path: try classificationDirectory(labels: [2, 0, 1, 2]))
        #expect(dataset.labels == [2, 0, 1, 2])
        #expect(dataset.classCount == 3)
    }

    @Test func tooManyDistinctLabelsIsATypedError() throws {
        let labels = Array(0...DatasetLoader.maxClassCount)
        let path = try classificationDirectory(labels: labels)
        #expect(throws: DataError.tooManyClasses(file: path + "/labels_py.dat", line: labels.count,
                                                 label: DatasetLoader.maxClassCount,
                                                 limit: DatasetLoader.maxClassCount)) {
            _ = try DatasetLoader.load(path: path)
        }
        // A CSV target read as classes goes through the same check.
        let csv = try write(labels.map { "1,\($0)" }.joined(separator: "\n") + "\n", "many.csv")
        #expect(throws: DataError.tooManyClasses(file: csv, line: labels.count, label: DatasetLoader.maxClassCount,
                                                 limit: DatasetLoader.maxClassCount)) {
            _ = try DatasetLoader.load(path: csv, classification: true)
        }
    }

    @Test func nonIntegerAndHugeLabelsAreInvalid() throws {
        for bad in ["0.5", "1e300", "-2"] {
            let path = dir + "/toy"
            _ = try classificationDirectory(labels: [0, 1])
            _ = try write("0\n\(bad)\n", "toy/labels_py.dat")
            #expect {
                _ = try DatasetLoader.load(path: path)
            } throws: { error in
                if case .invalidValue(_, 2, _)? = error as? DataError { return true }
                return false
            }
        }
    }

    @Test func oneHotOfAHandBuiltDatasetWithHugeClassCountThrows() {
        let dataset = Dataset(features: DenseMatrix(rowCount: 2, columnCount: 1, values: [0, 1]),
                              targets: DenseMatrix(rowCount: 2, columnCount: 1, values: [0, 65535]),
                              labels: [0, 65535])
        #expect(throws: DataError.tooManyClasses(file: "", line: 0, label: 65535, limit: DatasetLoader.maxClassCount)) {
            _ = try dataset.oneHotTargets()
        }
    }

    @Test func tableTooWideForTheBudgetIsRefused() throws {
        // 2·10⁵ features: 3 rows × 2·10⁵ × 24 bytes is far above a 1 MiB budget.
        let row = String(repeating: "1,", count: 200_000) + "0\n"
        let path = try write(row + row + row, "wide.csv")
        try MemoryBudget.$limit.withValue(1 << 20) {
            #expect {
                _ = try DatasetLoader.load(path: path)
            } throws: { error in
                guard case let .tooLarge(file, _, required, available)? = error as? DataError else { return false }
                return file == path && required > available
            }
        }
        // The same file under the machine's budget loads.
        #expect(try DatasetLoader.load(path: path).features.columnCount == 200_000)
    }

    @Test func hugeFiniteWeightsAreRefusedAtLoad() throws {
        let json = try write(#"{"W1": [[1e308, 1.0]], "w2": [1e308]}"#, "huge.json")
        #expect {
            _ = try TwoLayerNetwork.load(path: json)
        } throws: { error in
            if case .weightsTooLarge(json, _)? = error as? NetworkFileError { return true }
            return false
        }
        // Large but harmless weights still load.
        let fine = try write(#"{"W1": [[1e100, 1.0]], "w2": [1e-100]}"#, "fine.json")
        #expect(try TwoLayerNetwork.load(path: fine).width == 1)
    }

    @Test func hugeWeightsInAnNpzAreRefusedToo() throws {
        // The writer refuses only non-finite weights, so it can produce the hostile archive.
        let big = TwoLayerNetwork(inputWeights: DenseMatrix(rowCount: 1, columnCount: 2, values: [1e308, 1]),
                                  outputWeights: DenseMatrix(rowCount: 1, columnCount: 1, values: [1e308]),
                                  hasBias: false)
        let path = dir + "/huge.npz"
        try Data(big.npzBytes()).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try TwoLayerNetwork.load(path: path)
        } throws: { error in
            if case .weightsTooLarge? = error as? NetworkFileError { return true }
            return false
        }
    }
}
