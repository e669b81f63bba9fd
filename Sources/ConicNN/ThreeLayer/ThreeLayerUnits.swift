import ConicSolver

/// Errors of the three-layer convex program, its training and its network files.
public enum ThreeLayerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of its allowed range.
    case invalidSetting(String)
    /// The data do not suit the program (shapes, non-finite values, targets).
    case invalidData(String)
    /// The program would be too large to build (exhaustive masks on too many samples, …).
    case tooLarge(String)
    /// The conic solver did not reach an optimal status.
    case solverFailed(SolverStatus)
    /// A network file could not be read or written.
    case networkFile(String)

    public var description: String {
        switch self {
        case let .invalidSetting(message): return "invalid three-layer setting: \(message)"
        case let .invalidData(message): return "invalid data for the three-layer program: \(message)"
        case let .tooLarge(message): return "three-layer program too large: \(message)"
        case let .solverFailed(status): return "the conic solver stopped with status \(status.rawValue)"
        case let .networkFile(message): return "three-layer network file: \(message)"
        }
    }
}

/// One unit of the three-layer convex program (ICML 2021, Theorem 1): the masks of the two ReLU
/// layers of one sub-network,
///
///     atom(z) = D₂ Σⱼ Iⱼ D₁ⱼ X zⱼ,
///     subject to (2D₁ⱼ − I)Xzⱼ ≥ 0 and (2D₂ − I) Σⱼ Iⱼ D₁ⱼ X zⱼ ≥ 0,
///
/// which equals `((XW₁)₊w₂)₊` for `W₁ = [zⱼ/√(s‖zⱼ‖)]`, `w₂ⱼ = Iⱼ√‖zⱼ‖`, `s = Σⱼ‖zⱼ‖`, scaled by
/// `√s` (see ``ThreeLayerConvexModel``). The paper indexes all neurons of a unit with one sign;
/// its derivation (eqs. 10–11) has a sign `Iⱼ = sign(w₂ⱼ)` per neuron, which is what is stored.
/// Neurons with an all-zero first mask contribute nothing and are not stored; two neurons with the
/// same mask and sign merge (their `zⱼ` add, and the norms only shrink), so a unit lists distinct
/// pairs in a canonical order.
public struct ThreeLayerUnit: Sendable, Hashable {
    /// `D₁ⱼ`: for each first-layer neuron, the samples it is active on.
    public var firstLayer: [[Bool]]
    /// `Iⱼ ∈ {−1, +1}`: the sign of each neuron's second-layer weight.
    public var signs: [Double]
    /// `D₂`: the samples on which the sub-network's second ReLU is active.
    public var secondLayer: [Bool]

    /// A unit from its masks; neurons come out deduplicated and sorted (canonical form).
    public init(firstLayer: [[Bool]], signs: [Double], secondLayer: [Bool]) {
        precondition(firstLayer.count == signs.count, "ThreeLayerUnit: one sign per first-layer mask")
        var pairs = [(mask: [Bool], sign: Double)]()
        for (mask, sign) in zip(firstLayer, signs) where mask.contains(true) {
            let s: Double = sign < 0 ? -1 : 1
            if !pairs.contains(where: { $0.mask == mask && $0.sign == s }) { pairs.append((mask, s)) }
        }
        pairs.sort { Self.key($0.mask, $0.sign) < Self.key($1.mask, $1.sign) }
        self.firstLayer = pairs.map(\.mask)
        self.signs = pairs.map(\.sign)
        self.secondLayer = secondLayer
    }

    private static func key(_ mask: [Bool], _ sign: Double) -> String {
        (sign > 0 ? "+" : "-") + String(mask.map { $0 ? "1" : "0" })
    }

    /// Number of first-layer neurons with a non-zero mask.
    public var neuronCount: Int { firstLayer.count }

    /// Whether sample `k` reaches the second ReLU through some neuron (otherwise its second-layer
    /// sign constraint reads `0 ≥ 0`).
    func reaches(_ k: Int) -> Bool { firstLayer.contains { $0[k] } }
}

