"""``facesr bench --track pose|video``: the options of the track modes checked, and the run (helpers of
:mod:`facesr.cli.bench`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def check_track_args(args: argparse.Namespace) -> list[int]:
    """The scales of ``--track`` (default 4,8), with the options that do not apply to it refused."""
    from ..errors import InputError

    if args.reference or args.degradation or args.replay:
        raise InputError(f"--track {args.track} makes its own LR; leave out --reference/--degradation/--replay")
    if args.track == "pose" and args.seed is not None:
        raise InputError("--track pose has no random draws (bicubic LR of fixed pairs); leave out --seed")
    if args.track == "pose" and args.frames is not None:
        raise InputError("--frames is a --track video option")
    if args.frames is not None and (args.frames < 1 or args.frames % 2 == 0):
        raise InputError(f"--frames must be an odd number of frames (2k + 1), got {args.frames}")
    if args.seed is not None and args.seed < 0:
        raise InputError(f"--seed must be 0 or more, got {args.seed}")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be 1 or more, got {args.limit}")
    return distinct_scales(args.scales, "4,8", "--track")


def distinct_scales(text: str | None, default: str, mode: str) -> list[int]:
    """``--scales`` of a mode that takes distinct integers >= 2 (``default`` when not given)."""
    from ..errors import InputError

    try:
        scales = [int(s) for s in (text or default).split(",") if s.strip()]
    except ValueError:
        raise InputError(f"--scales must be integers like 4,8, got {text!r}") from None
    if not scales or len(set(scales)) != len(scales) or any(s < 2 for s in scales):
        raise InputError(f"--scales must be distinct integers >= 2 with {mode}, got {text!r}")
    return scales


def run_track(args: argparse.Namespace, folder: Path, methods: list[Any], scales: list[int], label: str,
              common: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Run the ``--track`` mode on the test set at ``folder``: ``(BenchResult, images)``."""
    if args.track == "pose":
        from ..benchmark.pose import run_pose_bench

        return run_pose_bench(folder, methods, scales=scales, dataset=f"{label} pose pairs", limit=args.limit,
                              **common)
    from ..benchmark.video import run_video_bench

    return run_video_bench(folder, methods, scales=scales, dataset=f"{label} clips", seed=args.seed or 0,
                           frames=args.frames, limit=args.limit, **common)
