"""FCSR-GAN (Cai et al., IEEE T-BIOM 2019): joint face completion and SR (survey §4.7.1).

The generator is the paper's two models in sequence:

* **FCM** (face completion model), at the LR size: an encoder-decoder with skip connections that
  repaints the occluded LR face (``3 x h x w -> 3 x h x w``, predicted as a correction of the input):
  conv 3->f, two stride-2 4x4 convs to f*2 and f*4 at h/4, ``mid_blocks`` residual blocks, two 4x4
  deconvs back with concatenated skips, conv f->3.
* **SRM** (super-resolution model): conv 3->f, ``sr_blocks`` residual blocks with a global skip,
  sub-pixel x2 stages to the HR size, conv f->3.

Training (the paper's stages; :mod:`facesr.training.recipes.fcsrgan`): FCM pretrained on the
completion loss, SRM trained with the FCM fixed, then both fine-tuned end to end with the pixel,
perceptual, style, smooth (total variation), face prior and adversarial losses. In training
(``aux=True``) the generator also returns ``lr_completed`` (the FCM output) and ``sr_diff`` /
``diff_zero`` (the SR image's neighbour differences and zeros: the smooth loss as an l1 term).
Widths and depths are ours (the paper's layer table is not reproduced here).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from ..blocks import ResBlock, Upsampler, conv


def neighbour_differences(x: torch.Tensor) -> torch.Tensor:
    """``N x 2C x H x W``: horizontal and vertical forward differences (last column/row zero)."""
    dx = torch.nn.functional.pad(x[..., :, 1:] - x[..., :, :-1], (0, 1, 0, 0))
    dy = torch.nn.functional.pad(x[..., 1:, :] - x[..., :-1, :], (0, 0, 0, 1))
    return torch.cat([dx, dy], dim=1)


class CompletionNet(nn.Module):
    """FCM: occluded LR ``N x 3 x h x w`` (h, w multiples of 4) -> completed LR, same size."""

    def __init__(self, features: int = 64, mid_blocks: int = 4) -> None:
        super().__init__()
        f = features
        self.enc1 = nn.Sequential(conv(3, f, 3), nn.ReLU(inplace=True))
        self.enc2 = nn.Sequential(nn.Conv2d(f, 2 * f, 4, 2, 1), nn.ReLU(inplace=True))
        self.enc3 = nn.Sequential(nn.Conv2d(2 * f, 4 * f, 4, 2, 1), nn.ReLU(inplace=True))
        self.mid = nn.Sequential(*[ResBlock(4 * f) for _ in range(mid_blocks)])
        self.up2 = nn.Sequential(nn.ConvTranspose2d(4 * f, 2 * f, 4, 2, 1), nn.ReLU(inplace=True))
        self.dec2 = nn.Sequential(conv(4 * f, 2 * f, 3), nn.ReLU(inplace=True))
        self.up1 = nn.Sequential(nn.ConvTranspose2d(2 * f, f, 4, 2, 1), nn.ReLU(inplace=True))
        self.dec1 = nn.Sequential(conv(2 * f, f, 3), nn.ReLU(inplace=True))
        self.out = conv(f, 3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x * 2.0 - 1.0)
        e2 = self.enc2(e1)
        d2 = self.dec2(torch.cat([self.up2(self.mid(self.enc3(e2))), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return x + self.out(d1)


class SuperResolutionNet(nn.Module):
    """SRM: LR ``N x 3 x h x w`` -> ``N x 3 x (s h) x (s w)``."""

    def __init__(self, scale: int, features: int = 64, blocks: int = 16) -> None:
        super().__init__()
        f = features
        self.head = conv(3, f, 3)
        self.body = nn.Sequential(*[ResBlock(f) for _ in range(blocks)], conv(f, f, 3))
        self.tail = nn.Sequential(Upsampler(f, scale), conv(f, 3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x * 2.0 - 1.0)
        return (self.tail(h + self.body(h)) + 1.0) / 2.0


class FCSRGAN(SRNet):
    """Occluded LR face ``N x 3 x h x w`` (h, w multiples of 4) -> completed HR face ``N x 3 x sh x sw``.

    ``features``/``mid_blocks``: FCM width and depth; ``sr_features``/``sr_blocks``: SRM's.
    """

    upsamples = True
    size_multiple = 4
    aux_outputs = ("lr_completed", "sr_diff", "diff_zero")

    def __init__(self, scale: int = 8, features: int = 64, mid_blocks: int = 4, sr_features: int = 64,
                 sr_blocks: int = 16) -> None:
        super().__init__(scale)
        if scale not in (2, 4, 8, 16):
            raise ConfigError(f"FCSR-GAN supports x2, x4, x8 and x16 (sub-pixel x2 stages), not x{scale}")
        self.fcm = CompletionNet(features, mid_blocks)
        self.srm = SuperResolutionNet(scale, sr_features, sr_blocks)

    def forward(self, x: torch.Tensor, aux: bool = False):
        self.check_input(x)
        completed = self.fcm(x)
        sr = self.srm(completed)
        if not aux:
            return sr
        diff = neighbour_differences(sr)
        return {"sr": sr, "lr_completed": completed, "sr_diff": diff, "diff_zero": torch.zeros_like(diff)}
