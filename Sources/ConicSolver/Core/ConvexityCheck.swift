extension ConicProblem {
    /// Relative shift of the unit diagonal under which `P` still counts as semidefinite: negative
    /// eigenvalues of the diagonally scaled `P` down to `−shift` are taken as rounding of the data.
    /// Maros–Mészáros VALUES, printed with seven digits, has −1.3·10⁻⁵ (its reference optimum is
    /// that of a convex solver); the traps of issue 15 are of order one.
    static let convexityShift = 1e-4

    /// Checks that `P ⪰ 0`, the class of problems the method solves: an indefinite `P` ends at a
    /// saddle point or a local maximum that the optimality tests cannot tell from a minimum.
    ///
    /// The test is a sparse Cholesky factorization of `DPD + δI` on the columns `P` touches, with
    /// `D = diag(1/√Pⱼⱼ)` (so the verdict does not depend on how the variables are scaled) and
    /// `δ = ``convexityShift```. A negative diagonal entry, or a column with a zero diagonal and a
    /// nonzero entry elsewhere, fails without factoring.
    ///
    /// - Throws: ``ConicError/notConvex(_:)``.
    /// - Complexity: one sparse Cholesky factorization of (a principal part of) `P`.
    func checkConvexity() throws {
        let n = variableCount
        guard P.nonzeroCount > 0 else { return }
        let largest = P.values.reduce(0) { max($0, abs($1)) }
        guard largest > 0 else { return }
        var diagonal = [Double](repeating: 0, count: n)
        var touched = [Bool](repeating: false, count: n)
        for j in 0..<n {
            for k in P.columnStarts[j]..<P.columnStarts[j + 1] where P.values[k] != 0 {
                let i = P.rowIndices[k]
                touched[i] = true; touched[j] = true
                if i == j { diagonal[j] = P.values[k] }
            }
        }
        // Entries this small against the largest are rounding, on the diagonal and off it.
        let negligible = 1e-14 * largest
        var scale = [Double](repeating: 0, count: n)
        for j in 0..<n where touched[j] {
            if diagonal[j] < -negligible {
                throw ConicError.notConvex("P is not positive semidefinite: its diagonal entry \(j) is \(diagonal[j]) (the objective is not convex)")
            }
            scale[j] = 1 / max(diagonal[j], negligible).squareRoot()
        }
        // The scaled upper triangle on the touched columns, diagonal always present.
        var index = [Int](repeating: -1, count: n), size = 0
        for j in 0..<n where touched[j] { index[j] = size; size += 1 }
        var starts = [0], rows = [Int](), values = [Double]()
        for j in 0..<n where touched[j] {
            var hasDiagonal = false
            // Stored zeros are left out: their row may be one no nonzero touches (no index).
            for k in P.columnStarts[j]..<P.columnStarts[j + 1] where P.values[k] != 0 {
                let i = P.rowIndices[k]
                let value = i == j ? max(P.values[k], 0) : P.values[k]
                if i == j { hasDiagonal = true }
                rows.append(index[i]); values.append(value * scale[i] * scale[j] + (i == j ? Self.convexityShift : 0))
            }
            if !hasDiagonal { rows.append(index[j]); values.append(Self.convexityShift) }
            starts.append(rows.count)
        }
        // Without memory for the factorization the check is skipped: the solve itself will tell.
        guard let factorization = CholmodFactorization(size: size, columnStarts: starts, rowIndices: rows,
                                                       method: .supernodalCholesky) else { return }
        for k in values.indices { factorization.values[k] = values[k] }
        if !factorization.factor() {
            throw ConicError.notConvex("P is not positive semidefinite (a Cholesky factorization of P, scaled to a unit diagonal and shifted by \(Self.convexityShift), fails): the objective is not convex")
        }
    }
}
