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
    p.add_argument("--reference", action="store_true",
                   help="Table 8 mode (reference FSR, survey 4.5): the test set's identity groups "
                   "(identity_groups.json); every method gets the same seeded blind LR (--seed) at --scales (default "
                   "8), reference methods the group's other faces (single-face ones the guide ASFFNet's selection "
                   "picks); rows by subfamily; default metrics psnr,ssim,lpips,identity_cos")
    p.add_argument("--track", choices=("pose", "video"), default=None,
                   help="pose: frontalization (survey 4.7.5) on the identity groups, a non-frontal face's bicubic LR "
                   "in, the person's most frontal face as target (yaw proxy of facesr.data.pose_pairs; default "
                   "scales 4,8; metrics psnr,ssim,lpips,identity_cos); video: face video SR (4.8.1), a clip per face "
                   "(smooth motion, one blind draw per clip seeded by --seed and the file name), single-image "
                   "methods frame by frame, multi-frame ones (videofsr:CKPT) on the window; centre-frame "
                   "psnr,ssim,lpips and flicker (default scales 4,8)")
    p.add_argument("--frames", type=int, default=None, metavar="2K+1",
                   help="with --track video: the window (default: the multi-frame networks' largest, else 5)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="score the first N faces only (with --reference or --track: pairs, clips)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-cache", action="store_true", help="recompute SR outputs")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def run(args: argparse.Namespace) -> int:
    from ..benchmark import run_bench
    from ..benchmark.datasets import resolve_dataset
    from ..benchmark.methods import parse_methods
    from ..errors import InputError
    from ._common import check_device, check_outputs

    if args.track:
        from .bench_tracks import check_track_args

        track, scales = None, check_track_args(args)
    elif args.reference:
        track, scales = None, _reference_scales(args)
    else:
        if args.limit is not None and args.limit < 1:
            raise InputError(f"--limit must be 1 or more, got {args.limit}")
        if args.frames is not None:
            raise InputError("--frames is a --track video option")
        track = _track(args)
        scales = _default_scales(track) if args.scales is None else _scales(args, track)
    label, folder = resolve_dataset(args.dataset)
    methods = parse_methods(args.methods)
    check_outputs(files={"--json": args.json, "--html": args.html, "--markdown": args.markdown,
                         "--latex": args.latex}, folders={"--save-images": args.save_images})
    metrics = [m for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    common = {"protocol": args.protocol, "metrics": metrics, "batch_size": args.batch_size,
              "device": check_device(args.device), "progress": not args.quiet,
              "keep_images": bool(args.html or args.save_images)}
    if args.track:
        from .bench_tracks import run_track

        result, images = run_track(args, folder, methods, scales, label, common)
    elif args.reference:
        from ..benchmark.reference import run_reference_bench

        result, images = run_reference_bench(folder, methods, scales=scales, seed=args.seed or 0,
                                             dataset=f"{label} identity groups", limit=args.limit,
                                             degradation=args.degradation or "blind", **common)
    else:
        result, images = run_bench(folder, methods, scales=scales, dataset=label, cache=not args.no_cache,
                                   attributes=args.attributes, degradation=track, limit=args.limit,
                                   **common)
    return _report(args, result, images)


def _scales(args: argparse.Namespace, track) -> list[int]:
    """``--scales`` of a Table 7 run or a degraded track, checked."""
    from ..errors import InputError

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
    return scales


def _reference_scales(args: argparse.Namespace) -> list[int]:
    """``--reference``: the scales (default 8), with its other options checked."""
    from ..errors import InputError

    if args.replay:
        raise InputError("--reference makes its LR itself (Table 8: the blind track; --degradation picks another "
                         "track); leave out --replay")
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed must be 0 or more, got {args.seed}")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be 1 or more, got {args.limit}")
    from .bench_tracks import distinct_scales

    return distinct_scales(args.scales, "8", "--reference")


def _report(args: argparse.Namespace, result, images) -> int:
    """Print the table and write the files the options ask for."""
    import shlex
    import sys

    from ..benchmark.table import to_latex, to_markdown, to_text
    from ..io import atomic_write
    from ._common import write_json

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
