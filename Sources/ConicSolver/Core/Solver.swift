import Foundation
/// Solves a ``ConicProblem`` with the default settings or the given ones.
///
/// - Throws: ``ConicError/invalidSetting(_:)`` for settings out of range, ``ConicError/notConvex(_:)``
///   when `P` is not positive semidefinite, and ``ConicError/insufficientMemory(required:limit:)``
///   when no form of the Newton system fits in the memory limit. Infeasible, unbounded or
///   numerically hard problems do not throw: they end with a ``SolverStatus``.
public func solve(_ problem: ConicProblem, settings: SolverSettings = SolverSettings()) throws -> Solution {
    let solution = try InteriorPointSolver(problem: problem, settings: settings).solve()
    if solution.status == .insufficientMemory, let required = solution.requiredMemory {
        throw ConicError.insufficientMemory(required: required, limit: settings.memoryLimit)
    }
    return solution
}

/// A primal-dual interior-point method on the homogeneous self-dual embedding
///
///     Px + Aᵀz + qτ = 0,   Ax + s − bτ = 0,   κ = −(xᵀPx/τ + qᵀx + bᵀz),
///     s ∈ K, z ∈ K*, τ, κ ≥ 0,
///
/// with Nesterov–Todd scaling and Mehrotra's predictor–corrector. A solution with `τ > 0` gives
/// the optimum `(x, s, z)/τ`; one with `κ > 0` gives a certificate of primal infeasibility
/// (`bᵀz < 0`) or dual infeasibility (`qᵀx < 0`).
///
/// Each Newton step solves the Newton system (``KKTSolver``, in the form ``NewtonSystemChoice``
/// picked) with the constant
/// right-hand side `[−q; b]` and once with the step's own — and recovers `Δτ` from a scalar
/// equation, so the factorization does not see `τ` and `κ`.
public final class InteriorPointSolver {
    /// The problem as given.
    public let problem: ConicProblem
    /// The validated settings.
    public let settings: SolverSettings

    /// Validates the settings and checks that `P ⪰ 0` (``ConicProblem/checkConvexity()``); the
    /// rest of the data was validated when the problem was built.
    ///
    /// - Throws: ``ConicError/invalidSetting(_:)``, ``ConicError/notConvex(_:)``.
    public init(problem: ConicProblem, settings: SolverSettings = SolverSettings()) throws {
        self.problem = problem
        self.settings = try settings.validated()
        try problem.checkConvexity()
    }

    /// Runs the method and returns the solution in the original (unscaled) data.
    ///
    /// With ``SolverSettings/facialReduction`` the PSD cones whose dual the data confine to a face
    /// are reduced first (``FacialReduction``, repeated while it finds one); with
    /// ``SolverSettings/chordalDecomposition`` sparse PSD cones are then split along their cliques
    /// (``ChordalDecomposition``). The solution is mapped back through both.
    public func solve() -> Solution {
        let clock = ContinuousClock()
        let start = clock.now
        var reductions: [FacialReduction] = []
        var presolveSummaries: [SolveInfo.PresolveSummary] = []
        var current = problem
        func expired() -> Bool { seconds(clock.now - start) >= settings.timeLimit }
        while settings.facialReduction, reductions.count < Self.maximumReductions, !expired(), let reduction = FacialReduction(current) {
            if settings.verbose {
                for line in reduction.summaries { writeLog("facial reduction: \(line)", to: settings.logDestination) }
            }
            presolveSummaries.append(.init(pass: .facialReduction, changes: reduction.summaries))
            reductions.append(reduction)
            current = reduction.reduced
        }
        let decomposition = settings.chordalDecomposition && !expired() ? ChordalDecomposition(current) : nil
        if let decomposition {
            if settings.verbose {
                for line in decomposition.summaries { writeLog("chordal decomposition: \(line)", to: settings.logDestination) }
            }
            presolveSummaries.append(.init(pass: .chordalDecomposition, changes: decomposition.summaries))
            current = decomposition.decomposed
        }
        let presolveTime = seconds(clock.now - start)
        let presolved = solveDirectly(current, presolveTime: presolveTime)
        var solution = presolved
        if let decomposition { solution = decomposition.recover(solution) }
        for reduction in reductions.reversed() { solution = reduction.recover(solution) }
        // A verdict reached on the presolved problem must hold for the one given: facial
        // reduction of an ill-posed SDP (a duality gap, weak infeasibility) turns it into a
        // well-posed one whose solution maps back either to a point that fails the original
        // tests, or to one that passes them only by growing without bound (the dropped variables
        // chase a limit the original problem does not attain). A point that grows by 1/ε is
        // feasible only through the tolerance ε itself: the completion then needs a perturbation
        // of the size of the reduced problem's residual (measured growth: 2·10⁹ on a 3 × 3 SDP
        // with a duality gap, whose presolved verdict was the dual value; at most 1.2·10⁷ on
        // SDPLIB's gpp, which have no gap and are solved to the published digits). Then the
        // problem is solved as given.
        func size(_ s: Solution) -> Double { (s.x + s.s).reduce(0) { max($0, abs($1)) } }
        let growth = size(solution) / max(1, size(presolved))
        let failure = reductions.isEmpty && decomposition == nil ? nil
            : solution.status.isOptimal && growth * settings.feasibilityTolerance > 1
                ? "the point grew \(growth)-fold in the mapping back"
                : problem.claimFailure(of: solution, settings: settings)
        if settings.verbose, !(reductions.isEmpty && decomposition == nil) {
            writeLog("presolve: the point grew \(growth)-fold in the mapping back", to: settings.logDestination)
        }
        if let failure {
            if settings.verbose {
                writeLog("presolve: the \(solution.status.rawValue) verdict does not hold for the problem as given (\(failure)); solving it without presolve",
                         to: settings.logDestination)
            }
            let reason = "the \(solution.status.rawValue) verdict does not hold for the problem as given (\(failure))"
            solution = solveDirectly(problem, presolveTime: seconds(clock.now - start))
            solution.info.fallbacks.insert(.init(kind: .presolveDiscarded, iteration: 0, detail: reason), at: 0)
        }
        solution.info.presolve = presolveSummaries
        solution.solveTime = seconds(clock.now - start)
        return solution
    }

