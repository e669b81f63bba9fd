#!/usr/bin/env python3
"""SDPLIB benchmark: the `conic` command-line solver against SDPA and Clarabel.

One command, from the repository root:

    python3 Benchmarks/sdplib.py

For every problem NAME listed in the data directory's reference.csv (NAME.dat-s, SDPA sparse
format) this script

  1. runs `conic solve NAME.dat-s --json --time-limit T`,
  2. runs SDPA (`sdpa -ds NAME.dat-s -o OUT -p PARAM`, default parameters; PARAM only switches
     off the printing of the solution matrices, see README) and parses its output,
  3. runs `conic export NAME.dat-s --output NAME.json` and solves exactly that exported problem
     with Clarabel (default settings, time_limit = T) in a separate Python process,
  4. compares the three objective values with reference.csv, to the digits it publishes,
  5. checks conic's claim (solved, infeasible, unbounded, almost_*) independently from the
     exported data and the `--solution` file (Benchmarks/claims.py; off with --no-claim-check).

Every solver runs in its own subprocess (killed after T + 30 s) and its peak resident memory is
taken from `os.wait4` on that process. See Benchmarks/README.md for the rules and the output.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as H  # noqa: E402

SCRIPT_PATH = Path(__file__).resolve()
REPO_ROOT = SCRIPT_PATH.parent.parent
DEFAULT_DATA_DIR = (REPO_ROOT / ".." / "shared" / "data" / "sdplib").resolve()
DEFAULT_CSV = REPO_ROOT / "Benchmarks" / "results" / "sdplib.csv"

REL_TOL = 1e-6          # accuracy when the reference has >= 7 significant digits
LOOSE_TOL = 1e-3        # an "optimal" objective further off than this is a false status
TIME_SHIFT = 1.0        # shift of the shifted geometric mean, seconds (as in the data MANIFEST)
LARGE_PSD = 100         # "large PSD block" threshold for the conic-vs-Clarabel list

ALL_SOLVERS = ("conic", "sdpa", "clarabel")

# reference.csv holds float() reprs of the SDPLIB README values, which drops significant
# trailing zeros ("8.300000e+00" -> 8.3) and adds a non-significant ".0" ("1.09e+02" -> 109.0).
# Only for counting the published digits, the value as published is used for these problems
# (the numbers are equal; checked at start-up). Sources: the SDPLIB 1.2 README table
# (github.com/vsdp/SDPLIB), its note 14 for qap10 (the table's -1.093e+01 is a typo), and the
# SDPA 7.3.16 value for qpG51 quoted in the data MANIFEST (the README's 1.181000e+03 is a typo).
# `--csv-digits` ignores this table and counts the digits of the text in reference.csv.
PUBLISHED_TEXT = {
    "control2": "8.300000e+00",
    "hinf5": "3.63e+02",
    "hinf7": "3.91e+02",
    "hinf10": "1.09e+02",
    "hinf13": "4.6e+01",
    "maxG55": "9.999210e+03",
    "mcp250-4": "1.681960e+03",
    "qap7": "-4.25e+02",
    "qap8": "-7.57e+02",
    "qap10": "-1.093e+03",
    "qpG51": "1.1818000e+04",
    "theta1": "2.300000e+01",
    "thetaG11": "4.000000e+02",
}

# SDPA phase.value -> the status names `conic solve --json` uses. SDPA's primal is
# min c'x s.t. sum x_i F_i - F_0 = X >= 0 (the problem conic reads), its dual max tr(F_0 Y).
SDPA_STATUS = {
    "pdOPT": "solved",
    "pINF_dFEAS": "primal_infeasible",
    "dUNBD": "primal_infeasible",       # dual unbounded => primal infeasible
    "pFEAS_dINF": "dual_infeasible",
    "pUNBD": "dual_infeasible",         # primal unbounded => dual infeasible
    "pdINF": "primal_dual_infeasible",
    "pdFEAS": "not_converged",
    "pFEAS": "not_converged",
    "dFEAS": "not_converged",
    "noINFO": "not_converged",
}
INFEASIBLE_ANY = H.INFEASIBLE_STATUSES | {"primal_dual_infeasible"}


# ----------------------------------------------------------------------------------------------
# reference values and tolerances
# ----------------------------------------------------------------------------------------------

def digits_and_half_unit(text: str):
    """Significant digits of a decimal string and half a unit in its last printed digit."""
    try:
        dec = Decimal(text.strip())
    except InvalidOperation:
        return None, None
    _, digits, exponent = dec.as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[0] == 0:
        digits.pop(0)
    return len(digits), 0.5 * 10.0 ** exponent


def tolerance_for(value: float, text: str):
    """Absolute tolerance: 1e-6*|ref|, or half a unit in the last published digit when the
    reference has fewer than 7 significant digits (whichever is larger)."""
    d, half = digits_and_half_unit(text)
    tol = REL_TOL * abs(value)
    if d is not None and d < 7:
        tol = max(tol, half)
    return d, tol


def read_reference(data_dir: Path, csv_digits: bool):
    ref = {}
    path = data_dir / "reference.csv"
    if not path.exists():
        sys.exit(f"error: {path} not found")
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            name = row["name"].strip()
            text = (row.get("optimal_value") or "").strip()
            source = row.get("source_of_value", "")
            info = {"n_vars": row.get("n_vars", ""), "n_constraints": row.get("n_constraints", ""),
                    "ref": None, "ref_text": text, "digits_text": "", "digits": None,
                    "tol": math.nan, "expected": "optimal"}
            if text:
                info["ref"] = float(text)
                digits_text = text
                pub = PUBLISHED_TEXT.get(name)
                if pub is not None and not csv_digits:
                    if Decimal(pub) == Decimal(text):
                        digits_text = pub
                    else:
                        print(f"warning: {name}: published text {pub} does not equal the reference "
                              f"{text}; counting the digits of {text}", file=sys.stderr)
                info["digits_text"] = digits_text
                info["digits"], info["tol"] = tolerance_for(info["ref"], digits_text)
            else:
                # Empty value: infeasible (SDPA convention), from the name / source text.
                low = (name + " " + source).lower()
                if name.startswith("infp") or "primal infeasible" in low:
                    info["expected"] = "primal_infeasible"
                elif name.startswith("infd") or "dual infeasible" in low:
                    info["expected"] = "dual_infeasible"
                else:
                    info["expected"] = "unknown"
            ref[name] = info
    return ref


# ----------------------------------------------------------------------------------------------
# SDPA sparse format: header (block sizes) and, for --check-export, the whole file
# ----------------------------------------------------------------------------------------------

_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?")


def _numbers(line: str):
    return [float(t.replace("d", "e").replace("D", "e")) for t in _NUM.findall(line)]


def read_sdpa(path: Path, header_only: bool = False):
    """Returns (m, block_sizes, c, entries) with entries = [(matno, blkno, i, j, value)]."""
    m = nblocks = None
    sizes, c, entries = [], [], []
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or (m is None and line[0] in "\"*"):  # comments precede the data
                continue
            if m is None:
                m = int(_numbers(line)[0])  # text after m is ignored
                continue
            if nblocks is None:
                nblocks = int(_numbers(line)[0])
                continue
            if len(sizes) < nblocks:
                sizes += [int(v) for v in _numbers(line.translate(str.maketrans(",(){}", "     ")))]
                continue
            if len(c) < m:
                c += _numbers(line.translate(str.maketrans(",(){}", "     ")))
                if header_only and len(c) >= m:
                    break
                continue
            if header_only:
                break
            parts = line.split()
            if len(parts) < 5:
                continue
            entries.append((int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]),
                            float(parts[4].replace("d", "e").replace("D", "e"))))
    return m, sizes[:nblocks or 0], c[:m or 0], entries


def check_export(dat: Path, export_path: Path) -> str:
    """Checks `conic export` against the .dat-s file; returns a one-line verdict.

    Expected export: q = c, P = 0, c0 = 0, one cone per block in file order (psd_triangle of
    order |size| for a size > 0, nonnegative of dimension |size| for a diagonal block), and
    for any x: b - A x = svec(sum_i x_i F_i - F_0), svec = upper triangle column by column,
    off-diagonal entries times sqrt(2). Checked with two random vectors x.
    """
    import numpy as np

    m, sizes, c, entries = read_sdpa(dat)
    prob = H.load_export(str(export_path))
    problems = []
    if prob["n"] != m:
        problems.append(f"n = {prob['n']}, file m = {m}")
    want_cones = [("psd_triangle", s) if s > 0 else ("nonnegative", -s) for s in sizes]
    if prob["cones"] != want_cones:
        problems.append(f"cones {prob['cones'][:4]}... differ from the blocks {sizes[:4]}...")
        return "MISMATCH: " + "; ".join(problems)
    offsets, off = [], 0
    for kind, dim in want_cones:
        offsets.append(off)
        off += H.cone_rows(kind, dim)
    rows_total = off
    if prob["m"] != rows_total:
        problems.append(f"m = {prob['m']}, expected {rows_total}")
        return "MISMATCH: " + "; ".join(problems)
    q_err = float(np.max(np.abs(prob["q"] - np.asarray(c)))) if m else 0.0
    if q_err > 0:
        problems.append(f"max|q - c| = {q_err:.1e}")
    if prob["P"].nnz:
        problems.append("P is not zero")
    if prob["c0"] != 0:
        problems.append(f"objective_constant = {prob['c0']}")
    # svec(F_k) as sparse columns: F_0 -> f0 (dense), F_i -> column i-1 of G
    r2 = math.sqrt(2.0)
    f0 = np.zeros(rows_total)
    rows, cols, vals = [], [], []
    for matno, blk, i, j, v in entries:
        kind, dim = want_cones[blk - 1]
        if i > j:
            i, j = j, i
        if kind == "nonnegative":
            if i != j:
                problems.append(f"off-diagonal entry in diagonal block {blk}")
                continue
            r = offsets[blk - 1] + (i - 1)
            val = v
        else:
            r = offsets[blk - 1] + (j - 1) * j // 2 + (i - 1)
            val = v if i == j else r2 * v
        if matno == 0:
            f0[r] += val
        else:
            rows.append(r)
            cols.append(matno - 1)
            vals.append(val)
    import scipy.sparse as sp
    G = sp.csc_matrix((vals, (rows, cols)), shape=(rows_total, m))
    rng = np.random.default_rng(12345)
    worst = 0.0
    for _ in range(2):
        x = rng.standard_normal(m)
        s_file = G @ x - f0
        s_export = prob["b"] - prob["A"] @ x
        scale = max(1.0, float(np.max(np.abs(s_file))) if rows_total else 1.0)
        worst = max(worst, float(np.max(np.abs(s_file - s_export))) / scale if rows_total else 0.0)
    if worst > 1e-12:
        problems.append(f"b - A x differs from svec(sum x_i F_i - F_0) by {worst:.1e} (relative)")
    if problems:
        return "MISMATCH: " + "; ".join(problems)
    return (f"ok: q = c, {len(want_cones)} cones in block order, b - A x = svec(sum x_i F_i - F_0) "
            f"to {worst:.1e}")


# ----------------------------------------------------------------------------------------------
# SDPA
# ----------------------------------------------------------------------------------------------

SDPA_DEFAULT_PARAMS = """100	unsigned int maxIteration;
1.0E-7	double 0.0 < epsilonStar;
1.0E2   double 0.0 < lambdaStar;
2.0   	double 1.0 < omegaStar;
-1.0E5  double lowerBound;
1.0E5   double upperBound;
0.1     double 0.0 <= betaStar <  1.0;
0.2     double 0.0 <= betaBar  <  1.0, betaStar <= betaBar;
0.9     double 0.0 < gammaStar  <  1.0;
1.0E-7	double 0.0 < epsilonDash;
%+8.3e     char*  xPrint   (default %+8.3e,   NOPRINT skips printout)
%+8.3e     char*  XPrint   (default %+8.3e,   NOPRINT skips printout)
%+8.3e     char*  YPrint   (default %+8.3e,   NOPRINT skips printout)
%+10.16e   char*  infPrint (default %+10.16e, NOPRINT skips printout)
"""


def write_sdpa_params(path: Path, print_solution: bool) -> str:
    """SDPA's default parameter file with the solution printing (xVec, xMat, yMat) switched
    off: for maxG60 the dense 7000x7000 X and Y would be about 1 GB of text. The numerical
    parameters are copied unchanged. Returns a description for the header."""
    src = Path("/usr/share/sdpa/param.sdpa")
    try:
        text = src.read_text()
        origin = str(src)
    except OSError:
        text = SDPA_DEFAULT_PARAMS
        origin = "built-in copy of the SDPA 7.3.16 defaults"
    if not print_solution:
        lines = []
        for line in text.splitlines():
            if re.search(r"\b[xXY]Print\b", line):
                parts = line.split(None, 1)
                line = "NOPRINT     " + (parts[1] if len(parts) > 1 else "")
            lines.append(line)
        text = "\n".join(lines) + "\n"
    path.write_text(text)
    return origin + ("" if print_solution else " (xPrint/XPrint/YPrint = NOPRINT)")


_SDPA_FIELDS = {
    "phase": r"^\s*phase\.value\s*=\s*(\S+)",
    "iterations": r"^\s*Iteration\s*=\s*(\d+)",
    "objValPrimal": r"^\s*objValPrimal\s*=\s*(\S+)",
    "objValDual": r"^\s*objValDual\s*=\s*(\S+)",
    "relative_gap": r"^\s*relative gap\s*=\s*(\S+)",
    "p_feas_error": r"^\s*p\.feas\.error\s*=\s*(\S+)",
    "d_feas_error": r"^\s*d\.feas\.error\s*=\s*(\S+)",
    "total_time": r"^\s*total time\s*=\s*(\S+)",
    "main_loop_time": r"^\s*main loop time\s*=\s*(\S+)",
}


def parse_sdpa_output(text: str) -> dict:
    """The summary block SDPA 7 prints on stdout and in its output file."""
    out = {}
    for key, pattern in _SDPA_FIELDS.items():
        mt = re.search(pattern, text, re.MULTILINE)
        if mt:
            out[key] = mt.group(1)
    if "iterations" not in out:  # killed: count the iteration lines of the log
        its = re.findall(r"^\s*(\d+)\s+\S+e[-+]\d+\s+\S+e[-+]\d+", text, re.MULTILINE)
        if its:
            out["log_iterations"] = int(its[-1])
    return out


def sdpa_version(sdpa: str) -> str:
    try:
        p = subprocess.run([sdpa], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30, stdin=subprocess.DEVNULL)
        mt = re.search(r"SDPA \(Version ([^)]+)\)", p.stdout)
        return mt.group(1) if mt else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def run_sdpa(sdpa: str, dat: Path, work: Path, params: Path, time_limit: float) -> dict:
    out_path = work / "sdpa.out"
    if out_path.exists():
        out_path.unlink()
    cmd = [sdpa, "-ds", str(dat), "-o", str(out_path), "-p", str(params)]
    rc, out, err, wall, maxrss = H.run_measured(cmd, time_limit + 30, cwd=str(work))
    parsed = parse_sdpa_output(out)
    if "phase" not in parsed and out_path.exists():
        try:
            parsed = parse_sdpa_output(out_path.read_text(errors="replace"))
        except OSError:
            pass
    if rc is None:
        res = H.empty_result("timeout", f"killed after {time_limit + 30:g} s")
        res["iterations"] = parsed.get("log_iterations")
        res["status_raw"] = "timeout"
    elif "phase" not in parsed or "objValPrimal" not in parsed:
        res = H.empty_result(H.failure_status("error", err, out),
                             f"exit code {rc}: no SDPA summary; {H.short(err or out[-2000:])}")
        res["status_raw"] = "error"
    else:
        phase = parsed["phase"]
        res = {
            "status": SDPA_STATUS.get(phase, phase.lower()),
            "status_raw": phase,
            "objective": H.to_float(parsed.get("objValPrimal")),
            "dual_objective": H.to_float(parsed.get("objValDual")),
            "iterations": H.to_int(parsed.get("iterations")),
            "solve_time": H.to_float(parsed.get("total_time")),
            "note": "" if rc == 0 else f"exit code {rc}",
        }
    res["wall_time"] = wall
    res["mem_kb"] = maxrss
    for key in ("main_loop_time", "relative_gap", "p_feas_error", "d_feas_error"):
        res[key] = H.to_float(parsed.get(key))
    return res


# ----------------------------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------------------------

def evaluate(res: dict, info: dict, time_limit: float) -> None:
    st, obj = res["status"], res["objective"]
    ref, tol, expected = info["ref"], info["tol"], info["expected"]
    res["abs_error"] = abs(obj - ref) if (ref is not None and math.isfinite(obj)) else math.nan
    res["false_status"] = None
    if ref is not None:
        close = math.isfinite(obj) and abs(obj - ref) <= tol
        res["within_tol"] = close
        res["ok"] = st == "solved" and close
        loose = max(tol, LOOSE_TOL * max(abs(ref), 1.0))
        if st in H.OPTIMAL_STATUSES and not (math.isfinite(obj) and abs(obj - ref) <= loose):
            res["false_status"] = f"{st} but objective off by more than {loose:.3g}"
        elif st in INFEASIBLE_ANY:
            res["false_status"] = f"{st} on a problem with a reference optimum"
    elif expected in ("primal_infeasible", "dual_infeasible"):
        other = "dual_infeasible" if expected == "primal_infeasible" else "primal_infeasible"
        res["ok"] = st == expected
        res["within_tol"] = st in (expected, "almost_" + expected)
        if st in H.OPTIMAL_STATUSES:
            res["false_status"] = f"{st} on a {expected.replace('_', ' ')} problem"
        elif st in (other, "almost_" + other):
            res["false_status"] = f"{st} on a {expected.replace('_', ' ')} problem (wrong kind)"
    else:
        res["ok"] = st == "solved"
        res["within_tol"] = res["ok"]
    t = res["solve_time"]
    if res["ok"] and not (isinstance(t, float) and math.isfinite(t) and t <= time_limit):
        res["ok"] = False
        res["note"] = (res.get("note", "") + " over the time limit").strip()
    res["gm_time"] = t if res["ok"] else time_limit


def reference_rule(info: dict):
    """The false-status rule of `evaluate` for an optimal objective, for the claim check."""
    ref, tol = info["ref"], info["tol"]
    if ref is None:
        return None
    loose = max(tol, LOOSE_TOL * max(abs(ref), 1.0))
    return lambda obj: None if abs(obj - ref) <= loose else f"off the reference {ref:.9e} by more than {loose:.3g}"


ok_cell = H.ok_cell


def solver_columns(label: str):
    status_head = "sdpa phase" if label == "sdpa" else f"{label} status"
    status_width = 10 if label == "sdpa" else 17
    return [(status_head, status_width, "<"), ("objective", 15, ">"), ("ok", 5, ">"),
            ("iter", 4, ">"), ("time[s]", 8, ">"), ("MB", 5, ">")]


def solver_cells(label: str, r: dict):
    status = r.get("status_raw") if label == "sdpa" else r["status"]
    return [status or r["status"], H.fmt_num(r["objective"], ".8e"), ok_cell(r),
            H.fmt_num(r["iterations"], "d"), H.fmt_num(r["solve_time"], ".3g"), H.fmt_mb(r["mem_kb"])]


def ref_cell(info: dict) -> str:
    if info["ref"] is None:
        return {"primal_infeasible": "p-infeas", "dual_infeasible": "d-infeas"}.get(
            info["expected"], "?")
    return info["ref_text"]


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark the conic solver against SDPA and Clarabel on SDPLIB.")
    H.add_common_options(ap, 300.0, DEFAULT_CSV, DEFAULT_DATA_DIR, "NAME.dat-s")
    ap.add_argument("--solvers", default=",".join(ALL_SOLVERS),
                    help="comma-separated subset of conic,sdpa,clarabel (default: all three)")
    ap.add_argument("--sdpa", default="sdpa", metavar="PATH", help="SDPA executable (default: sdpa)")
    ap.add_argument("--sdpa-print-solution", action="store_true",
                    help="keep SDPA's default printing of x, X, Y into its output file")
    ap.add_argument("--csv-digits", action="store_true",
                    help="count significant digits from the text in reference.csv only "
                         "(ignore the published-value table, see README)")
    ap.add_argument("--conic-tol", type=float, metavar="TOL",
                    help="pass --tol TOL to `conic solve` (default: the solver's 1e-8; SDPA's own default is 1e-7)")
    ap.add_argument("--check-export", action="store_true",
                    help="do not solve: check `conic export` of each selected problem against "
                         "the .dat-s file (svec convention, signs, block order) and exit")
    args = ap.parse_args(argv)

    solvers = [s.strip().lower() for s in args.solvers.split(",") if s.strip()]
    bad = [s for s in solvers if s not in ALL_SOLVERS]
    if bad or not solvers:
        sys.exit(f"error: --solvers takes a subset of {','.join(ALL_SOLVERS)}")
    solvers = [s for s in ALL_SOLVERS if s in solvers]

    data_dir = args.data_dir.resolve()
    if not data_dir.is_dir():
        sys.exit(f"error: data directory {data_dir} not found (use --data-dir)")
    reference = read_reference(data_dir, args.csv_digits)
    names = []
    for name in reference:
        if (data_dir / f"{name}.dat-s").exists():
            names.append(name)
        else:
            print(f"warning: {name} is listed in reference.csv but {name}.dat-s is missing",
                  file=sys.stderr)
    names = H.select_names(sorted(names, key=str.lower), args.only)
    if not names:
        sys.exit(f"error: no problems in {data_dir}")

    need_conic = "conic" in solvers or "clarabel" in solvers or args.check_export
    conic = H.resolve_conic(args) if need_conic else None
    if "clarabel" in solvers or args.check_export:
        try:
            import clarabel
            clarabel_version = getattr(clarabel, "__version__", "?")
            import numpy  # noqa: F401
            import scipy  # noqa: F401
        except ImportError as exc:
            sys.exit(f"error: {exc}; run `pip install clarabel numpy scipy`")
    sdpa = None
    if "sdpa" in solvers:
        sdpa = shutil.which(args.sdpa) or (args.sdpa if os.access(args.sdpa, os.X_OK) else None)
        if sdpa is None:
            sys.exit(f"error: {args.sdpa} not found (Debian/Ubuntu: apt-get install sdpa)")

    tmp = tempfile.TemporaryDirectory(prefix="sdplib_bench_")
    work = Path(tmp.name)
    if args.export_dir:
        export_dir = args.export_dir.resolve()
        export_dir.mkdir(parents=True, exist_ok=True)
    else:
        export_dir = work

    if args.check_export:
        bad_count = 0
        try:
            for name in names:
                path = export_dir / f"{name}.json"
                err = H.conic_export(conic, data_dir / f"{name}.dat-s", path, 600)
                verdict = err["note"] if err else check_export(data_dir / f"{name}.dat-s", path)
                bad_count += not verdict.startswith("ok")
                print(f"{name:10s} {verdict}", flush=True)
        finally:
            tmp.cleanup()
        return 1 if bad_count else 0

    tl = args.time_limit
    mem_desc = H.set_memory_limit(args.memory_limit)
    params_desc = ""
    if sdpa:
        params_desc = write_sdpa_params(work / "param.sdpa", args.sdpa_print_solution)
    blocks, rows = {}, {}
    for name in names:
        try:
            _, sizes, _, _ = read_sdpa(data_dir / f"{name}.dat-s", header_only=True)
        except (OSError, ValueError, IndexError):
            sizes = []
        blocks[name] = max([s for s in sizes if s > 0], default=0)
        rows[name] = sum(s * (s + 1) // 2 if s > 0 else -s for s in sizes) if sizes else None

    header = H.base_header()
    if conic:
        header.append(("conic", f"{conic} (repo revision {H.git_revision()})"))
    if sdpa:
        header.append(("sdpa", f"{sdpa} {sdpa_version(sdpa)}, default parameters: {params_desc}"))
    if "clarabel" in solvers:
        header.append(("clarabel", f"{clarabel_version} (default settings, time_limit={tl:g}, "
                                   f"verbose=False; problem from `conic export`)"))
    header += [
        ("threads", H.thread_env()),
        ("data", f"{data_dir} ({len(names)} problems)"),
        ("tolerance", "|obj - ref| <= max(1e-6*|ref|, half a unit in the last published digit); "
                      + ("digits counted from reference.csv" if args.csv_digits
                         else "published digits (see README)")),
        ("time limit", f"{tl:g} s per problem and solver (subprocess killed after {tl + 30:g} s)"),
        ("memory", f"limit {mem_desc}; MB = peak RSS of the solver process (see README)"),
        ("claims", H.claim_check_description(not args.no_claim_check and "conic" in solvers)),
        ("command", " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)),
    ]
    H.print_header(header)

    columns = [("problem", 9, "<"), ("reference", 11, ">")]
    for s in solvers:
        columns += solver_columns(s) + ([("claim", 10, "<")] if s == "conic" else [])
    print(H.text_line(columns, [c[0] for c in columns]))
    print("-" * len(H.text_line(columns, ["x" * w for _, w, _ in columns])), flush=True)

    results = []   # (name, info, {solver: result})
    text_rows = []
    interrupted = False
    try:
        for name in names:
            info = reference[name]
            dat = data_dir / f"{name}.dat-s"
            rs = {}
            export_path = export_dir / f"{name}.json"
            solution = H.claim_solution_path(None if args.no_claim_check else work, name, rows[name])
            if "conic" in solvers:
                rs["conic"] = H.run_conic_solve(conic, dat, tl,
                                                extra=("--tol", str(args.conic_tol)) if args.conic_tol else (),
                                                solution=solution, solution_rows=rows[name])
            if "sdpa" in solvers:
                rs["sdpa"] = run_sdpa(sdpa, dat, work, work / "param.sdpa", tl)
            if "clarabel" in solvers:
                err = H.conic_export(conic, dat, export_path, tl + 30)
                rs["clarabel"] = err if err else H.run_peer_worker("clarabel", export_path, tl)
            for r in rs.values():
                evaluate(r, info, tl)
            if "conic" in solvers:
                too_large = (None if args.no_claim_check else
                             f"{rows[name]} rows, above the {H.CLAIM_MAX_ROWS} a solution file is written for")
                H.check_conic_claim(rs["conic"], conic, dat, export_path, solution, tl + 30,
                                    reference_rule(info), too_large)
                H.apply_claim_verdict(rs["conic"], tl)
            if not args.export_dir and export_path.exists():
                export_path.unlink()
            results.append((name, info, rs))
            cells = [name, ref_cell(info)]
            for s in solvers:
                cells += solver_cells(s, rs[s]) + ([H.claim_cell(rs[s])] if s == "conic" else [])
            text_rows.append(cells)
            print(H.text_line(columns, cells), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: summary of the problems finished so far", flush=True)
    finally:
        tmp.cleanup()

    # ---------------------------------------------------------------- summary
    total = len(names)
    n_inf = sum(1 for n in names if reference[n]["ref"] is None)
    summary = []
    if interrupted:
        summary.append(f"INTERRUPTED after {len(results)} of {total} problems")
    for s in solvers:
        n_ok = sum(1 for _, _, rs in results if rs[s]["ok"])
        n_close = sum(1 for _, _, rs in results if rs[s]["within_tol"])
        n_ok_inf = sum(1 for _, info, rs in results if info["ref"] is None and rs[s]["ok"])
        summary.append(f"{s}: {n_ok}/{total} solved to the reference (status "
                       f"{'pdOPT' if s == 'sdpa' else 'solved'}, within tolerance and time limit; "
                       f"{n_ok_inf}/{n_inf} infeasible problems detected with the right kind); "
                       f"{n_close}/{total} within tolerance whatever the status")
    summary += H.status_count_lines(
        results, solvers, lambda s, r: (r.get("status_raw") or r["status"]) if s == "sdpa" else r["status"])
    inf_lines = []
    for name, info, rs in results:
        if info["ref"] is None:
            parts = [f"{s} {(rs[s].get('status_raw') or rs[s]['status']) if s == 'sdpa' else rs[s]['status']}"
                     f" ({ok_cell(rs[s])})" for s in solvers]
            inf_lines.append(f"{name} (expected {info['expected']}): " + ", ".join(parts))
    false_lines = [f"{s} {name}: {rs[s]['false_status']}; objective {H.fmt_num(rs[s]['objective'], '.9e')}, "
                   f"reference {ref_cell(info)}"
                   for name, info, rs in results for s in solvers if rs[s]["false_status"]]
    time_lines = H.time_summary_lines(results, solvers, TIME_SHIFT, tl, f"{TIME_SHIFT:g} s")

    large_lines = []
    large = [(name, rs) for name, _, rs in results if blocks.get(name, 0) >= LARGE_PSD]
    if large and "conic" in solvers and "clarabel" in solvers:
        wins = 0
        for name, rs in large:
            a, b = rs["conic"], rs["clarabel"]
            faster = a["ok"] and (not b["ok"] or a["solve_time"] < b["solve_time"])
            wins += faster
            large_lines.append(
                f"{name:10s} block {blocks[name]:5d}: conic {a['status']} {H.fmt_num(a['solve_time'], '.3g')} s"
                f" ({ok_cell(a)}), clarabel {b['status']} {H.fmt_num(b['solve_time'], '.3g')} s ({ok_cell(b)}),"
                f" ratio {H.fmt_num(H.ratio(a['solve_time'], b['solve_time']), '.2f')}"
                f" -> conic faster: {'yes' if faster else 'NO'}")
        large_title = (f"problems with a PSD block of order >= {LARGE_PSD}: conic faster than Clarabel "
                       f"(conic solved to the reference, and Clarabel slower or not solved) on "
                       f"{wins}/{len(large)}")

    sections = [(None, summary)]
    if inf_lines:
        sections.append(("infeasible problems:", inf_lines))
    sections += H.closing_sections(false_lines, time_lines, results, solvers)
    if "conic" in solvers:
        sections += H.claim_summary_sections([(name, rs["conic"]) for name, _, rs in results])
    if large_lines:
        sections.append((large_title, large_lines))
    print()
    H.print_report(sections)

    # ---------------------------------------------------------------- CSV
    fields = ["status", "status_raw", "objective", "dual_objective", "abs_error", "ok", "within_tol",
              "false_status", "iterations", "solve_time", "wall_time", "mem_kb", "note"]
    extra = {"sdpa": ["main_loop_time", "relative_gap", "p_feas_error", "d_feas_error"],
             "clarabel": ["mem_process_kb", "mem_baseline_kb", "mem_load_peak_kb"],
             "conic": ["setup_time"] + H.CLAIM_FIELDS}
    H.write_results_csv(
        args.output_csv.resolve(),
        ["name", "n_vars", "n_constraints", "max_psd_block", "expected", "reference", "reference_text",
         "digits_text", "digits", "tolerance"],
        lambda name, info: [name, info["n_vars"], info["n_constraints"], blocks.get(name, ""), info["expected"],
                            H.csv_cell(info["ref"]), info["ref_text"], info["digits_text"],
                            H.csv_cell(info["digits"]), H.csv_cell(info["tol"])],
        results, solvers, fields, extra)

    if args.output_md:
        md_path = args.output_md.resolve()
        H.write_markdown(
            md_path, f"SDPLIB benchmark: {' vs '.join(solvers)}", header, columns, text_rows, sections,
            "ok: `yes` = status solved (SDPA: pdOPT) and |obj − ref| ≤ max(1e-6·|ref|, half a unit in the "
            "last published digit), or the right infeasibility reported; `FALSE` = false status (see "
            "Benchmarks/README.md). MB = peak resident memory of the solver process." + H.CLAIM_FOOTNOTE)
        print(f"markdown written to {md_path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
