#!/usr/bin/env python3
"""The separable two-layer ReLU CNN (ICML 2020 §4.1, `conic nn conv`) against CVXPY + Clarabel on the
identical program, at several sizes (issue 19).

The separable CNN is the two-layer program on the stacked patches [X₁; …; X_K] with targets [y; …; y],
and its patterns come from generation rounds. So, per size (the first N images of digits 3 against 8,
y = ±1, 8×8 images, 3×3 filters, stride 2, padding 1, a regularized bias, standardized pixels,
β = 1e-2, the squared loss):

1. `conic nn conv … --max-rounds R --save-network net.json` trains; the distinct patterns 1[X̃u ≥ 0] of the
   filters it returns are the final program's patterns. X̃ (stacked patches with a ones column) is built
   here from the same pixels (the sequential standardization of `nn_cvxpy_compare.standardize`, zero
   padding, row-major filter windows); the check is the network's p(θ) here against conic's `objective`.
2. conic solves the program over exactly those patterns (`--add-patterns net.json --patterns 0
   --max-rounds 0 --growth-rounds 0`), timed as in `nn_cvxpy_compare.py` (up to the start of the
   certificate: data, build and every solve of the program).
3. CVXPY builds the same program (all sign constraints) and Clarabel solves it, in a child process
   (`nn_cvxpy_compare.run_cvxpy`).

    python3 Benchmarks/nn_conv_cvxpy.py [--conic .build/release/conic] [--sizes 60,200] [--max-rounds 3]
        [--train-args "--patterns 50 --growth-rounds 0"] [--time-limit 600] [--cvxpy-timeout 900] [--workdir DIR]
        [--json out.json]
"""
import argparse, json, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nn_cvxpy_compare import BETA, conic_on_patterns, network_objective, patterns_of, run_cvxpy, standardize  # noqa: E402
from nn_deep import digits  # noqa: E402

import numpy as np  # noqa: E402

SHAPE, FILTER, STRIDE, PADDING = 8, 3, 2, 1


def stacked_patches(images):
    """[X₁; …; X_K] with a ones column, as `ConvolutionGeometry.stackedPatches` and the bias build it."""
    n = images.shape[0]
    padded = np.zeros((n, SHAPE + 2 * PADDING, SHAPE + 2 * PADDING))
    padded[:, PADDING:PADDING + SHAPE, PADDING:PADDING + SHAPE] = images.reshape(n, SHAPE, SHAPE)
    positions = (SHAPE + 2 * PADDING - FILTER) // STRIDE + 1
    blocks = [padded[:, r * STRIDE:r * STRIDE + FILTER, c * STRIDE:c * STRIDE + FILTER].reshape(n, FILTER * FILTER)
              for r in range(positions) for c in range(positions)]
    stacked = np.vstack(blocks)
    return np.hstack([stacked, np.ones((stacked.shape[0], 1))]), len(blocks)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--sizes", default="60,200", help="numbers of images (digits 3 and 8, in file order)")
    parser.add_argument("--max-rounds", type=int, default=3)
    parser.add_argument("--train-args", default="", help="more options of the training run, e.g. \"--patterns 50 --growth-rounds 0\"")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds of the training run")
    parser.add_argument("--solve-time-limit", type=float, default=600)
    parser.add_argument("--cvxpy-timeout", type=float, default=900)
    parser.add_argument("--workdir", default="nn_conv_cvxpy.work")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    conic = os.path.abspath(args.conic)
    print("| images | stacked rows | d̃ | patterns | conic (s) | conic solver (s) | CVXPY+Clarabel (s) | Clarabel solve (s) | ratio"
          " | conic objective | CVXPY objective | rel. diff. |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for count in [int(s) for s in args.sizes.split(",")]:
        x, label = digits([3, 8], count)
        y = np.where(label == 3, 1.0, -1.0)
        name = "digits38-%d" % count
        data = os.path.join(args.workdir, name + ".csv")
        np.savetxt(data, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
        base = ["--data", data, "--image-shape", "%dx%d" % (SHAPE, SHAPE), "--filter", str(FILTER), "--stride", str(STRIDE),
                "--padding", str(PADDING), "--bias", "--standardize"]
        network_file = os.path.join(args.workdir, name + ".json")
        command = [conic, "nn", "conv", *base, "--beta", "%g" % BETA, "--max-rounds", str(args.max_rounds),
                   "--time-limit", "%g" % args.time_limit, *args.train_args.split(), "--save-network", network_file, "--json", "--quiet"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-500:])
        trained = json.loads(done.stdout)
        trained["wall"] = time.perf_counter() - start

        # The data as conic sees them (pixels read back from the file it read), and the check.
        pixels = np.loadtxt(data, delimiter=",")[:, :-1]
        design, patches = stacked_patches(standardize(pixels))
        targets = np.tile(y, patches)
        network = json.load(open(network_file))
        mine = network_objective(design, targets, network, "squared")
        data_check = abs(mine - trained["objective"]) / abs(trained["objective"])
        masks, near_zero = patterns_of(design, network)

        ours = conic_on_patterns(conic, base + ["--growth-rounds", "0"], network_file, args.solve_time_limit, False,
                                 command=("nn", "conv"))
        cvx = run_cvxpy(design, targets, masks, "squared", args.workdir, name, args.cvxpy_timeout)
        value, theirs = ours.get("convex_objective"), cvx.get("objective")
        difference = abs(value - theirs) / abs(theirs) if value is not None and theirs is not None else None
        program = ours.get("program_time")
        ratio = cvx["wall"] / program if "wall" in cvx and program else None
        row = {"images": count, "stacked_rows": design.shape[0], "d": design.shape[1], "patterns": masks.shape[1],
               "conic_patterns": ours.get("patterns"), "filters": len(network["W1"]), "data_check": data_check,
               "near_zero_preactivations": near_zero, "train": {k: trained.get(k) for k in
                                                                ("objective", "lower_bound", "patterns", "rounds", "wall")},
               "train_command": " ".join(command), "conic": ours, "cvxpy": cvx, "relative_difference": difference, "ratio": ratio}
        rows.append(row)
        fmt = lambda v, spec: "—" if v is None else spec % v  # noqa: E731
        print("| %d | %d | %d | %d%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            count, design.shape[0], design.shape[1], masks.shape[1],
            "" if row["conic_patterns"] == masks.shape[1] else " (conic: %s)" % row["conic_patterns"],
            fmt(program, "%.2f"), fmt(ours.get("solver_seconds"), "%.2f"), cvx.get("error") or fmt(cvx.get("wall"), "%.2f"),
            fmt(cvx.get("solve_time"), "%.2f"), fmt(ratio, "%.1f"), fmt(value, "%.10g"), fmt(theirs, "%.10g"),
            fmt(difference, "%.1e")))
        print("    training: %s filters, %s patterns after %s rounds, %.1f s; data check |p(θ) numpy − conic|/p = %.1e;"
              " pre-activations within 1e-12 of 0: %d; conic %s solves (%s), CVXPY %s, %s Clarabel iterations" % (
                  row["filters"], trained.get("patterns"), trained.get("rounds"), trained["wall"], data_check,
                  near_zero, ours.get("program_solves"), ours.get("last_solve_status"), cvx.get("status"),
                  cvx.get("iterations")), file=sys.stderr)
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
