#!/usr/bin/env python3
"""Shared helpers for the benchmark scripts in this directory.

`maros_meszaros.py`, `sdplib.py` and `cblib.py` import this module (it sits next to them, so
`python3 Benchmarks/<script>.py` finds it). It holds:

* small parsing/formatting helpers and the accuracy/timing arithmetic (`within`,
  `shifted_geomean`, ...);
* `run_cmd` (subprocess with a timeout, whole process group killed on timeout) and
  `run_measured` (the same, plus the peak resident memory of that one child, from `os.wait4`);
* the peer-solver workers that solve a problem exported by `conic export FILE --output X.json`:
  `clarabel_one` (Clarabel, default settings) and `ecos_one` (ECOS, default settings). They run
  in their own Python process: `python3 Benchmarks/harness.py --clarabel-one X.json
  --time-limit T` (or `--ecos-one X.json`) prints one JSON object on stdout;
* the independent check of conic's claims (`check_conic_claim`, `apply_claim_verdict`,
  `claim_summary_sections`; the checks themselves are in Benchmarks/claims.py): each script
  runs `conic solve --solution`, checks the status from the exported data and records the
  verdicts in the columns `conic_claim_check`, `conic_almost_check` and `conic_claim_metrics`;
  a failed full claim counts as a false status (`--no-claim-check` skips it all);
* machine/revision information and `swift build -c release`.

The exported JSON is `minimize ½xᵀPx + qᵀx + c0  s.t.  Ax + s = b, s ∈ K` with keys n, m,
P and A in CSC (`nrows, ncols, colptr, rowval, nzval`, 0-based; P upper triangle), q, b,
`cones` (a list of `{type: zero|nonnegative|second_order|psd_triangle, dim}`, in row order;
for `psd_triangle`, `dim` is the matrix order and its rows are the upper triangle stacked
column by column with off-diagonal entries scaled by √2, which is Clarabel's
`PSDTriangleConeT(dim)`), and `objective_constant`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HARNESS_PATH = Path(__file__).resolve()
REPO_ROOT = HARNESS_PATH.parent.parent

OPTIMAL_STATUSES = {"solved", "almost_solved"}
INFEASIBLE_STATUSES = {
    "primal_infeasible",
    "dual_infeasible",
    "almost_primal_infeasible",
    "almost_dual_infeasible",
}

# Clarabel's SolverStatus names -> the lowercase names `conic solve --json` uses.
CLARABEL_STATUS_MAP = {
    "Unsolved": "unsolved",
    "Solved": "solved",
    "AlmostSolved": "almost_solved",
    "PrimalInfeasible": "primal_infeasible",
    "DualInfeasible": "dual_infeasible",
    "AlmostPrimalInfeasible": "almost_primal_infeasible",
    "AlmostDualInfeasible": "almost_dual_infeasible",
    "MaxIterations": "max_iterations",
    "MaxTime": "time_limit",
    "NumericalError": "numerical_error",
    "InsufficientProgress": "insufficient_progress",
    "CallbackTerminated": "callback_terminated",
}

# ECOS exit flags (ecos.h) -> the same names.
ECOS_STATUS_MAP = {
    0: "solved",                      # ECOS_OPTIMAL
    1: "primal_infeasible",           # ECOS_PINF
    2: "dual_infeasible",             # ECOS_DINF
    10: "almost_solved",              # ECOS_OPTIMAL + ECOS_INACC_OFFSET
    11: "almost_primal_infeasible",   # ECOS_PINF + ECOS_INACC_OFFSET
    12: "almost_dual_infeasible",     # ECOS_DINF + ECOS_INACC_OFFSET
    -1: "max_iterations",             # ECOS_MAXIT
    -2: "numerical_error",            # ECOS_NUMERICS (search direction unreliable)
    -3: "numerical_error",            # ECOS_OUTCONE (iterates left the cone)
    -4: "interrupted",                # ECOS_SIGINT
    -7: "fatal",                      # ECOS_FATAL
}


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------

def camel_to_snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def map_clarabel_status(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith("SolverStatus."):
        raw = raw[len("SolverStatus."):]
    return CLARABEL_STATUS_MAP.get(raw, camel_to_snake(raw))


def to_float(value) -> float:
    """JSON number / null / "nan" / "inf" -> float (NaN when missing or unparseable)."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return math.nan


def to_int(value):
    try:
        if value is None:
            return None
        return int(value)
    except (TypeError, ValueError):
        return None


def rel_error(obj: float, ref) -> float:
    """|obj - ref| / max(|ref|, 1e-300); NaN when not applicable."""
    if ref is None or not math.isfinite(obj):
        return math.nan
    return abs(obj - ref) / max(abs(ref), 1e-300)


def within(obj: float, ref: float, tol: float) -> bool:
    """|obj - ref| <= tol*|ref| when |ref| >= 1, else |obj - ref| <= tol."""
    if not math.isfinite(obj):
        return False
    if abs(ref) >= 1.0:
        return abs(obj - ref) <= tol * abs(ref)
    return abs(obj - ref) <= tol


def shifted_geomean(times, shift) -> float:
    times = list(times)
    if not times:
        return math.nan
    return math.exp(sum(math.log(t + shift) for t in times) / len(times)) - shift


def ratio(a: float, b: float) -> float:
    if not (isinstance(a, float) and isinstance(b, float)) or not (math.isfinite(a) and math.isfinite(b)):
        return math.nan
    return a / b if b > 0 else math.nan


def fmt_num(x, spec) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "-"
    return format(x, spec)


