"""Scoring folders of images under a named protocol: the engine behind ``facesr evaluate``.

Images are decoded in a thread pool, stacked into batches of equal size, and every requested metric
scores each batch through the :class:`~facesr.metrics.Metric` interface (float64 statistics).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import read_image, uint8_to_tensor
from ..metrics.protocols import Protocol, get_protocol
from ..metrics.registry import METRICS, create_metric
from .pairing import pair_folders, single_folder


@dataclass
class EvalResult:
    """Means and per-image scores of one evaluation, with the protocol that produced them."""

    protocol: str
    convention: str
    scale: float
    n: int
    metrics: dict[str, float]
    per_image: dict[str, dict[str, float | None]] = field(default_factory=dict)
    method: str | None = None
    conventions: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def clean(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "protocol": self.protocol,
            "convention": self.convention,
            "scale": self.scale,
            "n": self.n,
            "method": self.method,
            "metrics": {k: clean(v) for k, v in self.metrics.items()},
            "metric_conventions": self.conventions,
            "per_image": {k: {m: clean(v) for m, v in d.items()} for k, d in self.per_image.items()},
        }


def parse_metric_names(names: str | Sequence[str] | None, protocol: Protocol) -> list[str]:
    """Metric names from ``"psnr,ssim"`` or a list; defaults to the protocol's metrics."""
    if names is None or names == "":
        return list(protocol.metrics)
    items = names.split(",") if isinstance(names, str) else list(names)
    out = []
    for item in (s.strip() for s in items):
        if item:
            METRICS.entry(item)  # raises with suggestions
            out.append(item)
    if not out:
        raise InputError("no metric named (use e.g. --metrics psnr,ssim)")
    return out


def _read_many(paths: Sequence[Path], workers: int) -> Iterator[np.ndarray]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(read_image, paths)


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def evaluate_arrays(
    sr: Sequence[np.ndarray] | None,
    hr: Sequence[np.ndarray] | None,
    names: Sequence[str],
    *,
    scale: float,
    protocol: str | Protocol = "facesr",
    metrics: str | Sequence[str] | None = None,
    batch_size: int = 100,
    device: str = "cpu",
    progress: bool = False,
    method: str | None = None,
    paths: dict[str, Path] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
) -> EvalResult:
    """Score uint8 ``H x W x 3`` SR images against HR images (or alone, for no-reference metrics).

    ``options``: per-metric constructor options, e.g. ``{"fid": {"ref": "stats.npz"}}``.
    """
    proto = get_protocol(protocol)
    names_ = parse_metric_names(metrics, proto)
    if sr is None:
        raise InputError("no SR images given")
    options = options or {}
    unknown = set(options) - set(names_)
    if unknown:
        raise InputError(f"options given for metric(s) not requested: {', '.join(sorted(unknown))}")
    objs = [_create(m, proto, scale, device, options.get(m, {})) for m in names_]
    if hr is None:
        needing = [o.name for o in objs if o.needs_hr]
        if needing:
            raise InputError(f"metric(s) {', '.join(needing)} need HR images (--hr)")
    per_image: dict[str, dict[str, float | None]] = {n: {} for n in names}
    order = list(range(len(names)))
    # group by shape so that batches stack
    groups: dict[tuple, list[int]] = {}
    for i in order:
        s = sr[i].shape
        if hr is not None and hr[i].shape != s:
            where = paths.get(names[i]) if paths else names[i]
            raise InputError(
                f"{where}: SR is {s[1]}x{s[0]} but HR is {hr[i].shape[1]}x{hr[i].shape[0]} "
                "(SR must have the HR size)"
            )
        if scale == int(scale) and (s[0] % int(scale) or s[1] % int(scale)):
            where = paths.get(names[i]) if paths else names[i]
            raise InputError(f"{where}: a {s[1]}x{s[0]} image does not fit x{scale:g} "
                             "(its sides must be multiples of the scale)")
        groups.setdefault(s, []).append(i)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(names), desc="scoring", unit="img", leave=False)
    for idxs in groups.values():
        for chunk in _batches(idxs, batch_size):
            s_t = uint8_to_tensor([sr[i] for i in chunk]).to(device)
            h_t = uint8_to_tensor([hr[i] for i in chunk]).to(device) if hr is not None else None
            for obj in objs:
                h_arg = h_t if obj.needs_hr else (h_t if hr is not None else None)
                if getattr(obj, "wants_names", False):
                    vals = obj.update(s_t, h_arg, names=[names[i] for i in chunk])
                else:
                    vals = obj.update(s_t, h_arg)
                if vals is not None:
                    for i, v in zip(chunk, vals.tolist()):
                        per_image[names[i]][obj.name] = float(v)
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()
    means = {obj.name: obj.compute() for obj in objs}
    conventions = {obj.name: obj.describe() for obj in objs}
    return EvalResult(proto.name, proto.convention(scale), scale, len(names), means, per_image, method,
                      conventions)


def _create(name: str, proto: Protocol, scale: float, device: str, opts: dict[str, Any]):
    try:
        return create_metric(name, proto, scale, device=device, **opts)
    except TypeError as exc:  # an option the metric does not take
        raise InputError(f"metric {name}: bad option(s) {sorted(opts)} ({exc})") from None


