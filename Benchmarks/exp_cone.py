#!/usr/bin/env python3
"""Exponential- and power-cone benchmark: `conic` against Clarabel, ECOS and SCS on identical data.

One command, from the repository root (after `swift build -c release`):

    python3 Benchmarks/exp_cone.py [--quick] [--time-limit 120]

Problems (generated here from real data and fixed seeds):

* l1-regularized logistic regression on five UCI classification sets from ../shared/data/uci
  (min sum log(1 + exp(-y_i w^T a_i - y_i b)) + lambda ||w||_1, lambda = 0.1 * lambda_max / ...),
* entropy maximization under random linear constraints,
* geometric programs in exponential-cone form (log-sum-exp posynomials),
* p-norm regression with p = 1.5 and 3 through the power cone (ECOS has no power cone).

Each problem is built with CVXPY and its conic data taken once from
`problem.get_problem_data(cp.CLARABEL)` (minimize c^T x s.t. A x + s = b, s in K, with K ordered
zero, nonnegative, second-order, exponential, power). That one data set is written to CBF for
`conic solve FILE --json` (column conic: the default primal-dual scaling of the exponential
and power cones; column conic-dual: `--nonsymmetric-scaling dual`) and handed to Clarabel and SCS directly, and to ECOS with its
exponential-cone rows permuted to ECOS's (x, z, y) order. Every solver runs with its default
tolerances. Reported: status, objective c^T x (agreement within 1e-6 relative of the best peer's:
the first of Clarabel, ECOS, SCS that solved),
solve time, and the shifted geometric mean (shift 0.01 s) of the time ratio to Clarabel.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import cvxpy as cp

REPO = Path(__file__).resolve().parent.parent
UCI = (REPO / ".." / "shared" / "data" / "uci").resolve()
CONIC = REPO / ".build" / "release" / "conic"
SHIFT = 0.01
AGREE = 1e-6
UCI_SETS = ["pima", "ionosphere", "breast-cancer-wisc-diag", "statlog-german-credit", "spectf"]


# ---------------------------------------------------------------- problems

def load_uci(name: str):
    folder = UCI / name
    features = np.loadtxt(folder / f"{name}_py.dat", delimiter=",")
    labels = np.loadtxt(folder / "labels_py.dat")
    y = np.where(labels > 0.5, 1.0, -1.0)
    return features, y


def logistic_l1(name: str, replicate: int = 1, seed: int = 0):
    features, y = load_uci(name)
    if replicate > 1:
        rng = np.random.default_rng(seed)
        features = np.vstack([features + 0.05 * rng.standard_normal(features.shape) for _ in range(replicate)])
        y = np.tile(y, replicate)
    m, n = features.shape
    # lambda_max = ||A^T y||_inf / 2 for the logistic loss at w = 0; use a tenth of it.
    lam = 0.1 * np.abs(features.T @ y).max() / 2
    w, b = cp.Variable(n), cp.Variable()
    loss = cp.sum(cp.logistic(-cp.multiply(y, features @ w + b)))
    return cp.Problem(cp.Minimize(loss + lam * cp.norm1(w)))


def entropy_max(n: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((k, n))
    p0 = rng.random(n); p0 /= p0.sum()
    g = F @ p0 + 0.05 * rng.random(k)   # feasible with room: p0 satisfies F p <= g
    p = cp.Variable(n)
    return cp.Problem(cp.Maximize(cp.sum(cp.entr(p))), [cp.sum(p) == 1, F @ p <= g])


def geometric_program(n: int, terms: int, constraints: int, seed: int):
    """A random GP, minimize a posynomial subject to posynomial constraints <= 1 and box bounds,
    in log variables (log-sum-exp of affine functions); x = 0 is strictly feasible."""
    rng = np.random.default_rng(seed)
    x = cp.Variable(n)
    def lse(t):
        E = rng.uniform(-1, 1, (t, n))
        c = rng.uniform(-1, 0, t) - math.log(t) - 0.1   # sum of exp(c) < 1: x = 0 is feasible
        return cp.log_sum_exp(E @ x + c)
    cons = [lse(terms) <= 0 for _ in range(constraints)] + [x >= -3, x <= 3]
    return cp.Problem(cp.Minimize(lse(terms)), cons)


def pnorm_regression(m: int, n: int, p: float, seed: int):
    """min ||A x - b||_p written with 3-D power cones (CVXPY's own pnorm gives second-order
    cones): ||r||_p <= t  <=>  (v_i, t, r_i) in K_{1/p}, sum v = t."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    b = A @ rng.standard_normal(n) + 0.5 * rng.standard_normal(m)
    x, v, t = cp.Variable(n), cp.Variable(m), cp.Variable()
    r = A @ x - b
    cons = [cp.constraints.PowCone3D(v, t * np.ones(m), r, 1 / p), cp.sum(v) == t]
    return cp.Problem(cp.Minimize(t), cons)


