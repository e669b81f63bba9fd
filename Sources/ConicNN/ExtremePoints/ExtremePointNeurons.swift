import ConicSolver
import Dispatch
import Foundation

/// Why extreme-point neurons could not be computed.
public enum ExtremePointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Fewer than two samples, or no features.
    case tooFewSamples(samples: Int, features: Int)
    /// A feature value is NaN or infinite.
    case nonFinite(sample: Int)
    /// A setting is out of range.
    case invalidSetting(String)
    /// The interior-point solver did not reach an optimal point for this sample's QP.
    case solverFailed(sample: Int, status: SolverStatus)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .tooFewSamples(samples, features):
            return "extreme points need at least 2 samples with at least 1 feature; got \(samples) × \(features)"
        case let .nonFinite(sample):
            return "sample \(sample) holds NaN or an infinite value"
        case let .invalidSetting(message):
            return message
        case let .solverFailed(sample, status):
            return "the simplex QP of sample \(sample) ended with status \(status.rawValue)"
        }
    }
}

/// Settings of ``ExtremePointNeurons/alongBasisDirections(features:settings:)``.
public struct ExtremePointSettings: Sendable, Equatable {
    /// How each simplex-constrained least-squares problem is solved.
    public var method: SimplexQPMethod = .activeSet
    /// The active-set method stops once the Frank–Wolfe gap is at most this times
    /// `max_{j≠i} ‖aⱼ − aᵢ‖²`.
    public var relativeGapTolerance = 1e-13
    /// A sample gets a neuron only when its certified distance to the hull of the others
    /// (``HullProjection/distanceLowerBound``) exceeds this times `max_{j≠i} ‖aⱼ − aᵢ‖`;
    /// otherwise it counts as inside the hull. Using the certified bound keeps the less accurate
    /// interior-point method from turning interior samples into spurious neurons.
    public var interiorTolerance = 1e-7
    /// Cap on the active-set method's major iterations per sample.
    public var maxIterations = 100_000
    /// Solve the samples' problems on all cores (they are independent).
    public var parallel = true
    /// Settings for ``SimplexQPMethod/interiorPoint``.
    public var solver = SolverSettings()

    /// The defaults.
    public init() {}
}

/// One neuron `x ↦ (uᵀx + b)₊` built from sample `i` by Lemma 2.7 of the JMLR paper: the
/// extreme point of the constraint set of the dual along the basis direction `eᵢ`.
///
/// `u` is the unit vector from the nearest point of the convex hull of the other samples to
/// `aᵢ`; `b = min_{j≠i} (−aⱼᵀu)` puts the hyperplane through the other samples' supporting
/// face, so `aⱼᵀu + b ≤ 0` for every `j ≠ i` (equality at the minimizing samples) while
/// `aᵢᵀu + b` equals the distance from `aᵢ` to that hull, which is positive.
public struct ExtremePointNeuron: Sendable, Equatable {
    /// The sample `i` the neuron isolates.
    public var sampleIndex: Int
    /// `u`, with `‖u‖₂ = 1`.
    public var weights: [Double]
    /// `b` (not regularized).
    public var bias: Double
    /// `aᵢᵀu + b`: the neuron's activation at its own sample (the distance from `aᵢ` to the
    /// hull of the others, up to the projection's accuracy).
    public var activationAtSample: Double
    /// The projection of sample `i` onto the hull of the others, with its certificate.
    public var projection: HullProjection
}

/// The extreme-point neurons of a data set and the samples that yield none.
public struct ExtremePointResult: Sendable, Equatable {
    /// One neuron per sample that is a vertex of the convex hull of all samples, by sample index.
    public var neurons: [ExtremePointNeuron]
    /// Samples not certified to lie farther than the interior tolerance from the convex hull of
    /// the other samples: their residual is (numerically) zero, so they give no neuron.
    public var interiorSamples: [Int]
    /// Wall-clock seconds for all projections.
    public var solveTime: Double
    /// The largest Frank–Wolfe gap over all samples, relative to each sample's squared scale.
    public var maximumRelativeGap: Double

    /// `n × m` matrix `(AU + 1bᵀ)₊` of the neurons' activations on the rows of `features`.
    public func activations(on features: DenseMatrix) -> DenseMatrix {
        let u = DenseMatrix(rowCount: neurons.count, columnCount: features.columnCount,
                            values: neurons.flatMap(\.weights))
        var out = features.multiplied(by: u, transposeOther: true)
        let m = neurons.count
        for r in 0..<out.rowCount {
            for c in 0..<m { out.values[r * m + c] = max(0, out.values[r * m + c] + neurons[c].bias) }
        }
        return out
    }
}

