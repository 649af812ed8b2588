"""Estimating the degradation of real LR faces, and a degradation that reproduces it (RWSR, survey §4.1.2).

RWSR (Aakerberg, Nasrollahi & Moeslund, arXiv 2021 / IET Image Processing 2022) estimates the blur
kernels, noise and JPEG compression of real surveillance faces and synthesises LR/HR training pairs
with them. The paper estimates kernels with KernelGAN and injects noise patches collected from the
real images. Ours, for faces of 8-32 px where neither fits:

* **blur and noise by analysis by synthesis** (:class:`Calibration`): clean faces are brought to the LR
  size (MATLAB bicubic), blurred by a Gaussian of ``sigma_b`` LR pixels and given Gaussian noise of
  ``sigma_n`` grey levels over a grid of both; five statistics of the luma (:func:`features`) are
  recorded per grid point (median over the faces). A real face gets the grid point whose statistics are
  nearest, each statistic scaled by its typical spread among faces at one grid point (median absolute
  deviation). Measured at 16 px (24 CelebA faces calibrate, 16 others degraded at 7 known settings from
  clean to blur 2.0 px / noise 18): mean absolute error 0.36 px of blur and 2.0 grey levels of noise;
  three statistics instead of five gave 0.44 px and 2.5 and read clean faces as noisy (9.5 grey levels);
* **compression**: the IJG quality of the file (:func:`facesr.data.real_lr.jpeg_quality`), given, not
  estimated here.

:func:`degradation_steps` turns one estimate into the chain ``J((I_HR)↓s ⊗ k_b + n)`` at the LR grid
(the blur is measured there, so it is applied there), a list of steps of
:mod:`facesr.degradation.steps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

#: blur sigmas (LR pixels; 0: none) and noise sigmas (grey levels) of the default calibration grid
BLUR_GRID: tuple[float, ...] = (0.0, 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6, 2.0, 2.5)
NOISE_GRID: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0, 8.0, 11.0, 14.0, 18.0, 23.0)
_LAPLACE = np.array([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])


def luma(image: np.ndarray) -> np.ndarray:
    """BT.601 luma (0..255, float64) of a ``uint8 H x W x 3`` RGB image."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3 or min(arr.shape[:2]) < 4:
        raise InputError(f"degradation estimates need uint8 H x W x 3 images of at least 4 px, got {arr.dtype} "
                         f"{arr.shape}")
    return arr.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _laplace_responses(y: np.ndarray) -> np.ndarray:
    from scipy.signal import correlate2d

    return correlate2d(y, _LAPLACE, mode="valid").ravel()


def immerkaer_sigma(y: np.ndarray) -> float:
    """Immerkaer's noise standard deviation (CVIU 1996) of a grey image: the mean absolute response to the
    difference of two Laplacians, times sqrt(pi / 2) / 6."""
    return float(np.sqrt(np.pi / 2.0) * np.abs(_laplace_responses(y)).mean() / 6.0)


def features(image: np.ndarray) -> np.ndarray:
    """Five statistics of a face's luma that blur and noise move each their own way: Immerkaer's noise
    estimate, mean gradient magnitude over (standard deviation + 1), the shares of spectral energy above
    3/4 of the Nyquist radius and between 0.35 and 0.6 of it, and the kurtosis of the Laplacian-difference
    responses (edges: heavy tails; noise: Gaussian)."""
    from scipy.stats import kurtosis

    y = luma(image)
    gy, gx = np.gradient(y)
    sharp = float(np.hypot(gx, gy).mean() / (y.std() + 1.0))
    spec = np.abs(np.fft.fft2(y - y.mean())) ** 2
    radius = np.hypot(np.fft.fftfreq(y.shape[0])[:, None], np.fft.fftfreq(y.shape[1])[None, :]) / 0.5
    total = max(float(spec.sum()), 1e-12)
    top = float(spec[radius > 0.75].sum()) / total
    mid = float(spec[(radius > 0.35) & (radius <= 0.6)].sum()) / total
    r = _laplace_responses(y)
    tail = float(kurtosis(r)) if r.std() > 0 else 0.0
    return np.array([np.sqrt(np.pi / 2.0) * np.abs(r).mean() / 6.0, sharp, top, mid, tail])


