import ConicSolver
import Foundation

/// Settings of ``ThreeLayerTrainer/train(features:targets:settings:progress:)``.
public struct ThreeLayerSettings: Sendable, Equatable {
    /// Which units the program is built over.
    public enum Units: Sendable, Equatable {
        /// `count` draws of a random sub-network (Remark 3; ``ThreeLayerUnits/sampled(_:width:count:seed:)``).
        case sampled(count: Int, seed: UInt64)
        /// Every unit (``ThreeLayerUnits/exhaustive(_:width:maximumUnits:)``): the exact program, for tiny data.
        case exhaustive
    }

    /// Weight decay `β > 0`.
    public var beta: Double
    /// `m₁`, the first-layer width of each sub-network.
    public var width: Int
    /// The units of the program.
    public var units: Units
    /// Whether the input gets a constant-1 column (a first-layer bias inside `W₁`).
    public var hasBias: Bool
    /// Settings of the conic solver.
    public var solver = SolverSettings()
    /// Largest number of samples for the semidefinite bound on the relaxed dual constraint (two
    /// SDPs per bound; measured: ~10 s at n = 150, ~60 s at n = 400 on a loaded 2-core machine,
    /// against a solve of a few seconds); beyond it the norm bounds are used.
    public var relaxationSampleLimit = 160
    /// Sign constraints per cone in the first program for sampled units (the ones closest to tight
    /// at the drawn sub-network); the violated ones are added and the program solved again.
    /// 0 (the default) includes every constraint from the start: with 24 per cone the benchmark
    /// of docs/nn-deep.md needed 5 rounds and 165 iterations against 59 for the full program.
    public var initialSignRows = 0
    /// Force the Gram or residual form of the squared loss; `nil` chooses by size.
    public var lossFormulation: ThreeLayerLossFormulation? = nil
    /// Re-solve over the units carrying the solution (above 10⁻¹, 10⁻², 10⁻³ of the largest) and
    /// keep the first whose optimum matches the full program's to 1e-7: far fewer sub-networks.
    public var sparsify = true

    /// Settings with 100 sampled units.
    public init(beta: Double, width: Int, units: Units = .sampled(count: 100, seed: 0), hasBias: Bool = false) {
        self.beta = beta
        self.width = width
        self.units = units
        self.hasBias = hasBias
    }

    /// Throws ``ThreeLayerError/invalidSetting(_:)`` for out-of-range settings.
    public func validate() throws(ThreeLayerError) {
        guard beta > 0, beta.isFinite else { throw .invalidSetting("β must be positive and finite") }
        guard width >= 1 else { throw .invalidSetting("the width m₁ must be at least 1") }
        guard initialSignRows >= 0 else { throw .invalidSetting("initialSignRows must not be negative") }
        if case let .sampled(count, _) = units, count < 1 { throw .invalidSetting("sample at least one unit") }
    }
}

/// A lower bound on the training problem's optimum from the dual (eq. 6), with how it was obtained.
public struct ThreeLayerDualBound: Sendable, Equatable {
    /// `max_{0 ≤ s ≤ β/C} s·vᵀy − ½s²‖v‖²`, the dual objective at a scaled residual `v = y − f`:
    /// a valid lower bound on `P*` because `C` bounds the dual constraint from above.
    public let value: Double
    /// The bound `C ≥ max_{θ ∈ Θₚ} |vᵀ((X̃W₁)₊w₂)₊|` used.
    public let constraintBound: Double
    /// How `C` bounds the two-layer quantities it is made of (see ``ThreeLayerTrainer``).
    public let method: DualConstraintBound.Method
    /// Whether `C` is the exact three-layer constraint value. It never is here: `C` comes from
    /// the two-layer relaxation `max(C₂(v₊), C₂(v₋))`, which can exceed the three-layer value, so
    /// the gap to the objective may stay open even at the optimum.
    public let isTight: Bool
}

/// The outcome of convex training of a three-layer parallel network.
public struct ThreeLayerTrainingResult: Sendable {
    /// The convex model (pruned of solver noise).
    public let model: ThreeLayerConvexModel
    /// The network rebuilt from the model (Proposition 1).
    public let network: ThreeLayerNetwork
    /// The convex objective of ``model``.
    public let convexObjective: Double
    /// `p(θ)` of ``network`` (eq. 4), equal to ``convexObjective`` up to rounding.
    public let networkObjective: Double
    /// `max |f_network − f_convex|` over the training samples.
    public let predictionDifference: Double
    /// The certified lower bound.
    public let bound: ThreeLayerDualBound
    /// The units of the program (``model`` may use a subset of them: ``sparsified``).
    public let units: ThreeLayerUnits
    /// Units in the program and whether they are all of them.
    public let unitCount: Int
    public let exact: Bool
    /// Variables and constraint rows of the last conic program solved, and the constraint rows of the full program.
    public let variables: Int
    public let constraints: Int
    public let fullConstraints: Int
    /// Programs solved (more than one when violated sign constraints were added).
    public let rounds: Int
    /// Whether the network comes from the program restricted to the largest units (``ThreeLayerSettings/sparsify``).
    public let sparsified: Bool
    /// The solver's status, iterations and time (setup included), and the program's build time.
    public let solverStatus: SolverStatus
    public let iterations: Int
    public let solveTime: Double
    public let buildTime: Double

