"""PSFR-GAN's parsing network (Chen et al., CVPR'21; ``ParseNet`` of chaofengc/PSFRGAN @ ab853cdc): it estimates
the 19-class CelebAMask-HQ parsing map of a low-quality face (the survey's pre-prior, §4.2.1) and restores the
face as an auxiliary output.

Encoder-body-decoder at the face's size S (the LR face bicubic-upsampled to S): conv unit 3x3 (3 -> 64), log2(S /
32) down-sampling residual blocks doubling the width (clipped to [32, 256]), 10 residual blocks at 32 x 32 with a
skip around them, as many up-sampling blocks halving it, then conv units to 19 parsing logits and to 3 image
channels. BatchNorm, LeakyReLU(0.2). At 512 px (the paper) this is 21.30M parameters (methods.md); at 128 px
(two stages instead of four) 14,220,246.

Trained alone first (PSFR-GAN's stage 1: cross entropy against parsing labels + L1 of the restored face; here
``generator: {model: psfrgan, part: parsenet}`` with the ``sr`` recipe, parsing labels from a prepared cache),
then frozen inside :class:`facesr.models.prior.psfrgan.PSFRGAN`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from .psfr_layers import ConvUnit, ResampleBlock

#: parsing classes (CelebAMask-HQ ids, :data:`facesr.priors.parsing.CELEBAMASK_CLASSES`)
PARSING_CLASSES = 19


class FixedSizeNet(SRNet):
    """A network built for faces of one size, ``size`` x ``size`` (set by the subclass)."""

    size = 128

    def check_input(self, x: torch.Tensor) -> None:
        super().check_input(x)
        if x.shape[-1] != self.size or x.shape[-2] != self.size:
            raise InputError(f"{type(self).__name__} was built for {self.size}x{self.size} faces, got "
                             f"{x.shape[-2]}x{x.shape[-1]}; it expects {self.input_hint()}")


class ParseNet(FixedSizeNet):
    """Upsampled LQ face N x 3 x S x S ([0,1]) -> restored face (same size); ``aux=True`` adds
    ``parsing_pred`` (N x 19 x S x S logits). ``size``: S (a power of two >= ``min_feat_size``)."""

    upsamples = False
    aux_outputs = ("parsing_pred",)

    def __init__(self, scale: int = 8, size: int = 128, min_feat_size: int = 32, base_channels: int = 64,
                 res_depth: int = 10, max_channels: int = 256, min_channels: int = 32,
                 parsing_channels: int = PARSING_CLASSES) -> None:
        super().__init__(scale)
        steps = math.log2(size / min_feat_size) if size >= min_feat_size > 0 else -1
        if steps < 0 or steps != int(steps) or res_depth < 0 or base_channels < 1:
            raise ConfigError(f"ParseNet: size ({size}) must be min_feat_size ({min_feat_size}) times a power of 2")
        clip = lambda c: max(min_channels, min(c, max_channels))  # noqa: E731
        self.size = self.size_multiple = self.min_size = int(size)
        ch, enc = base_channels, [ConvUnit(3, base_channels)]
        for _ in range(int(steps)):
            enc.append(ResampleBlock(clip(ch), clip(ch * 2), "down"))
            ch *= 2
        self.encoder = nn.Sequential(*enc)
        self.body = nn.Sequential(*[ResampleBlock(clip(ch), clip(ch)) for _ in range(res_depth)])
        dec = []
        for _ in range(int(steps)):
            dec.append(ResampleBlock(clip(ch), clip(ch // 2), "up"))
            ch //= 2
        self.decoder = nn.Sequential(*dec)
        self.to_image = ConvUnit(clip(ch), 3)
        self.to_parsing = ConvUnit(clip(ch), parsing_channels)

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        feat = self.encoder(x * 2.0 - 1.0)
        y = self.decoder(feat + self.body(feat))
        sr = (self.to_image(y) + 1.0) / 2.0
        return {"sr": sr, "parsing_pred": self.to_parsing(y)} if aux else sr

    def parse(self, x: torch.Tensor) -> torch.Tensor:
        """One-hot parsing map (N x 19 x S x S, float) of the argmax class per pixel."""
        feat = self.encoder(x * 2.0 - 1.0)
        logits = self.to_parsing(self.decoder(feat + self.body(feat)))
        return torch.zeros_like(logits, dtype=x.dtype).scatter_(1, logits.argmax(dim=1, keepdim=True), 1.0)
