"""RWSR (Aakerberg, Nasrollahi & Moeslund, arXiv 2021 / IET Image Processing 2022, "Real-World
Super-Resolution of Face-Images from Surveillance Cameras"; survey §4.1.2, real-world GANs): an ESRGAN
trained on LR/HR pairs synthesised with the blur, noise and compression estimated from real LR faces
(:mod:`facesr.degradation.estimate`, recipe ``rwsr``), with LPIPS in place of ESRGAN's VGG loss.

The networks are ESRGAN's (Wang et al., ECCVW 2018; layout of ``xinntao/ESRGAN``'s ``RRDBNet_arch.py`` and
BasicSR's ``discriminator_vgg_128``):

* :class:`RWSR` (the zoo network, ESRGAN's RRDBNet): conv 3x3 (3 -> 64), 23 residual-in-residual dense
  blocks (3 dense blocks of 5 convs, growth 32, LeakyReLU 0.2, residuals scaled by 0.2) with a conv and a
  long skip, then per x2 nearest upsampling + conv + LeakyReLU (x4 has two; one per x2 here), conv,
  LeakyReLU, conv (-> 3). 16,697,987 parameters at x4 (ESRGAN's 16.7M).
* :class:`VGGDiscriminator` (part ``discriminator``): 10 convs (3x3 / 4x4 stride 2, 64 -> 512, BN from the
  second on, LeakyReLU 0.2) to 4x4 at 128 px, FC 8192 -> 100 -> 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from ..blocks import upsampler_factors


class DenseBlock(nn.Module):
    """Five 3x3 convs with dense connections (growth ``growth``), LeakyReLU 0.2, residual scaled by 0.2."""

    def __init__(self, features: int = 64, growth: int = 32) -> None:
        super().__init__()
        f, g = features, growth
        self.convs = nn.ModuleList(nn.Conv2d(f + i * g, g if i < 4 else f, 3, 1, 1) for i in range(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for i, conv in enumerate(self.convs):
            out = conv(torch.cat(feats, dim=1))
            if i < 4:
                feats.append(F.leaky_relu(out, 0.2))
        return x + 0.2 * out


class RRDB(nn.Module):
    """Residual in residual dense block: three dense blocks, residual scaled by 0.2."""

    def __init__(self, features: int = 64, growth: int = 32) -> None:
        super().__init__()
        self.body = nn.Sequential(*[DenseBlock(features, growth) for _ in range(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.body(x)


class RWSR(SRNet):
    """ESRGAN generator: raw LR ``[0,1] N x 3 x h x w`` -> ``N x 3 x sh x sw`` (scales 2^n)."""

    upsamples = True

    def __init__(self, scale: int = 8, features: int = 64, blocks: int = 23, growth: int = 32) -> None:
        super().__init__(scale)
        factors = upsampler_factors(scale)
        if 3 in factors or features < 1 or blocks < 1 or growth < 1:
            raise ConfigError(f"RWSR supports scales 2^n and positive widths, got x{scale}, {features}, {blocks}, "
                              f"{growth}")
        f = features
        self.conv_first = nn.Conv2d(3, f, 3, 1, 1)
        self.trunk = nn.Sequential(*[RRDB(f, growth) for _ in range(blocks)])
        self.trunk_conv = nn.Conv2d(f, f, 3, 1, 1)
        self.up_convs = nn.ModuleList(nn.Conv2d(f, f, 3, 1, 1) for _ in factors)
        self.hr_conv = nn.Conv2d(f, f, 3, 1, 1)
        self.conv_last = nn.Conv2d(f, 3, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        f = self.conv_first(x)
        f = f + self.trunk_conv(self.trunk(f))
        for conv in self.up_convs:
            f = F.leaky_relu(conv(F.interpolate(f, scale_factor=2, mode="nearest")), 0.2)
        return self.conv_last(F.leaky_relu(self.hr_conv(f), 0.2))


class VGGDiscriminator(nn.Module):
    """ESRGAN's VGG-style critic: ``[0,1] N x 3 x size x size`` (``size`` = 32 x 2^k) -> ``N x 1`` logits."""

    def __init__(self, size: int = 128, features: int = 64) -> None:
        super().__init__()
        if size < 32 or size % 32 or features < 1:
            raise ConfigError(f"the VGG discriminator needs a size that is a multiple of 32, got {size}")
        c = features
        widths = (c, 2 * c, 4 * c, 8 * c, 8 * c)
        layers: list[nn.Module] = [nn.Conv2d(3, c, 3, 1, 1), nn.LeakyReLU(0.2, True)]
        cin = c
        for i, w in enumerate(widths):
            if i > 0:
                layers += [nn.Conv2d(cin, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.LeakyReLU(0.2, True)]
            layers += [nn.Conv2d(w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.LeakyReLU(0.2, True)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.size = size
        self.head = nn.Sequential(nn.Linear(cin * (size // 32) ** 2, 100), nn.LeakyReLU(0.2, True), nn.Linear(100, 1))

    def check(self, x: torch.Tensor) -> None:
        """Raise :class:`InputError` unless ``x`` is ``N x 3 x size x size``."""
        if x.dim() != 4 or x.shape[1] != 3 or tuple(x.shape[-2:]) != (self.size, self.size):
            raise InputError(f"{type(self).__name__} expects N x 3 x {self.size} x {self.size}, got {tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.head(self.features(x * 2.0 - 1.0).flatten(1))
