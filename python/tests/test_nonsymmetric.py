"""The exponential and power cones (and their duals) through conic.solve and through CVXPY, checked
against the data (residuals, gap, cone membership of s and z) and against Clarabel's values."""
import numpy as np
import pytest
import scipy.sparse as sp

import conic
from checks import check_optimal, cone_violation

clarabel = pytest.importorskip("clarabel")

# The gap tolerance asked of conic: at 1e-10 the exponential cone's logarithms leave some of these
# problems at `almost_solved` (a gap of ~1e-10 relative is near what double precision resolves
# there); 1e-9 is still three orders tighter than the 1e-6 the checks allow.
TOL = 1e-9


def clarabel_solve(P, q, A, b, cones):
    """Clarabel on the same data (cones in Clarabel's own classes)."""
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-10
    n = len(q)
    P = sp.csc_matrix((n, n)) if P is None else sp.triu(sp.csc_matrix(P), format="csc")
    native = []
    for cone in cones:
        if isinstance(cone, conic.ExponentialCone):
            native.append(clarabel.ExponentialConeT())
        elif isinstance(cone, conic.PowerCone):
            native.append(clarabel.PowerConeT(cone.alpha))
        elif isinstance(cone, conic.NonnegativeCone):
            native.append(clarabel.NonnegativeConeT(cone.dim))
        else:
            native.append(clarabel.ZeroConeT(cone.dim))
    solution = clarabel.DefaultSolver(P, np.asarray(q, float), sp.csc_matrix(A), np.asarray(b, float), native,
                                      settings).solve()
    assert str(solution.status) == "Solved"
    return solution


def log_sum_exp(dual=False):
    """min qᵀx  s.t.  Σᵢ exp(aᵢᵀx) ≤ 4, through uᵢ ≥ exp(aᵢᵀx): (aᵢᵀx, 1, uᵢ) ∈ K_exp, Σ uᵢ ≤ 4.

    Variables (x₀, x₁, u₀, u₁, u₂). The aᵢ span the plane positively, so every q is bounded; they
    sum to 0, so Σᵢ exp(aᵢᵀx) ≥ 3 (AM–GM) and the bound 4 leaves an interior.
    With ``dual``, each triple is written as the point of the dual cone it maps to,
    (−1, −aᵢᵀx − 1, uᵢ) ∈ K*_exp, which is the same set: the optimum must not change.
    """
    a = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    q = np.array([-1.0, -0.5, 0, 0, 0])
    rows, b, cones = [], [], []
    for i in range(3):
        u = np.zeros(5)
        u[2 + i] = -1
        ax = np.concatenate([-a[i], np.zeros(3)])  # s = b − Ax = aᵢᵀx
        if dual:
            rows += [np.zeros(5), -ax, u]      # (−1, −aᵢᵀx − 1, uᵢ)
            b += [-1.0, -1.0, 0.0]
            cones.append(conic.DualExponentialCone())
        else:
            rows += [ax, np.zeros(5), u]  # (aᵢᵀx, 1, uᵢ)
            b += [0.0, 1.0, 0.0]
            cones.append(conic.ExponentialCone())
    rows.append(np.array([0, 0, 1.0, 1.0, 1.0]))
    b.append(4.0)
    cones.append(conic.NonnegativeCone(1))
    return None, q, sp.csc_matrix(np.array(rows)), np.array(b), cones


def geometric_means(dual=False):
    """min ½·0.1‖w‖² − z₁ − z₂  s.t.  (x₁, y₁, z₁) ∈ K_0.3, (x₂, y₂, z₂) ∈ K_0.6, x₁ + 2y₁ + x₂ + y₂ ≤ 3.

    Variables w = (x₁, y₁, z₁, x₂, y₂, z₂). With ``dual``, each triple is written as its image in
    the dual cone, (αx, (1−α)y, z) ∈ K*_α, the same set.
    """
    alphas = (0.3, 0.6)
    rows, b, cones = [], [], []
    for k, alpha in enumerate(alphas):
        scale = (alpha, 1 - alpha, 1.0) if dual else (1.0, 1.0, 1.0)
        for j in range(3):
            row = np.zeros(6)
            row[3 * k + j] = -scale[j]
            rows.append(row)
            b.append(0.0)
        cones.append(conic.DualPowerCone(alpha) if dual else conic.PowerCone(alpha))
    rows.append(np.array([1.0, 2.0, 0, 1.0, 1.0, 0]))
    b.append(3.0)
    cones.append(conic.NonnegativeCone(1))
    P = 0.1 * sp.eye(6, format="csc")
    return P, np.array([0, 0, -1.0, 0, 0, -1.0]), sp.csc_matrix(np.array(rows)), np.array(b), cones


