#!/usr/bin/env python3
"""CBLIB benchmark: the `conic` command-line solver against Clarabel and ECOS.

One command, from the repository root:

    python3 Benchmarks/cblib.py

For every problem NAME listed in the data directory's reference.csv (NAME.cbf.gz, continuous
SOCP/LP instances in the Conic Benchmark Format) this script

  1. runs `conic solve NAME.cbf.gz --json --time-limit T`,
  2. runs `conic export NAME.cbf.gz --output NAME.json` and solves exactly that exported problem
     with Clarabel (default settings, time_limit = T) and with ECOS (default settings; ECOS has
     no time limit, so its process is killed after T + 30 s), each in its own Python process,
  3. compares the objective values with reference.csv (1e-6 relative, 1e-6 absolute when the
     reference is below 1 in magnitude),
  4. checks conic's claim (solved, infeasible, unbounded, almost_*) independently from the
     exported data and the `--solution` file (Benchmarks/claims.py; off with --no-claim-check).

Every solver's peak resident memory is recorded as in sdplib.py. See Benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import math
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as H  # noqa: E402

SCRIPT_PATH = Path(__file__).resolve()
REPO_ROOT = SCRIPT_PATH.parent.parent
DEFAULT_DATA_DIR = (REPO_ROOT / ".." / "shared" / "data" / "cblib").resolve()
DEFAULT_CSV = REPO_ROOT / "Benchmarks" / "results" / "cblib.csv"

FULL_TOL = 1e-6     # relative (absolute when |ref| < 1)
LOOSE_TOL = 1e-3    # same rule; an "optimal" objective outside it is a false status
TIME_SHIFT = 0.01   # shift of the shifted geometric mean, seconds

ALL_SOLVERS = ("conic", "clarabel", "ecos")


def read_reference(data_dir: Path):
    ref = {}
    path = data_dir / "reference.csv"
    if not path.exists():
        sys.exit(f"error: {path} not found")
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            name = row["name"].strip()
            try:
                value = float(row["optimal_value"])
            except (KeyError, TypeError, ValueError):
                value = None
            ref[name] = {"ref": value, "n_vars": row.get("n_vars", ""),
                         "n_constraints": row.get("n_constraints", "")}
    return ref


def evaluate(res: dict, ref, time_limit: float) -> None:
    st, obj = res["status"], res["objective"]
    res["rel_error"] = H.rel_error(obj, ref)
    res["false_status"] = None
    if ref is None:  # no reference value: the status alone decides
        res["within_tol"] = res["ok"] = st == "solved"
    else:
        res["within_tol"] = H.within(obj, ref, FULL_TOL)
        res["ok"] = st == "solved" and res["within_tol"]
        if st in H.OPTIMAL_STATUSES and not H.within(obj, ref, LOOSE_TOL):
            res["false_status"] = f"{st} but objective off by more than {LOOSE_TOL:g} (rule scaled)"
        elif st in H.INFEASIBLE_STATUSES:
            res["false_status"] = f"{st} on a problem with a reference optimum"
    t = res["solve_time"]
    if res["ok"] and not (isinstance(t, float) and math.isfinite(t) and t <= time_limit):
        res["ok"] = False
        res["note"] = (res.get("note", "") + " over the time limit").strip()
    res["gm_time"] = t if res["ok"] else time_limit


def solver_columns(label: str):
    return [(f"{label} status", 17, "<"), ("objective", 16, ">"), ("rel.err", 7, ">"),
            ("ok", 5, ">"), ("iter", 4, ">"), ("time[s]", 8, ">"), ("MB", 5, ">")]


def solver_cells(r: dict):
    return [r["status"], H.fmt_num(r["objective"], ".9e"), H.fmt_num(r["rel_error"], ".0e"),
            H.ok_cell(r), H.fmt_num(r["iterations"], "d"), H.fmt_num(r["solve_time"], ".3g"),
            H.fmt_mb(r["mem_kb"])]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark the conic solver against Clarabel and ECOS on the CBLIB subset.")
    H.add_common_options(ap, 300.0, DEFAULT_CSV, DEFAULT_DATA_DIR, "NAME.cbf.gz")
    ap.add_argument("--solvers", default=",".join(ALL_SOLVERS),
                    help="comma-separated subset of conic,clarabel,ecos (default: all three)")
    args = ap.parse_args(argv)

    solvers = [s.strip().lower() for s in args.solvers.split(",") if s.strip()]
    if not solvers or any(s not in ALL_SOLVERS for s in solvers):
        sys.exit(f"error: --solvers takes a subset of {','.join(ALL_SOLVERS)}")
    solvers = [s for s in ALL_SOLVERS if s in solvers]

    data_dir = args.data_dir.resolve()
    if not data_dir.is_dir():
        sys.exit(f"error: data directory {data_dir} not found (use --data-dir)")
    reference = read_reference(data_dir)
    files = {}
    for name in reference:
        for suffix in (".cbf.gz", ".cbf"):
            if (data_dir / f"{name}{suffix}").exists():
                files[name] = data_dir / f"{name}{suffix}"
                break
        else:
            print(f"warning: {name} is listed in reference.csv but {name}.cbf.gz is missing",
                  file=sys.stderr)
    names = H.select_names(sorted(files, key=str.lower), args.only)
    if not names:
        sys.exit(f"error: no problems in {data_dir}")

    versions = {}
    try:
        import numpy  # noqa: F401  (needed by the worker processes)
        import scipy  # noqa: F401
        if "clarabel" in solvers:
            import clarabel
            versions["clarabel"] = getattr(clarabel, "__version__", "?")
        if "ecos" in solvers:
            import ecos
            versions["ecos"] = getattr(ecos, "__version__", "?")
    except ImportError as exc:
        sys.exit(f"error: {exc}; run `pip install clarabel ecos numpy scipy`")
    conic = H.resolve_conic(args)

    tl = args.time_limit
    mem_desc = H.set_memory_limit(args.memory_limit)
    header = H.base_header()
    header.append(("conic", f"{conic} (repo revision {H.git_revision()})"))
    if "clarabel" in solvers:
        header.append(("clarabel", f"{versions['clarabel']} (default settings, time_limit={tl:g}, "
                                   f"verbose=False; problem from `conic export`)"))
    if "ecos" in solvers:
        header.append(("ecos", f"{versions['ecos']} (Python package, default settings, verbose=False; "
                               f"problem from `conic export`; no time limit option: killed after "
                               f"{tl + 30:g} s)"))
    header += [
        ("threads", H.thread_env()),
        ("data", f"{data_dir} ({len(names)} problems)"),
        ("tolerance", f"|obj - ref| <= {FULL_TOL:g}*|ref| (|ref| >= 1) or {FULL_TOL:g} (|ref| < 1)"),
        ("time limit", f"{tl:g} s per problem and solver (subprocess killed after {tl + 30:g} s)"),
        ("memory", f"limit {mem_desc}; MB = peak RSS of the solver process (see README)"),
        ("claims", H.claim_check_description(not args.no_claim_check and "conic" in solvers)),
        ("command", " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)),
    ]
    H.print_header(header)

    width = max(9, max(len(n) for n in names))
    columns = [("problem", width, "<")]
    for s in solvers:
        columns += solver_columns(s) + ([("claim", 10, "<")] if s == "conic" else [])
    print(H.text_line(columns, [c[0] for c in columns]))
    print("-" * len(H.text_line(columns, ["x" * w for _, w, _ in columns])), flush=True)

    tmp = tempfile.TemporaryDirectory(prefix="cblib_bench_")
    if args.export_dir:
        export_dir = args.export_dir.resolve()
        export_dir.mkdir(parents=True, exist_ok=True)
    else:
        export_dir = Path(tmp.name)

    results, text_rows = [], []
    interrupted = False
    try:
        for name in names:
            info = reference[name]
            path = files[name]
            rs = {}
            export_path = export_dir / f"{name}.json"
            solution = H.claim_solution_path(None if args.no_claim_check else Path(tmp.name), name)
            if "conic" in solvers:
                rs["conic"] = H.run_conic_solve(conic, path, tl, solution=solution)
            peers = [s for s in solvers if s != "conic"]
            if peers:
                err = H.conic_export(conic, path, export_path, tl + 30)
                for s in peers:
                    rs[s] = dict(err) if err else H.run_peer_worker(s, export_path, tl)
            for r in rs.values():
                evaluate(r, info["ref"], tl)
            if "conic" in solvers:
                ref = info["ref"]
                H.check_conic_claim(rs["conic"], conic, path, export_path, solution, tl + 30,
                                    None if ref is None else lambda obj: None if H.within(obj, ref, LOOSE_TOL)
                                    else f"off the reference {ref:.9e} by more than {LOOSE_TOL:g} (rule scaled)")
                H.apply_claim_verdict(rs["conic"], tl)
            if not args.export_dir and export_path.exists():
                export_path.unlink()
            results.append((name, info, rs))
            cells = [name]
            for s in solvers:
                cells += solver_cells(rs[s]) + ([H.claim_cell(rs[s])] if s == "conic" else [])
            text_rows.append(cells)
            print(H.text_line(columns, cells), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: summary of the problems finished so far", flush=True)
    finally:
        tmp.cleanup()

    total = len(names)
    summary = []
    if interrupted:
        summary.append(f"INTERRUPTED after {len(results)} of {total} problems")
    for s in solvers:
        n_ok = sum(1 for _, _, rs in results if rs[s]["ok"])
        n_close = sum(1 for _, _, rs in results if rs[s]["within_tol"])
        summary.append(f"{s}: {n_ok}/{total} solved at full accuracy (status solved, objective within "
                       f"{FULL_TOL:g}, within the time limit); {n_close}/{total} within {FULL_TOL:g} "
                       f"whatever the status")
    summary += H.status_count_lines(results, solvers)
    false_lines = [f"{s} {name}: {rs[s]['false_status']}; objective {H.fmt_num(rs[s]['objective'], '.9e')}, "
                   f"reference {H.fmt_num(info['ref'], '.9e')}, rel.err {H.fmt_num(rs[s]['rel_error'], '.1e')}"
                   for name, info, rs in results for s in solvers if rs[s]["false_status"]]
    time_lines = H.time_summary_lines(results, solvers, TIME_SHIFT, tl, f"{TIME_SHIFT * 1000:g} ms")
    sections = [(None, summary)] + H.closing_sections(false_lines, time_lines, results, solvers)
    if "conic" in solvers:
        sections += H.claim_summary_sections([(name, rs["conic"]) for name, _, rs in results])
    print()
    H.print_report(sections)

    fields = ["status", "status_raw", "objective", "dual_objective", "rel_error", "ok", "within_tol",
              "false_status", "iterations", "solve_time", "wall_time", "mem_kb", "note"]
    extra = {"conic": ["setup_time"] + H.CLAIM_FIELDS,
             "clarabel": ["mem_process_kb", "mem_baseline_kb", "mem_load_peak_kb"],
             "ecos": ["mem_process_kb", "mem_baseline_kb", "mem_load_peak_kb"]}
    H.write_results_csv(args.output_csv.resolve(), ["name", "n_vars", "n_constraints", "reference"],
                        lambda name, info: [name, info["n_vars"], info["n_constraints"], H.csv_cell(info["ref"])],
                        results, solvers, fields, extra)

    if args.output_md:
        md_path = args.output_md.resolve()
        H.write_markdown(
            md_path, f"CBLIB benchmark: {' vs '.join(solvers)}", header, columns, text_rows, sections,
            "ok: `yes` = status solved and |obj − ref| ≤ 1e-6·|ref| (|ref| ≥ 1) or ≤ 1e-6 (|ref| < 1); "
            "`FALSE` = false status (see Benchmarks/README.md). MB = peak resident memory of the "
            "solver process." + H.CLAIM_FOOTNOTE)
        print(f"markdown written to {md_path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
