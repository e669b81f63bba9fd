/// What a solve did on its way to its ``Solution``: the Newton-system form, the fallbacks and
/// regularization changes it needed, what presolve changed, and one record per iteration.
///
/// The same facts the verbose log prints, as values: a caller can tell, without parsing text,
/// whether a run switched forms or had to raise the regularization, and follow its convergence.
/// Gathering them costs one small record per iteration.
public struct SolveInfo: Sendable, Equatable {
    /// The Newton-system form of the last iteration (`nil` when none was built). Never
    /// ``NewtonSystemForm/automatic``: the automatic choice reports the form it picked.
    public var newtonSystem: NewtonSystemForm?
    /// The log's description of that form (factorization method, sizes).
    public var newtonSystemDescription: String = ""
    /// The fallbacks taken, in order.
    public var fallbacks: [Fallback] = []
    /// Steps redone with the Newton system's static regularization raised ×100 after their solves
    /// lost accuracy (each raise counts once).
    public var regularizationRaises = 0
    /// Steps redone with the static regularization lowered ×0.01 after a direction stalled.
    public var regularizationLowerings = 0
    /// Factorizations that succeeded only after raising the regularization (σ ×100 per retry),
    /// summed over the solve: the number of retries, not of factorizations.
    public var factorizationRetries = 0
    /// One entry per presolve pass, in the order applied.
    public var presolve: [PresolveSummary] = []
    /// One record per iterate, the starting point first.
    public var iterations: [IterationRecord] = []

    /// Creates an empty record.
    public init() {}

    /// A change of method in the middle of a solve.
    public struct Fallback: Sendable, Equatable {
        /// What changed. The raw values are the JSON contract (`conic solve --json`).
        public enum Kind: String, Sendable, Equatable, CaseIterable {
            /// The Newton matrix is assembled by a costlier, more accurate method from here on.
            case accurateAssembly = "accurate_assembly"
            /// The Newton system switched to another form (``SolveInfo/newtonSystem`` is the new one).
            case newtonSystem = "newton_system"
            /// The exponential and power cones use the dual scaling from here on.
            case dualScaling = "dual_scaling"
            /// The verdict reached after presolve did not hold for the problem as given, which
            /// was then solved without presolve.
            case presolveDiscarded = "presolve_discarded"
        }
        /// What changed.
        public var kind: Kind
        /// The iteration at which it changed (0 for the setup and the presolve verdict).
        public var iteration: Int
        /// The reason or the new method, as the log words it.
        public var detail: String

        /// Creates a record.
        public init(kind: Kind, iteration: Int, detail: String) {
            self.kind = kind; self.iteration = iteration; self.detail = detail
        }
    }

    /// What one presolve pass changed.
    public struct PresolveSummary: Sendable, Equatable {
        /// The presolve pass. The raw values are the JSON contract.
        public enum Pass: String, Sendable, Equatable, CaseIterable {
            /// ``SolverSettings/facialReduction``: PSD cones restricted to a face.
            case facialReduction = "facial_reduction"
            /// ``SolverSettings/chordalDecomposition``: sparse PSD cones split along their cliques.
            case chordalDecomposition = "chordal_decomposition"
        }
        /// The pass.
        public var pass: Pass
        /// One line per cone the pass changed (its order before and after, what was removed).
        public var changes: [String]

        /// Creates a summary.
        public init(pass: Pass, changes: [String]) {
            self.pass = pass; self.changes = changes
        }
    }

    /// Convergence measures of one iterate: the columns of the verbose log.
    public struct IterationRecord: Sendable, Equatable {
        /// Iteration number, 0 for the starting point.
        public var iteration: Int
        /// Primal and dual objectives at `(x, s, z)/τ`, in the original data.
        public var primalObjective: Double, dualObjective: Double
        /// Relative duality gap `|p − d| / max(1, min(|p|, |d|))`.
        public var gap: Double
        /// Relative primal and dual residuals (as in the stopping test).
        public var primalResidual: Double, dualResidual: Double
        /// `κ/τ` of the homogeneous embedding (grows on infeasible problems).
        public var kappaOverTau: Double
        /// Barrier parameter `μ = (sᵀz + τκ)/(ν + 1)`.
        public var mu: Double
        /// Length `α` of the step that led to this iterate (`nil` for the starting point).
        public var step: Double?
        /// Centering parameter `σ = (1 − α_affine)³` of that step (`nil` for the starting point).
        public var sigma: Double?

        /// Creates a record.
        public init(iteration: Int, primalObjective: Double, dualObjective: Double, gap: Double, primalResidual: Double,
                    dualResidual: Double, kappaOverTau: Double, mu: Double, step: Double?, sigma: Double?) {
            self.iteration = iteration; self.primalObjective = primalObjective; self.dualObjective = dualObjective
            self.gap = gap; self.primalResidual = primalResidual; self.dualResidual = dualResidual
            self.kappaOverTau = kappaOverTau; self.mu = mu; self.step = step; self.sigma = sigma
        }
    }
}
