import Foundation
import Testing
@testable import ConicNN

/// CSV fields in double quotes (RFC 4180): a header name holding a comma is one column, quoted
/// numbers are numbers, and quoting the reader cannot follow is refused with its line.
@Suite struct QuotedCSVTests {
    func table(_ text: String) throws -> DelimitedTable {
        try DelimitedTextReader.parse(bytes: Array(text.utf8) + [0], separator: nil, allowHeader: true, file: "quoted.csv")
    }

    @Test("A quoted header with commas and escaped quotes names one column each")
    func quotedHeader() throws {
        let table = try table("\"height, cm\",\"weight \"\"kg\"\"\",y\n1,2,3\n4,5,6\n")
        #expect(table.header == ["height, cm", "weight \"kg\"", "y"])
        #expect(table.columnCount == 3 && table.values == [1, 2, 3, 4, 5, 6])
    }

    @Test("Quoted numbers are read; the target column can be named by its quoted header")
    func quotedNumbers() throws {
        let text = "\"a,b\", \"y\" ,c\n\"1.5\", 2 ,\"-3\"\n4,\"5e-1\",6\n"
        let table = try table(text)
        #expect(table.values == [1.5, 2, -3, 4, 0.5, 6])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("quoted-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let dataset = try DatasetLoader.load(path: file.path, targetColumn: "y")
        #expect(dataset.targets.values == [2, 0.5])
        #expect(dataset.featureNames == ["a,b", "c"])
        #expect(dataset.features.values == [1.5, -3, 4, 6])
    }

    @Test("An unclosed quote or text after a closing quote is an error on its line")
    func malformed() {
        #expect(throws: DataError.invalidValue(file: "quoted.csv", line: 1, message: "field 2 opens a quote that the line does not close (quoted fields spanning lines are not supported)")) {
            try table("a,\"b,c\ny\n1,2,3\n")
        }
        #expect(throws: DataError.invalidValue(file: "quoted.csv", line: 2, message: "field 1 has text after its closing quote")) {
            try table("a,b\n\"1\"x,2\n")
        }
        // A quote inside an unquoted field is not quoting: the field is not a number.
        #expect(throws: DataError.nonNumeric(file: "quoted.csv", line: 2, column: 2, field: "2\"")) {
            try table("a,b\n1,2\"\n")
        }
    }
}