def problems(quick: bool):
    out = []
    for name in UCI_SETS[: 2 if quick else 5]:
        out.append((f"logreg-{name}", logistic_l1(name)))
    if not quick:
        out.append(("logreg-german-x10", logistic_l1("statlog-german-credit", replicate=10)))
    for n, k, seed in [(50, 10, 1), (200, 40, 2)] + ([] if quick else [(1000, 100, 3)]):
        out.append((f"entropy-{n}", entropy_max(n, k, seed)))
    for n, t, c, seed in [(5, 6, 4, 11), (20, 20, 10, 12)] + ([] if quick else [(50, 40, 30, 13)]):
        out.append((f"gp-{n}", geometric_program(n, t, c, seed)))
    for p in (1.5, 3.0):
        for m, n, seed in [(100, 20, 21)] + ([] if quick else [(1000, 100, 22)]):
            out.append((f"pnorm{p}-{m}x{n}", pnorm_regression(m, n, p, seed)))
    return out


# ---------------------------------------------------------------- data and CBF

def conic_data(problem: cp.Problem):
    data, _, _ = problem.get_problem_data(cp.CLARABEL)
    if data.get("P") is not None and sp.csc_matrix(data["P"]).nnz > 0:
        raise ValueError("quadratic objectives are not written to CBF here")
    dims = data["dims"]
    if dims.psd or getattr(dims, "pnd", []):
        raise ValueError("PSD and n-dimensional power cones are not in this benchmark")
    return {
        "c": np.asarray(data["c"], dtype=float), "A": sp.csc_matrix(data["A"]), "b": np.asarray(data["b"], dtype=float),
        "zero": dims.zero, "nonneg": dims.nonneg, "soc": list(dims.soc), "exp": dims.exp, "p3d": list(dims.p3d),
    }


def cone_rows(d):
    """(kind, first row, size) for every cone, in row order."""
    rows, r = [], 0
    for kind, size in [("zero", d["zero"]), ("nonneg", d["nonneg"])]:
        if size:
            rows.append((kind, r, size)); r += size
    for q in d["soc"]:
        rows.append(("soc", r, q)); r += q
    for _ in range(d["exp"]):
        rows.append(("exp", r, 3)); r += 3
    for alpha in d["p3d"]:
        rows.append((("pow", alpha), r, 3)); r += 3
    return rows


def write_cbf(d, path: Path):
    """CBF: min c^T x s.t. g = -A x + b in K (so g is the slack s). EXP rows are reversed (CBF lists
    the bound first); a power cone of exponent alpha is @k:POW with parameters (alpha, 1 - alpha)."""
    m, n = d["A"].shape
    blocks, order = [], np.arange(m)
    alphas = []
    for kind, r, size in cone_rows(d):
        if kind == "zero":
            blocks.append(("L=", size))
        elif kind == "nonneg":
            blocks.append(("L+", size))
        elif kind == "soc":
            blocks.append(("Q", size))
        elif kind == "exp":
            blocks.append(("EXP", 3)); order[r:r + 3] = [r + 2, r + 1, r]
        else:
            blocks.append((f"@{len(alphas)}:POW", 3)); alphas.append(kind[1])
    A = (-d["A"]).tocsr()[order].tocoo()
    b = d["b"][order]
    lines = ["VER", "3", ""]
    if alphas:
        lines += ["POWCONES", f"{len(alphas)} {2 * len(alphas)}"]
        for a in alphas:
            lines += ["2", repr(float(a)), repr(1 - float(a))]
        lines.append("")
    lines += ["OBJSENSE", "MIN", "", "VAR", f"{n} 1", f"F {n}", "", "CON", f"{m} {len(blocks)}"]
    lines += [f"{k} {s}" for k, s in blocks] + [""]
    c = d["c"]
    nz = np.nonzero(c)[0]
    lines += ["OBJACOORD", str(len(nz))] + [f"{j} {float(c[j])!r}" for j in nz] + [""]
    lines += ["ACOORD", str(A.nnz)] + [f"{i} {j} {float(v)!r}" for i, j, v in zip(A.row, A.col, A.data)] + [""]
    nzb = np.nonzero(b)[0]
    lines += ["BCOORD", str(len(nzb))] + [f"{i} {float(b[i])!r}" for i in nzb] + [""]
    path.write_text("\n".join(lines))


