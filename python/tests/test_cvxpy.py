"""CVXPY problems solved through conic.CVXPY_SOLVER, against Clarabel on the same problems."""
import numpy as np
import pytest

import conic

cp = pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")


# Tight tolerances on both sides: at the default 1e-8 on the gap, degenerate SOCP and SDP duals and
# low-rank primal matrices are determined to only about 1e-5 by either solver; a wrong mapping of
# cones, duals or signs would differ by far more than the 1e-4 allowed.
TIGHT = {conic.CVXPY_SOLVER: {"tol": 1e-10},
         "CLARABEL": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}}


def solve_both(make):
    """Value, primal values and duals from conic and from Clarabel, each on a fresh problem."""
    out = []
    for solver in (conic.CVXPY_SOLVER, "CLARABEL"):
        problem, variables, constraints = make()
        value = problem.solve(solver=solver, **TIGHT[solver])
        out.append((problem.status, value, [v.value for v in variables], [c.dual_value for c in constraints]))
    return out


def assert_agree(make, tol=1e-6):
    (status, value, primal, duals), (status_ref, value_ref, primal_ref, duals_ref) = solve_both(make)
    assert status == status_ref == cp.OPTIMAL
    assert value == pytest.approx(value_ref, rel=tol, abs=tol)
    for x, x_ref in zip(primal, primal_ref):
        np.testing.assert_allclose(x, x_ref, atol=1e-4 * (1 + np.abs(x_ref).max()))
    for y, y_ref in zip(duals, duals_ref):
        np.testing.assert_allclose(np.asarray(y, float), np.asarray(y_ref, float), atol=1e-4 * (1 + np.abs(y_ref).max()))


def test_lp():
    def make():
        rng = np.random.default_rng(0)
        x = cp.Variable(5)
        A = rng.standard_normal((3, 5))
        constraints = [A @ x == A @ np.ones(5), x >= 0, x <= 3]
        return cp.Problem(cp.Minimize(rng.standard_normal(5) @ x), constraints), [x], constraints
    assert_agree(make)


def test_qp():
    def make():
        rng = np.random.default_rng(1)
        x = cp.Variable(6)
        M = rng.standard_normal((8, 6))
        constraints = [cp.sum(x) == 1, x >= -0.5]
        return cp.Problem(cp.Minimize(cp.sum_squares(M @ x - 1) + x[0]), constraints), [x], constraints
    assert_agree(make)


def test_socp():
    def make():
        rng = np.random.default_rng(2)
        x = cp.Variable(4)
        constraints = [cp.norm(x - rng.standard_normal(4)) <= 1, cp.norm(x[:2], 2) <= 0.5 * x[2] + 1]
        return cp.Problem(cp.Minimize(np.arange(1, 5) @ x), constraints), [x], constraints
    assert_agree(make)


def test_sdp():
    def make():
        rng = np.random.default_rng(3)
        C = rng.standard_normal((4, 4))
        C = C + C.T
        X = cp.Variable((4, 4), symmetric=True)
        constraints = [X >> 0, cp.trace(X) == 1, X[0, 1] == 0.1]
        return cp.Problem(cp.Minimize(cp.trace(C @ X)), constraints), [X], constraints
    assert_agree(make)


def test_statuses_are_handed_over():
    x = cp.Variable()
    infeasible = cp.Problem(cp.Minimize(x), [x >= 1, x <= 0])
    infeasible.solve(solver=conic.CVXPY_SOLVER)
    assert infeasible.status == cp.INFEASIBLE and infeasible.value == np.inf
    unbounded = cp.Problem(cp.Minimize(x), [x <= 0])
    unbounded.solve(solver=conic.CVXPY_SOLVER)
    assert unbounded.status == cp.UNBOUNDED
    y = cp.Variable(20)
    limited = cp.Problem(cp.Minimize(cp.sum_squares(y - 1)), [cp.sum(y) == 3, y >= 0])
    limited.solve(solver=conic.CVXPY_SOLVER, max_iter=1)
    assert limited.status == cp.USER_LIMIT


def test_settings_and_errors_pass_through():
    x = cp.Variable(2)
    problem = cp.Problem(cp.Minimize(cp.sum(x)), [x >= 1])
    problem.solve(solver=conic.CVXPY_SOLVER, tol=1e-10, newton_system="quasi-definite")
    assert problem.value == pytest.approx(2.0, abs=1e-8)
    assert problem.solver_stats.num_iters > 0
    with pytest.raises(cp.error.SolverError, match="unknown solver setting 'bogus'"):
        problem.solve(solver=conic.CVXPY_SOLVER, bogus=1)
