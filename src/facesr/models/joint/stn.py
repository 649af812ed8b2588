"""A spatial transformer layer (Jaderberg et al., NIPS 2015) for feature maps: a localisation net predicts
an affine transform from the maps, and the maps are resampled by it (bilinear, border padding). TDN,
MTDN and TDAE (Yu & Porikli) place such layers inside the upsampling network to line LR faces up.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SpatialTransformer(nn.Module):
    """``N x C x H x W`` -> the same maps warped by a predicted affine transform (identity at start).

    Localisation: conv 3x3 C->``hidden``, ReLU, max-pool 2, conv 3x3, ReLU, average-pool to 4 x 4, FC
    ``hidden * 16 -> 64``, ReLU, FC 64 -> 6 (zero weights, identity bias: training starts unwarped)."""

    def __init__(self, channels: int, hidden: int = 32) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, hidden, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(4))
        self.theta = nn.Sequential(nn.Flatten(), nn.Linear(hidden * 16, 64), nn.ReLU(inplace=True), nn.Linear(64, 6))
        nn.init.zeros_(self.theta[-1].weight)
        with torch.no_grad():
            self.theta[-1].bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))

    def affine(self, x: torch.Tensor) -> torch.Tensor:
        """``N x 2 x 3`` transforms (normalised coordinates, output -> input) predicted for ``x``."""
        return self.theta(self.features(x)).view(-1, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        theta = self.affine(x).to(x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