@pytest.mark.parametrize("problem", [log_sum_exp, geometric_means])
def test_nonsymmetric_cones_against_clarabel(problem):
    data = problem()
    result = conic.solve(*data, tol=TOL)
    check_optimal(result, *data)
    reference = clarabel_solve(*data)
    assert result.obj_val == pytest.approx(reference.obj_val, rel=1e-7, abs=1e-7)
    # The primal and dual feasible sets are strictly curved, so an objective accurate to ε pins
    # the point only to about √ε: at TOL = 1e-9 the log-sum-exp x is 1.2e-5 from the exact
    # optimum (computed to 30 digits) while its gap is 5e-10.
    np.testing.assert_allclose(result.x, reference.x, atol=np.sqrt(TOL))
    np.testing.assert_allclose(result.z, reference.z, atol=np.sqrt(TOL))


@pytest.mark.parametrize("problem", [log_sum_exp, geometric_means])
def test_dual_cones_give_the_same_optimum(problem):
    primal, dual = problem(), problem(dual=True)
    written_in_dual_cones = conic.solve(*dual, tol=TOL)
    check_optimal(written_in_dual_cones, *dual)
    assert written_in_dual_cones.obj_val == pytest.approx(conic.solve(*primal, tol=TOL).obj_val, rel=1e-7, abs=1e-7)


def test_membership_checks_can_fail():
    """The checks above would catch a point outside the cone, or a z in the wrong (non-dual) cone."""
    assert cone_violation(np.array([1.0, 1.0, 1.0]), [conic.ExponentialCone()]) > 0.5   # 1·e¹ > 1
    assert cone_violation(np.array([0.0, 1.0, 1.0]), [conic.ExponentialCone()]) == 0
    # (−1, 0, 0.3) is in K*_exp (e·0.3 ≥ 1·e⁰ fails: 0.815 < 1), (−1, 0, 0.5) is (1.359 ≥ 1).
    assert cone_violation(np.array([-1.0, 0.0, 0.3]), [conic.ExponentialCone()], dual=True) > 0
    assert cone_violation(np.array([-1.0, 0.0, 0.5]), [conic.ExponentialCone()], dual=True) == 0
    assert cone_violation(np.array([1.0, 1.0, 1.01]), [conic.PowerCone(0.3)]) > 0
    assert cone_violation(np.array([0.3, 0.7, 1.0]), [conic.PowerCone(0.3)], dual=True) == pytest.approx(0, abs=1e-12)
    assert cone_violation(np.array([0.3, 0.7, 1.01]), [conic.PowerCone(0.3)], dual=True) > 0


def test_clarabel_cone_objects_are_accepted():
    P, q, A, b, cones = geometric_means()
    native = [clarabel.PowerConeT(0.3), clarabel.PowerConeT(0.6), clarabel.NonnegativeConeT(1)]
    assert conic.solve(P, q, A, b, native, tol=TOL).obj_val == pytest.approx(conic.solve(P, q, A, b, cones, tol=TOL).obj_val)
    _, q, A, b, cones = log_sum_exp()
    native = [clarabel.ExponentialConeT()] * 3 + [clarabel.NonnegativeConeT(1)]
    assert conic.solve(None, q, A, b, native).status == "solved"


@pytest.mark.parametrize("alpha, message", [(1.5, "0 < α < 1"), (0.0, "0 < α < 1"), (float("nan"), "0 < α < 1"),
                                            ("half", "exponent must be a number")])
def test_power_cone_exponents_are_checked(alpha, message):
    P, q, A, b, _ = geometric_means()
    with pytest.raises(conic.InvalidInputError, match=message):
        conic.solve(P, q, A, b, [conic.PowerCone(alpha), conic.PowerCone(0.6), conic.NonnegativeCone(1)])