def _degrade(lr: np.ndarray, blur: float, noise: float, seed: int) -> np.ndarray:
    from .steps import Blur, Noise

    out = lr
    if blur > 0:
        out = Blur({}).apply(out, {"kernel": "gaussian", "sigma": blur}, {})
    if noise > 0:
        out = Noise({}).apply(out, {"dist": "gaussian", "sigma": noise, "noise_seed": seed}, {})
    return out


@dataclass
class Estimate:
    """One real face's degradation: Gaussian ``blur`` sigma (LR pixels, 0: none), Gaussian ``noise`` sigma
    (grey levels), JPEG ``quality`` (``None``: none), ``grey`` noise (the same on all channels) and the
    ``distance`` of its statistics to the chosen grid point (scaled units)."""

    blur: float
    noise: float
    quality: int | None = None
    grey: bool = False
    distance: float = 0.0

    def as_dict(self) -> dict[str, float | int | bool | None]:
        return {"blur": self.blur, "noise": self.noise, "quality": self.quality, "grey": self.grey,
                "distance": round(self.distance, 4)}


class Calibration:
    """Statistics of clean faces degraded over a grid of (blur, noise), at one LR size.

    ``faces``: clean HR faces (``uint8 H x W x 3``), brought to ``size`` px with ``kernel``; ``blurs``,
    ``noises``: the grid; ``seed``: of the noise draws.
    """

    def __init__(self, faces: Sequence[np.ndarray], size: int, *, blurs: Sequence[float] = BLUR_GRID,
                 noises: Sequence[float] = NOISE_GRID, kernel: str = "matlab", seed: int = 0) -> None:
        from ..ops import imresize

        if not len(faces):
            raise InputError("a degradation calibration needs at least one clean face")
        if size < 4:
            raise InputError(f"calibration size must be at least 4 px, got {size}")
        lrs = [np.asarray(imresize(np.asarray(f), size=(size, size), kernel=kernel)) for f in faces]
        self.size = int(size)
        self.grid = np.array([(b, n) for b in blurs for n in noises], dtype=np.float64)
        stats = np.stack([np.stack([features(_degrade(lr, b, n, seed + 7919 * g + i)) for i, lr in enumerate(lrs)])
                          for g, (b, n) in enumerate(self.grid)])  # grid x faces x statistics
        self.table = np.median(stats, axis=1)
        mad = np.median(np.abs(stats - self.table[:, None]), axis=1)
        self.spread = np.maximum(np.median(mad, axis=0), 1e-9)

    def estimate(self, image: np.ndarray, quality: int | None = None, grey: bool = False) -> Estimate:
        """The grid point whose statistics are nearest to those of ``image`` (``size`` px, uint8 RGB)."""
        arr = np.asarray(image)
        if arr.shape[:2] != (self.size, self.size):
            raise InputError(f"calibrated for {self.size} px faces, got {arr.shape[:2]}")
        d = np.sqrt((((self.table - features(arr)) / self.spread) ** 2).sum(axis=1))
        g = int(np.argmin(d))
        return Estimate(float(self.grid[g, 0]), float(self.grid[g, 1]), quality, grey, float(d[g]))


def degradation_steps(est: Estimate, scale: float, kernel: str = "matlab") -> list[dict]:
    """Step specifications reproducing ``est`` on an HR face: bicubic down by ``scale``, the Gaussian blur
    at the LR grid, Gaussian noise (grey for grey sources), JPEG at the estimated quality."""
    steps: list[dict] = [{"type": "resize", "scale": float(scale), "kernel": kernel}]
    if est.blur > 0:
        steps.append({"type": "blur", "kernel": "gaussian", "sigma": float(est.blur)})
    if est.noise > 0:
        steps.append({"type": "noise", "dist": "gaussian", "sigma": float(est.noise), "gray": bool(est.grey)})
    if est.quality is not None:
        steps.append({"type": "jpeg", "quality": int(est.quality)})
    return steps
