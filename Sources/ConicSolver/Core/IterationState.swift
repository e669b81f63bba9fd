/// One interior-point iteration's worth of state: the ``Variables`` and their ``Residuals`` in the
/// scaled data, the Newton step (predictor–corrector, with its work arrays) and what a step may
/// need to recover — another Newton form, the dual scaling of the non-symmetric cones, the
/// ``RegularizationLadder``. The stopping tests and the best iterate are in ``Termination``, kept
/// by the solver loop.
struct IterationState {
    enum StepResult { case success(Double), failure(SolverStatus) }

    let problem: ConicProblem
    /// The equilibrated data (``data`` as a whole; its parts by name).
    let data: ScaledProblem
    let P: SparseMatrix, A: SparseMatrix, q: [Double], b: [Double]
    let scaling: Equilibration
    let cones: ConeProduct
    /// The Newton-system solver, and the other form to switch to once if it loses accuracy.
    private(set) var kkt: any KKTSolver
    /// Built on demand with the measured seconds per iteration of the current form.
    var fallback: ((Double) -> (any KKTSolver)?)?
    /// What the Newton-system calls of the current step may do.
    private var options: NewtonSystemOptions
    /// Wall-clock seconds of the last step.
    private(set) var lastStepSeconds = 0.0
    /// The iteration the next step starts from (for the records in ``info``).
    var iteration = 0
    /// Centering parameter `σ` of the last step taken.
    private(set) var lastSigma = 0.0
    /// The fallbacks and regularization changes so far (the solver adds the rest of ``SolveInfo``).
    private(set) var info = SolveInfo()
    let settings: SolverSettings
    let n: Int, m: Int

    /// The current iterate.
    var iterate: Variables
    /// Its residuals (``computeResiduals()``).
    var residuals: Residuals

    /// Work space of the Newton step.
    private var work: StepWorkspace
    private let dataScale: DataScale
    private var normB: Double { dataScale.normB }
    private var normQ: Double { dataScale.normQ }

    init(problem: ConicProblem, scaled: ScaledProblem,
         cones: ConeProduct, kkt: any KKTSolver, settings: SolverSettings) {
        self.problem = problem
        data = scaled
        P = scaled.P; A = scaled.A; q = scaled.q; b = scaled.b; scaling = scaled.scaling
        self.cones = cones; self.kkt = kkt; self.settings = settings
        n = problem.variableCount; m = problem.constraintCount
        iterate = Variables(n: n, m: m)
        residuals = Residuals(n: n, m: m)
        work = StepWorkspace(n: n, m: m)
        dataScale = DataScale(problem)
        options = NewtonSystemOptions(solveTolerance: settings.refinementRelativeTolerance)
    }

    /// Barrier parameter `μ = (sᵀz + τκ)/(ν + 1)`.
    var mu: Double { (dot(iterate.s, iterate.z) + iterate.tau * iterate.kappa) / Double(cones.degree + 1) }

    /// Starting point: with `H = I`, solve `[P Aᵀ; A −I][x; z] = [−q; b]`, set `s = −z` and shift
    /// `s` and `z` into the interior of their cones; `τ = κ = 1`. When that system has no
    /// solution (inconsistent equalities: the refinement cannot remove the regularization), start
    /// from `x = 0`, `s = z = e` instead, which the homogeneous embedding accepts as well.
    mutating func initialize() -> Bool {
        cones.setIdentityScaling()
        iterate.tau = 1; iterate.kappa = 1
        // Non-symmetric cones start at their central unit point (as Clarabel does): the shifted
        // least-squares point below is not central for them, which costs their safeguarded steps.
        if cones.hasNonsymmetric {
            fill(&iterate.x, 0)
            cones.setToIdentity(&iterate.s)
            cones.setToIdentity(&iterate.z)
            return true
        }
        guard refactor() else { return false }
        var rhsX = q
        for j in 0..<n { rhsX[j] = -q[j] }
        iterate.tau = 1; iterate.kappa = 1
        guard case .success(let start) = kkt.solve(rx: rhsX, rz: b, x: &iterate.x, z: &iterate.z, options: options), start.residual < 1e-8 else {
            fill(&iterate.x, 0)
            cones.setToIdentity(&iterate.s)
            cones.setToIdentity(&iterate.z)
            return true
        }
        for i in 0..<m { iterate.s[i] = -iterate.z[i] }
        var zeroSlack = iterate.s
        cones.setToIdentity(&zeroSlack)  // zero on equality rows, the identity elsewhere
        for (cone, r) in zip(cones.cones, cones.ranges) where cone.isZero {
            for i in r { iterate.s[i] = zeroSlack[i] }
        }
        cones.shiftToInterior(&iterate.s)
        cones.shiftToInterior(&iterate.z, dual: true)
        return true
    }

