/// The contract of a Newton-system solver: refactor after the cones' scaling changed, then
/// solve
///
///     [ P   Aᵀ ] [x]   [r_x]
///     [ A  −H  ] [z] = [r_z],        H = blockdiag(WᵀW) (zero on equality rows),
///
/// for any number of right-hand sides. Implementations factor a regularized form of this
/// matrix and recover the exact solution by ``IterativeRefinement`` (the shared skeleton is
/// ``RegularizedKKTForm``).
///
/// The calls are stateless towards the caller: what a call may do comes in as
/// ``NewtonSystemOptions``, what it achieved comes back as a value, and a failure says why.
/// The forms and their choice are in ``NewtonSystemChoice``.
protocol KKTSolver: AnyObject {
    /// Rebuilds and refactors the matrix with the cones' current scaling.
    func update(_ options: NewtonSystemOptions) -> Result<NewtonFactorization, NewtonSystemFailure>
    /// Solves the Newton system with the last factorization.
    func solve(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double],
               options: NewtonSystemOptions) -> Result<NewtonSolve, NewtonSystemFailure>
    /// Description for the log.
    var methodName: String { get }
    /// Which form this is (never ``NewtonSystemForm/automatic``).
    var form: NewtonSystemForm { get }
    /// Flop count of one factorization, from the symbolic analysis.
    var flops: Double { get }
    /// Bytes the form holds once factored (factor, matrix, assembly maps), from the analysis;
    /// checked against ``SolverSettings/memoryLimit`` before the first factorization allocates.
    var memoryBytes: Double { get }
    /// Whether the step should take `Δs` from the primal equation `AΔx + Δs − bΔτ = −(1 − σ)r_z`
    /// rather than from `Δs = −d_s − HΔz` (equal for an exact solve). For forms that compute
    /// `z = H⁻¹(Ax − r_z)` through an ill-conditioned `H⁻¹`: the rounding then goes into
    /// complementarity, which the next step corrects, instead of into feasibility, which it
    /// cannot. Forms that refine both block rows keep `H`.
    var slackFromPrimalEquation: Bool { get }
    /// Whether ``NewtonAccuracy/increased`` builds the matrix differently (costlier, more
    /// accurate) than ``NewtonAccuracy/standard`` for this problem.
    var offersIncreasedAccuracy: Bool { get }
    /// Whether the iteration may lower the static regularizations when a direction stalls (see
    /// `RegularizationLadder`): for the sparse forms, whose refinement converges at ≈ δ/(δ + λ) on an
    /// eigenmode λ of the matrix. The dense Schur form keeps its own accuracy safeguards; lowering
    /// there turned SDPLIB control8 from `solved` into `almost_solved`.
    var regularizationMayBeLowered: Bool { get }
}

extension KKTSolver {
    var offersIncreasedAccuracy: Bool { false }
    var regularizationMayBeLowered: Bool { true }
}

/// What one call to a ``KKTSolver`` may do, chosen by the iteration for each step.
struct NewtonSystemOptions: Equatable {
    /// Factor on the static regularizations `σ`, `δ` (1 at the start). Raised when solves lose
    /// accuracy: near the end of some problems the unpivoted factorization of the nearly
    /// regularization-free matrix becomes unstable, and a larger regularization, removed again
    /// by refinement, restores accurate solves. Lowered when refinement cannot remove it.
    var regularizationScale = 1.0
    /// Relative residual at which refinement may stop: loose while the iterate is far from a
    /// solution (an inexact Newton direction costs nothing there), down to
    /// ``SolverSettings/refinementRelativeTolerance`` near one. Forms whose refinement is cheap
    /// refine to the settings' tolerance whatever this says (``RegularizedKKTForm/acceptsLooseSolves``).
    var solveTolerance: Double
    /// How accurately the matrix is built.
    var accuracy = NewtonAccuracy.standard
}

