#!/usr/bin/env bash
# Prints a `swift test --filter` regular expression matching the slow end-to-end tests: the Swift
# Testing tests tagged `.slow` (the `func` after the trait) and the XCTest tests that skip with
# `XCTSkipUnless(SlowTests.enabled, …)` (the `func` they start). `swift test --filter` has no tag
# filter in this toolchain, so the names are read from the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
find Tests -name '*.swift' -print0 | sort -z | xargs -0 awk '
  /\.tags\(\.slow\)/ { pending = 1 }
  match($0, /func [A-Za-z_][A-Za-z0-9_]*/) {
    name = substr($0, RSTART + 5, RLENGTH - 5)
    if (pending) { print name; pending = 0 }
    last = name
  }
  /XCTSkipUnless\(SlowTests\.enabled/ { print last }
' | sort -u | paste -sd'|' -
