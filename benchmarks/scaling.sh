#!/usr/bin/env bash
# Parallel scaling of full `relsim run` sweeps: the mean-field, optics and microscopic sweeps at
# 1, 2, 4, 8, 16 threads, plus two independent single-thread processes side by side (what the
# machine itself delivers on two cores: the reference for the 2-thread efficiency).
# Designed to finish in < 8 minutes on a 16-core node (REPEATS=3); on 2 cores use THREADS="1 2".
#
# usage: benchmarks/scaling.sh [SUITE...]      SUITE: meanfield meanfield_four optics microscopic
#                                              (default: all four)
# env:   BUILD_DIR  build tree holding bin/relsim (default <repo>/build-bench, else <repo>/build)
#        THREADS    thread counts (default "1 2 4 8 16", capped at nproc unless OVERSUBSCRIBE=1)
#        REPEATS    runs per thread count, thread counts interleaved (default 3)
#        PAIR       1 (default): also run two single-thread processes side by side per suite
#        TMPDIR     where the HDF5 outputs go (default /tmp; deleted after each run)
#        OUT        JSON result file (default benchmarks/results/scaling-<date>-<sha>.json)
#        IDLE_PCT   before each run wait (up to IDLE_WAIT_S s, default 120) until the machine was
#                   at least IDLE_PCT % idle over one second (default 0: no wait)
#
# Per run it records relsim's own figures from the run summary: the sweep's wall time, the
# writer's busy time and the time the computation waited for it, the compute rate per thread
# (points per second of block computation per thread), and the process' elapsed time and peak
# RSS (/usr/bin/time). Efficiency(T) = T(1) / (T x T(T)) from the medians of the sweep wall
# time; "pair" efficiency = T(1 alone) / T(each of two side by side) (a machine figure).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${BUILD_DIR:-} ]]; then
  BUILD_DIR=$ROOT/build-bench
  [[ -x $BUILD_DIR/bin/relsim ]] || BUILD_DIR=$ROOT/build
fi
RELSIM=$BUILD_DIR/bin/relsim
[[ -x $RELSIM ]] || { echo "scaling.sh: $RELSIM not built" >&2; exit 1; }
NPROC=$(nproc)
REPEATS=${REPEATS:-3}
PAIR=${PAIR:-1}
TMPDIR=${TMPDIR:-/tmp}
threads=()
for t in ${THREADS:-1 2 4 8 16}; do
  if (( t <= NPROC )) || [[ ${OVERSUBSCRIBE:-0} == 1 ]]; then threads+=("$t"); fi
done
sha=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo nogit)
OUT=${OUT:-$ROOT/benchmarks/results/scaling-$(date -u +%Y-%m-%d)-$sha.json}