def fmt_mb(kb) -> str:
    """Resident memory in kB (or None) -> megabytes for the tables."""
    if kb is None:
        return "-"
    mb = kb / 1024.0
    return f"{mb:.0f}" if mb >= 10 else f"{mb:.1f}"


def parse_json_stdout(text: str):
    """The single JSON object printed on stdout (tolerates stray lines around it)."""
    text = text.strip()
    if not text:
        return None
    try:
        obj = json.loads(text)
        return obj if isinstance(obj, dict) else None
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
                if isinstance(obj, dict):
                    return obj
            except ValueError:
                continue
    return None


def short(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_line(columns, cells) -> str:
    """One fixed-width table row; columns = [(header, width, align), ...]."""
    parts = []
    for (_, width, align), cell in zip(columns, cells):
        parts.append(f"{cell:{align}{width}}")
    return "  ".join(parts).rstrip()


def md_line(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def md_align_row(columns) -> str:
    return "|" + "|".join("---" if al == "<" else "---:" for _, _, al in columns) + "|"


# ----------------------------------------------------------------------------------------------
# subprocesses
# ----------------------------------------------------------------------------------------------

def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_cmd(cmd, timeout):
    """Run cmd with a timeout; returns (returncode | None on timeout, stdout, stderr, wall).

    The child runs in its own session, so on a timeout (or Ctrl-C) its whole process group is
    killed and no grandchild can keep the pipes open.
    """
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                errors="replace", start_new_session=True)
    except OSError as exc:
        return -1, "", f"could not run {cmd[0]}: {exc}", time.perf_counter() - t0

    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err, time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        return None, out, err, time.perf_counter() - t0
    except BaseException:
        _kill_group(proc.pid)
        proc.wait()
        raise


# Address-space limit (bytes, 0 = none) for every command started by run_measured; the
# scripts set it from --memory-limit. It keeps a solver that tries to allocate far more than
# the machine has (Clarabel's dense KKT block on a large PSD cone) from triggering the OOM
# killer on a shared machine: the allocation fails and the run is reported as out_of_memory.
MEMORY_LIMIT_BYTES = 0

# The memory wrapper: `python3 -S -c _MEM_WRAPPER RUSAGE_FILE LIMIT CMD...` forks CMD (with
# RLIMIT_AS = LIMIT bytes when LIMIT > 0), writes
# "pid <child pid>" to RUSAGE_FILE, waits for it with os.wait4 and appends
# "<ru_maxrss kB> <wait status>"; it exits with CMD's exit code (128 + signal when killed).
_MEM_WRAPPER = r"""
import os, sys
out, limit, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pid = os.fork()
if pid == 0:
    try:
        if limit > 0:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        for attempt in range(20):  # ETXTBSY: the binary is being rewritten by a build
            try:
                os.execvp(cmd[0], cmd)
            except OSError as exc:
                if exc.errno != 26 or attempt == 19:
                    raise
                import time
                time.sleep(0.5)
    except OSError as exc:
        os.write(2, ("could not run %s: %s\n" % (cmd[0], exc)).encode())
    os._exit(127)
with open(out, "w") as f:
    f.write("pid %d\n" % pid)
_, status, ru = os.wait4(pid, 0)
with open(out, "a") as f:
    f.write("%d %d\n" % (ru.ru_maxrss, status))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def _read_wrapper_file(path: str):
    """(solver pid | None, maxrss kB | None, exit code | None) from the wrapper's file."""
    pid = maxrss = code = None
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except OSError:
        return pid, maxrss, code
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "pid":
            pid = to_int(parts[1])
        elif len(parts) == 2:
            maxrss, status = to_int(parts[0]), to_int(parts[1])
            if status is not None:
                code = os.waitstatus_to_exitcode(status)
    return pid, maxrss, code


def run_measured(cmd, timeout, cwd=None):
    """Like run_cmd, plus the peak resident set size of the command.

    Returns (returncode | None on timeout, stdout, stderr, wall, maxrss_kb | None).

    Why a wrapper: getrusage(RUSAGE_CHILDREN) is the maximum over *all* children reaped so
    far, and even os.wait4 on a direct child is not enough, because Linux starts a process's
    ru_maxrss at the peak RSS of the address space it had before exec; for a child spawned
    from this script (vfork or fork) that is this script's own peak. So the command runs
    under a tiny `python3 -S` wrapper that forks it and reports os.wait4's ru_maxrss for it;
    the floor is then the wrapper's few MB instead of ours. stdout/stderr go to temporary
    files. On a timeout the command is killed (SIGKILL) and the wrapper still reports its peak
    up to the kill (if the wrapper does not exit within 15 s, its whole process group is
    killed). `wall` includes the wrapper's start-up (about 20 ms).
    """
    fd, rusage_path = tempfile.mkstemp(prefix="rusage_", suffix=".txt")
    os.close(fd)
    try:
        with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
            wrapped = [sys.executable, "-S", "-c", _MEM_WRAPPER, rusage_path,
                       str(int(MEMORY_LIMIT_BYTES)), *map(str, cmd)]
            t0 = time.perf_counter()
            try:
                proc = subprocess.Popen(wrapped, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                                        start_new_session=True, cwd=cwd)
            except OSError as exc:
                return -1, "", f"could not run {sys.executable}: {exc}", time.perf_counter() - t0, None
            timed_out = False
            try:
                proc.wait(timeout)
                wall = time.perf_counter() - t0
            except subprocess.TimeoutExpired:
                timed_out = True
                wall = time.perf_counter() - t0
                pid, _, _ = _read_wrapper_file(rusage_path)
                if pid is not None:
                    try:
                        os.kill(pid, signal.SIGKILL)  # the solver; the wrapper then reports
                    except ProcessLookupError:
                        pass
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    _kill_group(proc.pid)  # the wrapper is not reaped yet: the group is ours
                    proc.wait()
            except BaseException:
                _kill_group(proc.pid)
                proc.wait()
                raise
            _, maxrss, code = _read_wrapper_file(rusage_path)
            fo.seek(0)
            fe.seek(0)
            out = fo.read().decode("utf-8", errors="replace")
            err = fe.read().decode("utf-8", errors="replace")
    finally:
        try:
            os.unlink(rusage_path)
        except OSError:
            pass
    rc = None if timed_out else (code if code is not None else proc.returncode)
    return rc, out, err, wall, maxrss


_OOM_MARKERS = ("memory allocation of", "MemoryError", "bad_alloc", "Cannot allocate memory",
                "out of memory", "Out of memory", "cannot allocate", "Memory exhausted")


def failure_status(default: str, err: str, out: str = "") -> str:
    """`default`, or "out_of_memory" when the output shows a failed allocation."""
    text = (err or "") + (out or "")
    return "out_of_memory" if any(m in text for m in _OOM_MARKERS) else default


def default_memory_limit_gb() -> float:
    """60 % of the physical memory, in GB (0 when unknown)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0.0
    return round(0.6 * total / 2**30, 1)


def set_memory_limit(gb: float) -> str:
    """Sets MEMORY_LIMIT_BYTES from --memory-limit; returns a description for the header."""
    global MEMORY_LIMIT_BYTES
    MEMORY_LIMIT_BYTES = int(gb * 2**30) if gb and gb > 0 else 0
    return f"{gb:g} GiB address space per solver process (RLIMIT_AS)" if MEMORY_LIMIT_BYTES else "none"


def empty_result(status: str, note: str = "") -> dict:
    return {"status": status, "objective": math.nan, "dual_objective": math.nan,
            "iterations": None, "solve_time": math.nan, "wall_time": math.nan, "note": note,
            "mem_kb": None}


def result_from_json(data: dict, wall: float, rc) -> dict:
    res = {
        "status": str(data.get("status", "bad_output")),
        "objective": to_float(data.get("objective")),
        "dual_objective": to_float(data.get("dual_objective")),
        "iterations": to_int(data.get("iterations")),
        "solve_time": to_float(data.get("solve_time")),
        "wall_time": wall,
        "note": str(data.get("message", "")) if data.get("message") else "",
        "mem_kb": None,
    }
    if rc not in (0, None):
        res["note"] = (res["note"] + f" (exit code {rc})").strip()
    return res


def solution_write_allowance(rows=None) -> float:
    """Extra seconds before a `conic solve --solution` run is killed: the solver writes the file
    after its time limit's check, at about 60 µs a row here under load (SDPLIB qpG51, 2·10⁶ rows:
    two minutes); 60 s plus 100 µs a row when the row count is known."""
    return 60.0 + (1e-4 * rows if rows else 0.0)


def run_conic_solve(conic: str, path: Path, time_limit: float, extra=(), solution=None,
                    solution_rows=None) -> dict:
    """`conic solve PATH --json --time-limit T` with peak memory; killed after T + 30 s.
    With `solution`, the point or certificate is written there too (`--solution`), and the kill
    waits `solution_write_allowance(solution_rows)` longer (wall_time then includes the writing)."""
    cmd = [conic, "solve", str(path), "--json", "--time-limit", f"{time_limit:g}", *extra]
    timeout = time_limit + 30
    if solution is not None:
        cmd += ["--solution", str(solution)]
        timeout += solution_write_allowance(solution_rows)
    rc, out, err, wall, maxrss = run_measured(cmd, timeout)
    if rc is None:
        res = empty_result("timeout", f"killed after {timeout:g} s")
    else:
        data = parse_json_stdout(out)
        if data is None:
            res = empty_result(failure_status("error" if rc != 0 else "bad_output", err, out),
                               f"exit code {rc}: {short(err or out)}")
        else:
            res = result_from_json(data, wall, rc)
            res["setup_time"] = to_float(data.get("setup_time"))
    res["wall_time"] = wall
    res["mem_kb"] = maxrss
    return res


def conic_export(conic: str, path: Path, export_path: Path, timeout: float):
    """Runs `conic export`; returns None on success, else an error result."""
    rc, out, err, _ = run_cmd([conic, "export", str(path), "--output", str(export_path)], timeout)
    if rc is None:
        return empty_result("export_error", "conic export timed out")
    if rc != 0 or not export_path.exists():
        return empty_result("export_error", f"conic export exit code {rc}: {short(err or out)}")
    return None


# ----------------------------------------------------------------------------------------------
# independent claim check of conic's statuses (Benchmarks/claims.py)
# ----------------------------------------------------------------------------------------------

# Result keys the claim check adds; the scripts write them as CSV columns `conic_<key>`.
CLAIM_FIELDS = ["claim_check", "almost_check", "claim_metrics"]


# Above this many rows (entries of s and z) the solution file is not written: `conic solve
# --solution` builds the JSON in memory (SDPLIB maxG60, 24.5 million rows, would need several GB
# on top of the solve, and this script's json.load as much again). A claim on such a problem is
# recorded as `not_checked: ...`, never as passed.
CLAIM_MAX_ROWS = 5_000_000


def claim_solution_path(work_dir: Path, name: str, rows=None):
    """Where `conic solve --solution` writes for problem `name`, or None when the check is off
    (work_dir None) or the problem has more than CLAIM_MAX_ROWS rows (`rows`, when known)."""
    if work_dir is None or (rows is not None and rows > CLAIM_MAX_ROWS):
        return None
    return Path(work_dir) / f"{name}.solution.json"


def check_conic_claim(res: dict, conic: str, problem: Path, export_path: Path, solution_path,
                      timeout: float, reference_rule=None, skip_reason=None) -> None:
    """Checks conic's status in `res` from the data alone (Benchmarks/claims.py) and stores the
    verdicts: `claim_check` (full claims: passed / failed: reason), `almost_check` (almost_*
    claims: passed / inaccurate: reason), each `not_a_claim` otherwise, and `claim_metrics`.

    `solution_path` is the file `run_conic_solve(..., solution=)` wrote; None with a
    `skip_reason` (the file was not asked for) makes a claim `not_checked: <reason>`, None without
    one means the check is off (everything `not_checked`). The problem
    is exported to `export_path` unless it is there already; the solution file is deleted
    afterwards. `reference_rule(objective) -> reason | None` is the script's false-status rule
    for an optimal objective. A claim that cannot be checked (no file, a failed export) is
    recorded as `error: ...`, never as passed."""
    import claims

    res["claim_metrics"] = ""
    kind = ("full" if res["status"] in claims.FULL_CLAIMS
            else "almost" if res["status"] in claims.ALMOST_CLAIMS else "none")
    key = "claim_check" if kind == "full" else "almost_check"
    if solution_path is None and skip_reason is None:  # the check is off
        res["claim_check"] = res["almost_check"] = "not_checked"
        return
    res["claim_check"] = res["almost_check"] = "not_a_claim"
    if solution_path is None:
        if kind != "none":
            res[key] = f"not_checked: {skip_reason}"
        return
    try:
        if kind == "none":
            return
        if not Path(solution_path).exists():
            res[key] = "error: conic wrote no solution file"
            return
        if not Path(export_path).exists():
            err = conic_export(conic, problem, Path(export_path), timeout)
            if err:
                res[key] = f"error: {err['note']}"
                return
        check = claims.check_files(export_path, solution_path, reference_rule)
        if check.status != res["status"]:
            res[key] = f"error: the solution file says {check.status}, the JSON {res['status']}"
            return
        res[key] = check.verdict()
        res["claim_metrics"] = check.metrics_text()
    except Exception as exc:  # a broken file must not stop the benchmark: record it
        res[key] = f"error: {type(exc).__name__}: {short(str(exc), 120)}"
    finally:
        try:
            Path(solution_path).unlink()
        except OSError:
            pass


def claim_check_description(enabled: bool) -> str:
    """The header line of the claim check."""
    if not enabled:
        return "off (--no-claim-check)"
    return ("conic's solved/infeasible/unbounded/almost_* claims checked from `conic export` and "
            "`conic solve --solution` (Benchmarks/claims.py); with the solution file, conic is killed "
            "60 s (+100 µs a row) later than the time limit + 30 s")


# The markdown footnote sentence for the `claim` column.
CLAIM_FOOTNOTE = (" claim: conic's status checked from the data (Benchmarks/claims.py): `passed`, `FALSE` "
                  "(a failed solved/infeasible/unbounded claim), `inaccurate` (a failed almost_* claim), "
                  "`unchecked`, or `-` (not a claim).")


def apply_claim_verdict(res: dict, time_limit: float) -> None:
    """A failed full claim is a false status (call after the script's `evaluate`)."""
    verdict = res.get("claim_check", "")
    if verdict.startswith("failed"):
        if not res.get("false_status"):
            res["false_status"] = "independent claim check " + verdict
        res["ok"] = False
        res["gm_time"] = time_limit


def claim_cell(res: dict) -> str:
    """Short table cell: passed, FALSE (failed full claim), inaccurate, error, or -."""
    for key in ("claim_check", "almost_check"):
        v = res.get(key, "")
        if v.startswith("failed"):
            return "FALSE"
        if v.startswith("inaccurate"):
            return "inaccurate"
        if v.startswith(("error", "not_checked:")):
            return "unchecked"
    if "passed" in (res.get("claim_check"), res.get("almost_check")):
        return "passed"
    return "-"


def claim_summary_sections(results):
    """Report sections for the claim check; results = [(name, conic result)]."""
    results = [(n, r) for n, r in results if r.get("claim_check") not in (None, "not_checked")]
    if not results:
        return [(None, ["independent claim check: off (--no-claim-check)"])]
    counts = {}
    for _, r in results:
        for key in ("claim_check", "almost_check"):
            v = r.get(key, "not_a_claim")
            if v != "not_a_claim":
                c = counts.setdefault(r["status"], [0, 0])
                c[0] += 1
                c[1] += v == "passed"
    parts = [f"{st} {n} ({p} passed)" for st, (n, p) in sorted(counts.items())]
    lines = ["claims checked: " + (", ".join(parts) if parts else "none")]
    false = [f"{n} {r['status']}: {r['claim_check']}" for n, r in results
             if r["claim_check"].startswith("failed")]
    inaccurate = [f"{n} {r['status']}: {r['almost_check']}" for n, r in results
                  if r["almost_check"].startswith("inaccurate")]
    errors = [f"{n} {r['status']}: {r[k]}" for n, r in results for k in ("claim_check", "almost_check")
              if r[k].startswith(("error", "not_checked:"))]
    lines.append(f"false claims (solved / infeasible / unbounded failing the check): {len(false)}; "
                 f"inaccurate almost_* claims: {len(inaccurate)}; claims not checked (errors, too "
                 f"large): {len(errors)}")
    sections = [("independent claim check of conic's statuses (Benchmarks/claims.py):", lines)]
    for title, items in (("FALSE CLAIMS", false), ("inaccurate almost_* claims", inaccurate),
                         ("claims not checked", errors)):
        if items:
            sections.append((f"{title} ({len(items)}):", items))
    return sections


def run_peer_worker(mode: str, export_path: Path, time_limit: float) -> dict:
    """Solve an exported problem with a peer solver in a fresh Python process.

    mode is "clarabel" or "ecos". The subprocess timeout is T + 30 s plus 0.2 s per MB of JSON
    (json.load of a huge export takes a while and is not part of the solver's time).
    """
    try:
        size_mb = export_path.stat().st_size / 1e6
    except OSError:
        size_mb = 0.0
    timeout = time_limit + 30 + 0.2 * size_mb
    cmd = [sys.executable, str(HARNESS_PATH), f"--{mode}-one", str(export_path),
           "--time-limit", f"{time_limit:g}"]
    rc, out, err, wall, maxrss = run_measured(cmd, timeout)
    if rc is None:
        res = empty_result("timeout", f"killed after {timeout:.0f} s")
        res["wall_time"] = wall
        res["mem_kb"] = maxrss
        return res
    data = parse_json_stdout(out)
    if data is None:
        res = empty_result(failure_status("crash", err, out), f"exit code {rc}: {short(err or out)}")
        res["wall_time"] = wall
        res["mem_kb"] = maxrss
        return res
    res = result_from_json(data, wall, rc)
    if res["status"] in ("error", "input_error"):
        res["status"] = failure_status(res["status"], res["note"])
    res["status_raw"] = str(data.get("status_raw", ""))
    # Peak RSS of the worker from the start of the solver's setup (see _PeakMeter); falls back
    # to the whole worker process (Python + JSON parsing) when the reset is not available.
    res["mem_kb"] = to_int(data.get("mem_solver_peak_kb")) or maxrss
    res["mem_process_kb"] = maxrss
    res["mem_baseline_kb"] = to_int(data.get("mem_baseline_kb"))
    res["mem_load_peak_kb"] = to_int(data.get("mem_load_peak_kb"))
    return res


# ----------------------------------------------------------------------------------------------
# worker side: load an exported problem, solve it with Clarabel or ECOS, print one JSON line
# ----------------------------------------------------------------------------------------------

def _float_array(values, name: str):
    import numpy as np
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):  # strings such as "nan"/"inf": element by element
        arr = np.asarray([to_float(v) for v in values], dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} is not a flat list of numbers")
    return arr


