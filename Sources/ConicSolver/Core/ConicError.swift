import Foundation
/// Errors thrown for invalid input to the solver or its readers.
///
/// Every case carries a message that says what is wrong and where, so that a user can fix the
/// input. Numerical trouble during a solve is not an error: it ends with a ``SolverStatus``.
public enum ConicError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sparse matrix's arrays are inconsistent.
    case invalidMatrix(name: String, reason: String)
    /// Two dimensions that must agree do not.
    case dimensionMismatch(String)
    /// A NaN or an infinity was found in the data.
    case nonFinite(String)
    /// The cone list does not describe the rows of `A`.
    case invalidCones(String)
    /// `P` has an entry below the diagonal.
    case notUpperTriangular(row: Int, column: Int)
    /// A setting is out of its allowed range.
    case invalidSetting(String)
    /// A problem file could not be parsed; `line` is 1-based (0 when not tied to a line).
    case parse(file: String, line: Int, message: String)
    /// A file could not be read at all.
    case io(String)
    /// `P` is not positive semidefinite: the problem is not convex, which the method requires.
    case notConvex(String)
    /// The input declares a problem (or a decompressed file) that needs more memory than the
    /// process may use (see ``MemoryBudget``); refused before allocating, since a failed
    /// allocation would abort the process.
    case problemTooLarge(what: String, requiredBytes: Int, availableBytes: Int)
    /// No form of the Newton system fits in the memory limit (both in bytes).
    case insufficientMemory(required: Double, limit: Double)

    public var description: String {
        switch self {
        case let .invalidMatrix(name, reason): return "invalid matrix \(name): \(reason)"
        case let .dimensionMismatch(message): return "dimension mismatch: \(message)"
        case let .nonFinite(message): return "non-finite data: \(message)"
        case let .invalidCones(message): return "invalid cones: \(message)"
        case let .notUpperTriangular(row, column):
            return "P must hold only its upper triangle, but has an entry at row \(row), column \(column) (below the diagonal)"
        case let .invalidSetting(message): return "invalid setting: \(message)"
        case let .parse(file, line, message):
            return line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
        case let .io(message): return message
        case let .notConvex(message): return "not convex: \(message)"
        case let .problemTooLarge(what, requiredBytes, availableBytes):
            return "\(what) would need at least \(MemoryBudget.describe(requiredBytes)) of memory, but only "
                + "\(MemoryBudget.describe(availableBytes)) is available (set \(MemoryBudget.environmentVariable) to change the limit)"
        case let .insufficientMemory(required, limit):
            func size(_ bytes: Double) -> String {
                bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.1f MB", bytes / 1e6)
            }
            return "the Newton system needs about \(size(required)), more than the memory limit of \(size(limit)) (SolverSettings.memoryLimit)"
        }
    }
}
