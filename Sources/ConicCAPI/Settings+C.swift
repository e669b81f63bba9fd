import ConicNN
import ConicSolver
import Foundation

// Settings by key (names after Clarabel's where the meaning is the same), so that new settings
// never change the ABI. Values are checked here for their kind (integer, boolean) and by the
// library's own validation for their range when a call uses them.

/// An integer from a C double, refusing fractions and values out of range.
private func integer(_ value: Double, _ key: String, minimum: Int = 0) throws -> Int {
    guard value.isFinite, value.rounded() == value, value >= Double(minimum), value < 9.0e15 else {
        throw CAPIError(.setting, "\(key) must be an integer ≥ \(minimum), got \(value)")
    }
    return Int(value)
}

/// A boolean from a C double: 0 or 1.
private func boolean(_ value: Double, _ key: String) throws -> Bool {
    guard value == 0 || value == 1 else { throw CAPIError(.setting, "\(key) must be 0 or 1, got \(value)") }
    return value == 1
}

/// A positive finite number.
private func positive(_ value: Double, _ key: String) throws -> Double {
    guard value.isFinite, value > 0 else { throw CAPIError(.setting, "\(key) must be positive and finite, got \(value)") }
    return value
}

extension SolverSettings {
    /// Sets a numeric solver setting by its C key.
    mutating func set(_ key: String, _ value: Double) throws {
        switch key {
        case "max_iter": maxIterations = try integer(value, key)
        case "time_limit":
            guard value > 0, !value.isNaN else { throw CAPIError(.setting, "time_limit must be positive, got \(value)") }
            timeLimit = value
        case "verbose": verbose = try boolean(value, key)
        case "threads": threads = try integer(value, key)
        case "tol":
            setTolerances(try positive(value, key))
        case "tol_gap_abs": gapAbsoluteTolerance = try positive(value, key)
        case "tol_gap_rel": gapRelativeTolerance = try positive(value, key)
        case "tol_feas": feasibilityTolerance = try positive(value, key)
        case "tol_infeas_abs": infeasibilityAbsoluteTolerance = try positive(value, key)
        case "tol_infeas_rel": infeasibilityRelativeTolerance = try positive(value, key)
        case "reduced_tol_gap": reducedGapTolerance = try positive(value, key)
        case "reduced_tol_feas": reducedFeasibilityTolerance = try positive(value, key)
        case "reduced_tol_infeas": reducedInfeasibilityTolerance = try positive(value, key)
        case "max_step_fraction":
            guard value > 0, value < 1 else { throw CAPIError(.setting, "max_step_fraction must lie in (0, 1), got \(value)") }
            maxStepFraction = value
        case "equilibrate_max_iter": equilibrationIterations = try integer(value, key)
        case "static_regularization_constant": staticRegularization = try positive(value, key)
        case "equality_regularization": equalityRegularization = try positive(value, key)
        case "iterative_refinement_max_iter": refinementMaxIterations = try integer(value, key)
        case "iterative_refinement_reltol": refinementRelativeTolerance = try positive(value, key)
        case "memory_limit": memoryLimit = try positive(value, key)
        case "facial_reduction": facialReduction = try boolean(value, key)
        case "chordal_decomposition": chordalDecomposition = try boolean(value, key)
        case "newton_system": throw CAPIError(.setting, "newton_system takes a string (automatic, reduced, quasi-definite or schur)")
        default: throw CAPIError(.argument, "unknown solver setting '\(key)'")
        }
    }

    /// Sets a string solver setting by its C key.
    mutating func set(_ key: String, string value: String) throws {
        switch key {
        case "newton_system":
            guard let form = NewtonSystemForm(rawValue: value) else {
                throw CAPIError(.setting, "newton_system must be one of \(NewtonSystemForm.allCases.map(\.rawValue).joined(separator: ", ")), got '\(value)'")
            }
            newtonSystem = form
        default:
            guard let number = Double(value) else { throw CAPIError(.argument, "unknown solver setting '\(key)' (or not a string setting)") }
            try set(key, number)
        }
    }
}