def _load_csc(d: dict, name: str, shape):
    import numpy as np
    import scipy.sparse as sp

    nrows, ncols = int(d["nrows"]), int(d["ncols"])
    if (nrows, ncols) != shape:
        raise ValueError(f"{name} has shape {(nrows, ncols)}, expected {shape}")
    colptr = np.asarray(d["colptr"], dtype=np.int64)
    rowval = np.asarray(d["rowval"], dtype=np.int64)
    nzval = _float_array(d["nzval"], f"{name}.nzval")
    if colptr.shape != (ncols + 1,):
        raise ValueError(f"{name}.colptr has length {colptr.size}, expected {ncols + 1}")
    if colptr[0] != 0 or np.any(np.diff(colptr) < 0) or colptr[-1] != rowval.size:
        raise ValueError(f"{name}.colptr is not a valid 0-based column pointer")
    if rowval.size != nzval.size:
        raise ValueError(f"{name}: rowval and nzval lengths differ ({rowval.size} vs {nzval.size})")
    if rowval.size and (rowval.min() < 0 or rowval.max() >= nrows):
        raise ValueError(f"{name}.rowval has indices outside [0, {nrows})")
    if not np.all(np.isfinite(nzval)):
        raise ValueError(f"{name}.nzval has non-finite entries")
    M = sp.csc_matrix((nzval, rowval, colptr), shape=(nrows, ncols))
    if not M.has_canonical_format:
        raise ValueError(f"{name} is not canonical CSC (unsorted or duplicate row indices)")
    return M, colptr, rowval


