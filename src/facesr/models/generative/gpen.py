"""GPEN (Yang et al., "GAN Prior Embedded Network for Blind Face Restoration in the Wild", CVPR 2021).

A StyleGAN2 prior with GPEN's concatenated noise (:class:`~.stylegan2.StyleGAN2Generator`,
``concat_noise=True``) is embedded in a U-shaped network: an encoder (1x1 conv, then blurred stride-2 3x3
convs down to 4x4) maps the degraded face to a code that enters the prior's mapping network (one ``w`` for
every layer), and its feature map at each resolution is fed to the prior's noise inputs in place of noise
(the deepest 4x4 map to the first layer, each larger map to both layers of its level). The prior is
pretrained as an unconditional GAN (recipe ``stylegan`` with ``concat_noise: true``), then the whole network
is fine-tuned (recipe ``gan_prior``). Layout of ``yangxy/GPEN @ 2c736702: face_model/gpen_model.py``
(``FullGenerator``).
"""

from __future__ import annotations

import torch
from torch import nn

from ..prior.parsenet import FixedSizeNet
from .layers import ConvLayer, EqualLinear
from .prior import EmbedsPrior
from .stylegan2 import StyleGAN2Generator, channel_table, log2_size


class GPENEncoder(nn.Module):
    """``[-1, 1]`` face ``N x 3 x S x S`` -> (code ``N x style_dim``, feature maps from ``S`` down to 4 px)."""

    def __init__(self, size: int, style_dim: int, channel_multiplier: float, narrow: float) -> None:
        super().__init__()
        log_size = log2_size(size)
        ch = channel_table(channel_multiplier, narrow)
        layers = [ConvLayer(3, ch[size], 1)]
        for i in range(log_size, 2, -1):
            layers.append(ConvLayer(ch[2**i], ch[2 ** (i - 1)], 3, downsample=True))
        self.layers = nn.ModuleList(layers)
        self.final_linear = EqualLinear(ch[4] * 16, style_dim, activation=True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return self.final_linear(x.flatten(1)), feats


class GPEN(EmbedsPrior, FixedSizeNet):
    """Degraded face ``N x 3 x S x S`` in ``[0,1]`` (the LR face bicubic-upsampled to ``size``) -> restored
    face, same size. ``style_dim``, ``n_mlp``, ``channel_multiplier``, ``narrow``, ``lr_mlp``: the embedded
    prior's options (a prior trained with the same ones and ``concat_noise: true`` loads into it:
    :meth:`load_prior`). GPEN's defaults at 128 px: ``channel_multiplier`` 1, 57,069,085 parameters."""

    upsamples = False
    prior_attr = "generator"

    def __init__(self, scale: int = 8, size: int = 128, style_dim: int = 512, n_mlp: int = 8,
                 channel_multiplier: float = 1, narrow: float = 1.0, lr_mlp: float = 0.01) -> None:
        super().__init__(scale)
        self.size = self.size_multiple = self.min_size = int(size)
        self.encoder = GPENEncoder(size, style_dim, channel_multiplier, narrow)
        self.generator = StyleGAN2Generator(scale, size, style_dim, n_mlp, channel_multiplier, narrow, lr_mlp,
                                            concat_noise=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        code, feats = self.encoder(x * 2.0 - 1.0)
        deep_first = feats[::-1]  # 4, 8, ..., S
        noise = [deep_first[0]] + [f for f in deep_first[1:] for _ in range(2)]
        ws = self.generator.mapping(code)[:, None].expand(-1, self.generator.num_ws, -1)
        return (self.generator.synthesis(ws, noise) + 1.0) / 2.0
