"""conic.solve on LP, QP, SOCP and SDP, checked against the data and against Clarabel."""
import threading

import numpy as np
import pytest
import scipy.sparse as sp

import conic
from checks import check_optimal, cone_violation

clarabel = pytest.importorskip("clarabel")

_CLARABEL_CONES = {conic.ZeroCone: "ZeroConeT", conic.NonnegativeCone: "NonnegativeConeT",
                   conic.SecondOrderCone: "SecondOrderConeT", conic.PSDTriangleCone: "PSDTriangleConeT"}


def clarabel_objective(P, q, A, b, cones):
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    n = len(q)
    P = sp.csc_matrix((n, n)) if P is None else sp.triu(sp.csc_matrix(P), format="csc")
    solver = clarabel.DefaultSolver(P, np.asarray(q, float), sp.csc_matrix(A), np.asarray(b, float),
                                    [getattr(clarabel, _CLARABEL_CONES[type(c)])(c.dim) for c in cones], settings)
    solution = solver.solve()
    assert str(solution.status) == "Solved"
    return solution.obj_val


def lp():
    # min −x₀ − 2x₁  s.t.  x₀ + x₁ = 1,  x ≥ 0,  x₁ ≤ 0.7: optimum x = (0.3, 0.7), −1.7.
    A = np.array([[1.0, 1.0], [-1, 0], [0, -1], [0, 1]])
    return None, np.array([-1.0, -2.0]), A, np.array([1.0, 0, 0, 0.7]), [conic.ZeroCone(1), conic.NonnegativeCone(3)]


def random_qp(seed=0, n=8, m=12):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    P = sp.csc_matrix(M @ M.T + 0.1 * np.eye(n))
    A = sp.csc_matrix(rng.standard_normal((m, n)))
    b = rng.random(m) + 0.1  # x = 0 is strictly feasible
    return P, rng.standard_normal(n), A, b, [conic.NonnegativeCone(m)]


def socp():
    # min  x₀ + x₁  s.t.  ‖(x₀, x₁)‖ ≤ 1: the optimum −√2 at x = −(1, 1)/√2.
    A = sp.csc_matrix(np.array([[0.0, 0.0], [-1, 0], [0, -1]]))
    return None, np.array([1.0, 1.0]), A, np.array([1.0, 0, 0]), [conic.SecondOrderCone(3)]


def sdp(seed=2, n=4):
    # min ⟨C, X⟩  s.t.  tr X = 1,  X ⪰ 0: the smallest eigenvalue of C. Variables: svec(X).
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((n, n))
    C = C + C.T
    rows = n * (n + 1) // 2
    c_svec, trace = np.zeros(rows), np.zeros(rows)
    k = 0
    for j in range(n):
        for i in range(j + 1):
            c_svec[k] = C[i, j] if i == j else np.sqrt(2) * C[i, j]
            trace[k] = 1.0 if i == j else 0.0
            k += 1
    A = sp.vstack([sp.csc_matrix(trace), -sp.eye(rows)], format="csc")
    b = np.concatenate([[1.0], np.zeros(rows)])
    return None, c_svec, A, b, [conic.ZeroCone(1), conic.PSDTriangleCone(n)], np.linalg.eigvalsh(C).min()


def test_lp_optimum_and_certificate():
    P, q, A, b, cones = lp()
    result = conic.solve(P, q, A, b, cones)
    check_optimal(result, P, q, A, b, cones)
    np.testing.assert_allclose(result.x, [0.3, 0.7], atol=1e-7)
    assert result.obj_val == pytest.approx(-1.7, abs=1e-7)
    assert result.info["n"] == 2 and result.info["m"] == 4 and result.iterations > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_qp_matches_clarabel(seed):
    P, q, A, b, cones = random_qp(seed)
    result = conic.solve(P, q, A, b, cones)
    check_optimal(result, P, q, A, b, cones)
    assert result.obj_val == pytest.approx(clarabel_objective(P, q, A, b, cones), rel=1e-6, abs=1e-7)


def test_full_symmetric_p_is_read_as_its_upper_triangle():
    P, q, A, b, cones = random_qp(3)
    upper = conic.solve(sp.triu(P), q, A, b, cones)
    full = conic.solve(P.toarray(), q, A.toarray(), b, cones)  # dense inputs are converted
    assert full.obj_val == pytest.approx(upper.obj_val, rel=1e-9)


def test_socp_matches_closed_form_and_clarabel():
    P, q, A, b, cones = socp()
    result = conic.solve(P, q, A, b, cones)
    check_optimal(result, P, q, A, b, cones)
    assert result.obj_val == pytest.approx(-np.sqrt(2), abs=1e-7)
    assert result.obj_val == pytest.approx(clarabel_objective(P, q, A, b, cones), abs=1e-7)


def test_sdp_smallest_eigenvalue():
    P, q, A, b, cones, smallest = sdp()
    result = conic.solve(P, q, A, b, cones)
    check_optimal(result, P, q, A, b, cones)
    assert result.obj_val == pytest.approx(smallest, abs=1e-6)
    assert result.obj_val == pytest.approx(clarabel_objective(P, q, A, b, cones), abs=1e-6)


def test_infeasible_lp_returns_a_farkas_certificate():
    # x ≥ 1 and x ≤ 0.
    A, b = np.array([[-1.0], [1.0]]), np.array([-1.0, 0.0])
    result = conic.solve(None, [1.0], A, b, [conic.NonnegativeCone(2)])
    assert result.status == "primal_infeasible"
    z = result.z
    assert cone_violation(z, [conic.NonnegativeCone(2)]) <= 1e-9
    assert np.abs(A.T @ z).max() <= 1e-8 and b @ z < 0
    assert np.isnan(result.obj_val)


def test_unbounded_lp_returns_a_ray():
    result = conic.solve(None, [1.0], np.array([[1.0]]), [0.0], [conic.NonnegativeCone(1)])  # min x s.t. x ≤ 0
    assert result.status == "dual_infeasible"
    assert result.x[0] < 0  # −Ax ∈ K and qᵀx < 0


def test_settings_are_applied():
    P, q, A, b, cones = random_qp(4)
    limited = conic.solve(P, q, A, b, cones, max_iter=1)
    assert limited.status == "max_iterations" and limited.iterations == 1
    for form in ("reduced", "quasi-definite"):
        result = conic.solve(P, q, A, b, cones, newton_system=form, tol=1e-9)
        check_optimal(result, P, q, A, b, cones)


def test_threads_solve_in_parallel_and_agree():
    """ctypes releases the GIL during the call: several threads solve at once, results unchanged."""
    problems = [random_qp(seed) for seed in range(8)]
    expected = [conic.solve(*problem).obj_val for problem in problems]
    results = [None] * len(problems)

    def work(k):
        results[k] = conic.solve(*problems[k]).obj_val

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(problems))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def test_the_gil_is_released_during_a_solve():
    """While one thread is inside the library, another Python thread keeps running."""
    import time
    P, q, A, b, cones = random_qp(5, n=150, m=400)
    window, done = [], threading.Event()

    def solve():
        start = time.perf_counter()
        conic.solve(P, q, A, b, cones)
        window.extend([start, time.perf_counter()])
        done.set()

    thread = threading.Thread(target=solve)
    ticks = []
    thread.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
    thread.join()
    start, end = window
    # Were the GIL held during the call, this loop could not run in the middle of it (the edges
    # allow for the 5 ms switch interval around the call).
    margin = 0.25 * (end - start)
    inside = sum(start + margin < t < end - margin for t in ticks)
    assert end - start > 0.02, "the problem solved too fast to tell"
    assert inside > 100, (inside, end - start)
