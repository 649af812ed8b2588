"""The face-video recipe (``recipe: {type: video, ...}``): multi-frame networks (``videofsr``) trained on clips
made from still faces (:class:`facesr.data.video_clips.VideoClipDataset`: smooth random similarity motion,
one draw of ``data.train.degradation`` per clip).

A batch holds ``lr`` ``N x T x 3 x h x w`` (``T`` = the generator's ``frames``) and ``hr`` ``N x 3 x H x W``
(the centre frame); the generator's loss is the config's ``losses`` on ``sr`` / ``hr`` (``lr`` in the loss
context is the centre LR frame). Options: ``shift`` (HR pixels), ``rotate`` (degrees), ``zoom`` (fraction):
per-frame motion bounds of the clips (:class:`facesr.data.video_clips.Motion`); ``accel``: acceleration bound
as a fraction of them.

Validation (``data.val``): fixed clips of ``data.val`` faces degraded by ``data.val.degradation`` (default: the
training preset) with ``degradation_seed``; scores: ``data.val.metrics`` on the centre frame and ``flicker``
(:mod:`facesr.training.video_eval`), the bicubic row beside.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from ...data.video_clips import Motion
from ...errors import ConfigError
from .base import NonFinite, Recipe


class VideoRecipe(Recipe):
    name = "video"
    batch_keys = ("lr", "hr")
    Options = Motion  # the recipe's options: per-frame motion bounds of the training and validation clips

    def networks(self):
        if self.cfg.nets:
            raise ConfigError(f"recipe video trains one network (generator); remove nets ({', '.join(self.cfg.nets)})")
        return super().networks()

    @property
    def frames(self) -> int:
        net = self.trainer.nets["generator"]
        frames = getattr(net, "frames", None)
        if frames is None:
            raise ConfigError(f"recipe video trains multi-frame networks (videofsr); {self.cfg.generator.model} "
                              "takes one frame")
        return int(frames)

    @property
    def motion(self) -> Motion:
        return self.options

    def setup(self) -> None:
        from ...losses import WeightedLoss

        self.loss = WeightedLoss(self.cfg.losses).to(self.trainer.device)
        have = ("sr", "hr", "lr", "index", "seed")
        for t in self.loss.terms:
            missing = [k for k in t.inputs if k not in have]
            if missing and t.weight != 0:
                raise ConfigError(f"loss term {t.name!r} needs {missing[0]!r}; the video recipe provides "
                                  f"{', '.join(have)}")

    # -- data ----------------------------------------------------------------------------------------
    def train_set(self) -> Any:
        from ...data import open_dataset
        from ...data.video_clips import VideoClipDataset
        from ...errors import FacesrError
        from ..data import SliceDataset, _slice, resolve_box

        d = self.cfg.data.train
        if d.also or d.priors or d.jitter or d.rotate:
            raise ConfigError("recipe video: data.train takes dataset, root, start, limit, size, degradation, "
                              "kernel, flip and crop_box (no also, priors, jitter or rotate)")
        if d.dataset == "prepared":
            if not d.root:
                raise ConfigError("data.train.dataset 'prepared' needs data.train.root")
            reader: Any = d.root
        else:
            try:
                reader = open_dataset(d.dataset, d.root)
            except FacesrError as exc:
                raise type(exc)(f"data.train: {exc}") from None
        if resolve_box(d.crop_box) is not None:
            from ...data.source import ReaderSource

            reader = ReaderSource(reader, size=d.size, kernel=d.kernel, box=resolve_box(d.crop_box))
        clips = VideoClipDataset(reader, scale=self.cfg.scale, frames=self.frames, size=d.size,
                                 degradation=d.degradation, kernel=d.kernel, motion=self.motion, flip=d.flip,
                                 seed=self.cfg.seed)
        start, stop = _slice(len(clips), d.start, d.limit)
        return SliceDataset(clips, start, stop)

    def check_data(self, given: bool) -> None:
        item = self.trainer.train_set[0]
        lr = item.get("lr")
        if lr is None or "hr" not in item or lr.dim() != 4 or lr.shape[0] != self.frames:
            shape = None if lr is None else tuple(lr.shape)
            raise ConfigError(f"recipe video needs items with 'lr' T x 3 x h x w (T = {self.frames} frames) and "
                              f"'hr'; got lr {shape}")

    # -- validation ------------------------------------------------------------------------------------
    def validator(self, val_faces: Any = None) -> Any:
        from ..data import load_val_faces

        v = self.cfg.data.val
        hr = val_faces if val_faces is not None else load_val_faces(v, self.cfg.data.train.size)[1]
        return ClipValidator(hr, frames=self.frames, scale=self.cfg.scale, protocol=v.protocol, metrics=v.metrics,
                             degradation=v.degradation or self.cfg.data.train.degradation,
                             kernel=self.cfg.data.train.kernel, seed=v.degradation_seed, motion=self.motion,
                             batch_size=v.batch_size, dist=self.trainer.dist, device=self.trainer.device)

    # -- the iteration ---------------------------------------------------------------------------------
    def probe(self, batch: dict[str, Any]) -> tuple[nn.Module, torch.Tensor]:
        return self.trainer.nets["generator"], batch["lr"]

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ...losses import Context
        from ..data import collate_to

        tr = self.trainer
        batch = collate_to(batch, tr.device)
        lr = batch["lr"]
        with tr.autocast():
            sr = tr.wrapped["generator"](lr)
        sr = sr.float()
        ctx = Context({**batch, "lr": lr[:, lr.shape[1] // 2], "sr": sr})
        with tr.autocast():
            total, parts = self.loss(ctx)
        if not torch.isfinite(total):
            bad = [k for k, v in parts.items() if not torch.isfinite(v)] or ["total"]
            raise NonFinite(it, f"generator loss term(s) {', '.join(bad)}")
        tr.update(total, ["generator"])
        return {**parts, "loss": total.detach()}


class ClipValidator:
    """Scores a multi-frame generator on fixed clips (:class:`facesr.training.video_eval.ClipSet`) made from
    ``uint8 N x H x W x 3`` HR faces: ``metrics`` on the centre frame plus ``flicker``; the faces are split over
    the processes and the sums reduced."""

    def __init__(self, hr: np.ndarray, *, frames: int, scale: int, protocol: str, metrics: tuple[str, ...],
                 degradation: str, kernel: str, seed: int, motion: Any, batch_size: int, dist: Any,
                 device: torch.device) -> None:
        from ...metrics import create_metric
        from ...metrics.protocols import get_protocol
        from ..video_eval import FLICKER, ClipSet, bicubic_restore

        proto = get_protocol(protocol)
        self.metric_names = (*metrics, FLICKER)
        self.metrics = [create_metric(m, proto, scale) for m in metrics]
        self.higher_better = self.metrics[0].higher_better
        mine = list(range(dist.rank, len(hr), dist.world_size))
        faces = np.asarray(hr)[mine]
        self.clips = ClipSet(faces, frames=frames, scale=scale, degradation=degradation, kernel=kernel, seed=seed,
                             motion=motion) if mine else None
        self.batch_size, self.dist, self.device = batch_size, dist, device
        self.baseline = self._reduce(self._scores(bicubic_restore(proto, scale)))

    def _scores(self, restore: Any) -> np.ndarray | None:
        from ..video_eval import score_clips

        if self.clips is None:
            return None

        def batched(windows: torch.Tensor) -> torch.Tensor:
            return torch.cat([restore(windows[i : i + self.batch_size]).float().cpu()
                              for i in range(0, windows.shape[0], self.batch_size)])

        return score_clips(batched, self.clips, self.metrics)

    def _reduce(self, scores: np.ndarray | None) -> dict[str, float]:
        from ..distributed import all_reduce_sum

        k = len(self.metric_names)
        sums = torch.zeros(k + 1, dtype=torch.float64)
        if scores is not None:
            sums[:k] = torch.from_numpy(scores.sum(0))
            sums[k] = scores.shape[0]
        sums = all_reduce_sum(sums, self.dist)
        return {name: float(sums[i] / sums[k]) for i, name in enumerate(self.metric_names)}

    @torch.no_grad()
    def __call__(self, net: nn.Module) -> dict[str, float]:
        was = net.training
        net.eval()
        try:
            scores = self._scores(lambda w: net(w.to(self.device)))
        finally:
            net.train(was)
        return self._reduce(scores)


RECIPE = VideoRecipe
