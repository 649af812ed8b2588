"""TANN (Yu, Shiri, Ghanem & Porikli, TPAMI'20, "Can we see more? Joint frontalization and hallucination of
unaligned tiny faces"; survey §4.7.5): a transformative upsampling network - an encoder with spatial transformers
that maps a non-frontal LR face and the frontal LR face of the same person into one latent space (the
non-frontal code is pulled towards the frontal one), and deconvolutional layers that upsample the code to a
frontal HR face - trained adversarially against real frontal faces.

No code is public; the layout follows the paper's description and Yu's earlier transformative discriminative
networks (URDGN/TDN: 4x4 strided convs, STN layers between them, deconvolutions), widths ours:

* transformer (encoder) on the LR face (16 x 16 at x8): STN on the image, conv 3x3 (3 -> C) + LReLU, then two
  [conv 4x4 stride 2 + BN + LReLU, STN on the features] stages doubling the width: a latent of 4C channels at
  1/4 of the LR size; every STN is a small localisation net (conv 3x3, pooled to 2 x 2, linear -> 6 affine
  parameters) initialised to the identity;
* upsampling network: log2(4 * scale) x [transposed conv 4x4 stride 2 + BN + ReLU], widths halving from 4C (at
  least C/2), conv 3x3 to RGB.

``forward(x, lr_frontal=None, aux=True)`` (training) also returns ``latent`` (of ``x``), ``latent_frontal`` (of
the frontal LR, no gradient: the target the non-frontal code is pulled to) and ``sr_frontal`` (the frontal LR
upsampled through the same network). :class:`TANNDiscriminator` judges 128-px faces. [0,1] RGB in and out.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from ..base import SRNet


def _lrelu() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class SpatialTransformer(nn.Module):
    """Affine spatial transformer of ``channels`` maps: localisation conv 3x3 (-> 16) + ReLU, adaptive average pool
    to 2 x 2, linear (64 -> 6) initialised to the identity transform; bilinear resampling, border padding."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.loc = nn.Sequential(nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(2),
                                 nn.Flatten(), nn.Linear(64, 6))
        nn.init.zeros_(self.loc[-1].weight)
        with torch.no_grad():
            self.loc[-1].bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))

    def theta(self, x: torch.Tensor) -> torch.Tensor:
        """The N x 2 x 3 affine transforms predicted for ``x``."""
        return self.loc(x).view(-1, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        grid = F.affine_grid(self.theta(x), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


class Transformer(nn.Module):
    """LR face N x 3 x h x w -> latent N x 4C x h/4 x w/4 (module doc)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.stn0 = SpatialTransformer(3)
        self.head = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), _lrelu())
        self.down1 = nn.Sequential(nn.Conv2d(c, 2 * c, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * c), _lrelu())
        self.stn1 = SpatialTransformer(2 * c)
        self.down2 = nn.Sequential(nn.Conv2d(2 * c, 4 * c, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * c), _lrelu())
        self.stn2 = SpatialTransformer(4 * c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stn2(self.down2(self.stn1(self.down1(self.head(self.stn0(x))))))


class TANN(SRNet):
    """Non-frontal LR face N x 3 x h x w (h, w multiples of 4) -> frontal face N x 3 x (h*scale) x (w*scale)."""

    upsamples = True
    size_multiple = 4
    min_size = 8
    training_inputs = ("lr_frontal",)
    aux_outputs = ("latent", "latent_frontal", "sr_frontal")

    def __init__(self, scale: int = 8, features: int = 64) -> None:
        super().__init__(scale)
        steps = math.log2(4 * scale)
        if steps != int(steps) or features < 2:
            raise ConfigError(f"TANN needs a power-of-two scale and features >= 2, got x{scale}, {features}")
        c = features
        self.transformer = Transformer(c)
        layers: list[nn.Module] = []
        ch = 4 * c
        for _ in range(int(steps)):
            out = max(ch // 2, c // 2)
            layers += [nn.ConvTranspose2d(ch, out, 4, 2, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            ch = out
        self.upsample = nn.Sequential(*layers, nn.Conv2d(ch, 3, 3, padding=1))

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Latent -> HR face ([0,1] range, not clipped)."""
        return (self.upsample(latent) + 1.0) / 2.0

    def forward(self, x: torch.Tensor, lr_frontal: torch.Tensor | None = None,
                aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        latent = self.transformer(x * 2.0 - 1.0)
        sr = self.decode(latent)
        if not aux:
            return sr
        out = {"sr": sr, "latent": latent}
        if lr_frontal is not None:
            self.check_input(lr_frontal)
            frontal = self.transformer(lr_frontal * 2.0 - 1.0)
            out["latent_frontal"] = frontal.detach()
            out["sr_frontal"] = self.decode(frontal)
        return out


class TANNDiscriminator(nn.Module):
    """Real frontal HR faces vs hallucinated ones: conv 4x4 stride 2 stages (C, 2C, 4C, 8C; BN but in the first,
    LReLU 0.2) then a linear layer on the flattened features -> one logit per face (N x 1). ``size``: the face
    side (128)."""

    def __init__(self, size: int = 128, features: int = 32, stages: int = 4) -> None:
        super().__init__()
        if size % 2**stages or stages < 1:
            raise ConfigError(f"TANN discriminator: size {size} must be a multiple of 2^{stages}")
        layers: list[nn.Module] = []
        cin = 3
        for i in range(stages):
            cout = features * 2**i
            layers += [nn.Conv2d(cin, cout, 4, 2, 1, bias=i == 0)]
            layers += [nn.BatchNorm2d(cout)] if i else []
            layers.append(_lrelu())
            cin = cout
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(cin * (size // 2**stages) ** 2, 1))
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from ...errors import InputError

        if x.dim() != 4 or x.shape[1] != 3 or x.shape[-1] != self.size or x.shape[-2] != self.size:
            raise InputError(f"TANN discriminator expects N x 3 x {self.size} x {self.size}, got {tuple(x.shape)}")
        return self.net(x * 2.0 - 1.0)
