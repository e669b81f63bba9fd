"""A CVXPY solver interface: ``problem.solve(solver=conic.CVXPY_SOLVER)``.

CVXPY reduces the problem to ``min ½xᵀPx + qᵀx  s.t.  b − Ax ∈ K`` with the cones in the order
zero, nonnegative, second-order, PSD, exponential, 3-D power — the solver's own form, so data pass
through unchanged. PSD constraints arrive as the upper triangle with off-diagonals scaled by √2
(``PSD_TRIANGLE_KIND``, ``PSD_SQRT2_SCALING``), which is the solver's svec; ``ExpCone(x, y, z)``
and ``PowCone3D(x, y, z, α)`` arrive as (x, y, z) triples (``EXP_CONE_ORDER = [0, 1, 2]``), the
solver's order for its exponential and power cones. Duals are ``z``, split by CVXPY into the
equality and cone constraints as for Clarabel.

Statuses map as honestly as CVXPY's vocabulary allows: ``almost_*`` become the ``*_INACCURATE``
statuses, the iteration and time limits ``USER_LIMIT``, numerical trouble, stalls and
insufficient memory ``SOLVER_ERROR``.
"""
import cvxpy.settings as s
import scipy.sparse as sp
from cvxpy.constraints import SOC, ExpCone, PowCone3D
from cvxpy.error import SolverError as CVXPYSolverError
from cvxpy.reductions.solution import Solution, failure_solution
from cvxpy.reductions.solvers import utilities
from cvxpy.reductions.solvers.conic_solvers.conic_solver import ConicSolver

try:  # CVXPY ≥ 1.6 sends PSD constraints in triangle form when the solver asks for it
    from cvxpy.constraints import SvecPSD
    from cvxpy.utilities.psd_utils import TriangleKind
    _PSD = [SvecPSD]
except ImportError:  # older CVXPY: PSD cones are not offered
    TriangleKind = None
    _PSD = []

from ._errors import ConicError
from .solver import (ExponentialCone, NonnegativeCone, PowerCone, PSDTriangleCone, SecondOrderCone, ZeroCone,
                     solve)


def _cones(dims):
    """The cone list of CVXPY's cone dimensions (zero, nonnegative, SOC, PSD, exponential, 3-D power,
    in that order)."""
    cones = []
    if dims.zero:
        cones.append(ZeroCone(dims.zero))
    if dims.nonneg:
        cones.append(NonnegativeCone(dims.nonneg))
    cones += [SecondOrderCone(d) for d in dims.soc]
    cones += [PSDTriangleCone(d) for d in dims.psd]
    cones += [ExponentialCone()] * dims.exp
    cones += [PowerCone(float(alpha)) for alpha in getattr(dims, "p3d", [])]
    if getattr(dims, "pnd", None):
        raise CVXPYSolverError("CONIC: n-dimensional power cones (PowConeND) are not supported; use PowCone3D")
    return cones


class CONIC(ConicSolver):
    """The Conic interior-point solver as a CVXPY conic solver (zero, nonnegative, second-order, PSD,
    exponential and 3-D power cones; quadratic objectives)."""

    MIP_CAPABLE = False
    SUPPORTED_CONSTRAINTS = ConicSolver.SUPPORTED_CONSTRAINTS + [SOC, ExpCone, PowCone3D] + _PSD
    # CVXPY's exponential cone is the solver's: (x, y, z) with y e^{x/y} ≤ z, in that order.
    EXP_CONE_ORDER = [0, 1, 2]
    if TriangleKind is not None:
        PSD_TRIANGLE_KIND = TriangleKind.UPPER
        PSD_SQRT2_SCALING = True

    STATUS_MAP = {
        "solved": s.OPTIMAL,
        "almost_solved": s.OPTIMAL_INACCURATE,
        "primal_infeasible": s.INFEASIBLE,
        "almost_primal_infeasible": s.INFEASIBLE_INACCURATE,
        "dual_infeasible": s.UNBOUNDED,
        "almost_dual_infeasible": s.UNBOUNDED_INACCURATE,
        "max_iterations": s.USER_LIMIT,
        "time_limit": s.USER_LIMIT,
        "numerical_error": s.SOLVER_ERROR,
        "insufficient_progress": s.SOLVER_ERROR,
        "insufficient_memory": s.SOLVER_ERROR,
    }

    def name(self):
        return "CONIC"

    def import_solver(self):
        import conic  # noqa: F401

    def cite(self, data):
        return ""

    def supports_quad_obj(self):
        return True

    def solve_via_data(self, data, warm_start, verbose, solver_opts, solver_cache=None):
        q = data[s.C]
        P = data.get(s.P)
        P = None if P is None else sp.triu(P, format="csc")
        options = {key: value for key, value in solver_opts.items() if key != "use_quad_obj"}
        try:
            return solve(P, q, data[s.A], data[s.B], _cones(data[ConicSolver.DIMS]), verbose=bool(verbose), **options)
        except ConicError as error:
            raise CVXPYSolverError(f"CONIC: {error}") from error

    def invert(self, solution, inverse_data):
        status = self.STATUS_MAP.get(solution.status, s.SOLVER_ERROR)
        attr = {s.SOLVE_TIME: solution.solve_time, s.NUM_ITERS: solution.iterations,
                s.EXTRA_STATS: solution.info}
        zero = inverse_data[ConicSolver.DIMS].zero
        duals = utilities.get_dual_values(solution.z[:zero], utilities.extract_dual_value,
                                          inverse_data[self.EQ_CONSTR])
        duals.update(utilities.get_dual_values(solution.z[zero:], utilities.extract_dual_value,
                                               inverse_data[self.NEQ_CONSTR]))
        if status in s.SOLUTION_PRESENT:
            value = solution.obj_val + inverse_data[s.OFFSET]
            return Solution(status, value, {inverse_data[self.VAR_ID]: solution.x}, duals, attr)
        # A primal infeasibility certificate is a dual ray: handed over as the duals, as for Clarabel.
        certificate = status in (s.INFEASIBLE, s.INFEASIBLE_INACCURATE)
        return failure_solution(status, attr, duals if certificate else None)
