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
/// `setup_time`, `primal_residual`, `dual_residual`, `gap`, `n`, `m`, `info` (``info(_:)``). The full form adds `x`, `s`
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
            "info": info(solution.info),
        ]
    }

    /// ``SolveInfo`` as JSON: `newton_system`, `newton_system_description`, `fallbacks` (each
    /// `kind`, `iteration`, `detail`), `regularization_raises`, `regularization_lowerings`,
    /// `factorization_retries`, `presolve` (each `pass`, `changes`) and `records`, one per
    /// iterate (`iteration`, `primal_objective`, `dual_objective`, `gap_relative`,
    /// `primal_residual`, `dual_residual`, `kappa_over_tau`, `mu`, `step`, `sigma`).
    public static func info(_ info: SolveInfo) -> [String: Any] {
        [
            "newton_system": info.newtonSystem.map { $0.rawValue as Any } ?? NSNull(),
            "newton_system_description": info.newtonSystemDescription,
            "fallbacks": info.fallbacks.map { ["kind": $0.kind.rawValue, "iteration": $0.iteration, "detail": $0.detail] },
            "regularization_raises": info.regularizationRaises,
            "regularization_lowerings": info.regularizationLowerings,
            "factorization_retries": info.factorizationRetries,
            "presolve": info.presolve.map { ["pass": $0.pass.rawValue, "changes": $0.changes] },
            "records": info.iterations.map { record -> [String: Any] in
                [
                    "iteration": record.iteration,
                    "primal_objective": number(record.primalObjective),
                    "dual_objective": number(record.dualObjective),
                    "gap_relative": number(record.gap),
                    "primal_residual": number(record.primalResidual),
                    "dual_residual": number(record.dualResidual),
                    "kappa_over_tau": number(record.kappaOverTau),
                    "mu": number(record.mu),
                    "step": record.step.map(number) ?? NSNull(),
                    "sigma": record.sigma.map(number) ?? NSNull(),
                ]
            },
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
