"""GLEAN (Chan et al., "GLEAN: Generative Latent Bank for Large-Factor Image Super-Resolution", CVPR 2021), the
layout of ``open-mmlab/mmagic: mmagic/models/editors/glean/glean_styleganv2.py`` (``GLEANStyleGANv2``).

* Encoder: an RRDB feature extractor (ESRGAN's trunk without upsampling: conv, ``num_rrdbs`` residual-in-
  residual dense blocks, conv, long skip) on the LR face, a 3x3 conv to the prior's width at the LR size,
  then per halving a stride-2 and a stride-1 3x3 conv down to 4x4, and at 4x4 a conv and a linear layer to
  one ``w`` per prior layer.
* Latent bank: a trained StyleGAN2 prior, frozen. At every level up to the LR size the encoder's features
  of that size are concatenated to the bank's features and to its running RGB image, each fused back by a
  3x3 conv, before the level's convolutions; the noise inputs are fixed maps (buffers).
* Decoder: from the encoder's LR-size features, per x2 a sub-pixel conv (3x3 conv, pixel shuffle) whose
  output is concatenated with the bank's features of that size, ending in conv 3x3 -> 64, leaky ReLU, conv
  3x3 -> RGB.

Faces are ``[0,1] float NCHW RGB`` in and out (``[-1, 1]`` inside).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from ..general.rwsr import RRDB
from .prior import EmbedsPrior
from .stylegan2 import StyleGAN2Generator, log2_size


class RRDBFeatures(nn.Module):
    """ESRGAN's trunk: conv 3x3, ``blocks`` RRDBs, conv 3x3, plus the first conv's features."""

    def __init__(self, features: int = 64, blocks: int = 23, growth: int = 32) -> None:
        super().__init__()
        self.conv_first = nn.Conv2d(3, features, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(features, growth) for _ in range(blocks)])
        self.conv_body = nn.Conv2d(features, features, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.conv_first(x)
        return feat + self.conv_body(self.body(feat))


def _conv_lrelu(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2, True)]


class GLEAN(EmbedsPrior, SRNet):
    """LR face ``N x 3 x (size/scale) x (size/scale)`` in ``[0,1]`` -> ``N x 3 x size x size``. ``size``: the
    output (the prior's size); ``rrdb_channels``, ``num_rrdbs``, ``growth``: the RRDB encoder; ``style_dim``,
    ``n_mlp``, ``channel_multiplier``, ``narrow``: the frozen prior's options (:meth:`load_prior`)."""

    upsamples = True
    prior_attr = "bank"

    def __init__(self, scale: int = 8, size: int = 128, rrdb_channels: int = 64, num_rrdbs: int = 23,
                 growth: int = 32, style_dim: int = 512, n_mlp: int = 8, channel_multiplier: float = 2,
                 narrow: float = 1.0) -> None:
        super().__init__(scale)
        self.in_size = size // scale
        if size % scale or self.in_size < 4 or self.in_size & (self.in_size - 1) or scale < 2:
            raise ConfigError(f"GLEAN needs an LR side size/scale that is a power of two >= 4 below {size}, got "
                              f"x{scale}")
        self.size = self.size_multiple = self.min_size = self.in_size
        self.bank = StyleGAN2Generator(scale, size, style_dim, n_mlp, channel_multiplier, narrow)
        self.bank.requires_grad_(False)
        ch, bank = self.bank.channels, self.bank
        low, high = self.in_size.bit_length() - 1, log2_size(size)
        enc_res = [2**i for i in range(low, 1, -1)]  # the LR size ... 4
        self.encoder = nn.ModuleList([nn.Sequential(RRDBFeatures(rrdb_channels, num_rrdbs, growth),
                                                    *_conv_lrelu(rrdb_channels, ch[self.in_size]))])
        for res in enc_res:
            if res > 4:
                self.encoder.append(nn.Sequential(*_conv_lrelu(ch[res], ch[res // 2], 2),
                                                  *_conv_lrelu(ch[res // 2], ch[res // 2])))
            else:
                self.encoder.append(nn.Sequential(*_conv_lrelu(ch[4], ch[4]), nn.Flatten(),
                                                  nn.Linear(16 * ch[4], bank.num_ws * style_dim)))
        self.fusion_out = nn.ModuleList([nn.Conv2d(2 * ch[r], ch[r], 3, 1, 1) for r in enc_res[::-1]])
        self.fusion_skip = nn.ModuleList([nn.Conv2d(ch[r] + 3, 3, 3, 1, 1) for r in enc_res[::-1]])
        self.decoder = nn.ModuleList()
        for res in [2**i for i in range(low, high + 1)]:  # the LR size ... size
            cin = ch[res] if res == self.in_size else 2 * ch[res]
            if res < size:
                self.decoder.append(nn.Sequential(nn.Conv2d(cin, 4 * ch[res * 2], 3, 1, 1), nn.PixelShuffle(2)))
            else:
                self.decoder.append(nn.Sequential(*_conv_lrelu(cin, 64), nn.Conv2d(64, 3, 3, 1, 1)))
        g = torch.Generator().manual_seed(0)
        for i, shape in enumerate(bank.noise_shapes(1)):
            self.register_buffer(f"noise{i}", torch.randn(shape, generator=g))

    def input_hint(self) -> str:
        return f"a raw LR face of {self.in_size}x{self.in_size} (x{self.scale} to {self.bank.size} px)"

    def check_input(self, x: torch.Tensor) -> None:
        super().check_input(x)
        if x.shape[-1] != self.in_size or x.shape[-2] != self.in_size:
            raise InputError(f"GLEAN x{self.scale} was built for {self.in_size}x{self.in_size} LR faces, got "
                             f"{x.shape[-2]}x{x.shape[-1]}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        feats, feat = [], x * 2.0 - 1.0
        for block in self.encoder:
            feat = block(feat)
            feats.append(feat)
        feats = feats[::-1]
        bank = self.bank
        ws = feats[0].reshape(x.shape[0], bank.num_ws, bank.style_dim)
        enc = feats[1:]  # 4 px ... LR size
        noise = [getattr(self, f"noise{i}").expand(x.shape[0], -1, -1, -1) for i in range(bank.num_layers)]
        out = bank.conv1(bank.input(x.shape[0]), ws[:, 0], noise[0])
        skip = bank.to_rgb1(out, ws[:, 1])
        bank_feats = []
        for level, (up, conv, to_rgb) in enumerate(zip(bank.convs[::2], bank.convs[1::2], bank.to_rgbs)):
            i = 2 * level + 1
            if out.shape[-1] <= self.in_size:
                out = self.fusion_out[level](torch.cat([out, enc[level]], dim=1))
                skip = self.fusion_skip[level](torch.cat([skip, enc[level]], dim=1))
            out = conv(up(out, ws[:, i], noise[i]), ws[:, i + 1], noise[i + 1])
            skip = to_rgb(out, ws[:, i + 2], skip)
            if out.shape[-1] > self.in_size:
                bank_feats.append(out)
        hr = enc[-1]
        for k, block in enumerate(self.decoder):
            if k > 0:
                hr = torch.cat([hr, bank_feats[k - 1]], dim=1)
            hr = block(hr)
        return (hr + 1.0) / 2.0
