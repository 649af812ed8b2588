"""NIQE (Mittal et al. 2013), reproducing MATLAB's ``computequality.m`` with the LIVE pristine model.

Parameters: ``niqe_pris_params.npz`` from the ``basicsr==1.4.2`` distribution (``mu_pris_param``
1x36, ``cov_pris_param`` 36x36, ``gaussian_window`` = MATLAB ``fspecial('gaussian', 7, 7/6)``),
read by path (``import basicsr`` needs torchvision). Algorithm, all in float64:

1. ``[0,1]`` RGB -> rounded uint8 -> one plane (``color``): ``y601`` = BT.601 limited-range Y,
   rounded (BasicSR's ``calculate_niqe(convert_to='y')``, the default) or ``gray`` = MATLAB
   ``rgb2gray`` coefficients, rounded (as MATLAB does for uint8 input). Optional border ``crop``.
2. Keep whole 96x96 blocks (top-left aligned, the remainder is dropped).
3. Two scales (the second is MATLAB ``imresize(0.5)``, bicubic with antialiasing): MSCN
   coefficients ``(I - mu) / (sigma + 1)`` with the 7x7 Gaussian and replicate padding; per block
   18 features (AGGD fits of the coefficients and of their products with 4 circular shifts).
4. MVG fit of the 36-d block features (``nanmean``; covariance over NaN-free rows, N-1), and
   ``sqrt((mu_p - mu_d) pinv((C_p + C_d)/2) (mu_p - mu_d)^T)``. Lower is better.

The MVG fit needs at least two blocks, so a single image must hold two 96x96 blocks (e.g.
96x192). ``niqe_pooled`` fits one MVG to the blocks of all images of a dataset instead (for
128x128 faces, one block each): a dataset-level variant, not comparable with per-image NIQE.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from ..errors import InputError, MissingDependencyError
from ..paths import package_file
from .base import Metric

PIP_LINE = "pip install --no-deps --no-build-isolation basicsr==1.4.2"
BLOCK = 96
COLORS = ("y601", "gray")
#: MATLAB rgb2gray coefficients (first row of inv of the NTSC matrix).
MATLAB_GRAY = (0.298936021293775, 0.587043074451121, 0.114020904255103)
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


@functools.cache
def pristine_params() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mu 36, cov 36x36, gaussian window 7x7)`` of the LIVE pristine model, float64."""
    path = package_file("basicsr", "metrics/niqe_pris_params.npz", PIP_LINE)
    try:
        with np.load(path) as npz:
            mu = np.asarray(npz["mu_pris_param"], np.float64).reshape(36)
            cov = np.asarray(npz["cov_pris_param"], np.float64).reshape(36, 36)
            win = np.asarray(npz["gaussian_window"], np.float64).reshape(7, 7)
    except (OSError, KeyError, ValueError) as exc:
        msg = f"{path}: unreadable NIQE parameters ({exc}); reinstall: {PIP_LINE}"
        raise MissingDependencyError(msg) from None
    return mu, cov, win


@functools.cache
def _gamma_table() -> tuple[np.ndarray, np.ndarray]:
    from scipy.special import gamma

    g = 0.2 + 0.001 * np.arange(9801)  # MATLAB 0.2:0.001:10
    r = gamma(2.0 / g) ** 2 / (gamma(1.0 / g) * gamma(3.0 / g))  # strictly increasing
    return g, r