    /// Facial-reduction passes at most (each one removes at least one dimension of a cone).
    static let maximumReductions = 8

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The interior-point method on `problem` as it stands.
    private func solveDirectly(_ problem: ConicProblem, presolveTime: Double) -> Solution {
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double { seconds(clock.now - start) }
        // The time limit is checked between the setup stages, and before the start and each step
        // against their predicted cost (the measured last step, or the cost model before one was
        // taken): a dense factorization or eigendecomposition cannot be interrupted, and on
        // maxG55 (a PSD cone of order 5000) the starting point alone took two minutes.
        func outOfTime(after seconds: Double = 0) -> Bool { presolveTime + elapsed() + seconds > settings.timeLimit }
        let cones = ConeProduct(problem.cones, primalDualScaling: settings.nonsymmetricScaling == .primalDual)
        let scaled = Equilibration.scale(problem, cones: cones, iterations: settings.equilibrationIterations,
                                         stopWhen: { outOfTime() })
        guard !outOfTime() else { return failed(.timeLimit, problem: problem, time: elapsed()) }
        var choice = NewtonSystemChoice(settings: settings)
        guard let (kkt, fallback) = choice.make(P: scaled.P, A: scaled.A, cones: cones) else {
            var failure = failed(choice.requiredMemory == nil ? .numericalError : .insufficientMemory, problem: problem, time: elapsed())
            failure.requiredMemory = choice.requiredMemory
            return failure
        }
        let modelStepSeconds = NewtonSystemChoice.stepSeconds(kkt: kkt, cones: cones)
        guard !outOfTime(after: modelStepSeconds) else { return failed(.timeLimit, problem: problem, time: elapsed()) }
        // BLAS threads: as asked, or one for small factorizations, where waking a second thread
        // costs more than it saves. The setting is process-wide: it is changed under a lease that
        // serializes such solves and restores it afterwards (BLASThreads).
        var threads: Int? = settings.threads > 0 ? settings.threads : nil
        if threads == nil, kkt.flops < Self.singleThreadFlops, Self.largestPSDProductFlops(cones) < Self.singleThreadProductFlops,
           BLASThreads.count != 1 {
            threads = 1
        }
        let endLease = threads.map { BLASThreads.lease($0) }
        defer { endLease?() }
        var state = IterationState(problem: problem, scaled: scaled, cones: cones, kkt: kkt, settings: settings)
        state.fallback = fallback
        let setupTime = presolveTime + elapsed()
        let log = settings.verbose ? IterationLog(problem: problem, cones: cones, kkt: kkt, destination: settings.logDestination) : nil

        guard state.initialize() else { return failed(.numericalError, problem: problem, time: elapsed()) }
        var termination = Termination(settings: settings)
        var status: SolverStatus? = nil
        var iteration = 0
        var lastStep = 0.0
        var records: [SolveInfo.IterationRecord] = []
        while true {
            state.computeResiduals()
            let metrics = state.metrics()
            let mu = state.mu
            log?.line(iteration: iteration, metrics: metrics, step: lastStep, mu: mu)
            records.append(.init(iteration: iteration, primalObjective: metrics.primalObjective, dualObjective: metrics.dualObjective,
                                 gap: metrics.gapRelative, primalResidual: metrics.primalResidual, dualResidual: metrics.dualResidual,
                                 kappaOverTau: metrics.kappa / metrics.tau, mu: mu,
                                 step: iteration == 0 ? nil : lastStep, sigma: iteration == 0 ? nil : state.lastSigma))
            state.iteration = iteration
            if let finished = termination.check(metrics, reduced: false) { status = finished; break }
            termination.record(metrics, iterate: state.iterate)
            if termination.bestIsAlmostSolved, termination.iterationsWithoutImprovement >= Self.stallIterations {
                status = .insufficientProgress; break
            }
            if iteration >= settings.maxIterations { status = .maxIterations; break }
            if outOfTime(after: iteration == 0 ? modelStepSeconds : state.lastStepSeconds) { status = .timeLimit; break }
            switch state.step(metrics) {
            case .success(let alpha): lastStep = alpha
            case .failure(let failure): status = failure
            }
            if status != nil { break }
            iteration += 1
            if lastStep < 1e-10 { status = .insufficientProgress; break }
        }
        var final = status ?? .numericalError
        if !final.isOptimal && !final.isInfeasible {
            // Return the best iterate, and accept reduced accuracy rather than a bare failure.
            if let best = termination.bestIterate { state.iterate = best }
            state.computeResiduals()
            if let reduced = termination.check(state.metrics(), reduced: true) { final = reduced }
        }
        var solution = state.solution(status: final)
        solution.iterations = iteration
        solution.info = state.info
        solution.info.newtonSystem = state.kkt.form
        solution.info.newtonSystemDescription = state.kkt.methodName
        solution.info.iterations = records
        solution.setupTime = setupTime
        solution.solveTime = elapsed()
        log?.summary(solution)
        return solution
    }