/// How accurately a form builds its matrix.
enum NewtonAccuracy: Equatable {
    /// The form's usual assembly.
    case standard
    /// A costlier, more accurate assembly where the form has one (``KKTSolver/offersIncreasedAccuracy``);
    /// tried when a step's solves lost accuracy, before the regularization is raised.
    case increased
}

/// Why a Newton-system call failed.
enum NewtonSystemFailure: Error, Equatable {
    /// The matrix could not be factored even after raising the regularization `attempts − 1` times.
    case notFactorable(attempts: Int)
    /// The solve produced values that are not finite.
    case notFinite
}

/// A successful factorization.
struct NewtonFactorization: Equatable {
    /// The regularization `σ` it succeeded with.
    var regularization: Double
    /// Failed attempts before it, each followed by raising `σ` ×100.
    var retries: Int
}

/// A successful solve.
struct NewtonSolve: Equatable {
    /// Relative residual `‖r − K[x; z]‖∞ / (1 + ‖r‖∞)` against the unregularized matrix, after
    /// refinement (or of the first block row, for a solve the Schur form accepts unrefined).
    var residual: Double

    /// Success when `residual` is finite.
    static func checked(_ residual: Double) -> Result<NewtonSolve, NewtonSystemFailure> {
        residual.isFinite ? .success(NewtonSolve(residual: residual)) : .failure(.notFinite)
    }
}

/// The regularize → factor → refine skeleton of the three forms: ``update(_:)`` assembles the
/// matrix, then factors it at the static regularization and, while that fails, at ×100 the
/// previous one, up to ``factorizationAttempts`` times; ``solve(rx:rz:x:z:options:)`` refines
/// against the unregularized matrix with one regularized solve as the approximate inverse.
///
/// The sparse forms refine to the settings' tolerance whatever the options say: refinement costs
/// little against their factorization, and the certificates of the NN layer need the dual point
/// as accurate as it goes (a looser tolerance far from the solution left a certificate gap of
/// 1.3e-6 where 1e-6 was asked).
protocol RegularizedKKTForm: KKTSolver {
    /// Factorization attempts per update.
    static var factorizationAttempts: Int { get }
    /// Whether refinement stops at ``NewtonSystemOptions/solveTolerance`` rather than at the
    /// settings' tolerance.
    static var acceptsLooseSolves: Bool { get }
    /// Refinement against the unregularized matrix.
    var refinement: IterativeRefinement { get }
    /// The regularization `σ` of the last factorization.
    var regularization: Double { get }
    /// ``SolverSettings/staticRegularization``, before the options' scale.
    var staticRegularization: Double { get }
    /// Writes the matrix for the cones' current scaling, apart from the attempt's regularization.
    func assemble(_ options: NewtonSystemOptions)
    /// Puts the regularization of attempt `attempt` (0 first) on the matrix and factors it;
    /// `false` when the factorization fails.
    func tryFactor(attempt: Int, options: NewtonSystemOptions) -> Bool
    /// One solve with the regularized factorization.
    func regularizedSolve(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                          x: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>)
}

extension RegularizedKKTForm {
    static var acceptsLooseSolves: Bool { false }

    func update(_ options: NewtonSystemOptions) -> Result<NewtonFactorization, NewtonSystemFailure> {
        assemble(options)
        for attempt in 0..<Self.factorizationAttempts where tryFactor(attempt: attempt, options: options) {
            return .success(NewtonFactorization(regularization: regularization, retries: attempt))
        }
        return .failure(.notFactorable(attempts: Self.factorizationAttempts))
    }

    /// `σ` of attempt `attempt`: the static value times the options' scale, ×100 per earlier attempt.
    func regularization(attempt: Int, options: NewtonSystemOptions) -> Double {
        var sigma = staticRegularization * options.regularizationScale
        for _ in 0..<attempt { sigma *= 100 }
        return sigma
    }

