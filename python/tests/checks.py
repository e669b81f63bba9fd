"""Checks of a conic solution against the original data: residuals, gap and cone membership."""
import numpy as np
import scipy.sparse as sp

import conic


def smat(v, n):
    """The symmetric matrix of an svec vector (upper triangle by columns, off-diagonals × √2)."""
    M = np.zeros((n, n))
    k = 0
    for j in range(n):
        for i in range(j + 1):
            M[i, j] = M[j, i] = v[k] if i == j else v[k] / np.sqrt(2)
            k += 1
    return M


def cone_violation(v, cones):
    """How far v lies outside the product cone (0 inside); the cones are self-dual except zero."""
    worst, start = 0.0, 0
    for cone in cones:
        rows = cone.dim * (cone.dim + 1) // 2 if isinstance(cone, conic.PSDTriangleCone) else cone.dim
        part = v[start:start + rows]
        if isinstance(cone, conic.NonnegativeCone):
            worst = max(worst, float(np.max(-part, initial=0)))
        elif isinstance(cone, conic.SecondOrderCone):
            worst = max(worst, float(np.linalg.norm(part[1:]) - part[0]))
        elif isinstance(cone, conic.PSDTriangleCone):
            worst = max(worst, float(-np.linalg.eigvalsh(smat(part, cone.dim)).min()))
        start += rows
    return worst


def check_optimal(result, P, q, A, b, cones, tol=1e-6):
    """An optimal primal-dual pair: feasible, in the cones, zero gap; the objective as reported."""
    assert result.status == "solved", result.status
    P = sp.csc_matrix((len(q), len(q))) if P is None else sp.csc_matrix(P)
    P_full = sp.triu(P) + sp.triu(P, k=1).T
    A = sp.csc_matrix(A)
    x, s, z = result.x, result.s, result.z
    scale = 1 + max(np.abs(b).max(initial=0), np.abs(q).max(initial=0))
    assert np.abs(A @ x + s - b).max(initial=0) <= tol * scale
    assert np.abs(P_full @ x + A.T @ z + q).max(initial=0) <= tol * scale
    # s ∈ K and z ∈ K* (zero rows: s = 0, z free).
    start = 0
    for cone in cones:
        if isinstance(cone, conic.ZeroCone):
            assert np.abs(s[start:start + cone.dim]).max(initial=0) <= tol * scale
        start += cone.dim * (cone.dim + 1) // 2 if isinstance(cone, conic.PSDTriangleCone) else cone.dim
    others = [c for c in cones if not isinstance(c, conic.ZeroCone)]
    zero_rows = sum(c.dim for c in cones if isinstance(c, conic.ZeroCone))
    assert cones[:len(cones) - len(others)] == [c for c in cones if isinstance(c, conic.ZeroCone)], "zero cones first"
    assert cone_violation(s[zero_rows:], others) <= tol * scale
    assert cone_violation(z[zero_rows:], others) <= tol * scale
    primal = 0.5 * x @ (P_full @ x) + q @ x
    dual = -0.5 * x @ (P_full @ x) - b @ z
    assert abs(primal - result.obj_val) <= tol * (1 + abs(primal))
    assert abs(primal - dual) <= tol * (1 + abs(primal))
