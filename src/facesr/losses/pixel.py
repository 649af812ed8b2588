"""Pixel-wise losses (survey §2.2.2): L1, L2/MSE, Huber and Charbonnier.

Inputs: ``sr`` and ``hr`` of equal shape (typically ``[0,1] float NCHW RGB``); an optional
``weight`` map broadcastable to them (e.g. a face-region mask). Output: a scalar, the mean over
every element (``reduction="sum"``: the sum).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError


def _reduce(x: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return x.mean()
    if reduction == "sum":
        return x.sum()
    raise ConfigError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


class PixelLoss(nn.Module):
    """Base of the element-wise losses: subclasses implement :meth:`penalty` of the difference."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _reduce(torch.zeros(1), reduction)
        self.reduction = reduction

    def penalty(self, diff: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, sr: torch.Tensor, hr: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        p = self.penalty(sr - hr)
        if weight is not None:
            p = p * weight
        return _reduce(p, self.reduction)


class L1Loss(PixelLoss):
    """Mean absolute error ``mean |sr - hr|``."""

    def penalty(self, diff: torch.Tensor) -> torch.Tensor:
        return diff.abs()


class MSELoss(PixelLoss):
    """L2 (mean squared error) ``mean (sr - hr)^2``."""

    def penalty(self, diff: torch.Tensor) -> torch.Tensor:
        return diff * diff


class HuberLoss(PixelLoss):
    """Huber loss: ``0.5 d^2 / delta`` for ``|d| < delta``, else ``|d| - 0.5 delta``.

    Scaled by ``1/delta`` so that it tends to L1 for large errors (``delta`` in pixel units).
    """

    def __init__(self, delta: float = 0.01, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if delta <= 0:
            raise ConfigError(f"huber delta must be positive, got {delta}")
        self.delta = float(delta)

    def penalty(self, diff: torch.Tensor) -> torch.Tensor:
        a = diff.abs()
        return torch.where(a < self.delta, 0.5 * a * a / self.delta, a - 0.5 * self.delta)


class CharbonnierLoss(PixelLoss):
    """Charbonnier penalty ``sqrt(d^2 + eps^2)`` (a differentiable L1; LapSRN uses eps = 1e-3)."""

    def __init__(self, eps: float = 1e-3, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.eps = float(eps)

    def penalty(self, diff: torch.Tensor) -> torch.Tensor:
        return torch.sqrt(diff * diff + self.eps * self.eps)


class PSNRLoss(nn.Module):
    """The benchmark's score as a loss: ``mean_i 10 log10(MSE_i + eps)`` over the images of the batch
    (minus the mean PSNR in dB, up to a constant; lower is better, values are negative).

    ``color``: ``rgb`` (MSE over the three channels) or ``y`` (BT.601 luma on the [0,1] scale, the
    plane the survey's protocols score); with ``y``, ``chroma`` > 0 adds ``chroma`` times the mean
    squared Cb/Cr error to each image's MSE, so colour stays anchored. ``crop``: pixels left out at
    each border, as the protocols' shave. Per-image logs weigh every face as the averaged PSNR does,
    so faces that are already good still count.
    """

    def __init__(self, color: str = "y", chroma: float = 0.0, crop: int = 0, eps: float = 1e-8) -> None:
        super().__init__()
        if color not in ("rgb", "y"):
            raise ConfigError(f"psnr loss color must be 'rgb' or 'y', got {color!r}")
        if chroma < 0 or (chroma > 0 and color != "y"):
            raise ConfigError(f"psnr loss chroma must be >= 0 and needs color 'y', got {chroma} with {color!r}")
        if crop < 0 or eps <= 0:
            raise ConfigError(f"psnr loss needs crop >= 0 and eps > 0, got crop={crop}, eps={eps}")
        self.color, self.chroma, self.crop, self.eps = color, float(chroma), int(crop), float(eps)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        c = self.crop
        if c:
            if sr.shape[-1] <= 2 * c or sr.shape[-2] <= 2 * c:
                raise ConfigError(f"psnr loss crop {c} leaves nothing of a {tuple(sr.shape[-2:])} image")
            sr, hr = sr[..., c:-c, c:-c], hr[..., c:-c, c:-c]
        if self.color == "y":
            from ..ops.color import rgb2ycbcr

            only_y = not self.chroma
            diff = (rgb2ycbcr(sr * 255.0, only_y=only_y) - rgb2ycbcr(hr * 255.0, only_y=only_y)) / 255.0
            mse = diff[:, :1].pow(2).flatten(1).mean(1)
            if self.chroma:
                mse = mse + self.chroma * diff[:, 1:].pow(2).flatten(1).mean(1)
        else:
            mse = (sr - hr).pow(2).flatten(1).mean(1)
        return (10.0 / math.log(10.0)) * torch.log(mse + self.eps).mean()
