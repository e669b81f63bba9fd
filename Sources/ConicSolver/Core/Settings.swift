import Foundation
/// The scaling `H` (with `Δs = −dₛ − HΔz`) of the exponential and power cones, which have no
/// Nesterov–Todd scaling.
public enum NonsymmetricScaling: String, Sendable, Equatable, CaseIterable {
    /// `H = μ∇²F*(z)`, `μ = sᵀz/3` of the cone: fewer iterations on the benchmark's larger
    /// logistic regressions, but it ended some small test problems short of their tolerances
    /// (docs/benchmarks.md).
    case dual
    /// The primal–dual scaling of Dahl & Andersen (2022), the default: `H` maps `z ↦ s` and
    /// `−∇F(s) ↦ −∇F*(z)` (the dual scaling near the central path, where that is ill-defined).
    case primalDual = "primal-dual"
}

/// How the Newton system is factored.
public enum NewtonSystemForm: String, Sendable, Equatable, CaseIterable {
    /// Pick the cheaper form from CHOLMOD's symbolic analysis of both.
    case automatic
    /// Reduced SPD matrix `P + AᵀDA`, supernodal Cholesky (fast BLAS-3; fills with dense rows of `A`).
    case reduced
    /// Full quasi-definite matrix `[P Aᵀ; A −H]`, simplicial `LDLᵀ` (keeps the sparsity of `A`).
    case quasiDefinite = "quasi-definite"
    /// Dense `P + AᵀDA` assembled from the sparsity of each PSD cone's data, LAPACK Cholesky
    /// (the Schur-complement method of SDPA; for few variables and large PSD cones).
    case schurComplement = "schur"
}

/// Solver settings. Every field has a default; ``validated()`` (called by the solver) rejects
/// values out of range with ``ConicError/invalidSetting(_:)``.
public struct SolverSettings: Sendable, Equatable {
    /// Absolute tolerance on the duality gap.
    public var gapAbsoluteTolerance = 1e-8
    /// Relative tolerance on the duality gap.
    public var gapRelativeTolerance = 1e-8
    /// Tolerance on the relative primal and dual residuals.
    public var feasibilityTolerance = 1e-8
    /// How clearly an infeasibility certificate must separate: `−bᵀz ≥ ε‖b‖∞‖z‖∞` (primal) and
    /// `−qᵀx ≥ ε‖q‖∞‖x‖∞` (dual), so that a sign decided by rounding proves nothing.
    public var infeasibilityAbsoluteTolerance = 1e-8
    /// Tolerance on an infeasibility certificate's residual, relative to the data's scale:
    /// `‖Aᵀz‖∞/(−bᵀz) · max(1, ‖b‖∞/max|Aᵢⱼ|)` for a primal certificate, and the same form with
    /// `P`, `A` and `q` for a dual one (see `docs/solver.md`, "Statuses").
    public var infeasibilityRelativeTolerance = 1e-8
    /// Looser gap tolerance accepted for the "almost" statuses.
    public var reducedGapTolerance = 5e-5
    /// Looser feasibility tolerance accepted for the "almost" statuses.
    public var reducedFeasibilityTolerance = 1e-4
    /// Looser certificate tolerance accepted for the "almost infeasible" statuses.
    public var reducedInfeasibilityTolerance = 5e-5
    /// Maximum number of interior-point iterations.
    public var maxIterations = 200
    /// Wall-clock limit in seconds for the solve (setup included); `.infinity` for none.
    public var timeLimit = Double.infinity
    /// Print an iteration log (to ``logDestination``).
    public var verbose = false
    /// Where the iteration log goes: standard output by default; standard error for programs
    /// whose standard output carries results (such as JSON).
    public var logDestination = LogDestination.standardOutput
    /// Threads for BLAS; 0 chooses: one thread for small problems, the library default otherwise
    /// (see `docs/solver.md`). OpenBLAS's count is process-wide: solves that change it (a nonzero
    /// value, or the one-thread choice) run one at a time and restore it when they end.
    public var threads = 0
    /// Form of the Newton system and its factorization.
    public var newtonSystem = NewtonSystemForm.automatic
    /// Scaling of the exponential and power cones.
    public var nonsymmetricScaling = NonsymmetricScaling.primalDual
    /// Reduce PSD cones whose dual variable the data confine to a face (a variable without cost
    /// whose constraint matrix is semidefinite, such as `⟨11ᵀ, Z⟩ = 0`) before solving, and map the
    /// solution back (see `docs/solver.md`, "Facial reduction").
    public var facialReduction = true
    /// Split sparse PSD cones into cones on the cliques of a chordal extension of their pattern,
    /// when that makes the per-iteration work much smaller, and map the solution back (see
    /// `docs/solver.md`, "Chordal decomposition").
    public var chordalDecomposition = true
    /// Ruiz equilibration passes; 0 disables scaling.
    public var equilibrationIterations = 10
    /// Static regularization added to the `x` block of the Newton system.
    public var staticRegularization = 1e-8
    /// Regularization standing in for the zero block of equality rows in the Newton system.
    public var equalityRegularization = 1e-8
    /// Maximum iterative-refinement steps per Newton solve.
    public var refinementMaxIterations = 10
    /// Iterative refinement stops when the residual falls below this times the right-hand side norm.
    public var refinementRelativeTolerance = 1e-13
    /// Fraction of the step to the cone boundary that is taken.
    public var maxStepFraction = 0.99
    /// Bytes the Newton system (its pattern, assembly maps and factor) may take. Forms whose
    /// estimate exceeds it are never built; when none fits the solve ends with
    /// ``SolverStatus/insufficientMemory`` instead of failing an allocation. Default: 3/4 of the
    /// physical memory, or of the budget set through ``MemoryBudget`` (`CONIC_MEMORY_LIMIT`),
    /// which leaves room for the problem data and the iterates
    /// (``MemoryBudget/defaultSolverLimit()``).
    public var memoryLimit = MemoryBudget.defaultSolverLimit()

