"""The landmark recipe (``recipe: {type: landmarks, ...}``): the standalone 68-landmark stacked hourglass
(:class:`~facesr.models.prior.hourglass.StackedHourglass`, ``generator.model: hourglass``, its constructor
options in ``generator.options``) on aligned faces with dlib 68-point pseudo ground truth.

Data: a folder written by ``facesr data prepare --landmarks`` (``data.train``: ``dataset: prepared``,
``root``, ``priors: [landmarks]``). Each training face is warped by a random similarity (options ``rotate``
degrees, ``zoom`` fraction, ``shift`` face pixels) and, with probability ``degrade``, replaced by its bicubic
x2-x8 downscale brought back to size (:mod:`facesr.models.prior.landmark_training`). Loss: the ``losses``
block (e.g. ``prior``, Eq. 15) on every stack's heatmaps (``prior_pred``) against Gaussians of ``sigma``
heatmap pixels (``heatmaps``), summed over the stacks (intermediate supervision).

Validation (``data.val``, ``dataset: prepared``, ``metrics: [nme]``): the NME (mean point error over the
outer-eye-corner distance, 300-W convention) against dlib's points on ``data.val.root`` faces ``[start,
start + limit)``, or, with ``root: null``, on the last ``limit`` faces of the training slice, which are then
held out of training. The best network is also written to ``<output>/landmarks.safetensors``
(:func:`~facesr.models.prior.landmark_net.load_landmark_net`).
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ...errors import ConfigError
from .base import NonFinite, Recipe

#: file of the best network in the run folder
WEIGHTS = "landmarks.safetensors"


@dataclass
class LandmarkOptions:
    """``sigma``: heatmap Gaussians' standard deviation (heatmap pixels); ``rotate``, ``zoom``, ``shift``:
    bounds of the random similarity per training face (0: off); ``degrade``: probability of a bicubic
    down/up-scaled face."""

    sigma: float = 1.0
    rotate: float = 0.0
    zoom: float = 0.0
    shift: float = 0.0
    degrade: float = 0.0


class LandmarkRecipe(Recipe):
    name = "landmarks"
    batch_keys = ("hr", "landmarks")
    Options = LandmarkOptions

    def networks(self):
        if self.cfg.nets:
            raise ConfigError(f"recipe landmarks trains one network (generator); remove nets "
                              f"({', '.join(self.cfg.nets)})")
        return super().networks()

    def build_network(self, name: str, nc: Any, seed: int) -> nn.Module:
        from ...models.prior.hourglass import StackedHourglass

        if nc.model != "hourglass" or nc.part:
            raise ConfigError(f"recipe landmarks trains generator.model: hourglass, got {nc.model!r}")
        params = inspect.signature(StackedHourglass.__init__).parameters
        unknown = [k for k in nc.options if k not in params or k == "self"]
        if unknown:
            raise ConfigError(f"generator.options: StackedHourglass has no option {unknown[0]!r} "
                              f"(options: {', '.join(p for p in params if p != 'self')})")
        #: the constructor's arguments, defaults included (what the exported file records)
        self.net_options = {**{k: p.default for k, p in params.items() if p.default is not p.empty},
                            **nc.options}
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return StackedHourglass(**nc.options)

    def setup(self) -> None:
        from ...losses import WeightedLoss

        self.loss = WeightedLoss(self.cfg.losses).to(self.trainer.device)
        have = ("prior_pred", "heatmaps", *self.batch_keys)
        for t in self.loss.terms:
            missing = [k for k in t.inputs if k not in have]
            if missing:
                raise ConfigError(f"loss term {t.name!r} needs {missing[0]!r}; the landmark recipe provides "
                                  f"{', '.join(have)}")

    # -- data ----------------------------------------------------------------------------------------
    def _faces(self, **changes: Any) -> Any:
        from ..data import build_train_set

        d = dataclasses.replace(self.cfg.data.train, **changes)
        return build_train_set(d, self.cfg.scale, self.cfg.seed)

    def train_set(self) -> Any:
        from ..data import SliceDataset

        faces = self._faces()
        v = self.cfg.data.val
        if not v.enabled or v.root:
            return faces
        if not isinstance(faces, SliceDataset) or v.limit is None or len(faces) <= v.limit:
            raise ConfigError(f"data.train holds {len(faces)} faces: too few to hold out data.val.limit={v.limit} "
                              "for validation (or set data.val.root)")
        #: the held-out slice of the training faces (validation without data.val.root)
        self.held_out = (faces.stop - v.limit, v.limit)
        return SliceDataset(faces.base, faces.start, faces.stop - v.limit)

    def validator(self, val_faces: Any = None) -> Any:
        v = self.cfg.data.val
        if val_faces is not None:
            raise ConfigError("recipe landmarks validates on faces with landmarks (data.val), not on given faces")
        if v.dataset != "prepared" or tuple(v.metrics) != ("nme",):
            raise ConfigError("recipe landmarks validates on prepared faces by their NME: set data.val.dataset: "
                              "prepared and data.val.metrics: [nme]")
        if v.root:
            faces = self._faces(root=v.root, start=v.start, limit=v.limit, flip=0.0, also=())
        elif hasattr(self, "held_out"):
            start, limit = self.held_out
            faces = self._faces(start=start, limit=limit, flip=0.0, also=())
        else:
            raise ConfigError("recipe landmarks: set data.val.root (the training set was given)")
        return NMEValidator(faces, self.cfg.data.val.batch_size, self.trainer.dist, self.trainer.device)

    def on_validation(self, scores: dict[str, float], improved: bool) -> None:
        if improved and self.trainer.dist.is_main:
            from ...models.prior.landmark_net import save_landmark_net

            tr = self.trainer
            save_landmark_net(tr.nets["generator"], self.net_options, tr.out / WEIGHTS, iteration=tr.iteration,
                              nme=scores["nme"], sigma=self.options.sigma)

    # -- the iteration ---------------------------------------------------------------------------------
    def probe(self, batch: dict[str, Any]) -> tuple[nn.Module, torch.Tensor]:
        return self.trainer.nets["generator"], batch["hr"]

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ...losses import Context
        from ...losses.landmark import render_heatmaps
        from ...models.prior.landmark_training import random_degrade, random_similarity

        tr, o = self.trainer, self.options
        faces, points = random_similarity(batch["hr"], batch["landmarks"], o.rotate, o.zoom, o.shift)
        faces = random_degrade(faces, o.degrade).to(tr.device)
        points = points.to(tr.device)
        x = tr.precision.layout(faces) if tr.precision is not None else faces
        with tr.autocast():
            outs = [out.float() for out in tr.wrapped["generator"](x, all_stacks=True)]
        target = render_heatmaps(points, tuple(outs[-1].shape[-2:]), o.sigma, faces.shape[-1] / outs[-1].shape[-1])
        total: torch.Tensor | None = None
        parts: dict[str, torch.Tensor] = {}
        with tr.autocast():
            for out in outs:  # intermediate supervision: every stack against the same heatmaps
                value, terms = self.loss(Context({"prior_pred": out, "heatmaps": target, "hr": faces,
                                                  "landmarks": points}))
                total = value if total is None else total + value
                parts = {k: parts[k] + v if k in parts else v for k, v in terms.items()}
        assert total is not None
        if not torch.isfinite(total):
            bad = [k for k, v in parts.items() if not torch.isfinite(v)] or ["total"]
            raise NonFinite(it, f"generator loss term(s) {', '.join(bad)}")
        tr.update(total, ["generator"])
        return {**parts, "loss": total.detach()}


class NMEValidator:
    """The mean NME of a landmark network on fixed faces (items with ``hr`` and ``landmarks``); the faces
    are split over the processes and the sums reduced."""

    higher_better = False
    baseline: dict[str, float] = {}

    def __init__(self, faces: Any, batch_size: int, dist: Any, device: torch.device) -> None:
        items = [faces[i] for i in range(dist.rank, len(faces), dist.world_size)]
        self.hr = torch.stack([it["hr"] for it in items]) if items else None
        self.truth = np.stack([it["landmarks"].numpy() for it in items]) if items else None
        self.batch_size, self.dist, self.device = batch_size, dist, device

    @torch.no_grad()
    def __call__(self, net: nn.Module) -> dict[str, float]:
        from ...models.prior.landmark_net import predict_landmarks
        from ...models.prior.landmark_training import nme
        from ..distributed import all_reduce_sum

        total, count = 0.0, 0
        if self.hr is not None:
            for i in range(0, self.hr.shape[0], self.batch_size):
                pred = predict_landmarks(net, self.hr[i : i + self.batch_size].to(self.device))
                errors = nme(pred, self.truth[i : i + self.batch_size])
                total, count = total + float(errors.sum()), count + len(errors)
        sums = all_reduce_sum(torch.tensor([total, float(count)], dtype=torch.float64), self.dist)
        return {"nme": float(sums[0] / sums[1])}


RECIPE = LandmarkRecipe
