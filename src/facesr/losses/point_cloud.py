"""Point-cloud loss of 3-D face SR (survey §4.8.4): the Chamfer distance of the metric
(:func:`facesr.metrics.point_cloud.chamfer_distance`), averaged over the batch."""

from __future__ import annotations

import torch
from torch import nn


class ChamferLoss(nn.Module):
    """Mean symmetric Chamfer distance (squared distances) of ``sr`` and ``hr`` clouds ``N x P x 3`` / ``N x Q x 3``."""

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        from ..metrics.point_cloud import chamfer_distance

        return chamfer_distance(sr, hr).mean()
