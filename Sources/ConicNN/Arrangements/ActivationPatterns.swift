import ConicSolver

/// A set of distinct ReLU activation patterns `Dᵢ = diag(1[X̃gᵢ ≥ 0])` over the `n` samples of a
/// design matrix, bit-packed (one bit per sample) and deduplicated; the all-zero pattern, which
/// contributes nothing to any network, is never stored.
public struct ActivationPatterns: Sendable, Equatable {
    /// Number of samples `n` every pattern covers.
    public let sampleCount: Int
    /// Whether the set holds every chamber of the hyperplane arrangement of the data (see
    /// ``enumerated(_:)``), so that a convex program over it is the exact training problem.
    public internal(set) var isComplete: Bool = false

    let wordsPerPattern: Int
    private(set) var words: [UInt64] = []
    /// For each pattern, a gate vector `g` with `D = diag(1[X̃g ≥ 0])` when one is known (sampled
    /// gates, neurons of given networks): a point inside the pattern's cone, used to guess which
    /// sign constraints are its facets.
    private(set) var gates: [[Double]?] = []
    private var index: Set<[UInt64]> = []

    /// An empty set for `sampleCount` samples.
    public init(sampleCount: Int) {
        self.sampleCount = sampleCount
        wordsPerPattern = max(1, (sampleCount + 63) / 64)
    }

    /// Number of patterns.
    public var count: Int { words.count / wordsPerPattern }

    /// Whether sample `sample` is active (`(X̃g)ᵢ ≥ 0`) in pattern `pattern`.
    public func isActive(pattern: Int, sample: Int) -> Bool {
        words[pattern * wordsPerPattern + sample / 64] >> UInt64(sample % 64) & 1 == 1
    }

    /// The active samples of pattern `pattern`, in increasing order.
    public func activeSamples(_ pattern: Int) -> [Int] {
        (0..<sampleCount).filter { isActive(pattern: pattern, sample: $0) }
    }

    /// Inserts a bit-packed pattern; returns whether it was new and non-zero.
    @discardableResult
    mutating func insert(packed pattern: [UInt64], gate: [Double]? = nil) -> Bool {
        precondition(pattern.count == wordsPerPattern)
        guard pattern.contains(where: { $0 != 0 }), !index.contains(pattern) else { return false }
        index.insert(pattern)
        words.append(contentsOf: pattern)
        gates.append(gate)
        return true
    }

    /// Inserts the pattern `1[h ≥ 0]` of pre-activations `h = X̃g` (one per sample), with the gate
    /// vector `g` when known; returns whether it was new.
    @discardableResult
    public mutating func insert(preActivations h: [Double], gate: [Double]? = nil) -> Bool {
        precondition(h.count == sampleCount, "ActivationPatterns: \(h.count) pre-activations for \(sampleCount) samples")
        var packed = [UInt64](repeating: 0, count: wordsPerPattern)
        for (i, value) in h.enumerated() where value >= 0 { packed[i / 64] |= 1 << UInt64(i % 64) }
        return insert(packed: packed, gate: gate)
    }

    /// The patterns at `indices`, in that order (not complete).
    public func subset(_ indices: [Int]) -> ActivationPatterns {
        var out = ActivationPatterns(sampleCount: sampleCount)
        for i in indices {
            out.insert(packed: Array(words[(i * wordsPerPattern)..<((i + 1) * wordsPerPattern)]), gate: gates[i])
        }
        return out
    }

    /// The gate vector of pattern `pattern`, when known.
    public func gate(_ pattern: Int) -> [Double]? { gates[pattern] }

    /// Adds the patterns `1[X̃uⱼ ≥ 0]` of every hidden neuron of `network` (so that the convex
    /// program can represent that network exactly); returns how many were new.
    @discardableResult
    public mutating func insert(neuronsOf network: TwoLayerNetwork, design: DenseMatrix) -> Int {
        precondition(design.columnCount == network.inputWeights.columnCount, "ActivationPatterns: design and network widths differ")
        let h = design.multiplied(by: network.inputWeights, transposeOther: true)  // n × m
        var added = 0
        for j in 0..<network.width where insert(preActivations: h.column(j), gate: network.inputWeights.row(j)) { added += 1 }
        return added
    }

    /// Patterns of `count` gate vectors `g ~ N(0, I)` drawn with a seeded generator (fewer when
    /// several draws give the same pattern, as on low-rank data).
    ///
    /// - Complexity: one `n × d̃ · d̃ × count` product.
    public static func sampled(_ design: DenseMatrix, count: Int, seed: UInt64) -> ActivationPatterns {
        var generator = SeededGenerator(seed: seed)
        var gates = DenseMatrix(rowCount: design.columnCount, columnCount: count)
        for k in gates.values.indices { gates.values[k] = generator.nextGaussian() }
        let h = design.multiplied(by: gates)  // n × count
        var patterns = ActivationPatterns(sampleCount: design.rowCount)
        for j in 0..<count { patterns.insert(preActivations: h.column(j), gate: gates.column(j)) }
        return patterns
    }

    /// Every chamber pattern of the hyperplane arrangement `{u : x̃ᵢᵀu = 0}` of the rows of the
    /// design matrix, which is every pattern a ReLU neuron can realize up to samples on its
    /// boundary (where `(x̃ᵢᵀu)₊ = 0` either way). Requires `rank(X̃) ≤ 3`.
    ///
    /// - Throws: ``ArrangementError/rankTooHigh(_:)`` when the rank exceeds 3.
    /// - Complexity: `O(n³)` for rank 3 (`O(n²)` vertices, `O(n)` work each); `O(n²)` patterns.
    public static func enumerated(_ design: DenseMatrix) throws -> ActivationPatterns {
        let reduction = try RowSpaceReduction(design)
        var patterns = ActivationPatterns(sampleCount: design.rowCount)
        reduction.forEachChamber { packed, _, _ in patterns.insert(packed: packed) }
        patterns.isComplete = true
        return patterns
    }
}

/// Errors of the arrangement machinery.
public enum ArrangementError: Error, Equatable, CustomStringConvertible {
    /// Exact enumeration needs `rank(X̃) ≤ 3`; the associated value is the rank found.
    case rankTooHigh(Int)
    /// The data matrix holds NaN or infinity, or its SVD failed.
    case invalidData(String)

    public var description: String {
        switch self {
        case let .rankTooHigh(rank):
            return "exact enumeration of activation patterns needs rank(X) ≤ 3 (with the bias column); this data has rank \(rank): sample patterns instead"
        case let .invalidData(message): return message
        }
    }
}
