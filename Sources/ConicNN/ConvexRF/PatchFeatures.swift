import ConicSolver
import Foundation

/// Why Convex-RF could not be trained or applied.
public enum ConvexRFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The feature count is not `height × width` of the given shape, or not a perfect square when
    /// no shape is given: the data are not images.
    case notImages(featureCount: Int, detail: String)
    /// The patch does not fit in the image.
    case patchTooLarge(patchSize: Int, height: Int, width: Int)
    /// A patch has zero variance and the normalization ε is 0, so it cannot be normalized.
    case constantPatch(image: Int, row: Int, column: Int)
    /// A setting is out of range.
    case invalidSetting(String)
    /// The data have no class labels, or a label outside `0..<classCount`.
    case badLabels(String)
    /// No filter could be built (every sampled patch lies in the hull of the others).
    case noFilters(sampledPatches: Int)
    /// The ℓ1 output layer's program did not reach an optimal point.
    case solverFailed(outputColumn: Int, status: SolverStatus)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .notImages(count, detail):
            return "the data are not images: \(count) features per sample \(detail)"
        case let .patchTooLarge(k, h, w):
            return "patch size \(k) does not fit in \(h)×\(w) images"
        case let .constantPatch(image, row, column):
            return "the patch at (\(row), \(column)) of image \(image) is constant and the normalization ε is 0; use ε > 0"
        case let .invalidSetting(message):
            return message
        case let .badLabels(message):
            return message
        case let .noFilters(count):
            return "none of the \(count) sampled patches is a vertex of the hull of the others: no extreme-point filter"
        case let .solverFailed(column, status):
            return "the ℓ1 output layer for output \(column) ended with status \(status.rawValue)"
        }
    }
}

/// The pixel grid of images stored one per row (row-major pixels).
public struct ImageShape: Sendable, Equatable, Codable {
    /// Rows of pixels.
    public var height: Int
    /// Columns of pixels.
    public var width: Int

    /// A shape from its sides.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The square shape with `featureCount` pixels.
    ///
    /// - Throws: ``ConvexRFError/notImages(featureCount:detail:)`` when it is not a perfect square.
    public static func square(featureCount: Int) throws -> ImageShape {
        let side = Int(Double(featureCount).squareRoot().rounded())
        guard featureCount > 0, side * side == featureCount else {
            throw ConvexRFError.notImages(featureCount: featureCount, detail: "(not a perfect square; give the image shape)")
        }
        return ImageShape(height: side, width: side)
    }
}

/// How the ReLU activations of one filter are summarized over a pooling cell.
public enum Pooling: String, Sendable, Equatable, CaseIterable, Codable {
    /// The largest activation in the cell.
    case max
    /// The average activation in the cell.
    case mean
}

/// Per-patch contrast normalization and optional ZCA whitening, fitted on sampled patches.
///
/// Normalization: `p ↦ (p − mean(p)) / √(var(p) + ε)` over the pixels of the patch.
/// Whitening: with `C = V D Vᵀ` the covariance of the normalized sampled patches and `m` their
/// mean, `z ↦ W(z − m)` for `W = V (D + εI)^{-1/2} Vᵀ` (``Whitening/fitCovariance(_:epsilon:)``).
public struct PatchPreprocessing: Sendable, Equatable {
    /// ε of the normalization.
    public var normalizationEpsilon: Double
    /// Column means `m` of the whitening, or `nil` when not whitening.
    public var whiteningMean: [Double]?
    /// `W` (symmetric, `k² × k²`), or `nil` when not whitening.
    public var whiteningTransform: DenseMatrix?

