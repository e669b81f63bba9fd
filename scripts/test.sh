#!/usr/bin/env bash
# Installs what the package needs and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift test "$@"
