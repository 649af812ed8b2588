"""Blur kernels k of the degradation model (survey Eq. 5): Gaussian (isotropic/anisotropic), motion.

All kernels are float64 2-D arrays of odd size that sum to 1, fully determined by their parameters
(so a degradation can be regenerated from its JSON record).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError

#: Largest Gaussian sigma and motion length (px) a kernel may have: beyond them a kernel costs more
#: memory than an image (a crafted record asking sigma 1e6 would ask terabytes).
MAX_SIGMA = 25.0
MAX_LENGTH = 101.0


def _odd(n: int) -> int:
    return n if n % 2 == 1 else n + 1


def gaussian_kernel(
    sigma_x: float, sigma_y: float | None = None, theta: float = 0.0, size: int | None = None
) -> np.ndarray:
    """Gaussian kernel; ``sigma_*`` in pixels, ``theta`` the rotation of the x axis in radians.

    ``size`` defaults to ``2 * ceil(3 * max sigma) + 1``.
    """
    sigma_y = sigma_x if sigma_y is None else sigma_y
    if not (0 < sigma_x <= MAX_SIGMA and 0 < sigma_y <= MAX_SIGMA):
        raise InputError(f"Gaussian blur needs sigmas in (0, {MAX_SIGMA}] px, got {sigma_x}, {sigma_y}")
    size = _odd(size or 2 * math.ceil(3 * max(sigma_x, sigma_y)) + 1)
    r = size // 2
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float64)
    c, s = math.cos(theta), math.sin(theta)
    u = c * xx + s * yy
    v = -s * xx + c * yy
    k = np.exp(-0.5 * ((u / sigma_x) ** 2 + (v / sigma_y) ** 2))
    return k / k.sum()


def motion_kernel(length: float, angle: float, size: int | None = None, samples: int = 64) -> np.ndarray:
    """Linear motion blur: a segment of ``length`` pixels at ``angle`` degrees, antialiased.

    The segment is sampled at ``samples`` points per pixel of length and splatted bilinearly.
    """
    if not 1 <= length <= MAX_LENGTH:
        raise InputError(f"motion blur length must be in [1, {MAX_LENGTH}] px, got {length}")
    size = _odd(size or int(math.ceil(length)) + 2)
    r = size // 2
    k = np.zeros((size, size), dtype=np.float64)
    n = max(2, int(math.ceil(length * samples)))
    t = np.linspace(-0.5, 0.5, n) * (length - 1)
    a = math.radians(angle)
    xs = r + t * math.cos(a)
    ys = r - t * math.sin(a)
    x0 = np.floor(xs).astype(int)
    y0 = np.floor(ys).astype(int)
    fx, fy = xs - x0, ys - y0
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = x0 + dx, y0 + dy
        ok = (xi >= 0) & (xi < size) & (yi >= 0) & (yi < size)
        np.add.at(k, (yi[ok], xi[ok]), w[ok])
    return k / k.sum()


def sinc_kernel(cutoff: float, size: int = 21) -> np.ndarray:
    """Circular low-pass (sinc) kernel: ``cutoff`` angular frequency in radians per pixel (0, pi].

    ``k(r) = cutoff J1(cutoff r) / (2 pi r)`` on a ``size x size`` grid, normalised to sum 1: the
    ringing and overshoot artefacts of band-limited resampling and sharpening.
    """
    from scipy.special import j1

    if not 0 < cutoff <= math.pi:
        raise InputError(f"sinc cutoff must be in (0, pi] radians per pixel, got {cutoff}")
    size = _odd(int(size))
    if size > 63:
        raise InputError(f"sinc kernel size {size} is too large (at most 63)")
    r = size // 2
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float64)
    d = np.hypot(xx, yy)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = cutoff * j1(cutoff * d) / (2 * math.pi * d)
    k[r, r] = cutoff**2 / (4 * math.pi)
    return k / k.sum()
