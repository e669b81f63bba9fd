#!/usr/bin/env python3
"""Synthetic regression data from a random two-layer ReLU teacher, written as CSV (target last).

    y = relu(X U) a + noise·ε,   X, U, a, ε standard normal, U of shape d × width

    python3 Benchmarks/nn_teacher_data.py --n 2000 --d 50 [--width 10] [--noise 0.1] [--seed 0] --output FILE.csv
"""
import argparse

import numpy as np


def teacher_data(n, d, width=10, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    u = rng.standard_normal((d, width)) / np.sqrt(d)
    a = rng.standard_normal(width)
    y = np.maximum(x @ u, 0) @ a + noise * rng.standard_normal(n)
    return x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, required=True, help="samples")
    parser.add_argument("--d", type=int, required=True, help="features")
    parser.add_argument("--width", type=int, default=10, help="teacher's hidden neurons (default 10)")
    parser.add_argument("--noise", type=float, default=0.1, help="standard deviation of the label noise (default 0.1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", required=True, help="CSV file to write")
    args = parser.parse_args()
    x, y = teacher_data(args.n, args.d, args.width, args.noise, args.seed)
    header = ",".join([f"x{j}" for j in range(args.d)] + ["y"])
    np.savetxt(args.output, np.column_stack([x, y]), delimiter=",", fmt="%.17g", header=header, comments="")


if __name__ == "__main__":
    main()
