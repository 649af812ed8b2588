"""StyleGAN2's layers (Karras et al., "Analyzing and Improving the Image Quality of StyleGAN", CVPR 2020).

* Equalised learning rate: weights drawn from N(0, 1) and scaled by ``1 / sqrt(fan_in)`` at run time
  (:class:`EqualConv2d`, :class:`EqualLinear`, the latter with a learning-rate multiplier for the mapping
  network); :func:`fused_leaky_relu` adds a bias and applies ``leaky_relu(0.2) * sqrt(2)``.
* FIR resampling with the ``[1, 3, 3, 1]`` kernel (:func:`upfirdn2d`: zero-insertion upsampling, padding,
  filtering, decimation), used around every stride-2 convolution and for the skip RGB upsampling.
* Weight modulation and demodulation (:class:`ModulatedConv2d`, :class:`ModulatedConvUp2d`): the style
  scales each input channel, the result is normalised per output channel. They are computed as
  ``conv(x * s, w) * d`` (the "non-fused" form of the official code, one ordinary convolution for the batch).
* Noise inputs (:class:`NoiseInjection`): a learned scale times Gaussian noise added to the features, or,
  as GPEN does, concatenated to them (``concat=True``).

Convolutions and linear layers subclass torch's own, so parameter and MAC counts
(:mod:`facesr.models.complexity`) see them. Feature maps are ``N x C x H x W`` float tensors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

SQRT2 = math.sqrt(2.0)
#: StyleGAN2's resampling filter (binomial, separable)
BLUR_KERNEL: tuple[int, ...] = (1, 3, 3, 1)


def fir_kernel(taps: Sequence[float] = BLUR_KERNEL, gain: float = 1.0) -> torch.Tensor:
    """The separable 2-D FIR filter of ``taps`` normalised to sum ``gain`` (``k x k`` float32)."""
    k = torch.tensor(list(taps), dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k * (gain / k.sum())


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, down: int = 1,
              pad: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """Upsample ``x`` (``N x C x H x W``) by zero insertion, pad ``pad`` (before, after; negative crops) on both
    axes, filter every channel with ``kernel`` (true convolution) and keep every ``down``-th sample."""
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    p0, p1 = pad
    x = F.pad(x, [max(p0, 0), max(p1, 0), max(p0, 0), max(p1, 0)])
    if p0 < 0 or p1 < 0:
        x = x[..., max(-p0, 0): x.shape[-2] - max(-p1, 0), max(-p0, 0): x.shape[-1] - max(-p1, 0)]
    k = torch.flip(kernel, [0, 1]).to(x)
    x = F.conv2d(x, k[None, None].expand(c, 1, *k.shape), groups=c)
    return x[..., ::down, ::down] if down > 1 else x


def fused_leaky_relu(x: torch.Tensor, bias: torch.Tensor | None = None, slope: float = 0.2,
                     gain: float = SQRT2) -> torch.Tensor:
    """``leaky_relu(x + bias, slope) * gain`` with ``bias`` (``C``) added along dimension 1."""
    if bias is not None:
        x = x + bias.reshape(1, -1, *([1] * (x.dim() - 2))).to(x.dtype)
    return F.leaky_relu(x, slope) * gain


class FusedLeakyReLU(nn.Module):
    """A learned per-channel bias, then ``leaky_relu(0.2) * sqrt(2)``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_leaky_relu(x, self.bias)


class ScaledLeakyReLU(nn.Module):
    """``leaky_relu(0.2) * sqrt(2)`` without a bias."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_leaky_relu(x)


class EqualLinear(nn.Linear):
    """Linear layer with equalised learning rate: ``y = x (w c)^T + b m``, ``w ~ N(0, 1/m^2)``,
    ``c = m / sqrt(in)`` (``m``: ``lr_mul``); ``activation``: :func:`fused_leaky_relu` after it."""

    def __init__(self, in_dim: int, out_dim: int, bias: bool = True, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activation: bool = False) -> None:
        super().__init__(in_dim, out_dim, bias=bias)
        with torch.no_grad():
            self.weight.normal_().div_(lr_mul)
            if self.bias is not None:
                self.bias.fill_(bias_init)
        self.scale, self.lr_mul, self.activation = lr_mul / math.sqrt(in_dim), lr_mul, activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.bias * self.lr_mul if self.bias is not None else None
        if self.activation:
            return fused_leaky_relu(F.linear(x, self.weight * self.scale), bias)
        return F.linear(x, self.weight * self.scale, bias)


class EqualConv2d(nn.Conv2d):
    """Convolution with equalised learning rate (weights ``N(0, 1)`` scaled by ``1 / sqrt(in k^2)``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias)
        with torch.no_grad():
            self.weight.normal_()
            if self.bias is not None:
                self.bias.zero_()
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size**2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, self.stride, self.padding)


