"""PSFR-GAN's second stage (``recipe: {type: psfrgan, ...}``; survey §4.2.1): the ``sr`` recipe (pixel, adversarial and
feature-matching terms of ``losses``, the multi-scale discriminator of ``nets`` conditioned on the HR parsing map)
plus one term the loss registry has no type for, added here to the generator's loss and logged by name:

* ``semantic_style`` (weight ``style_weight``, PSFR-GAN 1000): Gram matrices of VGG-19 features per parsing
  region of the HR face (:class:`facesr.models.prior.psfr_losses.SemanticStyleLoss`); it reads ``parsing`` (HR
  labels: ``data.train.priors: [parsing]``).

PSFR-GAN's feature matching (weight 10: MSE of the discriminators' features of SR and HR, summed over layers,
averaged over discriminators) is the registry's ``feature_matching`` term of the config (``criterion: mse, layers:
sum, inputs: [d_feats_fake, d_feats_real]``: the ``sr`` recipe computes the discriminator's features). The first
stage (the parsing network) is an ``sr`` run of ``generator: {model: psfrgan, part: parsenet}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigError
from .sr import SRRecipe

#: the loss term that replaced the option ``fm_weight`` (configs before issue 23)
FM_TERM = ("feature_matching: {type: feature_matching, criterion: mse, layers: sum, inputs: [d_feats_fake, "
           "d_feats_real], weight: 10.0}")


@dataclass
class PSFRGANOptions:
    """``style_weight``: weight of the semantic style term (0 drops it); ``style_layers``: its VGG-19 layers."""

    style_weight: float = 1000.0
    style_layers: tuple[str, ...] = field(default_factory=lambda: ("conv3_4", "conv4_4", "conv5_4"))


class PSFRGANRecipe(SRRecipe):
    name = "psfrgan"
    Options = PSFRGANOptions

    def __init__(self, trainer: Any, options: dict[str, Any]) -> None:
        if "fm_weight" in options or "critic" in options:
            raise ConfigError(f"recipe psfrgan: feature matching is a loss term now, not the option fm_weight: "
                              f"drop recipe.fm_weight (and recipe.critic) and add to losses {FM_TERM}")
        super().__init__(trainer, options)

    def setup(self) -> None:
        from ...losses.weighted import LossTerm
        from ...models.prior.psfr_losses import SemanticStyleLoss

        super().setup()
        o, tr = self.options, self.trainer
        if o.style_weight:
            if any(t.name == "semantic_style" for t in self.loss.terms):
                raise ConfigError("recipe psfrgan adds the loss term 'semantic_style': remove it from losses")
            module = SemanticStyleLoss(o.style_layers).to(tr.device)
            self.loss.terms.append(LossTerm("semantic_style", "semantic_style", float(o.style_weight),
                                            ("sr", "hr", "parsing"), module))


RECIPE = PSFRGANRecipe