    /// The refinement tolerance `options` ask of this form.
    func refinementTarget(_ options: NewtonSystemOptions) -> Double {
        Self.acceptsLooseSolves ? options.solveTolerance : refinement.defaultTolerance
    }

    /// Refines `x`, `z` (a first regularized solve already when `continuing`); returns the
    /// final relative residual.
    func refinedResidual(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double], options: NewtonSystemOptions,
                         continuing: Bool = false) -> Double {
        refinement.solve(rx: rx, rz: rz, x: &x, z: &z, tolerance: refinementTarget(options),
                         continuing: continuing) { rx, rz, x, z in
            self.regularizedSolve(rx: rx, rz: rz, x: x, z: z)
        }
    }

    func solve(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double],
               options: NewtonSystemOptions) -> Result<NewtonSolve, NewtonSystemFailure> {
        NewtonSolve.checked(refinedResidual(rx: rx, rz: rz, x: &x, z: &z, options: options))
    }
}

/// Iterative refinement against the unregularized Newton matrix `K = [P Aᵀ; A −H]`, with a
/// regularized solver as the approximate inverse: repeat `e = r − K[x; z]`, `[x; z] += K̃⁻¹e`
/// while the residual shrinks.
final class IterativeRefinement {
    typealias RegularizedSolve = (_ rx: UnsafeBufferPointer<Double>, _ rz: UnsafeBufferPointer<Double>,
                                  _ x: UnsafeMutableBufferPointer<Double>, _ z: UnsafeMutableBufferPointer<Double>) -> Void
    private let P: SparseMatrix
    private let A: SparseMatrix
    private let cones: ConeProduct
    private let maxIterations: Int
    /// ``SolverSettings/refinementRelativeTolerance``: where refinement stops unless a call asks otherwise.
    let defaultTolerance: Double
    private var errorX: [Double], errorZ: [Double], correctionX: [Double], correctionZ: [Double]
    /// Refinement stops once a step shrinks the residual by less than this factor.
    static let minimumImprovement = 5.0

    init(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct, settings: SolverSettings) {
        self.P = P; self.A = A; self.cones = cones
        maxIterations = settings.refinementMaxIterations
        defaultTolerance = settings.refinementRelativeTolerance
        errorX = [Double](repeating: 0, count: P.columnCount); correctionX = errorX
        errorZ = [Double](repeating: 0, count: A.rowCount); correctionZ = errorZ
    }

    /// `e ← r − K [x; z]`; returns `‖e‖∞`.
    private func residual(rx: UnsafeBufferPointer<Double>, rz: UnsafeBufferPointer<Double>,
                          x: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>,
                          ex: UnsafeMutableBufferPointer<Double>, ez: UnsafeMutableBufferPointer<Double>) -> Double {
        for j in 0..<ex.count { ex[j] = rx[j] }
        P.symmetricMultiplyAdd(x, into: ex, scale: -1)
        A.transposeMultiplyAdd(z, into: ex, scale: -1)
        cones.multiplyHessian(z, into: ez)          // ez = Hz
        for i in 0..<ez.count { ez[i] += rz[i] }    // ez = r_z + Hz
        A.multiplyAdd(x, into: ez, scale: -1)       // ez = r_z − (Ax − Hz)
        var norm = 0.0
        for v in ex { norm = max(norm, abs(v)) }
        for v in ez { norm = max(norm, abs(v)) }
        return norm
    }