    /// Evaluates the residuals of the current iterate.
    mutating func computeResiduals() {
        residuals.update(iterate, data: data)
    }

    /// Convergence measures in the original data (uses the residuals of `computeResiduals`).
    func metrics() -> IterationMetrics {
        var r = IterationMetrics()
        let c = scaling.c, d = scaling.d, e = scaling.e
        r.tau = iterate.tau; r.kappa = iterate.kappa
        r.primalObjective = (0.5 * residuals.xPx / (iterate.tau * iterate.tau) + residuals.qx / iterate.tau) / c + problem.objectiveConstant
        r.dualObjective = (-0.5 * residuals.xPx / (iterate.tau * iterate.tau) - residuals.bz / iterate.tau) / c + problem.objectiveConstant
        r.gapAbsolute = abs(r.primalObjective - r.dualObjective)
        r.gapRelative = r.gapAbsolute / max(1, min(abs(r.primalObjective), abs(r.dualObjective)))
        var normX = 0.0, normS = 0.0, normZ = 0.0, resP = 0.0, resD = 0.0
        for j in 0..<n {
            normX = max(normX, abs(d[j] * iterate.x[j]))
            resD = max(resD, abs(residuals.rx[j] / d[j]))
        }
        for i in 0..<m {
            normS = max(normS, abs(iterate.s[i] / e[i]))
            normZ = max(normZ, abs(e[i] * iterate.z[i]))
            resP = max(resP, abs(residuals.rz[i] / e[i]))
        }
        normX /= iterate.tau; normS /= iterate.tau; normZ /= c * iterate.tau
        r.primalResidual = resP / iterate.tau / max(1, normB + normX + normS)
        r.dualResidual = resD / (c * iterate.tau) / max(1, normQ + normX + normZ)
        // Against the data alone, evaluated on (x, s, z)/τ in the original data: on ill-posed
        // problems x/τ can grow so large that Ax + s − b, computed there, is far from zero while
        // the scaled residual cancels exactly (SDPLIB hinf12: 1e-30 scaled, 0.7 in the data).
        let point = originalPoint()
        let original = problem.pointResiduals(x: point.x, s: point.s, z: point.z)
        r.primalResidualScale = max(resP / iterate.tau, original.primal) / max(1, normB)
        r.dualResidualScale = max(resD / (c * iterate.tau), original.dual) / max(1, normQ)
        r.primalRowwise = original.primalRowwise
        r.dualRowwise = original.dualRowwise
        // Certificates, in the original data, judged against the data's scale (DataScale):
        // bᵀz_orig = bz/c, Aᵀz_orig = D⁻¹Âᵀẑ/c (the common factor 1/c cancels in the ratio).
        // `bᵀz < 0` must also be clear of rounding: −bᵀz ≥ ε_abs ‖b‖∞ ‖z‖∞ (and the same for qᵀx).
        if residuals.bz < 0, -residuals.bz >= settings.infeasibilityAbsoluteTolerance * normB * normZ * c * iterate.tau {
            var worst = 0.0
            for j in 0..<n { worst = max(worst, abs(residuals.Atz[j] / d[j])) }
            r.primalInfeasibility = dataScale.primalInfeasibility(transposeProductNorm: worst, bz: residuals.bz)
        }
        if residuals.qx < 0, -residuals.qx / c >= settings.infeasibilityAbsoluteTolerance * normQ * normX * iterate.tau {
            // qᵀx_orig = q̂ᵀx̂/c; P x_orig = D⁻¹P̂x̂/c; A x_orig + s_orig = E⁻¹(Âx̂ + ŝ).
            var px = 0.0, axs = 0.0
            for j in 0..<n { px = max(px, abs(residuals.Px[j] / d[j])) }
            for i in 0..<m { axs = max(axs, abs((residuals.Ax[i] + iterate.s[i]) / e[i]) * c) }
            r.dualInfeasibility = dataScale.dualInfeasibility(quadraticNorm: px, slackResidualNorm: axs, qx: residuals.qx)
        }
        return r
    }

