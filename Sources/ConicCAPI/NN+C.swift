import ConicNN
import ConicSolver
import Foundation

/// A row-major `rows × columns` matrix from a C array, with finite entries.
private func denseMatrix(_ pointer: UnsafePointer<Double>?, rows: Int, columns: Int, _ name: String) throws -> DenseMatrix {
    let values = try array(pointer, count: try product(rows, columns, name), name)
    if let k = values.firstIndex(where: { !$0.isFinite }) {
        throw CAPIError(.data, "\(name) holds \(values[k]) at row \(k / max(columns, 1)), column \(k % max(columns, 1))")
    }
    return DenseMatrix(rowCount: rows, columnCount: columns, values: values)
}

/// The training settings of a handle made by `conic_nn_settings_new`.
private func networkSettings(_ handle: OpaquePointer?) throws -> NetworkSettings {
    guard let box = settingsBox(handle) else { throw CAPIError(.argument, "settings is a null pointer (make them with conic_nn_settings_new)") }
    guard box.kind == .network else { throw CAPIError(.argument, "training needs settings from conic_nn_settings_new, not conic_settings_new") }
    return box.network
}

/// The data `X` (`n × d`) and `Y` (`n × c`).
private func data(n: Int64, d: Int64, X: UnsafePointer<Double>?, c: Int64, Y: UnsafePointer<Double>?) throws -> (DenseMatrix, DenseMatrix) {
    guard n >= 1, d >= 1, c >= 1 else { throw CAPIError(.argument, "the data need n ≥ 1 samples, d ≥ 1 features and c ≥ 1 outputs (got \(n), \(d), \(c))") }
    return (try denseMatrix(X, rows: Int(n), columns: Int(d), "X"), try denseMatrix(Y, rows: Int(n), columns: Int(c), "Y"))
}

/// The report of the CLI's `--json` and the weights of `network` as vectors (`output_bias`:
/// zeros when the network has none; `has_output_bias` says which).
private func networkResult(report: [String: Any], network: TwoLayerNetwork) -> ResultBox {
    var report = report
    report["input_columns"] = network.inputWeights.columnCount
    report["outputs"] = network.outputCount
    report["has_bias"] = network.hasBias
    report["has_output_bias"] = network.hasOutputBias
    return ResultBox(report: report, vectors: ["input_weights": network.inputWeights.values,
                                               "output_weights": network.outputWeights.values,
                                               "output_bias": network.outputBias
                                                   ?? [Double](repeating: 0, count: network.outputCount)])
}

/// Progress lines on standard error when the settings ask for them.
private func progress(_ settings: NetworkSettings) -> ((String) -> Void)? {
    guard settings.verbose else { return nil }
    return { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
}

@_cdecl("conic_nn_train")
public func conic_nn_train(_ settings: OpaquePointer?, _ n: Int64, _ d: Int64, _ X: UnsafePointer<Double>?,
                           _ c: Int64, _ Y: UnsafePointer<Double>?) -> OpaquePointer {
    makeResult {
        let settings = try networkSettings(settings)
        let (features, targets) = try data(n: n, d: d, X: X, c: c, Y: Y)
        let training = settings.resolved()
        let result = try ConvexTrainer.train(features: features, targets: targets, settings: training, progress: progress(settings))
        var report = Report.object(for: result)
        report["beta"] = training.beta
        report["loss"] = training.loss.rawValue
        return networkResult(report: report, network: result.network)
    }
}

@_cdecl("conic_nn_certify")
public func conic_nn_certify(_ settings: OpaquePointer?, _ n: Int64, _ d: Int64, _ X: UnsafePointer<Double>?,
                             _ c: Int64, _ Y: UnsafePointer<Double>?, _ width: Int64, _ U: UnsafePointer<Double>?,
                             _ alpha: UnsafePointer<Double>?, _ hasBias: Int32) -> OpaquePointer {
    conic_nn_certify_output_bias(settings, n, d, X, c, Y, width, U, alpha, hasBias, nil)
}

/// `conic_nn_certify` for a network with an output bias `b2` (length `c`; `NULL`: none, or zeros
/// when the settings' `output_bias` is 1).
@_cdecl("conic_nn_certify_output_bias")
public func conic_nn_certify_output_bias(_ settings: OpaquePointer?, _ n: Int64, _ d: Int64, _ X: UnsafePointer<Double>?,
                                         _ c: Int64, _ Y: UnsafePointer<Double>?, _ width: Int64,
                                         _ U: UnsafePointer<Double>?, _ alpha: UnsafePointer<Double>?, _ hasBias: Int32,
                                         _ b2: UnsafePointer<Double>?) -> OpaquePointer {
    makeResult {
        let settings = try networkSettings(settings)
        let (features, targets) = try data(n: n, d: d, X: X, c: c, Y: Y)
        guard width >= 0 else { throw CAPIError(.argument, "negative width \(width)") }
        guard d < Int64.max else { throw CAPIError(.argument, "d = \(d) is too large") }
        guard hasBias == 0 || hasBias == 1 else { throw CAPIError(.argument, "has_bias must be 0 or 1, got \(hasBias)") }
        let training = settings.resolved()
        let freeBias = training.hasBias && !training.biasRegularized
        guard !freeBias || hasBias == 1 else { throw CAPIError(.setting, "free_bias: the network has no bias") }
        let inputColumns = Int(d) + Int(hasBias)
        var network = TwoLayerNetwork(inputWeights: try denseMatrix(U, rows: Int(width), columns: inputColumns, "U"),
                                      outputWeights: try denseMatrix(alpha, rows: Int(width), columns: Int(c), "alpha"),
                                      hasBias: hasBias == 1)
        network.biasRegularized = !freeBias
        if let b2 {
            network.outputBias = try denseMatrix(b2, rows: 1, columns: Int(c), "b2").values
        } else if training.outputBias {
            network.outputBias = [Double](repeating: 0, count: Int(c))
        }
        let result = try ConvexTrainer.certify(network, features: features, targets: targets, settings: training,
                                               progress: progress(settings))
        var report = Report.object(for: result, givenNeurons: network.width)
        report["beta"] = training.beta
        report["loss"] = training.loss.rawValue
        return networkResult(report: report, network: result.training.network)
    }
}
