"""URDGN (Yu & Porikli, ECCV'16): a generator that ultra-resolves 16x16 faces and its discriminator.

Generator (released Lua ``model_G``; BN after every conv but the last, ReLU):
conv 3x3 (3 -> 16) at LR, then per x2 stage nearest x2 + conv (x8: 16 -> 64 k3, 64 -> 128 k5,
128 -> 256 k5), then conv 5x5 (256 -> 3). The paper describes deconvolutions; the released code
uses nearest-neighbour upsampling + convolution, which is what is built here. The paper is x8
only; for x4 the 16 -> 64 stage is dropped (16 -> 128 k5, 128 -> 256 k5) and for x16 a 16 -> 32
k3 stage is prepended (our extension, so that the survey's x4/x16 rows have a network).

Discriminator (``model_D``): 4 x [conv 5x5 + maxpool 2 + ReLU + SpatialDropout 0.2] with
32/64/128/96 channels -> FC (8*8*96 -> 1024) + ReLU + Dropout 0.5 -> FC (1024 -> 1) + sigmoid,
for 128x128 HR faces. Both work on [-1,1] data inside (the reference code's range) and take
[0,1] RGB. Torch7-default initialisation (= PyTorch's default uniform bounds).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet

#: (out_channels, kernel) of the nearest-x2 + conv stages, per scale.
STAGES: dict[int, tuple[tuple[int, int], ...]] = {
    4: ((128, 5), (256, 5)),
    8: ((64, 3), (128, 5), (256, 5)),
    16: ((32, 3), (64, 3), (128, 5), (256, 5)),
}


def _conv_bn_relu(cin: int, cout: int, k: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, padding=k // 2), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class URDGN(SRNet):
    """URDGN generator: raw LR [0,1] RGB N x 3 x h x w -> N x 3 x (s h) x (s w)."""

    upsamples = True

    def __init__(self, scale: int = 8, head_channels: int = 16) -> None:
        super().__init__(scale)
        if scale not in STAGES:
            raise ConfigError(f"URDGN supports scales {', '.join(f'x{s}' for s in STAGES)}, not x{scale}")
        layers: list[nn.Module] = _conv_bn_relu(3, head_channels, 3)
        c = head_channels
        for cout, k in STAGES[scale]:
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), *_conv_bn_relu(c, cout, k)]
            c = cout
        layers.append(nn.Conv2d(c, 3, 5, padding=2))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return (self.net(x * 2.0 - 1.0) + 1.0) / 2.0


class URDGNDiscriminator(nn.Module):
    """URDGN discriminator: [0,1] RGB N x 3 x S x S HR faces -> N x 1 probabilities of being real.

    ``image_size`` (default 128) must be a multiple of 16; the FC layer is sized for it.
    """

    def __init__(self, image_size: int = 128, channels: tuple[int, ...] = (32, 64, 128, 96)) -> None:
        super().__init__()
        if image_size % 16:
            raise ConfigError(f"URDGN discriminator image_size must be a multiple of 16, got {image_size}")
        self.image_size = image_size
        layers: list[nn.Module] = []
        cin = 3
        for cout in channels:
            layers += [nn.Conv2d(cin, cout, 5, padding=2), nn.MaxPool2d(2), nn.ReLU(inplace=True),
                       nn.Dropout2d(0.2)]
            cin = cout
        self.features = nn.Sequential(*layers)
        side = image_size // 16
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(side * side * cin, 1024), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(1024, 1), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.image_size
        if x.dim() != 4 or tuple(x.shape[1:]) != (3, s, s):
            raise InputError(f"URDGN discriminator expects N x 3 x {s} x {s} faces, got {tuple(x.shape)}")
        return self.classifier(self.features(x * 2.0 - 1.0))
