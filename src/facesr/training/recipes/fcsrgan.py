"""FCSR-GAN's staged training (``recipe: {type: fcsrgan, completion: N1, fixed: N2}``; survey §4.7.1):

1. iterations ``1..completion``: the face completion model (``generator.fcm``) alone, on the config's
   loss term ``completion_term`` (the completed LR against the clean LR, bicubic of the HR face); the
   SR model and the critics rest;
2. the next ``fixed`` iterations: the SR model and the critics on every loss of the config, the FCM
   fixed (no gradient reaches it);
3. afterwards: everything end to end (the paper's fine-tuning).

The batch gets ``lr_clean`` (the HR face bicubic-downscaled with the data's kernel) for the completion
term. Everything else is the ``sr`` recipe's (critics, losses, validation). Under DDP the frozen FCM of
stage 2 needs ``find_unused_parameters``: run the stages as separate single-process runs there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ...errors import ConfigError
from .base import NonFinite
from .sr import SRRecipe


@dataclass
class Options:
    completion: int = 0
    fixed: int = 0
    completion_term: str = "completion"


class FCSRGANRecipe(SRRecipe):
    name = "fcsrgan"
    Options = Options

    def setup(self) -> None:
        super().setup()
        o = self.options
        if o.completion < 0 or o.fixed < 0:
            raise ConfigError(f"recipe fcsrgan: completion and fixed are iteration counts >= 0, got "
                              f"{o.completion}, {o.fixed}")
        if not hasattr(self.trainer.nets["generator"], "fcm"):
            raise ConfigError(f"recipe fcsrgan needs a generator with a completion model (fcsrgan), not "
                              f"{self.info['display']}")
        self.term = self.loss.term(o.completion_term)  # a one-line error when the config lacks it
        self.aux_outputs = (*self.aux_outputs, "lr_clean")  # the recipe adds it to every batch

    def stage(self, it: int) -> int:
        """1 (completion model alone), 2 (SR model, completion fixed) or 3 (end to end) at iteration ``it``."""
        o = self.options
        return 1 if it <= o.completion else 2 if it <= o.completion + o.fixed else 3

    def _with_clean(self, batch: dict[str, Any]) -> dict[str, Any]:
        from ...ops import imresize

        hr = batch["hr"]
        size = tuple(batch["lr"].shape[-2:])
        return {**batch, "lr_clean": imresize(hr, size=size, kernel=self.kernel).to(hr.dtype)}

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        batch = self._with_clean(batch)
        stage = self.stage(it)
        if stage == 1:
            return self._completion_step(batch, it)
        fcm = self.trainer.nets["generator"].fcm
        fcm.requires_grad_(stage == 3)
        try:
            values = super().step(batch, it)
        finally:
            fcm.requires_grad_(True)
        return {**values, "stage": torch.tensor(float(stage))}

    def _completion_step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ..data import collate_to

        tr = self.trainer
        batch = collate_to(batch, tr.device)
        net = tr.nets["generator"]
        net.srm.requires_grad_(False)
        try:
            with tr.autocast():
                completed = net.fcm(batch["lr"]).float()
            ctx = {**batch, "lr_completed": completed}
            value = self.term.module(*[ctx[k] for k in self.term.inputs])
            if not torch.isfinite(value):
                raise NonFinite(it, f"completion loss term {self.term.name!r}")
            tr.update(self.term.weight * value, ["generator"])
        finally:
            net.srm.requires_grad_(True)
        return {"loss": value.detach() * self.term.weight, self.term.name: value.detach(),
                "stage": torch.tensor(1.0)}


RECIPE = FCSRGANRecipe
