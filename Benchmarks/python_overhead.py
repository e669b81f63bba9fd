"""Overhead of the Python path (conic.solve) against the Swift path (ConicSolver.solve in-process)
on 1,000 small problems (LPs, QPs and SOCPs with 10–20 variables).

    python3 Benchmarks/python_overhead.py [--count 1000] [--repeats 3]

Needs the package installed against the release library (`bash scripts/install-python.sh`). The
script builds `ConicCAPI` in release, compiles Benchmarks/python_overhead_loop.swift with swiftc
against that build (same modules, same libConicCAPI.so: the same compiled solver on both sides),
and times each problem on each path, keeping each problem's best time over the repeats (the machine
is shared: the per-problem minimum is robust to load spikes that a total would absorb); the paths
alternate, one repeat of all problems at a time:
  - swift:  SparseMatrix + ConicProblem construction and ConicSolver.solve in a Swift loop;
  - python: conic.solve(P, q, A, b, cones) from scipy CSC matrices and numpy vectors, then its
            status, objective and x read (the whole Python path: checks, conversion, ctypes, result);
  - ctypes: the bare C call conic_solve on prepared arrays and addresses, objective read, result
            freed (the C ABI's share: the rest of the python column is the package's Python code).
A process per problem (`conic solve FILE`) would measure process start-up, not the interface.
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import conic
from conic._lib import lib

ROOT = Path(__file__).resolve().parent.parent


def problems(count, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        kind = ("qp", "lp", "socp")[k % 3]
        n = int(rng.integers(10, 21))
        if kind == "qp":
            M = rng.standard_normal((n, n))
            P = sp.triu(sp.csc_matrix(M @ M.T / n + 0.1 * np.eye(n)), format="csc")
            m = 2 * n
            A = sp.csc_matrix(rng.standard_normal((m, n)))
            b = rng.random(m) + 0.1
            out.append((P, rng.standard_normal(n), A, b, [conic.NonnegativeCone(m)]))
        elif kind == "lp":
            # min cᵀx  s.t.  Σx = 1, 0 ≤ x ≤ 1 (a bounded LP with an equality).
            A = sp.vstack([sp.csc_matrix(np.ones((1, n))), -sp.eye(n), sp.eye(n)], format="csc")
            b = np.concatenate([[1.0], np.zeros(n), np.ones(n)])
            out.append((None, rng.standard_normal(n), A, b, [conic.ZeroCone(1), conic.NonnegativeCone(2 * n)]))
        else:
            # min cᵀx  s.t.  ‖x − x₀‖ ≤ 1 and x ≥ x₀ − ½: a second-order cone of dimension n + 1.
            x0 = rng.standard_normal(n)
            A = sp.vstack([sp.csc_matrix((1, n)), -sp.eye(n), -sp.eye(n)], format="csc")
            b = np.concatenate([[1.0], -x0, 0.5 - x0])
            out.append((None, rng.standard_normal(n), A, b, [conic.SecondOrderCone(n + 1), conic.NonnegativeCone(n)]))
    return out


def export(problem):
    P, q, A, b, cones = problem
    n = len(q)
    P = sp.csc_matrix((n, n)) if P is None else P

    def matrix(M):
        return {"nrows": M.shape[0], "ncols": M.shape[1], "colptr": M.indptr.tolist(), "rowval": M.indices.tolist(),
                "nzval": M.data.tolist()}
    names = {conic.ZeroCone: "zero", conic.NonnegativeCone: "nonnegative", conic.SecondOrderCone: "second_order"}
    return {"n": n, "m": len(b), "P": matrix(P), "q": q.tolist(), "A": matrix(A), "b": b.tolist(),
            "cones": [{"type": names[type(c)], "dim": c.dim} for c in cones]}


def build_swift_loop(directory):
    subprocess.run(["swift", "build", "-c", "release", "--product", "ConicCAPI"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    release = ROOT / ".build" / "release"
    binary = Path(directory) / "swift-loop"
    maps = [f"-fmodule-map-file={ROOT / 'Sources' / name / 'module.modulemap'}" for name in ("CCHOLMOD", "CLAPACK", "CZlib")]
    command = ["swiftc", "-O", str(ROOT / "Benchmarks" / "python_overhead_loop.swift"), "-I", str(release / "Modules"),
               *[flag for m in maps for flag in ("-Xcc", m)], "-L", str(release), "-lConicCAPI",
               "-Xlinker", "-rpath", "-Xlinker", str(release), "-o", str(binary)]
    subprocess.run(command, check=True)
    return binary


def time_python(items, best):
    objectives = []
    for k, item in enumerate(items):
        started = time.perf_counter()
        solution = conic.solve(*item)
        # What a caller reads: the status, the objective and the solution vector.
        ok = solution.status == "solved"
        objective = solution.obj_val
        solution.x
        best[k] = min(best[k], time.perf_counter() - started)
        assert ok
        objectives.append(objective)
    return objectives


def time_ctypes(items, best):
    # The arrays conic.solve would hand over and their addresses, prepared outside the timing: what
    # is left is the C call itself (argument conversion, copying into Swift arrays, the result).
    prepared, keep = [], []
    for P, q, A, b, cones in items:
        arrays = [] if P is None else [P.indptr.astype(np.int64), P.indices.astype(np.int64), P.data]
        arrays += [q, A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data, b,
                   np.array([c.code for c in cones], dtype=np.int32), np.array([c.dim for c in cones], dtype=np.int64)]
        keep.append(arrays)
        addresses = [a.ctypes.data for a in arrays]
        if P is None:
            addresses = [None, None, None] + addresses
        prepared.append((len(q), len(b), addresses, len(cones)))
    out = ctypes.c_double()
    objectives = []
    for k, (n, m, a, count) in enumerate(prepared):
        started = time.perf_counter()
        raw = lib.conic_solve(n, m, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], count, a[8], a[9], None, None)
        lib.conic_result_number(raw, b"objective", ctypes.byref(out))
        lib.conic_result_free(raw)
        best[k] = min(best[k], time.perf_counter() - started)
        objectives.append(out.value)
    return objectives


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    items = problems(args.count)
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory) / "problems.json"
        data.write_text(json.dumps([export(item) for item in items]))
        binary = build_swift_loop(directory)
        count = len(items)
        swift = np.full(count, np.inf)
        python, bare = np.full(count, np.inf), np.full(count, np.inf)
        for _ in range(args.repeats):
            report = json.loads(subprocess.run([str(binary), str(data), "1"], check=True, capture_output=True,
                                               text=True).stdout)
            swift = np.minimum(swift, report["seconds"])
            objectives = time_python(items, python)
            bare_objectives = time_ctypes(items, bare)
    difference = max(abs(a - b) for a, b in zip(objectives, report["objectives"]))
    assert difference < 1e-9 and max(abs(a - b) for a, b in zip(objectives, bare_objectives)) < 1e-9, difference
    s, p, c = swift.sum(), python.sum(), bare.sum()
    print(f"{count} problems (LP, QP, SOCP; n = 10–20), {report['iterations']} iterations in all; "
          f"sum over the problems of each one's best time in {args.repeats} repeats:")
    print(f"swift  in-process loop : {s:.3f} s  ({1e6 * s / count:.1f} µs per problem)")
    print(f"ctypes bare C call     : {c:.3f} s  ({1e6 * c / count:.1f} µs per problem)  overhead {100 * (c - s) / s:+.1f} %")
    print(f"python conic.solve     : {p:.3f} s  ({1e6 * p / count:.1f} µs per problem)  overhead {100 * (p - s) / s:+.1f} %")
    print(f"median per-problem overhead of conic.solve: {1e6 * np.median(python - swift):.1f} µs "
          f"({100 * np.median((python - swift) / swift):+.1f} %)")
    print(f"same objectives on all paths (largest difference {difference:.1e})")


if __name__ == "__main__":
    sys.exit(main())