/// The units a three-layer convex program is built over, for `n` samples and at most `width`
/// (`m₁`) first-layer neurons per sub-network.
public struct ThreeLayerUnits: Sendable, Equatable {
    /// Number of samples every mask covers.
    public let sampleCount: Int
    /// `m₁`: the largest number of first-layer neurons of a unit.
    public let width: Int
    /// The distinct units.
    public private(set) var units: [ThreeLayerUnit]
    /// Whether every realizable unit is present, so that the program is the exact training problem.
    public let isComplete: Bool
    /// For sampled units, a feasible point of the unit's cone (the blocks `zⱼ = |u₂ⱼ|U₁ⱼ` of the
    /// sub-network it was drawn from), used to guess which sign constraints are facets.
    private(set) var gates: [[[Double]]?]

    /// Units given explicitly (duplicates dropped, as are units whose second mask is all zero),
    /// with an optional feasible point each (one block per neuron).
    public init(sampleCount: Int, width: Int, units: [ThreeLayerUnit], isComplete: Bool = false) {
        self.init(sampleCount: sampleCount, width: width, units: units, gates: Array(repeating: nil, count: units.count),
                  isComplete: isComplete)
    }

    init(sampleCount: Int, width: Int, units: [ThreeLayerUnit], gates: [[[Double]]?], isComplete: Bool) {
        self.sampleCount = sampleCount
        self.width = width
        var seen = Set<ThreeLayerUnit>()
        var kept = [ThreeLayerUnit](), keptGates = [[[Double]]?]()
        for (unit, gate) in zip(units, gates) {
            precondition(unit.secondLayer.count == sampleCount && unit.firstLayer.allSatisfy { $0.count == sampleCount },
                         "ThreeLayerUnits: masks of the wrong length")
            precondition(unit.neuronCount <= width, "ThreeLayerUnits: a unit wider than m₁")
            guard unit.neuronCount > 0, unit.secondLayer.contains(true), seen.insert(unit).inserted else { continue }
            kept.append(unit)
            keptGates.append(gate)
        }
        self.units = kept
        self.gates = keptGates
        self.isComplete = isComplete
    }

    public static func == (lhs: ThreeLayerUnits, rhs: ThreeLayerUnits) -> Bool {
        lhs.sampleCount == rhs.sampleCount && lhs.width == rhs.width && lhs.units == rhs.units && lhs.isComplete == rhs.isComplete
    }

    /// Number of units.
    public var count: Int { units.count }

    /// Units sampled as in Remark 3 of the paper, from `count` draws of a random sub-network
    /// `U₁ ∈ ℝ^{d×m₁}`, `u₂ ∈ ℝ^{m₁}` with `N(0, 1)` entries: `D₁ⱼ = 1[XU₁ⱼ ≥ 0]`,
    /// `Iⱼ = sign(u₂ⱼ)`, `D₂ = 1[(XU₁)₊u₂ ≥ 0]`. The paper samples the two layers' masks
    /// independently; drawing them from one sub-network keeps only pairs that some network
    /// realizes (an independent pair is often feasible only at `z = 0`). Draws that give the same
    /// unit count once.
    ///
    /// - Complexity: `count` products `n × d · d × m₁`.
    public static func sampled(_ design: DenseMatrix, width: Int, count: Int, seed: UInt64) -> ThreeLayerUnits {
        let n = design.rowCount, d = design.columnCount
        var generator = SeededGenerator(seed: seed)
        var units = [ThreeLayerUnit](), gates = [[[Double]]?]()
        for _ in 0..<count {
            let u1 = DenseMatrix(rowCount: d, columnCount: width, values: (0..<(d * width)).map { _ in generator.nextGaussian() })
            let u2 = (0..<width).map { _ in generator.nextGaussian() }
            let h1 = design.multiplied(by: u1)
            var h2 = [Double](repeating: 0, count: n)
            for k in 0..<n { for j in 0..<width { h2[k] += max(0, h1[k, j]) * u2[j] } }
            let masks = (0..<width).map { j in (0..<n).map { h1[$0, j] >= 0 } }
            let signs: [Double] = u2.map { $0 < 0 ? -1 : 1 }
            let unit = ThreeLayerUnit(firstLayer: masks, signs: signs, secondLayer: h2.map { $0 >= 0 })
            // The drawn sub-network as a point of the unit: zⱼ = |u₂ⱼ|U₁ⱼ, merged neurons added.
            units.append(unit)
            gates.append((0..<unit.neuronCount).map { c in
                var z = [Double](repeating: 0, count: d)
                for j in 0..<width where masks[j] == unit.firstLayer[c] && signs[j] == unit.signs[c] {
                    for i in 0..<d { z[i] += abs(u2[j]) * u1[i, j] }
                }
                return z
            })
        }
        return ThreeLayerUnits(sampleCount: n, width: width, units: units, gates: gates, isComplete: false)
    }

