#!/usr/bin/env python3
"""Convex two-layer ReLU training: this package against the identical program in CVXPY.

Synthetic data from a random teacher network (d = 10, squared loss, beta = 1e-3); the same P
sampled activation patterns for every solver (the gate vectors are handed to `conic nn train`
as a network file, `--patterns 0 --add-patterns`). Times: for conic, problem build + solve as
reported in its JSON, and the whole process; for CVXPY, problem construction + `solve()` (which
includes its canonicalization), and the solver's own time.

    python3 Benchmarks/nn_training.py [--sizes 200,1000,5000] [--patterns 100] [--conic PATH]
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np


def make_data(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    teacher_u = rng.standard_normal((d, 5))
    teacher_a = rng.standard_normal(5)
    y = np.maximum(x @ teacher_u, 0) @ teacher_a + 0.1 * rng.standard_normal(n)
    return x, y


def unique_patterns(x, gates):
    d = (x @ gates.T >= 0)
    keep, seen = [], set()
    for j in range(d.shape[1]):
        key = d[:, j].tobytes()
        if d[:, j].any() and key not in seen:
            seen.add(key)
            keep.append(j)
    return d[:, keep].astype(float), gates[keep]


def solve_cvxpy(x, y, dmat, beta, solver):
    import cvxpy as cp
    start = time.perf_counter()
    n, d = x.shape
    p = dmat.shape[1]
    v = cp.Variable((d, p))
    w = cp.Variable((d, p))
    fit = cp.sum(cp.multiply(dmat, x @ (v - w)), axis=1)
    objective = 0.5 * cp.sum_squares(fit - y) + beta * (cp.sum(cp.norm(v, 2, axis=0)) + cp.sum(cp.norm(w, 2, axis=0)))
    sign = 2 * dmat - 1
    constraints = [cp.multiply(sign, x @ v) >= 0, cp.multiply(sign, x @ w) >= 0]
    problem = cp.Problem(cp.Minimize(objective), constraints)
    try:
        problem.solve(solver=solver)
    except Exception as error:  # a solver failure is a result, not a crash of the benchmark
        return {"status": f"error: {error}", "objective": None, "time": time.perf_counter() - start, "solver_time": None}
    return {"status": problem.status, "objective": problem.value, "time": time.perf_counter() - start,
            "solver_time": problem.solver_stats.solve_time}


def solve_conic(conic, x, y, gates, beta, workdir):
    data = os.path.join(workdir, "data.csv")
    np.savetxt(data, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
    net = os.path.join(workdir, "gates.json")
    with open(net, "w") as f:
        json.dump({"W1": gates.tolist(), "w2": [0.0] * len(gates), "bias": False}, f)
    start = time.perf_counter()
    out = subprocess.run([conic, "nn", "train", "--data", data, "--beta", str(beta), "--patterns", "0",
                          "--add-patterns", net, "--json", "--quiet"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        return {"status": "error: " + out.stderr.strip(), "objective": None, "time": wall, "solver_time": None}
    result = json.loads(out.stdout)
    return {"status": result["status"], "objective": result["convex_objective"], "time": result["build_time"] + result["solve_time"],
            "process_time": wall, "solver_time": result["solve_time"], "patterns": result["patterns"],
            "gap": result["relative_gap"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200,1000,5000")
    parser.add_argument("--patterns", type=int, default=100)
    parser.add_argument("--beta", type=float, default=1e-3)
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--solvers", default="conic,clarabel,ecos")
    args = parser.parse_args()
    d = 10
    solvers = args.solvers.split(",")
    print(f"d = {d}, beta = {args.beta}, P = {args.patterns} sampled gate vectors (unique patterns kept), squared loss")
    print(f"{'n':>6} {'P':>4} {'solver':>9} {'status':>10} {'objective':>18} {'time s':>9} {'ratio':>7} {'rel.diff':>9}")
    for n in [int(s) for s in args.sizes.split(",")]:
        x, y = make_data(n, d, seed=n)
        gates = np.random.default_rng(1000 + n).standard_normal((args.patterns, d))
        dmat, gates = unique_patterns(x, gates)
        results = {}
        with tempfile.TemporaryDirectory() as workdir:
            if "conic" in solvers:
                results["conic"] = solve_conic(args.conic, x, y, gates, args.beta, workdir)
        if "clarabel" in solvers:
            results["clarabel"] = solve_cvxpy(x, y, dmat, args.beta, "CLARABEL")
        if "ecos" in solvers:
            results["ecos"] = solve_cvxpy(x, y, dmat, args.beta, "ECOS")
        base = results.get("conic")
        for name, r in results.items():
            ratio = r["time"] / base["time"] if base and base["time"] else float("nan")
            diff = (abs(r["objective"] - base["objective"]) / max(1, abs(base["objective"]))
                    if base and r["objective"] is not None and base["objective"] is not None else float("nan"))
            obj = f"{r['objective']:.10e}" if r["objective"] is not None else "-"
            print(f"{n:>6} {dmat.shape[1]:>4} {name:>9} {str(r['status'])[:10]:>10} {obj:>18} {r['time']:>9.3f} {ratio:>7.2f} {diff:>9.1e}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
