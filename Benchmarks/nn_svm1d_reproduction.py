#!/usr/bin/env python3
"""Reproduction of JMLR Fig. 7 / Fig. 9: the exact min-l1 SVM (Theorem 5.2) against gradient descent.

Data (Section 8): x ~ N(mu, 0.25), mu uniform on {-2, -1, 0, 1, 2}, label +1 for mu in {-1, 0, 2}
and -1 for mu in {-2, 1}; every dataset is drawn from its own seed, and its test part is disjoint
from the training part (a seeded split of one i.i.d. sample, `--test-fraction`).

For each training size and dataset, `conic nn svm1d` solves the exact program and, with
`--gd-runs`, trains networks of width `--gd-width` by full-batch gradient descent on the same
objective (hinge loss + weight decay, free bias) from different seeded initializations. Reported:
the objective table (optimum vs GD runs; how many GD runs end above the optimum) and the test
accuracy mean +- std over datasets for the exact solution and for GD. Optional SVG plots of one
dataset's decision regions.

    python3 Benchmarks/nn_svm1d_reproduction.py [--sizes 20,40,80] [--datasets 10] [--beta 0.1]
        [--gd-runs 5] [--figures docs/figures] [--conic PATH]
"""
import argparse, json, os, subprocess, sys, tempfile

import numpy as np


def mixture(n, seed):
    rng = np.random.default_rng(seed)
    means = rng.integers(-2, 3, n).astype(float)
    x = means + 0.5 * rng.standard_normal(n)
    return x, np.where(np.isin(means, [-1, 0, 2]), 1.0, -1.0)


def run_conic(conic, path, args, test_fraction, seed, plot=None):
    command = [conic, "nn", "svm1d", "--data", path, "--beta", str(args.beta), "--json", "--quiet",
               "--test-fraction", str(test_fraction), "--seed", str(seed), "--gd-runs", str(args.gd_runs),
               "--gd-width", str(args.gd_width), "--gd-epochs", str(args.gd_epochs), "--gd-lr", str(args.gd_lr)]
    if plot:
        command += ["--plot", plot]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"conic failed: {' '.join(command)}\n{run.stderr}")
    return json.loads(run.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20,40,80", help="training set sizes")
    parser.add_argument("--test-size", type=int, default=500)
    parser.add_argument("--datasets", type=int, default=10)
    parser.add_argument("--beta", type=float, default=0.1)
    parser.add_argument("--gd-runs", type=int, default=5)
    parser.add_argument("--gd-width", type=int, default=50)
    parser.add_argument("--gd-epochs", type=int, default=20000)
    parser.add_argument("--gd-lr", type=float, default=1e-3)
    parser.add_argument("--figures", default=None, help="write the SVG decision regions of dataset 0 here")
    parser.add_argument("--conic", default=os.path.join(os.path.dirname(__file__), "..", ".build-onedim", "release", "conic"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"beta = {args.beta}, {args.datasets} datasets per size, test size {args.test_size}, "
          f"GD: {args.gd_runs} runs, width {args.gd_width}, {args.gd_epochs} epochs, lr {args.gd_lr} (full batch, free bias)")
    print()
    print("| n train | dataset | optimum (conic) | gap | GD best | GD median | GD worst | GD runs above optimum | "
          "test acc. exact | test acc. GD (mean) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    summary = []
    with tempfile.TemporaryDirectory() as workdir:
        for n in sizes:
            exact_acc, gd_acc, above, total, excess = [], [], 0, 0, []
            for k in range(args.datasets):
                seed = 1000 * n + k
                x, y = mixture(n + args.test_size, seed)
                path = os.path.join(workdir, f"mix-{n}-{k}.csv")
                np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.17g", header="x,label", comments="")
                plot = None
                if args.figures and k == 0:
                    os.makedirs(args.figures, exist_ok=True)
                    plot = os.path.join(args.figures, f"svm1d-regions-n{n}.svg")
                out = run_conic(args.conic, path, args, args.test_size / (n + args.test_size), seed, plot)
                gd = np.array(out["gd_objectives"], dtype=float)
                optimum = out["objective"]
                above += out["gd_above_optimum"]
                total += len(gd)
                excess += list((gd - optimum) / optimum)
                exact_acc.append(out["test_accuracy"])
                gd_acc += out["gd_test_accuracies"]
                print(f"| {n} | {k} | {optimum:.6g} | {out['gap']:.1e} | {gd.min():.6g} | {np.median(gd):.6g} | "
                      f"{gd.max():.6g} | {out['gd_above_optimum']}/{len(gd)} | {out['test_accuracy']:.3f} | "
                      f"{np.mean(out['gd_test_accuracies']):.3f} |", flush=True)
            summary.append((n, above, total, np.median(excess), np.max(excess), np.mean(exact_acc), np.std(exact_acc),
                            np.mean(gd_acc), np.std(gd_acc)))
    print()
    print("| n train | GD runs above optimum | median relative excess | worst relative excess | "
          "test accuracy exact (mean ± std) | test accuracy GD (mean ± std) |")
    print("|---|---|---|---|---|---|")
    for n, above, total, median, worst, ea, es, ga, gs in summary:
        print(f"| {n} | {above}/{total} | {median:.2e} | {worst:.2e} | {ea:.3f} ± {es:.3f} | {ga:.3f} ± {gs:.3f} |")


if __name__ == "__main__":
    main()
