import ConicSolver
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
        let object: [String: Any] = [
            "n": problem.variableCount, "m": problem.constraintCount,
            "P": matrix(problem.P), "q": problem.q, "A": matrix(problem.A), "b": problem.b,
            "cones": cones(problem), "objective_constant": problem.objectiveConstant,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// The `cones` array: the row layout of `s` and `z`, in order.
    static func cones(_ problem: ConicProblem) -> [[String: Any]] {
        problem.cones.map { cone in
            switch cone {
            case let .zero(k): return ["type": "zero", "dim": k]
            case let .nonnegative(k): return ["type": "nonnegative", "dim": k]
            case let .secondOrder(k): return ["type": "second_order", "dim": k]
            case let .positiveSemidefinite(order): return ["type": "psd_triangle", "dim": order]
            case .exponential: return ["type": "exponential", "dim": 3]
            case .dualExponential: return ["type": "dual_exponential", "dim": 3]
            case let .power(alpha): return ["type": "power", "dim": 3, "alpha": alpha]
            case let .dualPower(alpha): return ["type": "dual_power", "dim": 3, "alpha": alpha]
            }
        }
    }
}

/// The result of a solve as JSON (`conic solve --json` prints ``summary(_:problem:)``;
/// `conic solve --solution FILE` writes ``encode(_:problem:)``, which adds the vectors).
///
/// Keys of the summary: `status`, `objective`, `dual_objective`, `iterations`, `solve_time`,
/// `setup_time`, `primal_residual`, `dual_residual`, `gap`, `n`, `m`. The full form adds `x`, `s`
/// and `z` in the solver's form `Ax + s = b, s ∈ K` (``Solution``: for `solved` the primal–dual
/// point, for infeasibility statuses the certificate and `null` elsewhere) and `cones`, their
/// row layout as in `conic export`. Numbers that are not finite are written as `null`.
public enum SolutionJSON {
    /// The summary keys (no vectors).
    public static func summary(_ solution: Solution, problem: ConicProblem) -> [String: Any] {
        [
            "status": solution.status.rawValue,
            "objective": number(solution.primalObjective),
            "dual_objective": number(solution.dualObjective),
            "iterations": solution.iterations,
            "solve_time": solution.solveTime,
            "setup_time": solution.setupTime,
            "primal_residual": number(solution.primalResidual),
            "dual_residual": number(solution.dualResidual),
            "gap": number(solution.gap),
            "n": problem.variableCount,
            "m": problem.constraintCount,
        ]
    }

    /// The summary plus `x`, `s`, `z` and `cones`, as JSON text.
    public static func encode(_ solution: Solution, problem: ConicProblem) throws -> Data {
        var object = summary(solution, problem: problem)
        object["x"] = solution.x.map(number)
        object["s"] = solution.s.map(number)
        object["z"] = solution.z.map(number)
        object["cones"] = ProblemJSON.cones(problem)
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// A JSON number, or `null` when not finite.
    public static func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
}
