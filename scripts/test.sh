#!/usr/bin/env bash
# Installs what the package needs and runs the whole test suite: the Swift tests, then the Python
# package's (built against the debug library the Swift tests compiled).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift test "$@"
bash scripts/install-python.sh --debug
# From the repository root, so that `import conic` finds the installed package (with its library),
# not the python/ source directory.
python3 -m pytest -q python/tests
