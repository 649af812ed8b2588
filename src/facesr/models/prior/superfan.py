"""Super-FAN (Bulat & Tzimiropoulos, CVPR'18): an SR generator trained with a heatmap loss through a
face-alignment network (post-prior: landmarks are taken from the SR result, only in the loss), a
perceptual loss and WGAN-GP.

Generator (raw LR input, [0,1] RGB in and out): conv 9x9 (3 -> 64) + PReLU, 12 residual blocks
at LR size (conv-BN-ReLU-conv-BN + skip, 3x3 convs with bias), then per x2 stage BN-ReLU-ConvT
4x4 stride 2; 3 residual blocks after the first stage; conv 3x3 (64 -> 64) + ReLU, conv 3x3
(64 -> 3). The paper is x4 (two stages); x8 adds a third stage (1,363k parameters, the survey's
1.3M), x16 a fourth (ours).

Critic (:class:`SuperFANCritic`): DCGAN-style, 4 x [conv 4x4 stride 2, LReLU 0.2] with
64/128/256/512 channels and conv 4x4 -> 1, no BN (WGAN-GP), no sigmoid: a small map of scores.
The face-alignment network of the heatmap loss is :class:`facesr.models.prior.hourglass.StackedHourglass`
(loss ``fan_heatmap``), frozen.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet


class ResidualBlock(nn.Module):
    """x + BN(conv(ReLU(BN(conv(x))))), 3x3 convs with bias."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                                  nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SuperFAN(SRNet):
    """Super-FAN generator: raw LR [0,1] RGB N x 3 x h x w -> N x 3 x (s h) x (s w)."""

    upsamples = True

    def __init__(self, scale: int = 8, features: int = 64, lr_blocks: int = 12, stage_blocks: tuple[int, ...] = (3,)
                 ) -> None:
        super().__init__(scale)
        stages = int(math.log2(scale)) if scale >= 2 else 0
        if 2**stages != scale or stages < 1:
            raise ConfigError(f"Super-FAN needs a power-of-two scale, got x{scale}")
        c = features
        layers: list[nn.Module] = [nn.Conv2d(3, c, 9, padding=4), nn.PReLU(),
                                   *[ResidualBlock(c) for _ in range(lr_blocks)]]
        for i in range(stages):
            layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.ConvTranspose2d(c, c, 4, stride=2, padding=1)]
            n = stage_blocks[i] if i < len(stage_blocks) else 0
            layers += [ResidualBlock(c) for _ in range(n)]
        layers += [nn.Conv2d(c, c, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(c, 3, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.net(x)


class SuperFANCritic(nn.Module):
    """WGAN-GP critic: [0,1] RGB N x 3 x S x S (S a multiple of 16, >= 64) -> N x 1 x (S/16 - 3)^2 scores."""

    def __init__(self, widths: tuple[int, ...] = (64, 128, 256, 512)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for w in widths:
            layers += [nn.Conv2d(cin, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
            cin = w
        layers.append(nn.Conv2d(cin, 1, 4, 1, 0, bias=False))
        self.net = nn.Sequential(*layers)
        self.min_size = 4 * 2 ** len(widths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3 or min(x.shape[-2:]) < self.min_size:
            raise InputError(f"Super-FAN critic expects N x 3 x S x S faces with S >= {self.min_size}, "
                             f"got {tuple(x.shape)}")
        return self.net(x * 2.0 - 1.0)