def _aggd(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric generalised Gaussian fit per row of ``v`` (n, m): ``(alpha, beta_l, beta_r)``.

    Same moment matching and grid search as MATLAB's ``estimateaggdparam``; rows without negative
    or positive values give NaN betas (and alpha 0.2, as MATLAB's ``min`` over NaNs does).
    """
    from scipy.special import gamma

    g, r = _gamma_table()
    neg, pos = v < 0, v > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        left = np.sqrt(np.where(neg, v * v, 0).sum(1) / neg.sum(1))
        right = np.sqrt(np.where(pos, v * v, 0).sum(1) / pos.sum(1))
        gh = left / right
        rhat = np.abs(v).mean(1) ** 2 / (v * v).mean(1)
        rn = rhat * (gh**3 + 1) * (gh + 1) / (gh**2 + 1) ** 2
    # argmin of (r - rn)^2 over the grid (first index on ties); r is increasing
    idx = np.clip(np.searchsorted(r, rn), 1, len(r) - 1)
    lo, hi = idx - 1, idx
    with np.errstate(invalid="ignore"):
        pick = np.where((r[lo] - rn) ** 2 <= (r[hi] - rn) ** 2, lo, hi)
        pick = np.where(rn <= r[0], 0, np.where(rn >= r[-1], len(r) - 1, pick))
    pick = np.where(np.isfinite(rn), pick, 0)
    alpha = g[pick]
    k = np.sqrt(gamma(1.0 / alpha) / gamma(3.0 / alpha))
    return alpha, left * k, right * k


def _block_features(mscn: np.ndarray, size: int) -> np.ndarray:
    """18 features per ``size x size`` block of an MSCN image -> ``(n_blocks, 18)``."""
    from scipy.special import gamma

    h, w = mscn.shape
    nh, nw = h // size, w // size
    blocks = mscn[: nh * size, : nw * size].reshape(nh, size, nw, size).transpose(2, 0, 1, 3)
    blocks = blocks.reshape(nh * nw, size, size)  # column-major block order, as MATLAB's blkproc
    flat = blocks.reshape(len(blocks), -1)
    a, bl, br = _aggd(flat)
    feats = [a, (bl + br) / 2]
    for shift in _SHIFTS:
        pair = (blocks * np.roll(blocks, shift, axis=(1, 2))).reshape(len(blocks), -1)
        a, bl, br = _aggd(pair)
        mean = (br - bl) * gamma(2.0 / a) / gamma(1.0 / a)
        feats += [a, mean, bl, br]
    return np.stack(feats, axis=1)


def niqe_features(plane: np.ndarray) -> np.ndarray:
    """Block features ``(n_blocks, 36)`` of one float plane (0..255 scale) at two scales.

    Raises :class:`InputError` when the plane holds no whole 96x96 block.
    """
    from scipy.ndimage import correlate

    from ..ops.resize import imresize

    img = np.asarray(plane, dtype=np.float64)
    h, w = img.shape
    nh, nw = h // BLOCK, w // BLOCK
    if nh == 0 or nw == 0:
        raise InputError(f"NIQE needs images of at least {BLOCK}x{BLOCK} px (after any crop), got {h}x{w}")
    img = img[: nh * BLOCK, : nw * BLOCK]
    _, _, win = pristine_params()
    out = []
    for scale in (1, 2):
        mu = correlate(img, win, mode="nearest")
        sigma = np.sqrt(np.abs(correlate(img * img, win, mode="nearest") - mu * mu))
        out.append(_block_features((img - mu) / (sigma + 1.0), BLOCK // scale))
        if scale == 1:
            img = imresize(img, 0.5, kernel="matlab")
    return np.concatenate(out, axis=1)


def niqe_from_features(features: np.ndarray, what: str = "image") -> float:
    """NIQE of the MVG fitted to ``features`` (n_blocks, 36) against the pristine model."""
    mu_p, cov_p, _ = pristine_params()
    feats = np.asarray(features, dtype=np.float64)
    complete = feats[~np.isnan(feats).any(axis=1)]
    if len(complete) < 2:
        raise InputError(
            f"NIQE: the {what} gives {len(feats)} block(s) of {BLOCK}x{BLOCK} px ({len(complete)} usable, "
            "flat blocks are unusable); at least 2 are needed (e.g. 96x192 px), or use niqe_pooled"
        )
    mu_d = np.nanmean(feats, axis=0)
    cov_d = np.cov(complete, rowvar=False)
    d = mu_p - mu_d
    q = d @ np.linalg.pinv((cov_p + cov_d) / 2.0) @ d
    return float(np.sqrt(max(q, 0.0)))


def to_plane(image_uint8: np.ndarray, color: str = "y601", crop: int = 0) -> np.ndarray:
    """uint8 ``H x W x 3`` RGB (or ``H x W`` grey, used as is) -> the float64 plane NIQE scores."""
    arr = np.asarray(image_uint8)
    if arr.dtype != np.uint8:
        raise InputError(f"NIQE expects uint8 images, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 3:
        rgb = arr.astype(np.float64)
        if color == "y601":
            plane = np.round(16.0 + rgb @ (np.array([65.481, 128.553, 24.966]) / 255.0))
        elif color == "gray":
            plane = np.round(rgb @ np.array(MATLAB_GRAY))
        else:
            raise InputError(f"unknown NIQE colour convention {color!r} (known: {', '.join(COLORS)})")
    elif arr.ndim == 2:
        plane = arr.astype(np.float64)
    else:
        raise InputError(f"NIQE expects H x W x 3 or H x W images, got shape {arr.shape}")
    if crop:
        if 2 * crop >= min(plane.shape):
            h, w = plane.shape
            raise InputError(f"border crop of {crop} px leaves nothing of a {h}x{w} image")
        plane = plane[crop:-crop, crop:-crop]
    return plane


def niqe(image_uint8: np.ndarray, color: str = "y601", crop: int = 0) -> float:
    """NIQE of one uint8 image (MATLAB-equivalent; see the module docstring). Lower is better."""
    return niqe_from_features(niqe_features(to_plane(image_uint8, color, crop)))


def _to_uint8_batch(x: torch.Tensor) -> np.ndarray:
    return (x.detach().to("cpu", torch.float64).clamp(0, 1) * 255.0).round().to(torch.uint8) \
        .permute(0, 2, 3, 1).numpy()


class NIQE(Metric):
    """Per-image NIQE (no reference, lower is better) on ``[0,1] float NCHW RGB`` SR images.

    Options: ``color`` (``y601`` default = BasicSR/MATLAB-R2021a match, or ``gray`` = MATLAB
    ``rgb2gray``) and ``crop`` (border pixels removed first; default 0).
    """

    name = "niqe"
    higher_better = False
    needs_hr = False

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu", color: str = "y601",
                 crop: int = 0) -> None:
        if color not in COLORS:
            raise InputError(f"unknown NIQE colour convention {color!r} (known: {', '.join(COLORS)})")
        self.color, self.crop = color, int(crop)
        super().__init__(protocol=protocol, scale=scale, device=device)
        pristine_params()  # fail early, with the install line, when basicsr is missing

    def score(self, sr: torch.Tensor, hr: torch.Tensor | None = None) -> torch.Tensor:
        vals = [niqe(img, self.color, self.crop) for img in _to_uint8_batch(sr)]
        return torch.tensor(vals, dtype=torch.float64)

    def describe(self) -> str:
        plane = "Y601 rounded" if self.color == "y601" else "MATLAB rgb2gray rounded"
        return (f"NIQE, LIVE pristine params (basicsr npz), {plane}, 96x96 blocks, crop {self.crop} px, "
                f"uint8 input; protocol {self.protocol.name}")


class NIQEPooled(NIQE):
    """Dataset-level NIQE: one MVG fitted to the 96x96 blocks of all SR images (for small faces).

    Same features as :class:`NIQE`; ``update`` collects block features, ``compute`` returns one
    number. Not comparable with the mean of per-image NIQE.
    """

    name = "niqe_pooled"
    dataset_level = True

    def reset(self) -> None:
        super().reset()
        self._features: list[np.ndarray] = []

    def update(self, sr: torch.Tensor, hr: torch.Tensor | None = None) -> None:
        self._check(sr, hr)
        for img in _to_uint8_batch(sr):
            self._features.append(niqe_features(to_plane(img, self.color, self.crop)))
        return None

    def compute(self) -> float:
        if not self._features:
            raise InputError("metric niqe_pooled: no images were scored")
        return niqe_from_features(np.concatenate(self._features), what=f"set of {len(self._features)} images")

    def score(self, sr: torch.Tensor, hr: torch.Tensor | None = None) -> torch.Tensor:
        raise InputError("niqe_pooled is a dataset-level metric: use update() then compute()")

    def describe(self) -> str:
        return super().describe().replace("NIQE,", "NIQE pooled over all images' blocks (dataset-level),", 1)
