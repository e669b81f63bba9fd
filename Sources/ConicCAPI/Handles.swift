import ConicIO
import ConicNN
import ConicSolver
import Foundation

/// The C ABI's error codes (`CONIC_OK`, `CONIC_ERROR_*` in `include/conic.h`).
enum CErrorCode: Int32 {
    case ok = 0
    case argument = 1
    case data = 2
    case setting = 3
    case tooLarge = 4
    case solver = 5
    case `internal` = 6
}

/// An error to hand to a C caller: a code and a message.
struct CAPIError: Error {
    var code: CErrorCode
    var message: String

    init(_ code: CErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and message of any error the library throws.
    init(_ error: Error) {
        switch error {
        case let error as CAPIError:
            self = error
        case let error as ConicError:
            switch error {
            case .invalidSetting: self.init(.setting, error.description)
            case .problemTooLarge, .insufficientMemory: self.init(.tooLarge, error.description)
            case .io, .parse: self.init(.internal, error.description)
            default: self.init(.data, error.description)
            }
        case let error as ConvexTrainingError:
            switch error {
            case .invalidSetting: self.init(.setting, error.description)
            case .invalidData: self.init(.data, error.description)
            case .solverFailed: self.init(.solver, error.description)
            case .tooLarge: self.init(.tooLarge, error.description)
            }
        default:
            self.init(.internal, "\(error)")
        }
    }
}

/// A NUL-terminated copy of a string, freed with its owner: the pointers handed to C stay
/// valid as long as the handle that holds it. Immutable, hence safe to share.
final class CString: @unchecked Sendable {
    let pointer: UnsafePointer<CChar>

    init(_ text: String) {
        // A Swift string may hold NUL; C sees it up to the first one.
        pointer = UnsafePointer(strdup(text) ?? strdup("")!)
    }

    deinit { free(UnsafeMutablePointer(mutating: pointer)) }
}

func cString(_ text: String) -> CString { CString(text) }

/// The value behind a `conic_result *`: an error, or a report (numbers and strings by key) and
/// vectors by name. Immutable after creation except for the JSON text, made on first request.
final class ResultBox {
    let code: CErrorCode
    let message: CString
    let numbers: [String: Double]
    let strings: [String: CString]
    let vectors: [String: [Double]]
    /// The report's entries in JSON form (nested values such as the round history included),
    /// made when the JSON text is first asked for.
    private let report: () -> [String: Any]
    private let lock = NSLock()
    private var jsonText: CString?

    init(error: CAPIError) {
        code = error.code
        message = cString(error.message)
        numbers = [:]; strings = [:]; vectors = [:]; report = { [:] }
    }

    /// A successful result: the number, boolean and string entries of `report` become readable by
    /// key (`null` as NaN); the whole object is the JSON text.
    init(report: [String: Any], vectors: [String: [Double]]) {
        code = .ok
        message = cString("")
        var numbers: [String: Double] = [:], strings: [String: CString] = [:]
        for (key, value) in report {
            switch value {
            case let v as Double: numbers[key] = v
            case let v as Int: numbers[key] = Double(v)
            case let v as Bool: numbers[key] = v ? 1 : 0
            case let v as String: strings[key] = cString(v)
            case is NSNull: numbers[key] = .nan
            default: break
            }
        }
        self.numbers = numbers
        self.strings = strings
        self.vectors = vectors
        self.report = { report }
    }

    /// The result of a solve: the numbers of `conic solve --json` read straight from the solution
    /// (a small problem solves in about 100 µs, so the boxing of a report dictionary would show),
    /// the report itself only when its JSON is asked for.
    init(solution: Solution, problem: ConicProblem) {
        code = .ok
        message = cString("")
        var numbers = ["objective": solution.primalObjective, "dual_objective": solution.dualObjective,
                       "iterations": Double(solution.iterations), "solve_time": solution.solveTime,
                       "setup_time": solution.setupTime, "primal_residual": solution.primalResidual,
                       "dual_residual": solution.dualResidual, "gap": solution.gap,
                       "n": Double(problem.variableCount), "m": Double(problem.constraintCount)]
        if let required = solution.requiredMemory { numbers["required_memory"] = required }
        self.numbers = numbers.mapValues { $0.isFinite ? $0 : .nan }
        strings = ["status": cString(solution.status.rawValue)]
        vectors = ["x": solution.x, "s": solution.s, "z": solution.z]
        report = {
            var report = SolutionJSON.summary(solution, problem: problem)
            if let required = solution.requiredMemory { report["required_memory"] = required }
            return report
        }
    }

