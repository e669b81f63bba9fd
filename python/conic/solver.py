"""``conic.solve``: the conic solver on scipy/numpy data, after Clarabel's Python API.

The problem is::

    minimize    ½xᵀPx + qᵀx
    subject to  Ax + s = b,   s ∈ K = K₁ × … × Kₚ

with P symmetric positive semidefinite and the cones in row order.
"""
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import _arrays
from ._errors import InvalidInputError
from ._lib import Result, Settings, lib


@dataclass(frozen=True)
class ZeroCone:
    """``{0}ⁿ``: ``dim`` equality rows ``Ax = b``."""
    dim: int
    code = 0


@dataclass(frozen=True)
class NonnegativeCone:
    """``ℝⁿ₊``: ``dim`` inequality rows ``Ax ≤ b``."""
    dim: int
    code = 1


@dataclass(frozen=True)
class SecondOrderCone:
    """``{(t, x) : ‖x‖₂ ≤ t}`` of total dimension ``dim`` (t included)."""
    dim: int
    code = 2


@dataclass(frozen=True)
class PSDTriangleCone:
    """Positive semidefinite matrices of order ``dim`` in svec form: the upper triangle column by
    column, off-diagonal entries times √2 (Clarabel's and CVXPY's convention); ``dim(dim+1)/2`` rows."""
    dim: int
    code = 3


_CONE_NAMES = {"zero": ZeroCone, "nonnegative": NonnegativeCone, "nonneg": NonnegativeCone,
               "second_order": SecondOrderCone, "soc": SecondOrderCone, "psd": PSDTriangleCone,
               "psd_triangle": PSDTriangleCone}
# Clarabel's cone classes, accepted as they are (only their type name and dimension are read).
_CLARABEL_NAMES = {"ZeroConeT": ZeroCone, "NonnegativeConeT": NonnegativeCone,
                   "SecondOrderConeT": SecondOrderCone, "PSDTriangleConeT": PSDTriangleCone}


def _rows(cone):
    return cone.dim * (cone.dim + 1) // 2 if isinstance(cone, PSDTriangleCone) else cone.dim


def _cone(value, index):
    """One cone from a cone object, a Clarabel cone, or a ``(name, dim)`` pair."""
    if isinstance(value, (ZeroCone, NonnegativeCone, SecondOrderCone, PSDTriangleCone)):
        cone = value
    elif isinstance(value, tuple) and len(value) == 2 and value[0] in _CONE_NAMES:
        cone = _CONE_NAMES[value[0]](value[1])
    elif type(value).__name__ in _CLARABEL_NAMES:
        dim = getattr(value, "dim", None)
        if dim is None:
            raise InvalidInputError(f"cones[{index}]: cannot read the dimension of {value!r}")
        cone = _CLARABEL_NAMES[type(value).__name__](dim)
    else:
        raise InvalidInputError(
            f"cones[{index}]: expected ZeroCone, NonnegativeCone, SecondOrderCone, PSDTriangleCone or "
            f"a (name, dim) pair with name in {sorted(_CONE_NAMES)}, got {value!r}")
    dim = cone.dim
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)) or dim < 0:
        raise InvalidInputError(f"cones[{index}]: the dimension must be a non-negative integer, got {dim!r}")
    return type(cone)(int(dim))


@dataclass
class Solution:
    """The result of :func:`solve`, with Clarabel's attribute names.

    ``status`` is one of ``solved``, ``almost_solved``, ``primal_infeasible``, ``dual_infeasible``,
    ``almost_primal_infeasible``, ``almost_dual_infeasible``, ``max_iterations``, ``time_limit``,
    ``numerical_error``, ``insufficient_progress``, ``insufficient_memory`` (docs/solver.md).
    With an infeasibility status, ``z`` (primal infeasible) or ``x`` (dual infeasible) holds the
    certificate and the objectives are NaN.
    """
    status: str
    x: np.ndarray
    s: np.ndarray
    z: np.ndarray
    obj_val: float
    obj_val_dual: float
    iterations: int
    solve_time: float
    setup_time: float
    r_prim: float
    r_dual: float
    gap: float
    info: dict = field(repr=False)

    @property
    def is_optimal(self):
        """Whether the status reports an optimal point (at full or reduced accuracy)."""
        return self.status in ("solved", "almost_solved")


