#!/usr/bin/env bash
# Regenerates the README figures: runs relsim on the full configs (notebooks 02, 03; 01 and 04
# solve theirs with the Python module), executes the notebooks in
# notebooks/ against those files (headless, on Debian's /usr/bin/python3) and copies the
# roll-off, exciton-fate and CIE figures to docs/images/.
#
#   scripts/make_figures.sh
#
# Environment (all optional):
#   RELSIM               the relsim executable (default build/bin/relsim; built when missing)
#   RELSIM_NB_PYTHON     Python with numpy, h5py, matplotlib, scipy, nbclient, ipykernel
#                        (default /usr/bin/python3)
#   RELSIM_NB_OUT        work folder (default out/notebooks: data/, figures/, executed/)
#   RELSIM_COLOUR_CONFIG the colour-series config (default: a configs/paper/ colour series with
#                        saved spectra if there is one, else notebooks/configs/colour_series.toml)
set -euo pipefail
cd "$(dirname "$0")/.."

RELSIM=${RELSIM:-build/bin/relsim}
PYTHON=${RELSIM_NB_PYTHON:-/usr/bin/python3}
OUT=${RELSIM_NB_OUT:-out/notebooks}

if [[ ! -x $RELSIM ]]; then
  echo "== building relsim"
  cmake --build build --target relsim -j2
fi

if [[ -n ${RELSIM_COLOUR_CONFIG:-} ]]; then
  COLOUR=$RELSIM_COLOUR_CONFIG
else
  COLOUR=notebooks/configs/colour_series.toml
  shopt -s nullglob
  for f in configs/paper/*colo*r*.toml; do
    # a zipped sweep with saved spectra
    if grep -Eq '^[[:space:]]*save[[:space:]]*=[[:space:]]*true' "$f" && grep -Eq '^[[:space:]]*keys[[:space:]]*=' "$f"; then
      COLOUR=$f
      break
    fi
  done
  shopt -u nullglob
fi

mkdir -p "$OUT/data" "$OUT/figures" "$OUT/executed"
run() {
  echo "== relsim run $1 -o $OUT/data/$2"
  "$RELSIM" run -q --force "$1" -o "$OUT/data/$2"
}
# notebooks 01 and 04 solve their configs with the relsim Python module (build/python)
if [[ ! -f build/python/relsim/__init__.py ]]; then
  echo "== building the relsim Python module"
  cmake --build build --target relsim_python -j2
fi
export RELSIM_PYTHON=${RELSIM_PYTHON:-$PWD/build/python}
run "$COLOUR" colour_series.h5
run notebooks/configs/sweep_map.toml sweep_map.h5
run notebooks/configs/transient.toml transient.h5
run configs/optics/paper_device_etl_sweep.toml optics_etl.h5
run configs/optics/eu_above_silver.toml optics_silver.h5
# notebook 10 (docs/lifetime.md): the shipped lifetime studies and two small sweeps
run configs/lifetime/tb_lifetime.toml lifetime_tb.h5
run configs/lifetime/tb_eu_lifetime.toml lifetime_tbeu.h5
run configs/lifetime/tb_transport_lifetime.toml lifetime_transport.h5
run notebooks/configs/small_lifetime_jsweep.toml lifetime_jsweep.h5
run notebooks/configs/small_inventory_tb_fraction.toml inventory_tb_fraction.h5
echo "== relsim fit configs/fit/tb_fit.toml -o $OUT/data/tb_fit.h5"
"$RELSIM" fit -q configs/fit/tb_fit.toml -o "$OUT/data/tb_fit.h5"

echo "== executing the notebooks ($PYTHON)"
"$PYTHON" notebooks/run_notebooks.py --data "$OUT/data" --figures "$OUT/figures" \
  --executed "$OUT/executed" --jobs 2

mkdir -p docs/images
cp "$OUT/figures/01_eqe_rolloff.png" docs/images/eqe_rolloff.png
cp "$OUT/figures/01_exciton_fates.png" docs/images/exciton_fates.png
cp "$OUT/figures/02_cie.png" docs/images/cie_colour_series.png
for f in 06_optics_factors 06_optics_eqe_cie 06_optics_red_orange 06_optics_silver_lifetime; do
  cp "$OUT/figures/$f.png" "docs/images/$f.png"  # docs/optics.md
done
cp "$OUT/figures/07_fit_residuals.png" docs/images/fit_residuals.png
cp "$OUT/figures/07_fit_correlation.png" docs/images/fit_correlation.png
cp "$OUT/figures/10_transport_lifetime.png" docs/images/10_transport_lifetime.png  # docs/lifetime.md
echo "== figures: $OUT/figures/ (all), docs/images/{eqe_rolloff,exciton_fates,cie_colour_series}.png"
