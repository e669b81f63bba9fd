"""``conic.solve``: the conic solver on scipy/numpy data, after Clarabel's Python API.

The problem is::

    minimize    ½xᵀPx + qᵀx
    subject to  Ax + s = b,   s ∈ K = K₁ × … × Kₚ

with P symmetric positive semidefinite and the cones in row order.
"""
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class ExponentialCone:
    """``closure{(x, y, z) : y e^{x/y} ≤ z, y > 0}``: 3 rows in this order, as Clarabel's
    ``ExponentialConeT`` and CVXPY's ``ExpCone(x, y, z)`` (CBF lists the same cone reversed)."""
    code = 4
    dim = 3


@dataclass(frozen=True)
class PowerCone:
    """``{(x, y, z) : x^α y^{1−α} ≥ |z|, x, y ≥ 0}`` with ``0 < alpha < 1``: 3 rows, as Clarabel's
    ``PowerConeT(α)`` and CVXPY's ``PowCone3D(x, y, z, α)``."""
    alpha: float
    code = 5
    dim = 3


@dataclass(frozen=True)
class DualExponentialCone:
    """The dual of :class:`ExponentialCone`, ``closure{(u, v, w) : −u e^{v/u} ≤ e·w, u < 0}``: 3 rows."""
    code = 6
    dim = 3


@dataclass(frozen=True)
class DualPowerCone:
    """The dual of :class:`PowerCone`, ``{(u, v, w) : (u/α)^α (v/(1−α))^{1−α} ≥ |w|, u, v ≥ 0}``: 3 rows."""
    alpha: float
    code = 7
    dim = 3


_CONE_NAMES = {"zero": ZeroCone, "nonnegative": NonnegativeCone, "nonneg": NonnegativeCone,
               "second_order": SecondOrderCone, "soc": SecondOrderCone, "psd": PSDTriangleCone,
               "psd_triangle": PSDTriangleCone}
# Clarabel's cone classes, accepted as they are (only their type name and dimension or exponent are read).
_CLARABEL_NAMES = {"ZeroConeT": ZeroCone, "NonnegativeConeT": NonnegativeCone,
                   "SecondOrderConeT": SecondOrderCone, "PSDTriangleConeT": PSDTriangleCone}


# Cones sized by `dim`, taken as they are when it is a plain int (the common case, kept cheap).
_CONE_TYPES = (ZeroCone, NonnegativeCone, SecondOrderCone, PSDTriangleCone)
_POWER_TYPES = (PowerCone, DualPowerCone)
_THREE_DIMENSIONAL = (ExponentialCone, DualExponentialCone) + _POWER_TYPES


def _exponent(alpha, index):
    """A power cone's exponent as a float; the library refuses one outside (0, 1)."""
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"cones[{index}]: the power cone's exponent must be a number in (0, 1), got {alpha!r}")
    return float(alpha)


def _cone(value, index):
    """One cone from a cone object, a Clarabel cone, or a ``(name, dim)`` pair."""
    if isinstance(value, _POWER_TYPES):
        return type(value)(_exponent(value.alpha, index))
    if isinstance(value, (ExponentialCone, DualExponentialCone)):
        return value
    if type(value).__name__ == "ExponentialConeT":
        return ExponentialCone()
    if type(value).__name__ == "PowerConeT":
        # Clarabel names the exponent α.
        alpha = getattr(value, "α", getattr(value, "alpha", None))
        if alpha is None:
            raise InvalidInputError(f"cones[{index}]: cannot read the exponent of {value!r}")
        return PowerCone(_exponent(alpha, index))
    if isinstance(value, _CONE_TYPES):
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
            f"cones[{index}]: expected ZeroCone, NonnegativeCone, SecondOrderCone, PSDTriangleCone, "
            f"ExponentialCone, PowerCone(alpha), DualExponentialCone, DualPowerCone(alpha), one of Clarabel's "
            f"cones or a (name, dim) pair with name in {sorted(_CONE_NAMES)}, got {value!r}")
    dim = cone.dim
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)) or dim < 0:
        raise InvalidInputError(f"cones[{index}]: the dimension must be a non-negative integer, got {dim!r}")
    return type(cone)(int(dim))


