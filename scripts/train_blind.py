#!/usr/bin/env python3
"""The recipe of the bundled blind restorer ``bfr-lite`` (docs/bundled.md), in three steps:

    python scripts/train_blind.py init                  # runs/bfr_init.safetensors from rcan-lite x4
    facesr train configs/bundled/bfr_lite.yaml train.time_limit=T1           # stage 1: pixel loss
    python scripts/train_blind.py export runs/bfr_lite runs/bfr_stage1.safetensors
    facesr train configs/bundled/bfr_lite_quality.yaml train.time_limit=T2   # stage 2: LPIPS + GAN
    python scripts/train_blind.py export runs/bfr_lite_quality runs/bfr_stage2.safetensors
    python scripts/train_blind.py ship runs/bfr_stage1.safetensors runs/bfr_stage2.safetensors

``init`` builds the BFR network (6 groups x 8 RCABs x 32 features) and starts its trunk and x4
upsampler from the bundled ``rcan-lite`` x4 (``BFR.from_rcan``: head spread over the 16 sub-pixel
phases, last conv zero, so the untrained network is the identity). ``export`` writes a run's EMA
generator (``last.pt``) as safetensors. ``ship`` copies the two ends into ``src/facesr/weights/`` as
``bfr_lite.safetensors`` (fidelity end) and ``bfr_lite_quality.safetensors`` (quality end).
Stages resume with ``--resume`` (the engine re-plans the cosine schedule to a new time limit).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = {"n_resgroups": 6, "n_resblocks": 8, "n_feats": 32, "reduction": 8}


def init(out: Path) -> None:
    import json

    from safetensors.torch import load_file, save_file

    from facesr.models import create
    from facesr.models.weights import pretrained_weights

    net = create("bfr", 1, seed=0, **OPTIONS)
    copied = net.from_rcan(load_file(str(pretrained_weights("rcan-lite", 4))))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(out),
              metadata={"format": "facesr-weights-1", "model": "bfr", "scale": "1", "options": json.dumps(OPTIONS)})
    print(f"wrote {out} ({len(copied)} tensors from rcan-lite x4)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("init")
    p.add_argument("--out", type=Path, default=Path("runs/bfr_init.safetensors"))
    p = sub.add_parser("export")
    p.add_argument("run", type=Path)
    p.add_argument("out", type=Path)
    p = sub.add_parser("ship")
    p.add_argument("fidelity", type=Path)
    p.add_argument("quality", type=Path, nargs="?")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.cmd == "init":
        init(args.out)
    elif args.cmd == "export":
        from facesr.training.export import export_weights

        export_weights(args.run / "checkpoints" / "last.pt", args.out)
        print(f"wrote {args.out}")
    else:
        dest = ROOT / "src" / "facesr" / "weights"
        shutil.copyfile(args.fidelity, dest / "bfr_lite.safetensors")
        if args.quality:
            shutil.copyfile(args.quality, dest / "bfr_lite_quality.safetensors")
        print(f"shipped into {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
