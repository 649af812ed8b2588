"""SSIM (survey §2.2.1, Eq. 7-8) and MS-SSIM, batched in torch with float64 statistics.

The window (11x11 Gaussian sigma 1.5, or 7x7 uniform), covariance normalisation, the relu on the
contrast-structure term and the plane come from the protocol. Filtering is "valid" (no padding),
as MATLAB's reference ``ssim_index`` and scikit-image's cropped mean do.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from ..errors import InputError
from .base import Metric

K1, K2 = 0.01, 0.03
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


@functools.lru_cache(maxsize=8)
def _window_1d(kind: str) -> torch.Tensor:
    """The separable 1-D factor of the SSIM window (the 2-D window is its outer product)."""
    if kind == "gauss11":
        ax = torch.arange(11, dtype=torch.float64) - 5.0
        g = torch.exp(-(ax**2) / (2 * 1.5**2))
    elif kind == "uniform7":
        g = torch.ones(7, dtype=torch.float64)
    else:
        raise InputError(f"unknown SSIM window {kind!r} (gauss11 or uniform7)")
    return g / g.sum()


@functools.lru_cache(maxsize=32)
def _band(n: int, kind: str) -> torch.Tensor:
    """``n x (n-k+1)`` banded matrix: ``x @ band`` is the valid 1-D filtering of rows of ``x``."""
    g = _window_1d(kind)
    k = g.numel()
    m = torch.zeros(n, n - k + 1, dtype=torch.float64)
    for j in range(n - k + 1):
        m[j : j + k, j] = g
    return m


def _valid_filter(x: torch.Tensor, kind: str) -> torch.Tensor:
    """Valid-region filtering of ``... x H x W`` with the separable window (float64 matrix products,
    several times faster than a float64 convolution on CPU)."""
    bw = _band(x.shape[-1], kind).to(x.device)
    bh = _band(x.shape[-2], kind).to(x.device)
    return torch.matmul(bh.t(), torch.matmul(x, bw))


def ssim_maps(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    window: str = "gauss11",
    data_range: float = 255.0,
    sample_cov: bool = False,
    relu_cs: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """SSIM and contrast-structure maps (valid region) of two ``N x C x H x W`` planes, float64."""
    k = _window_1d(window).numel()
    if min(x.shape[-2:]) < k:
        raise InputError(f"SSIM with a {k}x{k} window needs images of at least {k}x{k}, got "
                         f"{x.shape[-2]}x{x.shape[-1]}")
    n, c = x.shape[:2]
    hw = x.shape[-2:]
    x = x.to(torch.float64).reshape(n * c, 1, *hw)
    y = y.to(torch.float64).reshape(n * c, 1, *hw)
    # filter the five moments in one call
    stack = torch.cat([x, y, x * x, y * y, x * y], dim=1)
    f = _valid_filter(stack, window)
    mu_x, mu_y, exx, eyy, exy = f.unbind(1)
    var_x = exx - mu_x * mu_x
    var_y = eyy - mu_y * mu_y
    cov = exy - mu_x * mu_y
    if sample_cov:
        m = k * k
        var_x, var_y, cov = (t * (m / (m - 1.0)) for t in (var_x, var_y, cov))
    c1 = (K1 * data_range) ** 2
    c2 = (K2 * data_range) ** 2
    cs = (2 * cov + c2) / (var_x + var_y + c2)
    if relu_cs:
        cs = F.relu(cs)
    lum = (2 * mu_x * mu_y + c1) / (mu_x * mu_x + mu_y * mu_y + c1)
    shape = (n, c) + cs.shape[-2:]
    return (lum * cs).reshape(shape), cs.reshape(shape)


def ssim(x: torch.Tensor, y: torch.Tensor, **kw) -> torch.Tensor:
    """Mean SSIM per image (mean over channels and the valid map), float64 ``[N]``."""
    s, _ = ssim_maps(x, y, **kw)
    return s.flatten(1).mean(dim=1)


def ms_ssim(x: torch.Tensor, y: torch.Tensor, *, levels: int | None = None, **kw) -> torch.Tensor:
    """MS-SSIM (Wang et al. 2003) per image, float64 ``[N]``.

    Uses the standard five weights; when the image is too small for five scales at the window
    size (a 112x112 face crop allows four with an 11x11 window), the coarsest scales are dropped
    and the remaining weights renormalised. ``levels`` forces a number of scales.
    """
    k = _window_1d(kw.get("window", "gauss11")).numel()
    side = min(x.shape[-2:])
    fit = 1
    while fit < 5 and side // (2**fit) >= k:
        fit += 1
    levels = fit if levels is None else levels
    if levels < 1 or side // (2 ** (levels - 1)) < k:
        raise InputError(f"MS-SSIM with {levels} scales needs images of at least {k * 2 ** (levels - 1)} px")
    weights = torch.tensor(MS_SSIM_WEIGHTS[:levels], dtype=torch.float64, device=x.device)
    weights = weights / weights.sum()
    x, y = x.to(torch.float64), y.to(torch.float64)
    vals = []
    for i in range(levels):
        s, cs = ssim_maps(x, y, **kw)
        if i == levels - 1:
            vals.append(s.flatten(2).mean(-1).clamp_min(0))
        else:
            vals.append(F.relu(cs.flatten(2).mean(-1)))
            x = F.avg_pool2d(x, 2)
            y = F.avg_pool2d(y, 2)
    stacked = torch.stack(vals, dim=0)  # levels x N x C
    out = torch.prod(stacked ** weights.view(-1, 1, 1), dim=0)
    return out.mean(dim=1)


class SSIM(Metric):
    """SSIM (0..1, higher is better) with the protocol's plane, window and constants."""

    name = "ssim"

    def _kw(self) -> dict:
        p = self.protocol
        return {"window": p.ssim_window, "data_range": p.data_range, "sample_cov": p.ssim_sample_cov,
                "relu_cs": p.ssim_relu_cs}

    def score(self, sr, hr):
        p = self.protocol
        return ssim(p.plane(sr, self.scale, for_ssim=True), p.plane(hr, self.scale, for_ssim=True),
                    **self._kw())


class MSSSIM(SSIM):
    """MS-SSIM (0..1, higher is better); scales reduced to what the image size allows."""

    name = "ms_ssim"

    def score(self, sr, hr):
        p = self.protocol
        return ms_ssim(p.plane(sr, self.scale, for_ssim=True), p.plane(hr, self.scale, for_ssim=True),
                       **self._kw())
