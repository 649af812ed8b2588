"""BOPBL: old-photo face restoration by latent-space translation (survey §4.8.2; "Bringing Old Photos Back to
Life", Wan et al., CVPR 2020, and its journal version "Old Photo Restoration via Deep Latent Space
Translation").

Three networks, trained in the paper's two stages (recipe ``bopbl``):

1. **VAE A** encodes real old photos *and* synthetically degraded faces into one latent space ``Z_X`` (a
   latent discriminator pulls the two domains together); **VAE B** encodes clean HR faces into ``Z_Y``.
   Each is a "reduced" VAE as in the released code: the encoder gives the mean, the decoder is trained on
   ``mean + N(0, I)``, the KL term is ``mean(z^2)``.
2. A **mapping network** ``T: Z_X -> Z_Y`` trained on synthetic pairs with both VAEs frozen; restoration is
   ``decoder_B(T(encoder_A(x)))``.

Layers as the released code's settings (``n_downsample_global 3, k_size 4, mc 64, start_r 1, ngf 64,
spatio_size 64``; mapping ``map_mc 512, mapping_n_block 6``): encoder 7x7 conv (64), two stride-2 4x4 convs,
four reflect-padded residual blocks (conv-IN-ReLU-conv-IN), latent 64 x H/4 x W/4; the decoder mirrors it
with 4x4 transposed convs and ends in 7x7 conv + tanh; instance norm without affine parameters throughout.
The mapping widens 64 -> 128 -> 256 -> 512 -> 512 by 3x3 conv-IN-ReLU, six residual blocks at 512, narrows
back to 64. The partial non-local block for scratches (structured defects) is not built: the degradations
here (``realworld`` / ``oldphoto``) have none.

Input: ``[0,1] float32 N x 3 x H x W`` RGB, the LR face bicubic-upsampled to the HR size (registry input
``upsampled``; H, W multiples of 4, at least 16). Output: the same size, ``[0,1]`` (tanh mapped), not clipped.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet


def _norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=False)


class NormResBlock(nn.Module):
    """``x + IN(conv(ReLU(IN(conv(x)))))``, 3x3 convs with reflection padding (pix2pixHD's residual block)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), _norm(c), nn.ReLU(True),
                                  nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), _norm(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class VAE(nn.Module):
    """One of BOPBL's two VAEs: ``encode`` ``[-1,1]`` images ``N x 3 x H x W`` -> latent means ``N x C x H/4 x
    W/4``; ``decode`` latents -> ``[-1,1]`` images (tanh). ``channels`` C (the code's ``mc`` 64)."""

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        c = channels
        self.encoder = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(3, c, 7), _norm(c), nn.ReLU(True),
            nn.Conv2d(c, c, 4, 2, 1), _norm(c), nn.ReLU(True),
            nn.Conv2d(c, c, 4, 2, 1), _norm(c), nn.ReLU(True),
            *[NormResBlock(c) for _ in range(4)])
        self.decoder = nn.Sequential(
            *[NormResBlock(c) for _ in range(4)],
            nn.ConvTranspose2d(c, c, 4, 2, 1), _norm(c), nn.ReLU(True),
            nn.ConvTranspose2d(c, c, 4, 2, 1), _norm(c), nn.ReLU(True),
            nn.ReflectionPad2d(3), nn.Conv2d(c, 3, 7), nn.Tanh())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruction of ``x`` from ``mean + noise`` (training; ``noise`` N(0, I) of the latent's shape, none
        at test) and the mean: ``(recon, mean)``."""
        z = self.encode(x)
        return self.decode(z if noise is None else z + noise), z


class LatentMapping(nn.Module):
    """``T: Z_X -> Z_Y``: 3x3 conv-IN-ReLU widening ``channels`` -> ... -> ``width`` (doubling, capped), ``blocks``
    residual blocks at ``width``, narrowing back, a last 3x3 conv to ``channels`` (the code's Mapping_Model)."""

    def __init__(self, channels: int = 64, width: int = 512, blocks: int = 6) -> None:
        super().__init__()
        widths = [min(channels * 2**i, width) for i in range(5)]  # 64, 128, 256, 512, 512 (the code's n_up 4)
        layers: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(a, b, 3, 1, 1), _norm(b), nn.ReLU(True)]
        layers += [NormResBlock(widths[-1]) for _ in range(blocks)]
        back = widths[::-1]  # 512, 512, 256, 128, 64
        for a, b in zip(back[:-2], back[1:-1]):
            layers += [nn.Conv2d(a, b, 3, 1, 1), _norm(b), nn.ReLU(True)]
        layers.append(nn.Conv2d(back[-2], channels, 3, 1, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z)


class BOPBL(SRNet):
    """Old-photo restoration of a bicubic-upsampled face (module doc): ``vae_a`` (old + synthetic), ``vae_b``
    (clean), ``mapping``. ``channels``: latent width; ``map_width`` / ``map_blocks``: the mapping's width and
    residual blocks. ``scale`` only records the LR factor (the network keeps its input's size)."""

    upsamples = False
    size_multiple = 4
    min_size = 16

    def __init__(self, scale: int = 4, channels: int = 64, map_width: int = 512, map_blocks: int = 6) -> None:
        super().__init__(scale)
        if channels < 1 or map_width < channels or map_blocks < 0:
            raise ConfigError(f"BOPBL: need channels >= 1, map_width >= channels, map_blocks >= 0; got {channels}, "
                              f"{map_width}, {map_blocks}")
        self.vae_a = VAE(channels)
        self.vae_b = VAE(channels)
        self.mapping = LatentMapping(channels, map_width, map_blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[0,1]`` upsampled old face -> restored face ``[0,1]`` (same size)."""
        self.check_input(x)
        z = self.mapping(self.vae_a.encode(x * 2.0 - 1.0))
        return (self.vae_b.decode(z) + 1.0) * 0.5


class _NLayerD(nn.Module):
    """pix2pixHD's N-layer patch discriminator: 4x4 convs (padding 2), stride 2 ``n_layers`` times then stride 1,
    IN + LeakyReLU 0.2 (none on the first), channels doubling from ``base`` up to 512, one logit map."""

    def __init__(self, cin: int, base: int, n_layers: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(cin, base, 4, 2, 2), nn.LeakyReLU(0.2, True)]
        c = base
        for i in range(1, n_layers + 1):
            nxt = min(c * 2, 512)
            layers += [nn.Conv2d(c, nxt, 4, 2 if i < n_layers else 1, 2), _norm(nxt), nn.LeakyReLU(0.2, True)]
            c = nxt
        layers.append(nn.Conv2d(c, 1, 4, 1, 2))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class BOPBLDiscriminator(nn.Module):
    """``num_d`` N-layer patch discriminators on the input at full, 1/2, ... size (pix2pixHD's multiscale D,
    BOPBL's ``num_D 2, n_layers_D 3, ndf 64``), LSGAN logits. ``in_channels`` 3: images in ``[0,1]`` (mapped to
    ``[-1,1]``); otherwise latents (the latent discriminator: ``in_channels`` = the VAE's width, ``num_d`` 1).
    ``forward`` returns one logit map per scale."""

    def __init__(self, in_channels: int = 3, base_channels: int = 64, n_layers: int = 3, num_d: int = 2) -> None:
        super().__init__()
        if in_channels < 1 or num_d < 1 or n_layers < 1:
            raise ConfigError(f"BOPBL discriminator needs in_channels, num_d, n_layers >= 1; got {in_channels}, "
                              f"{num_d}, {n_layers}")
        self.in_channels = in_channels
        self.nets = nn.ModuleList(_NLayerD(in_channels, base_channels, n_layers) for _ in range(num_d))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise InputError(f"BOPBL discriminator expects N x {self.in_channels} x H x W, got {tuple(x.shape)}")
        levels = [x * 2.0 - 1.0 if self.in_channels == 3 else x]
        while len(levels) < len(self.nets):  # pix2pixHD's downsampling between the scales
            levels.append(F.avg_pool2d(levels[-1], 3, stride=2, padding=1, count_include_pad=False))
        return [net(h) for net, h in zip(self.nets, levels)]


class BOPBLLatentDiscriminator(BOPBLDiscriminator):
    """VAE A's latent discriminator (real-old vs synthetic latents, the code's ``feat_D``): one N-layer D on the
    ``channels`` latent maps (zoo part ``latent_discriminator``)."""

    def __init__(self, channels: int = 64, base_channels: int = 64, n_layers: int = 3) -> None:
        super().__init__(channels, base_channels, n_layers, num_d=1)
