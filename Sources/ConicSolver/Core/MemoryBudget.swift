import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much memory the process may still use, and a check that refuses work that would need more.
///
/// A Swift array allocation that fails aborts the process, so a tiny file whose header declares a
/// huge problem would crash instead of failing. Readers (and other code that allocates from
/// sizes found in input) estimate what the declared sizes imply and call ``require(_:for:)``
/// *before* allocating.
///
/// The budget is ``limit`` when set for the current task, else the environment variable
/// `CONIC_MEMORY_LIMIT` when set (bytes; suffixes `K`,
/// `M`, `G`, `T` for powers of 1024), an explicit setting for batch runs, tests, or machines with
/// swap; otherwise `MemAvailable` of `/proc/meminfo` (physical memory when it cannot be read).
/// Either way it is capped by the address-space limit (`ulimit -v`) minus what the process has
/// already mapped, because an allocation past that limit fails whatever the machine has free.
public enum MemoryBudget {
    /// The environment variable holding an explicit limit in bytes.
    public static let environmentVariable = "CONIC_MEMORY_LIMIT"

    /// An explicit budget in bytes for the work started inside
    /// `MemoryBudget.$limit.withValue(bytes) { … }`, ahead of the environment variable and the
    /// system's figure. Task-local rather than global, so that one caller's setting never changes
    /// what concurrent work elsewhere in the process may allocate.
    @TaskLocal public static var limit: Int?

    /// The bytes the process may still allocate (see ``MemoryBudget``).
    public static func availableBytes() -> Int {
        var budget = limit ?? explicitLimit() ?? systemAvailableBytes()
        if let headroom = addressSpaceHeadroom() { budget = min(budget, headroom) }
        return max(budget, 0)
    }

    /// Throws ``ConicError/problemTooLarge(what:requiredBytes:availableBytes:)`` when
    /// `requiredBytes` exceeds ``availableBytes()``; `what` names the work in the message.
    public static func require(_ requiredBytes: Int, for what: @autoclosure () -> String) throws {
        // Without an explicit limit, small requests cannot be the problem: skip reading /proc.
        guard limit != nil || requiredBytes > 64 << 20 else { return }
        let available = availableBytes()
        guard requiredBytes <= available else {
            throw ConicError.problemTooLarge(what: what(), requiredBytes: requiredBytes, availableBytes: available)
        }
    }

    /// `Σ counts[k] · sizes[k]` in bytes, saturating at `Int.max` instead of trapping, so that
    /// absurd declared sizes give an absurd (and refused) estimate rather than a crash.
    public static func bytes(_ terms: [(count: Int, bytesEach: Int)]) -> Int {
        var total = 0
        for term in terms {
            let (product, o1) = max(term.count, 0).multipliedReportingOverflow(by: max(term.bytesEach, 0))
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 { return Int.max }
            total = sum
        }
        return total
    }

    /// A lower bound on the bytes an interior-point solve of a problem with `variables` columns,
    /// `rows` rows, `nonzeros` entries of `A` and `P`, and PSD cones of the given orders needs:
    /// 20 vectors of length `n + m` (iterates, steps, residuals, scalings, right-hand sides),
    /// 6 copies of each stored entry (value and index: the KKT matrix, its factor, maps), and
    /// 10 dense `k × k` matrices per PSD cone (its scaling, inverse, eigenvectors, four
    /// workspaces, the Cholesky factors of `s` and `z`). Kept a lower bound so that a problem
    /// that fits is never refused; the gross cases it exists for exceed it a hundredfold.
    public static func solverBytes(variables: Int, rows: Int, nonzeros: Int, psdOrders: [Int]) -> Int {
        let (vectorLength, o1) = max(variables, 0).addingReportingOverflow(max(rows, 0))
        if o1 { return Int.max }
        var terms: [(count: Int, bytesEach: Int)] = [(vectorLength, 20 * 8), (nonzeros, 6 * 16)]
        for order in psdOrders {
            let (square, o2) = order.multipliedReportingOverflow(by: order)
            if o2 { return Int.max }
            terms.append((square, 10 * 8))
        }
        return bytes(terms)
    }

    /// Default of ``SolverSettings/memoryLimit``: 3/4 of the explicit budget (the task-local
    /// ``limit`` or `CONIC_MEMORY_LIMIT`) when one is set, else of the physical memory, and never
    /// more than the address-space headroom. One source for both checks, so that
    /// `CONIC_MEMORY_LIMIT` bounds the Newton system as it bounds the readers.
    public static func defaultSolverLimit() -> Double {
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        var budget = (limit ?? explicitLimit()).map(Double.init) ?? physical
        if let headroom = addressSpaceHeadroom() { budget = min(budget, Double(headroom)) }
        return 0.75 * budget
    }

    /// A byte count for messages: "1.5 GiB", "300.0 MiB", "12 bytes".
    public static func describe(_ bytes: Int) -> String {
        if bytes == Int.max { return "more than 8 EiB" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = -1
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit < 0 { return "\(bytes) bytes" }
        return String(format: "%.1f %@", value, units[unit])
    }

    // MARK: Sources

    /// `CONIC_MEMORY_LIMIT`, when set to a positive size.
    static func explicitLimit() -> Int? {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable] else { return nil }
        return parseSize(text)
    }

    /// `"1048576"`, `"512M"`, `"4G"`, `"2.5GiB"` → bytes; `nil` when not a positive size.
    static func parseSize(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where digits.hasSuffix(suffix) { digits.removeLast(suffix.count); break }
        var scale = 1.0
        if let last = digits.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            scale = pow(1024, Double(power))
            digits.removeLast()
        }
        guard let value = Double(digits), value.isFinite, value > 0 else { return nil }
        let bytes = value * scale
        return bytes >= Double(Int.max) ? Int.max : Int(bytes)
    }

    /// `MemAvailable` from `/proc/meminfo`, else the physical memory.
    static func systemAvailableBytes() -> Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let kib = field("MemAvailable:", in: text) {
            return kib.multipliedReportingOverflow(by: 1024).overflow ? Int.max : kib * 1024
        }
        let physical = ProcessInfo.processInfo.physicalMemory
        return physical > UInt64(Int.max) ? Int.max : Int(physical)
    }

    /// `RLIMIT_AS` minus the current virtual size, when an address-space limit is set.
    static func addressSpaceHeadroom() -> Int? {
        #if os(Linux)
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max
        else { return nil }
        let cap = limit.rlim_cur > UInt(Int.max) ? Int.max : Int(limit.rlim_cur)
        var mapped = 0
        if let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let kib = field("VmSize:", in: text) {
            mapped = kib * 1024
        }
        return max(cap - mapped, 0)
        #else
        return nil
        #endif
    }

    /// The number after `key` on its line of a `/proc` file (in kB there).
    private static func field(_ key: String, in text: String) -> Int? {
        guard let range = text.range(of: key) else { return nil }
        let rest = text[range.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
        return Int(rest.prefix(while: { $0.isNumber }))
    }
}