def parse_metric_options(items: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """``["fid.ref=stats.npz", "niqe.color=gray"]`` -> ``{"fid": {"ref": ...}, "niqe": {"color": "gray"}}``.

    Values are parsed as int, float, true/false when they look like one, else kept as strings.
    """
    out: dict[str, dict[str, Any]] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        metric, dot, opt = key.partition(".")
        if not eq or not dot or not metric or not opt:
            raise InputError(f"metric option {item!r} must look like METRIC.KEY=VALUE (e.g. fid.ref=stats.npz)")
        v: Any = value
        if value.lower() in ("true", "false"):
            v = value.lower() == "true"
        else:
            for conv in (int, float):
                try:
                    v = conv(value)
                    break
                except ValueError:
                    continue
        out.setdefault(metric.strip(), {})[opt.strip()] = v
    return out


def load_folder_pairs(
    sr_dir: str | os.PathLike[str] | None,
    hr_dir: str | os.PathLike[str] | None,
    *,
    workers: int = 4,
    progress: bool = False,
) -> tuple[list[str], list[np.ndarray] | None, list[np.ndarray] | None, dict[str, Path]]:
    """Read paired (or single) folders: ``(names, sr_images, hr_images, paths)``."""
    if sr_dir is not None and hr_dir is not None:
        pairs = pair_folders(sr_dir, hr_dir)
        names = [p[0] for p in pairs]
        sr_paths = [p[1] for p in pairs]
        hr_paths = [p[2] for p in pairs]
    elif sr_dir is not None:
        items = single_folder(sr_dir)
        names, sr_paths, hr_paths = [k for k, _ in items], [p for _, p in items], []
    elif hr_dir is not None:
        items = single_folder(hr_dir)
        names, sr_paths, hr_paths = [k for k, _ in items], [], [p for _, p in items]
    else:
        raise InputError("give --sr and/or --hr folders")
    it_sr = _read_many(sr_paths, workers)
    it_hr = _read_many(hr_paths, workers)
    if progress:
        from tqdm import tqdm

        if sr_paths:
            it_sr = tqdm(it_sr, total=len(sr_paths), desc="reading SR", unit="img", leave=False)
        if hr_paths:
            it_hr = tqdm(it_hr, total=len(hr_paths), desc="reading HR", unit="img", leave=False)
    sr = list(it_sr) if sr_paths else None
    hr = list(it_hr) if hr_paths else None
    paths = dict(zip(names, sr_paths or hr_paths))
    return names, sr, hr, paths


def bicubic_baseline(
    hr: Sequence[np.ndarray], names: Sequence[str], scale: int, protocol: str | Protocol,
    paths: dict[str, Path] | None = None,
) -> list[np.ndarray]:
    """The bicubic row: LR by the protocol's kernel, upsampled back with its bicubic kernel."""
    proto = get_protocol(protocol)
    if scale != int(scale) or scale < 2:
        raise InputError(f"the bicubic baseline needs an integer scale >= 2, got {scale}")
    scale = int(scale)
    out: list[np.ndarray] = []
    groups: dict[tuple, list[int]] = {}
    for i, img in enumerate(hr):
        h, w = img.shape[:2]
        if h % scale or w % scale or h // scale < 1:
            where = paths.get(names[i]) if paths else names[i]
            raise InputError(f"{where}: a {w}x{h} image cannot be downscaled by x{scale} (size not divisible)")
        groups.setdefault(img.shape, []).append(i)
    result: list[np.ndarray | None] = [None] * len(hr)
    for idxs in groups.values():
        for chunk in _batches(idxs, 256):
            stack = np.stack([hr[i] for i in chunk])
            up = proto.upsample(proto.make_lr(stack, scale), scale)
            for i, img in zip(chunk, up):
                result[i] = img
    out = [r for r in result if r is not None]
    return out


def evaluate(
    sr: str | os.PathLike[str] | None = None,
    hr: str | os.PathLike[str] | None = None,
    *,
    scale: float,
    protocol: str | Protocol = "facesr",
    metrics: str | Sequence[str] | None = None,
    baseline: str | None = None,
    batch_size: int = 100,
    device: str = "cpu",
    progress: bool = False,
    options: dict[str, dict[str, Any]] | None = None,
) -> EvalResult:
    """Score the SR folder against the HR folder (pairs by name stem) under ``protocol``.

    With ``baseline="bicubic"`` and only ``hr``, the SR images are the protocol's bicubic baseline
    (LR made with the protocol's kernel, bicubic-upsampled back). ``scale`` sets the border crop
    of protocols whose crop equals the scale.
    """
    proto = get_protocol(protocol)
    if scale is None or scale <= 0:
        raise InputError(f"scale must be positive, got {scale}")
    if baseline is not None:
        if baseline != "bicubic":
            raise InputError(f"unknown baseline {baseline!r} (only 'bicubic')")
        if hr is None:
            raise InputError("--baseline bicubic needs --hr")
        if sr is not None:
            raise InputError("give either --sr or --baseline, not both")
        names, _, hr_imgs, paths = load_folder_pairs(None, hr, progress=progress)
        assert hr_imgs is not None
        sr_imgs = bicubic_baseline(hr_imgs, names, int(scale) if scale == int(scale) else scale, proto, paths)
        method = "bicubic"
    else:
        names, sr_imgs, hr_imgs, paths = load_folder_pairs(sr, hr, progress=progress)
        method = None
        if sr_imgs is None:
            raise InputError("--sr is required (or use --baseline bicubic with --hr)")
    return evaluate_arrays(sr_imgs, hr_imgs, names, scale=scale, protocol=proto, metrics=metrics,
                           batch_size=batch_size, device=device, progress=progress, method=method, paths=paths,
                           options=options)
