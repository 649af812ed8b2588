"""DPDFN (Jiang et al., TNNLS'20, "Dual-Path Deep Fusion Network for Face Image Hallucination"; survey
§4.1.1, mixed methods): a global memory subnetwork (GMN) for the holistic face shape, a local
reinforcement subnetwork (LRN) for facial components, and a fusion and reconstruction module (FRM).

Paper's: the three parts and their roles - GMN by recurrent dense residual learning over the whole
face, LRN by patch-wise LR -> HR mappings on local regions, FRM aggregating both - and no facial prior.
No code is public; the layers are ours (raw LR in):

* head: conv 3x3 (3 -> ``features``);
* GMN: one dense residual block (``dense_layers`` x [conv 3x3 + ReLU], growth ``growth``, 1x1 fusion,
  residual) unrolled ``steps`` times with shared weights; each step reads a 1x1 mix of the previous
  state and the head features (the memory); the states of all steps are fused by a 1x1 conv;
* LRN: the feature map is cut into ``regions`` x ``regions`` non-overlapping regions (an aligned face:
  eyes, nose, mouth fall in fixed regions), each with its own ``local_blocks`` residual blocks
  (grouped convolutions, zero padding at region borders, so no information crosses regions);
* FRM: concat(GMN, LRN) -> 1x1 conv, 2 residual blocks, sub-pixel upsampler, conv 3x3 (-> 3), plus the
  bicubic-upsampled LR.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from ..blocks import ResBlock, Upsampler, conv
from .spgan import bicubic_up


class DenseResidualBlock(nn.Module):
    """``layers`` x [conv 3x3 + ReLU] densely connected (growth ``growth``), 1x1 fusion, residual."""

    def __init__(self, c: int, growth: int = 32, layers: int = 4) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Sequential(conv(c + i * growth, growth, 3), nn.ReLU(inplace=True))
                                   for i in range(layers))
        self.fuse = nn.Conv2d(c + layers * growth, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for layer in self.convs:
            feats.append(layer(torch.cat(feats, dim=1)))
        return x + self.fuse(torch.cat(feats, dim=1))


class GlobalMemory(nn.Module):
    """GMN: a shared dense residual block unrolled ``steps`` times with a memory of the head features."""

    def __init__(self, c: int, steps: int = 4, growth: int = 32, layers: int = 4) -> None:
        super().__init__()
        self.steps = steps
        self.block = DenseResidualBlock(c, growth, layers)
        self.memory = nn.Conv2d(2 * c, c, 1)
        self.fuse = nn.Conv2d(steps * c, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        state, states = x, []
        for _ in range(self.steps):
            state = self.block(self.memory(torch.cat([state, x], dim=1)))
            states.append(state)
        return self.fuse(torch.cat(states, dim=1))


class LocalRegions(nn.Module):
    """LRN: ``regions^2`` regions of the map, each with its own residual blocks (grouped convs)."""

    def __init__(self, c: int, regions: int = 2, blocks: int = 2) -> None:
        super().__init__()
        self.g = regions
        r = regions * regions
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(r * c, r * c, 3, padding=1, groups=r), nn.ReLU(inplace=True),
                          nn.Conv2d(r * c, r * c, 3, padding=1, groups=r)) for _ in range(blocks))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = self.g
        t = x.reshape(n, c, g, h // g, g, w // g).permute(0, 2, 4, 1, 3, 5).reshape(n, g * g * c, h // g, w // g)
        for block in self.blocks:
            t = t + block(t)
        return t.reshape(n, g, g, c, h // g, w // g).permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)


class DPDFN(SRNet):
    """DPDFN: raw LR ``[0,1] N x 3 x h x w`` (h, w multiples of ``regions``) -> ``N x 3 x sh x sw``."""

    upsamples = True

    def __init__(self, scale: int = 8, features: int = 64, steps: int = 4, growth: int = 32, dense_layers: int = 4,
                 regions: int = 2, local_blocks: int = 2, fusion_blocks: int = 2) -> None:
        super().__init__(scale)
        if min(features, steps, growth, dense_layers, regions) < 1 or local_blocks < 0 or fusion_blocks < 0:
            raise ConfigError("DPDFN needs positive features, steps, growth, dense_layers and regions")
        c = features
        self.size_multiple = regions
        self.head = conv(3, c, 3)
        self.gmn = GlobalMemory(c, steps, growth, dense_layers)
        self.lrn = LocalRegions(c, regions, local_blocks)
        self.frm = nn.Sequential(nn.Conv2d(2 * c, c, 1), *[ResBlock(c) for _ in range(fusion_blocks)],
                                 Upsampler(c, scale), conv(c, 3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        f = self.head(x)
        return self.frm(torch.cat([self.gmn(f), self.lrn(f)], dim=1)) + bicubic_up(x, self.scale)
