"""LRGAN's two stages (``recipe: {type: lrgan, degrade: N}``; Bulat et al., ECCV 2018; survey §4.1.2):

1. iterations ``1..degrade``: the High-to-Low GAN. The degrader (``nets.<degrader>``, role ``joint``) turns
   HR faces (and noise) into LR faces ``glr``; its loss is the config's terms named in ``degrader_terms``
   (LRGAN: MSE of ``glr`` against the HR face average-pooled by the scale, context key ``hr_down``, and
   the hinge GAN term on ``<lr_critic>_fake``); the LR critic ``nets.<lr_critic>`` learns the unpaired
   real LR faces (``lr_real``) against ``glr``. The SR generator rests.
2. afterwards: the Low-to-High GAN. The degrader is fixed (eval mode, no gradient) and makes the SR
   generator's inputs from the HR faces; the generator is trained by the other terms (LRGAN: MSE of
   ``sr`` and the HR face, hinge GAN term on ``d_fake``) and the other critics learn HR faces against ``sr``.

Training items carry a real LR face (``lr_real``; :mod:`facesr.data.real_lr`, options of
:class:`~._unpaired.RealLROptions`). Validation is the ``sr`` recipe's (the generator on ``data.val``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from ._unpaired import RealLROptions, UnpairedRecipe


@dataclass
class LRGANOptions(RealLROptions):
    """``degrade``: iterations of stage 1; ``degrader`` and ``lr_critic``: the ``nets`` entries of the
    High-to-Low generator and of its critic; ``degrader_terms``: the loss terms of stage 1."""

    degrade: int = 0
    degrader: str = "degrader"
    lr_critic: str = "lr_discriminator"
    degrader_terms: tuple[str, ...] = field(default_factory=lambda: ("lr_pixel", "lr_adversarial"))


class LRGANRecipe(UnpairedRecipe):
    name = "lrgan"
    Options = LRGANOptions
    added = ("glr", "hr_down")
    stage_option = "degrade"

    def setup(self) -> None:
        super().setup()
        o = self.options
        self.need(o.degrader, "joint", "degrader")
        self.need(o.lr_critic, "critic", "lr_critic")
        self.h2l_terms, self.l2h_terms = self.split_terms(o.degrader_terms, "degrader_terms")
        self.sr_critics = [n for n in self.critics if n != o.lr_critic]

    def stage_one(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        tr, o = self.trainer, self.options
        hr = batch["hr"]
        tr.nets[o.degrader].train()
        values: dict[str, torch.Tensor] = {}
        due = tr.due(o.degrader, it)
        with tr.autocast(), torch.set_grad_enabled(due):
            glr = tr.wrapped[o.degrader](hr).float()
        if due:
            ctx = self.context(batch, {"glr": glr, "hr_down": F.avg_pool2d(hr, self.cfg.scale)},
                                self.critic_outputs([o.lr_critic], glr))
            values.update(self.update_group(self.h2l_terms, ctx, it, [o.degrader], [o.lr_critic]))
        values.update(self.critic_update(o.lr_critic, it, batch["lr_real"], glr))
        return values

    def stage_two(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        tr, o = self.trainer, self.options
        hr = batch["hr"]
        degrader = tr.nets[o.degrader].eval()
        with torch.no_grad(), tr.autocast():
            glr = degrader(hr).float()
        x = self._input(glr)
        if tr.precision is not None:
            x = tr.precision.layout(x)
        due = tr.due("generator", it)
        with tr.autocast(), torch.set_grad_enabled(due):
            sr = tr.wrapped["generator"](x).float()
        values: dict[str, torch.Tensor] = {}
        if due:
            ctx = self.context(batch, {"glr": glr, "input": x, "sr": sr}, self.critic_outputs(self.sr_critics, sr))
            values.update(self.update_group(self.l2h_terms, ctx, it, ["generator"], self.sr_critics))
        for n in self.sr_critics:
            values.update(self.critic_update(n, it, hr, sr))
        return values


RECIPE = LRGANRecipe
