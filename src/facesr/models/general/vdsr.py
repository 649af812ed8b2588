"""VDSR (Kim et al., CVPR'16): 20 bias-free 3x3 convolutions predicting a residual.

conv (c -> 64) + ReLU, 18 x [conv (64 -> 64) + ReLU], conv (64 -> c); output = input + residual.
``channels=1`` (default, as the paper and the reference code) works on the BT.601 Y channel of the
bicubic-upsampled face and keeps its chroma; ``channels=3`` works on RGB. He initialisation
(normal, std sqrt(2 / (k*k*C_out))) as the reference code.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from ..blocks import conv, merge_luma, split_luma


class VDSR(SRNet):
    """VDSR: [0,1] RGB N x 3 x H x W (bicubic-upsampled) -> same size."""

    upsamples = False

    def __init__(self, scale: int = 8, channels: int = 1, depth: int = 20, features: int = 64) -> None:
        super().__init__(scale)
        if channels not in (1, 3):
            raise ConfigError(f"VDSR channels must be 1 (Y) or 3 (RGB), got {channels}")
        if depth < 2:
            raise ConfigError(f"VDSR depth must be at least 2, got {depth}")
        self.channels = channels
        layers: list[nn.Module] = [conv(channels, features, 3, bias=False), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [conv(features, features, 3, bias=False), nn.ReLU(inplace=True)]
        layers.append(conv(features, channels, 3, bias=False))
        self.body = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        if self.channels == 1:
            y, cbcr = split_luma(x)
            return merge_luma(y + self.body(y), cbcr)
        return x + self.body(x)
