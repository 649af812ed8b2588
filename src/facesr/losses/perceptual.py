"""Perceptual loss (survey Eq. 10), style (Gram) loss and discriminator feature matching.

Perceptual and style losses run a frozen backbone of :mod:`facesr.backbones` (``vgg16``,
``vgg19``, ``alexnet``; offline weights) on ``[0,1] float NCHW RGB`` images; ``layers`` maps layer
names (``relu5_4``, ``conv3_3``, ...) to weights. Gradients flow to ``sr`` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from ..errors import ConfigError
from ._norms import check_criterion, distance


def _layer_weights(layers: Mapping[str, float] | Sequence[str] | str) -> dict[str, float]:
    if isinstance(layers, str):
        return {layers: 1.0}
    if isinstance(layers, Mapping):
        return {str(k): float(v) for k, v in layers.items()}
    return {str(k): 1.0 for k in layers}


class _BackboneLoss(nn.Module):
    def __init__(self, arch: str, layers, criterion: str, normalize: str, pretrained: bool = True) -> None:
        super().__init__()
        from ..backbones import FeatureExtractor

        self.layer_weights = _layer_weights(layers)
        if not self.layer_weights:
            raise ConfigError(f"{type(self).__name__} needs at least one layer")
        self.criterion = check_criterion(criterion)
        self.extractor = FeatureExtractor(arch, layers=tuple(self.layer_weights), normalize=normalize,
                                          pretrained=pretrained)
        self.extractor.requires_grad_(False)

    def features(self, sr: torch.Tensor, hr: torch.Tensor):
        f_sr = self.extractor(sr)
        with torch.no_grad():
            f_hr = self.extractor(hr.detach())
        return f_sr, f_hr


class PerceptualLoss(_BackboneLoss):
    """Eq. 10: ``sum_l w_l ||Psi_l(sr) - Psi_l(hr)||`` over backbone layers ``l``.

    ``criterion``: ``mse`` (the survey's squared L2, mean over elements; default), ``l1`` or
    ``fro``. ``arch``: ``vgg19`` (default), ``vgg16`` or ``alexnet``.
    """

    def __init__(self, arch: str = "vgg19", layers: Mapping[str, float] | Sequence[str] | str = ("relu5_4",),
                 criterion: str = "mse", normalize: str = "default", pretrained: bool = True) -> None:
        super().__init__(arch, layers, criterion, normalize, pretrained)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        f_sr, f_hr = self.features(sr, hr)
        return sum(w * distance(f_sr[k], f_hr[k], self.criterion) for k, w in self.layer_weights.items())


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix ``F F^T / (C H W)`` of ``N x C x H x W`` features -> ``N x C x C``."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


class StyleLoss(_BackboneLoss):
    """Style loss (Gatys et al.): ``sum_l w_l ||Gram(Psi_l(sr)) - Gram(Psi_l(hr))||``."""

    def __init__(self, arch: str = "vgg19",
                 layers: Mapping[str, float] | Sequence[str] | str = (
                     "relu1_2", "relu2_2", "relu3_4", "relu4_4"),
                 criterion: str = "l1", normalize: str = "default", pretrained: bool = True) -> None:
        super().__init__(arch, layers, criterion, normalize, pretrained)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        f_sr, f_hr = self.features(sr, hr)
        return sum(w * distance(gram_matrix(f_sr[k]), gram_matrix(f_hr[k]), self.criterion)
                   for k, w in self.layer_weights.items())


class FeatureMatchingLoss(nn.Module):
    """Feature matching (pix2pixHD; PSFR-GAN): distances of discriminator features of SR and HR.

    ``fake``/``real``: the features of one discriminator (a sequence of tensors, one per layer) or of
    several (a sequence of such sequences: multi-scale discriminators); the real ones are detached.
    Per discriminator, the layers' distances (``criterion``) are averaged (``layers: mean``) or summed
    (``layers: sum``, PSFR-GAN); several discriminators are averaged.
    """

    def __init__(self, criterion: str = "l1", layers: str = "mean") -> None:
        super().__init__()
        self.criterion = check_criterion(criterion)
        if layers not in ("mean", "sum"):
            raise ConfigError(f"feature matching layers must be 'mean' or 'sum', got {layers!r}")
        self.layers = layers

    def _one(self, fake: Sequence[torch.Tensor], real: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(fake) != len(real) or not fake:
            raise ConfigError(f"feature matching needs equal, non-empty feature lists, got {len(fake)} and "
                              f"{len(real)}")
        total = sum(distance(f, r.detach(), self.criterion) for f, r in zip(fake, real))
        return total / len(fake) if self.layers == "mean" else total

    def forward(self, fake: Sequence, real: Sequence) -> torch.Tensor:
        if fake and not isinstance(fake[0], torch.Tensor):  # several discriminators
            if len(fake) != len(real):
                raise ConfigError(f"feature matching needs the same discriminators for SR and HR, got {len(fake)} "
                                  f"and {len(real)}")
            return sum(self._one(f, r) for f, r in zip(fake, real)) / len(fake)
        return self._one(fake, real)
