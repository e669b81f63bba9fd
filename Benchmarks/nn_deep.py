#!/usr/bin/env python3
"""Three-layer parallel ReLU networks (Ergen & Pilanci, ICML 2021) with `conic nn three-layer`.

  fig4    Fig. 4: n = 5, d = 2 synthetic data from a random teacher (m1 = 3, K = 5), beta = 0.002,
          batch 5: projected SGD (5 initializations, K = 2 and K = 10) against the convex program.
          Writes docs/figures/three-layer-fig4-K*.svg.
  table1  Table 1: m1 = 7, K = 10, beta = 0.1, batch floor(n/8) on five UCI sets (fold 0, standardized,
          regression on the class index): training objective (4), test MSE/accuracy and time, convex
          program against projected SGD.
  timing  The identical program (same units, written by --save-units) in CVXPY + Clarabel, at two sizes.
  conv    ICML 2020 §4 on the digits (8 x 8): the separable ReLU CNN (`conic nn conv`, digits 3 against 8),
          and the linear CNN's nuclear-norm program (12) against CVXPY + Clarabel at two sizes, with the
          SDP (11) and, on circular patches, the Fourier program (14).
  deep-linear    ICLR 2021 Figs. 2a, 5b (two-layer linear: rank and singular values of W1 against beta) and 2b, 3a
                 (four-layer linear: layer ranks, equal layer norms): `conic nn deep` closed form against Adam.
  deep-rank-one  ICLR 2021 Fig. 3b: five-layer ReLU on rank-one data, layer ranks of Adam against Theorem 4.1.
  deep-spline    ICLR 2021 Fig. 1 / Corollary 4.2: deep ReLU (bias on the last hidden layer) on 1-D data, L = 2, 3, 4.
  deep-digits    ICLR 2021 Fig. 4 on whitened digits (n = 50, d = 64, K = 10, L = 3, 4, 5): Theorem 4.4 against SGD.
                 Each writes its SVGs to docs/figures/deep-*.svg.
  deep-nuclear   ICLR 2021 §3, two linear layers on data with unequal singular values (digits, one-hot targets):
                 `conic nn deep --depth 2` (the nuclear-norm program) against the identical program in CVXPY
                 (normNuc) + Clarabel (d = 16 pooled pixels at n = 300; d = 64 at n = 300 and 1797), and
                 against Adam on the non-convex model (n = 300, d = 64).
  fig5    ICML 2020 Fig. 5 on digits (middle pixel rows, d = 16): the circular linear CNN (13) trained by Adam
          (numpy, full batch, 5 seeds) against the Fourier program (14). Writes docs/figures/linear-cnn-fig5.svg.

    python3 Benchmarks/nn_deep.py [fig4|table1|timing|all] [--conic .build/release/conic] [--figures docs/figures]
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np

UCI = "/work/shared/data/uci"
TABLE1 = {  # dataset: (paper n, d, SGD objective, convex objective, SGD test error, convex test error)
    "acute-inflammation": (120, 6, 0.0029, 0.0013, 0.0224, 0.0217),
    "acute-nephritis": (120, 6, 0.0039, 0.0021, 0.0198, 0.0192),
    "balloons": (16, 4, 0.7901, 0.6695, 0.2693, 0.1496),
    "breast-tissue": (106, 9, 0.5219, 0.3979, 1.4082, 1.0377),
    "pittsburg-bridges-SPAN": (92, 7, 0.1723, 0.1668, 1.4373, 1.3112),
}


def run(conic, *args, command="three-layer"):
    """`conic nn COMMAND … --json --quiet` with its wall-clock time in `process_time`."""
    args = [str(a) for a in args]
    start = time.perf_counter()
    out = subprocess.run([conic, "nn", command, *args, "--json", "--quiet"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"conic nn {command} {' '.join(args)} failed: {out.stderr}")
    result = json.loads(out.stdout)
    result["process_time"] = time.perf_counter() - start
    return result


def svg_chart(series, hlines, title, xlabel, ylabel, path, width=720, height=450, logx=True, logy=True, vlines=()):
    """A line chart, log-log by default: series = [(name, colour, [(x, y)])] (a name ending in ' (points)'
    draws dots), hlines = [(name, colour, y)], vlines = [(colour, x)] (dotted markers)."""
    left, right, top, bottom = 80, 190, 40, 60
    fx = np.log10 if logx else (lambda v: v)
    fy = np.log10 if logy else (lambda v: v)
    okx = (lambda v: v > 0) if logx else (lambda v: np.isfinite(v))
    oky = (lambda v: v > 0) if logy else (lambda v: np.isfinite(v))
    xs = [x for _, _, pts in series for x, _ in pts if okx(x)] + [x for _, x in vlines if okx(x)]
    ys = [y for _, _, pts in series for _, y in pts if oky(y)] + [y for _, _, y in hlines if oky(y)]
    lx0, lx1 = fx(min(xs)), fx(max(xs))
    pad = 0.05 if logy else 0.05 * (max(ys) - min(ys) or 1)
    ly0, ly1 = fy(min(ys)) - pad, fy(max(ys)) + pad
    def px(x): return left + (fx(x) - lx0) / max(lx1 - lx0, 1e-12) * (width - left - right)
    def py(y): return height - bottom - (fy(y) - ly0) / max(ly1 - ly0, 1e-12) * (height - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
           f'<text x="{(left + width - right) / 2}" y="{height - 15}" text-anchor="middle">{xlabel}</text>',
           f'<text x="20" y="{(top + height - bottom) / 2}" text-anchor="middle" transform="rotate(-90 20 {(top + height - bottom) / 2})">{ylabel}</text>']
    if logx and lx1 - lx0 >= 1:
        for e in range(int(np.floor(lx0)), int(np.ceil(lx1)) + 1):
            if lx0 <= e <= lx1:
                out.append(f'<text x="{px(10.0 ** e):.1f}" y="{height - bottom + 18}" text-anchor="middle">1e{e}</text>')
    elif logx:
        for v in np.linspace(lx0, lx1, 6):
            out.append(f'<text x="{px(10 ** v):.1f}" y="{height - bottom + 18}" text-anchor="middle">{10 ** v:.3g}</text>')
    else:
        for v in np.linspace(lx0, lx1, 6):
            out.append(f'<text x="{px(v):.1f}" y="{height - bottom + 18}" text-anchor="middle">{v:.3g}</text>')
    for v in np.linspace(ly0, ly1, 6):
        value = 10 ** v if logy else v
        out.append(f'<text x="{left - 6}" y="{py(value) + 4:.1f}" text-anchor="end">{value:.3g}</text>')
    for colour, x in vlines:
        out.append(f'<line x1="{px(x):.1f}" y1="{top}" x2="{px(x):.1f}" y2="{height - bottom}" stroke="{colour}" stroke-dasharray="2 3"/>')
    legend_y = top
    for name, colour, y in hlines:
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{width - right}" y2="{py(y):.1f}" stroke="{colour}" stroke-dasharray="6 4" stroke-width="2"/>')
        out.append(f'<text x="{width - right + 8}" y="{legend_y + 4}" fill="{colour}">{name}</text>')
        legend_y += 18
    for name, colour, pts in series:
        pts = [(x, y) for x, y in pts if okx(x) and oky(y)]
        if not pts:
            continue
        if name.endswith(" (points)") or len(pts) == 1:
            out.extend(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="{4 if len(pts) > 1 else 6}" fill="{colour}"/>' for x, y in pts)
        else:
            path_d = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y) in enumerate(pts))
            out.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        out.append(f'<text x="{width - right + 8}" y="{legend_y + 4}" fill="{colour}">{name.replace(" (points)", "")}</text>')
        legend_y += 18
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def teacher_data(n, d, m1, k, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = np.zeros(n)
    for _ in range(k):
        w1 = rng.standard_normal((d, m1))
        w1 /= np.linalg.norm(w1)
        y += np.maximum(np.maximum(x @ w1, 0) @ rng.standard_normal(m1), 0) * rng.standard_normal()
    return x, y


def fig4(conic, work, figures, units, epochs):
    x, y = teacher_data(5, 2, 3, 5, seed=0)
    data = os.path.join(work, "fig4.csv")
    np.savetxt(data, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
    beta = 0.002
    convex = run(conic, "--data", data, "--beta", str(beta), "--width", "3", "--units", str(units))
    print(f"== Fig. 4 (n = 5, d = 2, m1 = 3, beta = {beta}) ==")
    print(f"convex program: {convex['units']} sampled units, objective {convex['convex_objective']:.8e}, rebuilt network "
          f"{convex['objective']:.8e} ({convex['subnetworks']} sub-networks), predictions agree to {convex['prediction_difference']:.1e}, "
          f"lower bound {convex['lower_bound']:.6e} ({convex['bound_method']}, relaxed), solve {convex['solve_time']:.3f} s")
    colours = ["#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"]
    summary = {}
    for k in (2, 10):
        series, finals = [], []
        for trial in range(5):
            r = run(conic, "--data", data, "--beta", str(beta), "--width", "3", "--method", "sgd", "--subnetworks", str(k),
                    "--batch-size", "5", "--lr", "0.02", "--epochs", str(epochs), "--seed", str(trial + 1))
            finals.append(r["objective"])
            series.append((f"SGD trial {trial + 1}", colours[trial], [(h[2], h[1]) for h in r["history"]]))
        series.append(("convex (solve time)", "#2ca02c", [(convex["solve_time"] + convex["build_time"], convex["convex_objective"])]))
        hlines = [("convex optimum", "#2ca02c", convex["convex_objective"]), ("rebuilt network", "#d62728", convex["objective"])]
        name = f"three-layer-fig4-K{k}.svg"
        svg_chart(series, hlines, f"Fig. 4: K = {k}, SGD (5 trials) against the convex program", "time (s)",
                  "objective (4)", os.path.join(figures, name))
        above = sum(f > convex["objective"] * (1 + 1e-2) for f in finals)
        print(f"K = {k:>2}: SGD final objectives " + ", ".join(f"{f:.5e}" for f in finals)
              + f"; {above} of 5 end more than 1% above the convex program's network ({name})")
        summary[k] = finals
    return convex, summary


def table1(conic, units, epochs, lr):
    print("== Table 1 (m1 = 7, K = 10, beta = 0.1, fold 0, standardized, class index as target) ==")
    print(f"{'dataset':<24} {'n':>4} {'d':>3} | {'paper SGD':>9} {'paper cvx':>9} | {'SGD obj':>9} {'convex obj':>10} {'LB':>8} | "
          f"{'SGD test':>8} {'cvx test':>8} | {'SGD acc':>7} {'cvx acc':>7} | {'SGD s':>6} {'cvx s':>6}")
    rows = []
    for name, paper in TABLE1.items():
        data = os.path.join(UCI, name)
        common = ["--data", data, "--beta", "0.1", "--width", "7", "--fold", "0", "--standardize", "--label-targets"]
        convex = run(conic, *common, "--units", str(units))
        n = convex["samples"]
        sgd = run(conic, *common, "--method", "sgd", "--subnetworks", "10", "--batch-size", str(max(1, n // 8)),
                  "--epochs", str(epochs), "--lr", str(lr), "--seed", "1")
        row = dict(dataset=name, n=n, d=convex["features"], paper=paper, convex=convex, sgd=sgd)
        rows.append(row)
        print(f"{name:<24} {n:>4} {convex['features']:>3} | {paper[2]:>9.4f} {paper[3]:>9.4f} | {sgd['objective']:>9.4f} "
              f"{convex['objective']:>10.4f} {convex['lower_bound']:>8.4f} | {sgd['test_mse']:>8.4f} {convex['test_mse']:>8.4f} | "
              f"{sgd['test_accuracy']:>7.3f} {convex['test_accuracy']:>7.3f} | {sgd['time']:>6.2f} {convex['time']:>6.2f}")
    return rows


def solve_cvxpy(x, y, units, beta):
    import cvxpy as cp
    start = time.perf_counter()
    n, d = x.shape
    first, signs, owner, second = [], [], [], []
    for u, unit in enumerate(units):
        for mask, sign in zip(unit["first"], unit["signs"]):
            first.append(mask); signs.append(sign); owner.append(u)
        second.append(unit["second"])
    d1 = np.array(first, dtype=float).T            # n x G
    d2 = np.array(second, dtype=float).T           # n x U
    g, u_count = d1.shape[1], d2.shape[1]
    member = np.zeros((g, u_count)); member[np.arange(g), owner] = 1
    inner = d1 * np.array(signs)                   # I_j D1j, n x G
    reach = (d1 @ member) > 0                      # sample k reaches unit u
    v, w = cp.Variable((g, d)), cp.Variable((g, d))
    fit = cp.sum(cp.multiply(inner * (d2 @ member.T), x @ (v - w).T), axis=1)
    objective = 0.5 * cp.sum_squares(fit - y) + beta * (cp.sum(cp.norm(v, 2, axis=1)) + cp.sum(cp.norm(w, 2, axis=1)))
    constraints = []
    s1, s2 = 2 * d1 - 1, (2 * d2 - 1) * reach
    for z in (v, w):
        constraints.append(cp.multiply(s1, x @ z.T) >= 0)
        constraints.append(cp.multiply(s2, cp.multiply(inner, x @ z.T) @ member) >= 0)
    problem = cp.Problem(cp.Minimize(objective), constraints)
    try:
        problem.solve(solver="CLARABEL")
    except Exception as error:  # a solver failure is a result
        return {"status": f"error: {error}", "objective": None, "time": time.perf_counter() - start, "solver_time": None}
    return {"status": problem.status, "objective": problem.value, "time": time.perf_counter() - start,
            "solver_time": problem.solver_stats.solve_time}


def timing(conic, work, sizes):
    print("== Time: conic against CVXPY + Clarabel on the identical program (same units) ==")
    print(f"{'size':<28} {'units':>5} {'vars':>6} {'rows':>7} | {'conic obj':>14} {'build+solve s':>13} {'process s':>9} | "
          f"{'CVXPY obj':>14} {'total s':>8} {'Clarabel s':>10} | {'rel diff':>8}")
    rows = []
    for label, n, d, width, units in sizes:
        rng = np.random.default_rng(n)
        x = rng.standard_normal((n, d))
        y = np.maximum(x @ rng.standard_normal(d), 0) - np.maximum(x @ rng.standard_normal(d), 0) + 0.1 * rng.standard_normal(n)
        data, unit_file = os.path.join(work, f"t{n}.csv"), os.path.join(work, f"u{n}.json")
        np.savetxt(data, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
        # --no-sparsify: time the one program CVXPY solves too (no restricted re-solve).
        conic_result = run(conic, "--data", data, "--beta", "0.05", "--width", str(width), "--units", str(units),
                           "--save-units", unit_file, "--no-sparsify")
        with open(unit_file) as f:
            saved = json.load(f)["units"]
        peer = solve_cvxpy(x, y, saved, 0.05)
        rel = abs(conic_result["convex_objective"] - peer["objective"]) / max(1, abs(peer["objective"])) if peer["objective"] else float("nan")
        own = conic_result["build_time"] + conic_result["solve_time"]
        print(f"{label:<28} {conic_result['units']:>5} {conic_result['variables']:>6} {conic_result['constraints']:>7} | "
              f"{conic_result['convex_objective']:>14.8e} {own:>13.3f} {conic_result['process_time']:>9.3f} | "
              f"{peer['objective'] or float('nan'):>14.8e} {peer['time']:>8.3f} {peer['solver_time'] or float('nan'):>10.3f} | {rel:>8.1e}")
        rows.append((label, conic_result, peer))
    return rows


def digits(classes=None, count=None):
    import gzip
    with gzip.open("/work/shared/data/digits/digits.csv.gz", "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    x, label = data[:, :-1] / 16.0, data[:, -1]
    if classes is not None:
        keep = np.isin(label, classes)
        x, label = x[keep], label[keep]
    if count is not None:
        x, label = x[:count], label[:count]
    return x, label


def conv(conic, work):
    # --standardize: on raw pixels (zero on many patterns' samples) `nn train`'s own program crashes in the
    # solver's convexity check (explicit zeros in P; reported, not in this package's NN code).
    print("== Separable two-layer ReLU CNN on digits 3 vs 8 (8x8, 3x3 filters, stride 2, padding 1, bias, standardized, beta = 1e-2, 3 rounds) ==")
    x, label = digits([3, 8], 200)
    y = np.where(label == 3, 1.0, -1.0)
    data = os.path.join(work, "digits38.csv")
    np.savetxt(data, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
    start = time.perf_counter()
    out = subprocess.run([conic, "nn", "conv", "--data", data, "--image-shape", "8x8", "--filter", "3", "--stride", "2", "--padding", "1",
                          "--bias", "--standardize", "--beta", "1e-2", "--test-fraction", "0.3", "--seed", "1", "--max-rounds", "3",
                          "--time-limit", "600", "--json", "--quiet"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    r = json.loads(out.stdout)
    print(f"n = {r['samples']} train images, {r['patches_per_image']} patches each: {r['filters']} filters from {r['patterns']} patterns "
          f"({r['rounds']} rounds), objective {r['objective']:.6e}, lower bound {r['lower_bound']:.6e} ({r['bound_method']}), "
          f"relative gap {r['relative_gap']:.2e}; train accuracy {r['train_accuracy']:.3f}, test accuracy {r['test_accuracy']:.3f}; "
          f"{time.perf_counter() - start:.1f} s")

    print("== Linear CNN, nuclear-norm program (12): conic against CVXPY + Clarabel (digits, y = label, beta = 1) ==")
    print(f"{'size':<34} | {'conic (12)':>14} {'s':>7} | {'conic SDP (11)':>14} {'s':>7} | {'CVXPY (12)':>14} {'total s':>8} {'Clarabel s':>10}")
    import cvxpy as cp
    for n, filt, stride in [(200, 3, 1), (1000, 3, 1)]:
        x, label = digits(None, n)
        data = os.path.join(work, f"lin{n}.csv")
        np.savetxt(data, np.column_stack([x, label]), delimiter=",", fmt="%.17g")
        start = time.perf_counter()
        out = subprocess.run([conic, "nn", "conv", "--linear", "--data", data, "--image-shape", "8x8", "--filter", str(filt),
                              "--stride", str(stride), "--beta", "1", "--json", "--quiet"], capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        r = json.loads(out.stdout)
        process = time.perf_counter() - start
        pos = (8 - filt) // stride + 1
        patches = [x.reshape(n, 8, 8)[:, a * stride:a * stride + filt, b * stride:b * stride + filt].reshape(n, filt * filt)
                   for a in range(pos) for b in range(pos)]
        start = time.perf_counter()
        z = cp.Variable((filt * filt, len(patches)))
        fit = sum(patches[k] @ z[:, k] for k in range(len(patches)))
        problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(fit - label) + cp.normNuc(z)))
        problem.solve(solver="CLARABEL")
        total = time.perf_counter() - start
        print(f"n = {n}, {filt}x{filt} filters, K = {len(patches):<3} | {r['nuclear_norm']['value']:>14.8e} {r['nuclear_norm']['solve_time']:>7.3f} | "
              f"{r['sdp']['value']:>14.8e} {r['sdp']['solve_time']:>7.3f} | {problem.value:>14.8e} {total:>8.3f} {problem.solver_stats.solve_time:>10.3f}"
              f"   (conic process {process:.2f} s for both programs)")

    print("== Linear circular CNN: (12) = (11) = (14) on circular shifts (digits, middle two pixel rows: n = 200, d = 16, beta = 1) ==")
    x, label = digits(None, 200)
    x = x[:, 24:40]
    data = os.path.join(work, "circ.csv")
    np.savetxt(data, np.column_stack([x, label]), delimiter=",", fmt="%.17g")
    out = subprocess.run([conic, "nn", "conv", "--circular", "--data", data, "--beta", "1", "--json", "--quiet"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    r = json.loads(out.stdout)
    print("  ".join(f"{key}: {r[key]['value']:.10e} ({r[key]['solve_time']:.2f} s)" for key in ("nuclear_norm", "sdp", "fourier")))


def fig5(conic, work, figures, steps):
    """Circular linear CNN (13) with full-length filters on digit pixel rows, Adam against (14)."""
    n, beta = 200, 1.0
    x, label = digits(None, n)
    x = x[:, 24:40]  # the middle two pixel rows: d = 16
    d = x.shape[1]
    width = d
    data = os.path.join(work, "fig5.csv")
    np.savetxt(data, np.column_stack([x, label]), delimiter=",", fmt="%.17g")
    out = subprocess.run([conic, "nn", "conv", "--circular", "--data", data, "--beta", str(beta), "--json", "--quiet"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    r = json.loads(out.stdout)
    optimum = r["fourier"]["value"]
    patches = np.stack([np.roll(x, -k, axis=1) for k in range(d)])  # X_k = X S^k: column j is column (j + k) mod d
    k = patches.shape[0]
    print(f"== Fig. 5 (ICML 2020), circular linear CNN: digits' middle pixel rows, n = {n}, d = h = {d}, m = {width}, beta = {beta} ==")
    print(f"Fourier program (14): {optimum:.8e} ({r['fourier']['solve_time']:.4f} s); nuclear norm (12) {r['nuclear_norm']['value']:.8e}, "
          f"SDP (11) {r['sdp']['value']:.8e}")
    colours = ["#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"]
    series, finals = [], []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        u, a = 0.1 * rng.standard_normal((d, width)), 0.1 * rng.standard_normal((k, width))
        params, moments = [u, a], [[np.zeros_like(u), np.zeros_like(u)], [np.zeros_like(a), np.zeros_like(a)]]
        lr, history = 1e-2, []
        for step in range(1, steps + 1):
            z = u @ a.T
            f = np.einsum("kni,ik->n", patches, z)
            res = f - label
            value = 0.5 * res @ res + 0.5 * beta * (np.sum(u * u) + np.sum(a * a))
            if step == 1 or step % max(1, steps // 200) == 0:
                history.append((step, value))
            dz = np.einsum("kni,n->ik", patches, res)
            grads = [dz @ a + beta * u, dz.T @ u + beta * a]
            for p_, g, mom in zip(params, grads, moments):
                mom[0] = 0.9 * mom[0] + 0.1 * g
                mom[1] = 0.999 * mom[1] + 0.001 * g * g
                p_ -= lr * (mom[0] / (1 - 0.9 ** step)) / (np.sqrt(mom[1] / (1 - 0.999 ** step)) + 1e-8)
        finals.append(value)
        series.append((f"Adam seed {seed}", colours[seed], history))
    svg_chart(series, [("Fourier program (14)", "#2ca02c", optimum)], "ICML 2020 Fig. 5: circular linear CNN, Adam against (14)",
              "iteration", "objective (13)", os.path.join(figures, "linear-cnn-fig5.svg"))
    print("Adam final objectives: " + ", ".join(f"{v:.8e}" for v in finals)
          + f"; relative excess over (14): " + ", ".join(f"{(v - optimum) / optimum:.1e}" for v in finals))


# ---------------------------------------------------------------- ICLR 2021: deep networks via convex duality

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def run_deep(conic, *args):
    return run(conic, *args, command="deep")


def regression_dir(work, name, x, y):
    """A UCI regression-layout directory (several target columns): data.txt and the index files."""
    path = os.path.join(work, name)
    os.makedirs(path, exist_ok=True)
    y = y.reshape(len(y), -1)
    np.savetxt(os.path.join(path, "data.txt"), np.hstack([x, y]), fmt="%.17g")
    with open(os.path.join(path, "index_features.txt"), "w") as f:
        f.write("\n".join(str(j) for j in range(x.shape[1])) + "\n")
    with open(os.path.join(path, "index_target.txt"), "w") as f:
        f.write("\n".join(str(x.shape[1] + j) for j in range(y.shape[1])) + "\n")
    return path


def shrink_threshold(beta, depth):
    """c*(beta, L) of BalancedShrinkage (docs/nn-deep.md), written again here to place the betas."""
    if depth == 2:
        return beta
    p0 = (beta * (depth - 2)) ** (depth / (2 * depth - 2))
    return p0 + beta * p0 ** ((2 - depth) / depth)


def beta_for_threshold(c, depth):
    low, high = 1e-12, c
    for _ in range(200):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if shrink_threshold(mid, depth) < c else (low, mid)
    return 0.5 * (low + high)


def iclr_linear(conic, work, figures, epochs):
    """Figs. 2a, 5b (two-layer linear, rank against beta), 2b and 3a (four-layer linear)."""
    rng = np.random.default_rng(0)
    n, d, k = 100, 20, 5
    x = np.linalg.qr(rng.standard_normal((n, d)))[0]          # XᵀX = I: identity covariance, exactly
    y = x @ rng.standard_normal((d, k))
    data = regression_dir(work, "linear2", x, y)
    spectrum = np.linalg.svd(x.T @ y, compute_uv=False)
    betas = np.geomspace(spectrum.min() * 0.5, spectrum.max() * 1.2, 16)
    print(f"Fig. 2a/5b: two-layer linear, n = {n}, d = {d}, m = 50, K = {k}, XᵀX = I, GD lr 0.05, {epochs} steps; singular values of XᵀY: "
          + ", ".join(f"{c:.4g}" for c in spectrum))
    print("| β | closed-form rank | GD rank W1 / W2 | closed-form objective | lower bound | GD objective | GD excess |")
    print("|---|---|---|---|---|---|---|")
    ranks, gd_ranks, sv_points, projections, agree, above = [], [], [], [], 0, 0
    for beta in betas:
        r = run_deep(conic, "--data", data, "--depth", 2, "--beta", f"{beta:.10g}", "--gd-seeds", 1, "--gd-widths", 50,
                     "--gd-epochs", epochs, "--optimizer", "gd", "--lr", 0.05, "--record-every", epochs)
        g = r["gd_runs"][0]
        excess = (g["objective"] - r["objective"]) / r["objective"]
        agree += g["layer_ranks"][0] == r["rank"]
        above += g["objective"] >= r["objective"] - 1e-12 * r["objective"]
        ranks.append((beta, r["rank"]))
        if r["rank"] == 2:
            projections.append((beta, r))
        gd_ranks.append((beta, g["layer_ranks"][0]))
        sv_points.append((beta, g["layer_singular_values"][0][:k]))
        print(f"| {beta:.4g} | {r['rank']} | {g['layer_ranks'][0]} / {g['layer_ranks'][1]} | {r['objective']:.8g} | "
              f"{r['lower_bound']:.8g} | {g['objective']:.8g} | {excess:.1e} |")
    print(f"GD rank of W1 = closed-form rank at {agree} of {len(betas)} betas; GD objective ≥ closed form at {above} of {len(betas)}.")
    for beta, r in projections:
        print(f"Fig. 5a, β = {beta:.4g} (rank {r['rank']}): Σⱼ |⟨wⱼ/‖wⱼ‖, vᵢ⟩| over GD's 50 neurons, i = 1…{k}: "
              + ", ".join(f"{v:.3g}" for v in r["gd_runs"][0]["neuron_projections"]))
    svg_chart([("closed form", COLOURS[0], ranks), ("GD, W1 (points)", COLOURS[1], gd_ranks)], [],
              "Two-layer linear: rank of W1 against β (dotted: singular values of XᵀY)", "β", "rank",
              os.path.join(figures, "deep-linear-fig2a-rank.svg"), logy=False,
              vlines=[("#888", c) for c in spectrum])
    series = []
    for i in range(k):
        series.append((f"σ{i + 1}(W1), GD (points)", COLOURS[i], [(b, sv[i]) for b, sv in sv_points if i < len(sv)]))
        series.append((f"σ{i + 1}, closed form", COLOURS[i], [(b, np.sqrt(max(spectrum[i] - b, 0))) for b in betas]))
    svg_chart(series, [], "Two-layer linear: singular values of W1 against β (Fig. 5b)", "β", "singular value",
              os.path.join(figures, "deep-linear-fig5b-singular-values.svg"), logy=False)

    # Fig. 2b / 3a: W1 5×50, W2 50×30, W3 30×40, W4 40×5.
    n, d, k, depth = 50, 5, 5, 4
    x = np.linalg.qr(rng.standard_normal((n, d)))[0]
    y = x @ rng.standard_normal((d, k)) + 0.1 * rng.standard_normal((n, k))
    data = regression_dir(work, "linear4", x, y)
    spectrum = np.linalg.svd(x.T @ y, compute_uv=False)
    # One beta per rank 4, 3, 2, 1: thresholds at the geometric means of neighbouring singular values.
    betas = [beta_for_threshold(np.sqrt(spectrum[i] * spectrum[i + 1]), depth) for i in (3, 2, 1, 0)]
    print(f"\nFig. 2b/3a: four-layer linear 5×50, 50×30, 30×40, 40×5, n = {n}, XᵀX = I; singular values of XᵀY: "
          + ", ".join(f"{c:.4g}" for c in spectrum))
    print("| β | closed-form rank | GD layer ranks (best of 3) | GD ‖Wₗ‖_F | GD ‖Wₗ‖₂ | closed-form ‖Wₗ‖_F | closed-form objective | lower bound | GD objectives |")
    print("|---|---|---|---|---|---|---|---|---|")
    history = None
    for beta in betas:
        r = run_deep(conic, "--data", data, "--depth", depth, "--beta", f"{beta:.10g}", "--gd-seeds", 3,
                     "--gd-widths", "50,30,40", "--gd-epochs", epochs, "--optimizer", "gd", "--lr", 0.05,
                     "--record-every", max(1, epochs // 100))
        g = min(r["gd_runs"], key=lambda run: run["objective"])
        fmt = lambda v: "/".join(f"{a:.4f}" for a in v)
        print(f"| {beta:.4g} | {r['rank']} | {g['layer_ranks']} | {fmt(g['layer_frobenius_norms'])} | "
              f"{fmt(g['layer_operator_norms'])} | {fmt(r['layer_frobenius_norms'])} | {r['objective']:.8g} | {r['lower_bound']:.8g} | "
              + ", ".join(f"{run['objective']:.8g}" for run in r["gd_runs"]) + " |")
        if r["rank"] == 2:
            history = (beta, g)
    if history:
        beta, g = history
        steps = [h["epoch"] for h in g["history"]]
        norms = np.array(g["frobenius_norm_history"])
        svg_chart([(f"‖W{l + 1}‖_F", COLOURS[l], list(zip(np.maximum(steps, 1), norms[:, l]))) for l in range(depth)], [],
                  f"Four-layer linear, β = {beta:.3g} (rank 2): layer norms during GD (Fig. 3a)", "step", "Frobenius norm",
                  os.path.join(figures, "deep-linear-fig3a-norms.svg"), logy=False)


def iclr_rank_one(conic, work, epochs):
    """Fig. 3b: five-layer ReLU network 10×50, 50×40, 40×30, 30×20, 20×1 on rank-one data X = c a0ᵀ, c ≥ 0."""
    rng = np.random.default_rng(1)
    n, d = 20, 10
    c, a0 = rng.uniform(0.1, 2, n), rng.standard_normal(d)
    x = np.outer(c, a0)
    y = 1.5 * c + 0.5 * rng.standard_normal(n)
    data = regression_dir(work, "rankone", x, y)
    print(f"\nFig. 3b: five-layer ReLU, widths 50, 40, 30, 20, n = {n}, d = {d}, X = c a0ᵀ (c ≥ 0 uniform on [0.1, 2], "
          f"‖a0‖ = {np.linalg.norm(a0):.3g}), y = 1.5c + 0.5·noise")
    print("| β | closed-form objective | lower bound | GD objectives (3 seeds) | GD layer ranks (best run) | GD ‖Wₗ‖_F (best run) |")
    print("|---|---|---|---|---|---|")
    for beta in (0.1, 1.0, 10.0):
        r = run_deep(conic, "--data", data, "--depth", 5, "--beta", beta, "--activation", "relu", "--gd-seeds", 3,
                     "--gd-widths", "50,40,30,20", "--gd-epochs", epochs, "--lr", 1e-3, "--record-every", epochs)
        best = min(r["gd_runs"], key=lambda g: g["objective"])
        print(f"| {beta} | {r['objective']:.8g} | {r['lower_bound']:.8g} | "
              + ", ".join(f"{g['objective']:.8g}" for g in r["gd_runs"])
              + f" | {best['layer_ranks']} | {'/'.join(f'{v:.3f}' for v in best['layer_frobenius_norms'])} |")


def iclr_spline(conic, work, figures, epochs):
    """Fig. 1 and Corollary 4.2: deep ReLU networks (bias on the last hidden layer) on 1-D data."""
    rng = np.random.default_rng(2)
    n = 10
    x = np.sort(rng.uniform(0.1, 1.0, n))
    y = rng.uniform(-1, 1, n)
    data = regression_dir(work, "spline", x[:, None], y)
    beta = 1e-3
    print(f"\nFig. 1: n = {n} points on [0.1, 1], β = {beta}, 20 neurons per hidden layer for GD (Adam, lr 1e-2, {epochs} steps), "
          "bias on the last hidden layer")
    print("| L | closed-form objective | lower bound | knots at samples | GD objectives (3 seeds) | GD ≥ closed form | process s (with GD) |")
    print("|---|---|---|---|---|---|---|")
    series = [("samples (points)", "black", list(zip(x, y)))]
    for i, depth in enumerate((2, 3, 4)):
        r = run_deep(conic, "--data", data, "--depth", depth, "--beta", beta, "--activation", "relu", "--bias",
                     "--gd-seeds", 3, "--gd-widths", ",".join(["20"] * (depth - 1)), "--gd-epochs", epochs,
                     "--lr", 1e-2, "--record-every", epochs, "--grid", 400)
        at_samples = all(min(abs(k - x)) <= 1e-7 for k in r["knots"])
        gd = [g["objective"] for g in r["gd_runs"]]
        print(f"| {depth} | {r['objective']:.8g} | {r['lower_bound']:.8g} | {at_samples} ({len(r['knots'])} knots) | "
              + ", ".join(f"{v:.6g}" for v in gd) + f" | {all(v >= r['objective'] for v in gd)} | {r['process_time']:.2f} |")
        grid = r["grid"]
        series.append((f"L = {depth}, closed form", COLOURS[i], list(zip(grid["coordinates"], grid["closed_form"]))))
        series.append((f"L = {depth}, best GD", COLOURS[i + 3], list(zip(grid["coordinates"], grid["gd"]))))
    svg_chart(series, [], f"Deep ReLU networks on 1-D data, β = {beta} (Fig. 1)", "x", "f(x)",
              os.path.join(figures, "deep-spline-fig1.svg"), logx=False, logy=False)


def iclr_digits(conic, work, figures, epochs, lr):
    """Fig. 4 on whitened digits: K = 10, L = 3, 4, 5, 50 neurons per layer. The issue asks for n = 60 ≤ d = 64, but 60
    digits span only 53 dimensions (the edge pixels are zero in all of them), so XXᵀ = I cannot hold; n = 50 (5 per
    class, rank 50) is used."""
    x, label = digits()
    rng = np.random.default_rng(3)
    train = np.concatenate([rng.choice(np.flatnonzero(label == c), 5, replace=False) for c in range(10)])
    rest = np.setdiff1d(np.arange(len(label)), train)
    test = rng.choice(rest, 300, replace=False)
    # A UCI classification layout with one fold: train = the 50, test = 300 others.
    path = os.path.join(work, "digits50")
    os.makedirs(path, exist_ok=True)
    rows = np.concatenate([train, test])
    np.savetxt(os.path.join(path, "digits50_py.dat"), x[rows], fmt="%.17g")
    np.savetxt(os.path.join(path, "labels_py.dat"), label[rows].astype(int), fmt="%d")
    np.savetxt(os.path.join(path, "folds_py.dat"), np.r_[np.zeros(50), np.ones(300)].astype(int), fmt="%d")
    beta = 0.1
    print(f"\nFig. 4 (ICLR 2021) on digits: 50 training images (5 per class), 300 test, zero-phase whitened on the training part, "
          f"one-hot targets, β = {beta}; SGD = full-batch heavy ball (momentum 0.9, lr {lr}), 3 seeds, {epochs} steps")
    print("| L | Theory objective | lower bound | SGD objectives | Theory test MSE / acc | best SGD test MSE / acc | Theory train acc |")
    print("|---|---|---|---|---|---|---|")
    series, lines = [], []
    for i, depth in enumerate((3, 4, 5)):
        widths = ",".join(["50"] * (depth - 1))
        r = run_deep(conic, "--data", path, "--fold", 0, "--whiten", "--activation", "relu", "--depth", depth, "--beta", beta,
                     "--widths", widths, "--gd-seeds", 3, "--optimizer", "sgd", "--momentum", 0.9, "--lr", lr,
                     "--gd-epochs", epochs, "--record-every", max(1, epochs // 200))
        best = min(r["gd_runs"], key=lambda g: g["objective"])
        print(f"| {depth} | {r['objective']:.6g} | {r['lower_bound']:.6g} | " + ", ".join(f"{g['objective']:.6g}" for g in r["gd_runs"])
              + f" | {r['closed_form_test_mse']:.4f} / {r['closed_form_test_accuracy']:.3f} | {best['gd_test_mse']:.4f} / "
              f"{best['gd_test_accuracy']:.3f} | {r['closed_form_train_accuracy']:.3f} |")
        series.append((f"SGD, L = {depth}", COLOURS[i], [(h["epoch"], h["objective"]) for h in best["history"] if h["epoch"] > 0]))
        lines.append((f"Theory, L = {depth}", COLOURS[i], r["objective"]))
    svg_chart(series, lines, "Whitened digits (n = 50, d = 64, K = 10): training objective (ICLR 2021 Fig. 4)", "step", "objective",
              os.path.join(figures, "deep-relu-fig4-digits.svg"))


def iclr_nuclear(conic, work, sizes, epochs):
    """Two-layer linear networks on raw digits pixels: the nuclear-norm program, conic against CVXPY + Clarabel."""
    import cvxpy as cp
    print("| size | rank | conic objective | lower bound | conic solve s | conic process s | CVXPY objective | rel. diff. "
          "| CVXPY total s | Clarabel s | Adam objectives |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, seeds, pool in sizes:
        x, label = digits(None, n)
        if pool:  # 2 × 2 average pooling: 4 × 4 images, d = 16
            x = x.reshape(n, 4, 2, 4, 2).mean(axis=(2, 4)).reshape(n, 16)
        y = np.eye(10)[label.astype(int)]
        beta = float(0.2 * np.linalg.svd(x.T @ y, compute_uv=False)[0])
        data = regression_dir(work, f"nuclear{n}-{x.shape[1]}", x, y)
        r = run_deep(conic, "--data", data, "--depth", 2, "--beta", repr(beta), "--gd-seeds", 0)
        assert r["kind"] == "nuclear-norm", r["kind"]
        start = time.perf_counter()
        w = cp.Variable((x.shape[1], 10))
        problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(x @ w - y) + beta * cp.normNuc(w)))
        problem.solve(solver="CLARABEL")
        total = time.perf_counter() - start
        runs = ""
        if seeds:
            g = run_deep(conic, "--data", data, "--depth", 2, "--beta", repr(beta), "--gd-seeds", seeds, "--gd-epochs", epochs,
                         "--gd-widths", 10, "--lr", "1e-2")
            runs = ", ".join(f"{run['objective']:.8e}" for run in g["gd_runs"]) + f" (convex ≤ all: {g['closed_form_le_gd']})"
        rel = abs(r["convex_objective"] - problem.value) / abs(problem.value)
        print(f"| n = {n}, d = {x.shape[1]}, K = 10, β = {beta:.4g} | {r['rank']} | {r['convex_objective']:.10e} | {r['lower_bound']:.10e} "
              f"| {r['solve_time']:.3f} | {r['process_time']:.2f} | {problem.value:.10e} | {rel:.1e} | {total:.2f} "
              f"| {problem.solver_stats.solve_time:.2f} | {runs} |")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["fig4", "table1", "timing", "conv", "fig5",
                                                                   "deep-linear", "deep-rank-one", "deep-spline", "deep-digits",
                                                                   "deep-nuclear", "all"])
    parser.add_argument("--conic", default=".build/release/conic")
    parser.add_argument("--figures", default="docs/figures")
    parser.add_argument("--fig4-units", type=int, default=2000)
    parser.add_argument("--fig4-epochs", type=int, default=20000)
    parser.add_argument("--table-units", type=int, default=40)
    parser.add_argument("--table-epochs", type=int, default=2000)
    parser.add_argument("--table-lr", type=float, default=1e-3)
    parser.add_argument("--fig5-steps", type=int, default=20000)
    parser.add_argument("--deep-epochs", type=int, default=20000)
    parser.add_argument("--spline-epochs", type=int, default=100000)
    parser.add_argument("--digits-epochs", type=int, default=20000)
    parser.add_argument("--digits-lr", type=float, default=3e-2)
    args = parser.parse_args()
    os.makedirs(args.figures, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if args.what in ("fig4", "all"):
            fig4(args.conic, work, args.figures, args.fig4_units, args.fig4_epochs)
        if args.what in ("table1", "all"):
            table1(args.conic, args.table_units, args.table_epochs, args.table_lr)
        if args.what in ("timing", "all"):
            timing(args.conic, work, [("n = 40, d = 3, m1 = 3", 40, 3, 3, 20), ("n = 150, d = 5, m1 = 5", 150, 5, 5, 60),
                                      ("n = 1000, d = 4, m1 = 3", 1000, 4, 3, 20)])
        if args.what in ("conv", "all"):
            conv(args.conic, work)
        if args.what in ("fig5", "all"):
            fig5(args.conic, work, args.figures, args.fig5_steps)
        if args.what in ("deep-linear", "all"):
            iclr_linear(args.conic, work, args.figures, args.deep_epochs)
        if args.what in ("deep-rank-one", "all"):
            iclr_rank_one(args.conic, work, args.deep_epochs)
        if args.what in ("deep-spline", "all"):
            iclr_spline(args.conic, work, args.figures, args.spline_epochs)
        if args.what in ("deep-digits", "all"):
            iclr_digits(args.conic, work, args.figures, args.digits_epochs, args.digits_lr)
        if args.what in ("deep-nuclear", "all"):
            iclr_nuclear(args.conic, work, [(300, 0, True), (300, 2, False), (1797, 0, False)], args.deep_epochs)


if __name__ == "__main__":
    sys.exit(main())
