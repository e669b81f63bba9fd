import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

// Enum-valued options parse through their raw values (the spellings in use stay valid) and list
// them in `--help`.
extension NewtonSystemForm: ExpressibleByArgument {}
extension NonsymmetricScaling: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Optimizer: ExpressibleByArgument {}
extension OneDimensionalFormulation: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
extension FilterSource: ExpressibleByArgument {}
extension SimplexQPMethod: ExpressibleByArgument {}
extension ThreeLayerLossFormulation: ExpressibleByArgument {}

/// `--kind` of `nn closed-form`.
enum ClosedFormKind: String, CaseIterable, ExpressibleByArgument {
    case twoNeuron = "two-neuron"
    case deep
}

/// `--oracle` of `nn cutting-plane`: a ``NeuronOracle``, or `auto` (exact when the rank allows).
enum OracleArgument: String, CaseIterable, ExpressibleByArgument {
    case relaxation, exact, ascent, auto
}

/// `--patterns`: `exact`, `auto`, or a count of sampled gate vectors (`1000` or `1e3`; a count no
/// program can hold is refused by ``choice(seed:)`` with advice).
enum PatternsArgument: ExpressibleByArgument, Equatable {
    case exact
    case automatic
    case sampled(Double)

    init?(argument: String) {
        switch argument {
        case "exact": self = .exact
        case "auto": self = .automatic
        default:
            guard let value = Double(argument), value.isFinite, value >= 0, value.rounded() == value else { return nil }
            self = .sampled(value)
        }
    }

    var defaultValueDescription: String {
        switch self {
        case .exact: return "exact"
        case .automatic: return "auto"
        case let .sampled(count): return String(format: "%.0f", count)
        }
    }

    static var allValueStrings: [String] { ["exact", "auto", "N"] }

    /// The library's choice, sampling with `seed`.
    func choice(seed: UInt64) throws -> PatternChoice {
        switch self {
        case .exact: return .exact
        case .automatic: return .automatic(count: 100, seed: seed)
        case let .sampled(count):
            // The library refuses counts whose program cannot fit; beyond Int32 no program can.
            guard count <= Double(Int32.max) else {
                throw ValidationError(String(format: "--patterns %.3g: far more patterns than any program can hold; use a few hundred and let generation add the ones that matter", count))
            }
            return .sampled(count: Int(count), seed: seed)
        }
    }
}
