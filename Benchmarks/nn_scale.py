#!/usr/bin/env python3
"""Convex ReLU training at realistic width and dimension: `conic nn train` against CVXPY + Clarabel
on the same program (issue 16, part 4).

Teacher data from Benchmarks/nn_teacher_data.py (d features, width-10 ReLU teacher, noise 0.1),
squared loss, P Gaussian gate vectors whose distinct patterns both solvers use (handed to conic as
a network file: `--patterns 0 --add-patterns`). conic generates the sign constraints it needs;
CVXPY gets all of them (the same optimum). Each solver runs in its own process; reported: wall
time, CPU time (user + system) and peak resident memory of that process, objective, status, and
the solve time each reports (conic: program builds + solves, without the certificate; CVXPY: the
solver's own time, without canonicalization).

    python3 Benchmarks/nn_scale.py [--n 2000] [--d 50] [--patterns 200] [--beta 1e-2]
                                   [--solvers conic,clarabel] [--time-limit 3600] [--conic PATH]
"""
import argparse, json, os, signal, subprocess, sys, tempfile, time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nn_teacher_data import teacher_data  # noqa: E402
from nn_training import solve_cvxpy, unique_patterns  # noqa: E402


def measured(command, time_limit, workdir):
    """Runs `command` under /usr/bin/time; returns (completed process or None on timeout, wall s,
    cpu s, peak resident MB) of that process alone."""
    stats = os.path.join(workdir, "time.txt")
    start = time.perf_counter()
    # Its own process group, so that a timeout ends the solver too, not only /usr/bin/time.
    process = subprocess.Popen(["/usr/bin/time", "-o", stats, "-f", "%M %U %S"] + command,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, time.perf_counter() - start, float("nan"), float("nan")
    out = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    wall = time.perf_counter() - start
    fields = open(stats).read().split()[-3:]
    return out, wall, float(fields[1]) + float(fields[2]), float(fields[0]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--patterns", type=int, default=200)
    parser.add_argument("--beta", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solvers", default="conic,clarabel")
    parser.add_argument("--time-limit", type=float, default=3600)
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--cvxpy-one", nargs=2, metavar=("NPZ", "SOLVER"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.cvxpy_one:  # worker: one CVXPY solve in this process, result as JSON on stdout
        data = np.load(args.cvxpy_one[0])
        print(json.dumps(solve_cvxpy(data["x"], data["y"], data["dmat"], float(data["beta"]), args.cvxpy_one[1])))
        return

    x, y = teacher_data(args.n, args.d, seed=args.seed)
    gates = np.random.default_rng(1000 + args.seed).standard_normal((args.patterns, args.d))
    dmat, gates = unique_patterns(x, gates)
    print(f"n = {args.n}, d = {args.d}, beta = {args.beta}, P = {dmat.shape[1]} distinct patterns, squared loss")
    print(f"{'solver':>9} {'status':>14} {'objective':>18} {'wall s':>9} {'cpu s':>9} {'peak MB':>8} {'solve s':>9}")
    with tempfile.TemporaryDirectory() as workdir:
        data = os.path.join(workdir, "data.csv")
        np.savetxt(data, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
        net = os.path.join(workdir, "gates.json")
        with open(net, "w") as f:
            json.dump({"W1": gates.tolist(), "w2": [0.0] * len(gates), "bias": False}, f)
        arrays = os.path.join(workdir, "program.npz")
        np.savez(arrays, x=x, y=y, dmat=dmat, beta=args.beta)
        for solver in args.solvers.split(","):
            if solver == "conic":
                command = [args.conic, "nn", "train", "--data", data, "--beta", str(args.beta), "--patterns", "0",
                           "--add-patterns", net, "--json", "--quiet"]
            else:
                command = [sys.executable, os.path.abspath(__file__), "--cvxpy-one", arrays, solver.upper()]
            out, wall, cpu, peak = measured(command, args.time_limit, workdir)
            inner = float("nan")  # conic: program build + solves (JSON); CVXPY: the solver's own time
            if out is None:
                status, objective = "timeout", None
            elif out.returncode != 0:
                status, objective = f"error {out.returncode}", None
                print(out.stderr.strip()[-500:], file=sys.stderr)
            else:
                result = json.loads(out.stdout)
                status = result["status"]
                objective = result["convex_objective"] if solver == "conic" else result["objective"]
                inner = result["build_time"] + result["solve_time"] if solver == "conic" else (result["solver_time"] or float("nan"))
            obj = f"{objective:.10e}" if objective is not None else "-"
            print(f"{solver:>9} {str(status)[:14]:>14} {obj:>18} {wall:>9.1f} {cpu:>9.1f} {peak:>8.0f} {inner:>9.1f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
