#!/usr/bin/env python3
"""Independent check of a solver's claim from the exported data (issue 15).

A status is a claim about the problem; this module checks it from the data alone, with numpy and
scipy, never trusting the solver's own residuals. The data are `conic export FILE --output P.json`
(read by `harness.load_export`):

    minimize ½xᵀPx + qᵀx + c0   subject to   Ax + s = b,  s ∈ K

and the point or certificate is the solution file of `conic solve FILE --solution SOL.json`
(`x`, `s`, `z` in that same form, `z` the dual of the cone constraint: Px + Aᵀz + q = 0, z ∈ K*;
for a maximization the file's `objective` is −(½xᵀPx + qᵀx + c0), `objective_sense` says which).
K is a product of zero cones (K* free), nonnegative orthants, second-order cones
{(t, u): t ≥ ‖u‖₂} and PSD cones in `svec` form (upper triangle by columns, off-diagonal ×√2,
see docs/psd-vectorization.md); all but the zero cone are self-dual.

Norms are ∞-norms; ‖A‖ is the largest |Aᵢⱼ|; |A||x| is the vector of row sums Σⱼ|Aᵢⱼxⱼ|.
ε is the tolerance of the claim's class (table below).

`solved` (x, s, z) — all of:
  * primal residual  ‖Ax + s − b‖ ≤ ε · max(1, ‖b‖, ‖|A||x|‖, ‖s‖);
  * per row i with bᵢ ≠ 0: |Ax + s − b|ᵢ ≤ ε_row · (|bᵢ| + (|A||x|)ᵢ + |sᵢ|), no floor: a row whose
    terms are tiny against the rest of the problem is judged against its own terms (issue 15 #3);
  * dual residual  ‖Px + Aᵀz + q‖ ≤ ε · max(1, ‖q‖, ‖|P||x|‖, ‖|Aᵀ||z|‖), and per column j with
    qⱼ ≠ 0 the same against |qⱼ| + (|P||x|)ⱼ + (|Aᵀ||z|)ⱼ with ε_row;
  * except, for both, a row or column whose terms vanish — below 1e-8 of its data at the point's
    scale, |bᵢ| + Σⱼ|Aᵢⱼ|·‖x‖ (columns |qⱼ| + Σᵢ|Aᵢⱼ|·‖z‖ + Σₖ|Pⱼₖ|·‖x‖) — which also passes when
    its residual moves the objective by at most ε·max(1, |pobj|, |dobj|) (|rᵢzᵢ|, |rⱼxⱼ|): a
    cost that is a rounding error of zero on a variable whose constraints are all slack leaves
    the column's own terms going to zero with the iterates (docs/solver.md, issue 15);
  * s ∈ K and z ∈ K*, each cone's violation (nonnegative: −minᵢ vᵢ; second-order: ‖u‖ − t;
    PSD: −λ_min of the unpacked symmetric matrix; zero cone: max|sᵢ|) at most ε times the
    vector's own norm ‖s‖ (or ‖z‖); and for nonnegative rows with bᵢ ≠ 0, sᵢ ≥ −ε_row times the
    row's terms as above;
  * duality gap |xᵀPx + qᵀx + bᵀz| ≤ ε · max(1, |½xᵀPx + qᵀx|, |½xᵀPx + bᵀz|)
    (primal objective ½xᵀPx + qᵀx, dual −½xᵀPx − bᵀz, without c0);
  * the objective recomputed from x, ½xᵀPx + qᵀx + c0 (negated for a maximization), equals the
    reported one within ε_obj · max(1, |½xᵀPx|, |qᵀx|, |c0|);
  * where a reference optimum exists, the recomputed objective passes the calling benchmark's own
    false-status rule (`reference_rule`, e.g. 1e-3 relative for Maros–Mészáros).

  These tests are necessary, not sufficient. On an ill-conditioned problem a point feasible to
  1e-7 can be far from the optimum: Clarabel's `almost_solved` point on Maros–Mészáros LISWET1
  (objective 26.30, optimum 36.12) has primal residual 4.3e-8, dual residual 1.5e-16 and gap 1e-8
  in the measures above, so it passes even the full tolerances; only the reference catches it.
  The metric `sensitivity` = (‖z‖₁‖Ax + s − b‖ + ‖x‖₁‖Px + Aᵀz + q‖) / max(1, |pobj|, |dobj|), a
  first-order bound on how far the residuals could move the objective, is recorded but not
  tested: it is 6.7e-3 on that point (an objective error of 16.8 allowed, 9.8 seen) and 1.1e-5 on
  conic's correct one, a margin too thin for a verdict. Also recorded, not tested: the residuals
  against the data alone, `primal_res_data` = ‖Ax + s − b‖ / max(1, ‖b‖) and `dual_res_data` =
  ‖Px + Aᵀz + q‖ / max(1, ‖q‖). A test on them would fail sound points whose x is large against
  b (with b = 0 it would ask for an absolute 1e-6 on terms of any size); they show where a point
  is feasible only through cancellation of large terms (SDPLIB hinf5: ‖x‖ = 5.6e4 and row terms
  up to 2.3e6 against ‖b‖ = 41; residual 9.3e-5, 4e-11 of the terms but 2.3e-6 of ‖b‖).

`primal_infeasible` (z) — z ∈ K* (violation ≤ ε‖z‖) and:
  * bᵀz < 0 clearly: −bᵀz ≥ δ · Σᵢ|bᵢzᵢ| (not a cancellation of rounding);
  * ‖Aᵀz‖ ≤ ε · ‖|Aᵀ||z|‖: the columns cancel, not merely a small z;
  * radius: every x with b − Ax ∈ K has ‖x‖₁ ≥ −bᵀz/‖Aᵀz‖ (from 0 ≤ zᵀ(b − Ax)); this must be
    at least (1/ε) · ‖b‖/‖A‖, the size of x the data need. An absolute test (‖Aᵀz‖ ≤ ε|bᵀz|)
    is met by any z once b is large, which is how feasible problems were called infeasible.

`dual_infeasible` (x, s) — s ∈ K (violation ≤ ε‖s‖) and:
  * qᵀx < 0 clearly: −qᵀx ≥ δ · Σⱼ|qⱼxⱼ|;
  * ‖Ax + s‖ ≤ ε · max(‖|A||x|‖, ‖s‖) and ‖Px‖ ≤ ε · ‖|P||x|‖ (cancellation, as above);
  * radius: a dual-feasible z would need ‖z‖₁ ≥ −qᵀx/‖Ax + s‖ (and, with P, a ‖w‖₁ with
    Pw + Aᵀz + q = 0 of at least −qᵀx/‖Px‖); each must be at least (1/ε) · ‖q‖/‖A‖ (‖q‖/‖P‖).

Tolerances (the solver's own are 1e-8 for full claims and 5e-5 to 1e-4 for `almost_*`; the
checker is looser so that it flags wrong answers, not the last digits):

    class                        ε      ε_row   ε_obj   δ
    full (solved, *_infeasible)  1e-6   1e-5    1e-7    1e-8
    almost_*                     1e-3   1e-3    1e-5    1e-8

A failed full claim is *false*; a failed `almost_*` claim is *inaccurate*. Every other status
(max_iterations, time_limit, numerical_error, ...) is not a claim. The verdicts are the values of
the benchmarks' `conic_claim_check` column (full claims: `passed`, `failed: reason`) and
`conic_almost_check` column (`passed`, `inaccurate: reason`); `not_a_claim` otherwise.

Self-test on tiny hand-made problems: `python3 Benchmarks/claims.py --self-test`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import cone_rows, load_export  # noqa: E402  (the one reader of exported problems)

FULL_CLAIMS = ("solved", "primal_infeasible", "dual_infeasible")
ALMOST_CLAIMS = ("almost_solved", "almost_primal_infeasible", "almost_dual_infeasible")


@dataclass(frozen=True)
class Tolerances:
    """The tolerances of one claim class (see the module docstring)."""
    eps: float
    row: float
    obj: float
    sign: float


FULL = Tolerances(eps=1e-6, row=1e-5, obj=1e-7, sign=1e-8)
ALMOST = Tolerances(eps=1e-3, row=1e-3, obj=1e-5, sign=1e-8)


@dataclass
class ClaimCheck:
    """The verdict on one status: `kind` is "full", "almost" or "none" (not a claim);
    `failures` lists the checks that failed (empty: passed); `metrics` the measured ratios
    (each is the quantity divided by its allowance's scale, so compare it with the tolerance)."""
    status: str
    kind: str
    failures: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.kind != "none" and not self.failures

    def verdict(self) -> str:
        """`passed`, `failed: ...` (full claim), `inaccurate: ...` (almost claim), `not_a_claim`."""
        if self.kind == "none":
            return "not_a_claim"
        if not self.failures:
            return "passed"
        return ("failed: " if self.kind == "full" else "inaccurate: ") + "; ".join(self.failures)

    def metrics_text(self) -> str:
        return " ".join(f"{k}={v:.2e}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in self.metrics.items())


# ----------------------------------------------------------------------------------------------
# cones
# ----------------------------------------------------------------------------------------------

def svec_to_matrix(v: np.ndarray, order: int) -> np.ndarray:
    """The symmetric matrix of `svec` v (upper triangle by columns, off-diagonal ×√2)."""
    M = np.zeros((order, order))
    iu = np.triu_indices(order)
    # column-major upper triangle: sort the (row, col) pairs by column, then row
    rows, cols = iu
    idx = np.lexsort((rows, cols))
    rows, cols = rows[idx], cols[idx]
    vals = np.where(rows == cols, v, v / math.sqrt(2.0))
    M[rows, cols] = vals
    M[cols, rows] = vals
    return M


def cone_violations(v: np.ndarray, cones, dual: bool):
    """[(kind, first row, violation)] per cone; `dual` uses K* (the zero cone's dual is free)."""
    out = []
    row = 0
    for kind, dim in cones:
        size = cone_rows(kind, dim)
        blk = v[row:row + size]
        if kind == "zero":
            viol = 0.0 if dual or size == 0 else float(np.max(np.abs(blk)))
        elif kind == "nonnegative":
            viol = max(0.0, float(-np.min(blk))) if size else 0.0
        elif kind == "second_order":
            viol = max(0.0, float(np.linalg.norm(blk[1:]) - blk[0]))
        else:
            viol = max(0.0, float(-np.linalg.eigvalsh(svec_to_matrix(blk, dim))[0])) if dim else 0.0
        out.append((kind, row, viol))
        row += size
    return out


def worst_violation(v: np.ndarray, cones, dual: bool):
    """(violation, description) of the cone violated most."""
    worst, where = 0.0, ""
    for kind, row, viol in cone_violations(v, cones, dual):
        if viol > worst:
            worst, where = viol, f"{kind} cone at row {row}"
    return worst, where


def nonnegative_rows(cones) -> np.ndarray:
    """The row indices of the nonnegative cones."""
    rows, row = [], 0
    for kind, dim in cones:
        size = cone_rows(kind, dim)
        if kind == "nonnegative":
            rows.extend(range(row, row + size))
        row += size
    return np.asarray(rows, dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# the checks
# ----------------------------------------------------------------------------------------------

def _inf(v) -> float:
    return float(np.max(np.abs(v))) if np.size(v) else 0.0


def _vector(sol: dict, key: str, length: int):
    """The solution's vector `key` as floats, or None when absent/null/of the wrong length;
    null entries (non-finite numbers) become NaN so that they fail every test."""
    raw = sol.get(key)
    if raw is None:
        return None
    arr = np.asarray([math.nan if v is None else float(v) for v in raw], dtype=np.float64)
    return arr if arr.shape == (length,) else None


def _full_P(P) -> sp.csc_matrix:
    """The symmetric P from its upper triangle."""
    return (P + sp.triu(P, k=1).T).tocsc()


# An entry's terms vanish below this fraction of its data at the point's scale (as the solver's
# rowwise test, Sources/ConicSolver/Core/Verification.swift).
VANISHING = 1e-8


def _max_abs(M) -> float:
    return float(np.max(np.abs(M.data))) if M.nnz else 0.0


def _check_residual(name, entry, r, data, terms, tol: Tolerances, failures, m, vanishing=None):
    """Normwise test of the residual `r` of `data` against `max(1, ‖data‖, ‖each term‖)`, then
    per entry with `dataᵢ ≠ 0` against `|dataᵢ| + Σ|termᵢ|` (no floor); returns those sums.

    `vanishing = (scale, multiplier, objective_scale)`: an entry whose terms are below
    `VANISHING` of its data at the point's scale (`scaleᵢ`) is judged on its effect on the
    objective instead when that is smaller, `|rᵢ·multiplierᵢ| · (ε_row/ε) / objective_scale`
    (the residual moves the optimum by `rᵢ·multiplierᵢ` to first order): a right-hand side that
    is a rounding error of zero leaves the entry's own terms vanishing with the iterates."""
    scale = max(1.0, _inf(data), *(_inf(v) for v in terms))
    m[f"{name}_res"] = _inf(r) / scale
    if not m[f"{name}_res"] <= tol.eps:
        failures.append(f"{name} residual {m[f'{name}_res']:.2e} > {tol.eps:g}")
    sums = np.abs(data) + sum(np.abs(v) for v in terms)
    own = data != 0
    if np.any(own):
        rel = np.abs(r[own]) / sums[own]
        if vanishing is not None:
            at_scale, multiplier, objective_scale = vanishing
            effect = np.abs(r[own] * multiplier[own]) * (tol.row / tol.eps) / objective_scale
            vanish = sums[own] <= VANISHING * at_scale[own]
            rel = np.where(vanish, np.minimum(rel, effect), rel)
        k = int(np.argmax(rel))
        key = f"{entry[:3]}_res"
        m[key] = float(rel[k])
        if not m[key] <= tol.row:
            i = int(np.flatnonzero(own)[k])
            failures.append(f"{entry} {i} {name} residual {abs(r[i]):.3e} = {m[key]:.2e} of its "
                            f"terms {sums[i]:.3e} > {tol.row:g}")
    return sums


def _check_membership(name, v, cones, dual: bool, tol: Tolerances, failures, m) -> None:
    """The worst cone violation of `v` against ε‖v‖ (K*, the zero cone free, when `dual`)."""
    viol, where = worst_violation(v, cones, dual)
    norm = _inf(v)
    key = f"{name}_cone"
    m[key] = viol / norm if norm > 0 else 0.0
    if not m[key] <= tol.eps:
        failures.append(f"{name} outside {'K*' if dual else 'K'} by {viol:.3e} ({m[key]:.2e} of ‖{name}‖) "
                        f"at {where}")


def check_solved(prob: dict, x, s, z, tol: Tolerances, reported_objective, maximize: bool,
                 reference_rule=None):
    """(failures, metrics) for a claimed primal-dual optimum."""
    failures, m = [], {}
    if x is None or s is None or z is None:
        return ["no x, s or z in the solution"], m
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(s)) and np.all(np.isfinite(z))):
        return ["x, s or z has non-finite entries"], m
    A, b, q, cones = prob["A"], prob["b"], prob["q"], prob["cones"]
    P = _full_P(prob["P"])
    absA = abs(A)
    Ax, Px = A @ x, P @ x
    Aabs_x = absA @ np.abs(x)
    Pabs_x = abs(P) @ np.abs(x)
    ATz = A.T @ z
    ATabs_z = absA.T @ np.abs(z)

    rp, rd = Ax + s - b, Px + ATz + q
    xPx = float(x @ Px)
    qx, bz = float(q @ x), float(b @ z)
    pobj, dobj = 0.5 * xPx + qx, -0.5 * xPx - bz
    objective_scale = max(1.0, abs(pobj), abs(dobj))
    # Rows' and columns' data at the point's scale, for entries whose terms vanish.
    ones_n, ones_m = np.ones(A.shape[1]), np.ones(A.shape[0])
    row_scale = np.abs(b) + (absA @ ones_n) * _inf(x)
    column_scale = np.abs(q) + (absA.T @ ones_m) * _inf(z) + (abs(P) @ ones_n) * _inf(x)
    row_terms = _check_residual("primal", "row", rp, b, (Aabs_x, s), tol, failures, m,
                                vanishing=(row_scale, z, objective_scale))
    _check_residual("dual", "column", rd, q, (Pabs_x, ATabs_z), tol, failures, m,
                    vanishing=(column_scale, x, objective_scale))

    _check_membership("s", s, cones, False, tol, failures, m)
    _check_membership("z", z, cones, True, tol, failures, m)
    nn = nonnegative_rows(cones)
    nn = nn[b[nn] != 0] if nn.size else nn
    if nn.size:
        rel = -s[nn] / row_terms[nn]
        k = int(np.argmax(rel))
        m["row_cone"] = max(0.0, float(rel[k]))
        if not m["row_cone"] <= tol.row:
            i = int(nn[k])
            failures.append(f"row {i}: s = {s[i]:.3e} < 0 by {m['row_cone']:.2e} of its terms")

    m["gap"] = abs(pobj - dobj) / max(1.0, abs(pobj), abs(dobj))
    # Recorded, not tested (see the docstring): the residuals against the data alone, and how far
    # they could move the objective.
    m["primal_res_data"] = _inf(rp) / max(1.0, _inf(b))
    m["dual_res_data"] = _inf(rd) / max(1.0, _inf(q))
    m["sensitivity"] = ((float(np.sum(np.abs(z))) * _inf(rp) + float(np.sum(np.abs(x))) * _inf(rd))
                        / max(1.0, abs(pobj), abs(dobj)))
    if not m["gap"] <= tol.eps:
        failures.append(f"duality gap {abs(pobj - dobj):.3e} = {m['gap']:.2e} relative > {tol.eps:g} "
                        f"(primal {pobj:.9e}, dual {dobj:.9e})")

    c0 = prob["c0"]
    objective = (-1.0 if maximize else 1.0) * (pobj + c0)
    m["objective"] = objective
    rep = _float_or_nan(reported_objective)
    diff = abs(objective - rep) / max(1.0, abs(0.5 * xPx), abs(qx), abs(c0))
    m["objective_mismatch"] = diff
    if not diff <= tol.obj:
        failures.append(f"objective from x {objective:.9e} differs from the reported {rep:.9e}")
    if reference_rule is not None:
        reason = reference_rule(objective)
        if reason:
            failures.append(f"objective from x {objective:.9e}: {reason}")
    return failures, m


def check_primal_infeasible(prob: dict, z, tol: Tolerances):
    failures, m = [], {}
    if z is None or not np.all(np.isfinite(z)):
        return ["no finite z (certificate) in the solution"], m
    A, b, cones = prob["A"], prob["b"], prob["cones"]
    bz = float(b @ z)
    m["bz"] = bz
    terms = float(np.abs(b) @ np.abs(z))
    if not (bz < 0 and -bz >= tol.sign * terms):
        failures.append(f"bᵀz = {bz:.3e} is not clearly negative (Σ|bᵢzᵢ| = {terms:.3e})")
    ATz = A.T @ z
    cancel_scale = _inf(abs(A).T @ np.abs(z))
    m["ATz_rel"] = _inf(ATz) / cancel_scale if cancel_scale > 0 else 0.0
    if not m["ATz_rel"] <= tol.eps:
        failures.append(f"‖Aᵀz‖ = {_inf(ATz):.3e} is {m['ATz_rel']:.2e} of ‖|Aᵀ||z|‖ > {tol.eps:g}")
    normA, normb = _max_abs(A), _inf(b)
    if bz < 0 and normb > 0:
        # radius ratio: (‖b‖/‖A‖) / (−bᵀz/‖Aᵀz‖), which must be ≤ ε
        m["radius"] = (normb / normA) * _inf(ATz) / -bz if normA > 0 else 0.0
        if not m["radius"] <= tol.eps:
            failures.append(f"certificate excludes only ‖x‖₁ < {-bz / max(_inf(ATz), 1e-300):.3e}, "
                            f"against a data scale ‖b‖/‖A‖ = {normb / normA:.3e} "
                            f"(ratio {m['radius']:.2e} > {tol.eps:g})")
    _check_membership("z", z, cones, True, tol, failures, m)
    return failures, m


def check_dual_infeasible(prob: dict, x, s, tol: Tolerances):
    failures, m = [], {}
    if x is None or s is None or not (np.all(np.isfinite(x)) and np.all(np.isfinite(s))):
        return ["no finite x and s (certificate) in the solution"], m
    A, q, cones = prob["A"], prob["q"], prob["cones"]
    P = _full_P(prob["P"])
    qx = float(q @ x)
    m["qx"] = qx
    terms = float(np.abs(q) @ np.abs(x))
    if not (qx < 0 and -qx >= tol.sign * terms):
        failures.append(f"qᵀx = {qx:.3e} is not clearly negative (Σ|qⱼxⱼ| = {terms:.3e})")
    r = A @ x + s
    scale = max(_inf(abs(A) @ np.abs(x)), _inf(s))
    m["Axs_rel"] = _inf(r) / scale if scale > 0 else 0.0
    if not m["Axs_rel"] <= tol.eps:
        failures.append(f"‖Ax + s‖ = {_inf(r):.3e} is {m['Axs_rel']:.2e} of its terms > {tol.eps:g}")
    Px = P @ x
    pscale = _inf(abs(P) @ np.abs(x))
    m["Px_rel"] = _inf(Px) / pscale if pscale > 0 else 0.0
    if not m["Px_rel"] <= tol.eps:
        failures.append(f"‖Px‖ = {_inf(Px):.3e} is {m['Px_rel']:.2e} of ‖|P||x|‖ > {tol.eps:g}")
    normq = _inf(q)
    if qx < 0 and normq > 0:
        ratios = []
        for name, M, res in (("A", A, _inf(r)), ("P", P, _inf(Px))):
            normM = _max_abs(M)
            if normM > 0:
                ratios.append((normq / normM) * res / -qx)
        m["radius"] = max(ratios, default=0.0)
        if not m["radius"] <= tol.eps:
            failures.append(f"direction too short against the data scale ‖q‖/‖A‖, ‖q‖/‖P‖ "
                            f"(ratio {m['radius']:.2e} > {tol.eps:g})")
    _check_membership("s", s, cones, False, tol, failures, m)
    return failures, m


def _float_or_nan(v) -> float:
    try:
        return float(v) if v is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def check_claim(prob: dict, sol: dict, reference_rule=None) -> ClaimCheck:
    """Checks the status in `sol` (a parsed solution file) against `prob` (`harness.load_export`).

    `reference_rule(objective) -> reason | None` is the benchmark's false-status rule for an
    optimal objective (None: no reference value)."""
    status = str(sol.get("status", ""))
    if status in FULL_CLAIMS:
        kind, tol = "full", FULL
    elif status in ALMOST_CLAIMS:
        kind, tol = "almost", ALMOST
    else:
        return ClaimCheck(status, "none")
    base = status.removeprefix("almost_")
    n, m = prob["n"], prob["m"]
    # the solution's cone layout must be the export's (same problem, same rows)
    layout = [(str(c.get("type")), int(c.get("dim", -1))) for c in sol.get("cones") or []]
    if layout and layout != list(prob["cones"]):
        return ClaimCheck(status, kind, ["the solution's cone layout differs from the export's"])
    x, s, z = _vector(sol, "x", n), _vector(sol, "s", m), _vector(sol, "z", m)
    maximize = sol.get("objective_sense") == "maximize"
    if base == "solved":
        failures, metrics = check_solved(prob, x, s, z, tol, sol.get("objective"), maximize, reference_rule)
    elif base == "primal_infeasible":
        failures, metrics = check_primal_infeasible(prob, z, tol)
    else:
        failures, metrics = check_dual_infeasible(prob, x, s, tol)
    return ClaimCheck(status, kind, failures, metrics)


def check_files(export_path, solution_path, reference_rule=None) -> ClaimCheck:
    """`check_claim` on the files written by `conic export` and `conic solve --solution`."""
    with open(solution_path) as f:
        sol = json.load(f)
    return check_claim(load_export(str(export_path)), sol, reference_rule)


# ----------------------------------------------------------------------------------------------
# self-test on hand-made problems
# ----------------------------------------------------------------------------------------------

def _problem(P, q, A, b, cones, c0=0.0) -> dict:
    A = sp.csc_matrix(np.asarray(A, dtype=float))
    n = A.shape[1]
    P = sp.triu(sp.csc_matrix(np.asarray(P, dtype=float) if P is not None else (n, n))).tocsc()
    return {"n": n, "m": A.shape[0], "P": P, "q": np.asarray(q, float), "A": A,
            "b": np.asarray(b, float), "c0": c0, "cones": cones}


def _solution(status, x=None, s=None, z=None, objective=None, sense="minimize") -> dict:
    lst = (lambda v: None if v is None else [float(t) for t in v])
    return {"status": status, "x": lst(x), "s": lst(s), "z": lst(z), "objective": objective,
            "objective_sense": sense}


def self_test() -> int:
    """Tiny problems with known answers: a correct claim passes, a perturbed one fails.
    Returns the process exit code (1 when any case disagrees)."""
    r2 = math.sqrt(2.0)
    cases = []

    # LP: min x1 + x2 s.t. x1 + x2 ≥ 1, x ≥ 0 (rows: −x1 − x2 + s = −1; −x + s = 0).
    lp = _problem(None, [1, 1], [[-1, -1], [-1, 0], [0, -1]], [-1, 0, 0], [("nonnegative", 3)])
    x = np.array([0.5, 0.5])
    good = _solution("solved", x, [0, 0.5, 0.5], [1, 0, 0], 1.0)
    cases.append(("LP optimum", lp, good, None, True))
    cases.append(("LP perturbed x", lp, _solution("solved", [0.4, 0.5], [0, 0.5, 0.5], [1, 0, 0], 0.9),
                  None, False))
    cases.append(("LP wrong reported objective", lp, _solution("solved", x, [0, .5, .5], [1, 0, 0], 1.1),
                  None, False))
    cases.append(("LP gap (z not optimal)", lp, _solution("solved", x, [0, .5, .5], [0.5, 0.5, 0.5], 1.0),
                  None, False))
    cases.append(("LP objective vs reference", lp, good,
                  lambda o: None if abs(o - 2.0) <= 1e-3 * 2 else "off the reference 2", False))
    cases.append(("LP almost_solved slightly off", lp,
                  _solution("almost_solved", [0.5, 0.5 + 1e-5], [1e-5, 0.5, 0.5 + 1e-5], [1, 0, 0],
                            1.0 + 1e-5), None, True))
    cases.append(("LP solved slightly off (1e-5)", lp,
                  _solution("solved", [0.5, 0.5 + 1e-5], [1e-5, 0.5, 0.5 + 1e-5], [1, 0, 0], 1.0 + 1e-5),
                  None, False))

    # Maximization: max −x1 − x2 (export negates: q = (1, 1)); reported objective −1.
    cases.append(("maximization sign", lp, _solution("solved", x, [0, .5, .5], [1, 0, 0], -1.0, "maximize"),
                  None, True))

    # Badly scaled LP of issue 15: min 1e-10 x + 1e10 y, x ≥ 1e10, y ≥ 1e-10, x + 1e10 y ≤ 1e12;
    # y breaking its bound by half passes normwise tests but not the per-row one.
    bad = _problem(None, [1e-10, 1e10], [[-1, 0], [0, -1], [1, 1e10]], [-1e10, -1e-10, 1e12],
                   [("nonnegative", 3)])
    xs = np.array([1e10, 1e-10])
    cases.append(("scaled LP optimum", bad, _solution("solved", xs, [0, 0, 1e12 - 1e10 - 1], [1e-10, 1e10, 0], 2.0),
                  None, True))
    xw = np.array([1e10, 0.5e-10])
    cases.append(("scaled LP row broken by half", bad,
                  _solution("solved", xw, [0, 0, 1e12 - 1e10 - 0.5], [1e-10, 1e10, 0], 1.5), None,
                  "row 1 primal residual"))

    # A column whose terms vanish (issue 15): min −u − 1e-15·b, u ≤ 1, −1 ≤ b ≤ 1. b's cost is a
    # rounding error of zero and its constraints' multipliers vanish with the iterates; at an
    # interior-point answer the column's residual (1e-12) is a third of its terms, but it moves
    # the objective by 3e-13. The broken row of the scaled LP above vanishes too but moves its
    # objective by a quarter, and still fails.
    flat = _problem(None, [-1, -1e-15], [[1, 0], [0, 1], [0, -1]], [1, 1, 1], [("nonnegative", 3)])
    cases.append(("vanishing column (cost 1e-15, multipliers 1e-12)", flat,
                  _solution("solved", [1, 0.3], [0, 0.7, 1.3], [1, 1e-12, 2e-12], -1.0), None, True))
    cases.append(("vanishing column with a gap", flat,
                  _solution("solved", [1, 0.3], [0, 0.7, 1.3], [1.001, 1e-12, 2e-12], -1.0), None, False))

    # QP: min ½x² − x, x ≤ 2 (row x + s = 2): x = 1, z = 0, objective −½.
    qp = _problem([[1.0]], [-1], [[1]], [2], [("nonnegative", 1)])
    cases.append(("QP optimum", qp, _solution("solved", [1], [1], [0], -0.5), None, True))
    cases.append(("QP off optimum", qp, _solution("solved", [1.1], [0.9], [0], -0.495), None, False))

    # SOC: min t s.t. ‖(1, 1)‖ ≤ t: rows (−t, 0, 0) + s = (0, −1, −1)? s = (t, 1, 1) ∈ Q3.
    soc = _problem(None, [1], [[-1], [0], [0]], [0, 1, 1], [("second_order", 3)])
    t = r2
    cases.append(("SOC optimum", soc, _solution("solved", [t], [t, 1, 1], [1, -1 / r2, -1 / r2], t), None, True))
    cases.append(("SOC s outside the cone", soc,
                  _solution("solved", [1.3], [1.3, 1, 1], [1, -1 / r2, -1 / r2], 1.3), None, False))

    # PSD: min x1 − 2x2 s.t. [[x1, x2], [x2, 1]] ⪰ 0 (docs/psd-vectorization.md): x = (1, 1), −1.
    psd = _problem(None, [1, -2], [[-1, 0], [0, -r2], [0, 0]], [0, 0, 1], [("psd_triangle", 2)])
    # Z = [[1, −1], [−1, 1]] (svec (1, −√2, 1)): Aᵀz = (−1, 2) = −q; tr(SZ) = 0.
    cases.append(("PSD optimum", psd, _solution("solved", [1, 1], [1, r2, 1], [1, -r2, 1], -1.0), None, True))
    cases.append(("PSD z not PSD", psd,
                  _solution("solved", [1, 1], [1, r2, 1], [1, -2 * r2, 1 + 1e-16], -1.0), None, False))

    # Primal infeasible: x ≥ 1 and x ≤ 0 (rows −x + s = −1, x + s = 0): z = (1, 1), bᵀz = −1.
    pinf = _problem(None, [1], [[-1], [1]], [-1, 0], [("nonnegative", 2)])
    cases.append(("primal infeasible certificate", pinf, _solution("primal_infeasible", z=[1, 1]), None, True))
    cases.append(("primal infeasible wrong certificate (Aᵀz ≠ 0)", pinf,
                  _solution("primal_infeasible", z=[1, 0.5]), None, False))
    cases.append(("primal infeasible z outside K*", pinf,
                  _solution("primal_infeasible", z=[-1, -1]), None, False))
    # Issue 15 #1: min x1 + x2, x1 + x2 ≥ 1e9, x ≥ 0 is feasible; a z normalized by the huge b
    # passes an absolute test ‖Aᵀz‖ ≤ 1e-8|bᵀz| but not the scale-aware one.
    big = _problem(None, [1, 1], [[-1, -1], [-1, 0], [0, -1]], [-1e9, 0, 0], [("nonnegative", 3)])
    cases.append(("large-b false infeasibility", big,
                  _solution("primal_infeasible", z=[1e-9, 0, 0]), None, "‖Aᵀz‖"))

    # Dual infeasible: min −x, x ≥ 0 (row −x + s = 0): x = 1, s = 1, qᵀx = −1.
    dinf = _problem(None, [-1], [[-1]], [0], [("nonnegative", 1)])
    cases.append(("dual infeasible certificate", dinf, _solution("dual_infeasible", x=[1], s=[1]), None, True))
    cases.append(("dual infeasible wrong certificate (Ax + s ≠ 0)", dinf,
                  _solution("dual_infeasible", x=[1], s=[0.5]), None, False))
    # min 1e9 x, 0 ≤ x ≤ 1 is bounded; the "direction" x = −1e-9 has qᵀx = −1.
    box = _problem(None, [1e9], [[-1], [1]], [0, 1], [("nonnegative", 2)])
    cases.append(("large-q false unboundedness", box,
                  _solution("dual_infeasible", x=[-1e-9], s=[0, 1e-9]), None, "‖Ax + s‖"))

    # a status the checker does not know claims nothing
    cases.append(("max_iterations is not a claim", lp, _solution("max_iterations", x, [0, 0, 0], [0, 0, 0]),
                  None, None))

    bad_count = 0
    for name, prob, sol, rule, expect in cases:
        check = check_claim(prob, sol, rule)
        got = None if check.kind == "none" else check.passed
        # expect: True (passes), False (fails), None (not a claim), or a text the failure must name
        ok = (not got and expect in check.verdict()) if isinstance(expect, str) else got == expect
        bad_count += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {check.verdict()}")
    svec_ok = np.allclose(svec_to_matrix(np.array([1, r2 * 2, 3, r2 * 4, r2 * 5, 6]), 3),
                          [[1, 2, 4], [2, 3, 5], [4, 5, 6]])
    print(f"{'ok  ' if svec_ok else 'FAIL'} svec unpacking (order 3)")
    bad_count += not svec_ok
    print(f"{len(cases) + 1 - bad_count}/{len(cases) + 1} self-test cases pass")
    return 1 if bad_count else 0


# ----------------------------------------------------------------------------------------------
# trap problems of issue 15 through the command line
# ----------------------------------------------------------------------------------------------

def _qps(name: str, rows: str, columns: str, rhs: str = "", bounds: str = "", head: str = "",
         quad: str = "") -> str:
    text = f"NAME {name}\n{head}ROWS\n N obj\n{rows}COLUMNS\n{columns}"
    text += f"RHS\n{rhs}" if rhs else ""
    text += f"BOUNDS\n{bounds}" if bounds else ""
    text += f"QUADOBJ\n{quad}" if quad else ""
    return text + "ENDATA\n"


def _sdpa(c, blocks, entries) -> str:
    """SDPA sparse text: minimize cᵀx s.t. Σ xᵢFᵢ − F₀ ⪰ 0; entries (matrix, block, i, j, value)."""
    lines = [str(len(c)), str(len(blocks)), " ".join(map(str, blocks)), " ".join(map(repr, c))]
    lines += [f"{k} {b} {i} {j} {v!r}" for k, b, i, j, v in entries]
    return "\n".join(lines) + "\n"


def trap_files():
    """(file name, text, expected status, optimum or None): the wrong-status classes of issue 15."""
    sweep_rows = "".join(f" G r{i}\n" for i in range(13))
    sweep_cols = "".join(f" x{i} obj 1 r{i} 1e{2 * i - 12}\n" for i in range(13))
    sweep_rhs = "".join(f" rhs r{i} 1e{2 * i - 12}\n" for i in range(13))
    return [
        ("bigrhs.qps", _qps("BIGRHS", " G c1\n", " x1 obj 1 c1 1\n x2 obj 1 c1 1\n", " rhs c1 1e9\n"),
         "solved", 1e9),
        ("bigcost.qps", _qps("BIGCOST", " L c1\n", " x obj 1e9 c1 1\n", " rhs c1 1\n"), "solved", 0.0),
        ("bigcost_neg.qps", _qps("BIGCOSTNEG", " L c1\n", " x obj -1e9 c1 1\n", " rhs c1 1\n"),
         "solved", -1e9),
        ("scaled_lp.qps", _qps("SCALEDLP", " G r1\n G r2\n L r3\n",
                               " x obj 1e-10 r1 1\n x r3 1\n y obj 1e10 r2 1\n y r3 1e10\n",
                               " rhs r1 1e10 r2 1e-10\n rhs r3 1e12\n"), "solved", 2.0),
        ("row_sweep.qps", _qps("ROWSWEEP", sweep_rows, sweep_cols, sweep_rhs), "solved", 13.0),
        ("maximize.qps", _qps("MAXLP", " L c1\n", " x1 obj 1 c1 1\n x2 obj 1 c1 2\n", " rhs c1 4\n",
                              " UP bnd x1 3\n", "OBJSENSE\n    MAX\n"), "solved", 3.5),
        ("infeasible_big.qps", _qps("INFBIG", " G r1\n L r2\n", " x obj 1 r1 1\n x r2 1\n",
                                    " rhs r1 1e6 r2 -1e6\n", " FR bnd x\n"), "primal_infeasible", None),
        ("unbounded.qps", _qps("UNBND", " E r1\n", " x1 obj -1 r1 1\n x2 r1 -1\n", " rhs r1 5\n"),
         "dual_infeasible", None),
        ("unbounded_big.qps", _qps("UNBNDBIG", " E r1\n", " x1 obj -1e9 r1 1\n x2 r1 -1\n",
                                   " rhs r1 5e9\n"), "dual_infeasible", None),
        # min x₁² − 4x₂² + x₁x₂ + 0.1x₁ + 0.2x₂ on [−1, 1]²: not convex, was `solved` at a saddle
        ("indefinite.qps", _qps("INDEF", " L c1\n", " x1 obj 0.1 c1 1\n x2 obj 0.2 c1 1\n", " rhs c1 2\n",
                                " LO bnd x1 -1\n UP bnd x1 1\n LO bnd x2 -1\n UP bnd x2 1\n",
                                quad=" x1 x1 2\n x2 x1 1\n x2 x2 -8\n"), "error (not convex)", None),
        # min x₁ s.t. [[0, x₁, 0], [x₁, x₂, 0], [0, 0, x₁ + 1]] ⪰ 0: primal 0, dual −1 (no optimum
        # can pass the tests; facial reduction used to make it `solved` at −1)
        ("sdp_gap.dat-s", _sdpa([1.0, 0.0], [3], [(0, 1, 3, 3, -1.0), (1, 1, 1, 2, 1.0), (1, 1, 3, 3, 1.0),
                                                  (2, 1, 2, 2, 1.0)]), "not solved", None),
        # [[x₁, 1], [1, x₂]] ⪰ 0 with x₂ = 0 (a diagonal block x₂ ≥ 0, −x₂ ≥ 0): weakly infeasible
        ("sdp_weak.dat-s", _sdpa([1.0, 0.0], [2, -2], [(0, 1, 1, 2, -1.0), (1, 1, 1, 1, 1.0), (2, 1, 2, 2, 1.0),
                                                       (2, 2, 1, 1, 1.0), (2, 2, 2, 2, -1.0)]),
         "not solved", None),
    ]


def run_traps(conic: str, work: Path) -> int:
    """Solves each trap with `conic solve --solution`, checks the claim from `conic export`."""
    import harness

    work.mkdir(parents=True, exist_ok=True)
    false = 0
    print(f"{'problem':20s} {'expected':18s} {'status':26s} {'objective':>16s}  check")
    for fname, text, expected, optimum in trap_files():
        path = work / fname
        path.write_text(text)
        export, solution = work / (fname + ".json"), work / (fname + ".solution.json")
        res = harness.run_conic_solve(conic, path, 30.0, solution=solution)
        rule = None if optimum is None else (
            lambda obj, opt=optimum: None if harness.within(obj, opt, 1e-3) else f"off the optimum {opt:g}")
        harness.check_conic_claim(res, conic, path, export, solution, 60.0, rule)
        verdict = res["claim_check"] if res["claim_check"] != "not_a_claim" else res["almost_check"]
        false += res["claim_check"].startswith("failed")
        obj = harness.fmt_num(res["objective"], ".9e")
        print(f"{fname:20s} {expected:18s} {res['status']:26s} {obj:>16s}  {verdict}"
              + (f" ({res['note']})" if res.get("note") else ""))
    print(f"false claims: {false}")
    return 1 if false else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Check a solver's claim independently from the exported data.")
    ap.add_argument("--self-test", action="store_true", help="run the hand-made test problems")
    ap.add_argument("--traps", metavar="CONIC",
                    help="solve the issue-15 trap problems with this conic executable and check each claim")
    ap.add_argument("--work-dir", metavar="DIR", type=Path, default=Path("/tmp/conic-claim-traps"),
                    help="where --traps writes its problem and solution files (default: %(default)s)")
    ap.add_argument("--export", metavar="P.json", help="problem from `conic export FILE --output P.json`")
    ap.add_argument("--solution", metavar="SOL.json", help="from `conic solve FILE --solution SOL.json`")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if args.traps:
        return run_traps(args.traps, args.work_dir)
    if not (args.export and args.solution):
        ap.error("give --export and --solution, or --self-test")
    check = check_files(args.export, args.solution)
    print(f"{check.status}: {check.verdict()}")
    print(check.metrics_text())
    return 0 if check.kind == "none" or check.passed else 1


if __name__ == "__main__":
    sys.exit(main())
