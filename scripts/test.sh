#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest). Fails when a test fails.
# Usage: scripts/test.sh [preset]   presets: default, asan (ASan+UBSan), tsan
#        PADDOCK_TEST_ARGS="-LE slow" scripts/test.sh   # the quick suite only
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"

scripts/install-deps.sh
scripts/npm-deps.sh
scripts/build.sh "$preset"
# shellcheck disable=SC2086
ctest --preset "$preset" -j "$(nproc)" ${PADDOCK_TEST_ARGS:-}
