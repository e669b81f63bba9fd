"""The Python package in three calls: a QP from scipy arrays, the same through CVXPY, and exact
training of a ReLU network with its certificate.

    python3 Examples/python/quickstart.py
"""
import numpy as np
import scipy.sparse as sp

import conic

# min ½‖x‖² − x₀ − x₁  s.t.  x₀ + x₁ = 1, x ≥ 0  (optimum x = (½, ½), value −0.75)
P = sp.eye(2, format="csc")
q = np.array([-1.0, -1.0])
A = sp.csc_matrix(np.array([[1.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]))
b = np.array([1.0, 0.0, 0.0])
solution = conic.solve(P, q, A, b, [conic.ZeroCone(1), conic.NonnegativeCone(2)], tol=1e-9)
print(f"conic.solve: {solution.status}, objective {solution.obj_val:.9f}, x = {solution.x.round(9)}, "
      f"{solution.iterations} iterations")

try:
    import cvxpy as cp
    x = cp.Variable(2)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(x) - cp.sum(x)), [cp.sum(x) == 1, x >= 0])
    problem.solve(solver=conic.CVXPY_SOLVER)
    print(f"CVXPY with conic.CVXPY_SOLVER: {problem.status}, value {problem.value:.9f}, "
          f"dual of the equality {problem.constraints[0].dual_value:.6f}")
except ImportError:
    print("(cvxpy is not installed: skipped the CVXPY example)")

rng = np.random.default_rng(0)
X = rng.uniform(-2, 2, size=(30, 1))
y = np.sin(2 * X[:, 0])
result = conic.nn.train(X, y, beta=1e-2, bias=True)
c = result.certificate
print(f"conic.nn.train: {result.network.width} neurons, objective {c.objective:.8f}, "
      f"lower bound {c.lower_bound:.8f}, relative gap {c.relative_gap:.1e} ({c.bound_method} bound)")
