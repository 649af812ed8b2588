"""PCA-SRGAN's incremental orthogonal projection discrimination (``recipe: {type: pca_srgan, ...}``; Dou et al.,
ACM MM 2020; survey §4.1.2): the ``sr`` recipe, with a critic that sees faces projected onto a growing number of
principal components of the training faces.

At its first iteration, the critic ``nets.<critic>`` (:class:`facesr.models.general.pca_srgan.PCADiscriminator`)
gets the mean and the leading principal directions of the HR faces of the first ``fit_faces`` training items
(randomised SVD, :func:`facesr.models.general.srdsi_fit.pca`) unless it holds them already (a resumed run's
checkpoint restores them). At
iteration ``t`` of the first ``grow`` iterations it sees ``k(t)`` components, ``start`` at first and the
critic's ``components`` at ``t = grow``, growing geometrically (each component step refines finer detail than
the last); afterwards the whole face. Both the real (HR) and the generated face are projected, for the
critic's loss and for the generator's adversarial term alike. ``k`` is logged as ``pca_components``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ...errors import ConfigError
from .sr import SRRecipe


@dataclass
class PCASRGANOptions:
    """``start``: components shown at the first iteration; ``grow``: iterations until all the critic's
    components are shown (the whole face afterwards); ``fit_faces``: training faces of the PCA; ``critic``:
    the ``nets`` entry of the projection critic."""

    start: int = 4
    grow: int = 0
    fit_faces: int = 500
    critic: str = "discriminator"


def components_at(it: int, start: int, total: int, grow: int) -> int:
    """Components shown at iteration ``it`` (from 1): ``start`` .. ``total`` geometrically over ``grow``
    iterations, then -1 (the whole face)."""
    if it > grow:
        return -1
    if grow <= 1:
        return total
    k = start * (total / start) ** ((it - 1) / (grow - 1))
    return int(min(total, max(start, round(k))))


class PCASRGANRecipe(SRRecipe):
    name = "pca_srgan"
    Options = PCASRGANOptions

    def setup(self) -> None:
        super().setup()
        o, tr = self.options, self.trainer
        net = tr.nets.get(o.critic)
        if o.critic not in self.critics or not hasattr(net, "set_components"):
            raise ConfigError(f"recipe pca_srgan needs a PCA projection critic {o.critic!r} in nets (model pca_srgan, "
                              f"part discriminator)")
        if not 1 <= o.start <= net.components or o.grow < 0:
            raise ConfigError(f"recipe pca_srgan: start must be 1..{net.components} and grow >= 0, got {o.start}, "
                              f"{o.grow}")
        if o.fit_faces < net.components:
            raise ConfigError(f"recipe pca_srgan: {net.components} components need fit_faces >= {net.components}, "
                              f"got {o.fit_faces}")
        self.critic = net

    def _fit(self, net: Any) -> None:
        from ...models.general.srdsi_fit import pca

        data = self.trainer.train_set
        n = min(self.options.fit_faces, len(data))
        faces = torch.stack([data[i]["hr"] for i in range(n)])
        if n < net.components:
            raise ConfigError(f"recipe pca_srgan: {net.components} components need at least as many training faces, "
                              f"got {n}")
        if faces.shape[-1] != net.size:
            raise ConfigError(f"recipe pca_srgan: training faces of {faces.shape[-1]} px, the critic is built for "
                              f"{net.size} px")
        mean, basis = pca(faces, net.components, seed=self.cfg.seed)
        net.set_basis(mean.to(net.pca_mean.device), basis.to(net.pca_basis.device))

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        if self.options.grow > 0 and not bool(self.critic.fitted):
            self._fit(self.critic)
        k = components_at(it, self.options.start, self.critic.components, self.options.grow)
        self.critic.set_components(k)
        return {**super().step(batch, it), "pca_components": torch.tensor(float(k))}


RECIPE = PCASRGANRecipe
