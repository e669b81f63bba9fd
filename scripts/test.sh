#!/usr/bin/env bash
# Installs what the package needs and runs the whole test suite: the Swift tests in a debug build,
# the slow end-to-end tests (tagged `.slow`, skipped by the debug run) in a release build, then the
# Python package's tests (built against the debug library the Swift tests compiled).
# CONIC_SLOW_TESTS=0 leaves out the release run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift test "$@"
if [ "${CONIC_SLOW_TESTS:-}" != "0" ]; then
  # The names come from the sources: `swift test --filter` has no tag filter in this toolchain.
  swift test -c release --filter "$(bash scripts/slow-tests.sh)"
fi
bash scripts/install-python.sh --debug
# From the repository root, so that `import conic` finds the installed package (with its library),
# not the python/ source directory.
python3 -m pytest -q python/tests
