#!/usr/bin/env python3
"""Cutting-plane training (JMLR Algorithms 1 and 3) with `conic nn cutting-plane`.

Three parts, each printed as a table (select with --parts):

  three-ways  The same regularized problem (squared loss, free bias) on 2-D data solved three ways:
              cutting plane with the exact oracle, cutting plane with the spike-free relaxation
              (and with the ascent heuristic), and the exact two-layer convex program
              (`nn train --free-bias --patterns exact`): objectives, certified gaps, times.
  fig6a       JMLR Fig. 6a in spirit: the duality gap against the number of neurons on 1-D data,
              (i) along the cutting-plane rounds (exact oracle, interpolation and beta = 1e-3), and
              (ii) for gradient descent at width m (Adam, free bias, best of 3 seeds) against the
              certified lower bound: the gap vanishes once m is large enough.
  table1      JMLR Table 1 in spirit: cutting plane (ascent oracle, extreme-point start) against
              backpropagation (Adam) at the same width and beta on UCI regression sets (fold 0):
              objective and test error.

    python3 Benchmarks/nn_cutting_plane.py [--conic PATH] [--parts three-ways,fig6a,table1]
"""
import argparse, json, os, subprocess, tempfile, time

import numpy as np


def run(conic, *args, timeout=None):
    """The JSON result of `conic nn ARGS`, with its wall time; None when it exceeds `timeout` seconds."""
    start = time.perf_counter()
    try:
        out = subprocess.run([conic, "nn", *args, "--json", "--quiet"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"conic nn {' '.join(args)} failed: {out.stderr}")
    result = json.loads(out.stdout)
    result["wall"] = wall
    return result


def three_ways(conic, work, sizes, beta, timeout):
    print(f"== The same problem three ways: 2-D data, free bias, squared loss, beta = {beta} ==")
    print(f"{'n':>5} {'method':<34} {'objective':>16} {'lower bound':>16} {'rel. gap':>9} {'neurons':>7} {'rounds':>6} {'time s':>8}")
    rng = np.random.default_rng(5)
    for n in sizes:
        x = rng.standard_normal((n, 2))
        y = np.sin(2 * x[:, 0]) * x[:, 1] + 0.1 * rng.standard_normal(n)
        path = os.path.join(work, f"plane-{n}.csv")
        np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
        runs = [
            ("cutting plane, exact oracle", ["cutting-plane", "--oracle", "exact", "--neurons-per-round", "3"]),
            ("cutting plane, relaxation oracle", ["cutting-plane", "--oracle", "relaxation"]),
            ("cutting plane, ascent oracle", ["cutting-plane", "--oracle", "ascent", "--neurons-per-round", "3"]),
            ("convex program, all arrangements", ["train", "--free-bias", "--patterns", "exact"]),
        ]
        for name, args in runs:
            extra = ["--bias"] if args[0] == "cutting-plane" else []
            r = run(conic, *args, *extra, "--data", path, "--beta", str(beta), timeout=timeout)
            if r is None:
                print(f"{n:>5} {name:<34} stopped after {timeout:.0f} s")
                continue
            print(f"{n:>5} {name:<34} {r['objective']:>16.10e} {r['lower_bound']:>16.10e} {r['relative_gap']:>9.2e} "
                  f"{r['neurons']:>7} {r.get('rounds', '-'):>6} {r['wall']:>8.2f}")


def fig6a(conic, work, figures):
    print("== JMLR Fig. 6a in spirit: duality gap against neurons, 1-D data with a free bias ==")
    x = np.array([-3.0, -2.2, -1.5, -1.0, -0.3, 0.4, 1.0, 1.6, 2.1, 2.9])
    y = np.array([0.5, -0.4, 0.9, 0.1, -0.8, 0.6, -0.2, 1.1, 0.0, 0.7])
    path = os.path.join(work, "fig6a.csv")
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%g")
    for label, args, svg in [("interpolation", ["--interpolate"], "fig6a-interpolation-gap.svg"),
                             ("beta = 1e-3", ["--beta", "1e-3"], "fig6a-regularized-gap.svg")]:
        plot = os.path.join(figures, svg) if figures else os.path.join(work, svg)
        r = run(conic, "cutting-plane", "--data", path, "--bias", "--oracle", "exact", "--plot", plot, *args)
        print(f"-- cutting plane, {label}: objective {r['objective']:.10e}, lower bound {r['lower_bound']:.10e}, "
              f"{r['rounds']} rounds, {r['neurons']} neurons in the final network (plot: {svg})")
        print(f"{'round':>5} {'neurons':>7} {'objective':>16} {'lower bound':>16} {'gap':>10}")
        for h in r["round_history"]:
            o, l = h["objective"], h["lower_bound"]
            gap = f"{o - l:>10.2e}" if o is not None and l is not None else f"{'-':>10}"
            os_ = f"{o:>16.10e}" if o is not None else f"{'(infeasible)':>16}"
            ls_ = f"{l:>16.10e}" if l is not None else f"{'-':>16}"
            print(f"{h['round']:>5} {h['neurons']:>7} {os_} {ls_} {gap}")
        if label.startswith("beta"):
            lower = r["lower_bound"]
            print(f"-- gradient descent (Adam, lr 1e-2, 20000 epochs, free bias, best of seeds 1-3) at width m, against the certified lower bound {lower:.10e}")
            print(f"{'m':>4} {'best p(θ)':>16} {'p − LB':>10} {'relative':>9}")
            for m in [1, 2, 3, 4, 6, 8, 12, 16, 32]:
                best = min(run(conic, "sgd", "--data", path, "--free-bias", "--beta", "1e-3", "--width", str(m),
                               "--optimizer", "adam", "--lr", "1e-2", "--epochs", "20000", "--batch-size", "10",
                               "--seed", str(seed))["objective"] for seed in (1, 2, 3))
                print(f"{m:>4} {best:>16.10e} {best - lower:>10.2e} {(best - lower) / best:>9.2e}")


def table1(conic, datasets, beta, epochs):
    print(f"== JMLR Table 1 in spirit: UCI regression, fold 0, standardized features, free bias, beta = {beta} ==")
    print(f"{'dataset':<18} {'n':>5} {'d':>3} {'method':<36} {'width':>5} {'objective':>14} {'train MSE':>10} {'test MSE':>10} {'time s':>8}")
    for path in datasets:
        name = os.path.basename(path.rstrip("/"))
        cp = run(conic, "cutting-plane", "--data", path, "--fold", "0", "--standardize", "--bias", "--beta", str(beta),
                 "--oracle", "ascent", "--neurons-per-round", "5", "--extreme-points", "--max-rounds", "30")
        rows = [("cutting plane (ascent + extreme pts)", cp)]
        width = cp["neurons"]
        for seed in (1, 2):
            r = run(conic, "sgd", "--data", path, "--fold", "0", "--standardize", "--free-bias", "--beta", str(beta),
                    "--width", str(width), "--optimizer", "adam", "--lr", "1e-2", "--epochs", str(epochs),
                    "--batch-size", "64", "--seed", str(seed))
            rows.append((f"backprop (Adam, seed {seed})", r))
        for method, r in rows:
            w = r.get("neurons", r.get("width", width))
            print(f"{name:<18} {cp['samples']:>5} {cp['features']:>3} {method:<36} {w:>5} {r['objective']:>14.6e} "
                  f"{r['train_mse']:>10.4f} {r['test_mse']:>10.4f} {r['wall']:>8.1f}")
        print(f"{'':<18} {'':>5} {'':>3} certified lower bound of the cutting plane: {cp['lower_bound']:.6e} ({cp['bound_method']}); "
              f"rounds {cp['rounds']}, converged {cp['converged']}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--parts", default="three-ways,fig6a,table1")
    parser.add_argument("--sizes", default="40,80,160")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run in three-ways")
    parser.add_argument("--beta", type=float, default=0.05)
    parser.add_argument("--table-beta", type=float, default=10.0)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--uci", default="/work/shared/data/uci")
    parser.add_argument("--datasets", default="energy,concrete,wine-quality-red")
    parser.add_argument("--figures", default="docs/figures", help="where the SVG plots go ('' for a temporary folder)")
    args = parser.parse_args()
    parts = args.parts.split(",")
    if args.figures:
        os.makedirs(args.figures, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if "three-ways" in parts:
            three_ways(args.conic, work, [int(s) for s in args.sizes.split(",")], args.beta, args.timeout)
        if "fig6a" in parts:
            fig6a(args.conic, work, args.figures)
        if "table1" in parts:
            table1(args.conic, [os.path.join(args.uci, d) for d in args.datasets.split(",")], args.table_beta, args.epochs)


if __name__ == "__main__":
    main()
