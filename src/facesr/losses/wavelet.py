"""WaSRNet's wavelet-domain loss (Huang et al., ICCV'17; survey §4.1 basic-CNN FSR): weighted MSE
of the Haar wavelet-packet coefficients of SR and HR plus a texture loss on the high bands.

``L = w_low MSE(LL) + w_high MSE(high bands) + w_texture mean(relu(alpha |y|^2 - |y_hat|^2 + margin))``
over the level-``log2(scale)`` packet (:class:`facesr.models.general.wasrnet.HaarPacket`), where
``y`` are HR and ``y_hat`` SR coefficients of the high bands. MSEs are element means (the reference
code's sum / 2N differs by a constant factor). The image-domain MSE is a separate ``mse`` term.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError


class WaveletLoss(nn.Module):
    """Wavelet reconstruction + texture loss (defaults: the reference code's 0.01 / 0.99 / 1.0, alpha 1.2)."""

    def __init__(self, scale: int = 8, w_low: float = 0.01, w_high: float = 0.99, w_texture: float = 1.0,
                 alpha: float = 1.2, margin: float = 0.0) -> None:
        super().__init__()
        level = int(round(math.log2(scale))) if scale >= 2 else 0
        if level < 1 or 2**level != scale:
            raise ConfigError(f"wavelet loss needs a power-of-two scale >= 2, got {scale}")
        from ..models.general.wasrnet import HaarPacket

        self.haar = HaarPacket(level)
        self.w_low, self.w_high, self.w_texture = float(w_low), float(w_high), float(w_texture)
        self.alpha, self.margin = float(alpha), float(margin)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        c_sr, c_hr = self.haar.decompose(sr), self.haar.decompose(hr)
        low = F.mse_loss(c_sr[:, :3], c_hr[:, :3])
        hi_sr, hi_hr = c_sr[:, 3:], c_hr[:, 3:]
        high = F.mse_loss(hi_sr, hi_hr)
        texture = F.relu(self.alpha * hi_hr.pow(2) - hi_sr.pow(2) + self.margin).mean()
        return self.w_low * low + self.w_high * high + self.w_texture * texture
