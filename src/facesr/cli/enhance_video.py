"""``facesr enhance in.mp4 -o out.mp4 --scale S``: the video branch of ``facesr enhance``
(:mod:`facesr.pipeline.video`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def run_video(args: argparse.Namespace) -> int:
    """Enhance the video ``args.input`` into the mp4 ``args.output``; prints one summary line."""
    import json
    import time

    from ..errors import InputError
    from ..io import atomic_write
    from ..pipeline import Enhancer
    from ..pipeline.enhance import build_restorer
    from ..pipeline.video import VideoEnhancer

    src, dst = Path(args.input), Path(args.output)
    if dst.suffix.lower() != ".mp4":
        raise InputError(f"{dst}: a video is written as .mp4 (got {dst.suffix or 'no suffix'!r})")
    if dst.exists() and not args.overwrite:
        raise InputError(f"{dst}: output exists (use --overwrite)")
    unsupported = [flag for flag, on in (("--aligned", args.aligned), ("--compare", args.compare),
                                         ("--faces-dir", args.faces_dir), ("--contact-sheet", args.contact_sheet))
                   if on]
    if unsupported:
        raise InputError(f"{src}: {', '.join(unsupported)} apply to images, not to videos")
    restorer = build_restorer(args.model, scale=args.scale, fidelity=args.fidelity, model_scale=args.model_scale,
                              flip=args.flip_ensemble)
    enhancer = Enhancer(restorer, detector=args.detector, max_megapixels=args.max_megapixels)
    t0 = time.perf_counter()
    report = VideoEnhancer(enhancer, progress=not args.quiet).run(src, dst, args.scale)
    took = time.perf_counter() - t0
    audio = f"audio {report.audio} kept" if report.audio else "no audio"
    print(f"enhanced {src.name}: {report.frames} frames at {report.fps} fps, {report.out_size[0]}x"
          f"{report.out_size[1]}, {report.tracks} face track(s), {report.faces_restored} face crop(s) restored"
          f"{' with temporal fusion' if report.temporal else ''}, {audio} -> {dst} ({took:.1f} s)")
    for note in report.notes:
        print(f"note: {note}")
    if args.json:
        fidelity = getattr(restorer, "fidelity", None) if getattr(restorer, "has_knob", False) else None
        record = {"model": restorer.name, "fidelity": fidelity, "scale": args.scale, "video": report.to_dict()}
        with atomic_write(Path(args.json)) as tmp:
            tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    return 0
