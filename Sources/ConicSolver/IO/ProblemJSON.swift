import Foundation

/// Writes a problem as JSON so that other solvers can be fed exactly the same data
/// (`conic export`). Keys: `n`, `m`, `P` and `A` (CSC, 0-based: `nrows`, `ncols`, `colptr`,
/// `rowval`, `nzval`; P is the upper triangle), `q`, `b`, `cones` (`type` ∈ zero, nonnegative,
/// second_order, psd_triangle; `dim`, which for psd_triangle is the matrix order) and `objective_constant`.
public enum ProblemJSON {
    /// The JSON text of `problem`.
    public static func encode(_ problem: ConicProblem) throws -> Data {
        func matrix(_ M: SparseMatrix) -> [String: Any] {
            ["nrows": M.rowCount, "ncols": M.columnCount, "colptr": M.columnStarts, "rowval": M.rowIndices, "nzval": M.values]
        }
        let cones: [[String: Any]] = problem.cones.map { cone in
            switch cone {
            case let .zero(k): return ["type": "zero", "dim": k]
            case let .nonnegative(k): return ["type": "nonnegative", "dim": k]
            case let .secondOrder(k): return ["type": "second_order", "dim": k]
            case let .positiveSemidefinite(order): return ["type": "psd_triangle", "dim": order]
            }
        }
        let object: [String: Any] = [
            "n": problem.variableCount, "m": problem.constraintCount,
            "P": matrix(problem.P), "q": problem.q, "A": matrix(problem.A), "b": problem.b,
            "cones": cones, "objective_constant": problem.objectiveConstant,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