def cone_rows(kind: str, dim: int) -> int:
    """Number of rows of one exported cone."""
    if kind == "psd_triangle":
        return dim * (dim + 1) // 2
    return dim


def load_export(path: str) -> dict:
    """Reads and validates an exported problem; returns numpy/scipy data."""
    import numpy as np

    with open(path) as f:
        data = json.load(f)
    n, m = int(data["n"]), int(data["m"])
    P, colptr, rowval = _load_csc(data["P"], "P", (n, n))
    cols = np.repeat(np.arange(n), np.diff(colptr))
    if np.any(rowval > cols):
        raise ValueError("P has entries below the diagonal (expected upper triangle only)")
    A, _, _ = _load_csc(data["A"], "A", (m, n))
    q = _float_array(data["q"], "q")
    b = _float_array(data["b"], "b")
    if q.shape != (n,) or b.shape != (m,):
        raise ValueError(f"q/b have lengths {q.size}/{b.size}, expected {n}/{m}")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(b))):
        raise ValueError("q or b has non-finite entries")
    c0 = to_float(data.get("objective_constant", 0.0))
    if not math.isfinite(c0):
        raise ValueError("objective_constant is not finite")
    cones = []
    total = 0
    for cone in data["cones"]:
        kind, dim = str(cone["type"]), int(cone["dim"])
        if kind not in ("zero", "nonnegative", "second_order", "psd_triangle"):
            raise ValueError(f"unsupported cone type {kind!r}")
        if dim < 0 or (kind == "second_order" and dim < 1):
            raise ValueError(f"bad dimension {dim} for a {kind} cone")
        cones.append((kind, dim))
        total += cone_rows(kind, dim)
    if total != m:
        raise ValueError(f"cone dimensions sum to {total} rows, expected m = {m}")
    return {"n": n, "m": m, "P": P, "q": q, "A": A, "b": b, "c0": c0, "cones": cones}


