import Testing
@testable import ConicSolver
import ConicTestSupport

// Primal-infeasible and dual-infeasible (unbounded) instances for every cone family. Each test
// checks the status AND verifies the returned certificate from the original data, for every
// form of the Newton system. Each instance's comment gives a certificate found by hand.

private enum Expected { case primalInfeasible, dualInfeasible }

/// Solves with each Newton-system form and checks status and certificate.
private func solveExpecting(_ expected: Expected, _ problem: ConicProblem,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
    for form in [NewtonSystemForm.automatic, .reduced, .quasiDefinite] {
        var settings = SolverSettings()
        settings.newtonSystem = form
        let solution = try solve(problem, settings: settings)
        switch expected {
        case .primalInfeasible:
            #expect(solution.status == .primalInfeasible,
                    "[newtonSystem \(form)] status \(solution.status), expected primal_infeasible (x = \(solution.x), z = \(solution.z))",
                    sourceLocation: sourceLocation)
            if solution.status.isInfeasible {
                checkPrimalInfeasibilityCertificate(problem, solution.z, sourceLocation: sourceLocation)
            }
        case .dualInfeasible:
            #expect(solution.status == .dualInfeasible,
                    "[newtonSystem \(form)] status \(solution.status), expected dual_infeasible (x = \(solution.x), z = \(solution.z))",
                    sourceLocation: sourceLocation)
            if solution.status.isInfeasible {
                checkDualInfeasibilityCertificate(problem, solution.x, sourceLocation: sourceLocation)
            }
        }
        // Objectives are documented as NaN for infeasibility statuses.
        if solution.status.isInfeasible {
            #expect(solution.primalObjective.isNaN && solution.dualObjective.isNaN,
                    "[newtonSystem \(form)] objectives must be NaN for \(solution.status)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Infeasibility certificates")
struct InfeasibilityTests {

    // MARK: Nonnegative orthant

    /// x ≥ 1 and x ≤ 0: rows −x ≤ −1, x ≤ 0. Certificate z = (1, 1): Aᵀz = −1 + 1 = 0,
    /// bᵀz = −1 < 0, z ≥ 0.
    @Test func primalInfeasibleLP() throws {
        let problem = try ConicProblem(q: [1], A: testMatrix([[-1], [1]], columns: 1), b: [-1, 0],
                                       cones: [.nonnegative(2)])
        checkPrimalInfeasibilityCertificate(problem, [1, 1])  // the hand certificate passes the checker
        try solveExpecting(.primalInfeasible, problem)
    }

    /// A larger primal-infeasible LP: x₁ + x₂ ≤ 1, x₁ ≥ 1, x₂ ≥ 1 (plus a feasible extra row).
    /// Certificate z = (1, 1, 1, 0): Aᵀz = (1 − 1, 1 − 1) = 0, bᵀz = 1 − 1 − 1 = −1.
    @Test func primalInfeasibleLPTwoVariables() throws {
        let A = testMatrix([[1, 1], [-1, 0], [0, -1], [1, -1]], columns: 2)
        let problem = try ConicProblem(q: [1, 2], A: A, b: [1, -1, -1, 5], cones: [.nonnegative(4)])
        checkPrimalInfeasibilityCertificate(problem, [1, 1, 1, 0])
        try solveExpecting(.primalInfeasible, problem)
    }

    /// minimize −x s.t. x ≥ 0: unbounded. Certificate x = 1: qᵀx = −1, −Ax = 1 ≥ 0.
    @Test func dualInfeasibleLP() throws {
        let problem = try ConicProblem(q: [-1], A: testMatrix([[-1]], columns: 1), b: [0], cones: [.nonnegative(1)])
        checkDualInfeasibilityCertificate(problem, [1])
        try solveExpecting(.dualInfeasible, problem)
    }

    /// QP that is unbounded along a direction where P vanishes:
    /// minimize ½(y² + w²) − x s.t. x ≥ 0, y + w ≥ 1, P = diag(0, 1, 1).
    /// Certificate x = (1, 0, 0): Px = 0, qᵀx = −1, −Ax = (1, 0) ∈ ℝ²₊.
    @Test func dualInfeasibleQP() throws {
        let P = testUpperTriangle([[0, 0, 0], [0, 1, 0], [0, 0, 1]])
        let A = testMatrix([[-1, 0, 0], [0, -1, -1]], columns: 3)
        let problem = try ConicProblem(P: P, q: [-1, 0, 0], A: A, b: [0, -1], cones: [.nonnegative(2)])
        checkDualInfeasibilityCertificate(problem, [1, 0, 0])
        try solveExpecting(.dualInfeasible, problem)
    }

    // MARK: Zero cone (equalities)

    /// x + y = 1 and x + y = 2. Certificate z = (1, −1): Aᵀz = 0, bᵀz = −1, z free.
    @Test func primalInfeasibleEqualities() throws {
        let problem = try ConicProblem(q: [1, 1], A: testMatrix([[1, 1], [1, 1]], columns: 2), b: [1, 2],
                                       cones: [.zero(2)])
        checkPrimalInfeasibilityCertificate(problem, [1, -1])
        try solveExpecting(.primalInfeasible, problem)
    }

