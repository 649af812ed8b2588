#!/usr/bin/env bash
# Training speed of the bundled x8 network (configs/bundled/rcan_lite_x8.yaml) on one CUDA GPU, in one
# call: the engine as the config runs today (fp32, default layout, batch 64, the config's 2 loader
# workers) against tuned settings (bf16 autocast, channels-last, cores-2 loader workers (<= 14), pinned
# memory, torch.compile(mode="reduce-overhead") = CUDA graphs, and batch 256). Prints iterations/s and
# faces/s of each row and the ratio to today's (issue 20's target: >= 5x).
#
#   scripts/gpu_speed.sh                      # 200 iterations per row (a few minutes with compiling)
#   scripts/gpu_speed.sh --iterations 100 --gpu-batch 512 --json gpu_speed.json
#   scripts/gpu_speed.sh --gpu-no-compile     # when torch.compile fails or takes too long
#   scripts/gpu_speed.sh --quick              # 8 iterations per row: checks that every row runs
#
# Real CelebA faces when $FACESR_DATA/celeba exists (default ../shared/data), else in-memory random
# faces (the script says which). Extra arguments go to benchmarks/train_speed.py --gpu.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "gpu_speed: no CUDA device visible to $PY (torch.cuda.is_available() is False, or no torch)" >&2
    exit 2
fi
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,memory.total,driver_version,utilization.gpu --format=csv,noheader || true
fi
"$PY" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, 'bf16', torch.cuda.is_bf16_supported())"
exec "$PY" benchmarks/train_speed.py --gpu "$@"
