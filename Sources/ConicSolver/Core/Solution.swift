/// How a solve ended.
///
/// The raw values are the strings `conic solve --json` prints under `status`.
public enum SolverStatus: String, Sendable, Equatable, CaseIterable {
    /// Primal and dual residuals and the duality gap are within the tolerances: `x`, `s`, `z`
    /// are an optimal primal-dual pair.
    case solved = "solved"
    /// As `solved`, but only within the reduced tolerances.
    case almostSolved = "almost_solved"
    /// The problem has no feasible point; `z` holds a certificate: `Aᵀz = 0`, `z ∈ K*`, `bᵀz < 0`
    /// (normalized so that `bᵀz = −1`).
    case primalInfeasible = "primal_infeasible"
    /// The objective is unbounded below; `x` holds a certificate: `Px = 0`, `−Ax ∈ K`, `qᵀx < 0`
    /// (normalized so that `qᵀx = −1`).
    case dualInfeasible = "dual_infeasible"
    /// As `primalInfeasible`, within the reduced tolerances.
    case almostPrimalInfeasible = "almost_primal_infeasible"
    /// As `dualInfeasible`, within the reduced tolerances.
    case almostDualInfeasible = "almost_dual_infeasible"
    /// The iteration limit was reached first; the last iterate is returned.
    case maxIterations = "max_iterations"
    /// The time limit was reached first; the last iterate is returned.
    case timeLimit = "time_limit"
    /// The Newton system could not be factored or solved accurately.
    case numericalError = "numerical_error"
    /// Steps became too short to make progress.
    case insufficientProgress = "insufficient_progress"
    /// No form of the Newton system fits in ``SolverSettings/memoryLimit``;
    /// ``Solution/requiredMemory`` says how much the smallest one would need.
    case insufficientMemory = "insufficient_memory"

    /// Whether the status reports an optimal point at full or reduced accuracy.
    public var isOptimal: Bool { self == .solved || self == .almostSolved }
    /// Whether the status reports an infeasibility certificate (full or reduced accuracy).
    public var isInfeasible: Bool {
        switch self {
        case .primalInfeasible, .dualInfeasible, .almostPrimalInfeasible, .almostDualInfeasible: return true
        default: return false
        }
    }
}

/// The result of a solve, in the user's (unscaled) problem data.
public struct Solution: Sendable {
    /// How the solve ended.
    public var status: SolverStatus
    /// Primal variables (or the dual-infeasibility certificate).
    public var x: [Double]
    /// Primal slacks, `s = b − Ax` at optimality.
    public var s: [Double]
    /// Dual variables for `Ax + s = b` (or the primal-infeasibility certificate), `z ∈ K*`.
    public var z: [Double]
    /// `½xᵀPx + qᵀx + c₀` (NaN for infeasibility statuses).
    public var primalObjective: Double
    /// `−½xᵀPx − bᵀz + c₀` (NaN for infeasibility statuses).
    public var dualObjective: Double
    /// `‖Ax + s − b‖∞`.
    public var primalResidual: Double
    /// `‖Px + Aᵀz + q‖∞`.
    public var dualResidual: Double
    /// `|primalObjective − dualObjective|`.
    public var gap: Double
    /// Interior-point iterations taken.
    public var iterations: Int
    /// Seconds spent in setup and iterations (not in reading files).
    public var solveTime: Double
    /// Seconds spent in setup (equilibration, symbolic analysis).
    public var setupTime: Double
    /// With ``SolverStatus/insufficientMemory``: the estimated bytes of the smallest Newton form.
    public var requiredMemory: Double? = nil
    /// How the solve went: the Newton-system form, fallbacks, regularization changes, presolve
    /// summaries and per-iteration records (``SolveInfo``).
    public var info = SolveInfo()
}
