"""``facesr demo``: the main job on an embedded default face, offline and on CPU.

Takes the public-domain astronaut portrait shipped by scikit-image, crops the face to 128x128,
degrades it x8 with the protocol's kernel, restores it (bicubic baseline; bundled models are used
when present), scores every result under the protocol and writes the images and a comparison grid.
"""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="degrade and restore a bundled real face, print the metrics table",
                       description=__doc__)
    p.add_argument("-o", "--out", default="facesr-demo", help="output folder (default ./facesr-demo)")
    p.add_argument("--scale", type=int, default=8, help="upscaling factor (default 8)")
    p.add_argument("--protocol", default="facesr", help="evaluation protocol (default facesr)")
    return p


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import numpy as np

    from ..evaluation import evaluate_arrays
    from ..io import write_image
    from ..metrics import get_protocol
    from ..samples import astronaut_face
    from ._common import format_table, write_json

    proto = get_protocol(args.protocol)
    out = Path(args.out)
    hr = astronaut_face(128)
    lr = proto.make_lr(hr, args.scale)
    results = {"bicubic": proto.upsample(lr, args.scale)}
    rows, scores = [], {}
    for method, sr in results.items():
        r = evaluate_arrays([sr], [hr], ["astronaut"], scale=args.scale, protocol=proto,
                            metrics=["psnr", "ssim", "ms_ssim"], method=method)
        scores[method] = r.metrics
        rows.append([method, *r.metrics.values()])
    write_image(out / "hr.png", hr)
    write_image(out / "lr.png", lr)
    nearest = np.repeat(np.repeat(lr, args.scale, axis=0), args.scale, axis=1)
    for method, sr in results.items():
        write_image(out / f"{method}.png", sr)
    grid = np.concatenate([nearest, *results.values(), hr], axis=1)
    write_image(out / "comparison.png", grid)
    write_json(out / "metrics.json", {"protocol": proto.name, "convention": proto.convention(args.scale),
                                      "scale": args.scale, "n": 1, "methods": scores})
    print(f"astronaut face 128x128, LR {lr.shape[1]}x{lr.shape[0]} (x{args.scale})")
    print(format_table(["method", "PSNR (dB)", "SSIM", "MS-SSIM"], rows))
    print(proto.convention(args.scale))
    print(f"wrote {out}/comparison.png (LR nearest | {' | '.join(results)} | HR) and metrics.json")
    return 0
