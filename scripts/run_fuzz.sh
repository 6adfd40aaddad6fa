#!/usr/bin/env bash
# Fuzzes the config reader and checker (fuzz/fuzz_config.cpp, libFuzzer + ASan + UBSan, preset
# `fuzz`, clang-14): first replays every saved crash input in tests/fuzz/crashes/ (each must now
# be answered without a crash), then fuzzes for RELSIM_FUZZ_SECONDS (default 60) seconds from
# the shipped configs. A new crash is written to build-fuzz/artifacts/ and fails the script:
# fix it, then add the input to tests/fuzz/crashes/ so that every later run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${RELSIM_FUZZ_SECONDS:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target relsim_fuzz_config
bin=build-fuzz/bin/relsim_fuzz_config
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

shopt -s nullglob
crashes=(tests/fuzz/crashes/*)
if ((${#crashes[@]})); then
  echo "fuzz: replaying ${#crashes[@]} saved inputs from tests/fuzz/crashes/"
  "$bin" -rss_limit_mb=2048 -timeout=10 "${crashes[@]}" 2>&1 | tail -n 3
fi

seeds=build-fuzz/seeds corpus=build-fuzz/corpus
rm -rf "$seeds" build-fuzz/artifacts
mkdir -p "$seeds" "$corpus" build-fuzz/artifacts
cp configs/*.toml configs/paper/*.toml configs/ions/*.toml "$seeds"/
echo "fuzz: ${seconds} s from $(ls "$seeds" | wc -l) shipped configs (corpus kept in $corpus)"
"$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ "$corpus" "$seeds" 2>&1 | tail -n 8
