import Foundation
import Testing

extension Tag {
    /// End-to-end solves that take seconds each in a debug build (the ill-conditioned SDPLIB
    /// cases, large benchmark files). They run where ``SlowTests/enabled`` says.
    @Tag public static var slow: Self
}

/// When the tests tagged ``Testing/Tag/slow`` run: by default in optimized builds
/// (`swift test -c release`, what CI runs them in) and not in debug builds, so that a plain
/// `swift test` stays fast. The environment variable ``environmentVariable`` overrides this:
/// `1` runs them in any build, `0` skips them in any build.
public enum SlowTests {
    /// `CONIC_SLOW_TESTS`.
    public static let environmentVariable = "CONIC_SLOW_TESTS"

    /// Whether the slow tests run in this process.
    public static var enabled: Bool {
        switch ProcessInfo.processInfo.environment[environmentVariable] {
        case "1"?: return true
        case "0"?: return false
        default: return !isDebugBuild
        }
    }

    /// Why a slow test did not run, for the test report.
    public static let skipMessage =
        "slow end-to-end test: runs in release builds (swift test -c release), or with CONIC_SLOW_TESTS=1"

    /// ``skipMessage`` for `.enabled(if: SlowTests.enabled, SlowTests.skipReason)`.
    public static let skipReason = Comment(rawValue: skipMessage)

    private static var isDebugBuild: Bool {
        #if DEBUG
        return true
        #else
        return false
        #endif
    }
}
