"""CPGAN's copy-and-paste block (Zhang et al., CVPR 2020): features of a target map are rebuilt from the
positions of a source map that correlate with them (copy: the correlation softmax; paste: the weighted
source features added back through a 1x1 conv). The source is the map itself in the internal CPnet
(facial self-similarity) and the guide face's features in the external one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class CopyPaste(nn.Module):
    """``target`` ``N x C x H x W``, ``source`` ``N x C x Hs x Ws`` (``None``: the target) -> ``N x C x H x W``.

    ``max_source``: sources with more positions are average-pooled (by powers of 2) to at most this many,
    bounding the correlation matrix (ours; the paper works at most at 64 x 64)."""

    def __init__(self, channels: int, max_source: int = 1024) -> None:
        super().__init__()
        inner = max(1, channels // 2)
        self.query = nn.Conv2d(channels, inner, 1)
        self.key = nn.Conv2d(channels, inner, 1)
        self.value = nn.Conv2d(channels, channels, 1)
        self.paste = nn.Conv2d(channels, channels, 1)
        self.max_source = int(max_source)

    def forward(self, target: torch.Tensor, source: torch.Tensor | None = None) -> torch.Tensor:
        src = target if source is None else source
        while src.shape[-2] * src.shape[-1] > self.max_source and min(src.shape[-2:]) >= 2:
            src = F.avg_pool2d(src, 2)
        n, c, h, w = target.shape
        q = self.query(target).flatten(2).transpose(1, 2)            # N x HW x C'
        k = self.key(src).flatten(2)                                   # N x C' x S
        v = self.value(src).flatten(2).transpose(1, 2)                 # N x S x C
        attn = torch.softmax(q @ k / q.shape[-1] ** 0.5, dim=-1)      # copy: N x HW x S
        copied = (attn @ v).transpose(1, 2).reshape(n, c, h, w)
        return target + self.paste(copied)                            # paste
