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


def exponential_violation(x, y, z):
    """How far (x, y, z) lies outside closure{y e^{x/y} ≤ z, y > 0} (0 inside)."""
    if y > 0 and z > 0:
        return max(0.0, x - y * np.log(z / y))
    # Only the face {x ≤ 0, y = 0, z ≥ 0} of the closure is left.
    return max(0.0, abs(y), x, -z)


def power_violation(x, y, z, alpha):
    """How far (x, y, z) lies outside {x^α y^{1−α} ≥ |z|, x, y ≥ 0} (0 inside)."""
    return max(0.0, -x, -y, abs(z) - max(x, 0) ** alpha * max(y, 0) ** (1 - alpha))


def rows_of(cone):
    """Rows of the product a cone covers."""
    return cone.dim * (cone.dim + 1) // 2 if isinstance(cone, conic.PSDTriangleCone) else cone.dim


def cone_violation(v, cones, dual=False):
    """How far v lies outside the product cone, or its dual with ``dual`` (0 inside). The zero cone
    is left out (its dual is everything); the others: ℝ₊, SOC and PSD are self-dual, and
    (u, v, w) ∈ K*_exp ⇔ (u − v, −u, w) ∈ K_exp, (u, v, w) ∈ K*_α ⇔ (u/α, v/(1−α), w) ∈ K_α."""
    worst, start = 0.0, 0
    for cone in cones:
        rows = rows_of(cone)
        part = v[start:start + rows]
        if isinstance(cone, conic.NonnegativeCone):
            worst = max(worst, float(np.max(-part, initial=0)))
        elif isinstance(cone, conic.SecondOrderCone):
            worst = max(worst, float(np.linalg.norm(part[1:]) - part[0]))
        elif isinstance(cone, conic.PSDTriangleCone):
            worst = max(worst, float(-np.linalg.eigvalsh(smat(part, cone.dim)).min()))
        elif isinstance(cone, (conic.ExponentialCone, conic.DualExponentialCone)):
            u, w_, t = part
            in_dual = dual != isinstance(cone, conic.DualExponentialCone)
            worst = max(worst, exponential_violation(u - w_, -u, t) if in_dual else exponential_violation(u, w_, t))
        elif isinstance(cone, (conic.PowerCone, conic.DualPowerCone)):
            a = cone.alpha
            u, w_, t = part
            in_dual = dual != isinstance(cone, conic.DualPowerCone)
            worst = max(worst, power_violation(u / a, w_ / (1 - a), t, a) if in_dual else power_violation(u, w_, t, a))
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
        start += rows_of(cone)
    others = [c for c in cones if not isinstance(c, conic.ZeroCone)]
    zero_rows = sum(c.dim for c in cones if isinstance(c, conic.ZeroCone))
    assert cones[:len(cones) - len(others)] == [c for c in cones if isinstance(c, conic.ZeroCone)], "zero cones first"
    assert cone_violation(s[zero_rows:], others) <= tol * scale
    assert cone_violation(z[zero_rows:], others, dual=True) <= tol * scale
    primal = 0.5 * x @ (P_full @ x) + q @ x
    dual = -0.5 * x @ (P_full @ x) - b @ z
    assert abs(primal - result.obj_val) <= tol * (1 + abs(primal))
    assert abs(primal - dual) <= tol * (1 + abs(primal))