    /// Refinement tolerance of Newton solves far from a solution.
    static let loosestSolveTolerance = 1e-8

    /// A Newton solve whose relative residual stays above this after refinement is inaccurate.
    static let inaccurateSolve = 1e-3

    /// One predictor–corrector step; returns the step length taken. When the Newton system cannot
    /// be factored or solved accurately and a fallback form exists, it switches form once and
    /// retries.
    mutating func step(_ metrics: IterationMetrics) -> StepResult {
        // Newton solves need accuracy relative to what is left to gain: a thousandth of the
        // smallest of the residuals and the gap, between the settings' tolerance and 1e-8.
        let progress = min(metrics.primalResidual, metrics.dualResidual, metrics.gapRelative)
        options.solveTolerance = max(settings.refinementRelativeTolerance, min(Self.loosestSolveTolerance, 1e-3 * progress))
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            let d = clock.now - start
            lastStepSeconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        ladder.beginStep()
        feasibilityStillToGain = metrics.primalResidual > settings.feasibilityTolerance || metrics.dualResidual > settings.feasibilityTolerance
        var result = attemptStep()
        // A lowered regularization this matrix cannot be factored with: back one level, for good.
        if case .failure = result, ladder.recoverFromFailure() {
            result = attemptStep()
        }
        if case .failure = result, cones.usesPrimalDualScaling {
            // A primal–dual scaling that cannot be factored or solved with: the dual one.
            cones.switchToDualScaling()
            noteFallback(.dualScaling, "the step failed with the primal–dual scaling")
            if settings.verbose { writeLog("  the dual scaling from here on (the step failed with the primal–dual one)", to: settings.logDestination) }
            result = attemptStep()
        }
        guard case .failure = result, switchToFallback() else { return result }
        return attemptStep()
    }

    /// The outcome of one trial of a step.
    private enum Trial {
        /// The step was taken, or failed.
        case finished(StepResult)
        /// Something changed (scale, accuracy, form, scaling): compute the step again.
        case redo
    }

    /// Trials of the step until one finishes.
    private mutating func attemptStep() -> StepResult {
        while true {
            if case .finished(let result) = trialStep() { return result }
        }
    }

    /// Replaces the Newton-system solver by the fallback form, once; `false` when there is none.
    private mutating func switchToFallback() -> Bool {
        let other = fallback?(lastStepSeconds)
        fallback = nil
        guard let other else { return false }
        if settings.verbose { writeLog("  switching the Newton system to: \(other.methodName)", to: settings.logDestination) }
        noteFallback(.newtonSystem, other.methodName)
        // The new form starts as built: the usual assembly at the static regularization (the
        // step's tolerance carries over).
        ladder.restartForNewForm()
        options.accuracy = .standard
        kkt = other
        return true
    }

    /// Refactors the Newton system with the step's options; `false` when it cannot be factored.
    private mutating func refactor() -> Bool {
        guard case .success(let factorization) = kkt.update(options) else { return false }
        info.factorizationRetries += factorization.retries
        return true
    }

