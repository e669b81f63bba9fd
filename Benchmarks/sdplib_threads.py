#!/usr/bin/env python3
"""End-game robustness check: SDPLIB problems solved with the automatic BLAS threads and with one.

The last iterations of ill-conditioned SDPs finish within a factor 1-2 of the 1e-8 tolerances, so
their status can flip on rounding alone: the BLAS thread count changes the order of summation in
the products, and with it `solved` into `almost_solved` (measured: control5 with c2b28ca). A change
to the end game is judged on both columns, not on one run (see docs/history/benchmarks-log.md, 2026-11-23).

    python3 Benchmarks/sdplib_threads.py [--conic PATH] [--only a,b,c] [--time-limit 120]

Prints one markdown row per problem (status, iterations, seconds for each thread setting) and the
count of `solved` per column. Builds the solver first unless --conic or --no-build is given.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

# Problems whose end game is ill-conditioned and short enough to run twice.
DEFAULT_PROBLEMS = (
    "control3,control4,control5,control6,control7,control8,"
    "gpp124-1,gpp124-2,gpp124-3,gpp124-4,gpp250-1,gpp250-2,gpp250-3,gpp250-4,"
    "hinf2,hinf4,hinf5,hinf6,hinf7,hinf10,hinf13,hinf14,"
    "qap6,qap7,qap8,ss30,arch0,arch2,truss8,theta3,mcp250-1"
)
SHORT = {"solved": "S", "almost_solved": "a"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conic", metavar="PATH", help="conic executable (default: .build/release/conic, built first)")
    ap.add_argument("--no-build", action="store_true", help="do not run `swift build -c release` first")
    ap.add_argument("--only", default=DEFAULT_PROBLEMS, metavar="NAME[,NAME]", help="problems to run")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--data-dir", type=Path, default=harness.REPO_ROOT.parent / "shared" / "data" / "sdplib")
    args = ap.parse_args()
    conic = harness.resolve_conic(args)

    settings = (("auto", "0"), ("1", "1"))
    solved = {label: 0 for label, _ in settings}
    print("| problem | " + " | ".join(f"threads {label}" for label, _ in settings) + " |")
    print("|---|" + "---|" * len(settings))
    for name in args.only.split(","):
        path = args.data_dir / f"{name}.dat-s"
        cells = []
        for label, threads in settings:
            _, stdout, _, _ = harness.run_cmd([conic, "solve", str(path), "--json", "--threads", threads,
                                               "--time-limit", str(args.time_limit)], timeout=args.time_limit + 30)
            data = harness.parse_json_stdout(stdout)
            if not data:
                cells.append("error")
                continue
            status = data.get("status", "?")
            solved[label] += status == "solved"
            cells.append(f"{SHORT.get(status, status)} {data.get('iterations')} {data.get('solve_time', 0):.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    print("| solved | " + " | ".join(str(solved[label]) for label, _ in settings) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
