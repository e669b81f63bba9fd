#!/usr/bin/env python3
"""Convex-RF (JMLR Algorithm 2) on the digits data through `conic nn convex-rf`, against its
baselines: the same pipeline with random Gaussian filters, and the same l1 output layer on the
raw pixels (linear). Every configuration runs on the same seeded 80/20 splits with the same beta;
the table shows the mean over the seeds and the [min, max] range. A second table times the
extreme-point neurons of `conic nn extreme-points` (active-set, parallel and serial, and the
interior-point reference on a subset).

    python3 Benchmarks/nn_convex_rf.py [--conic PATH] [--data PATH] [--seeds 0,1,2] [--beta B]
                                       [--gaussian 2000x200,4000x32]

The extreme-point timings also run on i.i.d. Gaussian samples of the sizes in --gaussian
(numpy, seed 0; a dummy target column is appended because the loader expects one).
"""
import argparse, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "digits", "digits.csv.gz")

CONFIGS = [
    ("Convex-RF (extreme points)", []),
    ("Convex-RF (extreme points, whitened)", ["--whiten"]),
    ("random Gaussian filters", ["--filter-source", "random"]),
    ("random Gaussian filters, whitened", ["--filter-source", "random", "--whiten"]),
    ("linear on raw pixels", ["--linear"]),
]


def run(conic, args):
    start = time.perf_counter()
    out = subprocess.run([conic] + args + ["--json"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join([conic] + args)}\n{out.stderr}")
    result = json.loads(out.stdout)
    result["wall"] = wall
    return result


def summary(values, fmt):
    lo, hi, mean = min(values), max(values), sum(values) / len(values)
    return f"{fmt.format(mean)} [{fmt.format(lo)}, {fmt.format(hi)}]" if len(values) > 1 else fmt.format(mean)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conic", default=os.path.join(ROOT, ".build-convexrf", "release", "conic"))
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--beta", default="1.0")
    parser.add_argument("--filters", default="200")
    parser.add_argument("--patch-size", default="4")
    parser.add_argument("--pool", default="max")
    parser.add_argument("--gaussian", default="2000x200,4000x32", help="n x d sizes of Gaussian data for the timing table")
    args = parser.parse_args()
    seeds = [s for s in args.seeds.split(",") if s]

    print(f"data {args.data}; beta {args.beta}; P = {args.filters} sampled patches of {args.patch_size}x{args.patch_size}; "
          f"{args.pool} pooling over quadrants; seeds {','.join(seeds)} (split, patch sampling, random filters)")
    print()
    header = f"| {'method':38} | {'train acc':24} | {'test acc':24} | {'objective':22} | filters | nonzero W | solve s | total s |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, extra in CONFIGS:
        results = []
        for seed in seeds:
            common = ["nn", "convex-rf", "--data", args.data, "--beta", args.beta, "--seed", seed, "--quiet"]
            if "--linear" not in extra:
                common += ["--filters", args.filters, "--patch-size", args.patch_size, "--pool", args.pool]
            results.append(run(args.conic, common + extra))
        print(f"| {name:38} | {summary([r['train_accuracy'] for r in results], '{:.4f}'):24} "
              f"| {summary([r['test_accuracy'] for r in results], '{:.4f}'):24} "
              f"| {summary([r['objective'] for r in results], '{:.2f}'):22} "
              f"| {summary([r['neurons'] for r in results], '{:.0f}'):7} "
              f"| {summary([r['nonzero_weights'] for r in results], '{:.0f}'):9} "
              f"| {sum(r['solve_time'] for r in results) / len(results):7.2f} "
              f"| {sum(r['wall'] for r in results) / len(results):7.2f} |")
    sys.stdout.flush()

    print()
    print("Extreme-point neurons (conic nn extreme-points): the digit images themselves (d = 64) and Gaussian data:")
    print()
    print("| data / run                                       | samples | features | neurons | inside hull | mean support | max rel. FW gap | solve s |")
    print("|--------------------------------------------------|---------|----------|---------|-------------|--------------|-----------------|---------|")
    runs = [
        ("digits: active-set, parallel", args.data, []),
        ("digits: active-set, serial", args.data, ["--serial"]),
        ("digits 17 % subset: active-set", args.data, ["--test-fraction", "0.83"]),
        ("digits 17 % subset: interior-point", args.data, ["--test-fraction", "0.83", "--method", "interior-point"]),
    ]
    workdir = tempfile.mkdtemp(prefix="nn_convex_rf_")
    if args.gaussian:
        import numpy as np
        for size in args.gaussian.split(","):
            n, d = (int(v) for v in size.lower().split("x"))
            path = os.path.join(workdir, f"gaussian_{n}x{d}.csv")
            x = np.random.default_rng(0).standard_normal((n, d))
            np.savetxt(path, np.column_stack([x, np.zeros(n)]), delimiter=",", fmt="%.17g")
            runs.append((f"Gaussian {n}x{d}: active-set, parallel", path, []))
    for name, path, extra in runs:
        r = run(args.conic, ["nn", "extreme-points", "--data", path] + extra)
        print(f"| {name:48} | {r['samples']:7} | {r['features']:8} | {r['neurons']:7} | {len(r['interior_samples']):11} "
              f"| {r['mean_support']:12.1f} | {r['max_relative_gap']:15.2e} | {r['solve_time']:7.2f} |")


if __name__ == "__main__":
    main()
