"""PSNR (survey §2.2.1, Eq. 6) on the plane the protocol selects, accumulated in float64."""

from __future__ import annotations

import torch

from .base import Metric


def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 255.0) -> torch.Tensor:
    """PSNR in dB per image of two ``N x C x H x W`` planes on the same scale; float64 ``[N]``.

    Identical images give ``inf``.
    """
    diff = x.to(torch.float64) - y.to(torch.float64)
    mse = diff.pow(2).flatten(1).mean(dim=1)
    return 10.0 * torch.log10(data_range**2 / mse)


class PSNR(Metric):
    """PSNR (dB, higher is better) under the protocol's colour plane, rounding and crop."""

    name = "psnr"
    unit = "dB"

    def score(self, sr, hr):
        p = self.protocol
        return psnr(p.plane(sr, self.scale), p.plane(hr, self.scale), p.data_range)
