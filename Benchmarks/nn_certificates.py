#!/usr/bin/env python3
"""Certified optimality gaps of `conic nn train` and `conic nn certify` on UCI data (issue 16).

For each data set (standardized features, a regularized bias, a seeded random subsample of
500 samples where a set is larger) and each beta: the release before pattern generation
(`--before`, run as in the issue: `--patterns 50`) and this build (`--patterns 50`, then pattern
generation until no violating neuron is found or `--time-limit`). Per run: objective (UB), lower
bound (LB), LB/UB, patterns, rounds, branch-and-bound nodes, the bound's method and whether it
was proven, wall time. Then Adam-trained networks (`conic nn sgd`, width 50) are certified, and
their objective is set next to the best objective any method reached and the certified LB;
every LB is checked against every objective reached on the same problem.

    python3 Benchmarks/nn_certificates.py [--conic PATH] [--before PATH] [--time-limit 60]
        [--betas 1e-3,1e-2,1e-1] [--sets energy,...] [--adam-networks 5] [--jobs 2] [--json out.json]

Column "LB from" says whether the lower bound came from the full data's dual point or from the
optimum over a subsample of that many samples (`--subsample-bound`). Columns best/β (the largest ‖Vᵀ(X̃u)₊‖ a neuron reached, over β: how far the dual point is from
feasible) and C/best (the certified bound over that value: how loose the bound on C(V) is) say
where the gap comes from; LB/UB is roughly 1/(best/β · C/best) once that product exceeds 2.
"""
import argparse, concurrent.futures, json, os, subprocess, sys, tempfile, time

UCI = "/work/shared/data/uci"
# (name, path under UCI, loss, samples in the set)
SETS = [
    ("energy", "energy", "squared", 768),
    ("concrete", "concrete", "squared", 1030),
    ("airfoil", "airfoil/airfoil_self_noise.dat", "squared", 1503),
    ("wine-quality-red", "wine-quality-red", "squared", 1599),
    ("kin8nm", "kin8nm", "squared", 8192),
    ("power-plant", "power-plant", "squared", 9568),
    ("statlog-heart", "statlog-heart", "hinge", 270),
    ("vertebral-column", "vertebral-column-2clases", "hinge", 310),
]
SUBSAMPLE = 500
LEARNING_RATES = [1e-2, 3e-3, 3e-2, 1e-3, 5e-3]


def data_options(path, loss, count, seed=0):
    options = ["--data", os.path.join(UCI, path), "--standardize", "--bias", "--seed", str(seed)]
    if count > SUBSAMPLE:
        # The training part of a seeded split is the subsample (the rest is held out).
        options += ["--test-fraction", "%.6f" % (1 - SUBSAMPLE / count)]
    if loss == "hinge":
        options += ["--loss", "hinge"]
    return options


def run(command, timeout):
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout", "wall": time.perf_counter() - start}
    wall = time.perf_counter() - start
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "exit %d" % done.returncode,
                "wall": wall}
    result = json.loads(done.stdout)
    result["wall"] = wall
    return result


def summary(result):
    if "error" in result:
        return {"error": result["error"], "wall": result["wall"]}
    ub, lb = result["objective"], result["lower_bound"]
    return {"objective": ub, "lower_bound": lb, "ratio": lb / ub if ub else None,
            "patterns": result.get("patterns"), "rounds": result.get("rounds", 1), "nodes": result.get("nodes", 0),
            "method": result.get("bound_method"), "proven": result.get("proven"),
            # "full": the full data's dual point; a number: the subsample whose optimum bounds p*.
            "source": result.get("lower_bound_samples") or "full",
            "best_objective": result.get("best_objective"), "stop": result.get("stop"), "wall": result["wall"],
            # Where the gap comes from: the dual point's infeasibility (largest value a neuron
            # reached over β) and the looseness of the certified bound on C(V) (bound over best).
            "violation": (result["constraint_best_value"] / result["beta"]
                          if result.get("constraint_best_value") is not None and result.get("beta") else None),
            "looseness": (result["constraint_bound"] / result["constraint_best_value"]
                          if result.get("constraint_best_value") and result.get("constraint_bound") is not None else None)}


