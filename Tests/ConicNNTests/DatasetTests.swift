import ConicSolver
import Foundation
import Testing
@testable import ConicNN

/// Data loading: the delimited-text reader, the two UCI directory layouts (on the real files
/// under /work/shared/data), target encodings, standardization, splits and error reporting.
@Suite final class DatasetTests {
    static let dataRoot = "/work/shared/data"

    /// A fresh directory for this test's files (every test runs on its own instance), removed
    /// when the test ends.
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dataset-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Loads `path` expecting a `DataError`, and returns it.
    static func loadError(_ path: String, targetColumn: String? = nil, classification: Bool = false) -> DataError? {
        do {
            _ = try DatasetLoader.load(path: path, targetColumn: targetColumn, classification: classification)
            return nil
        } catch let error as DataError {
            return error
        } catch {
            return nil
        }
    }

    /// A random `rows × columns` matrix with awkward values (many digits, mixed magnitudes).
    static func randomValues(rows: Int, columns: Int, seed: UInt64) -> [[Double]] {
        var g = SeededGenerator(seed: seed)
        return (0..<rows).map { _ in (0..<columns).map { _ in g.nextGaussian() * pow(10, Double(Int.random(in: -3...3, using: &g))) } }
    }

    // MARK: Delimited text

    @Test func csvRoundTripIsExact() throws {
        let rows = Self.randomValues(rows: 57, columns: 5, seed: 1)
        let text = "x1,x2,x3,x4,y\n" + rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let path = dir + "/round.csv"
        try Self.write(text, to: path)
        let data = try DatasetLoader.load(path: path)
        #expect(data.name == "round")
        #expect(data.features == DenseMatrix(rows: rows.map { Array($0[0..<4]) }))
        #expect(data.targets == DenseMatrix(column: rows.map { $0[4] }))
        #expect(data.featureNames == ["x1", "x2", "x3", "x4"])
        #expect(data.labels == nil && data.classCount == nil && data.splits.isEmpty)
    }

    @Test func headerIsDetectedOnlyWhenAFieldIsNotANumber() throws {
        try Self.write("1,2,3\n4,5,6\n", to: dir + "/plain.csv")
        let plain = try DatasetLoader.load(path: dir + "/plain.csv")
        #expect(plain.sampleCount == 2 && plain.featureNames == nil)
        #expect(plain.targets.values == [3, 6])

        // One non-numeric field is enough, and quoted names lose their quotes.
        try Self.write("\"a\", 2 ,y\n1,2,3\n4,5,6\n", to: dir + "/header.csv")
        let header = try DatasetLoader.load(path: dir + "/header.csv")
        #expect(header.sampleCount == 2 && header.featureNames == ["a", "2"])
        #expect(header.features.values == [1, 2, 4, 5])
    }

    @Test func targetColumnByNameAndByIndex() throws {
        let path = dir + "/t.csv"
        try Self.write("a,b,y,c\n1,2,3,4\n5,6,7,8\n", to: path)
        let byName = try DatasetLoader.load(path: path, targetColumn: "y")
        #expect(byName.targets.values == [3, 7])
        #expect(byName.features == DenseMatrix(rows: [[1, 2, 4], [5, 6, 8]]))
        #expect(byName.featureNames == ["a", "b", "c"])
        let byIndex = try DatasetLoader.load(path: path, targetColumn: "0")
        #expect(byIndex.targets.values == [1, 5])
        #expect(byIndex.featureNames == ["b", "y", "c"])

        guard case .badTargetColumn? = Self.loadError(path, targetColumn: "z") else { Issue.record("unknown name accepted"); return }
        guard case .badTargetColumn? = Self.loadError(path, targetColumn: "4") else { Issue.record("index 4 accepted"); return }
        try Self.write("1,2\n3,4\n", to: dir + "/noheader.csv")
        guard case .badTargetColumn? = Self.loadError(dir + "/noheader.csv", targetColumn: "y") else {
            Issue.record("a name accepted without a header"); return
        }
    }

