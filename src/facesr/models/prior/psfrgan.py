"""PSFR-GAN (Chen et al., CVPR'21, progressive semantic-aware style transformation), the survey's pre-prior
method (§4.2.1): a parsing network first estimates the parsing map of the LR face
(:class:`~facesr.models.prior.parsenet.ParseNet`, trained beforehand and frozen here), then a generator grows a
learned constant through SPADE residual blocks whose styles come from [LR face, parsing map] at every scale.

Generator (chaofengc/PSFRGAN @ ab853cdc ``PSFRGenerator``): a learned constant of c(16) channels at 16 x 16, conv
3x3 + SPADE residual block, then log2(S/16) x [nearest x2, conv 3x3 (c(s) -> c(2s)), SPADE residual block] and
conv 3x3 to RGB, with c(s) = clip(1024 * 16 / s, 32, 1024): 1024, 512, 256, 128 channels at 16..128 px. The SPADE
guidance has 3 + 19 = 22 channels (LR image in [-1,1], one-hot parsing). 45,502,467 parameters at 128 px and
45,956,995 at 512 px (methods.md: 45.50M and 45.96M); with the 128-px ParseNet (14,220,246) the network holds
59,722,713. Input: the LR face bicubic-upsampled to S; output S x S.

Discriminator (``MultiScaleDiscriminator``): patch discriminators on [image, one-hot HR parsing map] at
successive average-pooled halvings; each: conv unit (22 -> 64) + LReLU, ``depth`` x [conv 3x3, avg-pool 2,
InstanceNorm, LReLU] doubling the width (max 1024), valid conv 3x3 -> 1.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from .parsenet import PARSING_CLASSES, FixedSizeNet, ParseNet
from .psfr_layers import ConvUnit, SPADEResBlock


def _one_hot(labels: torch.Tensor, classes: int, dtype: torch.dtype) -> torch.Tensor:
    """N x H x W class ids -> N x classes x H x W one-hot (ids outside [0, classes) give zeros)."""
    if labels.dim() != 3:
        raise InputError(f"parsing labels must be N x H x W class ids, got shape {tuple(labels.shape)}")
    lab = labels.long()
    hot = F.one_hot(lab.clamp(0, classes - 1), classes).permute(0, 3, 1, 2)
    return (hot * ((lab >= 0) & (lab < classes)).unsqueeze(1)).to(dtype)


class PSFRGenerator(nn.Module):
    """Constant 16 x 16 -> ``size`` x ``size`` image in [-1,1] under SPADE guidance ``ref`` (N x 22 x S x S)."""

    def __init__(self, size: int = 128, min_feat_size: int = 16, ref_channels: int = 3 + PARSING_CLASSES,
                 max_channels: int = 1024, min_channels: int = 32) -> None:
        super().__init__()
        steps = math.log2(size / min_feat_size) if size >= min_feat_size > 0 else -1
        if steps < 0 or steps != int(steps):
            raise ConfigError(f"PSFR-GAN: size ({size}) must be min_feat_size ({min_feat_size}) times a power of 2")
        clip = lambda c: max(min_channels, min(c, max_channels))  # noqa: E731
        ch = clip(1024 * 16 // min_feat_size)
        self.const = nn.Parameter(torch.randn(1, ch, min_feat_size, min_feat_size))
        self.head = nn.Conv2d(ch, ch, 3, padding=1)
        self.head_block = SPADEResBlock(ch, ref_channels)
        self.convs, self.blocks = nn.ModuleList(), nn.ModuleList()
        for _ in range(int(steps)):
            self.convs.append(nn.Conv2d(clip(ch), clip(ch // 2), 3, padding=1))
            self.blocks.append(SPADEResBlock(clip(ch // 2), ref_channels))
            ch //= 2
        self.to_image = nn.Conv2d(clip(ch), 3, 3, padding=1)

    def forward(self, ref: torch.Tensor) -> torch.Tensor:
        x = self.head_block(self.head(self.const.expand(ref.shape[0], -1, -1, -1)), ref)
        for conv, block in zip(self.convs, self.blocks):
            x = block(conv(F.interpolate(x, scale_factor=2, mode="nearest")), ref)
        return self.to_image(x)


class PSFRGAN(FixedSizeNet):
    """Upsampled LR face N x 3 x S x S ([0,1]) -> restored S x S face. The parsing network (``parsenet``: a
    checkpoint of its stage-1 run, or ``None`` for an untrained one, smoke runs only) is frozen and in eval
    mode; its argmax map (one-hot) and the LR face guide every SPADE block. ``aux=True`` adds
    ``parsing_lr`` (N x 19 x S x S one-hot)."""

    upsamples = False
    aux_outputs = ("parsing_lr",)

    def __init__(self, scale: int = 8, size: int = 128, parsenet: str | None = None,
                 parsenet_options: dict | None = None, min_feat_size: int = 16, max_channels: int = 1024) -> None:
        super().__init__(scale)
        self.size = self.size_multiple = self.min_size = int(size)
        self.parsenet = ParseNet(scale, size=size, **dict(parsenet_options or {}))
        if parsenet is not None:
            from .psfr_weights import load_parsenet

            load_parsenet(self.parsenet, parsenet)
        self.parsenet.requires_grad_(False)
        self.generator = PSFRGenerator(size, min_feat_size, max_channels=max_channels)

    def train(self, mode: bool = True) -> PSFRGAN:
        super().train(mode)
        self.parsenet.eval()  # frozen: its BatchNorm statistics stay those of stage 1
        return self

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        with torch.no_grad():
            parsing = self.parsenet.parse(x)
        sr = (self.generator(torch.cat([x * 2.0 - 1.0, parsing], dim=1)) + 1.0) / 2.0
        return {"sr": sr, "parsing_lr": parsing} if aux else sr


class _PatchD(nn.Module):
    def __init__(self, cin: int, base: int, depth: int, max_channels: int) -> None:
        super().__init__()
        layers = [ConvUnit(cin, base, act=True)]
        for i in range(depth):
            a, b = min(base * 2**i, max_channels), min(base * 2 ** (i + 1), max_channels)
            layers.append(ConvUnit(a, b, resample="down_avg", norm="in", act=True))
        self.layers = nn.ModuleList(layers)
        self.score = ConvUnit(b if depth else base, 1, pad=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return self.score(x), feats


class PSFRDiscriminator(nn.Module):
    """``num_d`` patch discriminators on [image ([0,1] -> [-1,1]), one-hot HR parsing] at 1, 1/2, ... size.

    ``forward(x, parsing)`` returns N x num_d x h x w logits: each discriminator's map brought to the first one's
    size by nearest repetition, so that a mean over all entries weighs the discriminators equally (PSFR-GAN
    averages their losses). :meth:`features` gives every layer's features of every discriminator (feature
    matching). ``num_d`` 2 at 128 px (the paper's 3 at 512 px would leave the third a 2 x 2 map)."""

    conditions = ("parsing",)

    def __init__(self, num_d: int = 2, base_channels: int = 64, depth: int = 4, max_channels: int = 1024,
                 classes: int = PARSING_CLASSES) -> None:
        super().__init__()
        if num_d < 1 or depth < 0:
            raise ConfigError(f"PSFR-GAN discriminator needs num_d >= 1 and depth >= 0, got {num_d}, {depth}")
        self.classes = classes
        self.min_side = 2**depth * 2 ** (num_d - 1) * 3
        self.nets = nn.ModuleList(_PatchD(3 + classes, base_channels, depth, max_channels) for _ in range(num_d))

    def _run(self, x: torch.Tensor, parsing: torch.Tensor) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
        if x.dim() != 4 or x.shape[1] != 3 or min(x.shape[-2:]) < self.min_side:
            raise InputError(f"PSFR-GAN discriminator expects N x 3 x H x W images of side >= {self.min_side}, "
                             f"got {tuple(x.shape)}")
        h = torch.cat([x * 2.0 - 1.0, _one_hot(parsing, self.classes, x.dtype)], dim=1)
        out = []
        for i, net in enumerate(self.nets):
            if i:
                h = F.avg_pool2d(h, 3, stride=2, padding=1, count_include_pad=False)
            out.append(net(h))
        return out

    def forward(self, x: torch.Tensor, parsing: torch.Tensor) -> torch.Tensor:
        maps = [score for score, _ in self._run(x, parsing)]
        size = maps[0].shape[-2:]
        return torch.cat([F.interpolate(m, size=size, mode="nearest") if m.shape[-2:] != size else m for m in maps],
                         dim=1)

    def features(self, x: torch.Tensor, parsing: torch.Tensor) -> list[list[torch.Tensor]]:
        """Per discriminator, the features of each of its layers (before the score conv)."""
        return [feats for _, feats in self._run(x, parsing)]
