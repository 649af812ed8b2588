"""FSR3D: super-resolution of 3-D face point clouds (survey §4.8.4, after its [202], "a 3D face point cloud
super-resolution network ... to infer the high-resolution data from low-resolution 3D face point cloud data").

The survey gives no layers for [202] and none were available here, so the network is this project's, built on
the point-upsampling design of PU-Net (Yu et al., CVPR 2018: per-point features, feature expansion by ``r``
separate branches, coordinate regression) with DGCNN's edge convolutions (Wang et al., TOG 2019) as the
feature extractor:

1. **Features**: three edge convolutions over each point's ``k`` nearest neighbours in the input coordinates
   (``max_j MLP[x_i, x_j - x_i]``, 64 channels each), densely concatenated (192), plus the cloud's max-pooled
   global feature, fused by a 1x1 conv to 256.
2. **Expansion** (PU-Net): ``scale`` branches, each two 1x1 convs (256 -> 256 -> 128, ReLU), give ``scale``
   feature vectors per input point.
3. **Coordinates**: 1x1 convs 128 -> 64 -> 3 predict an offset of each new point from its input point.

Input: ``float32 N x P x 3`` sparse, noisy points (FSR3D's data: centred, unit RMS radius); output
``N x (P * scale) x 3``. ``scale`` is the point upsampling ratio (x4: 120 -> 480 points for MediaPipe's 478).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError, InputError

#: points of an HR cloud (MediaPipe's refined face mesh)
HR_POINTS = 478


def knn_index(points: torch.Tensor, k: int) -> torch.Tensor:
    """Indices ``N x P x k`` of each point's ``k`` nearest neighbours (itself first) in ``N x P x 3`` clouds."""
    return torch.cdist(points, points).topk(k, dim=2, largest=False).indices


class EdgeConv(nn.Module):
    """DGCNN's edge convolution: ``max_j ReLU(conv1x1[f_i, f_j - f_i])`` over given neighbour indices."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2 * cin, cout, 1), nn.ReLU(inplace=True))

    def forward(self, f: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        """``f`` ``N x C x P``, ``idx`` ``N x P x k`` -> ``N x C' x P``."""
        n, c, p = f.shape
        k = idx.shape[-1]
        gathered = torch.gather(f.unsqueeze(2).expand(-1, -1, p, -1), 3,
                                idx.unsqueeze(1).expand(-1, c, -1, -1))  # N x C x P x k
        centre = f.unsqueeze(-1).expand(-1, -1, -1, k)
        return self.conv(torch.cat([centre, gathered - centre], dim=1)).amax(dim=-1)


class FSR3D(nn.Module):
    """Point-cloud SR of faces (module doc). ``scale``: upsampling ratio r; ``k``: neighbours of the edge convs;
    ``features`` (64), ``width`` (256) and ``branch`` (128): channel widths."""

    upsamples = True

    def __init__(self, scale: int = 4, k: int = 16, features: int = 64, width: int = 256, branch: int = 128) -> None:
        super().__init__()
        if k < 2 or min(features, width, branch) < 1:
            raise ConfigError(f"FSR3D needs k >= 2 and positive widths, got k={k}, {features}, {width}, {branch}")
        self.scale, self.k = int(scale), int(k)
        f = features
        self.edges = nn.ModuleList([EdgeConv(3, f), EdgeConv(f, f), EdgeConv(f, f)])
        self.fuse = nn.Sequential(nn.Conv1d(6 * f, width, 1), nn.ReLU(inplace=True))
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Conv1d(width, width, 1), nn.ReLU(inplace=True), nn.Conv1d(width, branch, 1),
                          nn.ReLU(inplace=True)) for _ in range(self.scale))
        self.coords = nn.Sequential(nn.Conv1d(branch, 64, 1), nn.ReLU(inplace=True), nn.Conv1d(64, 3, 1))

    def lr_points(self, hr_points: int = HR_POINTS) -> int:
        """Input points for an ``hr_points`` cloud: ``ceil(hr_points / scale)``."""
        return -(-int(hr_points) // self.scale)

    def example_input(self, x: torch.Tensor) -> torch.Tensor:
        """A ``1 x P x 3`` cloud on ``x``'s device for counting MACs (``P`` for MediaPipe's 478 points)."""
        return torch.zeros(1, self.lr_points(), 3, device=x.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``N x P x 3`` points -> ``N x (P * scale) x 3`` (point ``i`` of input point ``j`` at ``j * scale + i``)."""
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[-1] != 3 or not x.dtype.is_floating_point:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(f"FSR3D expects a float N x P x 3 point cloud batch, got {shape}")
        n, p, _ = x.shape
        if p < self.k:
            raise InputError(f"FSR3D (k={self.k}) needs at least {self.k} input points, got {p}")
        idx = knn_index(x.float(), self.k)
        f = x.transpose(1, 2)
        feats = []
        for edge in self.edges:
            f = edge(f, idx)
            feats.append(f)
        local = torch.cat(feats, dim=1)
        glob = local.amax(dim=2, keepdim=True).expand(-1, -1, p)
        h = self.fuse(torch.cat([local, glob], dim=1))
        expanded = torch.stack([b(h) for b in self.branches], dim=3)  # N x C x P x r
        offsets = self.coords(expanded.flatten(2)).view(n, 3, p, self.scale)
        out = x.transpose(1, 2).unsqueeze(-1) + offsets
        return out.flatten(2).transpose(1, 2)
