#!/usr/bin/env python3
"""`conic nn train` against CVXPY + Clarabel on the same convex program (issue 16).

For each set of the certificate benchmark (`nn_certificates.py`: standardized features, a
regularized bias, a seeded subsample of n = 500, β = 1e-2, the hinge loss on the two binary sets):

1. `conic nn train ... --time-limit T --save-network` gives a final network; the patterns
   1[X̃u ≥ 0] of its neurons (deduplicated, the all-zero one dropped) are the final pattern set.
   X̃ and y are rebuilt in Python exactly as conic builds them (strtod parsing, the SplitMix64
   Fisher–Yates split of `Dataset.randomSplit`, the sequential mean/std of `Standardization.fit`);
   the check is the network's p(θ) computed here against the `objective` conic reports.
2. conic solves the program over exactly those patterns: `--add-patterns net.json --patterns 0
   --max-rounds 0 --verbose` (its sign-constraint generation included). Timed: `program` = wall
   time from the process start to the line "round 1: bounding the dual constraint" (data loading,
   building and every solve of the program), `solver` = the solver's own seconds in those solves,
   `wall` = the whole process (it then certifies, bounded by `--solve-time-limit`, and re-solves
   on fewer patterns; neither changes `convex_objective`).
3. CVXPY builds the same program with all n sign constraints per block
   (min ℓ(Σᵢ DᵢX̃(vᵢ − wᵢ)) + β Σᵢ(‖vᵢ‖ + ‖wᵢ‖), (2Dᵢ − I)X̃vᵢ ≥ 0, (2Dᵢ − I)X̃wᵢ ≥ 0;
   squared ℓ = ½‖f − y‖², hinge ℓ = Σ max(0, 1 − yₖfₖ)) and solves it with Clarabel (default
   tolerances) in a child process, killed after `--cvxpy-timeout` seconds. Timed: `prob.solve`
   wall (canonicalization + solve) and Clarabel's own solve time.

    python3 Benchmarks/nn_cvxpy_compare.py [--conic PATH] [--time-limit 120] [--solve-time-limit 60]
        [--cvxpy-timeout 600] [--sets energy,...] [--workdir DIR] [--train-jobs 1] [--json out.json]

Networks already in `--workdir` (`<set>.json` with `<set>.train.json`) are reused.
"""
import argparse, concurrent.futures, json, math, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nn_certificates import SETS, SUBSAMPLE, UCI, data_options  # noqa: E402

import numpy as np  # noqa: E402

BETA = 1e-2
MASK64 = (1 << 64) - 1


# --- The data exactly as conic sees them ---------------------------------------------------------

def read_table(path):
    """Delimited text as `DelimitedTextReader` reads these files (no header; comma or whitespace)."""
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            fields = line.split(",") if "," in line else line.split()
            rows.append([float(x) for x in fields])  # float() and strtod both round correctly
    return rows


def load_dataset(path):
    """(features n × d, targets n, labels or None) of `DatasetLoader.load`."""
    if os.path.isdir(path):
        names = set(os.listdir(path))
        if "labels_py.dat" in names:
            name = os.path.basename(path.rstrip("/"))
            x = np.array(read_table(os.path.join(path, name + "_py.dat")))
            raw = [int(r[0]) for r in read_table(os.path.join(path, "labels_py.dat"))]
            distinct = sorted(set(raw))
            labels = raw if max(distinct) < len(distinct) else [distinct.index(v) for v in raw]
            return x, np.array(labels, dtype=float), np.array(labels)
        table = np.array(read_table(os.path.join(path, "data.txt")))
        features = [int(t) for t in open(os.path.join(path, "index_features.txt")).read().split()]
        target = [int(t) for t in open(os.path.join(path, "index_target.txt")).read().split()]
        assert len(target) == 1
        return table[:, features], table[:, target[0]], None
    table = np.array(read_table(path))
    return table[:, :-1], table[:, -1], None


def splitmix64(seed):
    state = seed & MASK64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        yield z ^ (z >> 31)


def random_split(count, test_fraction, seed):
    """The training rows of `Dataset.randomSplit` (Fisher–Yates with SplitMix64)."""
    fraction = min(max(test_fraction, 0.0), 1.0)
    test_count = min(count, int(round_half_away(count * fraction)))
    order = list(range(count))
    generator = splitmix64(seed)
    for i in range(count - 1, 0, -1):
        j = ((i + 1) * next(generator)) >> 64
        order[i], order[j] = order[j], order[i]
    return sorted(order[test_count:])


