"""GAN-prior restoration (``recipe: {type: gan_prior, ...}``; survey §4.1.2): GPEN and GFP-GAN, networks that
embed a trained face prior (recipe ``stylegan``). The ``sr`` recipe (the ``losses`` block, the critics of
``nets``, validation) plus what those papers add:

* ``prior``: a trained prior (a ``stylegan`` run's checkpoint or export) loaded into the generator's embedded
  prior before training (:meth:`load_prior` of GPEN / GFP-GAN); ``fix_prior``: the prior is not trained
  (GFP-GAN's ``fix_decoder``; GPEN fine-tunes it);
* lazy R1 on the critic ``r1_critic`` (``r1_gamma``, every ``r1_every`` of its steps, a separate step scaled
  by the interval: :func:`facesr.losses.regularizers.lazy_r1`), as both papers' discriminators;
* ``component_style`` (GFP-GAN 200): the facial-component style loss
  (:class:`facesr.losses.component_style.ComponentStyleLoss`) of the component discriminators named in
  ``components``, added to the generator's loss as the term ``component_style`` (needs ``landmarks``);
* ``pyramid_until`` (GFP-GAN 50000): after this iteration the term ``pyramid_term`` (the pyramid loss on the
  U-Net's RGB outputs) keeps a weight of 1e-12, as GFP-GAN removes it (0: never removed).

The component discriminators themselves are ordinary critics of ``nets`` (``model: gfpgan, part: left_eye``
...), each with its adversarial term on ``<net>_fake``; they crop the faces by the batch's ``landmarks``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ...errors import ConfigError
from .sr import SRRecipe


@dataclass
class GANPriorOptions:
    """See the module doc."""

    prior: str | None = None
    fix_prior: bool = False
    r1_gamma: float = 10.0
    r1_every: int = 16
    r1_critic: str = "discriminator"
    component_style: float = 0.0
    components: tuple[str, ...] = field(default_factory=tuple)
    pyramid_term: str = "pyramid"
    pyramid_until: int = 0


class GANPriorRecipe(SRRecipe):
    name = "gan_prior"
    Options = GANPriorOptions

    def build_network(self, name: str, nc: Any, seed: int) -> nn.Module:
        net = super().build_network(name, nc, seed)
        o = self.options
        if name == "generator" and (o.prior or o.fix_prior):
            if not hasattr(net, "prior_network"):
                raise ConfigError(f"recipe gan_prior: {nc.model} embeds no prior (prior, fix_prior need GPEN or "
                                  "GFP-GAN)")
            if o.prior:
                net.load_prior(o.prior)
            if o.fix_prior:
                net.prior_network().requires_grad_(False)
        return net

    def setup(self) -> None:
        from ...losses.component_style import ComponentStyleLoss
        from ...losses.weighted import LossTerm

        super().setup()
        tr, o = self.trainer, self.options
        self.last_r1: torch.Tensor | None = None
        if o.r1_gamma > 0 and o.r1_critic not in self.critics:
            raise ConfigError(f"recipe gan_prior: r1_critic {o.r1_critic!r} is not a critic of nets (critics: "
                              f"{', '.join(self.critics) or 'none'})")
        if o.r1_every < 1:
            raise ConfigError(f"recipe gan_prior: r1_every must be >= 1, got {o.r1_every}")
        if o.component_style:
            bad = [c for c in o.components if c not in self.critics or not hasattr(tr.nets[c], "features")]
            if bad or not o.components:
                raise ConfigError(f"recipe gan_prior: component_style needs components: critics with features() "
                                  f"(got {', '.join(o.components) or 'none'}; critics: {', '.join(self.critics)})")
            if any(t.name == "component_style" for t in self.loss.terms):
                raise ConfigError("recipe gan_prior adds the loss term 'component_style': remove it from losses")
            module = ComponentStyleLoss(lambda: [tr.nets[c] for c in o.components])
            self.loss.terms.append(LossTerm("component_style", "component_style", float(o.component_style),
                                            ("sr", "hr", "landmarks"), module))
        self.pyramid = self.loss.term(o.pyramid_term) if o.pyramid_until > 0 else None
        self.pyramid_weight = self.pyramid.weight if self.pyramid is not None else 0.0

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        if self.pyramid is not None:  # removed after pyramid_until (a tiny weight keeps its outputs in the graph)
            self.pyramid.weight = self.pyramid_weight if it <= self.options.pyramid_until else 1e-12
        values = super().step(batch, it)
        if self.last_r1 is not None:
            values["r1"] = self.last_r1  # the latest lazy step's value
        return values

    def _critic_step(self, n: str, it: int, hr: torch.Tensor, fake: torch.Tensor, lr_up: Any,
                     conditions: dict[str, Any]) -> torch.Tensor:
        from ...losses.regularizers import lazy_r1
        from .base import NonFinite

        loss = super()._critic_step(n, it, hr, fake, lr_up, conditions)
        o, tr = self.options, self.trainer
        if n == o.r1_critic and o.r1_gamma > 0 and it % o.r1_every == 0:
            net = tr.wrapped[n]
            with tr.autocast():
                reg, r1 = lazy_r1(lambda x: net(self._critic_input(n, x, lr_up), **conditions), hr, o.r1_gamma,
                                  o.r1_every)
            if not torch.isfinite(reg):
                raise NonFinite(it, f"{n} R1 penalty")
            tr.update(reg, [n])
            self.last_r1 = r1
        return loss


RECIPE = GANPriorRecipe