# ---------------------------------------------------------------- solvers

def run_conic(path: Path, time_limit: float, extra=()):
    start = time.perf_counter()
    out = subprocess.run([str(CONIC), "solve", str(path), "--json", "--time-limit", str(time_limit), *extra],
                         capture_output=True, text=True, timeout=time_limit + 60)
    wall = time.perf_counter() - start
    try:
        r = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"status": "error", "objective": math.nan, "time": wall, "iterations": None}
    obj = r.get("objective")
    return {"status": r["status"], "objective": math.nan if obj is None else float(obj),
            "time": float(r.get("solve_time", wall)) + float(r.get("setup_time", 0) or 0), "iterations": r.get("iterations")}


def run_clarabel(d, time_limit: float):
    import clarabel
    cones = []
    if d["zero"]: cones.append(clarabel.ZeroConeT(d["zero"]))
    if d["nonneg"]: cones.append(clarabel.NonnegativeConeT(d["nonneg"]))
    cones += [clarabel.SecondOrderConeT(q) for q in d["soc"]]
    if d["exp"]: cones += [clarabel.ExponentialConeT() for _ in range(d["exp"])]
    cones += [clarabel.PowerConeT(float(a)) for a in d["p3d"]]
    n = d["A"].shape[1]
    settings = clarabel.DefaultSettings(); settings.verbose = False; settings.time_limit = time_limit
    start = time.perf_counter()
    solver = clarabel.DefaultSolver(sp.csc_matrix((n, n)), d["c"], d["A"], d["b"], cones, settings)
    sol = solver.solve()
    wall = time.perf_counter() - start
    status = str(sol.status)
    return {"status": "solved" if status == "Solved" else status.lower(), "objective": float(d["c"] @ np.array(sol.x)),
            "time": wall, "iterations": sol.iterations}


def run_scs(d, time_limit: float):
    import scs
    cone = {"z": d["zero"], "l": d["nonneg"], "q": d["soc"], "ep": d["exp"], "p": [float(a) for a in d["p3d"]]}
    start = time.perf_counter()
    solver = scs.SCS({"A": d["A"], "b": d["b"], "c": d["c"]}, cone, verbose=False, time_limit_secs=time_limit)
    sol = solver.solve()
    wall = time.perf_counter() - start
    status = sol["info"]["status"]
    return {"status": "solved" if status == "solved" else status, "objective": float(d["c"] @ sol["x"]),
            "time": wall, "iterations": sol["info"]["iter"]}


def run_ecos(d, time_limit: float):
    if d["p3d"]:
        return {"status": "n/a", "objective": math.nan, "time": math.nan, "iterations": None}
    import ecos
    A = d["A"].tocsr()
    z = d["zero"]
    G, h = A[z:].tocsr(), d["b"][z:].copy()
    # ECOS's exponential cone is {(x, y, z): z e^{x/z} <= y}: our (x, y, z) rows go in as (x, z, y).
    order = np.arange(G.shape[0])
    first = d["nonneg"] + sum(d["soc"])
    for k in range(d["exp"]):
        r = first + 3 * k
        order[r:r + 3] = [r, r + 2, r + 1]
    G, h = G[order].tocsc(), h[order]
    dims = {"l": d["nonneg"], "q": d["soc"], "e": d["exp"]}
    kwargs = {}
    if z:
        kwargs = {"A": A[:z].tocsc(), "b": d["b"][:z]}
    start = time.perf_counter()
    sol = ecos.solve(d["c"], G, h, dims, verbose=False, **kwargs)
    wall = time.perf_counter() - start
    flag = sol["info"]["exitFlag"]
    status = {0: "solved", 1: "primal_infeasible", 2: "dual_infeasible", 10: "almost_solved"}.get(flag, f"exit{flag}")
    return {"status": status, "objective": float(d["c"] @ sol["x"]), "time": wall, "iterations": sol["info"]["iter"]}


