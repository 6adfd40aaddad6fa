#!/usr/bin/env bash
# Sweep throughput (points per second per core) and parallel efficiency 1 -> 2 threads of full
# `relsim run` sweeps (photometry on, spectra off).
#
# usage: benchmarks/scaling.sh [CONFIG...]
#   default configs: benchmarks/configs/tb_sweep_1e5.toml benchmarks/configs/tbeu_sweep_1e5.toml
# env:   BUILD_DIR  build tree (default <repo>/build-bench; must hold bin/relsim)
#        REPEATS    runs per thread count, interleaved 1,2,1,2,... (default 5)
#        THREADS    thread counts (default "1 2")
#        TMPDIR     where the HDF5 outputs go (default /tmp; deleted after each run)
#        OUT        JSON result file (default benchmarks/results/scaling-<date>-<sha>.json)
#        IDLE_PCT   before each run wait (up to IDLE_WAIT_S seconds, default 120) until the
#                   machine was at least IDLE_PCT % idle over the last second (default 0: no
#                   wait). On a shared machine IDLE_PCT=90 keeps runs out of others' builds.
#
# Two times per run: "run" is relsim's own wall time of sweep::run() (file creation, all points,
# all block writes, the best-point scan; printed in its summary line), "process" is the
# elapsed time of the whole process (/usr/bin/time: adds start-up, config parsing, exit).
# Per point per core = run time / points (1 thread). Efficiency(2) = T(1) / (2 T(2)), from the
# minima and from the medians. The load average is printed before and after: on a shared
# 2-core machine the 2-thread figure is meaningful only when the load is low (< ~0.5).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
RELSIM=$BUILD_DIR/bin/relsim
REPEATS=${REPEATS:-5}
THREADS=${THREADS:-"1 2"}
TMPDIR=${TMPDIR:-/tmp}
if [[ $# -eq 0 ]]; then
  set -- "$ROOT/benchmarks/configs/tb_sweep_1e5.toml" "$ROOT/benchmarks/configs/tbeu_sweep_1e5.toml"
fi
sha=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo nogit)
OUT=${OUT:-$ROOT/benchmarks/results/scaling-$(date -u +%Y-%m-%d)-$sha.json}
[[ -x $RELSIM ]] || { echo "scaling.sh: $RELSIM not built" >&2; exit 1; }

IDLE_PCT=${IDLE_PCT:-0}
IDLE_WAIT_S=${IDLE_WAIT_S:-120}
# Percent idle of all CPUs over one second, from /proc/stat.
idle_pct() {
  local a b
  read -ra a < /proc/stat; sleep 1; read -ra b < /proc/stat
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
  for ((i = 1; i < ${#a[@]}; ++i)); do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * idle / total : 0 ))
}
wait_idle() {
  (( IDLE_PCT > 0 )) || { echo -1; return; }
  local waited=0 p
  while p=$(idle_pct); (( p < IDLE_PCT && waited < IDLE_WAIT_S )); do waited=$((waited + 1)); done
  echo "$p"
}

work=$(mktemp -d "$TMPDIR/relsim-scaling.XXXXXX")
trap 'rm -rf "$work"' EXIT
raw=$work/raw.tsv
: > "$raw"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load before: $load_before" >&2

for cfg in "$@"; do
  for ((r = 0; r < REPEATS; ++r)); do
    for t in $THREADS; do
      out=$work/out.h5
      idle=$(wait_idle)
      summary=$( { /usr/bin/time -f "PROCESS %e %M" "$RELSIM" run "$cfg" -o "$out" --force --threads "$t" --quiet; } 2>&1 )
      points=$(sed -n 's/^\([0-9]*\) points (.*/\1/p' <<<"$summary")
      failed=$(sed -n 's/.* \([0-9]*\) failed, .*/\1/p' <<<"$summary")
      run_s=$(sed -n 's/.* failed, \([0-9.e+-]*\) s$/\1/p' <<<"$summary")
      proc_s=$(sed -n 's/^PROCESS \([0-9.]*\) .*/\1/p' <<<"$summary")
      rss_kb=$(sed -n 's/^PROCESS [0-9.]* \([0-9]*\)/\1/p' <<<"$summary")
      rm -f "$out" "$out.partial"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$t" "$points" "$failed" "$run_s" "$proc_s" "$rss_kb" "$idle" >> "$raw"
      printf '%s threads=%s points=%s failed=%s run=%ss process=%ss rss=%sKB idle_before=%s%% load=%s\n' \
        "$(basename "$cfg")" "$t" "$points" "$failed" "$run_s" "$proc_s" "$rss_kb" "$idle" \
        "$(cut -d' ' -f1 /proc/loadavg)" >&2
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load after: $load_after" >&2

/usr/bin/python3 - "$raw" "$OUT" "$load_before" "$load_after" "$sha" <<'EOF'
import json, statistics, sys, time, platform, subprocess
raw, out, load_before, load_after, sha = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(raw) if l.strip()]
res = {}
for cfg, t, points, failed, run_s, proc_s, rss, idle in rows:
    d = res.setdefault(cfg, {"points": int(points), "runs": {}})
    d["runs"].setdefault(t, []).append({"run_s": float(run_s), "process_s": float(proc_s),
                                        "failed": int(failed), "max_rss_kb": int(rss),
                                        "idle_pct_before": int(idle)})
print(f"{'config':28s} {'thr':>3s} {'run min s':>9s} {'run med s':>9s} {'us/pt/core min':>14s} "
      f"{'us/pt/core med':>14s} {'pts/s/core med':>14s} {'proc med s':>10s} {'eff(min)':>8s} {'eff(med)':>8s}")
summary = {}
for cfg, d in res.items():
    n = d["points"]
    s = summary.setdefault(cfg, {"points": n})
    t1 = None
    for t, runs in sorted(d["runs"].items(), key=lambda kv: int(kv[0])):
        rmin = min(r["run_s"] for r in runs)
        rmed = statistics.median(r["run_s"] for r in runs)
        pmed = statistics.median(r["process_s"] for r in runs)
        k = int(t)
        e = {"threads": k, "run_s_min": rmin, "run_s_median": rmed, "process_s_median": pmed,
             "us_per_point_per_core_min": 1e6 * rmin * k / n,
             "us_per_point_per_core_median": 1e6 * rmed * k / n,
             "points_per_s_per_core_median": n / (rmed * k),
             "failed": max(r["failed"] for r in runs), "runs": runs}
        if k == 1:
            t1 = (rmin, rmed)
        elif t1:
            e["efficiency_min"] = t1[0] / (k * rmin)
            e["efficiency_median"] = t1[1] / (k * rmed)
        s[f"threads_{k}"] = e
        print(f"{cfg.split('/')[-1]:28s} {k:3d} {rmin:9.3f} {rmed:9.3f} {e['us_per_point_per_core_min']:14.2f} "
              f"{e['us_per_point_per_core_median']:14.2f} {e['points_per_s_per_core_median']:14.0f} {pmed:10.3f} "
              + (f"{e['efficiency_min']:8.1%} {e['efficiency_median']:8.1%}" if "efficiency_min" in e else ""))
cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if l.startswith("Model name")), "")
doc = {"benchmark": "relsim_sweep_scaling", "git_sha": sha,
       "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
       "cpu": model, "platform": platform.platform(), "load_before": load_before,
       "load_after": load_after, "results": summary}
with open(out, "w") as fh:
    json.dump(doc, fh, indent=1)
    fh.write("\n")
print(f"wrote {out}")
EOF
