"""Solve a problem, then solve it again with b and q moved by the point's own residuals, and
compare the objectives (docs/reliability.md, "The perturbation test").

The point (x, s, z) of the first solve is exactly feasible for the second problem,
b' = b + (Ax + s - b) and q' = q - (Px + A^T z + q), whose optimum moves by about
z^T r_p - x^T r_d to first order. Printed per problem, relative to max(1, |objective|): the
objective change, that first-order estimate and the sensitivity bound
||z||_1 ||r_p||_inf + ||x||_1 ||r_d||_inf.

    CONIC_LIBRARY=.build/release/libConicCAPI.so \\
        python3 Benchmarks/perturbation_check.py --conic .build/release/conic hinf5 hinf14 qap6

Names are looked up in ../shared/data/sdplib (NAME.dat-s) and ../shared/data/cblib
(NAME.cbf.gz); the problems are exported with `conic export` and solved through the Python
package (python/), so the library must be built (`swift build -c release`).
"""
import argparse, json, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "python"))
import conic  # noqa: E402

DATA = REPO.parent / "shared" / "data"
CONES = {"zero": conic.ZeroCone, "nonnegative": conic.NonnegativeCone,
         "second_order": conic.SecondOrderCone, "psd_triangle": conic.PSDTriangleCone}


def load(path):
    d = json.loads(Path(path).read_text())

    def matrix(M):
        return sp.csc_matrix((M["nzval"], np.array(M["rowval"]), np.array(M["colptr"])), shape=(M["nrows"], M["ncols"]))
    P = matrix(d["P"]) if d.get("P") and d["P"]["nzval"] else None
    cones = [CONES[c["type"]](c["dim"]) for c in d["cones"]]
    return P, np.array(d["q"], float), matrix(d["A"]), np.array(d["b"], float), cones


def objective(P, q, x):
    return 0.5 * x @ (P @ x) + q @ x if P is not None else q @ x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--conic", default=str(REPO / ".build" / "release" / "conic"))
    parser.add_argument("--time-limit", type=float, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="perturbation-"))
    for name in args.names:
        source = DATA / "sdplib" / f"{name}.dat-s"
        if not source.exists():
            source = DATA / "cblib" / f"{name}.cbf.gz"
        exported = work / f"{name}.json"
        subprocess.run([args.conic, "export", str(source), "--output", str(exported)], check=True, capture_output=True)
        P, q, A, b, cones = load(exported)
        start = time.time()
        first = conic.solve(P, q, A, b, cones, time_limit=args.time_limit)
        x, s, z = np.array(first.x), np.array(first.s), np.array(first.z)
        rp = A @ x + s - b
        rd = (P @ x if P is not None else 0 * x) + A.T @ z + q
        value = objective(P, q, x)
        scale = max(1, abs(value))
        second = conic.solve(P, q - rd, A, b + rp, cones, time_limit=args.time_limit)
        moved = objective(P, q - rd, np.array(second.x))
        estimate = abs(z @ rp) + abs(x @ rd)
        sensitivity = np.abs(z).sum() * np.abs(rp).max() + np.abs(x).sum() * np.abs(rd).max()
        print(f"{name:22s} {first.status:14s} {value:.10g} | perturbed {second.status:22s} {moved:.10g} | "
              f"change {abs(moved - value) / scale:.2e} first-order {estimate / scale:.2e} "
              f"sensitivity {sensitivity / scale:.2e} | {time.time() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
