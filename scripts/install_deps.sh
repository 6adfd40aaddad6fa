#!/usr/bin/env bash
# Installs the Debian packages relsim needs, only those missing. Needs root (or sudo).
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config
          libeigen3-dev libboost-dev libhdf5-dev catch2 libtomlplusplus-dev libcli11-dev
          libfmt-dev libopenmpi-dev openmpi-bin
          libceres-dev pybind11-dev python3-pybind11 python3-dev python3-xarray python3-pytest
          clang-14 clang-format-14 libfuzzer-14-dev libclang-rt-14-dev
          python3 python3-numpy python3-h5py python3-scipy python3-matplotlib
          python3-nbclient python3-nbformat python3-ipykernel jupyter-nbconvert)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "relsim: installing missing Debian packages: ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
