"""PSFR-GAN's second stage (``recipe: {type: psfrgan, ...}``; survey §4.2.1): the ``sr`` recipe (pixel and
adversarial terms of ``losses``, the multi-scale discriminator of ``nets`` conditioned on the HR parsing map) plus
two terms the loss registry has no type for, added here to the generator's loss and logged by name:

* ``semantic_style`` (weight ``style_weight``, PSFR-GAN 1000): Gram matrices of VGG-19 features per parsing
  region of the HR face (:class:`facesr.models.prior.psfr_losses.SemanticStyleLoss`);
* ``feature_matching`` (weight ``fm_weight``, PSFR-GAN 10): the discriminator's features of SR vs HR.

Both read ``parsing`` (HR labels: ``data.train.priors: [parsing]``). The first stage (the parsing network) is an
``sr`` run of ``generator: {model: psfrgan, part: parsenet}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import ConfigError
from .sr import SRRecipe


@dataclass
class PSFRGANOptions:
    """``style_weight``, ``fm_weight``: weights of the added terms (0 drops one); ``style_layers``: VGG-19 layers
    of the style term; ``critic``: the ``nets`` entry whose features are matched."""

    style_weight: float = 1000.0
    fm_weight: float = 10.0
    style_layers: tuple[str, ...] = field(default_factory=lambda: ("conv3_4", "conv4_4", "conv5_4"))
    critic: str = "discriminator"


class PSFRGANRecipe(SRRecipe):
    name = "psfrgan"
    Options = PSFRGANOptions

    def setup(self) -> None:
        from ...losses.weighted import LossTerm
        from ...models.prior.psfr_losses import DiscriminatorFeatureMatching, SemanticStyleLoss

        super().setup()
        o, tr = self.options, self.trainer
        inputs = ("sr", "hr", "parsing")
        added = []
        if o.style_weight:
            added.append(("semantic_style", SemanticStyleLoss(o.style_layers).to(tr.device), o.style_weight))
        if o.fm_weight:
            if o.critic not in self.critics or not hasattr(tr.nets[o.critic], "features"):
                raise ConfigError(f"recipe psfrgan: fm_weight needs a critic {o.critic!r} with features() in nets "
                                  f"(critics: {', '.join(self.critics) or 'none'})")
            added.append(("feature_matching", DiscriminatorFeatureMatching(lambda: tr.nets[o.critic]), o.fm_weight))
        for name, module, weight in added:
            if any(t.name == name for t in self.loss.terms):
                raise ConfigError(f"recipe psfrgan adds the loss term {name!r}: remove it from losses")
            self.loss.terms.append(LossTerm(name, name, float(weight), inputs, module))


RECIPE = PSFRGANRecipe