/// Neurons from the extreme points of the dual constraint set along the basis directions
/// (Lemma 2.7 of "Convex Geometry and Duality of Over-parameterized Neural Networks").
///
/// For each sample `i` the problem `min_λ ‖aᵢ − Σ_{j≠i} λⱼaⱼ‖` over the simplex is solved; a
/// nonzero residual gives a neuron that is active only at `aᵢ`. When every sample is a vertex
/// of the hull, the `n` neurons' activation matrix is diagonal with positive entries, so they
/// interpolate any labels (Theorem 3.5).
public enum ExtremePointNeurons {
    /// The extreme-point neuron of every sample of `features` (`n × d`, one sample per row).
    ///
    /// - Throws: ``ExtremePointError`` for fewer than two samples, non-finite values, bad
    ///   settings, or (interior-point method) a failed solve.
    public static func alongBasisDirections(features: DenseMatrix,
                                            settings: ExtremePointSettings = ExtremePointSettings()) throws -> ExtremePointResult {
        let start = Date()
        // Projection, scale and neuron of each sample in one parallel pass: the bias and the
        // scale cost O(nd) per sample, as much as a few active-set iterations.
        let outcomes = try perSample(features: features, settings: settings) { _, projection in
            (projection, projection.squaredScale, neuron(from: projection, features: features, settings: settings))
        }
        var neurons: [ExtremePointNeuron] = []
        var interior: [Int] = []
        var worstGap = 0.0
        for (projection, scale, neuron) in outcomes {
            if scale > 0 { worstGap = max(worstGap, projection.gap / scale) }
            if let neuron { neurons.append(neuron) } else { interior.append(projection.sampleIndex) }
        }
        return ExtremePointResult(neurons: neurons, interiorSamples: interior,
                                  solveTime: Date().timeIntervalSince(start), maximumRelativeGap: worstGap)
    }

    /// The projection of every sample onto the convex hull of the others, in sample order.
    ///
    /// - Throws: as ``alongBasisDirections(features:settings:)``.
    public static func projectOntoHulls(features: DenseMatrix,
                                        settings: ExtremePointSettings = ExtremePointSettings()) throws -> [HullProjection] {
        try perSample(features: features, settings: settings) { _, projection in projection }
    }

    /// Solves every sample's QP (in parallel when asked) and maps each projection with `then`.
    static func perSample<T: Sendable>(features: DenseMatrix, settings: ExtremePointSettings,
                                       then: @escaping @Sendable (SimplexLeastSquares, HullProjection) -> T) throws -> [T] {
        let n = features.rowCount, d = features.columnCount
        guard n >= 2, d >= 1 else { throw ExtremePointError.tooFewSamples(samples: n, features: d) }
        if let bad = features.values.firstIndex(where: { !$0.isFinite }) { throw ExtremePointError.nonFinite(sample: bad / d) }
        guard settings.relativeGapTolerance >= 0, settings.interiorTolerance >= 0, settings.maxIterations >= 1 else {
            throw ExtremePointError.invalidSetting("extreme points: tolerances must be ≥ 0 and maxIterations ≥ 1")
        }
        let qp = SimplexLeastSquares(features: features)
        let results = ResultSlots<Result<T, Error>>(count: n)
        let work: @Sendable (Int) -> Void = { i in
            switch settings.method {
            case .activeSet:
                let projection = qp.activeSet(sample: i, relativeGapTolerance: settings.relativeGapTolerance,
                                              maxIterations: settings.maxIterations)
                results[i] = .success(then(qp, projection))
            case .interiorPoint:
                results[i] = Result { then(qp, try qp.interiorPoint(sample: i, settings: settings.solver)) }
            }
        }
        if settings.parallel && n > 1 {
            DispatchQueue.concurrentPerform(iterations: n, execute: work)
        } else {
            for i in 0..<n { work(i) }
        }
        return try results.values.map { try $0!.get() }
    }

    /// The neuron of a projection, or `nil` when the sample lies within the interior tolerance
    /// of the hull of the others.
    static func neuron(from projection: HullProjection, features: DenseMatrix, settings: ExtremePointSettings) -> ExtremePointNeuron? {
        let distance = projection.distance
        guard projection.distanceLowerBound > settings.interiorTolerance * projection.squaredScale.squareRoot(),
              distance > 0 else { return nil }
        let u = projection.residual.map { $0 / distance }
        let d = features.columnCount, i = projection.sampleIndex
        let (bias, own) = features.values.withUnsafeBufferPointer { a in
            u.withUnsafeBufferPointer { u in
                var bias = Double.infinity
                for j in 0..<features.rowCount where j != i {
                    bias = min(bias, -SimplexLeastSquares.dot(a.baseAddress! + j * d, u.baseAddress!, d))
                }
                return (bias, SimplexLeastSquares.dot(a.baseAddress! + i * d, u.baseAddress!, d))
            }
        }
        return ExtremePointNeuron(sampleIndex: projection.sampleIndex, weights: u, bias: bias,
                                  activationAtSample: own + bias, projection: projection)
    }
}

/// Fixed slots written once each from concurrent iterations (each index by one iteration only).
final class ResultSlots<Value>: @unchecked Sendable {
    private(set) var values: [Value?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    subscript(index: Int) -> Value? {
        get { lock.lock(); defer { lock.unlock() }; return values[index] }
        set { lock.lock(); values[index] = newValue; lock.unlock() }
    }
}
