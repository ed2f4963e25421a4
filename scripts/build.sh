#!/usr/bin/env bash
# Configures and builds paddock with a CMake preset (default: "default", into build/).
# Usage: scripts/build.sh [preset]     presets: default, asan, tsan (see CMakePresets.json)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