def solve(P, q, A, b, cones, **settings):
    """Solves ``min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K``.

    Parameters
    ----------
    P : None, scipy sparse matrix or array (n × n)
        The quadratic cost: its upper triangle, or the whole symmetric matrix (then its upper
        triangle is taken). None for a linear objective.
    q : array (n,)
    A : scipy sparse matrix or array (m × n)
    b : array (m,)
    cones : list of ZeroCone, NonnegativeCone, SecondOrderCone, PSDTriangleCone (or Clarabel's
        cone objects, or ``(name, dim)`` pairs), whose sizes add up to m.
    **settings : solver settings by name (conic.h): ``max_iter``, ``time_limit``, ``verbose``,
        ``tol`` (every tolerance at once), ``tol_gap_abs``, ``tol_gap_rel``, ``tol_feas``,
        ``tol_infeas_abs``, ``tol_infeas_rel``, ``threads``, ``newton_system``, ...

    Returns
    -------
    Solution

    Raises
    ------
    InvalidInputError (a ValueError) for wrong shapes, dtypes, NaN/Inf, invalid cones or a
    non-convex P; InvalidSettingError for an unknown or out-of-range setting;
    ProblemTooLargeError when the problem would not fit in memory.

    The call releases the GIL while the solver runs.
    """
    q = _arrays.vector(q, "q")
    b = _arrays.vector(b, "b")
    n, m = q.shape[0], b.shape[0]
    cone_list = [_cone(cone, k) for k, cone in enumerate(cones)]
    rows = sum(_rows(cone) for cone in cone_list)
    if rows != m:
        raise InvalidInputError(f"cones: their dimensions add up to {rows} rows but b has {m} entries")
    A_arrays = _arrays.csc(A, "A", (m, n))
    P_arrays = None
    if P is not None:
        P_arrays = _upper_triangle(P, n)
    types = np.array([cone.code for cone in cone_list], dtype=np.int32)
    dims = np.array([cone.dim for cone in cone_list], dtype=np.int64)
    address = _arrays.address
    with Settings(settings) as handle:
        raw = lib.conic_solve(
            n, m,
            *(address(a) for a in P_arrays) if P_arrays else (None, None, None),
            address(q),
            *(address(a) for a in A_arrays),
            address(b),
            len(cone_list), address(types), address(dims), None,
            handle.handle)
    with Result(raw) as result:
        # The keys of `conic solve --json` (read one by one: cheaper than JSON for small problems).
        info = {key: result.number(key) for key in _INFO_KEYS}
        info["status"] = result.string("status")
        for key in ("iterations", "n", "m"):
            info[key] = int(info[key])
        return Solution(
            status=info["status"],
            x=result.vector("x"), s=result.vector("s"), z=result.vector("z"),
            obj_val=info["objective"], obj_val_dual=info["dual_objective"],
            iterations=info["iterations"], solve_time=info["solve_time"], setup_time=info["setup_time"],
            r_prim=info["primal_residual"], r_dual=info["dual_residual"], gap=info["gap"],
            info=info)


_INFO_KEYS = ("objective", "dual_objective", "iterations", "solve_time", "setup_time", "primal_residual",
              "dual_residual", "gap", "n", "m")


def _upper_triangle(P, n):
    """The upper triangle of P; a P with entries below the diagonal must be symmetric."""
    if not sp.issparse(P):
        P = sp.csc_matrix(_arrays.dense(P, "P", ndim=2))
    if P.shape != (n, n):
        raise InvalidInputError(f"P: expected shape {(n, n)}, got {P.shape}")
    lower = sp.tril(P, k=-1)
    if lower.nnz and abs(P - P.T).max() > 0:
        raise InvalidInputError("P: give its upper triangle or the whole symmetric matrix (P has entries below "
                                "the diagonal and is not symmetric)")
    return _arrays.csc(sp.triu(P), "P", (n, n))