def test_the_c_abi_needs_the_power_cone_exponents():
    """A power cone without `cone_params` is refused, not read from a null pointer."""
    from conic._lib import Result, lib
    A = sp.csc_matrix(-np.eye(3))
    colptr, rowval, values = (A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data)
    vec = np.zeros(3)
    types, dims = np.array([5], dtype=np.int32), np.array([3], dtype=np.int64)
    raw = lib.conic_solve(3, 3, None, None, None, vec.ctypes.data, colptr.ctypes.data, rowval.ctypes.data,
                          values.ctypes.data, vec.ctypes.data, 1, types.ctypes.data, dims.ctypes.data, None, None)
    with pytest.raises(conic.InvalidInputError, match="cone_params is a null pointer"):
        Result(raw)
    dims, alpha = np.array([4], dtype=np.int64), np.array([0.5])
    raw = lib.conic_solve(3, 3, None, None, None, vec.ctypes.data, colptr.ctypes.data, rowval.ctypes.data,
                          values.ctypes.data, vec.ctypes.data, 1, types.ctypes.data, dims.ctypes.data,
                          alpha.ctypes.data, None)
    with pytest.raises(conic.InvalidInputError, match="dimension 3, not 4"):
        Result(raw)


cp = pytest.importorskip("cvxpy")


def solve_both(make):
    """Status, value, primal values and duals from conic and from Clarabel, each on a fresh problem."""
    out = []
    for solver, options in ((conic.CVXPY_SOLVER, {"tol": TOL}),
                            ("CLARABEL", {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10})):
        problem, variables, constraints = make()
        value = problem.solve(solver=solver, **options)
        out.append((problem.status, value, [v.value for v in variables], [c.dual_value for c in constraints]))
    return out


def assert_agree(make):
    (status, value, primal, duals), (status_ref, value_ref, primal_ref, duals_ref) = solve_both(make)
    assert status == status_ref == cp.OPTIMAL
    assert value == pytest.approx(value_ref, rel=1e-6, abs=1e-6)
    for x, x_ref in zip(primal, primal_ref):
        np.testing.assert_allclose(x, x_ref, atol=1e-4 * (1 + np.abs(x_ref).max()))
    for y, y_ref in zip(duals, duals_ref):
        for part, part_ref in zip(y if isinstance(y, list) else [y], y_ref if isinstance(y_ref, list) else [y_ref]):
            part, part_ref = np.asarray(part, float), np.asarray(part_ref, float)
            np.testing.assert_allclose(part, part_ref, atol=1e-4 * (1 + np.abs(part_ref).max()))


def test_cvxpy_exponential_cone():
    """Entropy maximization with a moment constraint, plus an explicit ExpCone: duals of both."""
    def make():
        x = cp.Variable(4)
        t = cp.Variable()
        constraints = [cp.sum(x) == 1, np.arange(4) @ x == 1.2, cp.constraints.ExpCone(t, 1 + x[0], 3 - x[1])]
        return cp.Problem(cp.Maximize(cp.sum(cp.entr(x)) + 0.1 * t), constraints), [x, t], constraints
    assert_agree(make)


def test_cvxpy_power_cone():
    """Explicit PowCone3D constraints (vector form, two exponents) and their duals."""
    def make():
        x, y, z = cp.Variable(2), cp.Variable(2), cp.Variable(2)
        constraints = [cp.constraints.PowCone3D(x, y, z, np.array([0.3, 0.7])), x + 2 * y <= np.array([3.0, 2.0]),
                       cp.sum(x) <= 2.5]
        return cp.Problem(cp.Maximize(cp.sum(z) - 0.1 * cp.sum_squares(x)), constraints), [x, y, z], constraints
    assert_agree(make)


def test_cvxpy_exponential_cone_certificates():
    """The data CVXPY hands over, solved and checked against the data and cones themselves."""
    x = cp.Variable(3)
    problem = cp.Problem(cp.Minimize(cp.log_sum_exp(x) - x[0] + cp.sum_squares(x)), [cp.sum(x) >= -1])
    data, _, _ = problem.get_problem_data(solver=conic.CVXPY_SOLVER)
    from conic.cvxpy_interface import _cones
    cones = _cones(data["dims"])
    assert any(isinstance(cone, conic.ExponentialCone) for cone in cones)
    P = sp.triu(data["P"], format="csc")
    result = conic.solve(P, data["c"], data["A"], data["b"], cones, tol=TOL)
    check_optimal(result, P, data["c"], data["A"], data["b"], cones)
