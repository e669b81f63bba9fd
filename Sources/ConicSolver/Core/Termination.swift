/// When the iteration stops: the stopping tests on an iterate's metrics, and the best iterate so
/// far, which the solve returns when it ends short of its tolerances.
struct Termination {
    let settings: SolverSettings

    /// Tests against the settings' tolerances.
    init(settings: SolverSettings) { self.settings = settings }

    /// The status the metrics justify, or `nil` to go on.
    func check(_ r: IterationMetrics, reduced: Bool) -> SolverStatus? {
        let feasTol = reduced ? settings.reducedFeasibilityTolerance : settings.feasibilityTolerance
        let gapAbsTol = reduced ? settings.reducedGapTolerance : settings.gapAbsoluteTolerance
        let gapRelTol = reduced ? settings.reducedGapTolerance : settings.gapRelativeTolerance
        let infTol = reduced ? settings.reducedInfeasibilityTolerance : settings.infeasibilityRelativeTolerance
        // The residuals relative to the data alone must be small too (√tolerance): on ill-posed
        // problems τ and κ vanish together and x/τ grows without bound, so residuals relative to
        // ‖x‖ look converged while Ax + s − b is far from zero (SDPLIB hinf12: 1e4).
        // Each constraint must hold against its own terms as well (PointResiduals): normwise
        // tests let a row whose entries are tiny against the rest be broken outright.
        let rowTol = reduced ? settings.reducedFeasibilityTolerance : Self.rowwiseTolerance
        if r.primalResidual <= feasTol, r.dualResidual <= feasTol,
           r.primalResidualScale <= feasTol.squareRoot(), r.dualResidualScale <= feasTol.squareRoot(),
           r.primalRowwise <= rowTol, r.dualRowwise <= rowTol,
           r.gapAbsolute <= gapAbsTol || r.gapRelative <= gapRelTol {
            return reduced ? .almostSolved : .solved
        }
        // Infeasibility needs the embedding to lean towards κ (τ small against κ) as well.
        let leansInfeasible = r.kappa > r.tau
        if leansInfeasible, r.primalInfeasibility <= infTol {
            return reduced ? .almostPrimalInfeasible : .primalInfeasible
        }
        if leansInfeasible, r.dualInfeasibility <= infTol {
            return reduced ? .almostDualInfeasible : .dualInfeasible
        }
        return nil
    }

    /// Largest relative residual of any single constraint (against its own terms) at `solved`.
    static let rowwiseTolerance = 1e-6

    /// The best iterate so far by ``score(_:)``, returned when the run ends short of its tolerances.
    private var best: (score: Double, iterate: Variables)?
    /// Iterations since `best` last improved.
    private(set) var iterationsWithoutImprovement = 0
    /// Whether the best iterate meets the reduced tolerances.
    private(set) var bestIsAlmostSolved = false

    /// How far the metrics are from the full tolerances (≤ 1 when solved).
    func score(_ r: IterationMetrics) -> Double {
        let gap = min(r.gapAbsolute / settings.gapAbsoluteTolerance, r.gapRelative / settings.gapRelativeTolerance)
        return max(r.primalResidual / settings.feasibilityTolerance, r.dualResidual / settings.feasibilityTolerance, gap)
    }

    /// Keeps `iterate` (with metrics `r`) if it is the best so far.
    mutating func record(_ r: IterationMetrics, iterate: Variables) {
        let value = score(r)
        if value.isFinite, best.map({ value < $0.score }) ?? true {
            best = (value, iterate)
            iterationsWithoutImprovement = 0
            bestIsAlmostSolved = check(r, reduced: true) == .almostSolved
        } else {
            iterationsWithoutImprovement += 1
        }
    }

    /// The best iterate recorded, if any.
    var bestIterate: Variables? { best?.iterate }
}