def round_half_away(x):
    # Swift's `rounded()` rounds half away from zero (Python's round() is half-to-even).
    return math.floor(x + 0.5) if x >= 0 else math.ceil(x - 0.5)


def standardize(x):
    """`Standardization.fit` + `apply`, with its sequential sums (bit-for-bit)."""
    n, d = x.shape
    mean, scale = [0.0] * d, [1.0] * d
    for j in range(d):
        s = 0.0
        for i in range(n):
            s += float(x[i, j])
        mean[j] = s / n
        squares = 0.0
        for i in range(n):
            dev = float(x[i, j]) - mean[j]
            squares += dev * dev
        if x[:, j].min() < x[:, j].max():
            std = math.sqrt(squares / n)
            if std > 0:
                scale[j] = std
    return (x - np.array(mean)) / np.array(scale)


def training_data(path, loss, count, seed=0):
    """X̃ (with the ones column) and y of `conic nn train` with `data_options(path, loss, count)`."""
    x, y, labels = load_dataset(os.path.join(UCI, path))
    assert x.shape[0] == count, (path, x.shape)
    if count > SUBSAMPLE:
        fraction = float("%.6f" % (1 - SUBSAMPLE / count))  # the option as data_options writes it
        rows = random_split(count, fraction, seed)
        x, y = x[rows], y[rows]
        labels = labels[rows] if labels is not None else None
    x = standardize(x)
    if labels is not None:  # two classes: label 0 → −1, 1 → +1
        y = np.where(labels == 0, -1.0, 1.0)
    return np.hstack([x, np.ones((x.shape[0], 1))]), y


def network_objective(design, y, network, loss):
    w1 = np.array(network["W1"], dtype=float)
    w2 = np.array(network["w2"], dtype=float).reshape(w1.shape[0])
    f = np.maximum(design @ w1.T, 0) @ w2
    value = 0.5 * np.sum((f - y) ** 2) if loss == "squared" else np.sum(np.maximum(0, 1 - y * f))
    return value + 0.5 * BETA * (np.sum(w1 ** 2) + np.sum(w2 ** 2))


def patterns_of(design, network):
    """The distinct non-zero patterns 1[X̃u ≥ 0] of the network's neurons (n × P, 0/1), and how
    many pre-activations lie within 1e-12 of 0 (where BLAS rounding could flip a bit)."""
    w1 = np.array(network["W1"], dtype=float)
    h = design @ w1.T
    seen, columns = set(), []
    for j in range(h.shape[1]):
        bits = h[:, j] >= 0
        key = np.packbits(bits).tobytes()
        if bits.any() and key not in seen:
            seen.add(key)
            columns.append(bits)
    near = int(np.sum(np.abs(h) <= 1e-12 * np.maximum(1, np.abs(design).sum(1)[:, None] * np.abs(w1).max())))
    return np.array(columns, dtype=float).T, near


# --- CVXPY + Clarabel (child process) ------------------------------------------------------------

def cvxpy_solve(data_file, tight=False):
    import cvxpy as cp
    z = np.load(data_file)
    design, y, masks, loss = z["design"], z["y"], z["masks"], str(z["loss"])
    n, d = design.shape
    p = masks.shape[1]
    signs = 2 * masks - 1
    start = time.perf_counter()
    v, w = cp.Variable((d, p)), cp.Variable((d, p))
    f = cp.sum(cp.multiply(masks, design @ (v - w)), axis=1)
    fit = 0.5 * cp.sum_squares(f - y) if loss == "squared" else cp.sum(cp.pos(1 - cp.multiply(y, f)))
    objective = fit + BETA * (cp.sum(cp.norm(v, 2, axis=0)) + cp.sum(cp.norm(w, 2, axis=0)))
    constraints = [cp.multiply(signs, design @ v) >= 0, cp.multiply(signs, design @ w) >= 0]
    problem = cp.Problem(cp.Minimize(objective), constraints)
    built = time.perf_counter() - start
    start = time.perf_counter()
    if tight:  # the reference value: Clarabel to 1e-11 (default: 1e-8)
        problem.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11, max_iter=400)
    else:
        problem.solve(solver="CLARABEL")
    wall = time.perf_counter() - start
    stats = problem.solver_stats
    print(json.dumps({"status": problem.status, "objective": problem.value, "build": built, "wall": wall,
                      "solve_time": stats.solve_time, "iterations": stats.num_iters,
                      "compilation_time": getattr(problem, "compilation_time", None),
                      "cvxpy": cp.__version__}))