    @Test func gzipCompressedCSVLoadsLikeThePlainFile() throws {
        let rows = Self.randomValues(rows: 200, columns: 3, seed: 2)
        let text = rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n")
        try Self.write(text, to: dir + "/g.csv")
        try Self.write(text, to: dir + "/copy.txt")
        for file in ["g.csv", "copy.txt"] {
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
            gzip.arguments = ["-k", dir + "/" + file]
            try gzip.run()
            gzip.waitUntilExit()
            #expect(gzip.terminationStatus == 0)
        }
        let plain = try DatasetLoader.load(path: dir + "/g.csv")
        let compressed = try DatasetLoader.load(path: dir + "/g.csv.gz")
        #expect(compressed.name == "g")
        #expect(compressed.features == plain.features && compressed.targets == plain.targets)
        // Compression is recognised by the magic bytes, and the commas by sniffing the first line.
        let other = try DatasetLoader.load(path: dir + "/copy.txt.gz")
        #expect(other.features == plain.features && other.targets == plain.targets)
    }

    @Test func whitespaceSeparatedTextWithCRLFAndBlankLines() throws {
        try Self.write("  1\t2   3 \r\n\r\n4 5\t\t6\r\n\n\n", to: dir + "/w.dat")
        let data = try DatasetLoader.load(path: dir + "/w.dat")
        #expect(data.features == DenseMatrix(rows: [[1, 2], [4, 5]]))
        #expect(data.targets.values == [3, 6])
    }

    @Test func byteOrderMarkIsNotAHeader() throws {
        try Data([0xEF, 0xBB, 0xBF] + Array("1,2,3\n4,5,6\n".utf8)).write(to: URL(fileURLWithPath: dir + "/bom.csv"))
        let data = try DatasetLoader.load(path: dir + "/bom.csv")
        #expect(data.featureNames == nil && data.features == DenseMatrix(rows: [[1, 2], [4, 5]]))
    }

    /// `pandas.to_csv()` writes its row index as an unnamed first column: it is not a feature.
    /// A first column that is unnamed but not 0…n−1 (or 1…n), or named, stays.
    @Test func pandasRowIndexColumnIsDropped() throws {
        try Self.write(",a,b,y\n0,0.5,1,2\n1,0.25,0,3\n2,1.5,2,4\n", to: dir + "/pandas.csv")
        let data = try DatasetLoader.load(path: dir + "/pandas.csv")
        #expect(data.featureNames == ["a", "b"])
        #expect(data.features == DenseMatrix(rows: [[0.5, 1], [0.25, 0], [1.5, 2]]))
        #expect(data.targets.values == [2, 3, 4])
        try Self.write("Unnamed: 0,a,y\n1,0.5,2\n2,0.25,3\n", to: dir + "/pandas1.csv")
        #expect(try DatasetLoader.load(path: dir + "/pandas1.csv").features == DenseMatrix(rows: [[0.5], [0.25]]))
        try Self.write(",a,y\n0,0.5,2\n5,0.25,3\n", to: dir + "/unnamed.csv")
        #expect(try DatasetLoader.load(path: dir + "/unnamed.csv").features.columnCount == 2)
        try Self.write("id,a,y\n0,0.5,2\n1,0.25,3\n", to: dir + "/named.csv")
        #expect(try DatasetLoader.load(path: dir + "/named.csv").features.columnCount == 2)
    }

    @Test func classificationOptionFillsLabels() throws {
        try Self.write("0.5,1\n0.25,0\n1.5,2\n", to: dir + "/c.csv")
        let plain = try DatasetLoader.load(path: dir + "/c.csv")
        #expect(plain.labels == nil)
        let data = try DatasetLoader.load(path: dir + "/c.csv", classification: true)
        #expect(data.labels == [1, 0, 2] && data.classCount == 3)
        #expect(data.targets.values == [1, 0, 2])
        #expect(try data.oneHotTargets() == DenseMatrix(rows: [[0, 1, 0], [1, 0, 0], [0, 0, 1]]))

        try Self.write("0.5,1\n0.25,2.5\n", to: dir + "/bad.csv")
        let error = Self.loadError(dir + "/bad.csv", classification: true)
        guard case let .invalidValue(_, line, _)? = error else { Issue.record("2.5 accepted as a class"); return }
        #expect(line == 2)
    }

