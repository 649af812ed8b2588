"""Joint deblurring and super-resolution (``recipe: {type: deblur, blur: both}``; survey §4.7.2, DGFAN): the
``sr`` recipe on blurred LR faces, with one more batch key, ``lr_sharp``: the HR face down-scaled by the run's
scale and kernel without blur, the target of a network's deblurred-LR output (DGFAN's ``lr_deblur``; a loss
term ``inputs: [lr_deblur, lr_sharp]``).

Option ``blur``: ``gaussian``, ``motion`` or ``both`` makes the training LR (and the validation LR, unless
``data.val.degradation`` names a preset) by the chain of ``facesr bench --degradation deblur[-gaussian|
-motion]`` (:func:`facesr.degradation.pipeline.deblur_steps`: Gaussian sigma 1..3 or motion 5..15 px, then
bicubic down by the scale; seeded per sample); ``none`` keeps ``data.train.degradation`` (e.g. ``blind``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch

from ...errors import ConfigError
from .sr import SRRecipe

#: batch keys this recipe adds before each step
ADDED_KEYS = ("lr_sharp",)
BLURS = ("gaussian", "motion", "both", "none")


@dataclass
class DeblurOptions:
    """``blur``: the blur of the training LR (module doc)."""

    blur: str = "both"


def sharp_lr(hr: torch.Tensor, scale: int, kernel: str) -> torch.Tensor:
    """``hr`` (N x 3 x H x W, [0,1]) resized by ``1/scale`` with ``kernel`` (no blur, no noise)."""
    from ...ops import imresize

    h, w = int(hr.shape[-2]), int(hr.shape[-1])
    return imresize(hr, size=(h // scale, w // scale), kernel=kernel)


class DeblurRecipe(SRRecipe):
    name = "deblur"
    Options = DeblurOptions

    def __init__(self, trainer: Any, options: dict[str, Any]) -> None:
        super().__init__(trainer, options)
        blur = self.options.blur
        if blur not in BLURS:
            raise ConfigError(f"recipe deblur: blur must be one of {', '.join(BLURS)}, got {blur!r}")
        self.steps = None
        if blur != "none":
            from ...degradation.pipeline import deblur_steps

            self.steps = deblur_steps(self.cfg.scale, self.kernel, blur)

    def train_set(self) -> torch.utils.data.Dataset:
        if self.steps is None:
            return super().train_set()
        from ...degradation import Degradation
        from ..data import build_train_set

        d = self.cfg.data.train
        blurred = dataclasses.replace(d, degradation=Degradation(self.steps, f"deblur-{self.options.blur}",
                                                                  self.cfg.scale))
        return build_train_set(blurred, self.cfg.scale, self.cfg.seed)

    def validator(self, val_faces: Any = None) -> Any:
        if self.steps is None or self.cfg.data.val.degradation:
            return super().validator(val_faces)
        cfg = self.cfg  # validate on the same blur chain (seeded per face by data.val.degradation_seed)
        self.cfg = dataclasses.replace(cfg, data=dataclasses.replace(
            cfg.data, val=dataclasses.replace(cfg.data.val, degradation=self.steps)))
        try:
            return super().validator(val_faces)
        finally:
            self.cfg = cfg

    def _check_loss_inputs(self, given: bool) -> None:
        saved = self.aux_outputs
        self.aux_outputs = (*saved, *ADDED_KEYS)  # the loss check counts the added keys as provided
        try:
            super()._check_loss_inputs(given)
        finally:
            self.aux_outputs = saved

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        batch = {**batch, "lr_sharp": sharp_lr(batch["hr"], self.cfg.scale, self.kernel)}
        return super().step(batch, it)


RECIPE = DeblurRecipe
