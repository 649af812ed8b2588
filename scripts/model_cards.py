#!/usr/bin/env python3
"""Write the model cards of the bundled models (src/facesr/weights/<file>.md) from measured results:

    python scripts/model_cards.py --bench celeba1000.json helen50.json --speed speed.json \\
        --logs STAGE1_DIR STAGE2_DIR

``--bench``: JSON files of ``facesr bench --methods bicubic,rcan-lite --json F``; ``--speed``: JSON of
``benchmarks/bundled_speed.py --json F``; ``--logs``: run folders of the two training stages (each
holding ``rcan_lite_x<s>/train_log.csv`` and ``val_log.csv``, from ``scripts/train_bundled.py``);
``--finetune``: run folders of the fine-tuning stages from the third on (``facesr train`` output folders holding
``config.yaml`` and ``train_log.csv``; matched to a scale by the config's ``name``; several runs of one
scale are successive stages, in the order given), for the scales that had them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

METRICS = [("psnr", "PSNR (dB)", "{:.2f}"), ("ssim", "SSIM", "{:.4f}"), ("lpips", "LPIPS", "{:.4f}"),
           ("identity_cos", "identity cos", "{:.4f}"), ("landmark_nme", "landmark NME", "{:.4f}")]


GPU = "NVIDIA H200 GPU"  # the card lent for the bundled models' GPU stages


def rows_of(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def score_table(benches: list[dict], scale: int, method: str) -> str:
    lines = ["| test set | method | " + " | ".join(h for _, h, _ in METRICS) + " |",
             "|---|---|" + "---|" * len(METRICS)]
    for b in benches:
        for row in b["rows"]:
            if row["method"] not in ("bicubic", method):
                continue
            sc = row["scores"].get(str(scale), {})
            cells = [fmt.format(sc[k]) if sc.get(k) is not None else "-" for k, _, fmt in METRICS]
            name = b["dataset"].replace("_first", ", first ")
            lines.append(f"| {name} ({b['n']} faces) | {row['method']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def finetune_runs(folders: list[Path]) -> dict[str, list[dict]]:
    """Fine-tuning runs (stages 3, 4, ... in the order given) by config name: each run's config and
    its log's iterations and wall seconds."""
    import yaml

    out: dict[str, list[dict]] = {}
    for folder in folders:
        cfg = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
        rows = rows_of(folder / "train_log.csv")
        its = [0] + [int(r["iteration"]) for r in rows]  # a resumed run rewrites the rows after its checkpoint
        seconds = sum((b - a) * float(r["sec_per_it"]) for a, b, r in zip(its, its[1:], rows))
        out.setdefault(cfg["name"], []).append({"cfg": cfg, "iterations": its[-1], "seconds": seconds})
    return out


def on_gpu(cfg: dict) -> bool:
    """Whether a run's config trained on a GPU (``train.device`` cuda or cuda:N; auto ran on the CPU here)."""
    return str((cfg.get("train") or {}).get("device") or "cpu").startswith("cuda")


