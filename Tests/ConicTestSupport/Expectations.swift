import ConicSolver
import Testing

// Expectations with tolerances and on thrown errors, recorded at the caller's source location.

// MARK: - Comparisons

/// Expects `|actual − expected| ≤ tol·(1 + |expected|)`.
@discardableResult
public func expectClose(_ actual: Double, _ expected: Double, tol: Double = 1e-6, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let ok = abs(actual - expected) <= tol * (1 + abs(expected))
    #expect(ok, "\(what): got \(actual), expected \(expected) (tolerance \(tol) relative)", sourceLocation: sourceLocation)
    return ok
}

/// Expects `‖actual − expected‖∞ ≤ tol·(1 + ‖expected‖∞)` and equal lengths.
@discardableResult
public func expectClose(_ actual: [Double], _ expected: [Double], tol: Double = 1e-6, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    guard actual.count == expected.count else {
        Issue.record("\(what): length \(actual.count), expected \(expected.count)", sourceLocation: sourceLocation)
        return false
    }
    var worst = 0.0, at = 0
    for i in actual.indices {
        let d = abs(actual[i] - expected[i])
        if !(d <= worst) { worst = d; at = i }  // NaN also lands here
    }
    let ok = worst <= tol * (1 + certMaxAbs(expected))
    #expect(ok, "\(what): largest difference \(worst) at index \(at) (got \(actual), expected \(expected), tolerance \(tol) relative)",
            sourceLocation: sourceLocation)
    return ok
}

// MARK: - Errors

/// Runs `body`, expects it to throw a `ConicError`, and returns it (recording an issue otherwise).
public func conicError(_ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) -> ConicError? {
    do {
        try body()
        Issue.record("\(what): no error was thrown", sourceLocation: sourceLocation)
    } catch let error as ConicError {
        return error
    } catch {
        Issue.record("\(what): expected a ConicError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

// MARK: - Readers

/// The line number and message of the `ConicError.parse` that `parse` throws for `text` (checking
/// that it names `fileName`), or nil — with an issue recorded for any other error — if none is thrown.
public func expectedParseError(_ text: String, fileName: String = "<input>",
                        _ parse: (String, String) throws -> ConicProblem) -> (line: Int, message: String)? {
    do {
        _ = try parse(text, fileName)
        return nil
    } catch let ConicError.parse(file, line, message) {
        #expect(file == fileName)
        return (line, message)
    } catch {
        Issue.record("expected ConicError.parse, got \(error)")
        return nil
    }
}
