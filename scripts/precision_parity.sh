#!/usr/bin/env bash
# fp32 against bf16-autocast training: the same config, seed, data and iterations, then the celeba1000
# PSNR/SSIM of each run's EMA weights (protocol facesr). Issue: bf16 must not cost accuracy
# (docs/training.md, "fp32 and bf16 reach the same PSNR"). Both runs use channels-last so that only the
# precision differs. Usage: scripts/precision_parity.sh [ITERATIONS] [OUT]   (defaults 1500, runs/parity)
set -euo pipefail
cd "$(dirname "$0")/.."
ITERS=${1:-1500}
OUT=${2:-runs/parity}
for p in fp32 bf16; do
  facesr train configs/bundled/rcan_lite_x8.yaml "output=$OUT/$p" "train.precision=$p" train.channels_last=true \
    "train.iterations=$ITERS" data.train.batch_size=32 data.train.num_workers=0 data.val.enabled=false \
    train.checkpoint_every=500 train.log_every=100 --resume
  facesr bench --dataset celeba1000 --scales 8 --methods "rcan:$OUT/$p/checkpoints/last.pt" \
    --metrics psnr,ssim --no-cache --quiet --json "$OUT/bench_$p.json" | tee "$OUT/bench_$p.txt"
done
python - "$OUT" <<'PY'
import json, math, sys
out = sys.argv[1]
res = {}
for p in ("fp32", "bf16"):
    d = json.load(open(f"{out}/bench_{p}.json"))
    row = next(r for r in d["rows"] if r["name"] == "rcan")
    per = d["per_image"][row["method"]]["8"]
    res[p] = (row["scores"]["8"], {k: v["psnr"] for k, v in per.items()})
diff = [res["bf16"][1][k] - res["fp32"][1][k] for k in res["fp32"][1]]
mean = sum(diff) / len(diff)
se = math.sqrt(sum((x - mean) ** 2 for x in diff) / (len(diff) - 1) / len(diff))
print("| precision | PSNR | SSIM |\n|---|---|---|")
for p in ("fp32", "bf16"):
    print(f"| {p} | {res[p][0]['psnr']:.3f} | {res[p][0]['ssim']:.4f} |")
print(f"bf16 - fp32: {mean:+.4f} dB (paired standard error {se:.4f}, {len(diff)} faces); "
      f"{'within' if abs(mean) <= 0.05 else 'NOT within'} 0.05 dB")
PY