    // MARK: The real data sets

    @Test func irisClassificationLayout() throws {
        let path = Self.dataRoot + "/uci/iris"
        let iris = try DatasetLoader.load(path: path)
        #expect(iris.name == "iris")
        #expect(iris.sampleCount == 150 && iris.featureCount == 4)
        #expect(iris.classCount == 3 && iris.labels?.count == 150)
        #expect(Set(iris.labels ?? []) == [0, 1, 2])
        #expect(iris.targets.values == iris.labels!.map(Double.init))
        #expect(iris.splits.count == 4)

        // The test rows of fold k are the ones in column k of folds_py.dat.
        let folds = try String(contentsOfFile: path + "/folds_py.dat", encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! } }
        for k in 0..<4 {
            #expect(iris.splits[k].test == folds.indices.filter { folds[$0][k] == 1 })
            #expect(iris.splits[k].train.count + iris.splits[k].test.count == 150)
        }
        let (train, test) = try iris.split(fold: 0)
        #expect(test.sampleCount == folds.filter { $0[0] == 1 }.count)
        #expect(train.sampleCount == 150 - test.sampleCount)
        #expect(train.classCount == 3 && test.classCount == 3)
        #expect(test.features.row(0) == iris.features.row(iris.splits[0].test[0]))

        let oneHot = try iris.oneHotTargets()
        #expect(oneHot.rowCount == 150 && oneHot.columnCount == 3)
        #expect((0..<150).allSatisfy { i in oneHot.row(i).reduce(0, +) == 1 && oneHot[i, iris.labels![i]] == 1 })
        #expect(throws: DataError.self) { try iris.signTargets() }
    }

    @Test func binaryClassificationSignTargets() throws {
        let data = try DatasetLoader.load(path: Self.dataRoot + "/uci/acute-inflammation")
        #expect(data.classCount == 2)
        let y = try data.signTargets()
        #expect(y.columnCount == 1 && y.rowCount == data.sampleCount)
        #expect(zip(y.values, data.labels!).allSatisfy { $0 == ($1 == 0 ? -1 : 1) })
        // A subset holding only class 0 still encodes as binary, with the full data set's K.
        let zeros = data.subset(data.labels!.indices.filter { data.labels![$0] == 0 })
        #expect(try zeros.signTargets().values.allSatisfy { $0 == -1 })
        #expect(try zeros.oneHotTargets().columnCount == 2)
    }

    @Test func concreteRegressionLayout() throws {
        let path = Self.dataRoot + "/uci/concrete"
        let concrete = try DatasetLoader.load(path: path)
        #expect(concrete.name == "concrete")
        #expect(concrete.sampleCount == 1030 && concrete.featureCount == 8)
        #expect(concrete.targets.columnCount == 1 && concrete.labels == nil)
        #expect(concrete.features.row(0) == [540, 0, 0, 162, 2.5, 1040, 676, 28])
        #expect(concrete.targets[0, 0] == 79.99)
        #expect(concrete.splits.count == 20)
        let test0 = try String(contentsOfFile: path + "/index_test_0.txt", encoding: .utf8).split(whereSeparator: \.isWhitespace).map { Int($0)! }
        #expect(concrete.splits[0].test == test0)
        for split in concrete.splits {
            #expect(Set(split.train).isDisjoint(with: split.test))
            #expect(split.train.count + split.test.count == 1030)
        }
        #expect(throws: DataError.self) { try concrete.signTargets() }
        #expect(throws: DataError.badFold(fold: 20, foldCount: 20)) { try concrete.split(fold: 20) }
    }

    @Test func airfoilTabSeparatedFile() throws {
        let airfoil = try DatasetLoader.load(path: Self.dataRoot + "/uci/airfoil/airfoil_self_noise.dat")
        #expect(airfoil.name == "airfoil_self_noise")
        #expect(airfoil.sampleCount == 1503 && airfoil.featureCount == 5)
        #expect(airfoil.features.row(0) == [800, 0, 0.3048, 71.3, 0.00266337])
        #expect(airfoil.targets[0, 0] == 126.201)
        #expect(airfoil.labels == nil && airfoil.featureNames == nil)
    }

    @Test func digitsGzipCSV() throws {
        let path = Self.dataRoot + "/digits/digits.csv.gz"
        let digits = try DatasetLoader.load(path: path)
        #expect(digits.name == "digits")
        #expect(digits.sampleCount == 1797 && digits.featureCount == 64)
        #expect(digits.labels == nil)  // integer targets are not guessed to be classes
        #expect(digits.features.values.allSatisfy { (0...16).contains($0) })
        let classes = try DatasetLoader.load(path: path, classification: true)
        #expect(classes.classCount == 10 && Set(classes.labels!) == Set(0..<10))
    }

    // MARK: Transformations

    @Test func standardizationGivesZeroMeanAndUnitStd() throws {
        var rows = Self.randomValues(rows: 300, columns: 4, seed: 3)
        for i in rows.indices { rows[i][1] = rows[i][1] * 50 + 7; rows[i].append(3.25) }  // a constant column
        let x = DenseMatrix(rows: rows)
        let s = Standardization.fit(x)
        #expect(s.scale[4] == 1 && s.mean[4] == 3.25)
        let z = s.apply(x)
        for j in 0..<5 {
            let column = z.column(j)
            let mean = column.reduce(0, +) / 300
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 300
            #expect(abs(mean) < 1e-12)
            #expect(j == 4 ? variance == 0 : abs(variance - 1) < 1e-12)
        }
        // Fitted on the training part, applied unchanged to new data.
        let other = DenseMatrix(rows: [[1, 2, 3, 4, 5]])
        #expect(s.apply(other).values == (0..<5).map { (other.values[$0] - s.mean[$0]) / s.scale[$0] })
    }

    @Test func seededSplitIsReproducibleAndPartitionsTheRows() throws {
        let data = try DatasetLoader.load(path: Self.dataRoot + "/uci/airfoil/airfoil_self_noise.dat")
        let a = data.split(testFraction: 0.2, seed: 42), b = data.split(testFraction: 0.2, seed: 42)
        #expect(a.train == b.train && a.test == b.test)
        #expect(a.test.sampleCount == 301 && a.train.sampleCount == 1202)
        let indices = Dataset.randomSplit(count: 1503, testFraction: 0.2, seed: 42)
        #expect(Set(indices.train).isDisjoint(with: indices.test))
        #expect(Set(indices.train + indices.test) == Set(0..<1503))
        #expect(a.test.features == data.features.rows(indices.test))
        #expect(Dataset.randomSplit(count: 1503, testFraction: 0.2, seed: 43) != indices)
        #expect(Dataset.randomSplit(count: 10, testFraction: 0, seed: 1).test.isEmpty)
        #expect(Dataset.randomSplit(count: 10, testFraction: 1, seed: 1).train.isEmpty)
    }

    @Test func splitByFoldNeedsPredefinedSplits() throws {
        let data = Dataset(name: "tiny", features: DenseMatrix(rows: [[1], [2]]), targets: DenseMatrix(column: [0, 1]))
        #expect(throws: DataError.badFold(fold: 0, foldCount: 0)) { try data.split(fold: 0) }
        #expect(DataError.badFold(fold: 0, foldCount: 0).description.contains("no predefined splits"))
    }

    // MARK: Errors

    @Test func raggedRowReportsFileAndLine() throws {
        let path = dir + "/ragged.csv"
        try Self.write("a,b,c,d,e\n1,2,3,4,5\n\n1,2,3,4\n", to: path)
        let error = Self.loadError(path)
        #expect(error == .raggedRow(file: path, line: 4, fieldCount: 4, expected: 5))
        #expect(error?.description == "\(path):4: row has 4 fields, expected 5")
    }

    @Test func nonNumericAndNonFiniteFieldsReportFileAndLine() throws {
        try Self.write("1,2,3\n4,x5,6\n", to: dir + "/text.csv")
        #expect(Self.loadError(dir + "/text.csv") == .nonNumeric(file: dir + "/text.csv", line: 2, column: 2, field: "x5"))
        try Self.write("1,2,3\n4,nan,6\n", to: dir + "/nan.csv")
        #expect(Self.loadError(dir + "/nan.csv") == .nonFinite(file: dir + "/nan.csv", line: 2, column: 2, field: "nan"))
        try Self.write("1 2 3\n4 5 -inf\n", to: dir + "/inf.dat")
        #expect(Self.loadError(dir + "/inf.dat") == .nonFinite(file: dir + "/inf.dat", line: 2, column: 3, field: "-inf"))
        try Self.write("1,2,3\n4,,6\n", to: dir + "/hole.csv")
        #expect(Self.loadError(dir + "/hole.csv")?.description == "\(dir)/hole.csv:2: field 2 is empty")
        try Self.write("1,2,3\n4,5e,6\n", to: dir + "/junk.csv")
        #expect(Self.loadError(dir + "/junk.csv") == .nonNumeric(file: dir + "/junk.csv", line: 2, column: 2, field: "5e"))
    }

    @Test func emptyFilesAndMissingPaths() throws {
        try Self.write("", to: dir + "/empty.csv")
        #expect(Self.loadError(dir + "/empty.csv") == .empty(file: dir + "/empty.csv"))
        try Self.write("\n  \n", to: dir + "/blank.txt")
        #expect(Self.loadError(dir + "/blank.txt") == .empty(file: dir + "/blank.txt"))
        try Self.write("a,b,y\n", to: dir + "/header-only.csv")
        #expect(Self.loadError(dir + "/header-only.csv") == .empty(file: dir + "/header-only.csv"))
        guard case .unreadable? = Self.loadError(dir + "/absent.csv") else { Issue.record("missing file accepted"); return }
        // Not gzip despite the name: read as text; a corrupt gzip stream is an unreadable file.
        try Data([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]).write(to: URL(fileURLWithPath: dir + "/broken.csv.gz"))
        guard case .unreadable? = Self.loadError(dir + "/broken.csv.gz") else { Issue.record("corrupt gzip accepted"); return }
    }

    @Test func classificationLayoutErrors() throws {
        let dir = self.dir + "/toy"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.write("1,2\n3,4\n5,6\n", to: dir + "/toy_py.dat")
        #expect(Self.loadError(dir) == .missingFiles(directory: dir, files: ["labels_py.dat"]))

        try Self.write("0\n1\n", to: dir + "/labels_py.dat")
        let mismatch = Self.loadError(dir)
        #expect(mismatch == .rowCountMismatch(file: dir + "/labels_py.dat", rows: 2, dataFile: dir + "/toy_py.dat", dataRows: 3))

        try Self.write("0\n1\n-1\n", to: dir + "/labels_py.dat")
        guard case let .invalidValue(file, line, _)? = Self.loadError(dir) else { Issue.record("label -1 accepted"); return }
        #expect(file == dir + "/labels_py.dat" && line == 3)

        try Self.write("0\n1\n1\n", to: dir + "/labels_py.dat")
        try Self.write("0,1\n1,0\n2,0\n", to: dir + "/folds_py.dat")
        guard case let .invalidValue(_, foldLine, _)? = Self.loadError(dir) else { Issue.record("fold entry 2 accepted"); return }
        #expect(foldLine == 3)

        try Self.write("0,1\n1,0\n0,1\n", to: dir + "/folds_py.dat")
        let toy = try DatasetLoader.load(path: dir)
        #expect(toy.splits == [DataSplitIndices(train: [0, 2], test: [1]), DataSplitIndices(train: [1], test: [0, 2])])
        #expect(try toy.signTargets().values == [-1, 1, 1])
        guard case .badTargetColumn? = Self.loadError(dir, targetColumn: "0") else { Issue.record("target column accepted for a directory"); return }
    }

    @Test func regressionLayoutErrors() throws {
        try Self.write("1 2 3\n4 5 6\n\n", to: dir + "/data.txt")
        #expect(Self.loadError(dir) == .missingFiles(directory: dir, files: ["index_features.txt", "index_target.txt"]))
        try Self.write("0\n1\n", to: dir + "/index_features.txt")
        try Self.write("5\n", to: dir + "/index_target.txt")
        guard case let .invalidValue(file, line, _)? = Self.loadError(dir) else { Issue.record("column 5 accepted"); return }
        #expect(file == dir + "/index_target.txt" && line == 1)

        try Self.write("2\n", to: dir + "/index_target.txt")
        try Self.write("0\n", to: dir + "/index_train_0.txt")
        #expect(Self.loadError(dir) == .missingFiles(directory: dir, files: ["index_test_0.txt"]))
        try Self.write("1\n7\n", to: dir + "/index_test_0.txt")
        guard case let .invalidValue(_, rowLine, _)? = Self.loadError(dir) else { Issue.record("row 7 accepted"); return }
        #expect(rowLine == 2)

        try Self.write("1\n", to: dir + "/index_test_0.txt")
        let data = try DatasetLoader.load(path: dir)
        #expect(data.features == DenseMatrix(rows: [[1, 2], [4, 5]]) && data.targets.values == [3, 6])
        #expect(data.splits == [DataSplitIndices(train: [0], test: [1])])
    }

    @Test func unrecognizedDirectory() throws {
        try Self.write("hello", to: dir + "/readme.txt")
        #expect(Self.loadError(dir) == .unrecognizedLayout(directory: dir))
    }

    @Test func largeFileParsesCompletely() throws {
        var g = SeededGenerator(seed: 9)
        let values = (0..<20_000 * 10).map { _ in g.nextGaussian() }
        var text = ""
        text.reserveCapacity(values.count * 24)
        for i in 0..<20_000 {
            text += values[(i * 10)..<(i * 10 + 10)].map { "\($0)" }.joined(separator: ",")
            text += "\n"
        }
        try Self.write(text, to: dir + "/large.csv")
        let data = try DatasetLoader.load(path: dir + "/large.csv")
        #expect(data.sampleCount == 20_000 && data.featureCount == 9)
        #expect(data.features.row(19_999) == Array(values[199_990..<199_999]))
        #expect(data.targets[19_999, 0] == values[199_999])
    }

    @Test func randomlyDamagedTextNeverTraps() throws {
        var g = SeededGenerator(seed: 12)
        let alphabet = Array(" \t\r\n,.-+eE0123456789nanifx\"\u{0}".utf8)
        let original = Array("a,b,y\n1.5,-2e3,0\n 3 , 4 ,1\n\n5,6,7\n".utf8)
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0...Int(g.next() % 4) {
                bytes[Int(g.next() % UInt64(bytes.count))] = alphabet[Int(g.next() % UInt64(alphabet.count))]
            }
            for separator in [nil, FieldSeparator.comma, .whitespace] {
                do {
                    let table = try DelimitedTextReader.parse(bytes: bytes + [0], separator: separator, allowHeader: true, file: "fuzz")
                    #expect(table.values.count == table.rowCount * table.columnCount && table.values.allSatisfy(\.isFinite))
                } catch is DataError {
                }
            }
        }
    }
}
