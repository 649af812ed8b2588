"""SRCNN (Dong et al., ECCV'14 / TPAMI'16): three convolutions on a bicubic-upsampled face.

conv k1 x k1 (c -> 64) + ReLU -> conv k2 x k2 (64 -> 32) + ReLU -> conv k3 x k3 (32 -> c), kernels
9-1-5 by default (9-5-5 is the paper's larger variant). Zero padding keeps the size (the paper
used none). ``channels=1`` (default, as in the paper) runs on the BT.601 Y channel and keeps the
input's chroma; ``channels=3`` works on RGB. Init: N(0, 0.001) weights, zero biases (paper).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from ..blocks import conv, merge_luma, split_luma


class SRCNN(SRNet):
    """SRCNN: [0,1] RGB N x 3 x H x W (bicubic-upsampled) -> same size."""

    upsamples = False

    def __init__(
        self,
        scale: int = 8,
        channels: int = 1,
        kernel_sizes: tuple[int, int, int] = (9, 1, 5),
        features: tuple[int, int] = (64, 32),
    ) -> None:
        super().__init__(scale)
        if channels not in (1, 3):
            raise ConfigError(f"SRCNN channels must be 1 (Y) or 3 (RGB), got {channels}")
        if len(kernel_sizes) != 3 or any(k % 2 == 0 for k in kernel_sizes):
            raise ConfigError(f"SRCNN needs three odd kernel sizes, got {kernel_sizes}")
        self.channels = channels
        k1, k2, k3 = kernel_sizes
        f1, f2 = features
        self.body = nn.Sequential(
            conv(channels, f1, k1), nn.ReLU(inplace=True),
            conv(f1, f2, k2), nn.ReLU(inplace=True),
            conv(f2, channels, k3),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.001)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        if self.channels == 1:
            y, cbcr = split_luma(x)
            return merge_luma(self.body(y), cbcr)
        return self.body(x)