    /// The same inconsistent equalities with x, y ≥ 0 added. Certificate z = (1, −1, 0, 0):
    /// Aᵀz = (1 − 1, 1 − 1) = 0, bᵀz = −1, the orthant part is 0 ∈ ℝ²₊.
    @Test func primalInfeasibleEqualitiesWithBounds() throws {
        let A = testMatrix([[1, 1], [1, 1], [-1, 0], [0, -1]], columns: 2)
        let problem = try ConicProblem(q: [1, 1], A: A, b: [1, 2, 0, 0], cones: [.zero(2), .nonnegative(2)])
        checkPrimalInfeasibilityCertificate(problem, [1, -1, 0, 0])
        try solveExpecting(.primalInfeasible, problem)
    }

    /// minimize x − y s.t. x + y = 1: unbounded along (−1, 1).
    /// Certificate x = (−½, ½): qᵀx = −1, Ax = 0 (so −Ax ∈ {0}).
    @Test func dualInfeasibleEqualities() throws {
        let problem = try ConicProblem(q: [1, -1], A: testMatrix([[1, 1]], columns: 2), b: [1], cones: [.zero(1)])
        checkDualInfeasibilityCertificate(problem, [-0.5, 0.5])
        try solveExpecting(.dualInfeasible, problem)
    }

    // MARK: Second-order cone

