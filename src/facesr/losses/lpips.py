"""LPIPS as a training loss (Zhang et al. 2018; used as the perceptual loss of CodeFormer): the mean
LPIPS v0.1 distance of SR and HR, ``[0,1] float NCHW RGB`` images, with the offline AlexNet (or VGG16)
weights of the ``lpips`` metric. The backbone is frozen; gradients reach the SR image."""

from __future__ import annotations

import torch
from torch import nn


class LPIPSLoss(nn.Module):
    """``mean_n LPIPS(sr_n, hr_n)``; ``net``: ``alex`` (cheap; default) or ``vgg``."""

    def __init__(self, net: str = "alex") -> None:
        super().__init__()
        from ..metrics.lpips import LPIPSNet

        self.net = LPIPSNet(net)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return self.net(sr * 2.0 - 1.0, hr * 2.0 - 1.0).mean()
