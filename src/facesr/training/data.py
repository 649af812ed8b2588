"""Training and validation data for the engine: a slice of a registered dataset as LR/HR pairs,
and a sampler whose order depends only on (seed, epoch) and which can start mid-epoch (resume)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, DistributedSampler

from ..errors import ConfigError, InputError
from .config import TrainDataConfig, ValConfig


class SliceDataset(Dataset):
    """Items ``[start, stop)`` of ``base``; ``set_epoch`` passes through."""

    def __init__(self, base: Any, start: int, stop: int) -> None:
        if not 0 <= start < stop <= len(base):
            raise InputError(f"data slice [{start}, {stop}) is outside the dataset's {len(base)} images")
        self.base, self.start, self.stop = base, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.base[self.start + index]

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.base, "set_epoch"):
            self.base.set_epoch(epoch)


def resolve_box(box: Any) -> tuple[int, int, int, int] | None:
    """``crop_box`` option: ``None``, a name of :data:`facesr.data.celeba.CROP_BOXES` or 4 integers."""
    from ..data.celeba import CROP_BOXES

    if box is None:
        return None
    if isinstance(box, str):
        if box not in CROP_BOXES:
            raise ConfigError(f"unknown crop_box {box!r} (known: {', '.join(CROP_BOXES)}, or [left, top, right, "
                              "bottom])")
        return CROP_BOXES[box]
    try:
        left, top, right, bottom = (int(v) for v in box)
    except (TypeError, ValueError):
        raise ConfigError(f"crop_box must be a name or [left, top, right, bottom], got {box!r}") from None
    if right <= left or bottom <= top:
        raise ConfigError(f"crop_box {box!r} is empty")
    return left, top, right, bottom


def _slice(n: int, start: int, limit: int | None) -> tuple[int, int]:
    stop = n if limit is None else min(n, start + limit)
    return start, stop


_ALSO_KEYS = ("dataset", "root", "start", "limit", "crop_box", "jitter", "rotate")


def build_train_set(cfg: TrainDataConfig, scale: int, seed: int) -> Dataset:
    """Paired faces of ``cfg.dataset`` and of each ``cfg.also`` entry, concatenated."""
    import dataclasses

    parts = [_build_one(cfg, scale, seed)]
    for k, extra in enumerate(cfg.also, start=1):
        unknown = [key for key in extra if key not in _ALSO_KEYS]
        if unknown or "dataset" not in extra:
            raise ConfigError(f"data.train.also[{k - 1}]: needs 'dataset'; known keys: {', '.join(_ALSO_KEYS)}"
                              + (f" (unknown: {', '.join(map(str, unknown))})" if unknown else ""))
        sub = dataclasses.replace(cfg, **{key: extra.get(key, getattr(cfg, key)) for key in _ALSO_KEYS},
                                  also=())
        if "start" not in extra:
            sub = dataclasses.replace(sub, start=0)
        if "limit" not in extra:
            sub = dataclasses.replace(sub, limit=None)
        parts.append(_build_one(sub, scale, seed + 7919 * k))  # another seed: other draws for index i
    return parts[0] if len(parts) == 1 else ConcatFaces(parts)


class ConcatFaces(torch.utils.data.ConcatDataset):
    """Several training sets as one (``set_epoch`` reaches each)."""

    def set_epoch(self, epoch: int) -> None:
        for d in self.datasets:
            if hasattr(d, "set_epoch"):
                d.set_epoch(epoch)


def prepare_cache(cfg: TrainDataConfig) -> None:
    """Write (or finish) the prepared cache at ``cfg.root`` that ``cfg.prepare`` describes: the first
    ``start + limit`` images (all without a limit); images already prepared are kept."""
    from dataclasses import fields

    from ..data import open_dataset
    from ..data.prepare import PrepareOptions, prepare

    known = {f.name for f in fields(PrepareOptions)} - {"size", "kernel"}
    opts = dict(cfg.prepare or {})
    unknown = sorted(set(opts) - known)
    if unknown or "dataset" not in opts:
        raise ConfigError(f"data.train.prepare: a mapping with 'dataset' and any of {', '.join(sorted(known))}"
                          + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    limit = None if cfg.limit is None else cfg.start + cfg.limit
    options = PrepareOptions(**opts, size=cfg.size, kernel=cfg.kernel)
    prepare(open_dataset(options.dataset), cfg.root, options, limit=limit, progress=True)


def _build_one(cfg: TrainDataConfig, scale: int, seed: int) -> Dataset:
    """Paired faces of ``cfg.dataset`` (:class:`facesr.data.paired.PairedFaceDataset`)."""
    from ..data import open_dataset
    from ..data.paired import PairedFaceDataset
    from ..errors import FacesrError

    if cfg.dataset == "prepared":  # a folder written by 'facesr data prepare' (aligned faces, priors)
        if not cfg.root:
            raise ConfigError("data.train.dataset 'prepared' needs data.train.root: the folder written by "
                              "'facesr data prepare --out'")
        if cfg.prepare is not None:
            prepare_cache(cfg)
        reader = cfg.root
    else:
        try:
            reader = open_dataset(cfg.dataset, cfg.root)
        except FacesrError as exc:
            raise type(exc)(f"data.train: {exc}") from None
    degradation: Any = cfg.degradation
    if scale == 1 and cfg.degradation not in ("bicubic", "dataset"):
        from ..degradation import build_degradation

        # a full-size restorer: the preset's own sampled scales, LR resized back to the HR size
        degradation = build_degradation(cfg.degradation, None, kernel=cfg.kernel, back=True)
    try:
        pairs = PairedFaceDataset(reader, scale=scale, size=cfg.size, degradation=degradation,
                                  kernel=cfg.kernel, priors=cfg.priors, flip=cfg.flip, seed=seed,
                                  crop_box=resolve_box(cfg.crop_box), jitter=cfg.jitter,
                                  rotate=cfg.rotate)
    except InputError as exc:
        raise type(exc)(f"data.train: {exc}") from None
    start, stop = _slice(len(pairs), cfg.start, cfg.limit)
    if cfg.preload:
        pairs.preload(range(start, stop))
    return SliceDataset(pairs, start, stop)


class ResumableSampler(DistributedSampler):
    """``DistributedSampler`` (shuffled by seed + epoch, padded/dropped to equal shares) that skips
    the first ``skip`` indices of its share: the data position of a resumed run."""

    def __init__(self, dataset: Dataset, num_replicas: int, rank: int, seed: int) -> None:
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=True, seed=seed, drop_last=True)
        self.skip = 0

    def set_position(self, epoch: int, skip: int) -> None:
        self.set_epoch(epoch)
        self.skip = skip

    def __iter__(self) -> Iterator[int]:
        it = super().__iter__()
        for _ in range(self.skip):
            next(it)
        yield from it

    def __len__(self) -> int:
        return self.num_samples - self.skip


def load_val_faces(cfg: ValConfig, size: int) -> tuple[list[str], np.ndarray]:
    """Names and ``uint8 N x size x size x 3`` HR faces of the validation slice."""
    from ..data import open_dataset
    from ..data.source import ReaderSource
    from ..errors import FacesrError

    try:
        reader = open_dataset(cfg.dataset, cfg.root)
    except FacesrError as exc:
        raise type(exc)(f"data.val: {exc}") from None
    source = ReaderSource(reader, size=size, read_lr=False, box=resolve_box(cfg.crop_box))
    start, stop = _slice(len(source), cfg.start, cfg.limit)
    if start >= stop:
        raise InputError(f"validation slice [{cfg.start}, {cfg.start}+{cfg.limit}) of {cfg.dataset} is empty")
    samples = [source.sample(i) for i in range(start, stop)]
    return [s.key for s in samples], np.stack([s.hr for s in samples])


def ignore_interrupts(worker_id: int) -> None:  # noqa: ARG001
    """DataLoader ``worker_init_fn``: Ctrl-C is the main process's to handle (it checkpoints)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def collate_to(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    return {k: (v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v) for k, v in batch.items()}


def degraded_val_lr(hr: np.ndarray, cfg: ValConfig, scale: int, kernel: str = "matlab") -> np.ndarray:
    """The LR faces of ``data.val.degradation``: each HR face degraded by the preset at
    ``degradation_scale`` (or ``scale``) with a seed from ``degradation_seed`` and its index; for
    ``scale`` 1 the LR is resized back to the HR size. uint8 ``N x h x w x 3``."""
    from ..degradation import build_degradation, image_seed

    s = cfg.degradation_scale if cfg.degradation_scale is not None else scale
    deg = build_degradation(cfg.degradation, float(s) if s else None, kernel=kernel, back=scale == 1)
    out = [deg(face, image_seed(cfg.degradation_seed, str(i)))[0] for i, face in enumerate(hr)]
    sizes = {o.shape for o in out}
    if len(sizes) != 1:
        raise ConfigError(f"data.val.degradation {cfg.degradation!r} made LR faces of several sizes "
                          f"({sorted(sizes)}): fix degradation_scale")
    return np.stack(out)
