"""``facesr curves``: validation curves of training runs as a PNG, with the bicubic baseline."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "curves",
        help="plot validation curves of training runs (PNG) and print last/best values",
        description="One panel per run folder (its val_log.csv): the metric against the iteration, the "
                    "bicubic baseline as a dashed line. LABEL=RUN names a panel.",
    )
    p.add_argument("runs", nargs="+", metavar="[LABEL=]RUN", help="run folders written by 'facesr train'")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.add_argument("--metric", default="psnr", help="column of val_log.csv (default psnr)")
    p.add_argument("--columns", type=int, default=3, help="panels per row")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    return p


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..io import atomic_write
    from ..training.curves import plot_curves, read_val_log, summarize

    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise InputError(f"{out}: the output must be a .png file")
    if out.exists() and not args.overwrite:
        raise InputError(f"{out}: exists (use --overwrite to replace it)")
    runs = {}
    for item in args.runs:
        label, sep, path = item.partition("=")
        if not sep:
            label, path = Path(item).name, item
        runs[label] = read_val_log(path)
    from ..metrics import list_metrics

    higher = {r["name"]: r.get("higher_better", True) for r in list_metrics()}.get(args.metric, True)
    print(f"{'run':28s} {'iters':>6s} {'last':>8s} {'best':>8s} {'bicubic':>8s}")
    for label, rows in runs.items():
        s = summarize(rows, args.metric, higher)
        base = "-" if s["bicubic"] is None else f"{s['bicubic']:.4f}"
        print(f"{label:28s} {s['last'][0]:6d} {s['last'][1]:8.4f} {s['best'][1]:8.4f} {base:>8s}")
    img = plot_curves(runs, args.metric, columns=args.columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        img.save(tmp, format="PNG")
    print(f"wrote {out}")
    return 0
