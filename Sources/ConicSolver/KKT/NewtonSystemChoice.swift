import Foundation

/// The choice of the Newton-system form for a solve, and the cost model behind it.
///
/// ``SolverSettings/newtonSystem`` names a form, or leaves the choice to the model:
/// the estimated time of one iteration of each form, from CHOLMOD's symbolic analyses (flops at
/// the supernodal or the simplicial rate) and the Schur assembly count (at the dense rate). The
/// runner-up becomes the fallback the iteration switches to once if the first form loses accuracy.
struct NewtonSystemChoice {
    /// The validated settings of the solve (form asked for, memory limit).
    let settings: SolverSettings
    /// After ``make(P:A:cones:)`` returned `nil` with every form refused: the estimated bytes of
    /// the smallest one, for ``SolverStatus/insufficientMemory``.
    private(set) var requiredMemory: Double?

    /// A choice under `settings`.
    init(settings: SolverSettings) { self.settings = settings }

    /// The Newton-system solver the settings ask for, and (for `.automatic`) a way to build the
    /// next-cheapest form should the first lose accuracy. `.automatic` estimates the time of one
    /// iteration of each form (from CHOLMOD's symbolic analyses and the Schur assembly count) and
    /// skips building forms whose setup alone would be too large.
    ///
    /// Every form is checked against ``SolverSettings/memoryLimit`` twice: from counts before it
    /// is built (its pattern and assembly maps), and from its symbolic analysis before the first
    /// factorization allocates the factor. A form that does not fit is never a candidate; `nil`
    /// with ``requiredMemory`` set when none fits, so that the solve reports it rather than a
    /// failed allocation ending the process.
    mutating func make(P: SparseMatrix, A: SparseMatrix, cones: ConeProduct)
        -> (primary: any KKTSolver, fallback: ((Double) -> (any KKTSolver)?)?)? {
        let settings = self.settings
        let limit = settings.memoryLimit
        var smallestRefused = Double.infinity
        func fitting<S: KKTSolver>(estimate: Double, _ build: () -> S?) -> S? {
            guard estimate <= limit else { smallestRefused = min(smallestRefused, estimate); return nil }
            guard let solver = build() else { return nil }
            guard solver.memoryBytes <= limit else { smallestRefused = min(smallestRefused, solver.memoryBytes); return nil }
            return solver
        }
        let reducedSolver = {
            fitting(estimate: ReducedKKTSolver.estimatedBytes(P: P, A: A, cones: cones)) {
                ReducedKKTSolver(P: P, A: A, cones: cones, settings: settings)
            } as (any KKTSolver)?
        }
        let fullSolver = {
            fitting(estimate: QuasiDefiniteKKTSolver.estimatedBytes(P: P, A: A, cones: cones)) {
                QuasiDefiniteKKTSolver(P: P, A: A, cones: cones, settings: settings)
            } as (any KKTSolver)?
        }
        let schurSolver = {
            fitting(estimate: 0) { SchurComplementKKTSolver(P: P, A: A, cones: cones, settings: settings) }
        }
        defer { requiredMemory = smallestRefused.isFinite ? smallestRefused : nil }
        switch settings.newtonSystem {
        case .reduced: return reducedSolver().map { ($0, nil) }
        case .quasiDefinite: return fullSolver().map { ($0, nil) }
        case .schurComplement:
            // The Schur form has no assembly for the exponential and power cones: such problems
            // take the automatic choice among the other forms instead, said in the log.
            guard cones.hasNonsymmetric else { return schurSolver().map { ($0, nil) } }
            if settings.verbose {
                writeLog("  the Schur-complement form does not take exponential or power cones; choosing another form", to: settings.logDestination)
            }
        case .automatic: break
        }
        // Full blocks of PSD cones in the sparse forms: k² entries each (k = n(n+1)/2).
        let psdBlockEntries = zip(cones.cones, cones.ranges).reduce(0.0) { total, pair in
            pair.0.psd != nil ? total + Double(pair.1.count) * Double(pair.1.count) : total
        }
        let hasPSD = cones.cones.contains { $0.psd != nil }
        var candidates: [(time: Double, solver: any KKTSolver)] = []
        let schur = hasPSD ? schurSolver() : nil
        if let schur { candidates.append((schur.flops / Self.denseFlopRate, schur)) }
        // The quasi-definite form factors each PSD cone's dense block of order k = n(n+1)/2
        // (k³/3 flops) and, eliminating those blocks, in effect the Schur matrix as well, at the
        // simplicial rate: when that estimate is already slower than the Schur form, its symbolic
        // analysis (most of the setup of many-cone problems, such as chordal decompositions) is
        // left to the fallback.
        if let schur, psdBlockEntries <= Self.maximumSparseBlockEntries {
            let blocks = zip(cones.cones, cones.ranges).reduce(0.0) { total, pair in
                pair.0.psd != nil ? total + pow(Double(pair.1.count), 3) / 3 : total
            }
            if schur.flops / Self.denseFlopRate < (blocks + schur.factorizationFlops) / Self.simplicialFlopRate {
                return (schur, { _ in fullSolver() })
            }
        }
        // A dense diagonal block of order k in P is a clique of the quasi-definite matrix under
        // every ordering, so its factorization takes at least k³/3 flops at the simplicial rate.
        // When the reduced form's whole factorization is faster than that, the quasi-definite
        // form cannot win, and its analysis (the setup's largest part, with the pattern of the
        // block held twice) is left to the fallback. Only tried for blocks of thousands.
        var prebuiltReduced: (any KKTSolver)?
        let clique = hasPSD ? 0 : Double(Self.largestDenseDiagonalBlock(P))
        if clique >= Self.denseBlockForReducedFirst, let reduced = reducedSolver() {
            if reduced.flops / Self.supernodalFlopRate + Self.supernodalOverhead < clique * clique * clique / 3 / Self.simplicialFlopRate {
                return (reduced, { _ in fullSolver() })
            }
            prebuiltReduced = reduced
        }
        if psdBlockEntries <= Self.maximumSparseBlockEntries || candidates.isEmpty {
            if let full = fullSolver() {
                let fullTime = full.flops / Self.simplicialFlopRate
                candidates.append((fullTime, full))
                // Skip analyzing the reduced form when assembling AᵀDA alone would cost more, and
                // with PSD cones, where the Schur form does its job with better accuracy.
                let assembly = ReducedKKTSolver.assemblyTerms(A: A, cones: cones)
                if !hasPSD, assembly / Self.supernodalFlopRate < fullTime, let reduced = prebuiltReduced ?? reducedSolver() {
                    candidates.append((reduced.flops / Self.supernodalFlopRate + Self.supernodalOverhead, reduced))
                }
            } else if let reduced = prebuiltReduced ?? reducedSolver() {
                candidates.append((reduced.flops / Self.supernodalFlopRate, reduced))
            }
        }
        candidates.sort { $0.time < $1.time }
        guard let best = candidates.first else { return nil }
        if let second = candidates.dropFirst().first?.solver {
            // A large runner-up is not kept in memory beside the first form: the fallback
            // builds it again (the same solver: it has not been factored yet).
            guard second.memoryBytes > Self.retainedFallbackBytes else { return (best.solver, { _ in second }) }
            let rebuild = second is ReducedKKTSolver ? reducedSolver : second is QuasiDefiniteKKTSolver ? fullSolver : { schurSolver() }
            return (best.solver, { _ in rebuild() })
        }
        // The reduced form was not worth analyzing up front; it is still the fallback, built
        // only if the first form loses accuracy, and used only if its factorization would not
        // take more than `fallbackSlowdown` measured iterations of the first form.
        guard !hasPSD, !(best.solver is ReducedKKTSolver) else { return (best.solver, nil) }
        return (best.solver, { secondsPerIteration in
            let limit = Self.fallbackSlowdown * secondsPerIteration
            // Building its pattern and maps takes about `patternSecondsPerTerm` per assembly term.
            guard ReducedKKTSolver.assemblyTerms(A: A, cones: cones) * Self.patternSecondsPerTerm <= limit,
                  let reduced = reducedSolver(), Self.supernodalTime(flops: reduced.flops) <= limit else { return nil }
            return reduced
        })
    }

