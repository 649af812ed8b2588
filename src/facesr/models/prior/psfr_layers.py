"""Layers of PSFR-GAN's networks (Chen et al., CVPR'21; facts from chaofengc/PSFRGAN @ ab853cdc,
``models/blocks.py``, ``models/psfrnet.py``): a reflection-padded conv unit with optional resampling, norm and
activation; the pre-activation-free residual block of the parsing network; and the SPADE normalisation and
residual block of the generator (semantic-aware style transformation).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError

NORMS = ("bn", "in", "none")
RESAMPLE = ("none", "down", "up", "down_avg")


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "bn":
        return nn.BatchNorm2d(channels)
    if kind == "in":
        return nn.InstanceNorm2d(channels, affine=False)
    return nn.Identity()


class ConvUnit(nn.Module):
    """[nearest x2 if ``resample='up'``] -> reflection pad -> conv k x k (stride 2 if ``'down'``) ->
    [avg-pool 2 if ``'down_avg'``] -> norm (``bn``: conv without bias) -> [LeakyReLU(0.2) if ``act``].
    ``pad=False``: a valid convolution."""

    def __init__(self, cin: int, cout: int, k: int = 3, *, resample: str = "none", norm: str = "none",
                 act: bool = False, pad: bool = True) -> None:
        super().__init__()
        if resample not in RESAMPLE or norm not in NORMS:
            raise ConfigError(f"ConvUnit: resample in {RESAMPLE}, norm in {NORMS}; got {resample!r}, {norm!r}")
        self.resample = resample
        self.pad = nn.ReflectionPad2d((k - 1) // 2 + (k - 1) % 2) if pad else nn.Identity()
        self.conv = nn.Conv2d(cin, cout, k, 2 if resample == "down" else 1, bias=norm != "bn")
        self.norm = _norm(norm, cout)
        self.act = nn.LeakyReLU(0.2, inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.resample == "up":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv(self.pad(x))
        if self.resample == "down_avg":
            x = F.avg_pool2d(x, 2)
        return self.act(self.norm(x))


class ResampleBlock(nn.Module):
    """Residual block cin -> cout, optionally halving (``down``: second conv strided) or doubling (``up``:
    first conv after nearest x2) the size; the shortcut is a plain conv unit when the shape changes."""

    def __init__(self, cin: int, cout: int, resample: str = "none", norm: str = "bn") -> None:
        super().__init__()
        first, second = {"down": ("none", "down"), "up": ("up", "none"), "none": ("none", "none")}[resample]
        self.skip = nn.Identity() if resample == "none" and cin == cout else ConvUnit(cin, cout, resample=resample)
        self.body = nn.Sequential(ConvUnit(cin, cout, resample=first, norm=norm, act=True),
                                  ConvUnit(cout, cout, resample=second, norm=norm))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.body(x)


class SPADE(nn.Module):
    """Parameter-free instance norm of ``channels`` features, modulated by gamma and beta predicted from the
    guidance ``ref`` (``ref_channels``: LR image + one-hot parsing map), resized bicubically to the
    features: conv 3x3 (ref -> 64) + LeakyReLU, then conv 3x3 (64 -> channels) for each of gamma, beta."""

    HIDDEN = 64

    def __init__(self, channels: int, ref_channels: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.shared = nn.Sequential(nn.Conv2d(ref_channels, self.HIDDEN, 3, padding=1), nn.LeakyReLU(0.2, True))
        self.gamma = nn.Conv2d(self.HIDDEN, channels, 3, padding=1)
        self.beta = nn.Conv2d(self.HIDDEN, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        if ref.shape[-2:] != x.shape[-2:]:
            ref = F.interpolate(ref, size=x.shape[-2:], mode="bicubic", align_corners=False)
        act = self.shared(ref)
        return self.norm(x) * self.gamma(act) + self.beta(act)


class SPADEResBlock(nn.Module):
    """x + conv(LReLU(SPADE(conv(LReLU(SPADE(x, ref))), ref))), 3x3 convs with zero padding."""

    def __init__(self, channels: int, ref_channels: int) -> None:
        super().__init__()
        c = channels
        self.norm0, self.norm1 = SPADE(c, ref_channels), SPADE(c, ref_channels)
        self.conv0, self.conv1 = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)
        self.act = nn.LeakyReLU(0.2, inplace=False)

    def forward(self, x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        res = self.conv0(self.act(self.norm0(x, ref)))
        return x + self.conv1(self.act(self.norm1(res, ref)))
