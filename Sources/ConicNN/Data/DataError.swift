import ConicSolver

/// Why a data set could not be loaded or encoded.
///
/// Cases tied to a place in a file carry the file path and a 1-based line number, and
/// ``description`` prints them as `file:line: message` so editors can jump to the spot.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or directory could not be read (missing, unreadable, bad gzip stream).
    case unreadable(path: String, reason: String)
    /// A data row has a different number of fields than the first row (or the header).
    case raggedRow(file: String, line: Int, fieldCount: Int, expected: Int)
    /// A field is not a number; `column` is 1-based.
    case nonNumeric(file: String, line: Int, column: Int, field: String)
    /// A field parses as NaN or an infinity; `column` is 1-based.
    case nonFinite(file: String, line: Int, column: Int, field: String)
    /// The file holds no data rows (it is empty, blank, or only a header).
    case empty(file: String)
    /// A companion file (labels, folds) has a different number of rows than the data file.
    case rowCountMismatch(file: String, rows: Int, dataFile: String, dataRows: Int)
    /// A number is outside what its file allows (a label that is not an integer ≥ 0, a fold
    /// entry other than 0/1, a row or column index out of range).
    case invalidValue(file: String, line: Int, message: String)
    /// A directory looks like one of the known layouts but lacks some of its files.
    case missingFiles(directory: String, files: [String])
    /// A directory matches none of the known layouts.
    case unrecognizedLayout(directory: String)
    /// The requested target column does not exist or cannot be used.
    case badTargetColumn(String)
    /// `split(fold:)` was asked for a fold the data set does not have.
    case badFold(fold: Int, foldCount: Int)
    /// The targets cannot be encoded as asked (sign targets of regression or multiclass data).
    case unsuitableTargets(String)
    /// The class labels take more than `limit` distinct values; `label` (on `line`) is the first
    /// past the limit. Each class is an output of the network, so this is refused, not allocated.
    case tooManyClasses(file: String, line: Int, label: Int, limit: Int)
    /// Holding the data (or an encoding of it) would need more memory than is available
    /// (see ``ConicSolver/MemoryBudget``).
    case tooLarge(file: String, what: String, requiredBytes: Int, availableBytes: Int)

    /// The message, led by `file:line:` when the problem has a place in a file.
    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .raggedRow(file, line, fieldCount, expected):
            return "\(file):\(line): row has \(fieldCount) fields, expected \(expected)"
        case let .nonNumeric(file, line, column, field):
            return field.isEmpty ? "\(file):\(line): field \(column) is empty"
                                 : "\(file):\(line): field \(column) is not a number: '\(field)'"
        case let .nonFinite(file, line, column, field):
            return "\(file):\(line): field \(column) is NaN or infinite: '\(field)'"
        case let .empty(file):
            return "\(file): no data rows"
        case let .rowCountMismatch(file, rows, dataFile, dataRows):
            return "\(file): has \(rows) rows but \(dataFile) has \(dataRows)"
        case let .invalidValue(file, line, message):
            return line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
        case let .missingFiles(directory, files):
            return "\(directory): missing \(files.joined(separator: ", "))"
        case let .unrecognizedLayout(directory):
            return "\(directory): not a data set directory (expected <name>_py.dat + labels_py.dat, "
                + "or data.txt + index_features.txt + index_target.txt)"
        case let .badTargetColumn(message):
            return "target column: \(message)"
        case let .badFold(fold, foldCount):
            return foldCount == 0 ? "fold \(fold): the data set has no predefined splits"
                                  : "fold \(fold) is out of range 0..<\(foldCount)"
        case let .unsuitableTargets(message):
            return "targets: \(message)"
        case let .tooManyClasses(file, line, label, limit):
            return "\(file)\(line > 0 ? ":\(line)" : ""): class label \(label) makes more than \(limit) distinct classes, the most supported "
                + "(is the target a regression value, or is there a stray label?)"
        case let .tooLarge(file, what, requiredBytes, availableBytes):
            return "\(file): \(what) would need at least \(MemoryBudget.describe(requiredBytes)) of memory, but only "
                + "\(MemoryBudget.describe(availableBytes)) is available (set \(MemoryBudget.environmentVariable) to change the limit)"
        }
    }
}
