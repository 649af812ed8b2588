"""``facesr bench``: the survey's Table 7 for any set of methods and checkpoints (bicubic always a row)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "bench",
        help="reproduce Table 7: methods x scales x metrics, with grids and an HTML report",
        description="Makes LR faces by the protocol, runs every method at every scale (outputs cached), "
        "scores them and prints the table in the survey's Table 7 layout.",
    )
    p.add_argument("--dataset", default="celeba1000", help="celeba1000, helen50, or a folder of HR faces")
    p.add_argument("--scales", default=None,
                   help="comma-separated scales (default 4,8,16; with --degradation: 4,8 for blind/realworld, "
                   "4 for the deblur tracks; 1 = restore only, the degraded face at full size)")
    p.add_argument("--methods", default="bicubic", help="bicubic,NAME[:CHECKPOINT],... (bicubic always added)")
    p.add_argument("--protocol", default="facesr", help="evaluation protocol (facesr evaluate --list-protocols)")
    p.add_argument("--metrics", default=None, help="comma-separated metrics (default: the protocol's)")
    p.add_argument("--json", metavar="FILE", help="write all scores (means and per image) as JSON")
    p.add_argument("--html", metavar="FILE", help="write the HTML report (+ PNG grids beside it)")
    p.add_argument("--save-images", metavar="DIR",
                   help="keep HR, LR and every SR output as PNG under DIR, with DIR/bench.json (for facesr mos create)")
    p.add_argument("--markdown", metavar="FILE", help="write the table as Markdown")
    p.add_argument("--latex", metavar="FILE", help="write the table as LaTeX")
    p.add_argument("--attributes", choices=("auto", "none"), default="auto",
                   help="for given-attribute methods (FSRSA, AACNN): auto = the test faces' labels "
                   "(list_attr_celeba.txt or labels.tsv beside the faces, or UTKFace file names), "
                   "none = every attribute unknown (measures the drop)")
    p.add_argument("--degradation", default=None, metavar="TRACK",
                   help="degraded track instead of the protocol's bicubic LR: blind (Eq. 5, Table 8), realworld "
                   "(second-order chain), deblur (Gaussian or motion blur then bicubic down; deblur-gaussian, "
                   "deblur-motion), occlusion, illumination, misalign (joint tasks, survey 4.7); every face's "
                   "parameters go in --json (default metrics: "
                   "psnr,ssim,lpips,dists,identity_cos,nme)")
    p.add_argument("--seed", type=int, default=None,
                   help="run seed of --degradation (default 0); each face's seed derives from it and its file name, "
                   "as in facesr degrade --seed")
    p.add_argument("--replay", metavar="JSON",
                   help="regenerate the degraded LR faces recorded in a facesr bench --json file (or a facesr "
                   "degrade sidecar) bit for bit; its scales unless --scales picks some of them")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-cache", action="store_true", help="recompute SR outputs")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def run(args: argparse.Namespace) -> int:
    import shlex
    import sys

    from ..benchmark import run_bench
    from ..benchmark.datasets import resolve_dataset
    from ..benchmark.methods import parse_methods
    from ..benchmark.table import to_latex, to_markdown, to_text
    from ..errors import InputError
    from ..io import atomic_write
    from ._common import check_device, check_outputs, write_json

    track = _track(args)
    if args.scales is None:
        scales = _default_scales(track)
    else:
        try:
            scales = [int(s) for s in args.scales.split(",") if s.strip()]
        except ValueError:
            raise InputError(f"--scales must be integers like 4,8,16, got {args.scales!r}") from None
        low = 2 if track is None else 1
        if not scales or any(s < low for s in scales):
            extra = " (x1, restore only, needs --degradation)" if track is None and 1 in scales else ""
            raise InputError(f"--scales must be integers >= {low}, got {args.scales!r}{extra}")
        if len(set(scales)) != len(scales):
            raise InputError(f"--scales names a scale twice: {args.scales!r}")
        if track is not None and track.replay is not None:
            absent = [s for s in scales if s not in track.replay]
            if absent:
                raise InputError(f"{args.replay}: no records at x{absent[0]} (recorded: "
                                 f"{', '.join(f'x{s}' for s in sorted(track.replay))})")
    label, folder = resolve_dataset(args.dataset)
    methods = parse_methods(args.methods)
    check_outputs(files={"--json": args.json, "--html": args.html, "--markdown": args.markdown,
                         "--latex": args.latex}, folders={"--save-images": args.save_images})
    metrics = [m for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    result, images = run_bench(folder, methods, scales=scales, protocol=args.protocol, metrics=metrics,
                               dataset=label, batch_size=args.batch_size, device=check_device(args.device),
                               cache=not args.no_cache, progress=not args.quiet,
                               keep_images=bool(args.html or args.save_images), attributes=args.attributes,
                               degradation=track)
    print(to_text(result))
    command = "facesr " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if args.json:
        write_json(args.json, result.as_dict())
        print(f"wrote {args.json}")
    for path, fmt in ((args.markdown, to_markdown), (args.latex, to_latex)):
        if path:
            with atomic_write(path) as tmp:
                tmp.write_text(fmt(result), encoding="utf-8")
            print(f"wrote {path}")
    if args.html:
        from ..benchmark.report import write_report

        for p in write_report(result, images, args.html, command=command):
            print(f"wrote {p}")
    if args.save_images:
        from ..benchmark.images import save_images

        print(f"wrote images and {save_images(result, images, args.save_images, html=args.html)}")
    return 0


def _track(args: argparse.Namespace):
    """The degraded track the options ask for (``None``: the protocol's bicubic LR)."""
    from ..benchmark.datasets import Track, check_track, read_replay
    from ..errors import InputError
    from ..metrics.protocols import get_protocol

    if args.replay:
        if args.degradation or args.seed is not None:
            raise InputError("--replay takes the degradation and seed from its file; leave out --degradation/--seed")
        return read_replay(args.replay)
    if args.degradation is None:
        if args.seed is not None:
            raise InputError("--seed seeds a degradation: give --degradation TRACK too (blind, realworld, deblur, ...)")
        return None
    seed = 0 if args.seed is None else args.seed
    if seed < 0:
        raise InputError(f"--seed must be 0 or more, got {seed}")
    return Track(check_track(args.degradation), seed, get_protocol(args.protocol).lr_kernel)


def _default_scales(track) -> list[int]:
    from ..benchmark.datasets import TRACKS

    if track is None:
        return [4, 8, 16]
    if track.replay is not None:
        return sorted(track.replay)
    return list(TRACKS[track.name][1])