    /// ‖(x, y)‖ ≤ t with t ≤ −1. Variables (t, x, y); rows (t, x, y) ∈ SOC(3) (A = −I, b = 0)
    /// and t ≤ −1. Certificate z = (1, 0, 0 | 1): Aᵀz = (−1 + 1, 0, 0) = 0, bᵀz = −1,
    /// (1, 0, 0) ∈ SOC, 1 ≥ 0.
    @Test func primalInfeasibleSOC() throws {
        let A = testMatrix([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 0, 0]], columns: 3)
        let problem = try ConicProblem(q: [1, 0, 0], A: A, b: [0, 0, 0, -1], cones: [.secondOrder(3), .nonnegative(1)])
        checkPrimalInfeasibilityCertificate(problem, [1, 0, 0, 1])
        try solveExpecting(.primalInfeasible, problem)
    }

    /// Two disjoint disks, only second-order cones: ‖(x − 2, y)‖ ≤ 1 and ‖(x + 2, y)‖ ≤ 1.
    /// Rows (1, x − 2, y) and (1, x + 2, y), i.e. b = (1, −2, 0, 1, 2, 0) and A with −1 on x and y.
    /// Certificate z = (1, 1, 0, 1, −1, 0): Aᵀz = (−1 + 1, 0) = 0,
    /// bᵀz = (1 − 2) + (1 − 2) = −2, both blocks on the boundary of SOC(3); halved, it is
    /// normalized to bᵀz = −1 as the solver reports it.
    @Test func primalInfeasibleDisjointDisks() throws {
        let A = testMatrix([[0, 0], [-1, 0], [0, -1], [0, 0], [-1, 0], [0, -1]], columns: 2)
        let problem = try ConicProblem(q: [0, 1], A: A, b: [1, -2, 0, 1, 2, 0], cones: [.secondOrder(3), .secondOrder(3)])
        checkPrimalInfeasibilityCertificate(problem, [0.5, 0.5, 0, 0.5, -0.5, 0])
        try solveExpecting(.primalInfeasible, problem)
    }

    /// minimize −t s.t. ‖x‖ ≤ t: unbounded. Variables (t, x₁, x₂), (t, x) ∈ SOC(3).
    /// Certificate x = (1, 0, 0): qᵀx = −1, −Ax = (1, 0, 0) ∈ SOC.
    @Test func dualInfeasibleSOC() throws {
        let A = testMatrix([[-1, 0, 0], [0, -1, 0], [0, 0, -1]], columns: 3)
        let problem = try ConicProblem(q: [-1, 0, 0], A: A, b: [0, 0, 0], cones: [.secondOrder(3)])
        checkDualInfeasibilityCertificate(problem, [1, 0, 0])
        try solveExpecting(.dualInfeasible, problem)
    }

    /// Unbounded along a boundary ray of the cone: minimize t − 2x₁ s.t. ‖(x₁, x₂)‖ ≤ t,
    /// x₂ = 0. Along (t, x₁, x₂) = (1, 1, 0) the objective falls by 1 per unit.
    /// Certificate x = (1, 1, 0): qᵀx = −1, −Ax = (1, 1, 0) ∈ SOC (boundary), zero row 0.
    @Test func dualInfeasibleSOCBoundaryRay() throws {
        let A = testMatrix([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [0, 0, 1]], columns: 3)
        let problem = try ConicProblem(q: [1, -2, 0], A: A, b: [0, 0, 0, 0], cones: [.secondOrder(3), .zero(1)])
        checkDualInfeasibilityCertificate(problem, [1, 1, 0])
        try solveExpecting(.dualInfeasible, problem)
    }

    // MARK: Degenerate shapes

    /// Equality-infeasible QP (P = I): x + y = 1 and x + y = 2, certificate z = (1, −1).
    @Test func primalInfeasibleEqualitiesQP() throws {
        let problem = try ConicProblem(P: testUpperTriangle([[1, 0], [0, 1]]), q: [0, 0],
                                       A: testMatrix([[1, 1], [1, 1]], columns: 2), b: [1, 2], cones: [.zero(2)])
        try solveExpecting(.primalInfeasible, problem)
    }

    /// No constraints (m = 0): minimize x₁ is unbounded; certificate x = (−1, 0).
    @Test func dualInfeasibleWithoutConstraints() throws {
        let problem = try ConicProblem(q: [1, 0], A: .zeros(0, 2), b: [], cones: [])
        checkDualInfeasibilityCertificate(problem, [-1, 0])
        try solveExpecting(.dualInfeasible, problem)
    }

    /// No variables (n = 0): b = (1, −2) ∉ ℝ²₊. Certificate z = (0, ½): Aᵀz is empty,
    /// bᵀz = −1, z ≥ 0.
    @Test func primalInfeasibleWithoutVariables() throws {
        let problem = try ConicProblem(q: [], A: .zeros(2, 0), b: [1, -2], cones: [.nonnegative(2)])
        checkPrimalInfeasibilityCertificate(problem, [0, 0.5])
        try solveExpecting(.primalInfeasible, problem)
    }

    // MARK: The checkers themselves

    /// Wrong certificates must be rejected (guards against a checker that always passes).
    @Test func checkersRejectWrongCertificates() throws {
        let lp = try ConicProblem(q: [1], A: testMatrix([[-1], [1]], columns: 1), b: [-1, 0], cones: [.nonnegative(2)])
        #expect(checkPrimalInfeasibilityCertificate(lp, [1, 1]), "the right certificate")
        #expect(!checkPrimalInfeasibilityCertificate(lp, [-1, -1], normalized: false, recordIssues: false), "bᵀz ≥ 0")
        #expect(!checkPrimalInfeasibilityCertificate(lp, [1, 0], recordIssues: false), "Aᵀz ≠ 0")
        #expect(!checkPrimalInfeasibilityCertificate(lp, [2, -1], normalized: false, recordIssues: false), "z ∉ K*")
        #expect(!checkPrimalInfeasibilityCertificate(lp, [2, 2], recordIssues: false), "not normalized")
        #expect(!checkPrimalInfeasibilityCertificate(lp, [.nan, 1], recordIssues: false), "NaN")
        let unbounded = try ConicProblem(q: [-1], A: testMatrix([[-1]], columns: 1), b: [0], cones: [.nonnegative(1)])
        #expect(checkDualInfeasibilityCertificate(unbounded, [1]), "the right certificate")
        #expect(!checkDualInfeasibilityCertificate(unbounded, [-1], recordIssues: false), "qᵀx ≥ 0")
        let bounded = try ConicProblem(q: [-1], A: testMatrix([[1]], columns: 1), b: [1], cones: [.nonnegative(1)])
        #expect(!checkDualInfeasibilityCertificate(bounded, [1], recordIssues: false), "−Ax ∉ K")
        let qp = try ConicProblem(P: testUpperTriangle([[1]]), q: [-1], A: testMatrix([[-1]], columns: 1), b: [0],
                                  cones: [.nonnegative(1)])
        #expect(!checkDualInfeasibilityCertificate(qp, [1], recordIssues: false), "Px ≠ 0")
        let soc = try ConicProblem(q: [-1, 0], A: testMatrix([[-1, 0], [0, -1]], columns: 2), b: [0, 0], cones: [.secondOrder(2)])
        #expect(checkDualInfeasibilityCertificate(soc, [1, 0.5]), "(1, ½) ∈ SOC(2)")
        #expect(!checkDualInfeasibilityCertificate(soc, [1, 2], recordIssues: false), "(1, 2) ∉ SOC(2)")
        // Optimality checker: the true optimum passes; a suboptimal point, a z outside K*, a
        // wrong known optimum and a wrong status fail.
        let feasible = try ConicProblem(q: [1], A: testMatrix([[-1]], columns: 1), b: [-1], cones: [.nonnegative(1)])
        let good = try solve(feasible)
        #expect(checkOptimality(feasible, good, expectedObjective: 1))
        var suboptimal = good
        suboptimal.x = [2]; suboptimal.s = [1]
        #expect(!checkOptimality(feasible, suboptimal, recordIssues: false), "suboptimal x")
        var outside = good
        outside.z = [-1]
        #expect(!checkOptimality(feasible, outside, recordIssues: false), "z outside K*")
        #expect(!checkOptimality(feasible, good, expectedObjective: 2, recordIssues: false), "wrong known optimum")
        var wrongStatus = good
        wrongStatus.status = .almostSolved
        #expect(!checkOptimality(feasible, wrongStatus, recordIssues: false), "almost_solved without allowAlmost")
        #expect(checkOptimality(feasible, wrongStatus, allowAlmost: true), "almost_solved with allowAlmost")
    }
}
