import ConicSolver

/// One train/test split of a data set, as 0-based row indices.
public struct DataSplitIndices: Sendable, Equatable {
    /// Rows used for training.
    public var train: [Int]
    /// Rows held out for testing.
    public var test: [Int]

    /// A split from its two row lists.
    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }
}

/// A supervised data set: `n` samples with `d` features and `c` target columns.
///
/// For classification data ``labels`` holds the class of every sample (`0..<K`) and ``targets``
/// is `n × 1` with the same class as a `Double`; use ``signTargets()`` or ``oneHotTargets()``
/// for the encodings the training objectives expect.
public struct Dataset: Sendable, Equatable {
    /// A short name (the directory or file name it was loaded from).
    public var name: String
    /// `n × d`, one sample per row.
    public var features: DenseMatrix
    /// `n × c`: regression values, or the class label as a `Double` (one column) for classification.
    public var targets: DenseMatrix
    /// Class labels `0..<K` for classification data, `nil` for regression.
    public var labels: [Int]?
    /// Names of the `d` feature columns when the file had a header.
    public var featureNames: [String]?
    /// The data set's own train/test splits (the published folds), possibly none.
    public var splits: [DataSplitIndices]
    /// The number of classes `K` for classification data, `nil` for regression.
    ///
    /// Stored rather than derived from ``labels`` so that a subset missing the highest class still
    /// one-hot encodes to the same width as the full data set.
    public var classCount: Int?

    /// A data set from its parts; `classCount` defaults to `max(labels) + 1`.
    public init(name: String = "", features: DenseMatrix, targets: DenseMatrix, labels: [Int]? = nil,
                featureNames: [String]? = nil, splits: [DataSplitIndices] = [], classCount: Int? = nil) {
        precondition(targets.rowCount == features.rowCount, "Dataset: \(targets.rowCount) target rows for \(features.rowCount) samples")
        precondition(labels == nil || labels!.count == features.rowCount, "Dataset: label count differs from sample count")
        precondition(featureNames == nil || featureNames!.count == features.columnCount, "Dataset: feature name count differs from feature count")
        self.name = name
        self.features = features
        self.targets = targets
        self.labels = labels
        self.featureNames = featureNames
        self.splits = splits
        self.classCount = classCount ?? labels.map { ($0.max() ?? -1) + 1 }
    }

    /// Number of samples `n`.
    public var sampleCount: Int { features.rowCount }
    /// Number of features `d`.
    public var featureCount: Int { features.columnCount }

    /// The samples at `rows`, in that order. The result has no predefined splits, since the
    /// original row indices no longer apply; the class count is kept.
    public func subset(_ rows: [Int]) -> Dataset {
        Dataset(name: name, features: features.rows(rows), targets: targets.rows(rows),
                labels: labels.map { l in rows.map { l[$0] } }, featureNames: featureNames,
                splits: [], classCount: classCount)
    }

    /// The training and test parts of the data set's own split number `fold`.
    ///
    /// - Throws: ``DataError/badFold(fold:foldCount:)`` when there is no such split.
    public func split(fold: Int) throws -> (train: Dataset, test: Dataset) {
        guard splits.indices.contains(fold) else { throw DataError.badFold(fold: fold, foldCount: splits.count) }
        return (subset(splits[fold].train), subset(splits[fold].test))
    }

    /// A random split with `round(n · testFraction)` test samples (the fraction is clamped to
    /// `0...1`), reproducible from `seed`. Both parts keep the original row order.
    public func split(testFraction: Double, seed: UInt64) -> (train: Dataset, test: Dataset) {
        let indices = Dataset.randomSplit(count: sampleCount, testFraction: testFraction, seed: seed)
        return (subset(indices.train), subset(indices.test))
    }

    /// The row indices of ``split(testFraction:seed:)``.
    public static func randomSplit(count: Int, testFraction: Double, seed: UInt64) -> DataSplitIndices {
        let fraction = testFraction.isNaN ? 0 : min(max(testFraction, 0), 1)
        let testCount = min(count, Int((Double(count) * fraction).rounded()))
        // A hand-written Fisher–Yates keeps the permutation fixed by the seed alone, independent
        // of how the standard library's shuffle draws its random numbers.
        var order = Array(0..<count)
        var generator = SeededGenerator(seed: seed)
        var i = count - 1
        while i > 0 {
            let j = Int(UInt64(i + 1).multipliedFullWidth(by: generator.next()).high)
            order.swapAt(i, j)
            i -= 1
        }
        return DataSplitIndices(train: order[testCount...].sorted(), test: order[..<testCount].sorted())
    }

