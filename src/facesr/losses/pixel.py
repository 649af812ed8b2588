"""Pixel-wise losses (survey §2.2.2): L1, L2/MSE, Huber and Charbonnier.

Inputs: ``sr`` and ``hr`` of equal shape (typically ``[0,1] float NCHW RGB``); an optional
``weight`` map broadcastable to them (e.g. a face-region mask). Output: a scalar, the mean over
every element (``reduction="sum"``: the sum).
"""

from __future__ import annotations

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
