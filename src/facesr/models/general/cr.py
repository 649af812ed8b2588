"""CR (Cheng, Zhu & Gong, WACV 2020, "Characteristic Regularisation for Super-Resolving Face Images";
survey §4.1.2, real-world GANs): real LR faces are mapped into the space of artificial (bicubic) LR faces
by a CycleGAN, and super-resolved there by an SR model pretrained on artificial pairs and fine-tuned on
the mapped real faces.

No public code is known. The paper's parts and ours:

* :class:`CR` (the zoo network): ``translator`` (real LR -> artificial LR) then ``sr`` (artificial LR ->
  HR). The translator is CycleGAN's ResNet generator (Zhu et al., ICCV 2017: reflection-padded 7x7 conv
  with 64 features, 2 stride-2 convs, 6 residual blocks, 2 transposed convs, 7x7 conv, tanh; instance
  norm without affine), here on the LR face, plus a global skip so that an artificial face maps near to
  itself at the start (ours). The SR model is the EDSR-style generator this package also gives SPGAN
  (:class:`facesr.models.general.spgan.SPGAN`: 8 LR + 2 per-stage residual blocks, 64 features, bicubic
  residual; ours: the paper's SR backbone is not reproduced).
* part ``to_real``: the other CycleGAN generator (artificial -> real), the same architecture.
* parts ``real_discriminator`` and ``art_discriminator``: CycleGAN's PatchGAN (4x4 convs, 64 features,
  instance norm, LeakyReLU 0.2) with ``clamp(log2(size) - 2, 1, 3)`` stride-2 layers for LR faces of
  8-32 px (CycleGAN's 3 for 256 px crops).
* part ``discriminator``: the HR critic of the fine-tuning stage, the spectral-norm PatchGAN of
  :class:`facesr.models.general.bfr.PatchDiscriminator` (ours).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from .spgan import SPGAN


class _ResnetBlock(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(True),
                                  nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class CycleGenerator(nn.Module):
    """CycleGAN's ResNet generator on ``[0,1] N x 3 x h x w`` faces (h, w multiples of ``2**downs`` and more
    than ``2**downs``) -> the same size, plus the input when ``skip`` (ours)."""

    def __init__(self, features: int = 64, downs: int = 2, blocks: int = 6, skip: bool = True) -> None:
        super().__init__()
        if features < 1 or downs < 0 or blocks < 0:
            raise ConfigError(f"CycleGAN generator needs features >= 1, downs >= 0, blocks >= 0, got {features}, "
                              f"{downs}, {blocks}")
        c = features
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(3, c, 7), nn.InstanceNorm2d(c), nn.ReLU(True)]
        for i in range(downs):
            m = 2**i
            layers += [nn.Conv2d(c * m, c * m * 2, 3, 2, 1), nn.InstanceNorm2d(c * m * 2), nn.ReLU(True)]
        layers += [_ResnetBlock(c * 2**downs) for _ in range(blocks)]
        for i in range(downs, 0, -1):
            m = 2**i
            layers += [nn.ConvTranspose2d(c * m, c * m // 2, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(c * m // 2),
                       nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c, 3, 7), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        self.downs, self.skip = int(downs), bool(skip)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = 2**self.downs
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[-1] % m or x.shape[-2] % m or min(x.shape[-2:]) <= m:
            raise InputError(f"CycleGAN generator expects N x 3 x H x W with H, W multiples of {m} above {m}, got "
                             f"{tuple(x.shape)}")
        y = self.body(x * 2.0 - 1.0)
        return x + y / 2.0 if self.skip else (y + 1.0) / 2.0


class LRPatchDiscriminator(nn.Module):
    """CycleGAN's PatchGAN for LR faces: ``[0,1] N x 3 x s x s`` (``s = hr_size / scale``) -> a map of logits."""

    def __init__(self, scale: int = 8, hr_size: int = 128, features: int = 64, layers: int | None = None) -> None:
        super().__init__()
        size = hr_size // scale
        n = layers if layers is not None else max(1, min(3, int(math.log2(max(size, 1))) - 2))
        if size < 8 or n < 1:
            raise ConfigError(f"LR PatchGAN needs LR faces of at least 8 px and a layer, got {size} px, {n} layers")
        c = features
        seq: list[nn.Module] = [nn.Conv2d(3, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for i in range(1, n):
            prev, mult = mult, min(2**i, 8)
            seq += [nn.Conv2d(c * prev, c * mult, 4, 2, 1), nn.InstanceNorm2d(c * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2**n, 8)
        seq += [nn.Conv2d(c * prev, c * mult, 4, 1, 1), nn.InstanceNorm2d(c * mult), nn.LeakyReLU(0.2, True),
                nn.Conv2d(c * mult, 1, 4, 1, 1)]
        self.body = nn.Sequential(*seq)
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3 or tuple(x.shape[-2:]) != (self.size, self.size):
            raise InputError(f"CR LR discriminator expects N x 3 x {self.size} x {self.size}, got {tuple(x.shape)}")
        return self.body(x * 2.0 - 1.0)


class CR(SRNet):
    """Real LR ``[0,1] N x 3 x h x w`` -> artificial LR (``translator``) -> ``N x 3 x sh x sw`` (``sr``).

    ``features``, ``downs``, ``blocks``: the translator's CycleGAN generator; ``sr_features``,
    ``sr_lr_blocks``, ``sr_stage_blocks``: the SR model's widths and depths. LR sides must be multiples of
    ``2**downs`` above it (16 px at x8 with the defaults)."""

    upsamples = True

    def __init__(self, scale: int = 8, features: int = 64, downs: int = 2, blocks: int = 6, sr_features: int = 64,
                 sr_lr_blocks: int = 8, sr_stage_blocks: int = 2) -> None:
        super().__init__(scale)
        self.translator = CycleGenerator(features, downs, blocks)
        self.sr = SPGAN(scale, sr_features, sr_lr_blocks, sr_stage_blocks)
        self.size_multiple = 2**downs
        self.min_size = 2**downs + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.sr(self.translator(x))
