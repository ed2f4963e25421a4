#!/usr/bin/env bash
# Configures and builds paddock with a CMake preset (default: "default", into build/).
# Usage: scripts/build.sh [preset] [target...]   presets: default, asan, tsan (CMakePresets.json)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
shift || true
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}"
