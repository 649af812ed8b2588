"""MTDN (Yu, Porikli, Fernando & Hartley, IJCV 2020; after TDN, AAAI 2017): SR of unaligned tiny faces
with spatial transformer layers inside the generator (survey §4.7.4).

Generator, one stage per x2 from the LR size: [spatial transformer (stages at <= 32 px: where
misalignment is resolved), conv 3x3 + ReLU, 4x4 deconvolution x2 + ReLU], then conv 3x3 ->
RGB at the HR size. Widths ``widths[k]`` per stage (ours: 256, 128, 64, 32 from the LR side).
The discriminator (URDGN's, the same authors' network) is trained to tell upright, aligned real faces
from the outputs: the paper's class-specific loss. The paper's single network for 16-32 px inputs
becomes one network per scale here (x8: 16 px in, x4: 32 px in).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from .stn import SpatialTransformer

#: stages (x2 each) per scale
STAGES = {4: 2, 8: 3, 16: 4}


def deconv_stages(name: str, scale: int) -> int:
    """The number of x2 deconvolution stages of MTDN-style networks at ``scale``; a one-line error otherwise."""
    if scale not in STAGES:
        raise ConfigError(f"{name} supports x4, x8 and x16 (one deconvolution per x2), not x{scale}")
    return STAGES[scale]


class TransformativeUpsampler(nn.Module):
    """``N x 3 x h x w`` -> ``N x cout x (2^k h) x (2^k w)`` features: k stages of [STN where the input
    side is at most ``stn_max`` px, conv, deconv x2]."""

    def __init__(self, stages: int, widths: tuple[int, ...], lr_size: int, stn_max: int = 32) -> None:
        super().__init__()
        if len(widths) < stages + 1:
            raise ConfigError(f"{stages} stages need {stages + 1} widths, got {len(widths)}")
        self.head = nn.Sequential(nn.Conv2d(3, widths[0], 3, padding=1), nn.ReLU(inplace=True))
        blocks = []
        for k in range(stages):
            side = lr_size * 2**k
            blocks.append(nn.Sequential(
                SpatialTransformer(widths[k]) if side <= stn_max else nn.Identity(),
                nn.Conv2d(widths[k], widths[k], 3, padding=1), nn.ReLU(inplace=True),
                nn.ConvTranspose2d(widths[k], widths[k + 1], 4, 2, 1), nn.ReLU(inplace=True)))
        self.stages = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.head(x * 2.0 - 1.0))


class MTDN(SRNet):
    """Unaligned LR face ``N x 3 x h x w`` (``h = 128 / scale`` for the paper's faces) -> aligned HR
    ``N x 3 x sh x sw``. ``face_size``: the HR side the STN placement is planned for."""

    upsamples = True
    min_size = 4

    def __init__(self, scale: int = 8, widths: tuple[int, ...] = (256, 128, 64, 32, 32), face_size: int = 128) -> None:
        super().__init__(scale)
        n = deconv_stages("MTDN", scale)
        widths = tuple(int(w) for w in widths)
        self.body = TransformativeUpsampler(n, widths, face_size // scale)
        self.tail = nn.Conv2d(widths[n], 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return (self.tail(self.body(x)) + 1.0) / 2.0