class _PeakMeter:
    """Peak resident memory of this process from `start()` on (Linux).

    Writing "5" to /proc/self/clear_refs resets the kernel's peak-RSS mark (VmHWM), so after
    loading the JSON and freeing the Python lists, `start()` forgets the loading peak and
    `peak_kb()` is the peak of the solver's setup + solve (interpreter, imported libraries and
    the problem's numpy arrays included: those are resident all along). Values are None when
    /proc is not available.
    """

    @staticmethod
    def _status_kb(key: str):
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            return None
        return None

    def start(self) -> dict:
        import gc
        gc.collect()
        info = {"mem_load_peak_kb": self._status_kb("VmHWM"),
                "mem_baseline_kb": self._status_kb("VmRSS")}
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.reset = True
        except OSError:
            self.reset = False
        return info

    def peak_kb(self):
        return self._status_kb("VmHWM") if getattr(self, "reset", False) else None


def clarabel_one(path: str, time_limit: float) -> int:
    """Solve the exported JSON problem at `path` with Clarabel; print a JSON object."""
    out = {"status": "error"}
    try:
        import clarabel

        out["clarabel_version"] = getattr(clarabel, "__version__", "?")
        prob = load_export(path)
        n, m = prob["n"], prob["m"]
        cones = []
        for kind, dim in prob["cones"]:
            if kind == "zero":
                cones.append(clarabel.ZeroConeT(dim))
            elif kind == "nonnegative":
                cones.append(clarabel.NonnegativeConeT(dim))
            elif kind == "second_order":
                cones.append(clarabel.SecondOrderConeT(dim))
            else:  # psd_triangle: same svec convention as the export (see module docstring)
                cones.append(clarabel.PSDTriangleConeT(dim))

        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.time_limit = float(time_limit)

        meter = _PeakMeter()
        out.update(meter.start())
        t0 = time.perf_counter()
        solver = clarabel.DefaultSolver(prob["P"], prob["q"], prob["A"], prob["b"], cones, settings)
        t1 = time.perf_counter()
        sol = solver.solve()
        t2 = time.perf_counter()
        c0 = prob["c0"]

        raw = str(sol.status)
        out.update({
            "status": map_clarabel_status(raw),
            "status_raw": raw,
            # Clarabel's obj_val is 1/2 x'Px + q'x; add the exported constant c0.
            "objective": float(sol.obj_val) + c0,
            "dual_objective": float(sol.obj_val_dual) + c0,
            "iterations": int(sol.iterations),
            # Clarabel's solve_time is its total timer: setup (equilibration, KKT assembly,
            # symbolic factorisation) plus the iterations.
            "solve_time": float(sol.solve_time),
            "wall_setup": t1 - t0,
            "wall_solve": t2 - t1,
            "mem_solver_peak_kb": meter.peak_kb(),
            "n": n,
            "m": m,
        })
    except Exception as exc:  # report, never raise: the parent parses our stdout
        out["status"] = "input_error" if isinstance(exc, (ValueError, KeyError, TypeError)) else "error"
        out["message"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(out, allow_nan=True), flush=True)
    return 0


