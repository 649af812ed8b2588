"""The face prior: a StyleGAN2 generator and discriminator (Karras et al., CVPR 2020; config-e/f layout:
skip generator, residual discriminator), at any power-of-two size from 8 px (this project: 64 and 128 px).

Generator: a mapping network (pixel norm, ``n_mlp`` equalised linear layers with learning-rate multiplier
``lr_mlp``) turns ``z ~ N(0, I)`` into ``w``; the synthesis network starts from a learned 4x4 constant and
doubles the size per level with two modulated 3x3 convolutions (the first upsampling), each with a noise
input, and a modulated 1x1 toRGB whose outputs are summed through FIR upsampling (skip architecture). Each
convolution and toRGB reads its own copy of ``w`` (``num_ws = 2 log2(size) - 2``), which style mixing and
the latent searches (PULSE) use. Channels per resolution: 512 up to 32 px, then ``256 cm`` at 64, ``128 cm``
at 128, ``64 cm`` at 256, ... (``cm``: ``channel_multiplier``), times ``narrow`` (GPEN's and GFP-GAN's
option). ``concat_noise`` is GPEN's variant: noise (or, in GPEN, encoder features) is concatenated to the
features instead of added, doubling the channels the next layer reads.

Discriminator: 1x1 conv from RGB, residual blocks down to 4x4, minibatch standard deviation (group 4, one
feature), 3x3 conv, two linear layers to one logit.

Images: the generator returns ``[0,1] float NCHW RGB`` faces (``(synthesis + 1) / 2``; the synthesis
network works in ``[-1, 1]``), the discriminator takes ``[0,1]`` faces.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError, InputError
from .layers import (
    ConstantInput,
    ConvLayer,
    DiscriminatorBlock,
    EqualLinear,
    PixelNorm,
    StyledConv,
    ToRGB,
    minibatch_stddev,
)

#: StyleGAN2's channels per resolution before ``channel_multiplier`` (from 64 px on) and ``narrow``
_BASE_CHANNELS = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256, 128: 128, 256: 64, 512: 32, 1024: 16}


def channel_table(channel_multiplier: float = 2, narrow: float = 1.0) -> dict[int, int]:
    """Channels per resolution (4 .. 1024 px) of StyleGAN2 / GPEN / GFP-GAN."""
    return {r: int(c * (channel_multiplier if r >= 64 else 1) * narrow) for r, c in _BASE_CHANNELS.items()}


def log2_size(size: int, what: str = "size") -> int:
    """``log2(size)`` for a power of two in [8, 1024]; else :class:`ConfigError`."""
    if not isinstance(size, int) or size < 8 or size > 1024 or size & (size - 1):
        raise ConfigError(f"{what} must be a power of two from 8 to 1024, got {size!r}")
    return int(math.log2(size))


class MappingNetwork(nn.Module):
    """``z`` (``N x style_dim``) -> ``w``: pixel norm, then ``n_mlp`` equalised linear layers with biased leaky
    ReLUs (learning rate x ``lr_mul``)."""

    def __init__(self, style_dim: int = 512, n_mlp: int = 8, lr_mul: float = 0.01) -> None:
        super().__init__()
        if n_mlp < 1:
            raise ConfigError(f"n_mlp must be >= 1, got {n_mlp}")
        self.norm = PixelNorm()
        self.layers = nn.ModuleList([EqualLinear(style_dim, style_dim, lr_mul=lr_mul, activation=True)
                                     for _ in range(n_mlp)])

    def forward(self, z: torch.Tensor, last_activation: bool = True) -> torch.Tensor:
        """``w``; ``last_activation=False`` returns the last layer's input to its leaky ReLU (what PULSE fits
        a Gaussian to), with its bias added."""
        x = self.norm(z)
        for layer in self.layers[:-1]:
            x = layer(x)
        last = self.layers[-1]
        if last_activation:
            return last(x)
        return nn.functional.linear(x, last.weight * last.scale, last.bias * last.lr_mul)


class StyleGAN2Generator(nn.Module):
    """The prior (zoo ``stylegan2``). ``size``: output side (power of two); ``style_dim``: ``z``/``w`` size;
    ``n_mlp``: mapping layers; ``channel_multiplier``, ``narrow``: widths (:func:`channel_table`); ``lr_mlp``:
    the mapping network's learning-rate multiplier; ``concat_noise``: GPEN's concatenated noise. ``scale`` is
    accepted for the zoo and not used (an unconditional generator).

    ``forward(x)``: ``x`` is either ``N x style_dim`` latents ``z`` or any batch ``N x ...`` (e.g. a face
    batch, as the zoo's tools pass), in which case ``N`` latents are drawn from N(0, I) (only ``x``'s batch
    size and device are read); returns ``N x 3 x size x size`` faces in ``[0,1]``.
    """

    def __init__(self, scale: int = 1, size: int = 128, style_dim: int = 512, n_mlp: int = 8,
                 channel_multiplier: float = 2, narrow: float = 1.0, lr_mlp: float = 0.01,
                 concat_noise: bool = False) -> None:
        super().__init__()
        self.scale = int(scale)
        self.log_size = log2_size(size)
        self.size, self.style_dim, self.concat_noise = size, style_dim, concat_noise
        self.channels = channel_table(channel_multiplier, narrow)
        f = 2 if concat_noise else 1
        ch = self.channels
        self.mapping = MappingNetwork(style_dim, n_mlp, lr_mlp)
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], style_dim, concat_noise=concat_noise)
        self.to_rgb1 = ToRGB(ch[4] * f, style_dim, upsample=False)
        self.convs, self.to_rgbs = nn.ModuleList(), nn.ModuleList()
        in_ch = ch[4]
        for i in range(3, self.log_size + 1):
            out_ch = ch[2**i]
            self.convs.append(StyledConv(in_ch * f, out_ch, style_dim, upsample=True, concat_noise=concat_noise))
            self.convs.append(StyledConv(out_ch * f, out_ch, style_dim, concat_noise=concat_noise))
            self.to_rgbs.append(ToRGB(out_ch * f, style_dim))
            in_ch = out_ch
        self.num_layers = 2 * (self.log_size - 2) + 1
        self.num_ws = 2 * self.log_size - 2

    # -- latents ----------------------------------------------------------------------------------------
    def layer_resolutions(self) -> list[int]:
        """Output side of each noise-taking layer (``num_layers``: 4, 8, 8, 16, 16, ...)."""
        return [2 ** ((i + 1) // 2 + 2) for i in range(self.num_layers)]

    def noise_shapes(self, n: int) -> list[tuple[int, int, int, int]]:
        """Shape of each layer's noise input for a batch of ``n``: one channel, or the layer's width
        (``concat_noise``)."""
        return [(n, self.channels[r] if self.concat_noise else 1, r, r) for r in self.layer_resolutions()]

    def make_noise(self, n: int, device: torch.device | str | None = None,
                   generator: torch.Generator | None = None) -> list[torch.Tensor]:
        """Gaussian noise of :meth:`noise_shapes`."""
        device = device if device is not None else self.input.input.device
        return [torch.randn(s, device=device, generator=generator) for s in self.noise_shapes(n)]

    def styles(self, z: torch.Tensor, z2: torch.Tensor | None = None, inject: int | None = None,
               truncation: float = 1.0, w_mean: torch.Tensor | None = None) -> torch.Tensor:
        """``N x num_ws x style_dim`` per-layer latents from ``z``; with ``z2`` (style mixing) layers from
        ``inject`` on take ``z2``'s; ``truncation < 1`` pulls ``w`` towards ``w_mean`` (:meth:`mean_w`)."""
        ws = [self.mapping(z)] + ([self.mapping(z2)] if z2 is not None else [])
        if truncation < 1.0:
            mean = w_mean if w_mean is not None else self.mean_w()
            ws = [mean + truncation * (w - mean) for w in ws]
        out = ws[0][:, None].expand(-1, self.num_ws, -1)
        if len(ws) > 1:
            k = self.num_ws if inject is None else int(inject)
            out = torch.cat([out[:, :k], ws[1][:, None].expand(-1, self.num_ws - k, -1)], dim=1)
        return out

    @torch.no_grad()
    def mean_w(self, n: int = 4096, seed: int = 0) -> torch.Tensor:
        """The mean ``w`` of ``n`` latents drawn under ``seed`` (``1 x style_dim``)."""
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.style_dim, generator=g).to(self.input.input.device)
        return self.mapping(z).mean(0, keepdim=True)

    # -- synthesis --------------------------------------------------------------------------------------
    def synthesis(self, ws: torch.Tensor, noise: list[torch.Tensor | None] | None = None,
                  sft: list[tuple[torch.Tensor, torch.Tensor]] | None = None, sft_half: bool = False,
                  rgbs: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Faces in ``[-1, 1]`` (not clipped) from per-layer latents ``ws`` (``N x num_ws x style_dim``).

        ``noise``: one tensor (or ``None``: drawn) per layer of :meth:`noise_shapes`; ``sft``: GFP-GAN's
        spatial feature transform, ``(scale, shift)`` per level from 8 px on (fewer levels allowed), applied to
        the features after each level's first convolution (``sft_half``: to their second half of channels
        only); ``rgbs``: when a list, the running RGB image of each level is appended to it."""
        if ws.dim() != 3 or ws.shape[1:] != (self.num_ws, self.style_dim):
            raise InputError(f"StyleGAN2 synthesis expects N x {self.num_ws} x {self.style_dim} latents, got "
                             f"{tuple(ws.shape)}")
        noise = list(noise) if noise is not None else [None] * self.num_layers
        if len(noise) != self.num_layers:
            raise InputError(f"StyleGAN2 synthesis takes {self.num_layers} noise inputs, got {len(noise)}")
        x = self.conv1(self.input(ws.shape[0]), ws[:, 0], noise[0])
        skip = self.to_rgb1(x, ws[:, 1])
        for level, (up, conv, to_rgb) in enumerate(zip(self.convs[::2], self.convs[1::2], self.to_rgbs)):
            i = 2 * level + 1
            x = up(x, ws[:, i], noise[i])
            if sft is not None and level < len(sft):
                scale, shift = sft[level]
                if sft_half:
                    keep, mod = x.chunk(2, dim=1)
                    x = torch.cat([keep, mod * scale + shift], dim=1)
                else:
                    x = x * scale + shift
            x = conv(x, ws[:, i + 1], noise[i + 1])
            skip = to_rgb(x, ws[:, i + 2], skip)
            if rgbs is not None:
                rgbs.append(skip)
        return skip

    def forward(self, x: torch.Tensor, z2: torch.Tensor | None = None, inject: int | None = None,
                noise: list[torch.Tensor | None] | None = None, truncation: float = 1.0) -> torch.Tensor:
        """Faces in ``[0,1]`` from latents ``x`` (or ``N`` drawn latents; class doc); ``z2``, ``inject``: style
        mixing (:meth:`styles`); ``noise``: per-layer noise (default: drawn); ``truncation``: the psi trick."""
        if not isinstance(x, torch.Tensor) or x.dim() < 1:
            raise InputError("StyleGAN2Generator expects N x style_dim latents or a batch whose size is the number "
                             "of faces to draw")
        if x.dim() == 2 and x.shape[1] == self.style_dim and x.is_floating_point():
            z = x
        else:
            z = torch.randn(x.shape[0], self.style_dim, device=x.device)
        ws = self.styles(z, z2, inject, truncation=truncation)
        return (self.synthesis(ws, noise) + 1.0) / 2.0


class StyleGAN2Discriminator(nn.Module):
    """StyleGAN2's residual discriminator for ``size x size`` faces in ``[0,1]`` -> ``N x 1`` logits
    (``channel_multiplier``, ``narrow``: :func:`channel_table`; ``stddev_group``: minibatch group size)."""

    def __init__(self, scale: int = 1, size: int = 128, channel_multiplier: float = 2, narrow: float = 1.0,
                 stddev_group: int = 4) -> None:
        super().__init__()
        log_size = log2_size(size)
        self.size, self.stddev_group = size, stddev_group
        ch = channel_table(channel_multiplier, narrow)
        blocks: list[nn.Module] = [ConvLayer(3, ch[size], 1)]
        in_ch = ch[size]
        for i in range(log_size, 2, -1):
            blocks.append(DiscriminatorBlock(in_ch, ch[2 ** (i - 1)]))
            in_ch = ch[2 ** (i - 1)]
        self.blocks = nn.Sequential(*blocks)
        self.final_conv = ConvLayer(in_ch + 1, ch[4], 3)
        self.final_linear = nn.Sequential(EqualLinear(ch[4] * 16, ch[4], activation=True), EqualLinear(ch[4], 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[-2:] != (self.size, self.size):
            raise InputError(f"StyleGAN2Discriminator expects N x 3 x {self.size} x {self.size} faces, got "
                             f"{tuple(x.shape)}")
        out = self.blocks(x * 2.0 - 1.0)
        out = self.final_conv(minibatch_stddev(out, self.stddev_group))
        return self.final_linear(out.flatten(1))