    /// Counts and logs a change of the ladder.
    private mutating func noteLadder(_ change: RegularizationLadder.Change) {
        switch change {
        case .raised:
            info.regularizationRaises += 1
            if settings.verbose {
                writeLog("  raising the Newton-system regularization ×\(ladder.scale)", to: settings.logDestination)
            }
        case .backToBase:
            break
        case .lowered:
            info.regularizationLowerings += 1
            if settings.verbose {
                writeLog("  lowering the Newton-system regularization to ×\(ladder.baseScale): the direction does not reduce the residuals", to: settings.logDestination)
            }
        case let .loweringUndone(ratio, before):
            if settings.verbose {
                writeLog("  the lower regularization did not help (\(ratio) against \(before)): back to the previous one", to: settings.logDestination)
            }
        }
    }

    private mutating func noteFallback(_ kind: SolveInfo.Fallback.Kind, _ detail: String) {
        info.fallbacks.append(.init(kind: kind, iteration: iteration, detail: detail))
    }

    /// The regularization scale of each trial and the decision to redo a step at another one.
    private var ladder = RegularizationLadder()

    /// Largest relative residual of the Newton solves of the current step.
    private var worstSolveResidual = 0.0
    /// Whether the residuals are still above the feasibility tolerance at the start of this step.
    private var feasibilityStillToGain = false

