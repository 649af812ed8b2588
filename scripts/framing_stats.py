"""How a set of 128 x 128 face crops is framed: eye centre, inter-ocular distance, eye-mouth distance and
roll angle from dlib's 68 landmarks, and the same for training crops made with a given crop box,
framing jitter and roll jitter. Optionally, how a method's gain over bicubic falls with the roll.

    python scripts/framing_stats.py --dataset celeba1000 --limit 400
    python scripts/framing_stats.py --train celeba --crop-box fsrnet --jitter 2.5,2.5,0.07 --rotate 7.5
    python scripts/framing_stats.py --dataset celeba1000 --bench celeba1000.json --method rcan-lite --scale 8

Positions are in output pixels (x right, y down); roll is the angle of the line from the left to the
right eye centre, in degrees (positive: the right eye is lower). ``slope`` is the least-squares change
of a quantity per unit sin(roll) and ``resid`` its standard deviation once that trend is removed: a crop
taken around a tilted face moves the eyes sideways, so the two together tell a turn from a shift.
"""

from __future__ import annotations

import argparse

import numpy as np


def measure(faces: np.ndarray) -> dict[str, np.ndarray]:
    """Per-face framing quantities of uint8 N x 128 x 128 x 3 faces (dlib HOG box, 68 landmarks)."""
    from facesr.metrics.identity import face_box
    from facesr.metrics.landmark_error import landmarks68

    lm = landmarks68(faces, [face_box(f, "detect") for f in faces])
    left, right, mouth = lm[:, 36:42].mean(1), lm[:, 42:48].mean(1), lm[:, 48:68].mean(1)
    centre = (left + right) / 2
    return {"eye_x": centre[:, 0], "eye_y": centre[:, 1], "inter_ocular": np.linalg.norm(right - left, axis=1),
            "eye_mouth": np.linalg.norm(mouth - centre, axis=1),
            "roll": np.degrees(np.arctan2(right[:, 1] - left[:, 1], right[:, 0] - left[:, 0]))}


def summary(stats: dict[str, np.ndarray]) -> list[tuple[str, float, float, float, float]]:
    """``(name, mean, std, slope per sin(roll), residual std)`` rows."""
    s = np.sin(np.radians(stats["roll"]))
    design = np.stack([np.ones_like(s), s], axis=1)
    rows = []
    for name, x in stats.items():
        if name == "roll":
            rows.append((name, x.mean(), x.std(), float("nan"), float("nan")))
            continue
        coef = np.linalg.lstsq(design, x, rcond=None)[0]
        rows.append((name, x.mean(), x.std(), coef[1], (x - design @ coef).std()))
    return rows


def test_faces(dataset: str, limit: int) -> tuple[list[str], np.ndarray]:
    from facesr.benchmark.datasets import resolve_dataset
    from facesr.io import list_images, read_image

    _, folder = resolve_dataset(dataset)
    files = list_images(folder)[:limit]
    return [f.stem for f in files], np.stack([read_image(f) for f in files])


def train_faces(dataset: str, crop_box: str, jitter: str | None, rotate: float, limit: int) -> np.ndarray:
    from facesr.data import open_dataset
    from facesr.data.paired import PairedFaceDataset
    from facesr.training.data import resolve_box

    pairs = PairedFaceDataset(open_dataset(dataset), scale=8, size=128, flip=0.0, crop_box=resolve_box(crop_box),
                              jitter=None if not jitter else [float(v) for v in jitter.split(",")], rotate=rotate)
    step = max(1, len(pairs) // limit)
    return np.stack([(pairs[i]["hr"].numpy().transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)
                     for i in range(0, step * limit, step)])


def gain_by_roll(stats: dict[str, np.ndarray], names: list[str], bench: str, method: str, scale: int) -> None:
    import json

    per = json.load(open(bench))["per_image"]
    if method not in per:
        raise SystemExit(f"{bench}: no method {method!r} (it holds {', '.join(per)})")
    gain = np.array([per[method][str(scale)][n]["psnr"] - per["bicubic"][str(scale)][n]["psnr"] for n in names])
    roll = np.abs(stats["roll"])
    print(f"\n{method} x{scale} PSNR gain over bicubic by |roll| ({bench})\n")
    print("| abs(roll) | faces | gain dB |\n|---|---|---|")
    for lo, hi in ((0, 3), (3, 6), (6, 10), (10, 15), (15, 90)):
        m = (roll >= lo) & (roll < hi)
        if m.any():
            print(f"| {lo}-{hi} | {m.sum()} | {gain[m].mean():.3f} |")
    print(f"\ncorrelation of gain and abs(roll): {np.corrcoef(roll, gain)[0, 1]:.3f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="celeba1000, helen50 or a folder of 128 x 128 faces")
    src.add_argument("--train", help="a training dataset name (e.g. celeba), cropped as below")
    p.add_argument("--crop-box", default="fsrnet")
    p.add_argument("--jitter", default=None, help="shift_x,shift_y,zoom as data.train.jitter")
    p.add_argument("--rotate", type=float, default=0.0, help="roll jitter std (degrees), as data.train.rotate")
    p.add_argument("--limit", type=int, default=400)
    p.add_argument("--bench", help="a 'facesr bench --json' file of the same test set: gain by roll")
    p.add_argument("--method", default="rcan-lite")
    p.add_argument("--scale", type=int, default=8)
    args = p.parse_args(argv)

    if args.dataset:
        names, faces = test_faces(args.dataset, args.limit)
        label = args.dataset
    else:
        names, faces = [], train_faces(args.train, args.crop_box, args.jitter, args.rotate, args.limit)
        label = f"{args.train} crop {args.crop_box} jitter {args.jitter} rotate {args.rotate}"
    stats = measure(faces)
    print(f"{label}: {len(faces)} faces\n")
    print("| quantity | mean | std | slope per sin(roll) | resid std |\n|---|---|---|---|---|")
    for name, mean, std, slope, resid in summary(stats):
        trend = "- | -" if np.isnan(slope) else f"{slope:.2f} | {resid:.2f}"
        print(f"| {name} | {mean:.2f} | {std:.2f} | {trend} |")
    pct = np.percentile(stats["roll"], [5, 25, 50, 75, 95])
    print(f"\nroll percentiles 5/25/50/75/95: {' / '.join(f'{v:.1f}' for v in pct)}")
    if args.bench:
        if not names:
            p.error("--bench needs --dataset (the test faces the bench file scored)")
        gain_by_roll(stats, names, args.bench, args.method, args.scale)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