def run_cvxpy(design, y, masks, loss, workdir, name, timeout, tight=False):
    data_file = os.path.join(workdir, name + ".program.npz")
    np.savez(data_file, design=design, y=y, masks=masks, loss=np.array(loss))
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--cvxpy-tight" if tight else "--cvxpy-worker",
                               data_file],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "> %g s" % timeout, "total": time.perf_counter() - start}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- conic ---------------------------------------------------------------------------------------

def run_timed(command, timeout, stop_at=None):
    """Runs conic with --verbose, time-stamping every stderr line as it arrives; ends the process
    at the first line containing `stop_at` (when given)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    lines, stopped = [], False
    try:
        for line in process.stderr:
            lines.append((time.perf_counter() - start, line.rstrip("\n")))
            if stop_at and stop_at in line:
                stopped = True
                break
            if time.perf_counter() - start > timeout:
                raise subprocess.TimeoutExpired(command, timeout)
        if stopped:
            process.kill()
            process.wait()
            return {"stopped": True}, lines
        out = process.stdout.read()
        process.wait(timeout=max(1, timeout - (time.perf_counter() - start)))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return {"error": "timeout"}, lines
    wall = time.perf_counter() - start
    if process.returncode != 0:
        return {"error": lines[-1][1] if lines else "exit %d" % process.returncode}, lines
    result = json.loads(out)
    result["wall"] = wall
    return result, lines


def conic_on_patterns(conic, base, network, solve_limit, certify, command=("nn", "train")):
    """conic on the network's patterns alone (`command`: `nn train`, or `nn conv` for the separable CNN). Unless `certify`, the process is ended when it starts
    the certificate ("round 1: bounding the dual constraint"): the program is solved by then, and its
    value is the last solve's objective in the log (printed with 11 digits; the JSON's
    `convex_objective` is that solve's value)."""
    command = [conic, *command] + base + ["--beta", "%g" % BETA, "--add-patterns", network, "--patterns", "0",
                                               "--max-rounds", "0", "--time-limit", "%g" % solve_limit, "--json",
                                               "--verbose"]
    mark = "bounding the dual constraint"
    result, lines = run_timed(command, solve_limit * 2 + 60, stop_at=None if certify else mark)
    if "error" in result:
        return result
    marks = [t for t, text in lines if mark in text]
    program = marks[0] if marks else None
    solves = [(t, text) for t, text in lines if text.startswith("status: ") and (program is None or t <= program)]
    counts = [text.split(" activation patterns")[0] for _, text in lines if " activation patterns" in text]
    result["program_time"] = program
    result["solver_seconds"] = sum(float(text.split(" iterations, ")[1].split(" s")[0]) for _, text in solves)
    result["program_solves"] = len(solves)
    result["sign_rows"] = [text for _, text in lines if text.startswith("round ") and "constraints" in text]
    if solves:
        result["last_solve_status"] = solves[-1][1].split("status: ")[1].split(",")[0]
        result["last_solve_objective"] = float(solves[-1][1].split("objective ")[1].split(",")[0])
    if counts and counts[0].strip().isdigit():
        result.setdefault("patterns", int(counts[0]))
    result.setdefault("convex_objective", result.get("last_solve_objective"))
    result["command"] = " ".join(command)
    return result