    /// Default settings.
    public init() {}

    /// Sets the gap, feasibility and infeasibility tolerances, absolute and relative, to `tolerance`
    /// (what `conic solve --tol` and the C API's `tol` key mean).
    public mutating func setTolerances(_ tolerance: Double) {
        gapAbsoluteTolerance = tolerance; gapRelativeTolerance = tolerance; feasibilityTolerance = tolerance
        infeasibilityAbsoluteTolerance = tolerance; infeasibilityRelativeTolerance = tolerance
    }

    /// Returns `self` after checking every field.
    public func validated() throws -> SolverSettings {
        func positive(_ value: Double, _ name: String) throws {
            guard value.isFinite, value > 0 else { throw ConicError.invalidSetting("\(name) must be positive and finite, got \(value)") }
        }
        try positive(gapAbsoluteTolerance, "gapAbsoluteTolerance")
        try positive(gapRelativeTolerance, "gapRelativeTolerance")
        try positive(feasibilityTolerance, "feasibilityTolerance")
        try positive(infeasibilityAbsoluteTolerance, "infeasibilityAbsoluteTolerance")
        try positive(infeasibilityRelativeTolerance, "infeasibilityRelativeTolerance")
        try positive(reducedGapTolerance, "reducedGapTolerance")
        try positive(reducedFeasibilityTolerance, "reducedFeasibilityTolerance")
        try positive(reducedInfeasibilityTolerance, "reducedInfeasibilityTolerance")
        try positive(staticRegularization, "staticRegularization")
        try positive(equalityRegularization, "equalityRegularization")
        try positive(refinementRelativeTolerance, "refinementRelativeTolerance")
        try positive(memoryLimit, "memoryLimit")
        guard maxIterations >= 0 else { throw ConicError.invalidSetting("maxIterations must be ≥ 0, got \(maxIterations)") }
        guard timeLimit > 0, !timeLimit.isNaN else { throw ConicError.invalidSetting("timeLimit must be positive, got \(timeLimit)") }
        guard threads >= 0, threads <= BLASThreads.maximum else {
            throw ConicError.invalidSetting("threads must lie in 0...\(BLASThreads.maximum), got \(threads)")
        }
        guard equilibrationIterations >= 0 else { throw ConicError.invalidSetting("equilibrationIterations must be ≥ 0") }
        guard refinementMaxIterations >= 0 else { throw ConicError.invalidSetting("refinementMaxIterations must be ≥ 0") }
        guard maxStepFraction > 0, maxStepFraction < 1 else {
            throw ConicError.invalidSetting("maxStepFraction must lie in (0, 1), got \(maxStepFraction)")
        }
        return self
    }
}

/// The stream that receives the solver's iteration log.
public enum LogDestination: Sendable, Equatable {
    case standardOutput
    case standardError
}
