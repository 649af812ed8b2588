"""Small building blocks shared by the backbones."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class L2Pool2d(nn.Module):
    """L2 pooling (DISTS): ``sqrt(conv(x^2, g) + 1e-12)`` with stride 2, padding 1, per channel.

    ``g`` is the 3x3 outer product of the inner taps of a Hanning(5) window, normalised to sum 1.
    Replaces VGG's 2x2 max-pooling; output size ``floor((H - 1) / 2) + 1``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        a = torch.hann_window(5, periodic=False, dtype=torch.float64)[1:-1]
        g = a[:, None] * a[None, :]
        g = (g / g.sum()).to(torch.float32)
        self.channels = channels
        self.register_buffer("filter", g.expand(channels, 1, 3, 3).contiguous(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.conv2d(x * x, self.filter.to(x.dtype), stride=2, padding=1, groups=x.shape[1])
        return (out + 1e-12).sqrt()

    def extra_repr(self) -> str:
        return f"channels={self.channels}"
