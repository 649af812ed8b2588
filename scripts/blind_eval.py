#!/usr/bin/env python3
"""The blind-restoration targets of bfr-lite on held-out faces (docs/bundled.md): degraded tracks of
celeba1000 / helen50 (and the held-out UTKFace slice), scored under the ``facesr`` protocol.

Tracks: ``blind`` (Table 8 chain, Eq. 5) at x4 and x8, the restore-only track x1 (the same chain at
scale 1), ``realworld`` x4 (second-order chain), and the clean bicubic x8 track. Rows: bicubic (the
degraded LR bicubic-upsampled; at x1 the degraded face itself), rcan-lite where it has the scale, and
bfr-lite at each ``--fidelity``. LR faces are seeded per face (``image_seed(seed, name)``), so every
row sees the same inputs.

    python scripts/blind_eval.py --dataset celeba1000 --limit 300 --fidelity 1,0.5,0 --json out.json
    python scripts/blind_eval.py --limit 300 --fidelity 1,0.75 --flip   # also the flip self-ensemble rows
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

TRACKS = {"blind_x4": ("blind", 4), "blind_x8": ("blind", 8), "blind_x1": ("blind", 1),
          "realworld_x4": ("realworld", 4), "clean_x8": ("bicubic", 8)}


def hr_faces(dataset: str, limit: int | None, start: int = 0) -> tuple[list[str], np.ndarray]:
    """Names and uint8 HR faces of a named test set (celeba1000, helen50) or a folder, sorted by name."""
    from facesr.io import IMAGE_SUFFIXES, read_image
    from facesr.paths import data_root

    if dataset == "utkface-heldout":  # UTKFace [9000, 9780): never trained on (the training slice is [0, 9000))
        from facesr.data import open_dataset
        from facesr.data.source import ReaderSource

        src = ReaderSource(open_dataset("utkface"), size=128, read_lr=False)
        idx = list(range(9000 + start, len(src)))[:limit]
        samples = [src.sample(i) for i in idx]
        return [s.key for s in samples], np.stack([s.hr for s in samples])
    named = {"celeba1000": "celeba1000/HR", "helen50": "helen50/HR"}
    folder = data_root() / named[dataset] if dataset in named else Path(dataset)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    files = files[start:] if limit is None else files[start : start + limit]
    return [p.stem for p in files], np.stack([read_image(p) for p in files])


def degrade_all(hr: np.ndarray, names: list[str], preset: str, scale: int, seed: int) -> np.ndarray:
    from facesr.degradation import build_degradation, image_seed
    from facesr.metrics import get_protocol

    if preset == "bicubic":
        return get_protocol("facesr").make_lr(hr, scale)
    deg = build_degradation(preset, float(scale))
    return np.stack([deg(f, image_seed(seed, n))[0] for f, n in zip(hr, names)])


def score(sr: np.ndarray, hr: np.ndarray, metrics: list[str], scale: int) -> dict[str, float]:
    import torch

    from facesr.io import uint8_to_tensor
    from facesr.metrics import create_metric

    out = {}
    a, b = uint8_to_tensor(list(sr)), uint8_to_tensor(list(hr))
    for m in metrics:
        metric = create_metric(m, "facesr", max(scale, 1))
        vals = []
        with torch.no_grad():
            for i in range(0, len(a), 50):
                vals.append(metric(a[i : i + 50], b[i : i + 50]).double())
        out[m] = float(torch.cat(vals).mean())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", default="celeba1000")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--tracks", default=",".join(TRACKS))
    ap.add_argument("--fidelity", default="1,0.5,0")
    ap.add_argument("--metrics", default="psnr,ssim,lpips_alex,identity_cos")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--weights", help="bfr fidelity-end weights instead of the bundled file")
    ap.add_argument("--quality", help="bfr quality-end weights instead of the bundled file")
    ap.add_argument("--flip", action="store_true", help="also score each bfr-lite row as a flip self-ensemble")
    ap.add_argument("--json", metavar="F")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from facesr.metrics import get_protocol
    from facesr.ops import imresize
    from facesr.pipeline.fullsize import FullSizeRestorer, full_size_restorer
    from facesr.pipeline.restorers import make_restorer

    names, hr = hr_faces(args.dataset, args.limit, args.start)
    metrics = args.metrics.split(",")
    proto = get_protocol("facesr")
    rcan = make_restorer("rcan-lite")
    if args.weights:
        bfr = FullSizeRestorer("bfr", args.weights, quality=args.quality, name="bfr-lite")
    else:
        bfr = full_size_restorer("bfr-lite")
    fids = [float(f) for f in args.fidelity.split(",")] if bfr.has_knob else [1.0]
    results: dict = {"dataset": args.dataset, "n": len(names), "seed": args.seed, "tracks": {}}
    for track in args.tracks.split(","):
        preset, scale = TRACKS[track]
        t0 = time.perf_counter()
        lr = degrade_all(hr, names, preset, scale, args.seed)
        rows: dict[str, dict[str, float]] = {}
        base = lr if scale == 1 else proto.upsample(lr, scale)
        rows["bicubic"] = score(base, hr, metrics, scale)
        if scale in rcan.scales:
            rows["rcan-lite"] = score(rcan.restore(lr, scale), hr, metrics, scale)
        up = lr if scale == 1 else np.stack([imresize(f, scale) for f in lr])
        for f in fids:
            bfr.set_fidelity(f)
            for flip in (False, True) if args.flip else (False,):
                bfr.flip = flip
                rows[f"bfr-lite f={f:g}" + (" +flip" if flip else "")] = score(bfr.restore_full(up), hr, metrics, scale)
        results["tracks"][track] = rows
        print(f"\n{args.dataset} ({len(names)} faces) {track} ({time.perf_counter() - t0:.0f} s)")
        print(f"{'method':<24}" + "".join(f"{m:>14}" for m in metrics))
        for k, r in rows.items():
            print(f"{k:<24}" + "".join(f"{r[m]:>14.4f}" for m in metrics))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
