"""Losses on several outputs or filtered images: the multi-scale (pyramid) pixel loss of generators with
intermediate outputs (IADFH) and the Laplacian edge loss of ATMFN.

* :class:`PyramidLoss`: ``mean_k crit(out_k, area_down(hr, size of out_k))`` over outputs at growing
  sizes (each ``N x 3 x h_k x w_k``, a size that divides the HR size); inputs ``[out_1, ..., out_K, hr]``.
* :class:`EdgeLoss`: Charbonnier penalty of the difference of the 3x3 Laplacian (8-neighbour) responses of
  ``sr`` and ``hr``, per channel, zero padding (ATMFN's ``Laplacian`` + ``inference_content_loss_sr``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, InputError

_CRITERIA = ("l1", "mse", "charbonnier")


def _penalty(diff: torch.Tensor, criterion: str, eps: float) -> torch.Tensor:
    if criterion == "l1":
        return diff.abs().mean()
    if criterion == "mse":
        return diff.pow(2).mean()
    return torch.sqrt(diff * diff + eps * eps).mean()


def _check_criterion(criterion: str) -> str:
    if criterion not in _CRITERIA:
        raise ConfigError(f"criterion must be one of {', '.join(_CRITERIA)}, got {criterion!r}")
    return criterion


class PyramidLoss(nn.Module):
    """Pixel loss of intermediate outputs against the HR face area-averaged to each output's size."""

    def __init__(self, criterion: str = "l1", eps: float = 1e-3) -> None:
        super().__init__()
        self.criterion, self.eps = _check_criterion(criterion), float(eps)

    def forward(self, *images: torch.Tensor) -> torch.Tensor:
        """``images``: the outputs, then the HR face (the config's ``inputs: [sr_x2, sr_x4, hr]``)."""
        if len(images) < 2:
            raise InputError("pyramid loss needs at least one output and the HR face")
        outputs, hr = images[:-1], images[-1]
        total = hr.new_zeros(())
        for out in outputs:
            h, w = out.shape[-2:]
            if hr.shape[-2] % h or hr.shape[-1] % w:
                raise InputError(f"pyramid loss: output size {h}x{w} does not divide HR {tuple(hr.shape[-2:])}")
            target = F.adaptive_avg_pool2d(hr, (h, w)) if (h, w) != tuple(hr.shape[-2:]) else hr
            total = total + _penalty(out - target, self.criterion, self.eps)
        return total / len(outputs)


def laplacian(x: torch.Tensor) -> torch.Tensor:
    """Per-channel 3x3 Laplacian ``8 x_c - sum of the 8 neighbours``, zero padding, same size."""
    k = torch.full((3, 3), -1.0, dtype=x.dtype, device=x.device)
    k[1, 1] = 8.0
    c = x.shape[1]
    return F.conv2d(x, k.expand(c, 1, 3, 3), padding=1, groups=c)


class EdgeLoss(nn.Module):
    """``crit(laplacian(sr) - laplacian(hr))`` (ATMFN's edge loss: Charbonnier, eps 1e-3)."""

    def __init__(self, criterion: str = "charbonnier", eps: float = 1e-3) -> None:
        super().__init__()
        self.criterion, self.eps = _check_criterion(criterion), float(eps)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return _penalty(laplacian(sr) - laplacian(hr), self.criterion, self.eps)
