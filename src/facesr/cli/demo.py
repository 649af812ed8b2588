"""``facesr demo``: the main job on an embedded default face, offline and on CPU.

Takes the public-domain astronaut portrait shipped by scikit-image, crops the face to 128x128,
degrades it by the protocol (x8 MATLAB bicubic by default), restores it with the bundled model
(``rcan-lite``) and with bicubic, scores both under the protocol, and writes the images, a
comparison grid (PNG) and an HTML report with the metrics table. It runs the same code as
``facesr bench`` on a one-face test set.
"""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="degrade and restore a bundled real face; HTML report vs bicubic",
                       description=__doc__)
    p.add_argument("-o", "--out", default="facesr-demo", help="output folder (default ./facesr-demo)")
    p.add_argument("--scale", type=int, default=8, help="upscaling factor: 4, 8 or 16 (default 8)")
    p.add_argument("--model", default="rcan-lite", help="bundled model (default rcan-lite) or NAME:CHECKPOINT")
    p.add_argument("--protocol", default="facesr", help="evaluation protocol (default facesr)")
    return p


def _metrics() -> list[str]:
    """PSNR, SSIM, MS-SSIM, and LPIPS when its weight package is installed."""
    from ..errors import FacesrError
    from ..metrics import create_metric

    names = ["psnr", "ssim", "ms_ssim"]
    try:
        create_metric("lpips", "facesr", 8)
        names.append("lpips")
    except FacesrError:
        pass
    return names


def run(args: argparse.Namespace) -> int:
    import shlex
    import sys
    from pathlib import Path

    import numpy as np

    from ..benchmark.methods import parse_methods
    from ..benchmark.report import write_report
    from ..benchmark.runner import run_bench
    from ..benchmark.table import to_text
    from ..errors import InputError
    from ..io import write_image
    from ..samples import astronaut_face
    from ._common import write_json

    out = Path(args.out)
    if args.scale not in (4, 8, 16):
        raise InputError(f"--scale must be 4, 8 or 16 (the bundled model's scales), got {args.scale}")
    hr = astronaut_face(128)
    write_image(out / "hr" / "astronaut.png", hr)
    methods = parse_methods(f"bicubic,{args.model}")
    result, images = run_bench(out / "hr", methods, scales=[args.scale], protocol=args.protocol,
                               metrics=_metrics(), dataset="astronaut (scikit-image, public domain)",
                               cache=False, progress=False, keep_images=True)
    s = args.scale
    lr = images[s]["lr"][0]
    write_image(out / "lr.png", lr)
    outputs = {m: images[s][m][0] for m in (r["method"] for r in result.rows)}
    for method, sr in outputs.items():
        write_image(out / f"{method}.png", sr)
    nearest = np.repeat(np.repeat(lr, s, axis=0), s, axis=1)
    from ..benchmark.figures import comparison_grid

    grid = comparison_grid([[nearest, *outputs.values(), hr]], [f"LR x{s}", *outputs, "HR"])
    write_image(out / "comparison.png", grid)
    command = "facesr " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_report(result, images, out / "report.html", command=command)
    write_json(out / "metrics.json", {"protocol": result.protocol, "convention": result.convention, "scale": s,
                                      "n": 1, "methods": {r["method"]: r["scores"][str(s)] for r in result.rows}})
    print(f"astronaut face 128x128, LR {lr.shape[1]}x{lr.shape[0]} (x{s})")
    print(to_text(result))
    print(f"wrote {out}/report.html, {out}/comparison.png (LR nearest | {' | '.join(outputs)} | HR), "
          "metrics.json")
    return 0
