"""Layers that several zoo networks share (one implementation each).

* :func:`conv` - a k x k convolution with "same" zero padding (EDSR/RCAN-style ``default_conv``).
* :class:`PixelRange` - the fixed input normalisation of EDSR-family networks (``MeanShift``):
  subtract the dataset RGB mean and multiply by the pixel range, and the inverse at the output.
* :class:`Upsampler` - sub-pixel upsampling: log2(s) x [conv c->4c + PixelShuffle(2)], or
  conv c->9c + PixelShuffle(3) for x3 (RCAN, NLSN, later GWAInet).
* :class:`ResBlock` - EDSR residual block conv-ReLU-conv, scaled and added to the input.
* :func:`split_luma` / :func:`merge_luma` - run a 1-channel network on the BT.601 Y channel of an
  RGB face and put the result back with the input's chroma (SRCNN, VDSR as in their papers).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError

#: DIV2K RGB mean used by EDSR, RCAN and NLSN (on the [0,1] scale).
DIV2K_MEAN: tuple[float, float, float] = (0.4488, 0.4371, 0.4040)


def conv(in_channels: int, out_channels: int, kernel_size: int, bias: bool = True) -> nn.Conv2d:
    """k x k convolution, stride 1, zero padding k // 2 (output size = input size for odd k)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)


class PixelRange(nn.Module):
    """``normalize``: (x - mean) * pixel_range; ``denormalize``: x / pixel_range + mean.

    Input/output of the network stay [0,1] RGB; inside, values are centred on the dataset mean
    and scaled to the range the original code trained with (255 for RCAN, 1 for NLSN). The mean
    is a non-persistent buffer (a constant, not a weight).
    """

    def __init__(self, mean: tuple[float, float, float] = DIV2K_MEAN, pixel_range: float = 255.0) -> None:
        super().__init__()
        self.pixel_range = float(pixel_range)
        mean_t = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
        self.register_buffer("mean", mean_t, persistent=False)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.to(x)) * self.pixel_range

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        return x / self.pixel_range + self.mean.to(x)


def upsampler_factors(scale: int) -> list[int]:
    """PixelShuffle factors for ``scale``: [2] * log2(scale) for powers of two, [3] for 3."""
    if scale == 3:
        return [3]
    if scale >= 2 and scale & (scale - 1) == 0:
        return [2] * int(math.log2(scale))
    raise ConfigError(f"sub-pixel upsampling supports scales 2^n and 3, not {scale}")


class Upsampler(nn.Sequential):
    """Sub-pixel upsampling of ``channels`` feature maps by ``scale`` (convs with bias, no activation)."""

    def __init__(self, channels: int, scale: int, kernel_size: int = 3) -> None:
        layers: list[nn.Module] = []
        for f in upsampler_factors(scale):
            layers += [conv(channels, f * f * channels, kernel_size), nn.PixelShuffle(f)]
        super().__init__(*layers)


class ResBlock(nn.Module):
    """EDSR residual block: x + res_scale * conv(ReLU(conv(x))), 3x3 convs with bias, no BN."""

    def __init__(self, channels: int, kernel_size: int = 3, res_scale: float = 1.0) -> None:
        super().__init__()
        c, k = channels, kernel_size
        self.body = nn.Sequential(conv(c, c, k), nn.ReLU(inplace=True), conv(c, c, k))
        self.res_scale = float(res_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x) * self.res_scale


def split_luma(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """[0,1] RGB N x 3 x H x W -> (Y, CbCr) on the [0,1] scale (BT.601 limited range, MATLAB).

    Y lies in [16/255, 235/255] as MATLAB's ``rgb2ycbcr`` on a double image gives it.
    """
    from ..ops import rgb2ycbcr

    ycc = rgb2ycbcr(x * 255.0) / 255.0
    return ycc[:, :1], ycc[:, 1:]


def merge_luma(y: torch.Tensor, cbcr: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`split_luma`: (Y, CbCr) on the [0,1] scale -> [0,1] RGB (not clipped)."""
    from ..ops import ycbcr2rgb

    return ycbcr2rgb(torch.cat([y, cbcr], dim=1) * 255.0) / 255.0


class ResidualTrunk(nn.Module):
    """EDSR-style skeleton shared by RCAN and NLSN: ``head`` conv, ``body`` with a long skip, ``tail``
    (upsampler + conv), inside a :class:`PixelRange` normalisation. Subclasses build ``self.range``,
    ``self.head``, ``self.body`` and ``self.tail``; inputs are checked by :meth:`check_input`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        f = self.head(self.range.normalize(x))
        f = f + self.body(f)
        return self.range.denormalize(self.tail(f))
