import ArgumentParser
import ConicNN
import ConicSolver
import Foundation

/// `conic nn conv`: the separable two-layer ReLU CNN of ICML 2020 §4.1, trained exactly through
/// the stacked-patch program with the certificate of `nn train`.
struct NNConvolution: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Two-layer separable ReLU CNN (ICML 2020 §4.1): the convex program on stacked patches, with a certified gap.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var convex: ConvexOptions
    @Option(name: .customLong("image-shape"), help: "Image shape HxW (rows x columns); 1xL for sequences. Default: square images.")
    var imageShape: String?
    @Option(help: "Filter size: HxW, or N for N×N (1xN for sequences). Not used with --circular.") var filter: String?
    @Flag(help: "Linear CNN instead (ICML 2020 §4.2): solve the nuclear-norm program (12) and its SDP dual (11) on the patches.")
    var linear = false
    @Flag(help: "Linear circular CNN with full-length filters (§4.3): programs (12), (11) on the circular shifts of each row, and the Fourier ℓ1 program (14).")
    var circular = false
    @Option(help: "Stride (≥ 1).") var stride: Int = 1
    @Option(help: "Zeros added on every side.") var padding: Int = 0
    @Option(name: .customLong("save-network"), help: "Write the trained filters and output weights (.json or .npz; the input weights are the filters).")
    var saveNetwork: String?
    @Flag(help: "Print one JSON object with the result.") var json = false

    static func parsePair(_ text: String, name: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch parts.count {
        case 1: if let a = parts[0] { return (a, a) }
        case 2: if let a = parts[0], let b = parts[1] { return (a, b) }
        default: break
        }
        throw ValidationError("\(name) must be N or HxW, got \(text)")
    }

    /// The geometry of `--image-shape` (default: square), `--filter` (`N` is `1×N` on sequences),
    /// `--stride` and `--padding`, checked against the rows of `features`.
    func geometry(filter: String, features: DenseMatrix) throws -> ConvolutionGeometry {
        let shape: ImageShape
        if let imageShape {
            let (h, w) = try Self.parsePair(imageShape, name: "--image-shape")
            shape = ImageShape(height: h, width: w)
        } else {
            do { shape = try ImageShape.square(featureCount: features.columnCount) } catch { throw fail(error) }
        }
        var (fh, fw) = try Self.parsePair(filter, name: "--filter")
        if shape.height == 1, !filter.lowercased().contains("x") { (fh, fw) = (1, fw) }
        do {
            let geometry = try ConvolutionGeometry(image: shape, filterHeight: fh, filterWidth: fw, stride: stride, padding: padding)
            try geometry.check(features)
            return geometry
        } catch { throw fail(error) }
    }

    func run() throws {
        if linear || circular { return try runLinear() }
        guard let filter else { throw ValidationError("--filter is required (except with --circular)") }
        let (train, test) = try dataOptions.load()
        let geometry = try geometry(filter: filter, features: train.features)
        let (shape, fh, fw) = (geometry.image, geometry.filterHeight, geometry.filterWidth)
        let loss = try convex.parsedLoss()
        let y = try targets(of: train, loss: loss)
        let settings = try convex.settings(hasBias: dataOptions.bias, seed: dataOptions.seed)
        let progress: ((String) -> Void)? = convex.quiet ? nil : { reportProgress($0) }
        let extra = try convex.extraNetworks(hasBias: settings.hasBias)
        let result: SeparableConvolutionResult
        do {
            result = try SeparableConvolutionTrainer.train(images: train.features, targets: y, geometry: geometry, settings: settings,
                                                           including: extra, progress: progress)
        } catch { throw fail(error) }
        if let saveNetwork {
            do { try result.training.network.save(to: saveNetwork) } catch { throw fail(error) }
        }
        var object = Report.object(for: result.training)
        object["beta"] = settings.beta
        object["loss"] = loss.rawValue
        object["samples"] = train.sampleCount
        object["image_shape"] = [shape.height, shape.width]
        object["filter"] = [fh, fw]
        object["stride"] = stride
        object["padding"] = padding
        object["patches_per_image"] = geometry.patchCount
        object["filters"] = result.training.network.width
        func measures(_ dataset: Dataset, prefix: String) throws -> [String: Any] {
            let f: DenseMatrix
            do { f = try result.predict(dataset.features) } catch { throw fail(error) }
            let truth = try targets(of: dataset, loss: loss)
            var out: [String: Any] = [:]
            out["\(prefix)_mse"] = jsonNumber(zip(f.values, truth.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(1, truth.rowCount)))
            if dataset.classCount != nil || truth.values.allSatisfy({ $0 == 1 || $0 == -1 }) {
                var correct = 0
                for i in 0..<truth.rowCount {
                    let row = f.row(i), t = truth.row(i)
                    if truth.columnCount == 1 {
                        if (row[0] >= 0) == (t[0] > 0) { correct += 1 }
                    } else if row.indices.max(by: { row[$0] < row[$1] }) == t.indices.max(by: { t[$0] < t[$1] }) { correct += 1 }
                }
                out["\(prefix)_accuracy"] = Double(correct) / Double(max(1, truth.rowCount))
            }
            return out
        }
        object.merge(try measures(train, prefix: "train")) { $1 }
        if let test { object.merge(try measures(test, prefix: "test")) { $1 } }
        if json {
            try printJSON(object)
        } else {
            let certificate = result.training.certificate
            print("\(result.training.network.width) filters of \(fh)×\(fw) (stride \(stride), padding \(padding), \(geometry.patchCount) patches per image) from \(result.training.patternCount) patterns\(result.training.exact ? " (all arrangements: exact)" : "")")
            print(String(format: "objective p(θ):  %.10e", certificate.objective))
            print(String(format: "lower bound:     %.10e  (%@ dual-constraint bound)", certificate.lowerBound, certificate.boundMethod.rawValue))
            print(String(format: "gap:             %.3e  (relative %.3e)%@", certificate.gap, certificate.relativeGap,
                         gapVerdict(relativeGap: certificate.relativeGap)))
            printEntries(of: object, prefixes: ["test_", "train_"])
        }
    }

    /// `--linear` / `--circular`: the linear CNN's convex programs side by side.
    func runLinear() throws {
        let (train, _) = try dataOptions.load()
        guard train.targets.columnCount == 1 else { throw ValidationError("the linear CNN programs need one target column") }
        let y = train.targets.values
        let patches: [DenseMatrix]
        var object: [String: Any] = ["beta": convex.beta, "samples": train.sampleCount]
        if circular {
            patches = LinearConvolution.circularPatches(train.features)
            object["filter"] = [1, train.featureCount]
        } else {
            guard let filter else { throw ValidationError("--filter is required with --linear") }
            let geometry = try geometry(filter: filter, features: train.features)
            do { patches = try geometry.patchMatrices(train.features) } catch { throw fail(error) }
            object["filter"] = [geometry.filterHeight, geometry.filterWidth]
        }
        var solver = SolverSettings()
        solver.threads = convex.threads
        solver.verbose = convex.verbose && !convex.quiet
        solver.logDestination = .standardError
        func entry(_ outcome: LinearConvolution.Outcome) -> [String: Any] {
            ["value": jsonNumber(outcome.value), "status": outcome.status.rawValue, "iterations": outcome.iterations, "solve_time": outcome.solveTime]
        }
        do {
            let nuclear = try LinearConvolution.nuclearNorm(patches: patches, targets: y, beta: convex.beta, solver: solver)
            let sdp = try LinearConvolution.semidefiniteDual(patches: patches, targets: y, beta: convex.beta, solver: solver)
            object["nuclear_norm"] = entry(nuclear.outcome)
            object["sdp"] = entry(sdp.outcome)
            object["filters"] = nuclear.network.filters.columnCount
            object["objective"] = jsonNumber(nuclear.network.objective(patches: patches, targets: y, beta: convex.beta))
            if circular {
                object["fourier"] = entry(try LinearConvolution.fourier(features: train.features, targets: y, beta: convex.beta, solver: solver).outcome)
            }
            if let saveNetwork {
                guard saveNetwork.lowercased().hasSuffix(".json") else { throw ValidationError("--save-network: the linear CNN is written as .json") }
                let document: [String: Any] = [
                    "filters": (0..<nuclear.network.filters.columnCount).map { nuclear.network.filters.column($0) },
                    "output_weights": (0..<nuclear.network.outputWeights.columnCount).map { nuclear.network.outputWeights.column($0) },
                ]
                try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: saveNetwork), options: .atomic)
            }
        } catch let error as ValidationError { throw error } catch { throw fail(error) }
        if json {
            try printJSON(object)
        } else {
            for key in ["nuclear_norm", "sdp", "fourier"] {
                guard let e = object[key] as? [String: Any] else { continue }
                print("\(key): \(e["value"]!)  (\(e["status"]!), \(e["iterations"]!) iterations, \(e["solve_time"]!) s)")
            }
            print("rebuilt linear CNN: \(object["filters"]!) filters, objective \(object["objective"]!)")
        }
    }
}
