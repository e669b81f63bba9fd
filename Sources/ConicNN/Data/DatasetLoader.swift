import ConicIO
import ConicSolver
import Foundation

/// Loads data sets from the layouts the experiments use, detected from the path.
///
/// 1. A directory with `<name>_py.dat` (comma-separated features), `labels_py.dat` (one class
///    `0..<K` per row) and optionally `folds_py.dat` (one column per split, 1 = test, 0 = train):
///    the preprocessed UCI classification collection.
/// 2. A directory with `data.txt` (whitespace-separated), `index_features.txt`,
///    `index_target.txt` (0-based column indices) and optionally the pairs
///    `index_train_<k>.txt` / `index_test_<k>.txt` (0-based row indices), `k = 0, 1, …`:
///    the UCI regression benchmarks.
/// 3. A regular file of delimited text: comma-separated for `.csv` names and for files whose first
///    line holds a comma, otherwise whitespace/tab-separated; gzip-compressed files are recognised
///    by their magic bytes. A first row with a non-numeric field is a header; CSV fields may be
///    double-quoted (a header name holding a comma).
/// 4. `-`: delimited text (or gzip-compressed text) read from standard input, as for a file.
public enum DatasetLoader {
    /// The path that stands for standard input.
    public static let standardInputPath = "-"

    /// Loads the data set at `path` (a directory in one of the UCI layouts, or a delimited file).
    ///
    /// - Parameters:
    ///   - targetColumn: for delimited files, the target column as a header name or a 0-based
    ///     column number; the last column when `nil`. Not accepted for directory layouts, whose
    ///     targets are fixed by their files.
    ///   - classification: for delimited files and the regression layout, read the (single)
    ///     target column as class labels `0..<K` and fill ``Dataset/labels``. Integer-valued
    ///     targets are never guessed to be classes. The UCI classification layout always has labels.
    /// - Throws: ``DataError`` describing the file, line and problem.
    public static func load(path: String, targetColumn: String? = nil, classification: Bool = false) throws -> Dataset {
        if path == standardInputPath {
            let table = try DelimitedTextReader.readStandardInput(allowHeader: true, displayName: "<stdin>")
            return try dataset(from: table, name: "stdin", file: "<stdin>", targetColumn: targetColumn, classification: classification)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.unreadable(path: path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            if let targetColumn {
                throw DataError.badTargetColumn("'\(targetColumn)' given, but '\(path)' is a data set directory whose target is fixed by its files")
            }
            return try loadDirectory(path, classification: classification)
        }
        return try loadDelimited(path, targetColumn: targetColumn, classification: classification)
    }

    // MARK: Delimited text

    static func loadDelimited(_ path: String, targetColumn: String?, classification: Bool) throws -> Dataset {
        let table = try DelimitedTextReader.read(path: path, allowHeader: true)
        return try dataset(from: table, name: datasetName(fromFile: path), file: path, targetColumn: targetColumn,
                           classification: classification)
    }

    /// The data set of a table read from `file`: the target column chosen, the rest features.
    static func dataset(from table: DelimitedTable, name: String, file: String, targetColumn: String?,
                        classification: Bool) throws -> Dataset {
        let target = try resolveTargetColumn(targetColumn, table: table, path: file)
        let featureColumns = (0..<table.columnCount).filter { $0 != target }
        let (features, targets) = extract(table, features: featureColumns, targets: [target])
        let labels = classification ? try classLabels(targets.values, lines: table.lineNumbers, file: file) : nil
        return Dataset(name: name, features: features, targets: targets, labels: labels,
                       featureNames: table.header.map { h in featureColumns.map { h[$0] } })
    }

    /// The 0-based index of the target column: a header name first, then a column number.
    static func resolveTargetColumn(_ requested: String?, table: DelimitedTable, path: String) throws -> Int {
        guard let requested else { return table.columnCount - 1 }
        let name = requested.trimmingCharacters(in: .whitespaces)
        if let header = table.header, let j = header.firstIndex(of: name) { return j }
        if let j = Int(name) {
            guard (0..<table.columnCount).contains(j) else {
                throw DataError.badTargetColumn("column \(j) is out of range 0..<\(table.columnCount) in \(path)")
            }
            return j
        }
        if let header = table.header {
            throw DataError.badTargetColumn("no column named '\(name)' in \(path) (columns: \(header.joined(separator: ", ")))")
        }
        throw DataError.badTargetColumn("'\(name)' is not a column number and \(path) has no header row")
    }

    /// `"digits.csv.gz"` → `"digits"`.
    static func datasetName(fromFile path: String) -> String {
        var base = (path as NSString).lastPathComponent
        if base.lowercased().hasSuffix(".gz") { base.removeLast(3) }
        let stem = (base as NSString).deletingPathExtension
        return stem.isEmpty ? base : stem
    }

    /// Copies the chosen columns of the table into feature and target matrices.
    static func extract(_ table: DelimitedTable, features: [Int], targets: [Int]) -> (DenseMatrix, DenseMatrix) {
        let n = table.rowCount, c = table.columnCount
        var x = [Double](), y = [Double]()
        x.reserveCapacity(n * features.count)
        y.reserveCapacity(n * targets.count)
        table.values.withUnsafeBufferPointer { v in
            for i in 0..<n {
                let row = i * c
                for j in features { x.append(v[row + j]) }
                for j in targets { y.append(v[row + j]) }
            }
        }
        return (DenseMatrix(rowCount: n, columnCount: features.count, values: x),
                DenseMatrix(rowCount: n, columnCount: targets.count, values: y))
    }

    /// The most classes a classification data set may have. One-hot targets and the programs
    /// built on them grow with the number of classes, so a stray large label must not create
    /// thousands of outputs; real class sets are far smaller.
    public static let maxClassCount = 1000

    /// Class labels `0..<K` from numbers that must be integers ≥ 0 taking at most
    /// ``maxClassCount`` distinct values. Labels that are already `0..<K` are kept; otherwise the
    /// distinct values are numbered in increasing order, so `K` is the number of classes present,
    /// never the largest label plus one (a stray label 65535 is one more class, not 65,536).
    ///
    /// - Throws: ``DataError/invalidValue(file:line:message:)`` for a label that is not a
    ///   nonnegative integer, ``DataError/tooManyClasses(file:line:label:limit:)`` for more than
    ///   ``maxClassCount`` distinct labels.
    static func classLabels(_ values: [Double], lines: [Int], file: String) throws -> [Int] {
        var distinct = Set<Int>()
        var labels: [Int] = []
        labels.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            // 2⁵³ bounds the integers a Double holds exactly (and keeps Int(v) from trapping).
            guard v >= 0, v < 9_007_199_254_740_992, v == v.rounded(.towardZero) else {
                throw DataError.invalidValue(file: file, line: lines[i],
                                             message: "class label \(v) is not a nonnegative integer")
            }
            let label = Int(v)
            if distinct.insert(label).inserted, distinct.count > maxClassCount {
                throw DataError.tooManyClasses(file: file, line: lines[i], label: label, limit: maxClassCount)
            }
            labels.append(label)
        }
        guard let largest = distinct.max(), largest >= distinct.count else { return labels }
        let rank = Dictionary(uniqueKeysWithValues: distinct.sorted().enumerated().map { ($1, $0) })
        return labels.map { rank[$0]! }
    }