def ecos_data(prob: dict):
    """Exported problem -> ECOS form, or a reason string when ECOS cannot take it.

    ECOS solves min cᵀx s.t. Gx + s = h, s ∈ R+^l × Q^{q1} × ..., Ax = b. Zero-cone rows become
    A/b, nonnegative and second-order rows become G/h; ECOS wants all nonnegative rows first,
    then the second-order cones, so the rows are permuted (cone order kept within each kind).
    """
    import numpy as np

    if prob["P"].nnz:
        return "quadratic objective (P != 0)"
    zero_rows, lp_rows, soc_rows, soc_dims = [], [], [], []
    row = 0
    for kind, dim in prob["cones"]:
        rows = list(range(row, row + cone_rows(kind, dim)))
        if kind == "zero":
            zero_rows += rows
        elif kind == "nonnegative":
            lp_rows += rows
        elif kind == "second_order":
            soc_rows += rows
            soc_dims.append(dim)
        else:
            return f"{kind} cone"
        row += len(rows)
    A = prob["A"].tocsr()
    b = prob["b"]
    g_rows = np.asarray(lp_rows + soc_rows, dtype=np.int64)
    z_rows = np.asarray(zero_rows, dtype=np.int64)
    G = A[g_rows, :].tocsc()
    h = b[g_rows].copy()
    Aeq = A[z_rows, :].tocsc() if zero_rows else None
    beq = b[z_rows].copy() if zero_rows else None
    dims = {"l": len(lp_rows), "q": soc_dims}
    return {"c": prob["q"], "G": G, "h": h, "dims": dims, "A": Aeq, "b": beq}


