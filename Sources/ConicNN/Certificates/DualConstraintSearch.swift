import Foundation
import ConicSolver

/// Limits of a search for the maximum of the dual constraint function `C(V)`.
public struct DualConstraintSearchBudget: Sendable, Equatable {
    /// Wall-clock seconds the search may take; when it runs out the bound stays valid but is
    /// reported as not proven.
    public var timeLimit: Double = 60
    /// Nodes of the branch and bound at most.
    public var maximumNodes: Int = 200_000
    /// The bound is proven once it is within this factor of the best value found, or below the
    /// threshold it is compared with.
    public var relativeTolerance: Double = 1e-3

    /// Default budget.
    public init() {}
    /// A budget with the given limits.
    public init(timeLimit: Double, maximumNodes: Int = 200_000, relativeTolerance: Double = 1e-3) {
        self.timeLimit = timeLimit
        self.maximumNodes = maximumNodes
        self.relativeTolerance = relativeTolerance
    }
}

/// What a search for `C(V) = max_{‖u‖≤1} ‖Vᵀ(X̃u)₊‖` found: a certified upper bound, the best value
/// reached by a concrete neuron, and the neurons that violate the threshold.
public struct DualConstraintSearchResult: Sendable {
    /// A certified `C ≥ C(V)`.
    public var upperBound: Double
    /// The largest `‖Vᵀ(X̃u)₊‖` reached by a neuron found (a lower bound on `C(V)`).
    public var bestValue: Double
    /// How ``upperBound`` was obtained.
    public var method: DualConstraintBound.Method
    /// Whether ``upperBound`` is tight: within the budget's tolerance of ``bestValue``, or at most
    /// `threshold·(1 + tolerance)`.
    public var proven: Bool
    /// Neurons `u` (`‖u‖ = 1`, one entry per column of the design) with `‖Vᵀ(X̃u)₊‖ > threshold`,
    /// best first.
    public var violators: [[Double]]
    /// Branch-and-bound nodes explored.
    public var nodes: Int
    /// Wall-clock seconds of the search.
    public var seconds: Double
}

extension DualConstraintBound {
    /// Searches for the maximum of `‖Vᵀ(X̃u)₊‖` over `‖u‖ ≤ 1` (`X̃ = design`), returning a certified
    /// upper bound and the neurons found above `threshold` (the oracle of pattern generation and
    /// the bound of the certificate in one search).
    ///
    /// - Parameters:
    ///   - starts: neurons to start local ascents from (e.g. a network's own neurons, last
    ///     round's violators); any length-`d̃` vectors.
    ///   - freeBias: the last column of `design` is an unregularized bias (`‖u₁..d‖ ≤ 1`, `b` free);
    ///     `V` must then satisfy `1ᵀV = 0`.
    public static func search(design: DenseMatrix, dual v: DenseMatrix, threshold: Double,
                              starts: [[Double]] = [], freeBias: Bool = false,
                              budget: DualConstraintSearchBudget = DualConstraintSearchBudget()) -> DualConstraintSearchResult {
        // Contract placeholder: the branch and bound replaces this body.
        let clock = ContinuousClock()
        let start = clock.now
        let (value, method) = best(design: design, dual: v)
        let elapsed = clock.now - start
        return DualConstraintSearchResult(upperBound: value, bestValue: 0, method: method, proven: method == .exact,
                                          violators: [], nodes: 0,
                                          seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