# suite name -> config and extra arguments
suite_args() {
  case $1 in
    meanfield)       echo "$ROOT/benchmarks/configs/tb_sweep_1e6.toml" ;;
    meanfield_four)  echo "$ROOT/benchmarks/configs/tb_sweep_1e6_four.toml" ;;
    optics)          echo "$ROOT/configs/optics/paper_device_etl_sweep.toml" ;;
    microscopic)     echo "$ROOT/configs/microscopic/eu_series.toml --set nanocrystal.count=16" ;;
    *) echo "scaling.sh: unknown suite $1" >&2; exit 2 ;;
  esac
}
suites=("$@")
(( ${#suites[@]} )) || suites=(meanfield meanfield_four optics microscopic)

IDLE_PCT=${IDLE_PCT:-0}
IDLE_WAIT_S=${IDLE_WAIT_S:-120}
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
echo "load before: $load_before; threads: ${threads[*]}; suites: ${suites[*]}" >&2
t_start=$(date +%s)

# run SUITE MODE THREADS OUTFILE -> one raw line (MODE: single, pairA, pairB)
run_one() {
  local suite=$1 mode=$2 t=$3 out=$4
  local -a args
  read -ra args <<<"$(suite_args "$suite")"
  local summary
  summary=$( { /usr/bin/time -f "PROCESS %e %M" "$RELSIM" run "${args[0]}" "${args[@]:1}" -o "$out" --force --threads "$t" --quiet; } 2>&1 )
  local points run_s busy wait rate proc rss
  points=$(sed -n 's/^\([0-9]*\) points\{0,1\} (.*/\1/p' <<<"$summary" | head -1)
  run_s=$(sed -n 's/.* failed, \([0-9.e+-]*\) s$/\1/p' <<<"$summary" | head -1)
  busy=$(sed -n 's/.*of the wall time (\([0-9.e+-]*\) s,.*/\1/p' <<<"$summary" | head -1)
  wait=$(sed -n 's/.*waited \([0-9.e+-]*\) s for it.*/\1/p' <<<"$summary" | head -1)
  rate=$(sed -n 's/.*compute \([0-9.e+-]*\) points\/s per thread.*/\1/p' <<<"$summary" | head -1)
  proc=$(sed -n 's/^PROCESS \([0-9.]*\) .*/\1/p' <<<"$summary")
  rss=$(sed -n 's/^PROCESS [0-9.]* \([0-9]*\)/\1/p' <<<"$summary")
  rm -f "$out" "$out.partial"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$suite" "$mode" "$t" "${points:-0}" "${run_s:-nan}" \
    "${busy:-0}" "${wait:-0}" "${rate:-0}" "${proc:-nan}" "${rss:-0}" >> "$raw"
  printf '%-15s %-6s threads=%-2s points=%s run=%ss writer_busy=%ss waited=%ss compute=%s pts/s/thread process=%ss load=%s\n' \
    "$suite" "$mode" "$t" "$points" "$run_s" "$busy" "$wait" "$rate" "$proc" "$(cut -d' ' -f1 /proc/loadavg)" >&2
}

for suite in "${suites[@]}"; do
  for ((r = 0; r < REPEATS; ++r)); do
    for t in "${threads[@]}"; do
      wait_idle > /dev/null
      run_one "$suite" single "$t" "$work/out.h5"
    done
    if [[ $PAIR == 1 ]] && (( NPROC >= 2 )); then  # two independent 1-thread processes at once
      wait_idle > /dev/null
      run_one "$suite" pairA 1 "$work/a.h5" & pa=$!
      run_one "$suite" pairB 1 "$work/b.h5" & pb=$!
      wait "$pa" "$pb"
    fi
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load after: $load_after; total $(( $(date +%s) - t_start )) s" >&2

/usr/bin/python3 - "$raw" "$OUT" "$load_before" "$load_after" "$sha" "$NPROC" <<'EOF'
import json, statistics, sys, time, platform, subprocess
raw, out, load_before, load_after, sha, nproc = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(raw) if l.strip()]
res = {}
for suite, mode, t, points, run_s, busy, wait, rate, proc, rss in rows:
    d = res.setdefault(suite, {"points": int(points), "single": {}, "pair": []})
    r = {"run_s": float(run_s), "writer_busy_s": float(busy), "writer_wait_s": float(wait),
         "compute_points_per_s_per_thread": float(rate), "process_s": float(proc), "max_rss_kb": int(rss)}
    if mode == "single":
        d["single"].setdefault(t, []).append(r)
    else:
        d["pair"].append(r)
med = statistics.median
print(f"{'suite':15s} {'thr':>3s} {'run med s':>9s} {'run min s':>9s} {'eff(med)':>8s} {'writer %':>8s} "
      f"{'waited s':>8s} {'pts/s/thread':>12s}")
summary = {}
for suite, d in res.items():
    s = summary.setdefault(suite, {"points": d["points"]})
    t1 = None
    for t, runs in sorted(d["single"].items(), key=lambda kv: int(kv[0])):
        k = int(t)
        rmed = med(r["run_s"] for r in runs)
        e = {"threads": k, "run_s_median": rmed, "run_s_min": min(r["run_s"] for r in runs),
             "writer_busy_fraction_median": med(r["writer_busy_s"] / r["run_s"] for r in runs),
             "writer_wait_s_median": med(r["writer_wait_s"] for r in runs),
             "compute_points_per_s_per_thread_median": med(r["compute_points_per_s_per_thread"] for r in runs),
             "runs": runs}
        if k == 1:
            t1 = rmed
        if t1:
            e["efficiency_median"] = t1 / (k * rmed)
        s[f"threads_{k}"] = e
        print(f"{suite:15s} {k:3d} {rmed:9.3f} {e['run_s_min']:9.3f} {e.get('efficiency_median', float('nan')):8.1%} "
              f"{100 * e['writer_busy_fraction_median']:8.1f} {e['writer_wait_s_median']:8.3f} "
              f"{e['compute_points_per_s_per_thread_median']:12.4g}")
    if d["pair"] and t1:
        pm = med(r["run_s"] for r in d["pair"])
        s["pair"] = {"run_s_median": pm, "efficiency_median": t1 / pm, "runs": d["pair"]}
        line = f"{suite:15s} two 1-thread processes side by side: {pm:.3f} s each (median) = {t1 / pm:.1%} of alone"
        if "threads_2" in s:
            line += f"; 2 threads reach {s['threads_2']['efficiency_median'] / (t1 / pm):.1%} of that"
            s["threads_2"]["relative_to_pair"] = s["threads_2"]["efficiency_median"] / (t1 / pm)
        print(line)
cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if l.startswith("Model name")), "")
doc = {"benchmark": "relsim_sweep_scaling", "git_sha": sha,
       "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu": model, "nproc": int(nproc),
       "platform": platform.platform(), "load_before": load_before, "load_after": load_after,
       "results": summary}
with open(out, "w") as fh:
    json.dump(doc, fh, indent=1)
    fh.write("\n")
print(f"wrote {out}")
EOF
