#!/usr/bin/env bash
# Installs what the package needs, builds `conic` and solves the bundled example problem.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product conic
.build/release/conic solve "${1:-Examples/portfolio.qps}" --verbose
