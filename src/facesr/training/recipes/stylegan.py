"""Unconditional GAN generation (``recipe: {type: stylegan, ...}``): the face prior of the generative-prior
methods (survey §4.1.2), a StyleGAN2 generator (``generator.model: stylegan2``) against its discriminator
(``nets.<critic>``: ``model: stylegan2, part: discriminator, role: critic``), on the ``hr`` faces of
``data.train`` (``data.train.size`` must be the generator's ``size``; ``scale: 1`` spares the LR faces).

Per iteration (StyleGAN2, Karras et al. CVPR 2020): latents ``z ~ N(0, I)`` for a batch, mixed with a second
draw at a random layer with probability ``mixing`` (style-mixing regularisation); the generator minimises the
``losses`` block on ``d_fake`` (the non-saturating logistic loss is ``{type: gan, mode: vanilla}``: softplus of
minus the logit) with the critic frozen; the critic minimises its term's ``critic_loss`` (logistic) on the
real faces and the detached fakes, and every ``r1_every`` iterations takes a separate step on the lazy R1
penalty ``(r1_gamma / 2) R1 r1_every`` (:func:`facesr.losses.regularizers.lazy_r1`; the optimiser settings
of lazily regularised networks are the config's: StyleGAN2 scales their learning rate and betas by
``every / (every + 1)``). The loop keeps the generator's EMA (``generator.ema``).

Validation (``data.val.metrics: [fid]``): FID of ``fid_samples`` faces of the (EMA) generator, latents fixed
by ``fid_seed``, against the ``data.val`` faces at the generator's size
(:class:`facesr.training.sample_fid.SampleFIDValidator`). The best checkpoint is the lowest FID; any
checkpoint or export of the run is a prior for ``pulse:PRIOR``, GPEN and GFP-GAN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ...errors import ConfigError
from .base import NonFinite, Recipe


@dataclass
class StyleGANOptions:
    """``r1_gamma``: R1 weight (0: off); ``r1_every``: lazy interval; ``mixing``: style-mixing probability;
    ``critic``: the ``nets`` entry of the discriminator; ``fid_samples``, ``fid_seed``: validation."""

    r1_gamma: float = 10.0
    r1_every: int = 16
    mixing: float = 0.9
    critic: str = "discriminator"
    fid_samples: int = 1000
    fid_seed: int = 0


class StyleGANRecipe(Recipe):
    name = "stylegan"
    batch_keys = ("hr",)
    Options = StyleGANOptions

    def networks(self):
        o, nets = self.options, self.cfg.nets
        if o.critic not in nets or nets[o.critic].role != "critic":
            raise ConfigError(f"recipe stylegan needs the discriminator as nets.{o.critic} with role: critic "
                              f"(nets: {', '.join(nets) or 'none'})")
        if o.r1_every < 1 or not 0.0 <= o.mixing <= 1.0 or o.fid_samples < 2:
            raise ConfigError(f"recipe stylegan: r1_every >= 1, mixing in [0, 1], fid_samples >= 2 (got "
                              f"{o.r1_every}, {o.mixing}, {o.fid_samples})")
        return super().networks()

    def setup(self) -> None:
        from ...losses import WeightedLoss

        tr, o = self.trainer, self.options
        self.last_r1: torch.Tensor | None = None
        self.loss = WeightedLoss(self.cfg.losses).to(tr.device)
        self.term = self.loss.term(tr.net_cfg[o.critic].loss)
        if not hasattr(self.term.module, "critic_loss"):
            raise ConfigError(f"nets.{o.critic}.loss names term {self.term.name!r}, which has no discriminator loss")
        for t in self.loss.terms:
            bad = [k for k in t.inputs if k not in ("d_fake", "sr")]
            if bad:
                raise ConfigError(f"loss term {t.name!r} needs {bad[0]!r}; recipe stylegan provides d_fake and sr")
        g = tr.nets["generator"]
        size = self.cfg.data.train.size
        if getattr(g, "size", size) != size or getattr(tr.nets[o.critic], "size", size) != size:
            raise ConfigError(f"recipe stylegan: data.train.size ({size}) must be the generator's and the "
                              f"discriminator's size (options size: {getattr(g, 'size', '?')})")

    def validator(self, val_faces: Any = None) -> Any:
        from ..data import load_val_faces
        from ..sample_fid import SampleFIDValidator

        v, tr, o = self.cfg.data.val, self.trainer, self.options
        if tuple(v.metrics) != ("fid",):
            raise ConfigError("recipe stylegan validates by the FID of generated faces: set data.val.metrics: [fid]")
        real = val_faces if val_faces is not None else load_val_faces(v, self.cfg.data.train.size)[1]
        return SampleFIDValidator(real, samples=o.fid_samples, style_dim=tr.nets["generator"].style_dim,
                                  batch_size=v.batch_size, dist=tr.dist, device=tr.device, seed=o.fid_seed)

    def probe(self, batch: dict[str, Any]) -> tuple[nn.Module, torch.Tensor]:
        return self.trainer.nets["generator"], batch["hr"]

    def _latents(self, n: int) -> dict[str, Any]:
        g = self.trainer.nets["generator"]
        dev = self.trainer.device
        z = torch.randn(n, g.style_dim, device=dev)
        if float(torch.rand(())) < self.options.mixing:
            return {"x": z, "z2": torch.randn(n, g.style_dim, device=dev),
                    "inject": int(torch.randint(1, g.num_ws, ()))}
        return {"x": z}

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ...losses import Context
        from ...losses.adversarial import Critic
        from ...losses.regularizers import lazy_r1

        tr, o = self.trainer, self.options
        real = batch["hr"].to(tr.device, non_blocking=True)
        if tr.precision is not None:
            real = tr.precision.layout(real)
        critic, net_d = tr.wrapped[o.critic], tr.nets[o.critic]
        latents = self._latents(real.shape[0])
        values: dict[str, torch.Tensor] = {}
        fake: torch.Tensor | None = None
        if tr.due("generator", it):
            net_d.requires_grad_(False)
            try:
                with tr.autocast():
                    fake = tr.wrapped["generator"](**latents).float()
                    total, parts = self.loss(Context({"sr": fake}, {"d_fake": lambda: critic(fake).float()}))
            finally:
                net_d.requires_grad_(True)
            if not torch.isfinite(total):
                raise NonFinite(it, "generator loss")
            tr.update(total, ["generator"])
            values.update(parts)
            values["loss"] = total.detach()
        if tr.due(o.critic, it):
            if fake is None:
                with torch.no_grad(), tr.autocast():
                    fake = tr.wrapped["generator"](**latents).float()
            with tr.autocast():
                c = Critic(lambda x, _cond: critic(x).float(), real, fake.detach(), name=f"nets.{o.critic}",
                           term=self.term.name)
                d_loss = self.term.module.critic_loss(c)
            if not torch.isfinite(d_loss):
                raise NonFinite(it, f"{o.critic} loss")
            tr.update(d_loss, [o.critic])
            values[f"{o.critic}_loss"] = d_loss.detach()
            if o.r1_gamma > 0 and it % o.r1_every == 0:
                reg, r1 = lazy_r1(critic, real, o.r1_gamma, o.r1_every)
                if not torch.isfinite(reg):
                    raise NonFinite(it, "R1 penalty")
                tr.update(reg, [o.critic])
                self.last_r1 = r1
            if o.r1_gamma > 0 and self.last_r1 is not None:
                values["r1"] = self.last_r1  # the latest lazy step's value (logged every iteration)
        return values


RECIPE = StyleGANRecipe