    /// Computes the step at the ladder's scale and takes it, or asks for it to be redone.
    private mutating func trialStep() -> Trial {
        options.regularizationScale = ladder.scale
        worstSolveResidual = 0
        guard cones.updateScaling(s: iterate.s, z: iterate.z) else { return .finished(.failure(.numericalError)) }
        guard refactor() else { return .finished(.failure(.numericalError)) }
        // Constant part: [P Aᵀ; A −H][x1; z1] = [−q; b].
        for j in 0..<n { work.dx[j] = -q[j] }
        guard case .success(let constant) = kkt.solve(rx: work.dx, rz: b, x: &work.x1, z: &work.z1, options: options) else {
            return .finished(.failure(.numericalError))
        }
        worstSolveResidual = max(worstSolveResidual, constant.residual)
        // Δτ's denominator (2Pξ + q)ᵀx₁ + bᵀz₁ − ξᵀPξ − κ/τ with ξ = x/τ. For an exact solve it
        // equals −(‖x₁ − ξ‖²_P + ‖Wz₁‖² + κ/τ) < 0; evaluated directly it stays consistent with
        // the regularized solve when K is singular (dependent, inconsistent equalities), where the
        // identity would not.
        var gradTau = q; for j in 0..<n { gradTau[j] += 2 * residuals.Px[j] / iterate.tau }  // 2Pξ + q
        var denominator = dot(gradTau, work.x1) + dot(b, work.z1) - residuals.xPx / (iterate.tau * iterate.tau) - iterate.kappa / iterate.tau
        if !(denominator < 0) {
            var diff = work.x1; for j in 0..<n { diff[j] -= iterate.x[j] / iterate.tau }
            let Pdiff = P.symmetricMultiply(diff)
            work.z1.withUnsafeBufferPointer { zp in work.Hz.withUnsafeMutableBufferPointer { cones.multiplyHessian(zp, into: $0) } }
            denominator = -(dot(diff, Pdiff) + dot(work.z1, work.Hz) + iterate.kappa / iterate.tau)
        }

        let mu = self.mu
        // Predictor.
        let affine = direction(sigma: 0, corrector: nil, gradTau: gradTau, denominator: denominator)
        guard let affine else { return .finished(.failure(.numericalError)) }
        work.affineS = work.deltaS; work.affineZ = work.deltaZ
        let alphaAffine = stepLength(deltaTau: affine.deltaTau, deltaKappa: affine.deltaKappa, maxStep: 1)
        let sigma = pow3(1 - alphaAffine)
        // Corrector.
        let corrector = (work.affineS, work.affineZ, sigma * mu, affine.deltaTau * affine.deltaKappa)
        guard let combined = direction(sigma: sigma, corrector: corrector, gradTau: gradTau, denominator: denominator) else {
            return .finished(.failure(.numericalError))
        }
        if worstSolveResidual > Self.inaccurateSolve {
            // This form lost accuracy: build it more accurately if it can (once), else switch to
            // the other form (once), and redo the step. Without either the step is taken anyway —
            // such steps still gain digits on the objective near the end of SDPs — and the loop
            // keeps the best iterate (`Termination`).
            if options.accuracy == .standard, kkt.offersIncreasedAccuracy {
                options.accuracy = .increased
                noteFallback(.accurateAssembly, "the Newton solves lost accuracy")
                if settings.verbose { writeLog("  building the Newton system more accurately", to: settings.logDestination) }
                return .redo
            }
            if switchToFallback() { return .redo }
            // Without another form: the ladder raises the regularization for this step.
            if case .redo(let change) = ladder.afterInaccurateSolves() {
                noteLadder(change)
                return .redo
            }
        } else {
            // Not with exponential or power cones: there a direction that fails to reduce the
            // residuals comes from the scaling near a cone's boundary, and lowering the
            // regularization made the steps collapse (german-credit logistic regression: 35
            // steps of 1e-5–1e-2 after the first lowering, 80 iterations against 15 without).
            let mayLower = feasibilityStillToGain && kkt.regularizationMayBeLowered && !cones.hasNonsymmetric
            let ratio = ladder.judgesDirection(mayLower: mayLower) ? stallRatio(sigma: sigma, deltaTau: combined.deltaTau) : nil
            if case .redo(let change) = ladder.afterAccurateSolves(stallRatio: ratio) {
                noteLadder(change)
                return .redo
            }
        }
        let alpha = settings.maxStepFraction * stepLength(deltaTau: combined.deltaTau, deltaKappa: combined.deltaKappa, maxStep: 1 / settings.maxStepFraction)
        var alphaTaken = min(alpha, 1)
        // Rounding can put a point computed at 0.99 of the distance to the boundary just
        // outside a cone (second-order cones far from their axis): shorten the step until the
        // new point is interior as the next scaling update will judge it.
        var trialS = iterate.s, trialZ = iterate.z
        for _ in 0..<30 {
            for i in 0..<m { trialS[i] = iterate.s[i] + alphaTaken * work.deltaS[i]; trialZ[i] = iterate.z[i] + alphaTaken * work.deltaZ[i] }
            if cones.isInterior(trialS) && cones.isInterior(trialZ, dual: true) { break }
            alphaTaken *= 0.8
        }
        if cones.hasNonsymmetric { alphaTaken = centralStep(alphaTaken, combined: combined, trialS: &trialS, trialZ: &trialZ) }
        if alphaTaken < Self.minimumPrimalDualStep, mu < Self.dualScalingSwitchMu, cones.usesPrimalDualScaling {
            // Late in a solve the primal–dual scaling of the exponential and power cones runs
            // into their boundary: the predictor itself stops short (0.1–0.4 on the logistic
            // regressions once μ ≈ 1e-7; Clarabel's steps there are as short). Redo the step with
            // the dual scaling and keep it for the rest of the solve, as Clarabel does.
            cones.switchToDualScaling()
            noteFallback(.dualScaling, "a step of \(alphaTaken) with the primal–dual scaling")
            if settings.verbose {
                writeLog("  step \(alphaTaken) with the primal–dual scaling: the dual scaling from here on", to: settings.logDestination)
            }
            return .redo
        }
        for j in 0..<n { iterate.x[j] += alphaTaken * work.deltaX[j] }
        iterate.s = trialS; iterate.z = trialZ
        iterate.tau += alphaTaken * combined.deltaTau
        iterate.kappa += alphaTaken * combined.deltaKappa
        lastSigma = sigma
        return .finished(.success(alphaTaken))
    }

    private func pow3(_ v: Double) -> Double { v * v * v }

