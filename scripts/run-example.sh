#!/usr/bin/env bash
# Installs what the package needs, builds `conic`, solves the bundled example problem and trains
# the bundled small network exactly, with its certificate (convex program and cutting plane), then
# installs the Python package (python/) and runs Examples/python/quickstart.py.
#   scripts/run-example.sh [PROBLEM_FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product conic
.build/release/conic solve "${1:-Examples/portfolio.qps}" --verbose
echo
echo "== exact training of a two-layer ReLU network (ICML 2020 Fig. 2 data, all arrangements) =="
.build/release/conic nn train --data Examples/icml2020-fig2.csv --beta 0.01 --bias --patterns exact
echo
echo "== the same data with a free bias: cutting plane on the semi-infinite dual (exact oracle) =="
.build/release/conic nn cutting-plane --data Examples/icml2020-fig2.csv --beta 0.01 --bias --oracle exact
echo
echo "== the Python package (python/, built against the release library): solve, CVXPY, train =="
bash scripts/install-python.sh
python3 Examples/python/quickstart.py
