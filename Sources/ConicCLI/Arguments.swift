import ArgumentParser
import ConicIO
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
extension ProblemFileFormat: ExpressibleByArgument {}

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

/// `--bias regularized|free`: neurons with a bias, either a constant-1 input whose weight the
/// weight decay regularizes (ICML 2020) or a free, unregularized bias (JMLR).
enum BiasArgument: String, CaseIterable, ExpressibleByArgument {
    case regularized, free
}

/// The one meaning of `--bias regularized|free` on every `nn` command, written onto the flags each
/// command has always had, so that the old spellings keep their meaning:
/// - a plain `--bias` is each command's own default (regularized for `train`, `certify`, `sgd`,
///   `conv`, `three-layer`; free for `cutting-plane`, `spline`, `svm1d`);
/// - `--free-bias` stays what it was (`train`, `certify`, `sgd`, `conv`).
///
/// The rewriting happens on the argument list before ArgumentParser sees it, because a flag that
/// may or may not take a value is not something ArgumentParser can declare.
enum BiasSpelling {
    /// How a command spells each kind of bias, `nil` for a kind it does not have.
    struct Spelling {
        var regularized: [String]?
        var free: [String]?
    }

    /// The spellings per `nn` subcommand; commands missing here take `--bias` unchanged.
    static let spellings: [String: Spelling] = {
        let regularizedByDefault = Spelling(regularized: ["--bias"], free: ["--free-bias"])
        let freeOnly = Spelling(regularized: nil, free: ["--bias"])
        return ["train": regularizedByDefault, "certify": regularizedByDefault, "sgd": regularizedByDefault,
                "conv": regularizedByDefault, "three-layer": Spelling(regularized: ["--bias"], free: nil),
                "cutting-plane": freeOnly, "spline": freeOnly, "svm1d": freeOnly]
    }()

    /// Why a command has no bias of one kind (the error when it is asked for).
    static func unavailable(_ kind: BiasArgument, command: String) -> String {
        switch kind {
        case .regularized:
            return "nn \(command) has no regularized bias: its formulation (JMLR) leaves the bias free; use --bias free (or --bias)"
        case .free:
            return "nn \(command) has no free bias: its bias is a constant-1 input regularized like the other weights; use --bias regularized (or --bias)"
        }
    }

    /// `arguments` (without the program name) with `--bias regularized|free` and `--bias=…` written
    /// as the flags of the command they belong to. Throws a `ValidationError` for a kind the command
    /// does not have or a value that is not a kind of bias.
    static func normalized(_ arguments: [String]) throws -> [String] {
        // `conic nn COMMAND …`: the root command has no options that could come first.
        guard arguments.count >= 2, arguments[0] == "nn", let spelling = spellings[arguments[1]] else { return arguments }
        let command = arguments[1]
        var out = Array(arguments[...1])
        var index = 2
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {  // everything after the terminator is a value
                out += arguments[(index - 1)...]
                break
            }
            let value: String
            if argument.hasPrefix("--bias=") {
                value = String(argument.dropFirst("--bias=".count))
            } else if argument == "--bias", index < arguments.count, BiasArgument(rawValue: arguments[index]) != nil {
                value = arguments[index]
                index += 1
            } else {
                out.append(argument)
                continue
            }
            guard let kind = BiasArgument(rawValue: value) else {
                throw ValidationError("--bias takes regularized or free, not '\(value)'")
            }
            guard let flags = kind == .regularized ? spelling.regularized : spelling.free else {
                throw ValidationError(unavailable(kind, command: command))
            }
            out += flags
        }
        return out
    }
}
