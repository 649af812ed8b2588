"""Scores of the shipped 68-landmark hourglass on a test set, for its model card.

Reference points: dlib's 68-point shape predictor on the HR faces in the fixed framing box (the
pseudo ground truth the network was trained on). Rows: the hourglass on HR; the mean shape (the
average reference, a no-information baseline); dlib and the hourglass on the x8 bicubic faces.
Error: per-image mean point distance / reference outer-eye-corner distance (300-W inter-ocular NME).

    python scripts/landmark_card.py --dataset celeba1000 --json runs/landmarks_celeba1000.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="celeba1000", help="test set name or folder of HR faces")
    ap.add_argument("--weights", default="bundled", help="landmark network file (default: the shipped one)")
    ap.add_argument("--scale", type=int, default=8, help="scale of the bicubic rows")
    ap.add_argument("--limit", type=int, default=None, help="first N faces only")
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args(argv)

    import torch

    from facesr.benchmark.datasets import resolve_dataset
    from facesr.evaluation.runner import load_folder_pairs
    from facesr.io import uint8_to_tensor
    from facesr.metrics.identity import face_box
    from facesr.metrics.landmark_error import HourglassNME, landmarks68, nme
    from facesr.metrics.protocols import get_protocol

    torch.set_num_threads(2)
    label, folder = resolve_dataset(args.dataset)
    _, _, hr_list, _ = load_folder_pairs(None, folder, progress=False)
    hr = np.stack(hr_list[: args.limit])
    proto = get_protocol("facesr")
    bic = proto.upsample(proto.make_lr(hr, args.scale), args.scale)
    metric = HourglassNME(weights=args.weights)
    t0 = time.perf_counter()
    boxes = [face_box(img, "fixed") for img in hr]
    ref = landmarks68(hr, boxes)
    t_dlib = (time.perf_counter() - t0) / len(hr)
    t0 = time.perf_counter()
    net_hr = np.concatenate([metric.landmarks(uint8_to_tensor(hr[i:i + 50])) for i in range(0, len(hr), 50)])
    t_net = (time.perf_counter() - t0) / len(hr)
    size = hr.shape[1]
    net_hr = (net_hr + 0.5) * size / metric.size - 0.5  # network pixels -> face pixels
    net_bic = np.concatenate([metric.landmarks(uint8_to_tensor(bic[i:i + 50])) for i in range(0, len(bic), 50)])
    net_bic = (net_bic + 0.5) * size / metric.size - 0.5
    mean_shape = np.broadcast_to(ref.mean(axis=0), ref.shape)
    rows = {
        "hourglass on HR": nme(net_hr, ref),
        "mean shape (no image)": nme(mean_shape, ref),
        f"dlib on x{args.scale} bicubic": nme(landmarks68(bic, boxes), ref),
        f"hourglass on x{args.scale} bicubic": nme(net_bic, ref),
    }
    print(f"{label}: {len(hr)} faces, reference = dlib 68 points on HR (fixed box); NME by outer eye corners")
    print(f"{'landmarks':32s} {'NME':>7s} {'median':>7s} {'>0.08':>6s}")
    out = {"dataset": label, "faces": len(hr), "weights": str(metric.weights),
           "seconds_per_face": {"dlib": t_dlib, "hourglass": t_net}, "rows": {}}
    for label, err in rows.items():
        print(f"{label:32s} {err.mean():7.4f} {np.median(err):7.4f} {np.mean(err > 0.08):6.1%}")
        out["rows"][label] = {"nme": float(err.mean()), "median": float(np.median(err)),
                              "failure_0.08": float(np.mean(err > 0.08))}
    print(f"time per face (2 threads): dlib {t_dlib * 1e3:.1f} ms, hourglass {t_net * 1e3:.1f} ms")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