    /// `networkObjective − bound.value`.
    public var gap: Double { networkObjective - bound.value }
    /// ``gap`` relative to `max(1, |networkObjective|)`.
    public var relativeGap: Double { gap / max(1, abs(networkObjective)) }
}

/// Convex training of `K` parallel three-layer ReLU sub-networks (ICML 2021): builds the program
/// of Theorem 1 over sampled or exhaustive units, solves it with the conic solver, rebuilds the
/// sub-networks (Proposition 1) and bounds the optimum from below with the dual (6).
///
/// The dual bound: for the residual `v = y − f` of the solution, any `s ≥ 0` with
/// `s·max_θ|vᵀ((X̃W₁)₊w₂)₊| ≤ β` makes `sv` dual feasible. The three-layer constraint is bounded
/// through two-layer ones: with `h = Σⱼ Iⱼ(X̃zⱼ)₊` and `Σ‖zⱼ‖ ≤ 1`,
/// `vᵀ(h)₊ ≤ v₊ᵀ(h)₊ ≤ Σ_{Iⱼ=+1} v₊ᵀ(X̃zⱼ)₊ ≤ C₂(v₊)` and likewise `−vᵀ(h)₊ ≤ C₂(v₋)`, where
/// `C₂(u) = max_{‖z‖≤1} uᵀ(X̃z)₊` is the two-layer dual constraint (``DualConstraintBound/best(design:dual:maximumRelaxationSamples:)``:
/// exact for rank ≤ 3, else semidefinite or norm bounds). The bound is valid but not tight.
public enum ThreeLayerTrainer {
    /// Trains through the convex program.
    ///
    /// - Throws: ``ThreeLayerError`` for invalid settings or data, a program too large, or a
    ///   solver failure.
    public static func train(features: DenseMatrix, targets y: [Double], settings: ThreeLayerSettings,
                             progress: ((String) -> Void)? = nil) throws(ThreeLayerError) -> ThreeLayerTrainingResult {
        try settings.validate()
        guard y.count == features.rowCount, features.rowCount > 0 else {
            throw .invalidData("\(y.count) targets for \(features.rowCount) samples")
        }
        guard features.values.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { throw .invalidData("non-finite features or targets") }
        let design = ThreeLayerNetwork.design(features, bias: settings.hasBias)
        let units: ThreeLayerUnits
        switch settings.units {
        case let .sampled(count, seed): units = ThreeLayerUnits.sampled(design, width: settings.width, count: count, seed: seed)
        case .exhaustive: units = try ThreeLayerUnits.exhaustive(design, width: settings.width)
        }
        let allRows = ThreeLayerProgram.SignRows.all(units, design: design)
        var rows = settings.initialSignRows > 0 ? ThreeLayerProgram.SignRows.initial(units, design: design, keep: settings.initialSignRows) : allRows
        var buildTime = 0.0, solveTime = 0.0, iterations = 0, round = 0
        var program: ThreeLayerProgram, solution: Solution, full: ThreeLayerConvexModel
        while true {
            round += 1
            let buildStart = Date()
            do {
                program = try ThreeLayerProgram(design: design, targets: y, beta: settings.beta, units: units, signRows: rows,
                                                formulation: settings.lossFormulation)
            } catch {
                throw .tooLarge("building the program over \(units.count) units: \(error)")
            }
            buildTime += Date().timeIntervalSince(buildStart)
            progress?("round \(round): \(units.count) units, \(program.neuronCount) neurons: \(program.problem.variableCount) variables, \(program.problem.constraintCount) rows (\(rows.count) of \(allRows.count) sign constraints, \(program.formulation.rawValue) form)")
            do { solution = try solve(program.problem, settings: settings.solver) } catch {
                throw .invalidData("the conic solver refused the program: \(error)")
            }
            iterations += solution.iterations
            solveTime += solution.solveTime
            guard solution.status.isOptimal else { throw .solverFailed(solution.status) }
            full = ThreeLayerConvexModel(units: units, blocks: program.blocks(of: solution.x), hasBias: settings.hasBias)
            // A solution that satisfies the left-out constraints solves the full program.
            let largest = full.subNetworkSizes.max() ?? 0
            let violated = program.violations(full.blocks, tolerance: 1e-9, negligible: Self.pruningThresholds.last! * largest)
            if violated.count == 0 { break }
            progress?("  \(violated.count) violated sign constraints added")
            for g in rows.firstLayer.indices where !violated.firstLayer[g].isEmpty {
                rows.firstLayer[g] = round >= Self.maximumPartialRounds ? allRows.firstLayer[g] : (rows.firstLayer[g] + violated.firstLayer[g]).sorted()
            }
            for u in rows.secondLayer.indices where !violated.secondLayer[u].isEmpty {
                rows.secondLayer[u] = round >= Self.maximumPartialRounds ? allRows.secondLayer[u] : (rows.secondLayer[u] + violated.secondLayer[u]).sorted()
            }
        }

        // The dual bound comes from the full program's residual, valid whatever is done next.
        let residual = zip(y, full.predictions(design: design)).map { $0 - $1 }
        let fullObjective = full.objective(design: design, targets: y, beta: settings.beta)
        // An interior-point solution spreads over every unit of an optimal face (many units give the
        // same outputs on n samples); the program restricted to the largest units usually keeps the
        // optimum (to 1e-7) with far fewer sub-networks.
        var sparsified = false
        if settings.sparsify {
            let sizes = full.unitSums.map { max($0.v, $0.w) }
            let largest = sizes.max() ?? 0
            for threshold in [1e-1, 1e-2, 1e-3] {
                let kept = sizes.indices.filter { sizes[$0] > threshold * largest }
                guard kept.count < units.count, !kept.isEmpty else { continue }
                let subset = ThreeLayerUnits(sampleCount: units.sampleCount, width: units.width, units: kept.map { units.units[$0] })
                guard let restricted = try? ThreeLayerProgram(design: design, targets: y, beta: settings.beta, units: subset,
                                                              formulation: settings.lossFormulation),
                      let answer = try? solve(restricted.problem, settings: settings.solver) else { continue }
                iterations += answer.iterations
                solveTime += answer.solveTime
                guard answer.status.isOptimal else { continue }
                let model = ThreeLayerConvexModel(units: subset, blocks: restricted.blocks(of: answer.x), hasBias: settings.hasBias)
                if model.objective(design: design, targets: y, beta: settings.beta) <= fullObjective + 1e-7 * max(1, abs(fullObjective)) {
                    progress?("restricted to the \(kept.count) units above \(threshold) of the largest: same optimum")
                    full = model
                    sparsified = true
                    break
                }
            }
        }

        // An interior-point solution has every block slightly non-zero: keep the largest pruning
        // threshold whose network objective is within 1e-9 (relative) of the lowest. Sub-networks
        // below the smallest threshold were not checked against the left-out constraints.
        let candidates = Self.pruningThresholds.map { threshold in
            let model = full.pruned(threshold: threshold)
            let network = model.network()
            return (model, network, network.objective(features: features, targets: y, beta: settings.beta))
        }
        let lowest = candidates.map(\.2).min()!
        let (model, network, networkObjective) = candidates.first { $0.2 <= lowest + 1e-9 * max(1, abs(lowest)) }!
        let convexPredictions = model.predictions(design: design)
        let networkPredictions = network.predict(features)
        let difference = zip(convexPredictions, networkPredictions).map { abs($0 - $1) }.max() ?? 0

        let bound = dualBound(design: design, targets: y, dual: residual, beta: settings.beta,
                              relaxationSampleLimit: settings.relaxationSampleLimit)
        return ThreeLayerTrainingResult(model: model, network: network,
                                        convexObjective: model.objective(design: design, targets: y, beta: settings.beta),
                                        networkObjective: networkObjective, predictionDifference: difference, bound: bound,
                                        units: units, unitCount: units.count, exact: units.isComplete,
                                        variables: program.problem.variableCount, constraints: program.problem.constraintCount,
                                        fullConstraints: program.problem.constraintCount - rows.count + allRows.count, rounds: round,
                                        sparsified: sparsified,
                                        solverStatus: solution.status, iterations: iterations,
                                        solveTime: solveTime, buildTime: buildTime)
    }