    /// The report as JSON text, made once.
    var json: UnsafePointer<CChar> {
        lock.lock(); defer { lock.unlock() }
        if jsonText == nil {
            let data = (try? JSONSerialization.data(withJSONObject: report(), options: [.sortedKeys])) ?? Data("{}".utf8)
            jsonText = cString(String(decoding: data, as: UTF8.self))
        }
        return jsonText!.pointer
    }
}

/// Which calls a settings handle is for.
enum SettingsKind {
    case solver
    case network
}

/// The value behind a `conic_settings *`.
final class SettingsBox {
    let kind: SettingsKind
    var solver = SolverSettings()
    var network: NetworkSettings
    var error = cString("")

    init(kind: SettingsKind, beta: Double = 1) {
        self.kind = kind
        network = NetworkSettings(beta: beta)
    }
}

/// Training settings as the C caller sets them; turned into ``ConvexTrainingSettings`` at call
/// time (the seed may be set after the pattern choice).
struct NetworkSettings {
    enum Patterns { case exact, automatic, sampled(Int) }
    var training: ConvexTrainingSettings
    var patterns = Patterns.automatic
    var seed: UInt64 = 0
    var verbose = false

    init(beta: Double) {
        training = ConvexTrainingSettings(beta: beta)
    }

    /// The library's settings, with the CLI's defaults (`--patterns auto` samples 100).
    func resolved() -> ConvexTrainingSettings {
        var settings = training
        switch patterns {
        case .exact: settings.patterns = .exact
        case .automatic: settings.patterns = .automatic(count: 100, seed: seed)
        case let .sampled(count): settings.patterns = .sampled(count: count, seed: seed)
        }
        settings.solver.verbose = verbose
        settings.solver.logDestination = .standardError
        return settings
    }
}

/// Reads a C string argument, refusing a null pointer.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let pointer else { throw CAPIError(.argument, "\(name) is a null pointer") }
    return String(cString: pointer)
}

/// Copies `count` entries from a C array, refusing a null pointer unless `count` is 0, and a
/// length no caller's memory can hold (sizes given wrong, which would otherwise be read far past
/// the array; a smaller error in a size cannot be caught here).
func array<T>(_ pointer: UnsafePointer<T>?, count: Int, _ name: String) throws -> [T] {
    guard count >= 0 else { throw CAPIError(.argument, "\(name): negative length \(count)") }
    if count == 0 { return [] }
    guard Double(count) * Double(MemoryLayout<T>.stride) <= physicalMemory else {
        throw CAPIError(.tooLarge, "\(name): \(count) entries exceed the machine's memory (is a size wrong?)")
    }
    guard let pointer else { throw CAPIError(.argument, "\(name) is a null pointer but should hold \(count) entries") }
    return Array(UnsafeBufferPointer(start: pointer, count: count))
}

private let physicalMemory = Double(ProcessInfo.processInfo.physicalMemory)

/// `a · b` for sizes from a C caller, refusing negative values and overflow.
func product(_ a: Int, _ b: Int, _ what: String) throws -> Int {
    guard a >= 0, b >= 0 else { throw CAPIError(.argument, "\(what): negative size") }
    let (value, overflow) = a.multipliedReportingOverflow(by: b)
    guard !overflow else { throw CAPIError(.argument, "\(what): \(a) × \(b) entries overflow") }
    return value
}

/// A new result handle, retained until `conic_result_free`.
func makeResult(_ body: () throws -> ResultBox) -> OpaquePointer {
    let box: ResultBox
    do { box = try body() } catch { box = ResultBox(error: CAPIError(error)) }
    return OpaquePointer(Unmanaged.passRetained(box).toOpaque())
}

func resultBox(_ pointer: OpaquePointer?) -> ResultBox? {
    guard let pointer else { return nil }
    return Unmanaged<ResultBox>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
}

func settingsBox(_ pointer: OpaquePointer?) -> SettingsBox? {
    guard let pointer else { return nil }
    return Unmanaged<SettingsBox>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
}
