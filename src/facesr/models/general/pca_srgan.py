"""PCA-SRGAN (Dou et al., ACM MM 2020, "PCA-SRGAN: Incremental Orthogonal Projection Discrimination for Face
Super-resolution"; survey §4.1.2, general GANs): the discriminator does not see whole faces at first but their
orthogonal projections onto the leading principal components of the training faces, more components as
training goes on ("from structure to details"), which eases its task; no perceptual loss is needed.

No public code is known; the projection and its schedule are the paper's idea, the rest ours:

* generator: ESRGAN's RRDBNet, the same network as :class:`facesr.models.general.rwsr.RWSR` (zoo entry
  ``pca_srgan`` builds that class);
* :class:`PCADiscriminator` (part ``discriminator``): ESRGAN's VGG-128 critic
  (:class:`~facesr.models.general.rwsr.VGGDiscriminator`) on ``mean + U_k U_k^T (x - mean)``, the projection
  of the face onto the first ``k`` of ``components`` principal directions ``U`` of HR training faces (buffers
  ``pca_mean``, ``pca_basis``, fitted by the recipe ``pca_srgan`` before training); ``k`` is set by the recipe
  each iteration (:meth:`PCADiscriminator.set_components`; ``-1``: the whole face, after the schedule).
"""

from __future__ import annotations

import torch

from ...errors import ConfigError, InputError
from .rwsr import VGGDiscriminator


class PCADiscriminator(VGGDiscriminator):
    """VGG-128 critic on PCA projections: ``[0,1] N x 3 x size x size`` -> ``N x 1`` logits.

    ``components``: principal directions held (buffers of ``components x 3 size^2`` floats, kept in
    checkpoints so that a resumed run projects alike)."""

    def __init__(self, size: int = 128, features: int = 64, components: int = 128) -> None:
        super().__init__(size, features)
        if components < 1:
            raise ConfigError(f"PCA-SRGAN discriminator needs at least one component, got {components}")
        d = 3 * size * size
        self.register_buffer("pca_mean", torch.zeros(d))
        self.register_buffer("pca_basis", torch.zeros(components, d))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.register_buffer("k", torch.full((), -1, dtype=torch.long))

    @property
    def components(self) -> int:
        return int(self.pca_basis.shape[0])

    def set_basis(self, mean: torch.Tensor, basis: torch.Tensor) -> None:
        """Install a PCA ``mean`` (``D``) and orthonormal ``basis`` (``components x D``, leading first)."""
        if tuple(mean.shape) != tuple(self.pca_mean.shape) or tuple(basis.shape) != tuple(self.pca_basis.shape):
            raise ConfigError(f"PCA-SRGAN discriminator holds a {tuple(self.pca_basis.shape)} basis, got "
                              f"{tuple(basis.shape)} and a mean of {tuple(mean.shape)}")
        with torch.no_grad():
            self.pca_mean.copy_(mean)
            self.pca_basis.copy_(basis)
            self.fitted.fill_(True)

    def set_components(self, k: int) -> None:
        """Show the critic projections on the first ``k`` components (``-1``: the whole face)."""
        if not (k == -1 or 1 <= k <= self.components):
            raise ConfigError(f"PCA-SRGAN: components shown must be -1 or 1..{self.components}, got {k}")
        self.k.fill_(int(k))

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` projected onto the first ``k`` components (``x`` itself when ``k`` is -1)."""
        k = int(self.k)
        if k < 0:
            return x
        if not bool(self.fitted):
            raise InputError("PCA-SRGAN discriminator has no PCA basis yet (the recipe pca_srgan fits it)")
        u = self.pca_basis[:k].to(x.dtype)
        flat = x.flatten(1) - self.pca_mean.to(x.dtype)
        return ((flat @ u.T) @ u + self.pca_mean.to(x.dtype)).view_as(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return super().forward(self.project(x))
