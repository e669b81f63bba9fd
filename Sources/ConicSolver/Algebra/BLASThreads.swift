import CLAPACK
import Foundation

/// OpenBLAS's thread count, which is process-wide: a solve that changes it changes it for every
/// other thread of the process. Solves that set it (``SolverSettings/threads``, or one thread
/// chosen for a small problem) hold ``lease(_:)`` for their whole run, so concurrent solves take
/// turns instead of overwriting each other's count and restoring stale values (measured before:
/// 2 → 1 → 3 with three concurrent solves). Solves that leave the count alone run concurrently.
enum BLASThreads {
    private static let lock = NSLock()

    /// The current count.
    static var count: Int { Int(openblas_get_num_threads()) }

    /// Largest count accepted (OpenBLAS takes an `Int32`; far beyond any machine).
    static let maximum = 4096

    /// Waits for other leases to end, sets the count, and returns the function that restores the
    /// previous count and ends the lease.
    static func lease(_ threads: Int) -> () -> Void {
        lock.lock()
        let previous = count
        openblas_set_num_threads(Int32(min(max(threads, 1), maximum)))
        return {
            openblas_set_num_threads(Int32(previous))
            lock.unlock()
        }
    }
}
