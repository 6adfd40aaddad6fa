#!/usr/bin/env bash
# One command from a fresh Debian machine to results: installs what is missing, builds relsim
# in Release and runs the shipped Tb device (a current sweep for the roll-off curve).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target relsim
mkdir -p out
./build/bin/relsim run configs/tb_device.toml -o out/tb_device.h5 --force "$@"  # --force: rerunning replaces the file
