"""``facesr evaluate``: score paired folders (or the bicubic baseline) under a named protocol."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "evaluate",
        help="score SR images against HR images under a named protocol",
        description="Pairs files of --sr and --hr by name stem and prints the mean of each metric. "
        "With --baseline bicubic (and only --hr) scores the protocol's bicubic baseline.",
    )
    p.add_argument("--sr", help="folder of super-resolved images")
    p.add_argument("--hr", help="folder of ground-truth images (same stems)")
    p.add_argument("--scale", help="upscaling factor (sets the border crop where the protocol says so)")
    p.add_argument("--protocol", default="facesr", help="evaluation protocol (see --list-protocols)")
    p.add_argument("--metrics", default=None, help="comma-separated metric names (default: the protocol's)")
    p.add_argument("--baseline", choices=["bicubic"], help="score the protocol's bicubic baseline of --hr")
    p.add_argument("--metric-option", action="append", metavar="METRIC.KEY=VALUE", default=[],
                   help="option of one metric, repeatable: fid.ref=STATS.npz, identity_auc.labels=FILE, "
                   "niqe.color=gray, landmark_failure.threshold=0.1")
    p.add_argument("--json", metavar="FILE", help="write protocol, scale, n, metrics and per_image as JSON")
    p.add_argument("--batch-size", type=int, default=100, help="images per batch (default 100)")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--list-protocols", action="store_true", help="print the protocols and exit")
    p.add_argument("--list-metrics", action="store_true", help="print the metrics and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _print_protocols() -> None:
    from ..metrics.protocols import list_protocols
    from ._common import format_table

    rows = []
    for pr in list_protocols():
        crop = "= scale" if pr.crop is None else str(pr.crop)
        rows.append([pr.name, pr.lr_kernel, pr.color, "uint8" if pr.sr_quantize else "float", pr.y_quantize,
                     crop, pr.ssim_window + (" sample-cov" if pr.ssim_sample_cov else "")
                     + (" relu-cs" if pr.ssim_relu_cs else "") + (" 256-Y" if pr.ssim_inverted_y else ""),
                     pr.lpips])
    print(format_table(["protocol", "LR kernel", "plane", "SR", "Y rounding", "crop", "SSIM", "LPIPS"], rows))
    print()
    for pr in list_protocols():
        print(f"{pr.name}: {pr.description}. Source: {pr.source}")


def _print_metrics() -> None:
    from ..metrics.registry import list_metrics
    from ._common import format_table

    rows = [[m["name"], m.get("kind", ""), "higher" if m.get("higher_better", True) else "lower",
             m.get("description", "")] for m in list_metrics()]
    print(format_table(["metric", "kind", "better", "description"], rows))


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError

    if args.list_protocols:
        _print_protocols()
        return 0
    if args.list_metrics:
        _print_metrics()
        return 0
    from ..evaluation import evaluate
    from ..evaluation.runner import parse_metric_options
    from ._common import check_device, check_outputs, format_table, parse_scale, write_json

    if args.scale is None:
        raise InputError("--scale is required")
    scale = parse_scale(args.scale)
    if args.batch_size < 1:
        raise InputError(f"--batch-size must be >= 1, got {args.batch_size}")
    check_outputs(files={"--json": args.json})
    result = evaluate(args.sr, args.hr, scale=scale, protocol=args.protocol, metrics=args.metrics,
                      baseline=args.baseline, batch_size=args.batch_size, device=check_device(args.device),
                      progress=not args.quiet, options=parse_metric_options(args.metric_option))
    label = result.method or (args.sr or "")
    rows = [[name, value] for name, value in result.metrics.items()]
    print(f"{label}  x{scale}  n={result.n}")
    print(format_table(["metric", "mean"], rows))
    print(result.convention)
    for name, conv in result.conventions.items():
        if conv != result.convention:
            print(f"{name}: {conv}")
    if args.json:
        write_json(args.json, result.as_dict())
        print(f"wrote {args.json}")
    return 0
