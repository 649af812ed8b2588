"""SSIM loss (survey Eq. 9) and multi-scale SSIM loss, differentiable.

``L_SSIM = (1 - SSIM(sr, hr)) / 2`` on ``[0,1]`` images (data range 1), SSIM per channel with
the 11 x 11 Gaussian window (sigma 1.5) over the valid region, averaged over channels, pixels and
the batch. Uses the metric's SSIM maps (:mod:`facesr.metrics.ssim`; float64 statistics).
``color="y"`` scores the BT.601 luma (0..1 scale) instead of the three RGB channels.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError


def _plane(x: torch.Tensor, color: str) -> torch.Tensor:
    if color == "rgb":
        return x
    from ..ops.color import rgb_to_y

    return rgb_to_y(x * 255.0, "y601") / 255.0


class SSIMLoss(nn.Module):
    """Eq. 9: ``(1 - SSIM) / 2``. ``window``: ``gauss11`` or ``uniform7``; ``color``: ``rgb`` or ``y``."""

    def __init__(self, window: str = "gauss11", color: str = "rgb") -> None:
        super().__init__()
        if color not in ("rgb", "y"):
            raise ConfigError(f"SSIM loss color must be 'rgb' or 'y', got {color!r}")
        self.window, self.color = window, color

    def similarity(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        from ..metrics.ssim import ssim

        return ssim(_plane(sr, self.color), _plane(hr, self.color), window=self.window, data_range=1.0)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return (0.5 * (1.0 - self.similarity(sr, hr).mean())).to(sr.dtype)


class MSSSIMLoss(SSIMLoss):
    """Multi-scale SSIM loss (Eq. 9 with MS-SSIM) ``(1 - MS-SSIM) / 2``; as many of the 5 scales as
    the image size allows."""

    def __init__(self, window: str = "gauss11", color: str = "rgb", levels: int | None = None) -> None:
        super().__init__(window, color)
        self.levels = levels

    def similarity(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        from ..metrics.ssim import ms_ssim

        return ms_ssim(_plane(sr, self.color), _plane(hr, self.color), levels=self.levels,
                       window=self.window, data_range=1.0)
