#!/usr/bin/env python3
"""Reproductions of ICML 2020 (Pilanci & Ergen) Fig. 2 and Fig. 3 with `conic nn`.

Fig. 2: X = [-2, -1, 0, 1, 2] with a bias, y = [1, -1, 1, 1, -1], squared loss: the exact convex
optimum with its certificate against 10 SGD runs at each width m in {8, 15, 50}.
Fig. 3: two-dimensional data, n = 50, hinge loss, m = 50: exact arrangements against a sampled
approximation (m patterns) and 10 SGD runs (batch 25).

    python3 Benchmarks/nn_reproductions.py [--conic PATH] [--beta2 B] [--beta3 B]
"""
import argparse, json, os, subprocess, tempfile

import numpy as np


def run(conic, *args):
    out = subprocess.run([conic, "nn", *args, "--json", "--quiet"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"conic nn {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout)


def sgd_table(conic, data, beta, loss, widths, runs, optimum, lower, extra):
    print(f"{'m':>4} {'seed':>4} {'p(θ) after SGD':>16} {'≥ LB':>5} {'p − LB':>10}  state")
    stuck_counts = {}
    for m in widths:
        stuck = 0
        for seed in range(1, runs + 1):
            r = run(conic, "sgd", "--data", data, "--beta", str(beta), "--bias", "--loss", loss,
                    "--width", str(m), "--seed", str(seed), *extra)
            p = r["objective"]
            is_stuck = p > optimum * (1 + 1e-3) + 1e-9
            stuck += is_stuck
            print(f"{m:>4} {seed:>4} {p:>16.8e} {str(p >= lower):>5} {p - lower:>10.3e}  {'above p* by more than 0.1 %' if is_stuck else 'at p* (within 0.1 %)'}")
        stuck_counts[m] = stuck
    return stuck_counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--beta2", type=float, default=0.01)
    parser.add_argument("--beta3", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        # Fig. 2
        fig2 = os.path.join(work, "fig2.csv")
        np.savetxt(fig2, np.column_stack([[-2, -1, 0, 1, 2], [1, -1, 1, 1, -1]]), delimiter=",", fmt="%g")
        exact = run(args.conic, "train", "--data", fig2, "--beta", str(args.beta2), "--bias", "--patterns", "exact")
        print(f"== Fig. 2 (1-D, n = 5, bias, squared loss, beta = {args.beta2}) ==")
        print(f"exact convex program: p* = {exact['objective']:.10e}, certified lower bound {exact['lower_bound']:.10e}, "
              f"gap {exact['gap']:.2e} (relative {exact['relative_gap']:.2e}), {exact['patterns']} patterns, "
              f"{exact['neurons']} neurons, exact = {exact['exact']}")
        counts = sgd_table(args.conic, fig2, args.beta2, "squared", [8, 15, 50], args.runs, exact["objective"],
                           exact["lower_bound"], ["--optimizer", "sgd", "--lr", "0.02", "--batch-size", "5", "--epochs", "100000"])
        print("runs above p* by more than 0.1 %, per width:", counts)

        # Fig. 3
        rng = np.random.default_rng(3)
        x = rng.uniform(-1, 1, size=(50, 2))
        y = np.where(np.sin(3 * x[:, 0]) + x[:, 1] > 0, 1, -1)
        fig3 = os.path.join(work, "fig3.csv")
        np.savetxt(fig3, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
        exact = run(args.conic, "train", "--data", fig3, "--beta", str(args.beta3), "--bias", "--loss", "hinge", "--patterns", "exact")
        approx = run(args.conic, "train", "--data", fig3, "--beta", str(args.beta3), "--bias", "--loss", "hinge", "--patterns", "50", "--seed", "1")
        print(f"\n== Fig. 3 (2-D, n = 50, bias, hinge loss, beta = {args.beta3}) ==")
        print(f"optimal (all {exact['patterns']} arrangements): p* = {exact['objective']:.10e}, lower bound {exact['lower_bound']:.10e}, "
              f"gap {exact['gap']:.2e}, {exact['neurons']} neurons, solve {exact['solve_time']:.2f} s")
        print(f"approximate (50 sampled patterns): p = {approx['objective']:.10e} (≥ p*: {approx['objective'] >= exact['lower_bound']}), "
              f"its own certified lower bound {approx['lower_bound']:.10e}")
        counts = sgd_table(args.conic, fig3, args.beta3, "hinge", [50], args.runs, exact["objective"], exact["lower_bound"],
                           ["--optimizer", "sgd", "--lr", "0.005", "--batch-size", "25", "--epochs", "4000"])
        print("runs above p* by more than 0.1 %:", counts)


if __name__ == "__main__":
    main()
