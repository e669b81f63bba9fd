#!/usr/bin/env python3
"""Certified logistic-loss training (`conic nn train --loss logistic`, issue 17) on UCI binary sets,
and with `--loss cross-entropy` softmax training on multi-class sets (iris, wine, seeds: 3 classes).

For each data set (standardized features, a regularized bias, all samples) and each beta: the
convex program over the exponential cone with pattern generation until no violating neuron is
found or `--time-limit`, reporting objective (UB = p(θ) of the rebuilt network), the certified
lower bound LB = Σ H(tλ) (binary entropy of the scaled dual point), LB/UB, patterns, rounds, the
bound's method and wall time. Side by side in the same run, Adam-trained networks of width 50
(`conic nn sgd --loss logistic`) on the same objective: their p(θ), and a check that every LB is
below every objective reached. With `--loss cross-entropy` the network has one output per class,
trained over shared neurons, and LB = Σ H(yᵢ − t vᵢ) (the entropy of each scaled row).

    python3 Benchmarks/nn_logistic.py [--conic PATH] [--time-limit 60] [--betas 1e-1,1]
        [--sets vertebral-column,pima] [--adam-networks 3] [--json out.json]
    python3 Benchmarks/nn_logistic.py --loss cross-entropy --sets iris
"""
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nn_certificates import UCI, fmt, run, summary  # noqa: E402

# (name, path under UCI)
SETS = [
    ("vertebral-column", "vertebral-column-2clases"),
    ("pima", "pima"),
    ("statlog-heart", "statlog-heart"),
    ("ionosphere", "ionosphere"),
    # Multi-class (--loss cross-entropy).
    ("iris", "iris"),
    ("wine", "wine"),
    ("seeds", "seeds"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--betas", default="1e-1,1")
    parser.add_argument("--sets", default="vertebral-column,pima")
    parser.add_argument("--adam-networks", type=int, default=3)
    parser.add_argument("--adam-epochs", type=int, default=300)
    parser.add_argument("--loss", default="logistic", choices=["logistic", "cross-entropy"])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    betas = [float(b) for b in args.betas.split(",")]
    chosen = [s for s in SETS if s[0] in args.sets.split(",")]
    outer = args.time_limit * 3 + 120
    rows = []
    print("| data (n × d) | β | UB p(θ) | LB | LB/UB | patterns | rounds | C bound | stop | time (s) | Adam p(θ) (min of k) | Adam time (s) | LB ≤ all |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    sys.stdout.flush()
    for name, path in chosen:
        base = ["--data", os.path.join(UCI, path), "--standardize", "--bias", "--loss", args.loss]
        for beta in betas:
            raw = run([args.conic, "nn", "train"] + base + ["--beta", "%g" % beta, "--time-limit", "%g" % args.time_limit,
                                                             "--json", "--quiet"], outer)
            trained = summary(raw)
            adam = []
            for seed in range(args.adam_networks):
                result = run([args.conic, "nn", "sgd"] + base + ["--beta", "%g" % beta, "--width", "50", "--epochs",
                                                                 str(args.adam_epochs), "--seed", str(seed), "--json"], outer)
                adam.append(result)
            objectives = [r["objective"] for r in adam if "objective" in r]
            if "objective" in trained:
                objectives.append(trained["objective"])
            lb = trained.get("lower_bound")
            sound = None if lb is None else all(lb <= o * (1 + 1e-12) for o in objectives)
            adam_best = min((r["objective"] for r in adam if "objective" in r), default=None)
            row = {"set": name, "loss": args.loss, "beta": beta, "samples": raw.get("samples"), "features": raw.get("features"),
                   "trained": trained, "adam": [{"objective": r.get("objective"), "wall": r["wall"],
                                                 "error": r.get("error")} for r in adam], "lb_below_all": sound}
            rows.append(row)
            print("| %s (%s × %s) | %g | %s | %s | %s | %s | %s | %s%s | %s | %s | %s | %s | %s |" % (
                name, row["samples"], row["features"], beta, fmt(trained.get("objective"), "%.6g"),
                fmt(lb, "%.6g"), fmt(trained.get("ratio"), "%.4f"), trained.get("patterns", "—"),
                trained.get("rounds", "—"), trained.get("method", trained.get("error")),
                ", proven" if trained.get("proven") else "", trained.get("stop", "—"), fmt(trained.get("wall"), "%.1f"),
                fmt(adam_best, "%.6g"), fmt(sum(r["wall"] for r in adam) / max(1, len(adam)), "%.1f"),
                {None: "—", True: "yes", False: "NO"}[sound]))
            sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