    /// Binary labels as an `n × 1` column of `−1` (label 0) and `+1` (label 1), for the hinge loss.
    ///
    /// - Throws: ``DataError/unsuitableTargets(_:)`` for regression data or more than two classes.
    public func signTargets() throws -> DenseMatrix {
        guard let labels else { throw DataError.unsuitableTargets("sign targets need class labels; '\(name)' is regression data") }
        guard let k = classCount, k <= 2 else {
            throw DataError.unsuitableTargets("sign targets need two classes; '\(name)' has \(classCount ?? 0)")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw DataError.unsuitableTargets("labels of '\(name)' lie outside 0..<\(k)")
        }
        return DenseMatrix(column: labels.map { $0 == 0 ? -1 : 1 })
    }

    /// Labels as an `n × K` one-hot matrix (row `i` has a 1 in column `labels[i]`).
    ///
    /// - Throws: ``DataError/unsuitableTargets(_:)`` for regression data,
    ///   ``DataError/tooManyClasses(file:line:label:limit:)`` for more than
    ///   ``DatasetLoader/maxClassCount`` classes (a data set built in code may carry any `classCount`),
    ///   ``DataError/tooLarge(file:what:requiredBytes:availableBytes:)`` when the `n × K` matrix does
    ///   not fit in memory.
    public func oneHotTargets() throws -> DenseMatrix {
        guard let labels, let k = classCount else {
            throw DataError.unsuitableTargets("one-hot targets need class labels; '\(name)' is regression data")
        }
        guard k <= DatasetLoader.maxClassCount else {
            throw DataError.tooManyClasses(file: name, line: 0, label: k - 1, limit: DatasetLoader.maxClassCount)
        }
        do {
            try MemoryBudget.require(MemoryBudget.bytes([(labels.count * k, 8)]), for: "one-hot targets")
        } catch let ConicError.problemTooLarge(what, required, available) {
            throw DataError.tooLarge(file: name, what: what, requiredBytes: required, availableBytes: available)
        }
        guard labels.allSatisfy({ (0..<k).contains($0) }) else {
            throw DataError.unsuitableTargets("labels of '\(name)' lie outside 0..<\(k)")
        }
        var m = DenseMatrix(rowCount: labels.count, columnCount: k)
        for (i, label) in labels.enumerated() { m[i, label] = 1 }
        return m
    }
}

/// Per-column affine scaling `x ↦ (x − mean) / scale`, fitted on training features and then
/// applied unchanged to test features so that both see the same transformation.
public struct Standardization: Sendable, Equatable, Codable {
    /// Column means.
    public var mean: [Double]
    /// Column scales: the population standard deviation, or 1 for constant columns.
    public var scale: [Double]

    /// A standardization from its parameters (one entry per column each).
    public init(mean: [Double], scale: [Double]) {
        precondition(mean.count == scale.count, "Standardization: mean and scale lengths differ")
        self.mean = mean
        self.scale = scale
    }

    /// The mean and population standard deviation of every column of `features`; constant
    /// columns (and an empty matrix) get scale 1 so they map to 0 instead of dividing by 0.
    public static func fit(_ features: DenseMatrix) -> Standardization {
        let n = features.rowCount, d = features.columnCount
        var mean = [Double](repeating: 0, count: d)
        var scale = [Double](repeating: 1, count: d)
        guard n > 0 else { return Standardization(mean: mean, scale: scale) }
        var low = [Double](repeating: .infinity, count: d), high = [Double](repeating: -.infinity, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let v = features.values[i * d + j]
                mean[j] += v
                low[j] = min(low[j], v)
                high[j] = max(high[j], v)
            }
        }
        for j in 0..<d { mean[j] /= Double(n) }
        // Two passes (sum of squared deviations) rather than E[x²] − E[x]², which cancels badly.
        var squares = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let deviation = features.values[i * d + j] - mean[j]
                squares[j] += deviation * deviation
            }
        }
        for j in 0..<d where low[j] < high[j] {
            let std = (squares[j] / Double(n)).squareRoot()
            if std > 0 { scale[j] = std }
        }
        return Standardization(mean: mean, scale: scale)
    }

    /// `(x − mean) / scale` for every row of `features`, which must have as many columns.
    public func apply(_ features: DenseMatrix) -> DenseMatrix {
        let d = features.columnCount
        precondition(d == mean.count, "Standardization: \(d) columns, fitted on \(mean.count)")
        var out = features
        for i in 0..<features.rowCount {
            for j in 0..<d { out.values[i * d + j] = (out.values[i * d + j] - mean[j]) / scale[j] }
        }
        return out
    }
}
