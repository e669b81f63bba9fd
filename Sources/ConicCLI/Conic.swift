import ArgumentParser
import ConicIO
import ConicSolver
import Foundation

@main
struct Conic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conic",
        abstract: "A conic (LP, QP, SOCP, SDP) interior-point solver, and exact training of ReLU networks on top of it.",
        version: ConicVersion.string,
        subcommands: [Solve.self, Export.self, NN.self]
    )

    /// Parses the arguments after writing `--bias regularized|free` as each command's own flags
    /// (``BiasSpelling``), then runs the command.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            main(try BiasSpelling.normalized(arguments))
        } catch {
            exit(withError: error)
        }
    }
}

/// Reads a problem file (`-`: standard input) with the reader of `format`, or of the format its
/// extension or content shows. A file that cannot be read or parsed ends the program with its
/// message on standard error and exit code 1.
func readProblem(_ path: String, format: ProblemFileFormat? = nil) throws -> ConicProblem {
    try readProblemWithSense(path, format: format).problem
}

/// The problem in `path` and whether the file asks to maximize (`OBJSENSE MAX` in QPS and CBF);
/// the problem itself always minimizes (the negated objective for a maximization).
///
/// `format` overrides the detection (by extension, else by content). `-` reads standard input,
/// spooled to a temporary file because the readers work on files (gzip included); messages name
/// it `<stdin>`.
func readProblemWithSense(_ path: String, format: ProblemFileFormat? = nil) throws -> (problem: ConicProblem, maximize: Bool) {
    var file = path
    var spool: URL?
    defer { if let spool { try? FileManager.default.removeItem(at: spool) } }
    do {
        if path == standardInputPath {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("conic-stdin-\(UUID().uuidString)")
            spool = url
            do { try FileHandle.standardInput.readDataToEndOfFile().write(to: url) } catch {
                throw ConicError.io("cannot read standard input: \(error.localizedDescription)")
            }
            file = url.path
        }
        switch try format ?? ProblemFileFormat.detect(path: file) {
        case .qps:
            let model = try QPSReader.readModel(path: file)
            return (model.problem, model.isMaximization)
        case .cbf:
            let model = try CBFReader.readModel(path: file)
            return (model.problem, model.isMaximization)
        case .sdpa:
            return (try SDPAReader.read(path: file), false)
        }
    } catch let error as ConicError {
        let message = spool.map { "\(error)".replacingOccurrences(of: $0.path, with: "<stdin>") } ?? "\(error)"
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        throw ExitCode.failure
    }
}

/// The path that stands for standard input.
let standardInputPath = "-"

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Solve a problem file (QPS/MPS, SDPA .dat-s, CBF .cbf/.cbf.gz).")

    @Argument(help: "The problem file (-: standard input).") var file: String
    @Option(help: "The file's format (default: from the extension, else from the content).") var format: ProblemFileFormat?
    @Flag(help: "Print one JSON object with the result.") var json = false
    @Option(help: "Tolerance for gap and feasibility (default 1e-8).") var tol: Double?
    @Option(name: .customLong("max-iter"), help: "Maximum number of iterations.") var maxIter: Int?
    @Option(name: .customLong("time-limit"), help: "Time limit in seconds.") var timeLimit: Double?
    @Option(help: "BLAS threads (0: automatic — one for small problems, the library default otherwise).") var threads: Int?
    @Flag(help: "Print the iteration log.") var verbose = false
    @Option(name: .customLong("solution"),
            help: "Also write the result with the vectors x, s, z and the cone layout as JSON to this file (see docs/solver.md).")
    var solutionPath: String?
    @Option(name: .customLong("newton-system"), help: "Newton system form.")
    var newtonSystem: NewtonSystemForm = .automatic
    @Option(name: .customLong("nonsymmetric-scaling"), help: "Scaling of exponential and power cones.")
    var nonsymmetricScaling: NonsymmetricScaling = .primalDual
    @Flag(name: .customLong("no-facial-reduction"),
          help: "Solve PSD cones whose dual the data confine to a face as given, without reducing them first.")
    var noFacialReduction = false
    @Flag(name: .customLong("no-chordal-decomposition"),
          help: "Keep sparse PSD cones whole instead of splitting them along the cliques of their pattern.")
    var noChordalDecomposition = false

    func run() throws {
        let (problem, maximize) = try readProblemWithSense(file, format: format)
        var settings = SolverSettings()
        if let tol { settings.setTolerances(tol) }
        if let maxIter { settings.maxIterations = maxIter }
        if let timeLimit { settings.timeLimit = timeLimit }
        if let threads { settings.threads = threads }
        settings.verbose = verbose && !json
        settings.newtonSystem = newtonSystem
        settings.nonsymmetricScaling = nonsymmetricScaling
        settings.facialReduction = !noFacialReduction
        settings.chordalDecomposition = !noChordalDecomposition
        let solution: Solution
        do { solution = try ConicSolver.solve(problem, settings: settings) } catch let error as ConicError {
            // A bad option is a usage error; a problem the method refuses (not convex, too large
            // for memory) is an error about the input, reported like a reader's.
            if case .invalidSetting = error { throw ValidationError("\(error)") }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        // Objectives are reported in the file's own sense: the solver minimized the negated
        // objective of a maximization.
        let sign = maximize ? -1.0 : 1.0
        func inUserSense(_ object: [String: Any]) -> [String: Any] {
            var object = object
            object["objective"] = jsonNumber(sign * solution.primalObjective)
            object["dual_objective"] = jsonNumber(sign * solution.dualObjective)
            object["objective_sense"] = maximize ? "maximize" : "minimize"
            return object
        }
        if json {
            try printJSON(inUserSense(SolutionJSON.summary(solution, problem: problem)))
        } else {
            print("status:     \(solution.status.rawValue)")
            print("objective:  \(String(format: "%.10e", sign * solution.primalObjective))\(maximize ? " (maximized)" : "")")
            print("iterations: \(solution.iterations)")
            print("time:       \(String(format: "%.4f", solution.solveTime)) s")
        }
        if let solutionPath {
            do {
                let encoded = try SolutionJSON.encode(solution, problem: problem)
                guard let object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
                    throw ConicError.io("the solution did not encode as a JSON object")
                }
                try JSONSerialization.data(withJSONObject: inUserSense(object), options: [.sortedKeys])
                    .write(to: URL(fileURLWithPath: solutionPath))
            } catch {
                throw ValidationError("cannot write the solution to '\(solutionPath)': \(error.localizedDescription)")
            }
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a problem file as JSON in the solver's form (for feeding other solvers the same data).")

    @Argument(help: "The problem file (-: standard input).") var file: String
    @Option(help: "The file's format (default: from the extension, else from the content).") var format: ProblemFileFormat?
    @Option(help: "Output path (default: standard output).") var output: String?

    func run() throws {
        let problem = try readProblem(file, format: format)
        let data = try ProblemJSON.encode(problem)
        if let output {
            try data.write(to: URL(fileURLWithPath: output))
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Prints one JSON object (keys sorted; non-finite numbers must already be replaced by `NSNull`).
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// A JSON number, or `null` when not finite.
func jsonNumber(_ value: Double) -> Any { SolutionJSON.number(value) }
