"""WaSRGAN (Huang et al., IJCV'19, "Wavelet Domain Generative Adversarial Network for Multi-scale Face
Hallucination"): the WaSRNet generator (:class:`facesr.models.general.wasrnet.WaSRNet`, same
weights layout, 74,999k parameters at x8) trained with the wavelet loss, a wavelet-domain
adversarial loss and an identity loss (L1 on face-recognition features, survey Table 5).

No code is public; the discriminator here is ours, following the paper's idea of judging wavelet
coefficients: the face is split by the level-r Haar packet (r = log2 scale) into its 3 * 4^r
sub-band maps at LR size, then conv 3x3 (-> 64) + LReLU(0.2), conv 3x3 s2 (-> 128), conv 3x3 s2
(-> 256), each + BN + LReLU, global average pool, FC (256 -> 1): one logit per face.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..general.wasrnet import HaarPacket


class WaveletDiscriminator(nn.Module):
    """[0,1] RGB ``N x 3 x H x W`` faces (H, W multiples of ``scale``) -> ``N x 1`` logits."""

    def __init__(self, scale: int = 8, widths: tuple[int, ...] = (64, 128, 256)) -> None:
        super().__init__()
        level = int(round(math.log2(scale))) if scale >= 2 else 0
        if level < 1 or 2**level != scale:
            raise ConfigError(f"WaSRGAN discriminator needs a power-of-two scale >= 2, got {scale}")
        self.scale = scale
        self.haar = HaarPacket(level)
        act = nn.LeakyReLU(0.2, inplace=True)
        layers: list[nn.Module] = [nn.Conv2d(3 * 4**level, widths[0], 3, padding=1), act]
        cin = widths[0]
        for c in widths[1:]:
            layers += [nn.Conv2d(cin, c, 3, 2, padding=1), nn.BatchNorm2d(c), nn.LeakyReLU(0.2, inplace=True)]
            cin = c
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.scale
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[-1] % s or x.shape[-2] % s:
            raise InputError(f"WaSRGAN discriminator expects N x 3 x H x W faces with H, W multiples of {s}, "
                             f"got {tuple(x.shape)}")
        return self.net(self.haar.decompose(x * 2.0 - 1.0))
