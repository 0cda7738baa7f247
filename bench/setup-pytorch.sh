#!/bin/sh
# Installs the PyTorch CPU reference for bench/speed-compare.mjs and bench/*-pytorch.py:
# Debian's python3-torch and the pthread build of OpenBLAS (a multi-threaded BLAS for torch's
# matmul). Idempotent: does nothing when both are installed. Needs root (or sudo) and apt.
set -eu
missing=""
for package in python3-torch libopenblas0-pthread; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done
if [ -n "$missing" ]; then
  run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  run apt-get update
  # shellcheck disable=SC2086
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'