    // MARK: Directories

    static func loadDirectory(_ directory: String, classification: Bool) throws -> Dataset {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DataError.unreadable(path: directory, reason: error.localizedDescription)
        }
        let names = Set(entries)
        let dirName = (directory as NSString).lastPathComponent
        let companionFiles: Set = ["labels_py.dat", "folds_py.dat", "validation_folds_py.dat"]
        let featureFiles = names.filter { $0.hasSuffix("_py.dat") && !companionFiles.contains($0) }.sorted()
        if names.contains("labels_py.dat") || !featureFiles.isEmpty {
            let expected = "\(dirName)_py.dat"
            var missing: [String] = []
            let featureFile: String
            if names.contains(expected) {
                featureFile = expected
            } else if featureFiles.count == 1 {
                featureFile = featureFiles[0]
            } else {
                // None, or several with no way to tell which holds the features.
                featureFile = expected
                missing.append(expected)
            }
            if !names.contains("labels_py.dat") { missing.append("labels_py.dat") }
            guard missing.isEmpty else { throw DataError.missingFiles(directory: directory, files: missing) }
            return try loadClassificationLayout(directory, name: dirName, featureFile: featureFile,
                                                hasFolds: names.contains("folds_py.dat"))
        }
        let regressionFiles = ["data.txt", "index_features.txt", "index_target.txt"]
        if regressionFiles.contains(where: names.contains) {
            let missing = regressionFiles.filter { !names.contains($0) }
            guard missing.isEmpty else { throw DataError.missingFiles(directory: directory, files: missing) }
            return try loadRegressionLayout(directory, name: dirName, names: names, classification: classification)
        }
        throw DataError.unrecognizedLayout(directory: directory)
    }

    static func join(_ directory: String, _ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }

    static func loadClassificationLayout(_ directory: String, name: String, featureFile: String, hasFolds: Bool) throws -> Dataset {
        let featurePath = join(directory, featureFile)
        let table = try DelimitedTextReader.read(path: featurePath, allowHeader: false)
        let n = table.rowCount
        let features = DenseMatrix(rowCount: n, columnCount: table.columnCount, values: table.values)

        let labelPath = join(directory, "labels_py.dat")
        let labelTable = try DelimitedTextReader.read(path: labelPath, allowHeader: false)
        guard labelTable.columnCount == 1 else {
            throw DataError.invalidValue(file: labelPath, line: labelTable.lineNumbers[0],
                                         message: "expected one label per row, found \(labelTable.columnCount) fields")
        }
        guard labelTable.rowCount == n else {
            throw DataError.rowCountMismatch(file: labelPath, rows: labelTable.rowCount, dataFile: featurePath, dataRows: n)
        }
        let labels = try classLabels(labelTable.values, lines: labelTable.lineNumbers, file: labelPath)

        var splits: [DataSplitIndices] = []
        if hasFolds {
            let foldPath = join(directory, "folds_py.dat")
            let folds = try DelimitedTextReader.read(path: foldPath, allowHeader: false)
            guard folds.rowCount == n else {
                throw DataError.rowCountMismatch(file: foldPath, rows: folds.rowCount, dataFile: featurePath, dataRows: n)
            }
            for j in 0..<folds.columnCount {
                var split = DataSplitIndices(train: [], test: [])
                for i in 0..<n {
                    switch folds.values[i * folds.columnCount + j] {
                    case 0: split.train.append(i)
                    case 1: split.test.append(i)
                    case let v:
                        throw DataError.invalidValue(file: foldPath, line: folds.lineNumbers[i],
                                                     message: "fold entry \(v) in column \(j + 1) is neither 0 (train) nor 1 (test)")
                    }
                }
                splits.append(split)
            }
        }
        return Dataset(name: name, features: features, targets: DenseMatrix(column: labels.map(Double.init)),
                       labels: labels, splits: splits)
    }

    static func loadRegressionLayout(_ directory: String, name: String, names: Set<String>, classification: Bool) throws -> Dataset {
        let dataPath = join(directory, "data.txt")
        let table = try DelimitedTextReader.read(path: dataPath, allowHeader: false)
        let featureColumns = try readIndices(join(directory, "index_features.txt"), bound: table.columnCount, what: "column")
        let targetPath = join(directory, "index_target.txt")
        let targetColumns = try readIndices(targetPath, bound: table.columnCount, what: "column")
        guard !targetColumns.isEmpty else { throw DataError.invalidValue(file: targetPath, line: 0, message: "no target column index") }
        let (features, targets) = extract(table, features: featureColumns, targets: targetColumns)

        var labels: [Int]?
        if classification {
            guard targetColumns.count == 1 else {
                throw DataError.badTargetColumn("classification needs one target column, \(targetPath) lists \(targetColumns.count)")
            }
            labels = try classLabels(targets.values, lines: table.lineNumbers, file: dataPath)
        }

        var splits: [DataSplitIndices] = []
        var k = 0
        while true {
            let trainFile = "index_train_\(k).txt", testFile = "index_test_\(k).txt"
            let hasTrain = names.contains(trainFile), hasTest = names.contains(testFile)
            if !hasTrain && !hasTest { break }
            guard hasTrain && hasTest else {
                throw DataError.missingFiles(directory: directory, files: [hasTrain ? testFile : trainFile])
            }
            splits.append(DataSplitIndices(train: try readIndices(join(directory, trainFile), bound: table.rowCount, what: "row"),
                                           test: try readIndices(join(directory, testFile), bound: table.rowCount, what: "row")))
            k += 1
        }
        return Dataset(name: name, features: features, targets: targets, labels: labels, splits: splits)
    }

    /// The whitespace-separated 0-based indices in a small index file, each below `bound`.
    static func readIndices(_ path: String, bound: Int, what: String) throws -> [Int] {
        let bytes: [UInt8]
        do {
            bytes = try readFileBytes(path, kind: "index")
        } catch {
            throw DataError.unreadable(path: path, reason: "\(error)")
        }
        var indices: [Int] = []
        for (lineIndex, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," }) {
                guard let index = Int(token) else {
                    throw DataError.invalidValue(file: path, line: lineIndex + 1, message: "'\(token)' is not a \(what) index")
                }
                guard (0..<bound).contains(index) else {
                    throw DataError.invalidValue(file: path, line: lineIndex + 1,
                                                 message: "\(what) index \(index) is out of range 0..<\(bound)")
                }
                indices.append(index)
            }
        }
        return indices
    }
}