def ecos_one(path: str, time_limit: float) -> int:
    """Solve the exported JSON problem at `path` with ECOS (default settings); print JSON.

    ECOS has no time limit: the parent kills it after time limit + 30 s.
    """
    out = {"status": "error"}
    try:
        import ecos

        out["ecos_version"] = getattr(ecos, "__version__", "?")
        prob = load_export(path)
        data = ecos_data(prob)
        if isinstance(data, str):
            out.update({"status": "unsupported", "message": f"ECOS cannot solve this: {data}"})
        else:
            meter = _PeakMeter()
            out.update(meter.start())
            t0 = time.perf_counter()
            kwargs = {"verbose": False}
            if data["A"] is not None:
                kwargs.update(A=data["A"], b=data["b"])
            sol = ecos.solve(data["c"], data["G"], data["h"], data["dims"], **kwargs)
            t1 = time.perf_counter()
            info = sol["info"]
            flag = int(info["exitFlag"])
            timing = info.get("timing", {}) or {}
            c0 = prob["c0"]
            out.update({
                "status": ECOS_STATUS_MAP.get(flag, f"exit_flag_{flag}"),
                "status_raw": f"{flag} ({info.get('infostring', '')})",
                "objective": to_float(info.get("pcost")) + c0,
                "dual_objective": to_float(info.get("dcost")) + c0,
                "iterations": to_int(info.get("iter")),
                # ECOS's own timer: setup (ordering, symbolic factorisation) + iterations.
                "solve_time": to_float(timing.get("runtime")),
                "ecos_tsetup": to_float(timing.get("tsetup")),
                "ecos_tsolve": to_float(timing.get("tsolve")),
                "wall_solve": t1 - t0,
                "mem_solver_peak_kb": meter.peak_kb(),
                "n": prob["n"],
                "m": prob["m"],
                "l": data["dims"]["l"],
                "n_soc": len(data["dims"]["q"]),
                "n_eq": 0 if data["A"] is None else int(data["A"].shape[0]),
            })
    except Exception as exc:  # report, never raise: the parent parses our stdout
        out["status"] = "input_error" if isinstance(exc, (ValueError, KeyError, TypeError)) else "error"
        out["message"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(out, allow_nan=True), flush=True)
    return 0


# ----------------------------------------------------------------------------------------------
# multi-solver report pieces (sdplib.py, cblib.py); results = [(name, info, {solver: result})]
# ----------------------------------------------------------------------------------------------

def ok_cell(res: dict) -> str:
    if res.get("false_status"):
        return "FALSE"
    return "yes" if res.get("ok") else "no"