    /// Below this many flops per factorization, BLAS runs on one thread...
    static let singleThreadFlops = 5e7
    /// ...unless a PSD cone's dense products (`2n³` each, a few dozen per iteration) reach this:
    /// measured, two threads gain from order ~150 on (mcp500-1: 3.7 s against 5.8 s; arch0,
    /// order 161: 0.82 s against 0.89 s) and lose below (gpp124-2, order 124: 0.39 s against 0.35 s).
    static let singleThreadProductFlops = 5e6

    /// `2n³` for the largest PSD cone (0 without one).
    static func largestPSDProductFlops(_ cones: ConeProduct) -> Double {
        cones.cones.compactMap { $0.psd.map { 2 * pow(Double($0.order), 3) } }.max() ?? 0
    }

    /// Once the best iterate meets the reduced tolerances, iterations without a better one
    /// before the run stops.
    static let stallIterations = 5

    private func failed(_ status: SolverStatus, problem: ConicProblem, time: Double) -> Solution {
        let n = problem.variableCount, m = problem.constraintCount
        let nan = Double.nan
        return Solution(status: status, x: .init(repeating: nan, count: n), s: .init(repeating: nan, count: m),
                        z: .init(repeating: nan, count: m), primalObjective: nan, dualObjective: nan,
                        primalResidual: nan, dualResidual: nan, gap: nan, iterations: 0, solveTime: time, setupTime: time)
    }
}

/// Convergence measures of an iterate, in the original data.
struct IterationMetrics {
    var primalObjective = 0.0
    var dualObjective = 0.0
    var gapAbsolute = 0.0
    var gapRelative = 0.0
    /// `‖Ax + s − b‖∞ / max(1, ‖b‖∞ + ‖x‖∞ + ‖s‖∞)` at `(x, s, z)/τ`.
    var primalResidual = 0.0
    /// `‖Px + Aᵀz + q‖∞ / max(1, ‖q‖∞ + ‖x‖∞ + ‖z‖∞)` at `(x, s, z)/τ`.
    var dualResidual = 0.0
    /// `‖Ax + s − b‖∞ / max(1, ‖b‖∞)`: the primal residual against the data alone.
    var primalResidualScale = 0.0
    /// `‖Px + Aᵀz + q‖∞ / max(1, ‖q‖∞)`: the dual residual against the data alone.
    var dualResidualScale = 0.0
    /// Rowwise residuals of `(x, s, z)/τ` in the original data (``PointResiduals``).
    var primalRowwise = 0.0, dualRowwise = 0.0
    /// ``DataScale/primalInfeasibility(transposeProductNorm:bz:)`` of `z`; `+∞` when `bᵀz ≥ 0`.
    var primalInfeasibility = Double.infinity
    /// ``DataScale/dualInfeasibility(quadraticNorm:slackResidualNorm:qx:)`` of `x`; `+∞` when `qᵀx ≥ 0`.
    var dualInfeasibility = Double.infinity
    var tau = 1.0
    var kappa = 1.0
}
