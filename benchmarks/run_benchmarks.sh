#!/usr/bin/env bash
# Runs the Google Benchmark micro benchmarks (bench_model) and writes
#   benchmarks/results/<UTC date>-<git short sha>.json
# (Google Benchmark JSON: its context -- CPU, caches, load, library build type -- plus ours:
# git sha and dirty flag, compiler, CMAKE_BUILD_TYPE, load average before and after).
#
# usage: benchmarks/run_benchmarks.sh [extra Google Benchmark flags, e.g. --benchmark_filter=rhs]
# env:   BUILD_DIR    build tree (default <repo>/build-bench; configured and built if missing)
#        REPETITIONS  repetitions per benchmark (default 5; the JSON keeps mean/median/stddev/cv/min)
#        MIN_TIME     --benchmark_min_time per repetition in seconds (default 0.5)
#        OUT          output file (default benchmarks/results/<date>-<sha>.json)
# Only read-only git commands are used (rev-parse, status).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
REPETITIONS=${REPETITIONS:-5}
MIN_TIME=${MIN_TIME:-0.5}

if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DRELSIM_BUILD_BENCHMARKS=ON -DRELSIM_BUILD_TESTS=OFF
fi
cmake --build "$BUILD_DIR" --target bench_model relsim

sha=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo nogit)
dirty=0
if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null || true) ]]; then dirty=1; fi
date=$(date -u +%Y-%m-%d)
OUT=${OUT:-$ROOT/benchmarks/results/$date-$sha.json}
mkdir -p "$(dirname "$OUT")"

cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt" | head -n1; }
build_type=$(cache_get CMAKE_BUILD_TYPE)
cxx=$(cache_get CMAKE_CXX_COMPILER)
cxx_version=$("$cxx" --version | head -n1)
flags="$(cache_get CMAKE_CXX_FLAGS) $(cache_get "CMAKE_CXX_FLAGS_${build_type^^}")"
cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)
cpu_id=$(awk -F': *' '/^cpu family/ { f = $2 } /^model\t/ { m = $2 } END { printf "family %s model %s", f, m }' /proc/cpuinfo)
# Google Benchmark reads the caches from /sys/devices/system/cpu/cpu0/cache, which some VMs lack;
# getconf's view (cpuid) is recorded as well.
caches=$(getconf -a | awk '$1 ~ /^LEVEL[1-3]_(I|D|)CACHE_SIZE$/ && $2 != "" { printf "%s %d KiB; ", $1, $2 / 1024 }')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "bench_model: $REPETITIONS repetitions x ${MIN_TIME}s, load before: $load_before" >&2
# Context values must not contain ',' (the flag's separator) or '='.
ctx() { printf '%s' "$1" | tr ',=' ';:'; }
"$BUILD_DIR/bin/bench_model" \
  --benchmark_repetitions="$REPETITIONS" \
  --benchmark_min_time="$MIN_TIME" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$OUT" --benchmark_out_format=json \
  --benchmark_context="git_sha=$(ctx "$sha"),git_dirty=$dirty,build_type=$(ctx "$build_type"),compiler=$(ctx "$cxx_version"),cxx_flags=$(ctx "$flags"),cpu_model=$(ctx "$cpu_model"),cpu_id=$(ctx "$cpu_id"),caches_getconf=$(ctx "$caches"),load_before=$(ctx "$load_before")" \
  "$@"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Record the load after the run in the JSON context too.
/usr/bin/python3 - "$OUT" "$load_after" <<'EOF'
import json, sys
path, load = sys.argv[1], sys.argv[2]
with open(path) as fh:
    data = json.load(fh)
data["context"]["load_after"] = load
with open(path, "w") as fh:
    json.dump(data, fh, indent=1)
    fh.write("\n")
EOF
echo "load after: $load_after; wrote $OUT" >&2
