"""Layers the reference family shares: AdaIN, spectral-norm convolutions, dilated residual blocks,
multi-scale dilation blocks, the blur of StyleGAN-style up-blocks and the ASFF fusion blocks.

ASFFNet's blocks follow the authors' 512-px re-implementation (``csxmli2016/ASFFNet512 @ 328e1661:
models/ASFFNet.py``), DFDNet's follow ``csxmli2016/DFDNet @ df949706: models/networks.py``; both use
spectral normalisation on most convolutions (``torch.nn.utils.parametrizations.spectral_norm`` here:
the parameter count is the plain convolution's).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Adaptive instance normalisation: ``content`` (N x C x H x W) with the per-channel mean and
    standard deviation of ``style`` (N x C x h x w, any size; unbiased variance + ``eps`` as the
    reference code). ASFFNet uses it to give guidance features the input's illumination, DFDNet to
    give dictionary atoms the statistics of the degraded component."""
    cm, cs = _mean_std(content, eps)
    sm, ss = _mean_std(style, eps)
    return (content - cm) / cs * ss + sm


def _mean_std(x: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    flat = x.flatten(2)
    return flat.mean(-1)[..., None, None], (flat.var(-1) + eps).sqrt()[..., None, None]


def sn_conv(cin: int, cout: int, k: int = 3, stride: int = 1, dilation: int = 1, bias: bool = True,
            padding: int | None = None) -> nn.Module:
    """Spectral-normalised k x k convolution with "same" padding (times ``dilation``) unless ``padding``.
    Built on the meta device (counting parameters and MACs) it is the plain convolution: the same
    parameters, without the normalisation's start-up power iterations (slow there)."""
    pad = (k - 1) // 2 * dilation if padding is None else padding
    layer = nn.Conv2d(cin, cout, k, stride, pad, dilation, bias=bias)
    return layer if layer.weight.device.type == "meta" else spectral_norm(layer)


def lrelu() -> nn.LeakyReLU:
    return nn.LeakyReLU(0.2)


class DilatedResBlock(nn.Module):
    """x + SN-conv(d0) -> LReLU -> SN-conv(d1) (the residual unit of ASFFNet's feature extractors)."""

    def __init__(self, channels: int, dilation: Sequence[int] = (1, 1)) -> None:
        super().__init__()
        c = channels
        self.body = nn.Sequential(sn_conv(c, c, dilation=dilation[0]), lrelu(), sn_conv(c, c, dilation=dilation[1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class UpDilateResBlock(nn.Module):
    """Two stacked residual units, each two SN-convs with one dilation and LReLU (ASFFNet's decoder)."""

    def __init__(self, channels: int, dilation: Sequence[int] = (2, 1)) -> None:
        super().__init__()
        c = channels
        self.units = nn.ModuleList(
            nn.Sequential(sn_conv(c, c, dilation=d), lrelu(), sn_conv(c, c, dilation=d), lrelu()) for d in dilation
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for unit in self.units:
            x = x + unit(x)
        return x


class MSDilateBlock(nn.Module):
    """Multi-scale dilation block: four branches of dilated convolutions on the same input,
    concatenated, fused by convolution, plus the input.

    ``variant="asff"``: each branch one SN-conv to ``c/2`` + LReLU, fusion SN-conv(2c -> c) - LReLU -
    SN-conv (ASFFNet512). ``variant="dfd"``: each branch SN-conv - LReLU - SN-conv at ``c``, fusion one
    SN-conv(4c -> c) (DFDNet's ``MSDilateBlock``).
    """

    def __init__(self, channels: int, dilation: Sequence[int] = (4, 3, 2, 1), variant: str = "asff") -> None:
        super().__init__()
        c = channels
        if variant == "asff":
            self.branches = nn.ModuleList(nn.Sequential(sn_conv(c, c // 2, dilation=d), lrelu()) for d in dilation)
            self.fuse = nn.Sequential(sn_conv(c // 2 * len(dilation), c), lrelu(), sn_conv(c, c))
        elif variant == "dfd":
            self.branches = nn.ModuleList(
                nn.Sequential(sn_conv(c, c, dilation=d), lrelu(), sn_conv(c, c, dilation=d)) for d in dilation
            )
            self.fuse = sn_conv(c * len(dilation), c)
        else:
            raise ValueError(f"unknown MSDilateBlock variant {variant!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([b(x) for b in self.branches], dim=1)) + x


class Blur(nn.Module):
    """Fixed 3 x 3 binomial low-pass ([1 2 1] x [1 2 1] / 16), depthwise (StyleGAN-style up-blocks)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        k = torch.tensor([1.0, 2.0, 1.0])
        k = (k[:, None] * k[None, :]) / 16.0
        self.register_buffer("kernel", k.expand(channels, 1, 3, 3).clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.kernel.to(x.dtype), padding=1, groups=x.shape[1])


# -- ASFFNet: adaptive spatial feature fusion -----------------------------------------------------
class SFFLayer(nn.Module):
    """One spatial feature fusion: the input's features ``d`` and the guidance features ``r`` each go
    through two SN-convs; a mask predicted from [condition, d, r] (each squeezed to c/2 by a 1x1 conv)
    mixes them: ``d + (r - d) * mask``. ``last``: the mask's second conv is spectral-normalised too
    (ASFFNet512's final ``SFFLayer_last``)."""

    def __init__(self, channels: int, last: bool = False) -> None:
        super().__init__()
        c, h = channels, channels // 2
        second = sn_conv(c, c, bias=False) if last else nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.mask = nn.Sequential(sn_conv(3 * h, c, bias=False), lrelu(), second)
        self.mask_in = sn_conv(c, h, k=1)
        self.degraded = nn.Sequential(sn_conv(c, c), lrelu(), sn_conv(c, c))
        self.degraded_in = sn_conv(c, h, k=1)
        self.guide = nn.Sequential(sn_conv(c, c), lrelu(), sn_conv(c, c))
        self.guide_in = sn_conv(c, h, k=1)

    def forward(self, feat: torch.Tensor, guide: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        d = self.degraded(feat)
        r = self.guide(guide)
        m = self.mask(torch.cat([self.mask_in(condition), self.degraded_in(d), self.guide_in(r)], dim=1))
        return d + (r - d) * m


class ASFFBlock(nn.Module):
    """Adaptive spatial feature fusion block: two [SFF layer -> SN-conv 5x5 -> SN-conv 3x3] stages
    with a residual connection (ASFFNet's AFFB)."""

    def __init__(self, channels: int = 128) -> None:
        super().__init__()
        c = channels
        self.sff = nn.ModuleList([SFFLayer(c), SFFLayer(c)])
        self.convs = nn.ModuleList(
            nn.Sequential(sn_conv(c, c, k=5), lrelu(), sn_conv(c, c), lrelu()) for _ in range(2)
        )

    def forward(self, feat: torch.Tensor, guide: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        h = feat
        for sff, conv in zip(self.sff, self.convs):
            h = conv(sff(h, guide, condition))
        return feat + h
