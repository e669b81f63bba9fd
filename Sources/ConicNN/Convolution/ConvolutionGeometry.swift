import ConicSolver

/// Why a convolutional program could not be set up or solved.
public enum ConvolutionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The filter (with the padding) does not fit in the image.
    case filterLargerThanImage(filterHeight: Int, filterWidth: Int, height: Int, width: Int, padding: Int)
    /// The stride must be at least 1.
    case invalidStride(Int)
    /// The padding must be non-negative.
    case invalidPadding(Int)
    /// The filter must have at least one row and one column.
    case invalidFilter(height: Int, width: Int)
    /// The rows of the data do not hold images of the given shape.
    case shapeMismatch(featureCount: Int, height: Int, width: Int)
    /// A setting or the data is out of range.
    case invalidSetting(String)
    /// The conic solver did not reach an optimal status.
    case solverFailed(SolverStatus)

    public var description: String {
        switch self {
        case let .filterLargerThanImage(fh, fw, h, w, p):
            return "the \(fh)×\(fw) filter does not fit in \(h)×\(w) images with padding \(p)"
        case let .invalidStride(s): return "the stride must be at least 1, got \(s)"
        case let .invalidPadding(p): return "the padding must be non-negative, got \(p)"
        case let .invalidFilter(h, w): return "the filter must be at least 1×1, got \(h)×\(w)"
        case let .shapeMismatch(count, h, w):
            return "each row has \(count) values, but \(h)×\(w) images have \(h * w): give the image shape that matches the rows"
        case let .invalidSetting(message): return message
        case let .solverFailed(status): return "the conic solver stopped with status \(status.rawValue)"
        }
    }
}

/// Where the filter of a convolutional layer is applied: images (or sequences, height 1) stored
/// one per row, row-major, a `filterHeight × filterWidth` filter moved by `stride` over the image
/// padded with `padding` zeros on every side. Patch `k` of every image gives the patch matrix
/// `X_k ∈ ℝ^{n × hw}` of ICML 2020 §4.
public struct ConvolutionGeometry: Sendable, Equatable, Codable {
    /// The images' pixel grid.
    public let image: ImageShape
    /// Filter rows and columns.
    public let filterHeight: Int
    public let filterWidth: Int
    /// Step between two filter positions, in both directions.
    public let stride: Int
    /// Zeros added on every side.
    public let padding: Int

    /// - Throws: ``ConvolutionError`` for a filter that does not fit, a stride below 1, negative padding.
    public init(image: ImageShape, filterHeight: Int, filterWidth: Int, stride: Int = 1, padding: Int = 0) throws(ConvolutionError) {
        guard filterHeight >= 1, filterWidth >= 1 else { throw .invalidFilter(height: filterHeight, width: filterWidth) }
        guard stride >= 1 else { throw .invalidStride(stride) }
        guard padding >= 0 else { throw .invalidPadding(padding) }
        guard image.height >= 1, image.width >= 1 else { throw .invalidSetting("the image shape must be at least 1×1") }
        guard filterHeight <= image.height + 2 * padding, filterWidth <= image.width + 2 * padding else {
            throw .filterLargerThanImage(filterHeight: filterHeight, filterWidth: filterWidth, height: image.height, width: image.width,
                                         padding: padding)
        }
        self.image = image
        self.filterHeight = filterHeight
        self.filterWidth = filterWidth
        self.stride = stride
        self.padding = padding
    }

    /// Filter positions down and across.
    public var positionRows: Int { (image.height + 2 * padding - filterHeight) / stride + 1 }
    public var positionColumns: Int { (image.width + 2 * padding - filterWidth) / stride + 1 }
    /// `K`, the number of patches per image.
    public var patchCount: Int { positionRows * positionColumns }
    /// Entries of a filter.
    public var filterSize: Int { filterHeight * filterWidth }

    /// Throws ``ConvolutionError/shapeMismatch(featureCount:height:width:)`` unless rows hold `height × width` values.
    public func check(_ images: DenseMatrix) throws(ConvolutionError) {
        guard images.columnCount == image.height * image.width else {
            throw .shapeMismatch(featureCount: images.columnCount, height: image.height, width: image.width)
        }
    }

    /// The patch matrices `X₁ … X_K` (each `n × hw`), positions row by row.
    public func patchMatrices(_ images: DenseMatrix) throws(ConvolutionError) -> [DenseMatrix] {
        try check(images)
        let n = images.rowCount
        var out = [DenseMatrix]()
        for pr in 0..<positionRows {
            for pc in 0..<positionColumns {
                var patch = DenseMatrix(rowCount: n, columnCount: filterSize)
                for i in 0..<n {
                    for a in 0..<filterHeight {
                        let r = pr * stride + a - padding
                        guard r >= 0, r < image.height else { continue }
                        for b in 0..<filterWidth {
                            let c = pc * stride + b - padding
                            guard c >= 0, c < image.width else { continue }
                            patch[i, a * filterWidth + b] = images[i, r * image.width + c]
                        }
                    }
                }
                out.append(patch)
            }
        }
        return out
    }

    /// `[X₁; …; X_K]`: the patches stacked, patch-major (rows `k·n ..< (k+1)·n` are `X_k`).
    public func stackedPatches(_ images: DenseMatrix) throws(ConvolutionError) -> DenseMatrix {
        let blocks = try patchMatrices(images)
        return DenseMatrix(rowCount: blocks.count * images.rowCount, columnCount: filterSize, values: blocks.flatMap(\.values))
    }
}