    /// Every unit, for small data: first-layer masks from the chambers of the data's hyperplane
    /// arrangement (``ActivationPatterns/enumerated(_:)``, rank ≤ 3), every set of at most `m₁`
    /// distinct (mask, sign) pairs, and every non-empty subset of the samples as `D₂`.
    ///
    /// Listing masks that no network realizes is harmless: a unit's sign constraints make any
    /// feasible `z` realize exactly its masks (up to samples where a pre-activation is zero, whose
    /// ReLU output is zero either way), so an unrealizable unit only admits `z = 0`. Hence the
    /// program over this set is the exact training problem once the number of sub-networks `K`
    /// reaches the number of non-zero units of its solution.
    ///
    /// - Throws: ``ThreeLayerError/tooLarge(_:)`` beyond `maximumUnits` units or 16 samples;
    ///   ``ThreeLayerError/invalidData(_:)`` for data of rank above 3.
    public static func exhaustive(_ design: DenseMatrix, width: Int, maximumUnits: Int = 20_000) throws(ThreeLayerError) -> ThreeLayerUnits {
        let n = design.rowCount
        guard width >= 1 else { throw .invalidSetting("the width m₁ must be at least 1") }
        guard n <= 16 else { throw .tooLarge("exhaustive masks need at most 16 samples (2ⁿ second-layer masks); this data has \(n)") }
        let chambers: ActivationPatterns
        do { chambers = try ActivationPatterns.enumerated(design) } catch {
            throw .invalidData("exhaustive masks enumerate the first layer's arrangement: \(error)")
        }
        var pairs = [(mask: [Bool], sign: Double)]()
        for p in 0..<chambers.count {
            let mask = (0..<n).map { chambers.isActive(pattern: p, sample: $0) }
            pairs.append((mask, 1)); pairs.append((mask, -1))
        }
        // Sets of at most m₁ pairs, as increasing index lists.
        var sets = [[Int]]()
        func extend(_ current: [Int]) {
            if !current.isEmpty { sets.append(current) }
            guard current.count < width else { return }
            for next in ((current.last ?? -1) + 1)..<pairs.count { extend(current + [next]) }
        }
        extend([])
        let secondMasks = (1..<(1 << n)).map { bits in (0..<n).map { bits >> $0 & 1 == 1 } }
        guard sets.count * secondMasks.count <= maximumUnits else {
            throw .tooLarge("\(sets.count) first-layer neuron sets × \(secondMasks.count) second-layer masks exceed \(maximumUnits) units; sample units instead")
        }
        var units = [ThreeLayerUnit]()
        for set in sets {
            for second in secondMasks {
                let unit = ThreeLayerUnit(firstLayer: set.map { pairs[$0].mask }, signs: set.map { pairs[$0].sign }, secondLayer: second)
                // Samples no neuron reaches have a zero pre-activation: listing them in D₂ or not is the same unit.
                if zip(second, 0..<n).allSatisfy({ active, k in !active || unit.reaches(k) }) { units.append(unit) }
            }
        }
        return ThreeLayerUnits(sampleCount: n, width: width, units: units, isComplete: true)
    }
}