# ---------------------------------------------------------------- report

def shifted_geomean_ratio(a, b):
    logs = [math.log((x + SHIFT) / (y + SHIFT)) for x, y in zip(a, b)]
    return math.exp(sum(logs) / len(logs)) if logs else math.nan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small subset")
    parser.add_argument("--time-limit", type=float, default=120)
    parser.add_argument("--keep", type=Path, help="keep the CBF files in this directory")
    args = parser.parse_args()
    if not CONIC.exists():
        sys.exit(f"error: {CONIC} not found; run `swift build -c release` first")
    solvers = ["conic", "conic-dual", "clarabel", "ecos", "scs"]
    rows = []
    folder = args.keep or Path(tempfile.mkdtemp(prefix="exp_cone_"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'problem':28} {'n':>6} {'m':>6}  " + "  ".join(f"{s:>26}" for s in solvers) + "   agree")
    for name, problem in problems(args.quick):
        d = conic_data(problem)
        path = folder / f"{name}.cbf"
        write_cbf(d, path)
        results = {"conic": run_conic(path, args.time_limit),
                   "conic-dual": run_conic(path, args.time_limit, ["--nonsymmetric-scaling", "dual"]), "clarabel": run_clarabel(d, args.time_limit),
                   "ecos": run_ecos(d, args.time_limit), "scs": run_scs(d, args.time_limit)}
        # The best peer: the most accurate one that solved, by their default tolerances (Clarabel
        # and ECOS 1e-8, SCS 1e-4: SCS's objective is often off in the fifth digit).
        peers = [results[s]["objective"] for s in ("clarabel", "ecos", "scs") if results[s]["status"] == "solved"]
        best = peers[0] if peers else math.nan
        obj = results["conic"]["objective"]
        agree = abs(obj - best) <= AGREE * max(1, abs(best)) if peers and math.isfinite(obj) else False
        m, n = d["A"].shape
        cells = [f"{r['status'][:12]:>12} {r['objective']:>+.6e}" if math.isfinite(r["objective"]) else f"{r['status'][:26]:>26}"
                 for r in (results[s] for s in solvers)]
        print(f"{name:28} {n:>6} {m:>6}  " + "  ".join(cells) + f"   {'yes' if agree else 'NO'}")
        rows.append((name, n, m, results, agree, best))
    print()
    print("times (s):")
    print(f"{'problem':28} " + " ".join(f"{s:>10}" for s in solvers) + "  conic iters  conic-dual iters  clarabel iters")
    for name, n, m, results, agree, best in rows:
        print(f"{name:28} " + " ".join(f"{results[s]['time']:>10.4f}" for s in solvers)
              + f"  {results['conic']['iterations']!s:>11}  {results['conic-dual']['iterations']!s:>16}  {results['clarabel']['iterations']!s:>14}")
    print()
    for variant in ("conic", "conic-dual"):
        both = [(r[3][variant]["time"], r[3]["clarabel"]["time"]) for r in rows
                if r[3][variant]["status"] == "solved" and r[3]["clarabel"]["status"] == "solved"]
        agreeing = sum(1 for r in rows if math.isfinite(r[3][variant]["objective"]) and math.isfinite(r[5])
                       and abs(r[3][variant]["objective"] - r[5]) <= AGREE * max(1, abs(r[5])))
        print(f"{variant}: solved {sum(r[3][variant]['status'] == 'solved' for r in rows)}/{len(rows)}, "
              f"agreeing with the best peer within {AGREE:g}: {agreeing}/{len(rows)}; shifted geomean (shift {SHIFT} s) "
              f"time ratio to clarabel over {len(both)} problems both solved: "
              f"{shifted_geomean_ratio([a for a, _ in both], [b for _, b in both]):.3f}")


if __name__ == "__main__":
    main()
