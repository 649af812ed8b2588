"""CR's stages (``recipe: {type: cr, translate: N}``; Cheng, Zhu & Gong, WACV 2020; survey §4.1.2):

1. iterations ``1..translate``: the CycleGAN between real LR faces (``lr_real``) and artificial LR faces
   (``lr``, the bicubic LR of the HR faces). The generator's ``translator`` maps real -> artificial,
   ``nets.<to_real>`` (role ``joint``) artificial -> real; their loss is the config's terms named in
   ``cycle_terms`` on the context keys ``fake_art`` (= translator(lr_real)), ``fake_real`` (= to_real(lr)),
   ``lr_real_cycle``, ``lr_cycle`` (the round trips), ``lr_idt`` and ``lr_real_idt`` (each generator on its
   own output domain) and the critics' ``<critic>_fake``: CycleGAN's LSGAN terms, the cycle loss (survey
   Eq. 13 with the two LR domains in place of LR and HR) and the identity terms. ``nets.<art_critic>``
   learns ``lr`` against ``fake_art``, ``nets.<real_critic>`` ``lr_real`` against ``fake_real``. In the same
   iteration the SR model is pretrained on the artificial pairs by the terms of ``pretrain_terms``
   (``sr`` = sr(lr) against ``hr``).
2. afterwards: the SR model fine-tuned, the translator fixed. The context holds ``sr`` (artificial pairs),
   ``lr_real_art`` (the translated real faces), ``sr_real`` (their super-resolution) and
   ``sr_real_down`` (that, bicubic-downscaled by the scale): every loss term not in ``cycle_terms`` counts
   (CR: pixel loss on the pairs, LR consistency of the real faces, adversarial term of an HR critic on
   ``sr_real``); the other critics learn HR faces against ``sr_real``.

Validation is the ``sr`` recipe's: the whole network (translator, then SR) on ``data.val``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from ...errors import ConfigError
from ._unpaired import RealLROptions, UnpairedRecipe


@dataclass
class CROptions(RealLROptions):
    """``translate``: iterations of stage 1; ``to_real``, ``real_critic``, ``art_critic``: the ``nets``
    entries of CycleGAN's second generator and of the two LR critics; ``cycle_terms``: the CycleGAN's loss
    terms; ``pretrain_terms``: the SR model's terms during stage 1."""

    translate: int = 0
    to_real: str = "to_real"
    real_critic: str = "real_discriminator"
    art_critic: str = "art_discriminator"
    cycle_terms: tuple[str, ...] = field(default_factory=lambda: ("gan_art", "gan_real", "cycle", "identity_art",
                                                                  "identity_real"))
    pretrain_terms: tuple[str, ...] = field(default_factory=lambda: ("pixel",))


class CRRecipe(UnpairedRecipe):
    name = "cr"
    Options = CROptions
    added = ("fake_art", "fake_real", "lr_real_cycle", "lr_cycle", "lr_idt", "lr_real_idt", "lr_real_art", "sr_real",
             "sr_real_down")
    stage_option = "translate"

    def setup(self) -> None:
        super().setup()
        o = self.options
        g = self.trainer.nets["generator"]
        if not (hasattr(g, "translator") and hasattr(g, "sr")):
            raise ConfigError(f"recipe cr needs a generator with a translator and an SR model (cr), not "
                              f"{self.info['display']}")
        self.need(o.to_real, "joint", "to_real")
        self.need(o.real_critic, "critic", "real_critic")
        self.need(o.art_critic, "critic", "art_critic")
        self.cycle_terms, self.sr_terms = self.split_terms(o.cycle_terms, "cycle_terms")
        self.pretrain, _ = self.split_terms(o.pretrain_terms, "pretrain_terms")
        self.lr_critics = [o.real_critic, o.art_critic]
        self.hr_critics = [n for n in self.critics if n not in self.lr_critics]

    def stage_one(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        tr, o = self.trainer, self.options
        g, to_real = tr.nets["generator"], tr.wrapped[o.to_real]
        real, art = batch["lr_real"], batch["lr"]
        values: dict[str, torch.Tensor] = {}
        if tr.due("generator", it):
            with tr.autocast():
                fake_art, fake_real = g.translator(real).float(), to_real(art).float()
                out = {"fake_art": fake_art, "fake_real": fake_real, "lr_real_cycle": to_real(fake_art).float(),
                       "lr_cycle": g.translator(fake_real).float(), "lr_idt": g.translator(art).float(),
                       "lr_real_idt": to_real(real).float(), "sr": g.sr(art).float()}
            producers = {**self.critic_outputs([o.art_critic], fake_art), **self.critic_outputs([o.real_critic],
                                                                                               fake_real)}
            ctx = self.context(batch, out, producers)
            values.update(self.update_group([*self.cycle_terms, *self.pretrain], ctx, it, ["generator", o.to_real],
                                            self.critics))
        else:
            with torch.no_grad(), tr.autocast():
                fake_art, fake_real = g.translator(real).float(), to_real(art).float()
        values.update(self.critic_update(o.art_critic, it, art, fake_art))
        values.update(self.critic_update(o.real_critic, it, real, fake_real))
        return values

    def stage_two(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ...ops import imresize

        tr = self.trainer
        g = tr.nets["generator"]
        hr = batch["hr"]
        with torch.no_grad(), tr.autocast():
            real_art = g.translator(batch["lr_real"]).float()
        due = tr.due("generator", it)
        g.translator.requires_grad_(False)
        try:
            with tr.autocast(), torch.set_grad_enabled(due):
                sr_real = g.sr(real_art).float()
                out = {"lr_real_art": real_art, "sr_real": sr_real, "sr": g.sr(batch["lr"]).float()}
            out["sr_real_down"] = imresize(sr_real, size=tuple(real_art.shape[-2:]), kernel=self.kernel)
            values: dict[str, torch.Tensor] = {}
            if due:
                ctx = self.context(batch, out, self.critic_outputs(self.hr_critics, sr_real))
                values.update(self.update_group(self.sr_terms, ctx, it, ["generator"], self.critics))
        finally:
            g.translator.requires_grad_(True)
        for n in self.hr_critics:
            values.update(self.critic_update(n, it, hr, sr_real))
        return values


RECIPE = CRRecipe
