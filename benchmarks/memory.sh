#!/usr/bin/env bash
# Peak resident memory (/usr/bin/time -f %M) of `relsim run` against the grid size, spectra off.
#
# usage: benchmarks/memory.sh [SIZE...]        (default: 1e4 1e5 1e6 1e7)
# env:   BUILD_DIR  build tree (default <repo>/build-bench; must hold bin/relsim)
#        THREADS    --threads (default 1)
#        TMPDIR     where configs and HDF5 outputs go (default /tmp). The output of 1e7 points
#                   is ~3.6 GB; it is deleted right after its run. The free space is checked
#                   first (needs ~450 bytes per point).
#        OUT        JSON result file (default benchmarks/results/memory-<date>-<sha>.json)
#
# Each size N is the Tb grid of benchmarks/configs/tb_sweep_1e5.toml with its outer
# (quench_s.5D4) axis resized to N / 250 points; the inner J axis keeps 250 points.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
RELSIM=$BUILD_DIR/bin/relsim
THREADS=${THREADS:-1}
TMPDIR=${TMPDIR:-/tmp}
TEMPLATE=$ROOT/benchmarks/configs/tb_sweep_1e5.toml
sha=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo nogit)
OUT=${OUT:-$ROOT/benchmarks/results/memory-$(date -u +%Y-%m-%d)-$sha.json}
[[ -x $RELSIM ]] || { echo "memory.sh: $RELSIM not built" >&2; exit 1; }
if [[ $# -eq 0 ]]; then set -- 1e4 1e5 1e6 1e7; fi

work=$(mktemp -d "$TMPDIR/relsim-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT
raw=$work/raw.tsv
: > "$raw"

for size in "$@"; do
  n=$(/usr/bin/python3 -c "print(int(float('$size')))")
  outer=$(( n / 250 ))
  (( outer >= 1 && outer * 250 == n )) || { echo "memory.sh: $size is not a multiple of 250" >&2; exit 1; }
  cfg=$work/mem_$n.toml
  # Absolute ion file path (the config no longer sits next to configs/), outer axis resized.
  sed -e "s#^ion_file = \"../../configs/ions/#ion_file = \"$ROOT/configs/ions/#" \
      -e "/^key = \"dopant.0.quench_s.5D4\"/,/^points/ s/^points = .*/points = $outer/" \
      -e "s/^title = .*/title = \"bench: memory, $n points\"/" "$TEMPLATE" > "$cfg"
  need_kb=$(( n * 450 / 1024 + 65536 ))
  avail_kb=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
  if (( avail_kb < need_kb )); then
    echo "memory.sh: $n points need ~$((need_kb / 1024)) MB in $work, only $((avail_kb / 1024)) MB free; skipped" >&2
    continue
  fi
  out=$work/mem_$n.h5
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  summary=$( { /usr/bin/time -f "PROCESS %e %M" "$RELSIM" run "$cfg" -o "$out" --force --threads "$THREADS" --quiet; } 2>&1 )
  rss_kb=$(sed -n 's/^PROCESS [0-9.]* \([0-9]*\)/\1/p' <<<"$summary")
  proc_s=$(sed -n 's/^PROCESS \([0-9.]*\) .*/\1/p' <<<"$summary")
  run_s=$(sed -n 's/.* failed, \([0-9.e+-]*\) s$/\1/p' <<<"$summary")
  failed=$(sed -n 's/.* \([0-9]*\) failed, .*/\1/p' <<<"$summary")
  bytes=$(stat -c %s "$out" 2>/dev/null || echo 0)
  rm -f "$out" "$out.partial"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$rss_kb" "$proc_s" "$run_s" "$failed" "$bytes" "$load" >> "$raw"
  printf '%10d points: max RSS %7.1f MB, process %s s, run %s s, %s failed, file %.1f MB (load %s)\n' \
    "$n" "$(bc -l <<<"$rss_kb/1024")" "$proc_s" "$run_s" "$failed" "$(bc -l <<<"$bytes/1048576")" "$load" >&2
done

/usr/bin/python3 - "$raw" "$OUT" "$sha" "$THREADS" <<'EOF'
import json, sys, time, platform
raw, out, sha, threads = sys.argv[1:]
rows = []
for l in open(raw):
    n, rss, proc, run, failed, size, load = l.rstrip("\n").split("\t")
    rows.append({"points": int(n), "max_rss_kb": int(rss), "max_rss_mb": int(rss) / 1024,
                 "process_s": float(proc), "run_s": float(run), "failed": int(failed),
                 "file_bytes": int(size), "load": load})
doc = {"benchmark": "relsim_sweep_memory", "git_sha": sha, "threads": int(threads),
       "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
       "platform": platform.platform(), "results": rows}
with open(out, "w") as fh:
    json.dump(doc, fh, indent=1)
    fh.write("\n")
print(f"{'points':>10s} {'max RSS MB':>10s} {'run s':>8s} {'file MB':>9s}")
for r in rows:
    print(f"{r['points']:10d} {r['max_rss_mb']:10.1f} {r['run_s']:8.2f} {r['file_bytes'] / 2**20:9.1f}")
print(f"wrote {out}")
EOF
