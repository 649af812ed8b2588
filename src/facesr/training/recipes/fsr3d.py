"""Point-cloud face SR (``recipe: {type: fsr3d, ...}``; survey §4.8.4): ``fsr3d`` trained on MediaPipe face meshes
of ``data.train``'s faces (:mod:`facesr.data.face_clouds`: 478-point clouds, sparse noisy subsets as LR).

``data.train``: ``dataset``, ``root``, ``start``, ``limit``, ``crop_box``, ``kernel`` and ``flip`` (mirror x); the
faces are cropped at ``mesh_size`` pixels for MediaPipe (``size`` is not used). Options: ``noise`` (LR noise, in
RMS radii), ``mesh_size``, ``normal_k`` (neighbours of the normals in ``normal_error``). Validation: the
meshes of ``data.val``'s faces with LR drawn under ``data.val.degradation_seed``, scored by ``data.val.metrics``
(``chamfer``, ``normal_error``; lower is better), beside the ``repeat`` baseline (every LR point repeated
``scale`` times). The loss is the config's ``losses`` on ``sr`` / ``hr`` clouds (``lr`` also available):
``chamfer`` (PU-Net's reconstruction term). Needs mediapipe 0.10.21.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ...errors import ConfigError
from .base import NonFinite, Recipe

#: validation metrics of point clouds (the first in ``data.val.metrics`` picks ``best.pt``)
CLOUD_METRICS = ("chamfer", "normal_error")


@dataclass
class FSR3DOptions:
    noise: float = 0.01
    mesh_size: int = 256
    normal_k: int = 10


class FSR3DRecipe(Recipe):
    name = "fsr3d"
    Options = FSR3DOptions

    def networks(self):
        if self.cfg.nets:
            raise ConfigError(f"recipe fsr3d trains one network (generator); remove nets ({', '.join(self.cfg.nets)})")
        return super().networks()

    def setup(self) -> None:
        from ...losses import WeightedLoss

        self.loss = WeightedLoss(self.cfg.losses).to(self.trainer.device)
        for t in self.loss.terms:
            missing = [k for k in t.inputs if k not in ("sr", "hr", "lr")]
            if missing and t.weight != 0:
                raise ConfigError(f"loss term {t.name!r} needs {missing[0]!r}; the fsr3d recipe provides sr, hr, lr")

    def train_set(self) -> torch.utils.data.Dataset:
        from ...data import open_dataset
        from ...data.face_clouds import FaceCloudDataset, source_clouds
        from ...data.paired import as_source
        from ...errors import FacesrError
        from ..data import _slice, resolve_box

        d, o = self.cfg.data.train, self.options
        try:
            source = as_source(open_dataset(d.dataset, d.root), o.mesh_size, d.kernel, resolve_box(d.crop_box))
            start, stop = _slice(len(source), d.start, d.limit)
            clouds, _ = source_clouds(source, list(range(start, stop)))
        except FacesrError as exc:
            raise type(exc)(f"data.train (face clouds): {exc}") from None
        return FaceCloudDataset(clouds, scale=self.cfg.scale, noise=o.noise, seed=self.cfg.seed, flip=d.flip)

    def check_data(self, given: bool) -> None:
        item = self.trainer.train_set[0]
        if any(k not in item or item[k].dim() != 2 or item[k].shape[-1] != 3 for k in ("lr", "hr")):
            raise ConfigError("recipe fsr3d needs items with 'lr' and 'hr' point clouds (P x 3)")

    def validator(self, val_faces: Any = None) -> Any:
        from ...data.face_clouds import image_clouds
        from ..data import load_val_faces

        v = self.cfg.data.val
        bad = [m for m in v.metrics if m not in CLOUD_METRICS]
        if bad:
            raise ConfigError(f"recipe fsr3d validates with {', '.join(CLOUD_METRICS)}, not {', '.join(bad)}")
        faces = val_faces if val_faces is not None else load_val_faces(v, self.options.mesh_size)[1]
        clouds, _ = image_clouds(faces)
        return CloudValidator(clouds, scale=self.cfg.scale, noise=self.options.noise, seed=v.degradation_seed,
                              metrics=v.metrics, normal_k=self.options.normal_k, batch_size=v.batch_size,
                              device=self.trainer.device)

    def probe(self, batch: dict[str, Any]) -> tuple[nn.Module, torch.Tensor]:
        return self.trainer.nets["generator"], batch["lr"]

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ...losses import Context

        tr = self.trainer
        lr, hr = batch["lr"].to(tr.device), batch["hr"].to(tr.device)
        with tr.autocast():
            sr = tr.wrapped["generator"](lr)
        total, parts = self.loss(Context({"lr": lr, "hr": hr, "sr": sr.float()}))
        if not torch.isfinite(total):
            bad = [k for k, v in parts.items() if not torch.isfinite(v)] or ["total"]
            raise NonFinite(it, f"loss term(s) {', '.join(bad)}")
        tr.update(total, ["generator"])
        return {**parts, "loss": total.detach()}


class CloudValidator:
    """Scores a point-cloud generator on fixed LR draws of normalised ``clouds`` (``K x P x 3``): the mean of each
    of ``metrics`` (:data:`CLOUD_METRICS`); ``baseline``: the same for LR points repeated ``scale`` times."""

    higher_better = False
    baseline_name = "repeat"

    def __init__(self, clouds: np.ndarray, *, scale: int, noise: float, seed: int, metrics: tuple[str, ...],
                 normal_k: int, batch_size: int, device: torch.device) -> None:
        from ...data.face_clouds import FaceCloudDataset

        data = FaceCloudDataset(clouds, scale=scale, noise=noise, seed=seed)
        items = [data[i] for i in range(len(data))]
        self.lr = torch.stack([t["lr"] for t in items])
        self.hr = torch.stack([t["hr"] for t in items])
        self.metrics, self.normal_k, self.scale = tuple(metrics), int(normal_k), int(scale)
        self.batch_size, self.device = max(1, int(batch_size)), device
        self.baseline = self._scores(lambda lr: lr.repeat_interleave(self.scale, dim=1))

    def _scores(self, run: Any) -> dict[str, float]:
        from ...metrics.point_cloud import chamfer_distance, normal_error

        fns = {"chamfer": chamfer_distance, "normal_error": lambda a, b: normal_error(a, b, self.normal_k)}
        sums = dict.fromkeys(self.metrics, 0.0)
        for i in range(0, len(self.lr), self.batch_size):
            lr, hr = self.lr[i:i + self.batch_size].to(self.device), self.hr[i:i + self.batch_size].to(self.device)
            sr = run(lr).float()
            for m in self.metrics:
                sums[m] += float(fns[m](sr, hr).sum())
        return {m: v / len(self.lr) for m, v in sums.items()}

    @torch.no_grad()
    def __call__(self, net: nn.Module) -> dict[str, float]:
        was = net.training
        net.eval()
        try:
            return self._scores(net)
        finally:
            net.train(was)


RECIPE = FSR3DRecipe