    /// Normalizes the rows of `patches` in place (each row one patch) and returns the rows that
    /// could not be normalized (constant, with ε = 0); those are left unchanged.
    static func normalizeRows(_ patches: inout DenseMatrix, epsilon: Double) -> [Int] {
        let m = patches.columnCount
        var constantRows: [Int] = []
        patches.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<patches.rowCount {
                let base = r * m
                var mean = 0.0
                for k in 0..<m { mean += v[base + k] }
                mean /= Double(m)
                var variance = 0.0
                for k in 0..<m { let t = v[base + k] - mean; variance += t * t }
                variance /= Double(m)
                let denominator = (variance + epsilon).squareRoot()
                if denominator == 0 { constantRows.append(r); continue }
                for k in 0..<m { v[base + k] = (v[base + k] - mean) / denominator }
            }
        }
        return constantRows
    }

    /// Fits the whitening on normalized patches (rows) with ε `epsilon` (``Whitening/fitCovariance(_:epsilon:)``).
    static func whitening(of patches: DenseMatrix, epsilon: Double) throws -> (mean: [Double], transform: DenseMatrix) {
        do {
            let fitted = try Whitening.fitCovariance(patches, epsilon: epsilon)
            return (fitted.mean, fitted.transform)
        } catch {
            throw ConvexRFError.invalidSetting("\(error)")
        }
    }

    /// Normalized (and whitened) patches.
    ///
    /// - Parameter locate: the place `(image, row, column)` of patch row `r`, for the error.
    /// - Throws: ``ConvexRFError/constantPatch(image:row:column:)`` when ε = 0 and a patch is constant.
    func apply(_ patches: DenseMatrix, locate: (Int) -> (Int, Int, Int)) throws -> DenseMatrix {
        var out = patches
        if let first = Self.normalizeRows(&out, epsilon: normalizationEpsilon).first {
            let (image, row, column) = locate(first)
            throw ConvexRFError.constantPatch(image: image, row: row, column: column)
        }
        guard let mean = whiteningMean, let w = whiteningTransform else { return out }
        let m = out.columnCount
        for r in 0..<out.rowCount { for k in 0..<m { out.values[r * m + k] -= mean[k] } }
        return out.multiplied(by: w)  // W is symmetric: rows z ↦ (W z)ᵀ = zᵀW
    }
}

/// Extraction of all `k × k` patches (stride 1) of images stored one per row.
struct PatchGrid {
    let shape: ImageShape
    let size: Int

    var positionRows: Int { shape.height - size + 1 }
    var positionColumns: Int { shape.width - size + 1 }
    var positionsPerImage: Int { positionRows * positionColumns }

    init(shape: ImageShape, size: Int) throws {
        guard size >= 1 else { throw ConvexRFError.invalidSetting("patch size must be ≥ 1, got \(size)") }
        guard size <= shape.height, size <= shape.width else {
            throw ConvexRFError.patchTooLarge(patchSize: size, height: shape.height, width: shape.width)
        }
        self.shape = shape
        self.size = size
    }

    /// The patch at top-left `(row, column)` of image `image` of `images`, appended to `out`.
    func appendPatch(of images: DenseMatrix, image: Int, row: Int, column: Int, to out: inout [Double]) {
        let base = image * images.columnCount
        for r in 0..<size {
            let start = base + (row + r) * shape.width + column
            out.append(contentsOf: images.values[start..<(start + size)])
        }
    }

    /// All patches of the images `range`, image after image, positions row by row.
    func patches(of images: DenseMatrix, range: Range<Int>) -> DenseMatrix {
        var values: [Double] = []
        values.reserveCapacity(range.count * positionsPerImage * size * size)
        for image in range {
            for row in 0..<positionRows { for column in 0..<positionColumns { appendPatch(of: images, image: image, row: row, column: column, to: &values) } }
        }
        return DenseMatrix(rowCount: range.count * positionsPerImage, columnCount: size * size, values: values)
    }

    /// The pooling cell (`0..<grid²`) of a patch position: the positions split into a
    /// `grid × grid` array of nearly equal blocks.
    func cell(row: Int, column: Int, grid: Int) -> Int {
        (row * grid / positionRows) * grid + column * grid / positionColumns
    }
}