def train(conic, name, path, loss, count, workdir, limit):
    network = os.path.join(workdir, name + ".json")
    report = os.path.join(workdir, name + ".train.json")
    if os.path.exists(network) and os.path.exists(report):
        return json.load(open(report))
    base = data_options(path, loss, count)
    command = [conic, "nn", "train"] + base + ["--beta", "%g" % BETA, "--time-limit", "%g" % limit,
                                               "--save-network", network, "--json", "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=limit * 3 + 120)
    if done.returncode != 0:
        raise RuntimeError("%s: %s" % (name, done.stderr.strip()[-300:]))
    result = json.loads(done.stdout)
    result["wall"] = time.perf_counter() - start
    result["command"] = " ".join(command)
    json.dump(result, open(report, "w"), indent=1)
    return result


def fmt(value, spec="%.3g"):
    return "—" if value is None else spec % value


def main():
    if len(sys.argv) == 3 and sys.argv[1] in ("--cvxpy-worker", "--cvxpy-tight"):
        cvxpy_solve(sys.argv[2], tight=sys.argv[1] == "--cvxpy-tight")
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--time-limit", type=float, default=120, help="seconds of `nn train` for the final network")
    parser.add_argument("--solve-time-limit", type=float, default=600, help="--time-limit of the run on the final patterns")
    parser.add_argument("--certify", action="store_true",
                        help="let the run on the final patterns finish (certificate included) instead of ending it once solved")
    parser.add_argument("--cvxpy-timeout", type=float, default=600)
    parser.add_argument("--sets", default=",".join(s[0] for s in SETS))
    parser.add_argument("--workdir", default="nn_cvxpy_compare.work")
    parser.add_argument("--train-jobs", type=int, default=1, help="training runs side by side (the timed runs never are)")
    parser.add_argument("--reference", action="store_true",
                        help="also solve with Clarabel at tolerance 1e-11 (untimed) and compare both objectives with it")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    conic = os.path.abspath(args.conic)
    chosen = [s for s in SETS if s[0] in args.sets.split(",")]

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.train_jobs) as pool:
        trained = dict(zip([s[0] for s in chosen],
                           pool.map(lambda s: train(conic, *s, args.workdir, args.time_limit), chosen)))

    print("| data | loss | n | d̃ | patterns | conic (s) | conic solver (s) | conic solves | CVXPY+Clarabel (s)"
          " | Clarabel solve (s) | ratio | conic objective | CVXPY objective | rel. diff. |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    sys.stdout.flush()
    rows = []
    for name, path, loss, count in chosen:
        network_file = os.path.join(args.workdir, name + ".json")
        network = json.load(open(network_file))
        design, y = training_data(path, loss, count)
        # The data check: p(θ) of the saved network here against conic's.
        mine, theirs = network_objective(design, y, network, loss), trained[name]["objective"]
        data_check = abs(mine - theirs) / abs(theirs)
        masks, near_zero = patterns_of(design, network)
        conic_result = conic_on_patterns(conic, data_options(path, loss, count), network_file, args.solve_time_limit,
                                         args.certify)
        cvx = run_cvxpy(design, y, masks, loss, args.workdir, name, args.cvxpy_timeout)
        reference = run_cvxpy(design, y, masks, loss, args.workdir, name, args.cvxpy_timeout, tight=True) \
            if args.reference else {}
        ours, theirs_cvx = conic_result.get("convex_objective"), cvx.get("objective")
        difference = abs(ours - theirs_cvx) / abs(theirs_cvx) if ours is not None and theirs_cvx is not None else None
        program = conic_result.get("program_time")
        ratio = cvx["wall"] / program if "wall" in cvx and program else None
        row = {"set": name, "loss": loss, "n": design.shape[0], "d": design.shape[1], "patterns": masks.shape[1],
               "conic_patterns": conic_result.get("patterns"), "neurons": len(network["W1"]),
               "train": {k: trained[name].get(k) for k in ("objective", "convex_objective", "lower_bound", "patterns",
                                                            "rounds", "stop", "wall", "command")},
               "data_check": data_check, "near_zero_preactivations": near_zero, "conic": conic_result, "cvxpy": cvx,
               "relative_difference": difference, "ratio": ratio, "reference": reference}
        rows.append(row)
        print("| %s | %s | %d | %d | %d%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, loss, row["n"], row["d"], row["patterns"],
            "" if row["conic_patterns"] == row["patterns"] else " (conic: %s)" % row["conic_patterns"],
            fmt(program, "%.2f"), fmt(conic_result.get("solver_seconds"), "%.2f"), conic_result.get("program_solves", "—"),
            cvx.get("error") or fmt(cvx.get("wall"), "%.2f"), fmt(cvx.get("solve_time"), "%.2f"), fmt(ratio, "%.1f"),
            fmt(ours, "%.10g"), fmt(theirs_cvx, "%.10g"), fmt(difference, "%.1e")))
        print("    data check |p(θ) numpy − conic|/p = %.1e; pre-activations within 1e-12 of 0: %d; conic status %s,"
              " %s solves; CVXPY status %s, %s Clarabel iterations" % (
                  data_check, near_zero, conic_result.get("last_solve_status"), conic_result.get("program_solves"),
                  cvx.get("status"), cvx.get("iterations")), file=sys.stderr)
        if reference.get("objective") is not None:
            best = reference["objective"]
            print("    reference (Clarabel, 1e-11): %.12g (%s); conic − ref = %s, CVXPY default − ref = %s (relative)" % (
                best, reference.get("status"), fmt((ours - best) / abs(best) if ours is not None else None, "%.1e"),
                fmt((theirs_cvx - best) / abs(best) if theirs_cvx is not None else None, "%.1e")), file=sys.stderr)
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