def status_count_lines(results, solvers, label_for=None):
    """One line per solver: "<solver> statuses: a 3, b 1" (label_for(solver, result) -> str)."""
    lines = []
    for s in solvers:
        counts = {}
        for _, _, rs in results:
            key = label_for(s, rs[s]) if label_for else rs[s]["status"]
            counts[key] = counts.get(key, 0) + 1
        lines.append(f"{s} statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return lines


def time_summary_lines(results, solvers, shift: float, time_limit: float, shift_text: str):
    """Shifted geometric means (failures count as the time limit), ratios conic/peer, and the
    unpenalised comparison on the problems both solve."""
    gms = {s: shifted_geomean([rs[s]["gm_time"] for _, _, rs in results], shift) for s in solvers}
    lines = [f"shifted geometric mean of solve times (shift {shift_text}, {len(results)} problems, "
             f"time limit {time_limit:g} s for anything whose ok is not yes):"]
    for s in solvers:
        lines.append(f"  {s + ':':9s} {fmt_num(gms[s], '.4f')} s")
    if "conic" not in solvers:
        return lines
    peers = [s for s in solvers if s != "conic"]
    for peer in peers:
        lines.append(f"  ratio conic/{peer}: {fmt_num(ratio(gms['conic'], gms[peer]), '.3f')} "
                     f"(> 1 means conic is slower)")
    for peer in peers:
        both = [(rs["conic"]["solve_time"], rs[peer]["solve_time"]) for _, _, rs in results
                if rs["conic"]["ok"] and rs[peer]["ok"]]
        ga = shifted_geomean([a for a, _ in both], shift)
        gb = shifted_geomean([b for _, b in both], shift)
        lines.append(f"  on the {len(both)} problems conic and {peer} both solve (ok = yes): "
                     f"conic {fmt_num(ga, '.4f')} s, {peer} {fmt_num(gb, '.4f')} s, ratio "
                     f"{fmt_num(ratio(ga, gb), '.3f')}")
    return lines


def memory_lines(results, solvers):
    lines = []
    for s in solvers:
        mems = [(rs[s]["mem_kb"], name) for name, _, rs in results if rs[s].get("mem_kb")]
        if mems:
            top = max(mems)
            gm = math.exp(sum(math.log(k / 1024.0) for k, _ in mems) / len(mems))
            lines.append(f"peak memory {s}: largest {fmt_mb(top[0])} MB ({top[1]}), "
                         f"geometric mean {gm:.0f} MB over {len(mems)} problems")
    return lines


def csv_cell(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return repr(v)
    return "" if v is None else v


def closing_sections(false_lines, time_lines, results, solvers):
    """The report sections every script ends with: false statuses, solve times, peak memory."""
    sections = []
    if false_lines:
        sections.append((f"FALSE STATUSES ({len(false_lines)}):", false_lines))
    else:
        sections.append((None, ["false statuses: none"]))
    sections.append((time_lines[0], [line.strip() for line in time_lines[1:]]))
    sections.append((None, memory_lines(results, solvers)))
    return sections


def write_results_csv(path: Path, problem_head, problem_cells, results, solvers, fields, extra) -> None:
    """One row per problem: `problem_head` columns from `problem_cells(name, info)`, then for each
    solver its `fields + extra[solver]` entries of the result dictionaries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        head = list(problem_head)
        for s in solvers:
            head += [f"{s}_{k}" for k in fields + extra.get(s, [])]
        w.writerow(head)
        for name, info, rs in results:
            row = list(problem_cells(name, info))
            for s in solvers:
                row += [csv_cell(rs[s].get(k)) for k in fields + extra.get(s, [])]
            w.writerow(row)
    print(f"\nCSV written to {path}")


def print_report(sections) -> None:
    """sections: list of (title | None, [lines]); a title prints as a line, its lines indented."""
    for title, lines in sections:
        if title is None:
            for line in lines:
                print(line)
        else:
            print(title)
            for line in lines:
                print("  " + line)


def write_markdown(path: Path, title: str, header, columns, text_rows, sections, footnote: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        f.write(f"# {title}\n\n")
        for key, value in header:
            shown = str(value).replace("`", "'")  # backticks would end the code span
            f.write(f"- **{key}**: `{shown}`\n")
        f.write("\n" + md_line([c[0] for c in columns]) + "\n" + md_align_row(columns) + "\n")
        for cells in text_rows:
            f.write(md_line(cells) + "\n")
        f.write("\n## Summary\n\n")
        for sec_title, lines in sections:
            if sec_title is None:
                for line in lines:
                    f.write(f"- {line}\n")
            else:
                f.write(f"- {sec_title}\n")
                for line in lines:
                    f.write(f"  - {line.strip()}\n")
        f.write("\n" + footnote + "\n")


def print_header(header) -> None:
    for key, value in header:
        print(f"{key + ':':12s}{value}")
    print()


def base_header():
    """The header lines every benchmark prints first (date, machine, python)."""
    import datetime as _dt
    uname, nproc, cpu = machine_info()
    return [
        ("date", _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("machine", uname),
        ("nproc", nproc + (f" ({cpu})" if cpu else "")),
        ("python", platform.python_version()),
    ]


def thread_env() -> str:
    keys = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    found = " ".join(f"{k}={os.environ[k]}" for k in keys if k in os.environ)
    return found or "library defaults (no *_NUM_THREADS set)"


# ----------------------------------------------------------------------------------------------
# machine information, build, option helpers
# ----------------------------------------------------------------------------------------------

def machine_info():
    try:
        uname = subprocess.run(["uname", "-a"], stdout=subprocess.PIPE, text=True).stdout.strip()
    except OSError:
        uname = " ".join(platform.uname())
    try:
        nproc = subprocess.run(["nproc"], stdout=subprocess.PIPE, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return uname, nproc, cpu


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if rev.returncode != 0:
            return "no commit"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True).stdout.strip()
        return rev.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def build_conic() -> None:
    print("building: swift build -c release", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(["swift", "build", "-c", "release"], cwd=REPO_ROOT,
                              stdout=sys.stderr, stderr=sys.stderr)
    except OSError as exc:
        sys.exit(f"error: could not run swift: {exc}")
    if proc.returncode != 0:
        sys.exit(f"error: swift build -c release failed (exit code {proc.returncode})")


def resolve_conic(args) -> str:
    """--conic PATH (no build) or .build/release/conic (built unless --no-build)."""
    if args.conic:
        return str(Path(args.conic).resolve()) if os.sep in args.conic else args.conic
    if not args.no_build:
        build_conic()
    conic = str(REPO_ROOT / ".build" / "release" / "conic")
    if not os.access(conic, os.X_OK):
        sys.exit(f"error: {conic} not found or not executable (build with `swift build -c release`)")
    return conic


def select_names(names, only):
    """Apply --only (comma separated, repeatable, case-insensitive) to the sorted names."""
    if not only:
        return list(names)
    wanted = [w.strip() for item in only for w in item.split(",") if w.strip()]
    by_upper = {n.upper(): n for n in names}
    unknown = [w for w in wanted if w.upper() not in by_upper]
    if unknown:
        sys.exit(f"error: unknown problem(s): {', '.join(unknown)}")
    return list(dict.fromkeys(by_upper[w.upper()] for w in wanted))


def add_common_options(ap, default_time_limit: float, default_csv: Path, default_data: Path,
                       file_kind: str, memory_limit: bool = True) -> None:
    """The options every benchmark script takes; `memory_limit` adds --memory-limit, for scripts
    whose solver processes run through `run_measured` (which applies it)."""
    ap.add_argument("--data-dir", type=Path, default=default_data,
                    help=f"directory with {file_kind} files and reference.csv (default: %(default)s)")
    ap.add_argument("--time-limit", type=float, default=default_time_limit,
                    help="per-problem time limit in seconds for every solver (default: %(default)g); "
                         "subprocesses are killed after time limit + 30 s")
    ap.add_argument("--only", metavar="NAME[,NAME]", action="append",
                    help="run only these problems (comma separated, repeatable, case-insensitive)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run `swift build -c release` first")
    ap.add_argument("--conic", metavar="PATH",
                    help="conic executable to use (default: .build/release/conic; implies --no-build)")
    ap.add_argument("--output-md", metavar="FILE", type=Path,
                    help="also write the report as a markdown file")
    ap.add_argument("--output-csv", metavar="FILE", type=Path, default=default_csv,
                    help="CSV with all per-problem results (default: %(default)s)")
    ap.add_argument("--export-dir", metavar="DIR", type=Path,
                    help="keep the exported JSON problems in DIR (default: a temporary directory)")
    ap.add_argument("--no-claim-check", action="store_true",
                    help="skip the independent check of conic's solved/infeasible/unbounded claims "
                         "from the exported data (Benchmarks/claims.py); quicker")
    if not memory_limit:
        return
    ap.add_argument("--memory-limit", metavar="GB", type=float, default=default_memory_limit_gb(),
                    help="address-space limit for each solver process in GiB, 0 for none "
                         "(default: 60%% of physical memory, %(default)g)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark worker: solve one exported problem.")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--clarabel-one", metavar="FILE.json")
    group.add_argument("--ecos-one", metavar="FILE.json")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args(argv)
    if args.clarabel_one:
        return clarabel_one(args.clarabel_one, args.time_limit)
    return ecos_one(args.ecos_one, args.time_limit)


if __name__ == "__main__":
    sys.exit(main())