class Solution:
    """The result of :func:`solve`, with Clarabel's attribute names.

    ``status`` is one of ``solved``, ``almost_solved``, ``primal_infeasible``, ``dual_infeasible``,
    ``almost_primal_infeasible``, ``almost_dual_infeasible``, ``max_iterations``, ``time_limit``,
    ``numerical_error``, ``insufficient_progress``, ``insufficient_memory`` (docs/solver.md).
    With an infeasibility status, ``z`` (primal infeasible) or ``x`` (dual infeasible) holds the
    certificate and the objectives are NaN.

    Values are read from the library's result when first asked for (a small problem's solve is
    short enough for reading all of them to show); the result is freed with this object.
    """

    _numbers = {"obj_val": "objective", "obj_val_dual": "dual_objective", "solve_time": "solve_time",
                "setup_time": "setup_time", "r_prim": "primal_residual", "r_dual": "dual_residual", "gap": "gap"}

    def __init__(self, result, n, m):
        self._result = result
        self._n, self._m = n, m
        self._vectors = {}
        self._info = None
        self.status = result.string("status")

    def _vector(self, name, length):
        vector = self._vectors.get(name)
        if vector is None:
            vector = self._vectors[name] = self._result.vector(name, length)
        return vector

    @property
    def x(self):
        """Primal variables (or the certificate of dual infeasibility)."""
        return self._vector("x", self._n)

    @property
    def s(self):
        """Slacks ``s = b − Ax``."""
        return self._vector("s", self._m)

    @property
    def z(self):
        """Duals of ``Ax + s = b`` in the dual cone (or the certificate of primal infeasibility)."""
        return self._vector("z", self._m)

    @property
    def iterations(self):
        return int(self._result.number("iterations"))

    def __getattr__(self, name):
        # obj_val, obj_val_dual, solve_time, setup_time, r_prim, r_dual, gap
        key = Solution._numbers.get(name)
        if key is None:
            raise AttributeError(name)
        return self._result.number(key)

    @property
    def info(self):
        """The keys of `conic solve --json`: status, objective, dual_objective, iterations,
        solve_time, setup_time, primal_residual, dual_residual, gap, n, m."""
        if self._info is None:
            info = {key: self._result.number(key) for key in _INFO_KEYS}
            info["status"] = self.status
            for key in ("iterations", "n", "m"):
                info[key] = int(info[key])
            self._info = info
        return dict(self._info)

    @property
    def is_optimal(self):
        """Whether the status reports an optimal point (at full or reduced accuracy)."""
        return self.status in ("solved", "almost_solved")

    def __repr__(self):
        return (f"Solution(status={self.status!r}, obj_val={self.obj_val!r}, iterations={self.iterations}, "
                f"x={self.x!r})")


def solve(P, q, A, b, cones, **settings):
    """Solves ``min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K``.

    Parameters
    ----------
    P : None, scipy sparse matrix or array (n × n)
        The quadratic cost: its upper triangle, or the whole symmetric matrix (the library then
        keeps its upper triangle). None for a linear objective.
    q : array (n,)
    A : scipy sparse matrix or array (m × n)
    b : array (m,)
    cones : list of ZeroCone, NonnegativeCone, SecondOrderCone, PSDTriangleCone, ExponentialCone,
        PowerCone(alpha), DualExponentialCone, DualPowerCone(alpha) (or Clarabel's cone objects, or
        ``(name, dim)`` pairs), whose sizes add up to m.
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
    # Shapes and dtypes are checked (and converted) here; NaN and Inf by the library, whose message
    # names the array and the entry (checking twice would cost a small solve about 5 %).
    q = _arrays.vector(q, "q", check_finite=False)
    b = _arrays.vector(b, "b", check_finite=False)
    n, m = q.shape[0], b.shape[0]
    cone_list = [cone if type(cone) in _CONE_TYPES and type(cone.dim) is int and cone.dim >= 0 else _cone(cone, k)
                 for k, cone in enumerate(cones)]
    rows = sum(cone.dim * (cone.dim + 1) // 2 if cone.code == 3 else cone.dim for cone in cone_list)
    if rows != m:
        raise InvalidInputError(f"cones: their dimensions add up to {rows} rows but b has {m} entries")
    A_colptr, A_rowval, A_nzval = _arrays.csc(A, "A", (m, n), check_finite=False)
    # The arrays must outlive the call: keep them, not only their addresses.
    # P: its upper triangle or the whole symmetric matrix (the library keeps the upper triangle).
    P_arrays = None if P is None else _arrays.csc(P, "P", (n, n), check_finite=False)
    address = _arrays.address
    P_addresses = (None, None, None) if P is None else tuple(address(a) for a in P_arrays)
    types = np.array([cone.code for cone in cone_list], dtype=np.int32)
    dims = np.array([cone.dim for cone in cone_list], dtype=np.int64)
    # One parameter per cone, read by the library for the power cones only.
    params = (np.array([getattr(cone, "alpha", 0.0) for cone in cone_list], dtype=np.float64)
              if any(isinstance(cone, _POWER_TYPES) for cone in cone_list) else None)
    # Defaults need no settings handle (a null pointer). The library reads no entry of an empty array.
    with (Settings(settings) if settings else _NO_SETTINGS) as handle:
        raw = lib.conic_solve(n, m, *P_addresses, address(q), address(A_colptr), address(A_rowval), address(A_nzval),
                              address(b), len(cone_list), address(types), address(dims),
                              None if params is None else address(params), handle.handle)
    return Solution(Result(raw), n, m)


class _NoSettings:
    handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


_NO_SETTINGS = _NoSettings()
_INFO_KEYS = ("objective", "dual_objective", "iterations", "solve_time", "setup_time", "primal_residual",
              "dual_residual", "gap", "n", "m")