    /// The centrality safeguard of the non-symmetric cones: shortens the step `α` (by 0.8 at a
    /// time, as long as that leaves a step of at least ``minimumCentralStepFraction`` of it)
    /// until every non-symmetric cone's barrier measure at the new point is within
    /// ``neighborhood`` of the central path. Those cones have no Nesterov–Todd scaling that
    /// keeps a long step well centered; a point near their boundary makes the next primal–dual
    /// scaling, and the step after it, poor.
    private func centralStep(_ alpha: Double, combined: (deltaTau: Double, deltaKappa: Double),
                             trialS: inout [Double], trialZ: inout [Double]) -> Double {
        // A point already outside the neighborhood is not asked to get back in at once, only
        // not to get worse: shortening towards it cannot do better than it.
        let bound = max(Self.neighborhood, cones.worstProximity(s: iterate.s, z: iterate.z, mu: mu))
        var alphaTaken = alpha
        for _ in 0..<Self.maximumCentralShortenings {
            let newTau = iterate.tau + alphaTaken * combined.deltaTau, newKappa = iterate.kappa + alphaTaken * combined.deltaKappa
            let newMu = (dot(trialS, trialZ) + newTau * newKappa) / Double(cones.degree + 1)
            if cones.worstProximity(s: trialS, z: trialZ, mu: newMu) <= bound { break }
            let shorter = alphaTaken * 0.8
            guard shorter >= Self.minimumCentralStepFraction * alpha else {
                // Shortening does not bring the point back: take the whole step rather than none.
                alphaTaken = alpha
                for i in 0..<m { trialS[i] = iterate.s[i] + alphaTaken * work.deltaS[i]; trialZ[i] = iterate.z[i] + alphaTaken * work.deltaZ[i] }
                break
            }
            alphaTaken = shorter
            for i in 0..<m { trialS[i] = iterate.s[i] + alphaTaken * work.deltaS[i]; trialZ[i] = iterate.z[i] + alphaTaken * work.deltaZ[i] }
        }
        return alphaTaken
    }

    /// A combined step shorter than this with the primal–dual scaling of the non-symmetric
    /// cones moves them to the dual scaling (Clarabel's `min_switch_step_length` is 0.1). Chosen
    /// on the exponential-cone benchmark: 0.1, 0.3 and 0.5 each leave 4–5 of its 16 problems
    /// `almost_solved`; 0.3 solves GP 50 (103 iterations; 0.1: 200, `almost_solved`); never
    /// switching leaves 10.
    static let minimumPrimalDualStep = 0.3

    /// The switch to the dual scaling is for the end of a solve only: switched at `μ ≈ 2·10⁻²` (a
    /// short step at iteration 6 of a 12-point logistic training program), the dual scaling
    /// then crawled with steps of `2·10⁻⁴` to the iteration limit; switched below this `μ` it
    /// solves in 26 iterations.
    static let dualScalingSwitchMu = 1e-4

    /// Bound on the non-symmetric cones' barrier measure after a step (0 on the central path).
    /// Chosen on the exponential-cone benchmark's logistic regressions (with the primal–dual
    /// scaling: 6 let steps stall at the boundary, 38 iterations on pima against 23; 1 cut steps
    /// short, 46).
    static let neighborhood = 2.0
    static let maximumCentralShortenings = 30
    /// The safeguard never shortens a step below this fraction of the longest interior one.
    static let minimumCentralStepFraction = 1e-3