    /// A runner-up Newton form larger than this is built again when needed rather than kept.
    static let retainedFallbackBytes = 5e8
    /// Order of a dense block of `P` from which the reduced form is analyzed first.
    static let denseBlockForReducedFirst = 2000.0

    /// The order of the largest run of consecutive columns whose upper triangle in `P` is full
    /// within the run (the Hessian of a least-squares objective, for one): one pass over `P`.
    static func largestDenseDiagonalBlock(_ P: SparseMatrix) -> Int {
        var largest = 0, run = 0
        for j in 0..<P.columnCount {
            let start = P.columnStarts[j], end = P.columnStarts[j + 1]
            guard end > start, P.rowIndices[end - 1] == j else { run = 0; continue }
            // Rows are sorted and distinct: the last run + 1 of them are j − run … j exactly
            // when the first of those is j − run.
            run = end - start >= run + 1 && P.rowIndices[end - run - 1] == j - run ? run + 1 : 1
            largest = max(largest, run)
        }
        return largest
    }

    // Cost model of one factorization, fitted to Maros–Mészáros runs on a 2-core machine
    // (docs/history/benchmarks-log.md): the supernodal path pays a fixed overhead (many small BLAS calls)
    // that the simplicial one does not, but runs faster once the factor is large.
    static let supernodalFlopRate = 2.5e9
    static let supernodalOverhead = 5e-4
    static let simplicialFlopRate = 1.3e9

    /// Predicted seconds of one step (or of the starting point): the factorization at the
    /// supernodal rate, and per PSD cone of order `n` about a dozen `n³` of dense products and
    /// eigendecompositions (scaling, step lengths) at the dense rate.
    static func stepSeconds(kkt: any KKTSolver, cones: ConeProduct) -> Double {
        let psd = cones.cones.reduce(0.0) { total, cone in
            cone.psd.map { total + 12 * pow(Double($0.order), 3) } ?? total
        }
        return kkt.flops / supernodalFlopRate + psd / denseFlopRate
    }

    /// A fallback Newton form may cost at most this many times the first form per iteration.
    static let fallbackSlowdown = 20.0
    /// Measured cost of building the reduced form's pattern and assembly maps, per assembly term.
    static let patternSecondsPerTerm = 2e-7

    /// Estimated seconds of a supernodal factorization: BLAS-3 speeds up with the size of the
    /// factor, from 2.5 GFLOP/s on small ones to 30 on large ones (`../shared/PLATFORM.md`).
    /// Used to bound the fallback; the up-front choice keeps the flat 2.5 GFLOP/s, which picked
    /// the faster form on CBLIB's nql90 where this optimistic rate did not.
    static func supernodalTime(flops: Double) -> Double {
        let rate = min(30e9, supernodalFlopRate * max(1, (flops / 1e8).squareRoot()))
        return flops / rate
    }
    /// Dense Schur assembly and LAPACK Cholesky, a conservative rate for mixed BLAS-3 and scalar work.
    static let denseFlopRate = 3e9
    /// Largest total of full PSD blocks (entries) put into the sparse Newton forms.
    static let maximumSparseBlockEntries = 4e6
}
