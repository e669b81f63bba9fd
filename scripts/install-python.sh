#!/usr/bin/env bash
# Installs the Python package `conic` (python/; its build runs `swift build --product ConicCAPI`)
# and the packages its tests compare against (numpy, scipy, cvxpy, clarabel, pytest).
#   scripts/install-python.sh           release library (what users want)
#   scripts/install-python.sh --debug   debug library: reuses the debug build `swift test` made,
#                                       so CI adds seconds of compiling, not minutes
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=release
[ "${1:-}" = "--debug" ] && configuration=debug
if ! python3 -m pip --version >/dev/null 2>&1; then
  echo "installing python3-pip" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-pip >/dev/null
fi
# Debian's own Python refuses pip installs without this (PEP 668); other Pythons ignore it.
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore
python3 -m pip install -q --disable-pip-version-check numpy scipy cvxpy clarabel pytest
CONIC_SWIFT_CONFIGURATION=$configuration \
  python3 -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./python