extension NetworkSettings {
    /// Sets a numeric training setting by its C key; `solver.` keys go to the conic solver.
    mutating func set(_ key: String, _ value: Double) throws {
        if key.hasPrefix("solver.") {
            return try training.solver.set(String(key.dropFirst("solver.".count)), value)
        }
        switch key {
        case "beta": training.beta = try positive(value, key)
        case "seed":
            guard value.isFinite, value.rounded() == value, value >= 0, value < 1.8e19 else {
                throw CAPIError(.setting, "seed must be a non-negative integer, got \(value)")
            }
            seed = UInt64(value)
        case "patterns": patterns = .sampled(try integer(value, key))
        case "bias":
            training.hasBias = try boolean(value, key) || !training.biasRegularized
        case "free_bias":
            let free = try boolean(value, key)
            training.biasRegularized = !free
            if free { training.hasBias = true }
        case "output_bias": training.outputBias = try boolean(value, key)
        case "max_rounds": training.generationRounds = try integer(value, key)
        case "time_limit":
            guard value > 0, !value.isNaN else { throw CAPIError(.setting, "time_limit must be positive, got \(value)") }
            training.timeLimit = value
        case "tolerance":
            guard value.isFinite, value >= 0 else { throw CAPIError(.setting, "tolerance must be finite and non-negative, got \(value)") }
            training.generationTolerance = value
        case "relaxation_limit": training.relaxationSampleLimit = try integer(value, key)
        case "threads": training.solver.threads = try integer(value, key)
        case "verbose": verbose = try boolean(value, key)
        case "memory_limit": training.memoryLimit = try integer(value, key, minimum: 1)
        case "exact_enumeration_limit": training.exactEnumerationLimit = try integer(value, key)
        case "patterns_per_round": training.patternsPerRound = try integer(value, key, minimum: 1)
        case "random_starts": training.randomStarts = try integer(value, key)
        case "growth_rounds": training.growthRounds = try integer(value, key)
        case "subsample_bound":
            guard value >= 0, value < 1 else { throw CAPIError(.setting, "subsample_bound must lie in [0, 1), got \(value)") }
            training.subsampleBoundShare = value
        case "loss": throw CAPIError(.setting, "loss takes a string (squared, hinge, logistic or cross-entropy)")
        default: throw CAPIError(.argument, "unknown training setting '\(key)'")
        }
    }

    /// Sets a string training setting by its C key.
    mutating func set(_ key: String, string value: String) throws {
        if key.hasPrefix("solver.") {
            return try training.solver.set(String(key.dropFirst("solver.".count)), string: value)
        }
        switch key {
        case "loss":
            guard let loss = Loss(rawValue: value) else { throw CAPIError(.setting, "loss must be squared, hinge, logistic or cross-entropy, got '\(value)'") }
            training.loss = loss
        case "patterns":
            switch value {
            case "exact": patterns = .exact
            case "auto": patterns = .automatic
            default:
                guard let count = Double(value) else { throw CAPIError(.setting, "patterns must be exact, auto or a count, got '\(value)'") }
                try set(key, count)
            }
        default:
            guard let number = Double(value) else { throw CAPIError(.argument, "unknown training setting '\(key)' (or not a string setting)") }
            try set(key, number)
        }
    }
}

@_cdecl("conic_version")
public func conic_version() -> UnsafePointer<CChar> {
    versionString.pointer
}

private let versionString = CString(ConicVersion.string)

@_cdecl("conic_abi_version")
public func conic_abi_version() -> Int32 { 1 }

@_cdecl("conic_settings_new")
public func conic_settings_new() -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(SettingsBox(kind: .solver)).toOpaque())
}

@_cdecl("conic_nn_settings_new")
public func conic_nn_settings_new(_ beta: Double) -> OpaquePointer {
    // β is checked when training starts (a bad value set here can still be corrected by a set).
    OpaquePointer(Unmanaged.passRetained(SettingsBox(kind: .network, beta: beta)).toOpaque())
}

@_cdecl("conic_settings_free")
public func conic_settings_free(_ settings: OpaquePointer?) {
    guard let settings else { return }
    Unmanaged<SettingsBox>.fromOpaque(UnsafeRawPointer(settings)).release()
}

/// Runs a setter, recording its error on the handle.
private func setting(_ handle: OpaquePointer?, _ body: (SettingsBox) throws -> Void) -> Int32 {
    guard let box = settingsBox(handle) else { return CErrorCode.argument.rawValue }
    do {
        try body(box)
        box.error = cString("")
        return CErrorCode.ok.rawValue
    } catch {
        let failure = CAPIError(error)
        box.error = cString(failure.message)
        return failure.code.rawValue
    }
}

@_cdecl("conic_settings_set")
public func conic_settings_set(_ settings: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ value: Double) -> Int32 {
    setting(settings) { box in
        let key = try string(key, "key")
        switch box.kind {
        case .solver: try box.solver.set(key, value)
        case .network: try box.network.set(key, value)
        }
    }
}

@_cdecl("conic_settings_set_string")
public func conic_settings_set_string(_ settings: OpaquePointer?, _ key: UnsafePointer<CChar>?,
                                      _ value: UnsafePointer<CChar>?) -> Int32 {
    setting(settings) { box in
        let key = try string(key, "key"), value = try string(value, "value")
        switch box.kind {
        case .solver: try box.solver.set(key, string: value)
        case .network: try box.network.set(key, string: value)
        }
    }
}

@_cdecl("conic_settings_error")
public func conic_settings_error(_ settings: OpaquePointer?) -> UnsafePointer<CChar>? {
    settingsBox(settings)?.error.pointer
}
