"""RCAN (Zhang et al., ECCV'18): residual-in-residual network with channel attention.

Normalise (DIV2K mean, pixel range 255) -> head conv 3x3 (3 -> 64) -> ``n_resgroups`` residual
groups, each ``n_resblocks`` RCABs + conv 3x3 + group skip -> conv 3x3 + long skip -> sub-pixel
upsampler (log2 s x [conv 64 -> 256 + PixelShuffle(2)]) -> conv 3x3 (64 -> 3) -> denormalise.
RCAB: conv -> ReLU -> conv -> channel attention (global average pool -> 1x1 conv 64 -> 64/r ->
ReLU -> 1x1 conv -> sigmoid) + skip. No BN. Raw LR input; PyTorch default initialisation.
"""

from __future__ import annotations

import torch
from torch import nn

from ..base import SRNet
from ..blocks import PixelRange, ResidualTrunk, Upsampler, conv


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation: x * sigmoid(W2 ReLU(W1 GAP(x))), 1x1 convs with bias."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Conv2d(channels, channels // reduction, 1), nn.ReLU(inplace=True),
            nn.Conv2d(channels // reduction, channels, 1), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(self.pool(x))


class RCAB(nn.Module):
    """Residual channel attention block: x + CA(conv(ReLU(conv(x))))."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv(channels, channels, 3), nn.ReLU(inplace=True), conv(channels, channels, 3),
            ChannelAttention(channels, reduction),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResidualGroup(nn.Module):
    """``n_blocks`` RCABs and a 3x3 conv, with a skip around the group."""

    def __init__(self, channels: int, n_blocks: int, reduction: int = 16) -> None:
        super().__init__()
        blocks = [RCAB(channels, reduction) for _ in range(n_blocks)]
        self.body = nn.Sequential(*blocks, conv(channels, channels, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class RCAN(ResidualTrunk, SRNet):
    """RCAN: raw LR [0,1] RGB N x 3 x h x w -> N x 3 x (s h) x (s w)."""

    upsamples = True

    def __init__(
        self,
        scale: int = 8,
        n_resgroups: int = 10,
        n_resblocks: int = 20,
        n_feats: int = 64,
        reduction: int = 16,
        pixel_range: float = 255.0,
    ) -> None:
        super().__init__(scale)
        self.range = PixelRange(pixel_range=pixel_range)
        self.head = conv(3, n_feats, 3)
        groups = [ResidualGroup(n_feats, n_resblocks, reduction) for _ in range(n_resgroups)]
        self.body = nn.Sequential(*groups, conv(n_feats, n_feats, 3))
        self.tail = nn.Sequential(Upsampler(n_feats, scale), conv(n_feats, 3, 3))