def fmt(value, spec="%.3g"):
    return "—" if value is None else spec % value


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--before", default=None, help="a release binary from before pattern generation")
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--betas", default="1e-3,1e-2,1e-1")
    parser.add_argument("--sets", default=",".join(s[0] for s in SETS))
    parser.add_argument("--adam-networks", type=int, default=5)
    parser.add_argument("--adam-beta", type=float, default=1e-2)
    parser.add_argument("--adam-epochs", type=int, default=300)
    parser.add_argument("--json", default=None)
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side")
    args = parser.parse_args()
    betas = [float(b) for b in args.betas.split(",")]
    chosen = [s for s in SETS if s[0] in args.sets.split(",")]
    outer = args.time_limit * 3 + 120
    rows, checks = [], []
    print("| data (n × d) | loss | β | release UB | release LB/UB | UB | LB | LB/UB | LB from | patterns | rounds | nodes"
          " | best/β | C/best | C bound | stop | time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    sys.stdout.flush()

    def one(job):
        name, path, loss, count, beta = job
        base = data_options(path, loss, count)
        common = ["nn", "train"] + base + ["--beta", "%g" % beta, "--patterns", "50", "--json"]
        before = summary(run([args.before] + common, outer)) if args.before else None
        if before and "error" not in before:
            before["rounds"], before["nodes"] = 1, 0
        after_raw = run([args.conic] + common + ["--time-limit", "%g" % args.time_limit, "--quiet"], outer)
        after = summary(after_raw)
        return {"set": name, "loss": loss, "beta": beta, "before": before, "after": after,
                "samples": after_raw.get("samples"), "features": after_raw.get("features")}

    jobs = [(name, path, loss, count, beta) for name, path, loss, count in chosen for beta in betas]
    # Runs may go side by side (--jobs); each is bounded by its own --time-limit.
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(one, jobs):
            rows.append(row)
            b, after = row["before"] or {}, row["after"]
            print("| %s (%s × %s) | %s | %g | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s%s | %s | %s |" % (
                row["set"], row["samples"], row["features"], row["loss"], row["beta"], fmt(b.get("objective")),
                fmt(b.get("ratio"), "%.2g"), fmt(after.get("objective"), "%.4g"), fmt(after.get("lower_bound"), "%.3g"),
                fmt(after.get("ratio"), "%.2g"), after.get("source", "—"), after.get("patterns", "—"), after.get("rounds", "—"), after.get("nodes", "—"),
                fmt(after.get("violation"), "%.3g"), fmt(after.get("looseness"), "%.3g"), after.get("method", after.get("error")),
                ", proven" if after.get("proven") else "", after.get("stop", "—"), fmt(after.get("wall"), "%.0f")))
            sys.stdout.flush()

    if args.adam_networks > 0:
        print()
        print("| data | β | Adam network p(θ) | certified LB | best objective found (any method) | gap of the Adam network ≤ | LB/best | time (s) |")
        print("|---|---|---|---|---|---|---|---|")
        sys.stdout.flush()
        with tempfile.TemporaryDirectory() as workdir:
            for name, path, loss, count in chosen:
                base = data_options(path, loss, count)
                trained = next((r for r in rows if r["set"] == name and r["beta"] == args.adam_beta), None)
                for k in range(args.adam_networks):
                    network = os.path.join(workdir, "%s-%d.json" % (name, k))
                    # The seed also draws the subsample, so the networks differ by learning rate.
                    sgd = run([args.conic, "nn", "sgd"] + base
                              + ["--beta", "%g" % args.adam_beta, "--width", "50", "--optimizer", "adam", "--epochs",
                                 str(args.adam_epochs), "--lr", "%g" % LEARNING_RATES[k % len(LEARNING_RATES)],
                                 "--save-network", network, "--json", "--quiet"],
                              outer)
                    if "error" in sgd:
                        print("| %s | %g | sgd failed: %s |" % (name, args.adam_beta, sgd["error"]))
                        continue
                    cert = summary(run([args.conic, "nn", "certify", "--network", network] + base
                                       + ["--beta", "%g" % args.adam_beta, "--patterns", "50", "--json", "--quiet",
                                          "--time-limit", "%g" % args.time_limit], outer))
                    if "error" in cert:
                        print("| %s | %g | %.6g | certify failed: %s |" % (name, args.adam_beta, sgd["objective"], cert["error"]))
                        continue
                    objectives = [sgd["objective"], cert["best_objective"]]
                    if trained and "objective" in trained["after"]:
                        objectives.append(trained["after"]["objective"])
                    if trained and trained["before"] and "objective" in trained["before"]:
                        objectives.append(trained["before"]["objective"])
                    best = min(objectives)
                    checks.append((name, cert["lower_bound"], best))
                    rows.append({"set": name, "adam": k + 1, "sgd_objective": sgd["objective"], "certificate": cert})
                    print("| %s | %g | %.6g | %.4g | %.6g | %.4g | %.2g | %.0f |" % (
                        name, args.adam_beta, sgd["objective"], cert["lower_bound"], best, sgd["objective"] - cert["lower_bound"],
                        cert["lower_bound"] / best, sgd["wall"] + cert["wall"]))
                    sys.stdout.flush()

    # The lower bound may never exceed an objective any method reached on the same problem.
    for row in rows:
        if "after" in row and "lower_bound" in row["after"]:
            reached = [row["after"]["objective"]]
            if row["before"] and "objective" in row["before"]:
                reached.append(row["before"]["objective"])
            reached += [c[2] for c in checks if c[0] == row["set"] and row["beta"] == args.adam_beta]
            checks.append((row["set"], row["after"]["lower_bound"], min(reached)))
    violations = [c for c in checks if c[1] > c[2] * (1 + 1e-9)]
    print()
    print("lower bound ≤ every objective reached: %s (%d checks)" % ("yes" if not violations else "NO: %s" % violations, len(checks)))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
