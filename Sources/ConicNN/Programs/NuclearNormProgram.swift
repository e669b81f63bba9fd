import ConicSolver

/// A quadratic loss plus a nuclear-norm penalty, as one positive semidefinite program:
///
///     minimize ½ζᵀGζ − cᵀζ + κ + β‖Z‖_*,   ζ = vec(Z) (column-major), Z ∈ ℝ^{h×k},
///
/// with `‖Z‖_* = min ½(tr A + tr B)` over `Q = [[A, Z], [Zᵀ, B]] ⪰ 0`. The variable is `x = svec(Q)`
/// (order `h + k`, √2 on off-diagonal entries), so `ζ_a = x_{index(a)}/√2` and the objective in `x` is
/// `½xᵀ(G/2)x − (c/√2)ᵀx + (β/2)Σ diag(Q) + κ`, subject to `x ∈ 𝕊₊` (`−x + s = 0`, `s` in the PSD cone).
///
/// Used by the linear CNN (ICML 2020 eq. 12, `G = MᵀM` for `M = [X₁ … X_K]`) and by the two-layer
/// linear network (ICLR 2021 §3, `G = I_K ⊗ XᵀX`).
enum NuclearNormProgram {
    /// The position in `svec` of entry `(i, j)` of a symmetric matrix (upper triangle, column by column).
    static func svecIndex(_ i: Int, _ j: Int) -> Int { let (a, b) = (min(i, j), max(i, j)); return b * (b + 1) / 2 + a }

    /// The `svec` position of `ζ_a`, entry `(a mod h, h + a / h)` of `Q`.
    static func index(_ a: Int, rows h: Int) -> Int { svecIndex(a % h, h + a / h) }

    /// Upper-triangle triplets `(a, b, G_ab)`, `a ≤ b`, of the Gram matrix `G = MᵀM` of a dense `M`
    /// (zeros skipped).
    static func gram(of m: DenseMatrix) -> [(a: Int, b: Int, value: Double)] {
        let g = m.multiplied(by: m, transposeSelf: true)
        var out = [(a: Int, b: Int, value: Double)]()
        for b in 0..<m.columnCount { for a in 0...b where g[a, b] != 0 { out.append((a, b, g[a, b])) } }
        return out
    }

    /// The conic problem for `h × k` matrices `Z`; `gram` lists the upper triangle of `G`, `linear` is `c`.
    static func problem(rows h: Int, columns k: Int, gram: [(a: Int, b: Int, value: Double)], linear: [Double],
                        constant: Double, beta: Double) throws -> ConicProblem {
        precondition(linear.count == h * k)
        let order = h + k, size = order * (order + 1) / 2
        var pr = [Int](), pc = [Int](), pv = [Double]()
        pr.reserveCapacity(gram.count); pc.reserveCapacity(gram.count); pv.reserveCapacity(gram.count)
        for entry in gram {
            let (r, c) = (index(entry.a, rows: h), index(entry.b, rows: h))
            pr.append(min(r, c)); pc.append(max(r, c)); pv.append(0.5 * entry.value)
        }
        let p = try SparseMatrix(rowCount: size, columnCount: size, rows: pr, columns: pc, values: pv, name: "P")
        var q = [Double](repeating: 0, count: size)
        for a in 0..<(h * k) { q[index(a, rows: h)] = -linear[a] / 2.squareRoot() }
        for i in 0..<order { q[svecIndex(i, i)] += 0.5 * beta }
        let a = try SparseMatrix(rowCount: size, columnCount: size, rows: Array(0..<size), columns: Array(0..<size),
                                 values: Array(repeating: -1, count: size), name: "A")
        return try ConicProblem(P: p, q: q, A: a, b: Array(repeating: 0, count: size), cones: [.positiveSemidefinite(order)],
                                objectiveConstant: constant)
    }

    /// Solves the program; returns the solver's solution (any status) and `Z` read from it.
    static func solve(rows h: Int, columns k: Int, gram: [(a: Int, b: Int, value: Double)], linear: [Double],
                      constant: Double, beta: Double, solver: SolverSettings) throws -> (solution: Solution, z: DenseMatrix) {
        let problem = try problem(rows: h, columns: k, gram: gram, linear: linear, constant: constant, beta: beta)
        let solution = try ConicSolver.solve(problem, settings: solver)
        var z = DenseMatrix(rowCount: h, columnCount: k)
        for a in 0..<(h * k) { z[a % h, a / h] = solution.x[index(a, rows: h)] / 2.squareRoot() }
        return (solution, z)
    }
}
