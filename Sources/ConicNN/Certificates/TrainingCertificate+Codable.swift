import Foundation

/// The JSON form of a certificate: the snake_case keys of the `conic nn … --json` reports
/// (docs/json-schema.md), so that a certificate a library user encodes reads like the CLI's, and
/// the camelCase keys earlier versions wrote, kept for existing readers. `gap` and `relative_gap`
/// are written for readers (they are computed, not read back); non-finite numbers are `null`.
/// Decoding takes either spelling of each key, snake_case first.
extension TrainingCertificate {
    private enum Key: String, CodingKey, CaseIterable {
        case objective
        case lowerBound = "lower_bound", constraintBound = "constraint_bound", boundMethod = "bound_method"
        case dualScale = "dual_scale", boundProven = "bound_proven", constraintBestValue = "constraint_best_value"
        case boundNodes = "bound_nodes", boundSeconds = "bound_seconds", gap, relativeGap = "relative_gap"
        case lowerBoundSamples = "lower_bound_samples"

        /// The key earlier versions wrote (the property's name), when it differs.
        var camelCase: String? {
            switch self {
            case .objective, .gap, .relativeGap, .lowerBoundSamples: return nil
            case .lowerBound: return "lowerBound"
            case .constraintBound: return "constraintBound"
            case .boundMethod: return "boundMethod"
            case .dualScale: return "dualScale"
            case .boundProven: return "boundProven"
            case .constraintBestValue: return "constraintBestValue"
            case .boundNodes: return "boundNodes"
            case .boundSeconds: return "boundSeconds"
            }
        }
    }

    /// Any string key (the container needs one type for both spellings).
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        func put(_ key: Key, _ value: (inout KeyedEncodingContainer<AnyKey>, AnyKey) throws -> Void) throws {
            try value(&container, AnyKey(stringValue: key.rawValue))
            if let old = key.camelCase { try value(&container, AnyKey(stringValue: old)) }
        }
        func number(_ key: Key, _ value: Double?) throws {
            try put(key) { container, name in
                if let value, value.isFinite { try container.encode(value, forKey: name) } else { try container.encodeNil(forKey: name) }
            }
        }
        try number(.objective, objective)
        try number(.lowerBound, lowerBound)
        try number(.constraintBound, constraintBound)
        try put(.boundMethod) { try $0.encode(boundMethod, forKey: $1) }
        try number(.dualScale, dualScale)
        try put(.boundProven) { try $0.encodeIfPresent(boundProven, forKey: $1) }
        if let constraintBestValue { try number(.constraintBestValue, constraintBestValue) }
        try put(.boundNodes) { try $0.encodeIfPresent(boundNodes, forKey: $1) }
        if let boundSeconds { try number(.boundSeconds, boundSeconds) }
        try put(.lowerBoundSamples) { try $0.encodeIfPresent(lowerBoundSamples, forKey: $1) }
        try number(.gap, gap)
        try number(.relativeGap, relativeGap)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        /// The value under the snake_case key, else under the camelCase one; `nil` when both are
        /// absent or null.
        func value<T: Decodable>(_ key: Key, _ type: T.Type) throws -> T? {
            for name in [key.rawValue] + (key.camelCase.map { [$0] } ?? []) {
                if let value = try container.decodeIfPresent(type, forKey: AnyKey(stringValue: name)) { return value }
            }
            return nil
        }
        /// A required number: `null` reads as NaN (it was written for a non-finite value).
        func number(_ key: Key) throws -> Double {
            let present = [key.rawValue] + (key.camelCase.map { [$0] } ?? [])
            guard present.contains(where: { container.contains(AnyKey(stringValue: $0)) }) else {
                throw DecodingError.keyNotFound(AnyKey(stringValue: key.rawValue),
                                                .init(codingPath: container.codingPath, debugDescription: "no '\(key.rawValue)' in the certificate"))
            }
            return try value(key, Double.self) ?? .nan
        }
        guard let method = try value(.boundMethod, DualConstraintBound.Method.self) else {
            throw DecodingError.keyNotFound(AnyKey(stringValue: Key.boundMethod.rawValue),
                                            .init(codingPath: container.codingPath, debugDescription: "no 'bound_method' in the certificate"))
        }
        self.init(objective: try number(.objective), lowerBound: try number(.lowerBound),
                  constraintBound: try number(.constraintBound), boundMethod: method, dualScale: try number(.dualScale),
                  boundProven: try value(.boundProven, Bool.self), constraintBestValue: try value(.constraintBestValue, Double.self),
                  boundNodes: try value(.boundNodes, Int.self), boundSeconds: try value(.boundSeconds, Double.self),
                  lowerBoundSamples: try value(.lowerBoundSamples, Int.self))
    }
}