def finetune_text(runs: list[dict]) -> tuple[str, str]:
    """The recipe and hardware paragraphs of the fine-tuning stages (empty without any); a stage ran on a
    CPU or on the lent GPU as its config's ``train.device`` says."""
    if not runs:
        return "", ""
    recipe = ""
    for stage, run in enumerate(runs, start=3):
        cfg = run["cfg"]
        tr, opt = cfg["data"]["train"], cfg["generator"]["optimizer"]
        shift_x, shift_y, zoom = tr["jitter"]
        rotate = float(tr.get("rotate") or 0.0)
        roll = (f",\nand turned about its centre by a normal angle of {rotate:g} degrees standard deviation (roll "
                f"jitter:\nceleba1000's faces are not roll-aligned)") if rotate else ""
        extra = f" data.train.rotate={rotate:g}" if rotate else ""
        device, where = ("cuda", f"on the lent {GPU}") if on_gpu(cfg) else ("cpu", "on a CPU")
        losses = cfg.get("losses") or {}
        loss_text = ""
        if any(v.get("type") != "l1" for v in losses.values()):
            for k, opts in losses.items():
                extra += f" 'losses.{k}={{" + ", ".join(f"{o}: {v}" for o, v in opts.items()) + "}'"
            loss_text = ("\nThe loss is the benchmark score itself (`psnr`: minus the mean per-image PSNR on the\n"
                         "BT.601 Y plane, border shaved as the protocol does) instead of L1."
                         if any(v.get("type") == "psnr" for v in losses.values()) else "")
        recipe += f"""

Stage {stage}, fine-tuning the stage-{stage - 1} weights {where} with framing jitter (the crop box moved by up to
{shift_x} / {shift_y} source pixels and scaled by up to {zoom:.0%} per sample{roll}, so that the network
does not depend on one exact framing): the committed config with `generator.init=<stage-{stage - 1} weights>
generator.optimizer.lr={opt['lr']:g} 'data.train.jitter={tr['jitter']}'{extra} data.train.batch_size={tr['batch_size']}
train.device={device} train.time_limit=...`: {run['iterations']} iterations (the cosine schedule re-planned to the
time limit; a stopped run continues with `facesr train CONFIG --resume`).{loss_text}"""
    recipe += f"\nThe shipped weights are stage {len(runs) + 2}'s EMA weights."
    def listed(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    def duration(seconds: float) -> str:
        return f"{seconds / 3600:.1f} h" if seconds >= 1800 else f"{seconds:.0f} s"

    hardware = ""
    for on_cpu, place in ((True, "2 shared CPU cores (no GPU)"), (False, f"the lent {GPU}")):
        picked = [(i, r) for i, r in enumerate(runs, start=3)
                  if on_gpu(r["cfg"]) != on_cpu]
        if picked:
            plural = "s" if len(picked) > 1 else ""
            hardware += (f"\nStage{plural} {listed([str(i) for i, _ in picked])} ran on {place}: "
                         f"{listed([duration(r['seconds']) for _, r in picked])} of training.")
    return recipe, hardware


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", nargs="+", type=Path, required=True)
    ap.add_argument("--speed", type=Path, required=True)
    ap.add_argument("--logs", nargs=2, type=Path, required=True, metavar=("STAGE1", "STAGE2"))
    ap.add_argument("--finetune", nargs="*", type=Path, default=[], metavar="RUN")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from facesr.benchmark.methods import load_weights
    from facesr.models import model_complexity
    from facesr.models.bundled import get_bundled, weights_dir

    entry = get_bundled("rcan-lite")
    benches = [json.loads(p.read_text()) for p in args.bench]
    speed = {r["model"]: r for r in json.loads(args.speed.read_text())["rows"]}
    convention = benches[0]["convention"]
    stage3 = finetune_runs(args.finetune)
    for scale, stem in entry.files.items():
        path = weights_dir() / f"{stem}.safetensors"
        _, desc = load_weights(path)
        c = model_complexity(desc["model"], scale=scale, **desc["options"])
        s1 = rows_of(args.logs[0] / stem / "train_log.csv")
        s2 = rows_of(args.logs[1] / stem / "train_log.csv")
        v2 = rows_of(args.logs[1] / stem / "val_log.csv")
        it1 = s1[-1]["iteration"] if s1 else "?"
        it2 = s2[-1]["iteration"] if s2 else "?"
        val = v2[-1] if v2 else {}
        sp = speed.get(f"{entry.name} x{scale}", {})
        opts = ", ".join(f"{k}={v}" for k, v in sorted(desc["options"].items()))
        recipe3, hardware3 = finetune_text(stage3.get(stem, []))
        shipped = "" if recipe3 else ("The shipped weights are stage 2's EMA weights (equal to the raw weights\n"
                                      "in PSNR on celeba1000). ")
        card = f"""# {entry.name} x{scale}: model card

**File** `{path.name}` ({path.stat().st_size / 2**20:.1f} MiB, float32 safetensors; metadata holds the network
name, scale, options and the training config). Load it with `facesr bench --methods rcan-lite`,
`facesr enhance --model rcan-lite`, or `facesr.models.bundled.bundled_restorer()`.

## Network

RCAN (Zhang et al., ECCV 2018: residual groups of residual channel-attention blocks, long skip,
sub-pixel upsampler), at the width chosen by the x8 width study in `docs/bundled.md`: {opts}.
{c.params:,} parameters; {c.macs / 1e9:.2f} GMACs per {128 // scale}x{128 // scale} -> 128x128 face.
Input: the raw LR face, [0,1] float32 NCHW RGB, {128 // scale}x{128 // scale}; output 128x128.

## Data

- Training: CelebA aligned photos in `$FACESR_DATA/celeba` (181 identities, none of them in
  `celeba1000`), images [0, 5130) of 5,430, cropped with box (16, 60, 159, 203) and resized to 128x128 (MATLAB
  bicubic); horizontal flips (p = 0.5). LR: MATLAB bicubic x{scale} of the uint8 HR (the `facesr`
  protocol's LR).
- Validation during training: CelebA images [5130, 5230).
- Terms: CelebA is for non-commercial research only; so are these weights.

## Recipe (this project's engine and configs)

Stage 1, from scratch: `configs/bundled/{stem}.yaml` with the DIC crop box and EMA 0.999, L1 loss,
Adam (0.9, 0.99) lr 4e-4, batch 64, 200-iteration warm-up, cosine to 1%;
`python scripts/train_bundled.py --time-limit 450 --out stage1 configs/bundled/rcan_lite_x{{4,8,16}}.yaml
configs/bundled/study/*.yaml --set train.device=cuda data.train.crop_box=dic data.val.crop_box=dic
generator.ema=0.999`: {it1} iterations.
Stage 2, fine-tuning the stage-1 weights: the config as committed (crop box `fsrnet`, EMA 0.995) with
`--time-limit 185 --set 'generator.init=stage1/{{name}}.safetensors' generator.optimizer.lr=0.0002`:
{it2} iterations (validation PSNR {float(val.get('psnr', 'nan')):.2f} dB
on the 100 validation faces). {shipped}The crop box `fsrnet` matches celeba1000's framing (see `facesr.data.celeba`);
stage 1's EMA of 0.999 was too slow for a run of a few thousand iterations (it averaged weights from
early training), which stage 2 corrected.{recipe3}

## Hardware and wall time

One NVIDIA H200 (lent for this task), shared by 5 concurrent runs in stage 1 (450 s of training each) and
by 3 in stage 2 (185 s each); 16 CPU cores for data loading; PyTorch 2.11.0+cu130. Under 11 minutes of
GPU time for the three scales together.{hardware3}

## Scores

{convention}.
`facesr bench --dataset celeba1000 --scales 4,8,16 --methods bicubic,rcan-lite --metrics psnr,ssim,lpips`;
`helen50` with `--metrics psnr,ssim,lpips,identity_cos,landmark_nme`; identity and landmark metrics on the
first 200 celeba1000 faces (a folder of links given to `--dataset`: the dlib identity network costs about
0.25 s of CPU per face).

{score_table(benches, scale, entry.name)}

CPU speed (`python benchmarks/bundled_speed.py`, 2 threads, batch 16): {sp.get('faces_per_s', float('nan')):.0f}
faces/s ({sp.get('ms_per_face', float('nan')):.1f} ms per face).

## Limitations

Trained on one dataset of aligned, frontal-ish celebrity faces with a known bicubic degradation:
it sharpens aligned faces whose LR matches that model; blur, noise or JPEG in real photos are outside its
training distribution. Short training (minutes of GPU time): see `docs/bundled.md` for how it compares
with the survey's targets.
"""
        (weights_dir() / f"{stem}.md").write_text(card, encoding="utf-8")
        print("wrote", weights_dir() / f"{stem}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
