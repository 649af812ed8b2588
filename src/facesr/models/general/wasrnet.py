"""WaSRNet / Wavelet-SRNet (Huang et al., ICCV'17): predict Haar wavelet-packet coefficients.

For scale 2^r the network predicts, at LR size, the 4^r sub-bands x 3 colours of a level-r Haar
wavelet-packet decomposition of the HR face; a fixed (non-trainable) inverse transform turns them
into the image. x8 (r = 3): 192 maps at 16x16 -> 128x128.

* Embedding: conv 3x3 (3 -> 64) + BN + ReLU, then 5 stages x 2 residual blocks, widths
  64 -> 64 -> 128 -> 256 -> 512 -> 1024. Blocks are post-activation: conv-BN-ReLU-conv, add the
  shortcut (1x1 projection when the width changes), BN-ReLU. Convs are bias-free.
* Wavelet prediction: branches k = 0..r with g = 1, 3, 12, 48, 192 groups (the number of new
  sub-bands at level k: 4^k - 4^(k-1)). Each: an "interim" residual block 1024 -> 32g (full 3x3
  conv1, grouped conv2), a residual block 32g -> 64g with grouped 3x3 convs, and a grouped 3x3
  predict conv (64g -> 3g, with bias).

Sub-band order (our regeneration of the missing filter pickle): quadtree order of the orthonormal
Haar packet, the first decomposition level most significant, so band 0 is LL..L and bands
[4^(k-1), 4^k) are those whose first r - k levels are low-pass: exactly what branch k predicts.
Channels are band-major (channel = 3 * band + colour), as the reference code's transpose.
Initialisation: conv weights N(0, sqrt(2 / (k*k*C_out))), BN weight 1, bias 0 (reference code).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from ..base import SRNet


def haar_packet_filters(level: int) -> np.ndarray:
    """Orthonormal 2-D Haar wavelet-packet analysis filters: float64 (4^level, 2^level, 2^level).

    Quadtree band order with the first decomposition level most significant (band 0 = LL...L).
    The filters are orthonormal, so analysis is a stride-2^level convolution with them and
    synthesis the transposed convolution with the same filters.
    """
    one_d = np.ones((1, 1))
    h = (np.array([1.0, 1.0]) / math.sqrt(2.0), np.array([1.0, -1.0]) / math.sqrt(2.0))
    for _ in range(level):  # node (b1, rest): first-level choice b1 is the most significant bit
        one_d = np.stack([np.kron(f, h[b]) for b in (0, 1) for f in one_d])
    n = 2**level
    bands = np.empty((4**level, n, n))
    for b in range(4**level):
        i = j = 0
        for lv in range(level):
            q = (b >> (2 * (level - 1 - lv))) & 3
            i, j = (i << 1) | (q >> 1), (j << 1) | (q & 1)
        bands[b] = np.outer(one_d[i], one_d[j])
    return bands


class HaarPacket(nn.Module):
    """Fixed level-r Haar packet transform of RGB images (band-major channels, no parameters).

    ``decompose``: N x 3 x H x W -> N x 3*4^r x H/2^r x W/2^r; ``reconstruct``: the inverse.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level
        self.size = 2**level
        f = torch.tensor(haar_packet_filters(level), dtype=torch.float32)
        # colour-major grouped-conv weight: (3 * bands, 1, k, k)
        self.register_buffer("weight", f.unsqueeze(1).repeat(3, 1, 1, 1), persistent=False)

    def decompose(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.weight.to(x), stride=self.size, groups=3)
        n, _, h, w = y.shape
        return y.view(n, 3, -1, h, w).transpose(1, 2).reshape(n, -1, h, w)

    def reconstruct(self, c: torch.Tensor) -> torch.Tensor:
        n, _, h, w = c.shape
        c = c.view(n, -1, 3, h, w).transpose(1, 2).reshape(n, -1, h, w)
        return F.conv_transpose2d(c, self.weight.to(c), stride=self.size, groups=3)


class WaveletResBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x)))) + shortcut(x))); 1x1 projection shortcut if widths differ."""

    def __init__(self, cin: int, cout: int, groups1: int = 1, groups2: int = 1) -> None:
        super().__init__()
        self.expand = nn.Conv2d(cin, cout, 1, bias=False) if cin != cout else None
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, groups=groups1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, groups=groups2, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.expand is None else self.expand(x)
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y) + skip))


class WaveletBranch(nn.Sequential):
    """Predicts 3g coefficient maps (g sub-bands x RGB) from the trunk's features."""

    def __init__(self, cin: int, g: int, width: int = 32) -> None:
        super().__init__(
            WaveletResBlock(cin, width * g, 1, g),
            WaveletResBlock(width * g, 2 * width * g, g, g),
            nn.Conv2d(2 * width * g, 3 * g, 3, padding=1, groups=g),
        )


class WaSRNet(SRNet):
    """WaSRNet: raw LR [0,1] RGB N x 3 x h x w -> N x 3 x (s h) x (s w), s = 2^r.

    :meth:`coefficients` gives the predicted N x 3*4^r x h x w sub-bands (for wavelet losses);
    :attr:`haar` decomposes targets the same way.
    """

    upsamples = True

    def __init__(
        self,
        scale: int = 8,
        widths: tuple[int, ...] = (64, 64, 128, 256, 512, 1024),
        blocks_per_stage: int = 2,
        wavelet_width: int = 32,
    ) -> None:
        super().__init__(scale)
        level = int(round(math.log2(scale))) if scale >= 2 else 0
        if 2**level != scale:
            raise ConfigError(f"WaSRNet needs a power-of-two scale (2, 4, 8, 16), got {scale}")
        self.level = level
        c0 = widths[0]
        stem = [nn.Conv2d(3, c0, 3, padding=1, bias=False), nn.BatchNorm2d(c0), nn.ReLU(inplace=True)]
        trunk: list[nn.Module] = []
        for cin, cout in zip(widths[:-1], widths[1:]):
            trunk += [WaveletResBlock(cin if i == 0 else cout, cout) for i in range(blocks_per_stage)]
        self.embed = nn.Sequential(*stem, *trunk)
        groups = [1] + [4**k - 4 ** (k - 1) for k in range(1, level + 1)]
        self.branches = nn.ModuleList(WaveletBranch(widths[-1], g, wavelet_width) for g in groups)
        self.haar = HaarPacket(level)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / n))
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def coefficients(self, x: torch.Tensor) -> torch.Tensor:
        """Predicted wavelet-packet coefficients, band-major: N x 3*4^r x h x w."""
        self.check_input(x)
        f = self.embed(x)
        return torch.cat([branch(f) for branch in self.branches], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.haar.reconstruct(self.coefficients(x))