    /// Solves the Newton system for the targets `d = (1 − σ) r` and the centrality target `t`
    /// (predictor when `corrector` is `nil`); fills `deltaX`, `deltaZ`, `deltaS`.
    private mutating func direction(sigma: Double, corrector: (dS: [Double], dZ: [Double], sigmaMu: Double, dTauDKappa: Double)?,
                                    gradTau: [Double], denominator: Double) -> (deltaTau: Double, deltaKappa: Double)? {
        let keep = 1 - sigma
        // ds from the cones: s for the predictor, Wᵀ(λ \ t) for the corrector.
        if let c = corrector {
            cones.slackOffset(into: &work.ds, target: &work.target, corrector: (c.dS, c.dZ, c.sigmaMu))
        } else {
            work.ds = iterate.s
        }
        let dtau = keep * residuals.rtau
        let dkappa = iterate.kappa * iterate.tau + (corrector.map { $0.dTauDKappa - $0.sigmaMu } ?? 0)
        for j in 0..<n { work.dx[j] = -keep * residuals.rx[j] }
        for i in 0..<m { work.dz[i] = -keep * residuals.rz[i] + work.ds[i] }
        guard case .success(let solve) = kkt.solve(rx: work.dx, rz: work.dz, x: &work.x2, z: &work.z2, options: options) else { return nil }
        worstSolveResidual = max(worstSolveResidual, solve.residual)
        let numerator = -dtau + dkappa / iterate.tau - dot(gradTau, work.x2) - dot(b, work.z2)
        let deltaTau = numerator / denominator
        guard deltaTau.isFinite else { return nil }
        for j in 0..<n { work.deltaX[j] = work.x2[j] + deltaTau * work.x1[j] }
        for i in 0..<m { work.deltaZ[i] = work.z2[i] + deltaTau * work.z1[i] }
        if kkt.slackFromPrimalEquation {
            // AΔx + Δs − bΔτ = −(1 − σ) r_z, exact whatever the rounding of H⁻¹ in Δz.
            work.deltaX.withUnsafeBufferPointer { xp in
                work.deltaS.withUnsafeMutableBufferPointer { out in
                    for i in 0..<m { out[i] = -keep * residuals.rz[i] + deltaTau * b[i] }
                    A.multiplyAdd(xp, into: out, scale: -1)
                    // Equality rows keep s = 0 (the regularized solve leaves AΔx − bΔτ off by δΔz there).
                    for (cone, range) in zip(cones.cones, cones.ranges) where cone.isZero {
                        for i in range { out[i] = 0 }
                    }
                }
            }
        } else {
            work.deltaZ.withUnsafeBufferPointer { zp in work.deltaS.withUnsafeMutableBufferPointer { cones.multiplyHessian(zp, into: $0) } }
            for i in 0..<m { work.deltaS[i] = -work.ds[i] - work.deltaS[i] }
        }
        let deltaKappa = -(dkappa + iterate.kappa * deltaTau) / iterate.tau
        return (deltaTau, deltaKappa)
    }

    /// How far the current direction (`deltaX`, `deltaS`, `deltaZ`, `Δτ`) leaves the primal
    /// equation `AΔx + Δs − bΔτ = −(1 − σ)r_z` or the dual one `PΔx + AᵀΔz + qΔτ = −(1 − σ)r_x`
    /// off, as a fraction of the right-hand side: above ``RegularizationLadder/stalledDirection`` a step along it
    /// cannot reduce that residual.
    private mutating func stallRatio(sigma: Double, deltaTau: Double) -> Double {
        let keep = 1 - sigma
        var primalError = 0.0, primalTarget = 0.0, dualError = 0.0, dualTarget = 0.0
        fill(&work.Hz, 0)  // work array, here AΔx
        work.deltaX.withUnsafeBufferPointer { xp in work.Hz.withUnsafeMutableBufferPointer { A.multiplyAdd(xp, into: $0, scale: 1) } }
        for i in 0..<m {
            primalError = max(primalError, abs(work.Hz[i] + work.deltaS[i] - deltaTau * b[i] + keep * residuals.rz[i]))
            primalTarget = max(primalTarget, keep * abs(residuals.rz[i]))
        }
        var dualLhs = [Double](repeating: 0, count: n)
        dualLhs.withUnsafeMutableBufferPointer { out in
            work.deltaX.withUnsafeBufferPointer { P.symmetricMultiplyAdd($0, into: out, scale: 1) }
            work.deltaZ.withUnsafeBufferPointer { A.transposeMultiplyAdd($0, into: out, scale: 1) }
        }
        for j in 0..<n {
            dualError = max(dualError, abs(dualLhs[j] + deltaTau * q[j] + keep * residuals.rx[j]))
            dualTarget = max(dualTarget, keep * abs(residuals.rx[j]))
        }
        // A residual that is already exactly zero asks for no reduction.
        return max(primalTarget > 0 ? primalError / primalTarget : 0, dualTarget > 0 ? dualError / dualTarget : 0)
    }

