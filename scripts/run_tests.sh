#!/usr/bin/env bash
# One command from a fresh Debian machine to a tested build: installs what is missing, builds
# relsim and its tests in Release and runs the whole CTest suite, then builds the MPI variant
# and runs its two-rank test, then the C++ tests under ASan + UBSan (scripts/run_sanitizers.sh)
# and a 60 s fuzz run with replay of the saved crash inputs (scripts/run_fuzz.sh).
# RELSIM_SKIP_SANITIZERS=1 / RELSIM_SKIP_FUZZ=1 leave those two out (local runs).
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
if [[ "${RELSIM_SKIP_SANITIZERS:-0}" != 1 ]]; then bash scripts/run_sanitizers.sh; fi
if [[ "${RELSIM_SKIP_FUZZ:-0}" != 1 ]]; then bash scripts/run_fuzz.sh; fi