class Blur(nn.Module):
    """FIR filtering (:func:`upfirdn2d`) with a fixed kernel and padding; ``gain``: the kernel's sum."""

    def __init__(self, pad: tuple[int, int], taps: Sequence[float] = BLUR_KERNEL, gain: float = 1.0) -> None:
        super().__init__()
        self.register_buffer("kernel", fir_kernel(taps, gain), persistent=False)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


def _demodulation(s: torch.Tensor, w_sq: torch.Tensor) -> torch.Tensor:
    """``1 / sqrt(sum_{i,k} (w s_i)^2 + 1e-8)`` per sample and output channel: ``s`` is ``N x in``, ``w_sq``
    the squared weights summed over the taps, ``in x out``."""
    return torch.rsqrt(s.square() @ w_sq + 1e-8)


class ModulatedConv2d(nn.Conv2d):
    """StyleGAN2's modulated convolution, stride 1, "same" padding, no bias: the style (``N x style_dim``)
    gives per-input-channel scales ``s`` (an :class:`EqualLinear`, bias initialised to 1); ``demodulate``
    normalises each output channel of the modulated weights to unit norm."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, style_dim: int,
                 demodulate: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        with torch.no_grad():
            self.weight.normal_()
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size**2)
        self.modulation = EqualLinear(style_dim, in_channels, bias_init=1.0)
        self.demodulate = demodulate

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        s = self.modulation(style)
        w = self.weight * self.scale
        out = F.conv2d(x * s[:, :, None, None].to(x.dtype), w.to(x.dtype), padding=self.padding)
        if self.demodulate:
            out = out * _demodulation(s, w.square().sum((2, 3)).t())[:, :, None, None].to(out.dtype)
        return out


class ModulatedConvUp2d(nn.ConvTranspose2d):
    """The modulated convolution that doubles the size: a stride-2 transposed convolution of the modulated
    (demodulated) weights followed by the ``[1, 3, 3, 1]`` FIR filter (gain 4), as StyleGAN2's
    ``upsample=True`` layer. Weights are stored ``in x out x k x k`` (torch's transposed layout)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, style_dim: int,
                 demodulate: bool = True, taps: Sequence[float] = BLUR_KERNEL) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride=2, bias=False)
        with torch.no_grad():
            self.weight.normal_()
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size**2)
        self.modulation = EqualLinear(style_dim, in_channels, bias_init=1.0)
        self.demodulate = demodulate
        p = (len(taps) - 2) - (kernel_size - 1)
        self.blur = Blur(((p + 1) // 2 + 1, p // 2 + 1), taps, gain=4.0)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        s = self.modulation(style)
        w = self.weight * self.scale
        out = F.conv_transpose2d(x * s[:, :, None, None].to(x.dtype), w.to(x.dtype), stride=2)
        if self.demodulate:
            out = out * _demodulation(s, w.square().sum((2, 3)))[:, :, None, None].to(out.dtype)
        return self.blur(out)


class NoiseInjection(nn.Module):
    """``x + weight * noise`` (StyleGAN2: one noise channel, broadcast), or with ``concat`` GPEN's
    ``cat([x, weight * noise])`` (noise with as many channels as ``x``). ``noise=None`` draws N(0, 1)."""

    def __init__(self, concat: bool = False) -> None:
        super().__init__()
        self.concat = concat
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        if noise is None:
            n, c, h, w = x.shape
            noise = torch.randn(n, c if self.concat else 1, h, w, device=x.device, dtype=x.dtype)
        if self.concat:
            return torch.cat([x, self.weight * noise.to(x.dtype)], dim=1)
        return x + self.weight * noise.to(x.dtype)


class StyledConv(nn.Module):
    """Modulated 3x3 convolution (``upsample``: doubling the size), noise input, bias and leaky ReLU;
    ``concat_noise`` doubles the output channels (GPEN)."""

    def __init__(self, in_channels: int, out_channels: int, style_dim: int, upsample: bool = False,
                 concat_noise: bool = False) -> None:
        super().__init__()
        conv = ModulatedConvUp2d if upsample else ModulatedConv2d
        self.conv = conv(in_channels, out_channels, 3, style_dim)
        self.noise = NoiseInjection(concat_noise)
        self.activate = FusedLeakyReLU(out_channels * (2 if concat_noise else 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    """Modulated 1x1 convolution to RGB (no demodulation) plus a bias; the running RGB image of the
    previous level (``skip``) is FIR-upsampled x2 and added (StyleGAN2's skip generator)."""

    def __init__(self, in_channels: int, style_dim: int, upsample: bool = True) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))
        self.upsample = upsample
        if upsample:
            self.register_buffer("kernel", fir_kernel(BLUR_KERNEL, 4.0), persistent=False)

    def forward(self, x: torch.Tensor, style: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, style) + self.bias.to(x.dtype)
        if skip is not None:
            if self.upsample:
                skip = upfirdn2d(skip, self.kernel, up=2, pad=(2, 1))
            out = out + skip
        return out


class ConstantInput(nn.Module):
    """The learned ``1 x C x s x s`` constant the synthesis network starts from, repeated ``n`` times."""

    def __init__(self, channels: int, size: int = 4) -> None:
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, n: int) -> torch.Tensor:
        return self.input.expand(n, -1, -1, -1)


class ConvLayer(nn.Sequential):
    """Discriminator / encoder convolution: optional FIR blur + stride-2 (``downsample``), an
    :class:`EqualConv2d`, then a biased leaky ReLU (``activate``) or the convolution's own bias."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, downsample: bool = False,
                 bias: bool = True, activate: bool = True) -> None:
        layers: list[nn.Module] = []
        if downsample:
            p = (len(BLUR_KERNEL) - 2) + (kernel_size - 1)
            layers.append(Blur(((p + 1) // 2, p // 2)))
        layers.append(EqualConv2d(in_channels, out_channels, kernel_size, stride=2 if downsample else 1,
                                  padding=0 if downsample else kernel_size // 2, bias=bias and not activate))
        if activate:
            layers.append(FusedLeakyReLU(out_channels) if bias else ScaledLeakyReLU())
        super().__init__(*layers)


class DiscriminatorBlock(nn.Module):
    """StyleGAN2's residual discriminator block: conv 3x3, conv 3x3 stride 2 (blurred), plus a 1x1 stride-2
    skip without bias, summed and scaled by ``1 / sqrt(2)``."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = ConvLayer(in_channels, in_channels, 3)
        self.conv2 = ConvLayer(in_channels, out_channels, 3, downsample=True)
        self.skip = ConvLayer(in_channels, out_channels, 1, downsample=True, bias=False, activate=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.conv2(self.conv1(x)) + self.skip(x)) / SQRT2


def minibatch_stddev(x: torch.Tensor, group: int = 4, features: int = 1) -> torch.Tensor:
    """Append the minibatch standard deviation (Karras et al., ProGAN): within groups of ``group`` samples
    (the largest divisor of the batch up to ``group``), the standard deviation of each feature, averaged
    over channels and positions, ``features`` maps -> ``N x (C + features) x H x W``."""
    n, c, h, w = x.shape
    g = min(group, n)
    while n % g:
        g -= 1
    y = x.float().reshape(g, -1, features, c // features, h, w)
    y = torch.sqrt(y.var(0, unbiased=False) + 1e-8)
    y = y.mean(dim=(2, 3, 4)).reshape(-1, features, 1, 1)
    return torch.cat([x, y.repeat(g, 1, h, w).to(x.dtype)], dim=1)


class PixelNorm(nn.Module):
    """Normalise each latent vector to unit mean square (the mapping network's input)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + 1e-8)
