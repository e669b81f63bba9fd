/// The recovery strategy for the static regularization of the Newton system: the scale
/// (``NewtonSystemOptions/regularizationScale``) each trial of a step factors with, and the
/// decision to redo a step at another scale.
///
/// Two repairs move the scale in opposite directions.
///
/// - Raising: a step whose Newton solves stay inaccurate after the form's own remedies is redone
///   with the scale ×100, at most ``maximumRaises`` times; the accuracy comes back through
///   refinement against the exact matrix. If that does not make the solves accurate, the step is
///   redone once more at the base scale and taken as computed (such steps still gain digits on
///   the objective near the end of SDPs). After ``maximumFailedRaises`` consecutive steps whose
///   raises failed, raising is not tried again until a raise succeeds.
/// - Lowering: refinement against the exact matrix converges at rate ≈ δ/(δ + λ) on a mode of
///   eigenvalue λ, so a matrix with eigenvalues far below δ (Maros–Mészáros LISWET: second
///   differences over 10⁴ points, λ_min(AAᵀ) ≈ 1e-14) is never solved accurately enough, and the
///   iterates converge to a point 3–92 % off the optimum with a relative residual of 1e-7. When a
///   direction stalls (its equations hold no better than ``stalledDirection`` of the reduction it
///   asks for) while feasibility is still to gain, the base scale is lowered ×0.01, down to
///   ``lowestScale``, and the step redone. A redo worse by ``worseningAfterLowering`` undoes the
///   lowering; after ``maximumFailedLowerings`` undos, or any raise or failure at a lowered
///   scale, lowering ends for the solve.
struct RegularizationLadder {
    /// Where the current step stands on raising.
    enum Raising: Equatable {
        /// At the step's base scale.
        case notRaised
        /// Raised this many times (×100 each).
        case raised(Int)
        /// The raises did not make the solves accurate: redone at the base scale, to be taken as computed.
        case gaveUp
    }

    /// What a trial's outcome asks for.
    enum Decision: Equatable {
        /// Take the step as computed.
        case proceed
        /// Redo the step at ``RegularizationLadder/scale`` after this change.
        case redo(Change)
    }

    /// A change of scale that makes a step be redone.
    enum Change: Equatable {
        /// Raised ×100 after inaccurate solves.
        case raised
        /// Back to the base scale after raises that did not help.
        case backToBase
        /// The base scale lowered ×0.01 after a stalled direction.
        case lowered
        /// A lowering undone: the redone direction's stall ratio against the one that caused it.
        case loweringUndone(ratio: Double, before: Double)
    }

    /// The scale of the next trial.
    private(set) var scale = 1.0
    /// The scale each step starts at: 1, or lower after lowerings.
    private(set) var baseScale = 1.0
    private(set) var raising = Raising.notRaised
    /// Consecutive steps whose raises did not make the solves accurate.
    private var failedRaises = 0
    private var lowerable = true
    /// The stall ratio of the direction that made this step lower the scale: the redo must beat it.
    private var loweringTrial: Double?
    private var loweringTriedThisStep = false
    private var failedLowerings = 0

    static let maximumRaises = 2
    static let maximumFailedRaises = 3
    static let maximumFailedLowerings = 3
    /// A lowering is undone when the redone direction is worse by this factor: the solves at the
    /// lower level are then unstable, not merely slow to refine (LISWET8 gets through steps that
    /// are 50–100× worse for a step or two and ends `solved`).
    static let worseningAfterLowering = 1e3
    static let lowestScale = 1e-6
    /// A direction whose equations hold no better than this fraction of the reduction it asks
    /// for on the primal or dual residual is treated as stalled.
    static let stalledDirection = 0.5

    /// Starts a step at the base scale.
    mutating func beginStep() {
        raising = .notRaised
        loweringTrial = nil
        loweringTriedThisStep = false
        scale = baseScale
    }

    /// A new Newton form starts at scale 1, whatever the base scale (it is not factored yet).
    mutating func restartForNewForm() { scale = 1 }

    /// After a step failed outright (no factorization, or solves that are not finite): with a
    /// lowered base scale, back one level for good and `true` to retry the step.
    mutating func recoverFromFailure() -> Bool {
        guard baseScale < 1 else { return false }
        undoLowering(forGood: true)
        raising = .notRaised
        return true
    }

    /// After a trial whose solves were inaccurate, when the form had no other remedy.
    mutating func afterInaccurateSolves() -> Decision {
        if baseScale < 1 { undoLowering(forGood: true) }
        switch raising {
        case .notRaised where failedRaises < Self.maximumFailedRaises:
            raising = .raised(1)
            scale *= 100
            return .redo(.raised)
        case .raised(let count) where failedRaises < Self.maximumFailedRaises && count < Self.maximumRaises:
            raising = .raised(count + 1)
            scale *= 100
            return .redo(.raised)
        case .raised:
            failedRaises += 1
            raising = .gaveUp
            scale = baseScale
            return .redo(.backToBase)
        case .notRaised, .gaveUp:
            return .proceed
        }
    }

    /// Whether an accurate trial's direction should be judged for a lowering (its stall ratio
    /// passed to ``afterAccurateSolves(stallRatio:)``): at the base scale, while lowering is
    /// allowed for the solve and `mayLower` for this step.
    func judgesDirection(mayLower: Bool) -> Bool {
        raising == .notRaised && lowerable && mayLower
    }

    /// After a trial whose solves were accurate; `stallRatio` when ``judgesDirection(mayLower:)``.
    mutating func afterAccurateSolves(stallRatio ratio: Double?) -> Decision {
        if case .raised = raising {
            failedRaises = 0
            return .proceed
        }
        guard let ratio else { return .proceed }
        if let before = loweringTrial {
            loweringTrial = nil
            if !(ratio < Self.worseningAfterLowering * before) {
                failedLowerings += 1
                undoLowering(forGood: failedLowerings >= Self.maximumFailedLowerings)
                return .redo(.loweringUndone(ratio: ratio, before: before))
            }
        } else if ratio > Self.stalledDirection, !loweringTriedThisStep, baseScale > Self.lowestScale {
            loweringTrial = ratio
            loweringTriedThisStep = true
            baseScale /= 100
            scale = baseScale
            return .redo(.lowered)
        }
        return .proceed
    }

    /// Undoes the last lowering and, `forGood`, ends lowering for the solve.
    private mutating func undoLowering(forGood: Bool) {
        baseScale *= 100
        if forGood { lowerable = false }
        loweringTrial = nil
        scale = baseScale
    }
}
