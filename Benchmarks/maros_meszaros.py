#!/usr/bin/env python3
"""Maros-Meszaros benchmark: the `conic` command-line solver against Clarabel.

One command, from the repository root:

    python3 Benchmarks/maros_meszaros.py

For every QPS file NAME.SIF in the data directory this script

  1. runs `conic solve NAME.SIF --json --time-limit T` (subprocess, timeout T + 30 s),
  2. runs `conic export NAME.SIF --output NAME.json` and solves exactly that exported
     problem with Clarabel (default settings, time_limit = T, verbose = False) in a separate
     Python subprocess (this script re-invoked with the hidden `--clarabel-one` mode), so
     that a hang or crash on one problem cannot stop the run,
  3. compares both objective values with the reference value from reference.csv,
  4. checks conic's claim (solved, infeasible, unbounded, almost_*) independently from the
     exported data and the `--solution` file (Benchmarks/claims.py; off with --no-claim-check).

Shared helpers (subprocess handling, the Clarabel worker, formatting) live in
Benchmarks/harness.py, which sdplib.py and cblib.py use as well.

See Benchmarks/README.md for the output format and the exact accuracy rules.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import math
import platform
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as _harness  # noqa: E402  (shared helpers, Benchmarks/harness.py)
from harness import (  # noqa: E402,F401
    CLARABEL_STATUS_MAP, INFEASIBLE_STATUSES, OPTIMAL_STATUSES, camel_to_snake,
    empty_result, fmt_num, git_revision, machine_info, map_clarabel_status, md_line,
    parse_json_stdout, rel_error, result_from_json, run_cmd, short, to_float, to_int, within,
)

SCRIPT_PATH = Path(__file__).resolve()
REPO_ROOT = SCRIPT_PATH.parent.parent
DEFAULT_DATA_DIR = (REPO_ROOT / ".." / "shared" / "data" / "maros-meszaros").resolve()
DEFAULT_CSV = REPO_ROOT / "Benchmarks" / "results" / "maros_meszaros.csv"

# Accuracy rules (see README): "full accuracy" and the loose check used to flag false statuses.
FULL_TOL = 1e-6
LOOSE_TOL = 1e-3
TIME_SHIFT = 0.01  # shift of the shifted geometric mean, seconds

def abs_err(obj: float, ref: float) -> float:
    return abs(obj - ref)


def full_accuracy(status: str, obj: float, ref) -> bool:
    if status != "solved":
        return False
    if ref is None:  # no reference value: status alone decides
        return True
    return within(obj, ref, FULL_TOL)


def false_status(status: str, obj: float, ref):
    """Returns a short reason string when the status is false, else None."""
    if ref is None:
        return None
    if status in OPTIMAL_STATUSES and not within(obj, ref, LOOSE_TOL):
        return f"{status} but objective off by more than {LOOSE_TOL:g} (rule scaled)"
    if status in INFEASIBLE_STATUSES:
        return f"{status} on a problem with a reference optimum"
    return None


def shifted_geomean(times, shift=TIME_SHIFT) -> float:
    return _harness.shifted_geomean(times, shift)


# ----------------------------------------------------------------------------------------------
# hidden mode: solve one exported problem with Clarabel, print one JSON line
# ----------------------------------------------------------------------------------------------

def clarabel_one(path: str, time_limit: float) -> int:
    """Solve the exported JSON problem at `path` with Clarabel; print a JSON object."""
    return _harness.clarabel_one(path, time_limit)


# ----------------------------------------------------------------------------------------------
# the benchmark
# ----------------------------------------------------------------------------------------------

def read_reference(data_dir: Path):
    ref = {}
    path = data_dir / "reference.csv"
    if not path.exists():
        print(f"warning: {path} not found; no reference values", file=sys.stderr)
        return ref
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            name = row["name"].strip()
            try:
                value = float(row["optimal_value"])
            except (KeyError, ValueError):
                value = None
            ref[name] = {"ref": value, "n_vars": row.get("n_vars", ""),
                         "n_constraints": row.get("n_constraints", "")}
    return ref


def run_conic(conic: str, sif: Path, time_limit: float, solution=None) -> dict:
    cmd = [conic, "solve", str(sif), "--json", "--time-limit", f"{time_limit:g}"]
    timeout = time_limit + 30
    if solution is not None:
        cmd += ["--solution", str(solution)]
        timeout += _harness.solution_write_allowance()
    rc, out, err, wall = run_cmd(cmd, timeout)
    if rc is None:
        res = empty_result("timeout", f"killed after {timeout:g} s")
        res["wall_time"] = wall
        return res
    data = parse_json_stdout(out)
    if data is None:
        res = empty_result("error" if rc != 0 else "bad_output",
                           f"exit code {rc}: {short(err or out)}")
        res["wall_time"] = wall
        return res
    return result_from_json(data, wall, rc)


def run_clarabel(conic: str, sif: Path, export_path: Path, time_limit: float) -> dict:
    rc, out, err, wall = run_cmd([conic, "export", str(sif), "--output", str(export_path)],
                                 time_limit + 30)
    if rc is None:
        return empty_result("export_error", "conic export timed out")
    if rc != 0 or not export_path.exists():
        return empty_result("export_error", f"conic export exit code {rc}: {short(err or out)}")
    cmd = [sys.executable, str(SCRIPT_PATH), "--clarabel-one", str(export_path),
           "--time-limit", f"{time_limit:g}"]
    rc, out, err, wall = run_cmd(cmd, time_limit + 30)
    if rc is None:
        res = empty_result("timeout", f"killed after {time_limit + 30:g} s")
        res["wall_time"] = wall
        return res
    data = parse_json_stdout(out)
    if data is None:
        res = empty_result("crash", f"exit code {rc}: {short(err or out)}")
        res["wall_time"] = wall
        return res
    res = result_from_json(data, wall, rc)
    res["status_raw"] = data.get("status_raw", "")
    return res


def evaluate(res: dict, ref, time_limit: float) -> None:
    obj = res["objective"]
    res["rel_error"] = rel_error(obj, ref)
    res["ok"] = full_accuracy(res["status"], obj, ref)
    res["false_status"] = false_status(res["status"], obj, ref)
    t = res["solve_time"]
    # time used in the shifted geometric mean: the time limit unless solved at full accuracy
    res["gm_time"] = t if (res["ok"] and math.isfinite(t)) else time_limit


def ok_cell(res: dict) -> str:
    if res.get("false_status"):
        return "FALSE"
    return "yes" if res.get("ok") else "no"


COLUMNS = [  # (header, width, align)
    ("problem", 9, "<"),
    ("conic status", 21, "<"), ("objective", 16, ">"), ("rel.err", 8, ">"), ("ok", 5, ">"),
    ("iter", 4, ">"), ("time[s]", 9, ">"), ("claim", 10, "<"),
    ("clarabel status", 21, "<"), ("objective", 16, ">"), ("rel.err", 8, ">"), ("ok", 5, ">"),
    ("iter", 4, ">"), ("time[s]", 9, ">"),
]


def row_cells(name: str, a: dict, b: dict):
    cells = [name]
    for r in (a, b):
        cells += [r["status"], fmt_num(r["objective"], ".9e"), fmt_num(r["rel_error"], ".1e"),
                  ok_cell(r), fmt_num(r["iterations"], "d"), fmt_num(r["solve_time"], ".3g")]
        if r is a:
            cells.append(_harness.claim_cell(a))
    return cells


def text_line(cells) -> str:
    return _harness.text_line(COLUMNS, cells)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark the conic solver against Clarabel on the Maros-Meszaros QP set.")
    _harness.add_common_options(ap, 60.0, DEFAULT_CSV, DEFAULT_DATA_DIR, "NAME.SIF", memory_limit=False)
    ap.add_argument("--clarabel-one", metavar="FILE.json", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.clarabel_one:
        return clarabel_one(args.clarabel_one, args.time_limit)

    try:
        import clarabel
        clarabel_version = getattr(clarabel, "__version__", "?")
        import numpy  # noqa: F401  (needed by the --clarabel-one subprocesses)
        import scipy  # noqa: F401
    except ImportError as exc:
        sys.exit(f"error: {exc}; run `pip install clarabel numpy scipy`")

    data_dir = args.data_dir.resolve()
    if not data_dir.is_dir():
        sys.exit(f"error: data directory {data_dir} not found (use --data-dir)")

    reference = read_reference(data_dir)
    files = {p.stem: p for p in sorted(data_dir.glob("*.SIF"))}
    for name in reference:
        if name not in files:
            print(f"warning: {name} is listed in reference.csv but {name}.SIF is missing",
                  file=sys.stderr)
    names = _harness.select_names(sorted(files), args.only)
    if not names:
        sys.exit(f"error: no .SIF files in {data_dir}")

    conic = _harness.resolve_conic(args)

    tl = args.time_limit
    uname, nproc, cpu = machine_info()
    header = [
        ("date", _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("machine", uname),
        ("nproc", nproc + (f" ({cpu})" if cpu else "")),
        ("python", platform.python_version()),
        ("clarabel", f"{clarabel_version} (default settings, time_limit={tl:g}, verbose=False)"),
        ("conic", f"{conic} (repo revision {git_revision()})"),
        ("data", f"{data_dir} ({len(names)} problems)"),
        ("time limit", f"{tl:g} s per problem and solver (subprocess timeout {tl + 30:g} s)"),
        ("claims", _harness.claim_check_description(not args.no_claim_check)),
        ("command", " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)),
    ]
    for key, value in header:
        print(f"{key + ':':12s}{value}")
    print()
    head_cells = [c[0] for c in COLUMNS]
    print(text_line(head_cells))
    print("-" * len(text_line(["x" * w for _, w, _ in COLUMNS])), flush=True)

    results = []
    interrupted = False
    tmp = None
    if args.export_dir:
        export_dir = args.export_dir.resolve()
        export_dir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="mm_export_")
        export_dir = Path(tmp.name)
    try:
        for name in names:
            info = reference.get(name, {"ref": None, "n_vars": "", "n_constraints": ""})
            ref = info["ref"]
            sif = files[name]
            solution = _harness.claim_solution_path(None if args.no_claim_check else export_dir, name)
            a = run_conic(conic, sif, tl, solution)
            b = run_clarabel(conic, sif, export_dir / f"{name}.json", tl)
            evaluate(a, ref, tl)
            evaluate(b, ref, tl)
            _harness.check_conic_claim(
                a, conic, sif, export_dir / f"{name}.json", solution, tl + 30,
                None if ref is None else
                lambda obj: None if within(obj, ref, LOOSE_TOL) else
                f"off the reference {ref:.9e} by more than {LOOSE_TOL:g} (rule scaled)")
            _harness.apply_claim_verdict(a, tl)
            results.append((name, info, a, b))
            print(text_line(row_cells(name, a, b)), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: summary of the problems finished so far", flush=True)
    finally:
        if tmp is not None:
            tmp.cleanup()

    total = len(names)
    summary = []
    for label, idx in (("conic", 2), ("clarabel", 3)):
        rs = [r[idx] for r in results]
        n_ok = sum(1 for r in rs if r["ok"])
        summary.append(f"{label}: {n_ok}/{total} solved at full accuracy")
    counts = []
    for label, idx in (("conic", 2), ("clarabel", 3)):
        c = {}
        for r in results:
            c[r[idx]["status"]] = c.get(r[idx]["status"], 0) + 1
        counts.append(f"{label} statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    false_lines = []
    for name, info, a, b in results:
        for label, r in (("conic", a), ("clarabel", b)):
            if r["false_status"]:
                false_lines.append(
                    f"{label} {name}: {r['false_status']}; objective {fmt_num(r['objective'], '.9e')}, "
                    f"reference {fmt_num(info['ref'], '.9e')}, rel.err {fmt_num(r['rel_error'], '.1e')}")
    gm_conic = shifted_geomean([a["gm_time"] for _, _, a, _ in results])
    gm_clar = shifted_geomean([b["gm_time"] for _, _, _, b in results])
    ratio = gm_conic / gm_clar if gm_clar > 0 else math.nan
    both = [(a["solve_time"], b["solve_time"]) for _, _, a, b in results if a["ok"] and b["ok"]]
    gm_both_a = shifted_geomean([t for t, _ in both])
    gm_both_b = shifted_geomean([t for _, t in both])
    raw = [(a["solve_time"], b["solve_time"]) for _, _, a, b in results
           if all(isinstance(t, (int, float)) and math.isfinite(t) for t in (a["solve_time"], b["solve_time"]))]
    gm_raw_a = shifted_geomean([t for t, _ in raw])
    gm_raw_b = shifted_geomean([t for _, t in raw])
    time_lines = [
        f"shifted geometric mean of solve times (shift {TIME_SHIFT * 1000:g} ms, {len(results)} problems, "
        f"time limit {tl:g} s for anything not solved at full accuracy):",
        f"  conic:    {fmt_num(gm_conic, '.4f')} s",
        f"  clarabel: {fmt_num(gm_clar, '.4f')} s",
        f"  ratio conic/clarabel: {fmt_num(ratio, '.3f')} (> 1 means conic is slower)",
        f"  on the {len(both)} problems both solve at full accuracy: conic {fmt_num(gm_both_a, '.4f')} s, "
        f"clarabel {fmt_num(gm_both_b, '.4f')} s, ratio "
        f"{fmt_num(gm_both_a / gm_both_b if both and gm_both_b > 0 else math.nan, '.3f')}",
        f"  raw solve times on the {len(raw)} problems both finished, whatever the accuracy: conic "
        f"{fmt_num(gm_raw_a, '.4f')} s, clarabel {fmt_num(gm_raw_b, '.4f')} s, ratio "
        f"{fmt_num(gm_raw_a / gm_raw_b if raw and gm_raw_b > 0 else math.nan, '.3f')}",
    ]
    if interrupted:
        summary.insert(0, f"INTERRUPTED after {len(results)} of {total} problems")

    print()
    for line in summary + counts:
        print(line)
    if false_lines:
        print(f"FALSE STATUSES ({len(false_lines)}):")
        for line in false_lines:
            print("  " + line)
    else:
        print("false statuses: none")
    for line in time_lines:
        print(line)
    claim_sections = _harness.claim_summary_sections([(name, a) for name, _, a, _ in results])
    _harness.print_report(claim_sections)

    # CSV
    csv_path = args.output_csv.resolve()
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["status", "objective", "dual_objective", "rel_error", "ok", "false_status",
              "iterations", "solve_time", "wall_time", "note"]
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "n_vars", "n_constraints", "reference"]
                   + [f"conic_{k}" for k in fields] + ["clarabel_status_raw"]
                   + [f"clarabel_{k}" for k in fields]
                   + [f"conic_{k}" for k in _harness.CLAIM_FIELDS])
        for name, info, a, b in results:
            def vals(r):
                return [r["status"], repr(r["objective"]), repr(r["dual_objective"]),
                        repr(r["rel_error"]), int(bool(r["ok"])), r["false_status"] or "",
                        "" if r["iterations"] is None else r["iterations"],
                        repr(r["solve_time"]), repr(r["wall_time"]), r["note"]]
            w.writerow([name, info["n_vars"], info["n_constraints"],
                        "" if info["ref"] is None else repr(info["ref"])]
                       + vals(a) + [b.get("status_raw", "")] + vals(b)
                       + [a.get(k, "") for k in _harness.CLAIM_FIELDS])
    print(f"\nCSV written to {csv_path}")

    # Markdown
    if args.output_md:
        md_path = args.output_md.resolve()
        md_path.parent.mkdir(parents=True, exist_ok=True)
        with open(md_path, "w") as f:
            f.write("# Maros-Meszaros benchmark: conic vs Clarabel\n\n")
            for key, value in header:
                f.write(f"- **{key}**: `{value}`\n")
            f.write("\n")
            f.write(md_line(head_cells) + "\n")
            f.write("|" + "|".join("---" if al == "<" else "---:" for _, _, al in COLUMNS) + "|\n")
            for name, info, a, b in results:
                f.write(md_line(row_cells(name, a, b)) + "\n")
            f.write("\n## Summary\n\n")
            for line in summary + counts:
                f.write(f"- {line}\n")
            if false_lines:
                f.write(f"- **False statuses ({len(false_lines)})**:\n")
                for line in false_lines:
                    f.write(f"  - {line}\n")
            else:
                f.write("- false statuses: none\n")
            f.write(f"- {time_lines[0]}\n")
            for line in time_lines[1:]:
                f.write(f"  - {line.strip()}\n")
            for sec_title, lines in claim_sections:
                indent = ""
                if sec_title is not None:
                    f.write(f"- {sec_title}\n")
                    indent = "  "
                for line in lines:
                    f.write(f"{indent}- {line}\n")
            f.write("\nok: `yes` = status solved and |obj − ref| ≤ 1e-6·|ref| (|ref| ≥ 1) or ≤ 1e-6 "
                    "(|ref| < 1); `FALSE` = false status (see Benchmarks/README.md)."
                    + _harness.CLAIM_FOOTNOTE + "\n")
        print(f"markdown written to {md_path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