    /// Pruning thresholds tried, relative to the largest sub-network.
    static let pruningThresholds = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
    /// Rounds of adding violated constraints one by one; after them a violated cone gets all of its constraints.
    static let maximumPartialRounds = 3

    /// The dual bound at a candidate dual point `v` (any vector; the residual `y − f` of a good
    /// solution gives a good bound). See ``ThreeLayerTrainer`` for why it is valid.
    public static func dualBound(design: DenseMatrix, targets y: [Double], dual v: [Double], beta: Double,
                                 relaxationSampleLimit: Int = SemidefiniteRelaxation.maximumSamples) -> ThreeLayerDualBound {
        let positive = DenseMatrix(column: v.map { max(0, $0) }), negative = DenseMatrix(column: v.map { max(0, -$0) })
        let upper = DualConstraintBound.best(design: design, dual: positive, maximumRelaxationSamples: relaxationSampleLimit)
        let lower = DualConstraintBound.best(design: design, dual: negative, maximumRelaxationSamples: relaxationSampleLimit)
        let c = max(upper.value, lower.value)
        // The weaker of the two methods describes the bound.
        let method = upper.value >= lower.value ? upper.method : lower.method
        let vy = zip(v, y).reduce(0) { $0 + $1.0 * $1.1 }, vv = v.reduce(0) { $0 + $1 * $1 }
        var s = c > 0 ? beta / c : .infinity
        if vv > 0 { s = min(s, max(0, vy / vv)) } else { s = 0 }
        let value = s * vy - 0.5 * s * s * vv
        return ThreeLayerDualBound(value: value, constraintBound: c, method: method, isTight: false)
    }
}