    /// Largest step ≤ `maxStep` keeping `s`, `z`, `τ`, `κ` interior along the current direction.
    private func stepLength(deltaTau: Double, deltaKappa: Double, maxStep: Double) -> Double {
        var alpha = maxStep
        if deltaTau < 0 { alpha = min(alpha, -iterate.tau / deltaTau) }
        if deltaKappa < 0 { alpha = min(alpha, -iterate.kappa / deltaKappa) }
        return cones.stepLength(s: iterate.s, deltaS: work.deltaS, z: iterate.z, deltaZ: work.deltaZ, maxStep: alpha)
    }

    /// `(x, s, z)/τ` in the original data.
    private func originalPoint() -> (x: [Double], s: [Double], z: [Double]) {
        let c = scaling.c, d = scaling.d, e = scaling.e
        var xo = iterate.x, so = iterate.s, zo = iterate.z
        for j in 0..<n { xo[j] = d[j] * iterate.x[j] / iterate.tau }
        for i in 0..<m { so[i] = iterate.s[i] / e[i] / iterate.tau; zo[i] = e[i] * iterate.z[i] / (c * iterate.tau) }
        return (xo, so, zo)
    }

    /// The solution in the original data for the final status.
    func solution(status: SolverStatus) -> Solution {
        let c = scaling.c, d = scaling.d, e = scaling.e
        let nan = Double.nan
        var xo = [Double](repeating: nan, count: n), so = [Double](repeating: nan, count: m), zo = so
        var pobj = nan, dobj = nan
        switch status {
        case .primalInfeasible, .almostPrimalInfeasible:
            let scale = 1 / (-residuals.bz / c)
            for i in 0..<m { zo[i] = e[i] * iterate.z[i] / c * scale }
        case .dualInfeasible, .almostDualInfeasible:
            let scale = 1 / (-residuals.qx / c)
            for j in 0..<n { xo[j] = d[j] * iterate.x[j] * scale }
            for i in 0..<m { so[i] = iterate.s[i] / e[i] * scale }
        default:
            (xo, so, zo) = originalPoint()
            let r = metrics()
            pobj = r.primalObjective; dobj = r.dualObjective
        }
        // Residuals are reported unnormalized, in the original data.
        var primalResidual = nan, dualResidual = nan
        if !status.isInfeasible {
            (primalResidual, dualResidual) = problem.residuals(x: xo, s: so, z: zo)
        }
        return Solution(status: status, x: xo, s: so, z: zo, primalObjective: pobj, dualObjective: dobj,
                        primalResidual: primalResidual, dualResidual: dualResidual, gap: abs(pobj - dobj),
                        iterations: 0, solveTime: 0, setupTime: 0)
    }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            var sum = 0.0
            for i in 0..<a.count { sum += a[i] * b[i] }
            return sum
        }
    }
}

@inline(__always) func fill(_ a: inout [Double], _ value: Double) {
    a.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
}

/// The work arrays of a Newton step, allocated once: the solutions of the constant part
/// (`x1`, `z1`) and of the step's own right-hand side (`x2`, `z2`), that right-hand side (`dx`,
/// `dz`, with `ds` and the centrality `target` from the cones), the direction (`deltaX`,
/// `deltaZ`, `deltaS`), the predictor's slack and dual parts (`affineS`, `affineZ`), and a
/// product scratch (`Hz`).
private struct StepWorkspace {
    var x1: [Double], z1: [Double], x2: [Double], z2: [Double]
    var dx: [Double], dz: [Double], ds: [Double], target: [Double]
    var deltaX: [Double], deltaZ: [Double], deltaS: [Double]
    var affineS: [Double], affineZ: [Double]
    var Hz: [Double]

    init(n: Int, m: Int) {
        let zn = [Double](repeating: 0, count: n), zm = [Double](repeating: 0, count: m)
        x1 = zn; z1 = zm; x2 = zn; z2 = zm; dx = zn; dz = zm; ds = zm; target = zm
        deltaX = zn; deltaZ = zm; deltaS = zm; affineS = zm; affineZ = zm; Hz = zm
    }
}
