"""Python interface to the Conic solver and its certified training of two-layer ReLU networks.

- :func:`solve` solves ``min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K`` (zero, nonnegative,
  second-order, PSD, exponential and power cones), after Clarabel's Python API.
- :mod:`conic.nn` trains two-layer ReLU networks exactly and certifies networks trained
  elsewhere (numpy weights or a ``torch.nn.Sequential(Linear, ReLU, Linear)``).
- ``conic.CVXPY_SOLVER`` is a CVXPY solver: ``problem.solve(solver=conic.CVXPY_SOLVER)``.

The library is called through ctypes, which releases the GIL during every call.
"""
from ._errors import (ConicError, InvalidInputError, InvalidSettingError, ProblemTooLargeError,
                      SolverError)
from ._lib import lib as _clib
from .solver import (DualExponentialCone, DualPowerCone, ExponentialCone, NonnegativeCone, PowerCone,
                     PSDTriangleCone, SecondOrderCone, Solution, ZeroCone, solve)
from . import nn

__version__ = _clib.conic_version().decode()

__all__ = ["solve", "Solution", "ZeroCone", "NonnegativeCone", "SecondOrderCone", "PSDTriangleCone",
           "ExponentialCone", "PowerCone", "DualExponentialCone", "DualPowerCone",
           "ConicError", "InvalidInputError", "InvalidSettingError", "ProblemTooLargeError", "SolverError",
           "nn", "CVXPY_SOLVER", "__version__"]


def __getattr__(name):
    # CVXPY is optional and slow to import: its solver class is made on first use.
    if name == "CVXPY_SOLVER":
        from .cvxpy_interface import CONIC
        solver = CONIC()
        globals()["CVXPY_SOLVER"] = solver
        return solver
    raise AttributeError(f"module 'conic' has no attribute {name!r}")
