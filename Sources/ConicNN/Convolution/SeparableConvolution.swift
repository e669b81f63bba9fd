import ConicSolver

/// A trained two-layer separable ReLU CNN (ICML 2020 §4.1): `m` filters `uⱼ` shared by every
/// patch, one output weight per filter, and per patch the output `Σⱼ(X_k uⱼ)₊αⱼ` fitted to the
/// image's label:
///
///     min ½ Σ_k ‖Σⱼ (X_k uⱼ)₊ αⱼ − y‖² + (β/2) Σⱼ (‖uⱼ‖² + ‖αⱼ‖²).
///
/// The problem separates over the patches, so it is the fully connected problem on the stacked
/// patches `[X₁; …; X_K]` with targets `[y; …; y]`, solved by ``ConvexTrainer`` with its
/// certificate. Its arrangements live in the filter's space: with at most 3 filter entries
/// (with a bias: 2) the patterns are enumerated exactly whatever the image size.
public struct SeparableConvolutionResult: Sendable {
    /// Where the filters are applied.
    public let geometry: ConvolutionGeometry
    /// The convex training on the stacked patches: ``ConvexTrainingResult/network``'s input weights
    /// are the filters (with a bias entry last when the network has one).
    public let training: ConvexTrainingResult

    /// An image's prediction: the mean of its patches' outputs (the separable model fits every
    /// patch to the image's label).
    ///
    /// - Throws: ``ConvolutionError/shapeMismatch(featureCount:height:width:)`` for images of another shape.
    public func predict(_ images: DenseMatrix) throws(ConvolutionError) -> DenseMatrix {
        let patches = try geometry.patchMatrices(images)
        var out = DenseMatrix(rowCount: images.rowCount, columnCount: training.network.outputCount)
        for patch in patches {
            let f = training.network.predict(patch)
            for k in out.values.indices { out.values[k] += f.values[k] / Double(patches.count) }
        }
        return out
    }
}

/// Exact convex training of the separable two-layer ReLU CNN.
public enum SeparableConvolutionTrainer {
    /// Trains on images stored one per row.
    ///
    /// - Parameter including: networks whose neurons' patterns on the stacked patches start the program
    ///   (their input weights are filters, as in ``SeparableConvolutionResult/training``).
    /// - Throws: ``ConvolutionError`` for images that do not match the geometry; the errors of
    ///   ``ConvexTrainer/train(features:targets:settings:including:progress:)`` otherwise.
    public static func train(images: DenseMatrix, targets: DenseMatrix, geometry: ConvolutionGeometry,
                             settings: ConvexTrainingSettings, including: [TwoLayerNetwork] = [],
                             progress: ((String) -> Void)? = nil) throws -> SeparableConvolutionResult {
        guard targets.rowCount == images.rowCount else {
            throw ConvolutionError.invalidSetting("\(targets.rowCount) target rows for \(images.rowCount) images")
        }
        let stacked = try geometry.stackedPatches(images)
        var repeated = DenseMatrix(rowCount: stacked.rowCount, columnCount: targets.columnCount)
        for k in 0..<geometry.patchCount {
            for i in 0..<targets.values.count { repeated.values[k * targets.values.count + i] = targets.values[i] }
        }
        progress?("\(geometry.patchCount) patches of \(geometry.filterHeight)×\(geometry.filterWidth) per image: \(stacked.rowCount) stacked rows")
        let training = try ConvexTrainer.train(features: stacked, targets: repeated, settings: settings, including: including,
                                               progress: progress)
        return SeparableConvolutionResult(geometry: geometry, training: training)
    }
}