    /// Solves `K[x; z] = [r_x; r_z]` until the relative residual is below `tolerance` or stops
    /// shrinking; returns the final relative residual. With `continuing`, `x` and `z` already
    /// hold a first regularized solve.
    func solve(rx: [Double], rz: [Double], x: inout [Double], z: inout [Double], tolerance: Double, continuing: Bool = false,
               regularizedSolve: RegularizedSolve) -> Double {
        var rhsNorm = 0.0
        for v in rx { rhsNorm = max(rhsNorm, abs(v)) }
        for v in rz { rhsNorm = max(rhsNorm, abs(v)) }
        let target = tolerance * (1 + rhsNorm)
        let n = rx.count, m = rz.count
        var norm = 0.0
        rx.withUnsafeBufferPointer { rx in
        rz.withUnsafeBufferPointer { rz in
        x.withUnsafeMutableBufferPointer { x in
        z.withUnsafeMutableBufferPointer { z in
        errorX.withUnsafeMutableBufferPointer { ex in
        errorZ.withUnsafeMutableBufferPointer { ez in
        correctionX.withUnsafeMutableBufferPointer { cx in
        correctionZ.withUnsafeMutableBufferPointer { cz in
            if !continuing { regularizedSolve(rx, rz, x, z) }
            norm = residual(rx: rx, rz: rz, x: .init(x), z: .init(z), ex: ex, ez: ez)
            var step = 0
            while norm > target && step < maxIterations {
                step += 1
                regularizedSolve(.init(ex), .init(ez), cx, cz)
                for j in 0..<n { x[j] += cx[j] }
                for i in 0..<m { z[i] += cz[i] }
                let previous = norm
                norm = residual(rx: rx, rz: rz, x: .init(x), z: .init(z), ex: ex, ez: ez)
                if !(norm <= previous) {
                    // The correction made things worse: undo it and stop.
                    for j in 0..<n { x[j] -= cx[j] }
                    for i in 0..<m { z[i] -= cz[i] }
                    norm = previous
                    break
                }
                if norm > previous / Self.minimumImprovement { break }
            }
        }}}}}}}}
        return norm / (1 + rhsNorm)
    }
}

/// The block-diagonal `H` (or regularized `H⁻¹`) of all cones, refreshed each iteration:
/// a diagonal over every row, plus the full or rank-one blocks of the cones that couple rows.
struct ScalingBlocks {
    /// Diagonal of every block.
    private(set) var diagonal: [Double]
    /// The blocks that are not diagonal, with their cone index and rows.
    private(set) var coupled: [(cone: Int, range: Range<Int>, block: ScalingBlock)] = []

    init(rowCount: Int) { diagonal = [Double](repeating: 0, count: rowCount) }

    /// Reads `H⁻¹` (with `δ` standing in for the zero block of equality rows) or `H` from the cones.
    mutating func refresh(from cones: ConeProduct, inverse: Bool, equalityRegularization delta: Double) {
        coupled.removeAll(keepingCapacity: true)
        var found: [(Int, Range<Int>, ScalingBlock)] = []
        diagonal.withUnsafeMutableBufferPointer { d in
            for (index, (cone, range)) in zip(cones.cones, cones.ranges).enumerated() {
                let slice = UnsafeMutableBufferPointer(rebasing: d[range])
                let block = inverse ? cone.inverseHessian(diagonal: slice, equalityRegularization: delta)
                                    : cone.hessian(diagonal: slice)
                if case .diagonal = block { continue }
                found.append((index, range, block))
            }
        }
        coupled = found.map { (cone: $0.0, range: $0.1, block: $0.2) }
    }

    /// `out ← B v` for the block-diagonal matrix `B`.
    func multiply(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        diagonal.withUnsafeBufferPointer { d in
            for i in 0..<d.count { out[i] = d[i] * v[i] }
        }
        for (_, range, block) in coupled {
            switch block {
            case .diagonal:
                break
            case let .diagonalPlusRankOne(rho, u):
                var dot = 0.0
                for (a, i) in range.enumerated() { dot += u[a] * v[i] }
                dot *= rho
                for (a, i) in range.enumerated() { out[i] += dot * u[a] }
            case let .dense(matrix):
                matrix.withUnsafeBufferPointer { mp in
                    Dense.multiplyVector(mp.baseAddress!, v.baseAddress! + range.lowerBound,
                                         into: out.baseAddress! + range.lowerBound, n: range.count)
                }
            }
        }
    }
}
