"""JASRNet (Yin, Robinson, Zhang & Fu, AAAI'20): joint super-resolution and alignment of tiny faces, the
survey's representative parallel-prior method (§4.2.2): one shared encoder feeds an SR branch and a
landmark-heatmap branch that are trained together (pixel loss + heatmap loss, Eq. 15).

Layout (the paper's Fig. 3 modules; no code is public, so widths and depths are ours):

* shared encoder: conv 3x3 (3 -> C) on the raw LR face;
* deep feature extraction and fusion: G residual groups of B residual channel-attention blocks
  (RCAN's blocks, by a co-author), the output of every group concatenated, fused by conv 1x1 (G*C -> C)
  and conv 3x3, plus the shallow features (the paper fuses the intermediate layers of the shared
  module);
* SR branch: sub-pixel upsampling x ``scale`` + conv 3x3 (C -> 3);
* alignment branch: sub-pixel upsampling to 1/4 of the HR size (32 x 32 heatmaps at 128 px), conv 1x1
  (C -> H), ``hourglasses`` stacked hourglasses (width H, depth 3) with heads giving 68 heatmaps.

Data [0,1] RGB in and out.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from ..blocks import Upsampler, conv
from ..general.rcan import ResidualGroup
from .hourglass import Bottleneck, Hourglass

#: HR pixels per heatmap pixel (32 x 32 heatmaps for 128 x 128 faces)
HEATMAP_STRIDE = 4


class _FusedTrunk(nn.Module):
    """Residual groups whose outputs are all concatenated and fused (1x1 then 3x3), plus the input."""

    def __init__(self, channels: int, groups: int, blocks: int, reduction: int) -> None:
        super().__init__()
        self.groups = nn.ModuleList(ResidualGroup(channels, blocks, reduction) for _ in range(groups))
        self.fuse = nn.Sequential(nn.Conv2d(groups * channels, channels, 1), conv(channels, channels, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs, h = [], x
        for g in self.groups:
            h = g(h)
            outs.append(h)
        return x + self.fuse(torch.cat(outs, dim=1))


class _AlignmentBranch(nn.Module):
    """Fused LR features -> ``landmarks`` heatmaps at 1/``HEATMAP_STRIDE`` of the HR size."""

    def __init__(self, channels: int, width: int, up: int, hourglasses: int, depth: int, landmarks: int) -> None:
        super().__init__()
        self.up = Upsampler(channels, up) if up > 1 else nn.Identity()
        self.stem = nn.Sequential(nn.Conv2d(channels, width, 1), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        unit = lambda a, b: Bottleneck(a, b, order="pre")  # noqa: E731
        self.stacks = nn.ModuleList(Hourglass(depth, width, unit) for _ in range(hourglasses))
        self.heads = nn.ModuleList(nn.Conv2d(width, landmarks, 1) for _ in range(hourglasses))
        self.back = nn.ModuleList(nn.Conv2d(landmarks, width, 1) for _ in range(hourglasses - 1))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = self.stem(self.up(feats))
        heat = x
        for i, (hg, head) in enumerate(zip(self.stacks, self.heads)):
            y = hg(x)
            heat = head(y)
            if i < len(self.back):
                x = x + y + self.back[i](heat)
        return heat


class JASRNet(SRNet):
    """Raw LR face N x 3 x h x w -> N x 3 x (h*scale) x (w*scale); with ``aux=True`` a dict with ``sr`` and
    ``heatmaps_pred`` (N x landmarks x (h*scale/4) x (w*scale/4)). Input sides: multiples of
    ``2**hourglass_depth * 4 / scale`` (16 x 16 faces at x8)."""

    upsamples = True
    aux_outputs = ("heatmaps_pred",)

    def __init__(self, scale: int = 8, features: int = 64, groups: int = 4, blocks: int = 8, reduction: int = 16,
                 hourglass_features: int = 128, hourglasses: int = 2, hourglass_depth: int = 3,
                 landmarks: int = 68) -> None:
        super().__init__(scale)
        if scale < HEATMAP_STRIDE or min(features, groups, blocks, hourglasses, landmarks) < 1:
            raise ConfigError(f"JASRNet needs scale >= {HEATMAP_STRIDE} and positive widths/depths")
        if features // reduction < 1:
            raise ConfigError(f"JASRNet: features ({features}) must be >= reduction ({reduction})")
        up = scale // HEATMAP_STRIDE
        self.size_multiple = max(1, 2**hourglass_depth // up)
        self.min_size = self.size_multiple
        self.head = conv(3, features, 3)
        self.trunk = _FusedTrunk(features, groups, blocks, reduction)
        self.sr_branch = nn.Sequential(Upsampler(features, scale), conv(features, 3, 3))
        self.align_branch = _AlignmentBranch(features, hourglass_features, up, hourglasses, hourglass_depth,
                                             landmarks)

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        feats = self.trunk(self.head(x))
        sr = self.sr_branch(feats)
        if not aux:
            return sr
        return {"sr": sr, "heatmaps_pred": self.align_branch(feats)}
