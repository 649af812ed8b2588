"""``facesr bench --track video``: face video SR (survey §4.8.1) on clips made from a test set's still faces.

Each HR face becomes a clip of ``frames + 2`` frames (``frames = 2k + 1``, the window) by the training clips'
motion and per-clip degradation (:func:`facesr.data.video_clips.make_clip`: smooth random similarity motion,
zero at the centre frame, one draw of the ``blind`` preset at the scale for the whole clip, the noise pattern
drawn per frame), seeded per clip from the run seed and the face's file name
(:func:`facesr.degradation.image_seed`, as the degraded tracks); every clip's seed, motion and degradation go in
the JSON. Scores (:mod:`facesr.training.video_eval`): the metrics (PSNR, SSIM, LPIPS by default) of the SR centre
frame against the HR face, and ``flicker`` over the three consecutive centre frames' windows. Multi-frame
networks (model entries with ``temporal``, e.g. ``videofsr:CHECKPOINT``) get each window (the middle
``net.frames`` of it when they take fewer frames); single-image methods (bicubic, ``rcan-lite``, ``bfr-lite``, any
other ``NAME:CHECKPOINT``) super-resolve each window's centre frame alone. Outputs are rounded to uint8 as
everywhere in the benchmark and not cached.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..metrics.protocols import Protocol, get_protocol
from ..training.video_eval import FLICKER, ClipSet, score_clips
from .methods import MethodSpec
from .rows import add_rows, runnable
from .runner import BenchResult, _complexity, _run

#: the video track's default metrics of the centre frame (``flicker`` is always added)
VIDEO_METRICS = ("psnr", "ssim", "lpips")
#: default window (2k + 1 frames) when no multi-frame network says otherwise
DEFAULT_FRAMES = 5
#: the clips' per-clip degradation preset
CLIP_DEGRADATION = "blind"


class SeededClips(ClipSet):
    """:class:`~facesr.training.video_eval.ClipSet` of ``uint8 N x H x W x 3`` faces, each clip seeded from
    ``seed`` and the face's file name (``files``); ``records[i]``: clip ``i``'s seed, key, degradation steps
    and motion."""

    def __init__(self, faces: np.ndarray, files: Sequence[str], *, frames: int, scale: int,
                 degradation: str = CLIP_DEGRADATION, kernel: str = "matlab", seed: int = 0) -> None:
        from ..data.video_clips import Motion, frames_tensor, make_clip
        from ..degradation import build_degradation, image_seed

        deg = build_degradation(degradation, float(scale), kernel=kernel)
        n = frames + 2
        hr, lr, self.records = [], [], []
        for face, key in zip(faces, files):
            s = image_seed(int(seed), key)
            hr_frames, lr_frames, rec = make_clip(face, n, deg, np.random.default_rng(s), Motion(), centre=n // 2)
            if lr_frames[0].shape[0] * scale != face.shape[0]:
                raise InputError(f"{key}: the {degradation} degradation made {lr_frames[0].shape[0]} px LR frames at "
                                 f"x{scale}; the track needs {face.shape[0] // scale} px")
            hr.append(frames_tensor(hr_frames[n // 2 - 1 : n // 2 + 2]))
            lr.append(frames_tensor(lr_frames))
            self.records.append({"seed": s, "key": key, **rec})
        self.hr, self.lr = torch.stack(hr), torch.stack(lr)
        self.frames, self.scale = frames, scale


def clip_frames(methods: Sequence[MethodSpec], scales: Sequence[int], frames: int | None) -> int:
    """The window (2k + 1 frames): ``frames`` when given, else the largest window of the multi-frame networks
    (:data:`DEFAULT_FRAMES` when there is none)."""
    if frames is not None:
        if int(frames) != frames or frames < 1 or frames % 2 == 0:
            raise InputError(f"the video track's window must be an odd number of frames (2k + 1), got {frames!r}")
        return int(frames)
    found = [_network(spec, s).frames for spec in methods for s in scales
             if _temporal(spec) and runnable(spec, int(s), {})]
    return max(found, default=DEFAULT_FRAMES)


def _temporal(spec: MethodSpec) -> bool:
    if spec.name == "bicubic":
        return False
    from ..models import model_info

    return bool(model_info(spec.name).get("temporal"))


def _network(spec: MethodSpec, scale: int) -> Any:
    """The multi-frame network of ``spec`` (eval mode; 5-D input, so not :func:`~facesr.models.base.for_inference`'s
    channels-last layout)."""
    from ..models.weights import build_network

    return build_network(spec, int(scale)).eval()


def _as_uint8_grid(x: torch.Tensor) -> torch.Tensor:
    """``[0,1]`` float frames rounded to uint8 levels (what an SR output saved as PNG is)."""
    return torch.round(x.float().clamp(0, 1) * 255.0) / 255.0


def restorer(spec: MethodSpec, scale: int, proto: Protocol, window: int, *, batch_size: int, device: str
             ) -> tuple[Callable[[torch.Tensor], torch.Tensor] | None, str | None]:
    """``(restore, note)``: ``restore`` maps ``N x window x 3 x h x w`` LR windows to ``N x 3 x H x W`` SR
    centre frames (:func:`~facesr.training.video_eval.score_clips`), ``note`` says what a multi-frame network
    took; ``(None, reason)`` when the network needs more than ``window`` frames."""
    from ..io import tensor_to_uint8, uint8_to_tensor

    if not _temporal(spec):
        def single(window: torch.Tensor) -> torch.Tensor:
            centre = tensor_to_uint8(window[:, window.shape[1] // 2])
            return uint8_to_tensor(list(_run(spec, centre, scale, proto, batch_size=batch_size, device=device)))

        return single, None
    net = _network(spec, scale).to(device)
    take = int(net.frames)
    if take > window:
        return None, f"x{scale}: needs {take} frames, the clips' window is {window} (--frames)"
    start = (window - take) // 2

    @torch.inference_mode()
    def multi(lr: torch.Tensor) -> torch.Tensor:
        frames = lr[:, start : start + take]
        return _as_uint8_grid(torch.cat([net(frames[i : i + batch_size].to(device)).float().cpu()
                                         for i in range(0, len(frames), batch_size)]))

    return multi, f"{take} LR frames per output frame (multi-frame)"


def run_video_bench(
    hr_dir: str | os.PathLike[str],
    methods: Sequence[MethodSpec],
    *,
    scales: Sequence[int] = (4, 8),
    protocol: str | Protocol = "facesr",
    metrics: Sequence[str] | None = None,
    dataset: str | None = None,
    seed: int = 0,
    frames: int | None = None,
    limit: int | None = None,
    batch_size: int = 16,
    device: str = "cpu",
    progress: bool = True,
    keep_images: bool = False,
) -> tuple[BenchResult, dict[str, Any]]:
    """The video track (module doc) of ``methods`` on the HR faces in ``hr_dir`` (the first ``limit`` faces by
    name when given). Returns the result (``degradation.clips[scale][name]``: each clip's record) and, when
    ``keep_images``, ``{"hr": HR centre frames, scale: {"lr": LR centre frames, label: SR centre frames}}``."""
    from ..evaluation.runner import load_folder_pairs, parse_metric_names
    from ..io import tensor_to_uint8
    from ..metrics import create_metric

    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}")
    if limit is not None and limit < 1:
        raise InputError(f"limit must be >= 1, got {limit}")
    proto = get_protocol(protocol)
    metric_names = parse_metric_names(list(metrics) if metrics else list(VIDEO_METRICS), proto)
    names, _, hr_list, paths = load_folder_pairs(None, hr_dir, progress=progress)
    assert hr_list is not None
    names, hr_list = names[:limit], hr_list[:limit]
    shapes = {img.shape for img in hr_list}
    if len(shapes) != 1 or hr_list[0].shape[0] != hr_list[0].shape[1]:
        raise InputError(f"{hr_dir}: the video track needs square faces of one size, found {sorted(shapes)[:3]}")
    size = hr_list[0].shape[0]
    for scale in scales:
        if int(scale) < 2 or size % int(scale):
            raise InputError(f"{hr_dir}: {size}x{size} faces cannot be downscaled by x{scale}")
    window = clip_frames(methods, scales, frames)
    files = [paths[n].relative_to(Path(hr_dir)).as_posix() for n in names]
    result = BenchResult(dataset or Path(hr_dir).name, proto.name, proto.convention(), [int(s) for s in scales],
                         [*metric_names, FLICKER], len(names), names=list(names))
    images: dict[Any, Any] = {"hr": np.stack(hr_list)} if keep_images else {}
    info = {spec.label: _complexity(spec, scales) for spec in methods}
    scores: dict[str, dict[str, dict[str, float]]] = {spec.label: {} for spec in methods}
    clips_of: dict[str, Any] = {}
    for scale in map(int, scales):
        clips = SeededClips(np.stack(hr_list), files, frames=window, scale=scale, kernel=proto.lr_kernel, seed=seed)
        clips_of[str(scale)] = dict(zip(names, clips.records))
        measures = [create_metric(m, proto, scale, device=device) for m in metric_names]
        if keep_images:
            images[scale] = {"lr": tensor_to_uint8(clips.lr[:, clips.lr.shape[1] // 2])}
        for spec in methods:
            if not runnable(spec, scale, info[spec.label]):
                continue
            restore, note = restorer(spec, scale, proto, window, batch_size=batch_size, device=device)
            if restore is None:
                info[spec.label].setdefault("missing", []).append(str(note))
                continue
            if note:
                info[spec.label]["note"] = note
            kept: list[torch.Tensor] = []

            def run(w: torch.Tensor, restore=restore, kept=kept) -> torch.Tensor:
                out = restore(w)
                kept.append(out)
                return out

            per = score_clips(run, clips, measures)
            cols = result.metrics
            scores[spec.label][str(scale)] = {m: float(per[:, j].mean()) for j, m in enumerate(cols)}
            result.per_image.setdefault(spec.label, {})[str(scale)] = {
                n: {m: float(per[i, j]) for j, m in enumerate(cols)} for i, n in enumerate(names)}
            if keep_images:
                images[scale][spec.label] = tensor_to_uint8(kept[1])  # the window of the centre frame
    add_rows(result, methods, info, scores)
    result.degradation = {
        "name": "video", "seed": seed, "kernel": proto.lr_kernel, "replayed_from": None, "frames": window,
        "description": f"video track (face video SR, survey 4.8.1): one clip of {window + 2} frames per face "
                       f"(smooth random similarity motion, facesr.data.video_clips), window {window} = 2k+1 "
                       f"frames; one {CLIP_DEGRADATION} draw per clip at the scale (noise pattern per frame), seed "
                       f"{seed} and the file name per clip; scores on the centre frame, flicker over the centre "
                       "frames c-1, c, c+1 (0..255, lower is better); single-image methods run frame by frame",
        "clips": clips_of,
    }
    return result, images
