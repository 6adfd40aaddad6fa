#!/usr/bin/env bash
# One command from a fresh Debian machine to a tested build: installs what is missing, builds
# relsim and its tests in Release and runs the whole CTest suite, then builds the MPI variant
# and runs its two-rank test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs" "$@"
cmake --preset mpi >/dev/null
cmake --build --preset mpi -j "$jobs" --target relsim
ctest --preset mpi
