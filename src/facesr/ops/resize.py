"""Separable image resizing that reproduces MATLAB's ``imresize`` and, selectably, Pillow and OpenCV.

Each kernel is a row of :data:`KERNELS` (data, not a code path): the interpolation function, whether
it widens when shrinking (antialiasing), how pixels outside the image are handled, and how sample
positions are computed. One weight builder and one applier serve all of them, for numpy arrays
(``H x W`` or ``H x W x C``) and batched torch tensors (``... x H x W``).

* ``matlab``: bicubic a=-0.5, antialiased when shrinking, symmetric boundary, MATLAB's index
  arithmetic (``u = x/s + 0.5(1 - 1/s)``); the scale factor given by the caller is used as is,
  and the output size is ``ceil(in * s)``, as MATLAB does.
* ``pil``: Pillow's ``BICUBIC`` (a=-0.5, antialiased, taps outside the image dropped and the
  rest renormalised), in floating point. For uint8 images where Pillow's own fixed-point result
  is wanted bit for bit, :func:`pil_resize_uint8` calls Pillow.
* ``cv2``: OpenCV's ``INTER_CUBIC`` (a=-0.75, no antialiasing, replicated border), floating point.
* ``bilinear``: triangle kernel with MATLAB's antialiasing and boundary (MATLAB ``'bilinear'``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np

from ..errors import InputError, UnknownNameError


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    inner = (a + 2.0) * ax3 - (a + 3.0) * ax2 + 1.0
    outer = a * ax3 - 5.0 * a * ax2 + 8.0 * a * ax - 4.0 * a
    return np.where(ax <= 1.0, inner, np.where(ax <= 2.0, outer, 0.0))


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - np.abs(x), 0.0, None)


@dataclass(frozen=True)
class Kernel:
    """How one library resamples: see the module docstring."""

    name: str
    support: float  # half-width of the kernel at scale 1
    cubic_a: float | None  # None: triangle
    antialias: bool
    boundary: Literal["symmetric", "renormalize", "replicate"]
    positions: Literal["matlab", "pil", "cv2"]
    description: str
    width_first: bool = False  # Pillow/OpenCV resize columns (horizontal) first; MATLAB by scale


    def __call__(self, x: np.ndarray) -> np.ndarray:
        return _triangle(x) if self.cubic_a is None else _cubic(x, self.cubic_a)


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel("matlab", 2.0, -0.5, True, "symmetric", "matlab", "MATLAB imresize bicubic (antialiased)"),
        Kernel("pil", 2.0, -0.5, True, "renormalize", "pil", "Pillow Image.BICUBIC (antialiased)", True),
        Kernel("cv2", 2.0, -0.75, False, "replicate", "cv2", "OpenCV INTER_CUBIC (no antialiasing)", True),
        Kernel("bilinear", 1.0, None, True, "symmetric", "matlab", "MATLAB imresize bilinear (antialiased)"),
    )
}


def get_kernel(name: str) -> Kernel:
    try:
        return KERNELS[name]
    except KeyError:
        raise UnknownNameError(f"unknown resize kernel {name!r} (known: {', '.join(KERNELS)})") from None


@functools.lru_cache(maxsize=256)
def resize_weights(in_len: int, out_len: int, scale: float, kernel: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(out_len, P)`` into the input and float64 weights ``(out_len, P)`` for one axis.

    ``scale`` is output/input as the caller gave it (MATLAB uses it as given; Pillow and OpenCV
    use ``out_len / in_len``). Rows of weights sum to 1.
    """
    k = get_kernel(kernel)
    if k.positions != "matlab":
        scale = out_len / in_len
    shrink = scale < 1.0 and k.antialias
    width = k.support * 2.0 / scale if shrink else k.support * 2.0

    def h(x: np.ndarray) -> np.ndarray:
        return scale * k(scale * x) if shrink else k(x)

    x = np.arange(out_len, dtype=np.float64)
    if k.positions == "matlab":
        u = (x + 1.0) / scale + 0.5 * (1.0 - 1.0 / scale)  # 1-based input coordinate
        left = np.floor(u - width / 2.0)
        taps = int(math.ceil(width)) + 2
        idx1 = left[:, None] + np.arange(taps)[None, :]  # 1-based
        w = h(u[:, None] - idx1)
        idx0 = idx1 - 1.0
    elif k.positions == "pil":
        center = (x + 0.5) / scale
        fs = 1.0 / scale if shrink else 1.0
        support = k.support * fs
        lo = np.maximum(np.trunc(center - support + 0.5), 0.0)
        hi = np.minimum(np.trunc(center + support + 0.5), in_len)
        taps = int(math.ceil(support)) * 2 + 1
        idx0 = lo[:, None] + np.arange(taps)[None, :]
        w = k((idx0 - center[:, None] + 0.5) / fs)
        w = np.where(idx0 < hi[:, None], w, 0.0)
    else:  # cv2: taps sx-1 .. sx+2 around the half-pixel-centred position
        fx = (x + 0.5) / scale - 0.5
        sx = np.floor(fx)
        idx0 = sx[:, None] + np.arange(-1, 3)[None, :]
        w = k(fx[:, None] - idx0)
    sums = w.sum(axis=1, keepdims=True)
    w = w / np.where(sums == 0, 1.0, sums)
    idx = idx0.astype(np.int64)
    if k.boundary == "symmetric":
        period = 2 * in_len
        m = np.mod(idx, period)
        idx = np.where(m < in_len, m, period - 1 - m)
    else:  # replicate, or renormalised taps whose weight is already zero
        idx = np.clip(idx, 0, in_len - 1)
    # drop columns whose weights are zero for every output (as MATLAB does)
    keep = np.any(w != 0, axis=0)
    if keep.any():
        idx, w = idx[:, keep], w[:, keep]
    return np.ascontiguousarray(idx), np.ascontiguousarray(w)


@functools.lru_cache(maxsize=256)
def _cached_weights(in_len: int, out_len: int, scale: float, kernel: str) -> tuple[np.ndarray, np.ndarray]:
    idx, w = resize_weights(in_len, out_len, scale, kernel)
    idx.setflags(write=False)
    w.setflags(write=False)
    return idx, w


@functools.lru_cache(maxsize=256)
def resize_matrix(in_len: int, out_len: int, scale: float, kernel: str) -> np.ndarray:
    """Dense float64 ``(out_len, in_len)`` matrix equivalent to :func:`resize_weights`."""
    idx, w = _cached_weights(in_len, out_len, scale, kernel)
    m = np.zeros((out_len, in_len), dtype=np.float64)
    rows = np.repeat(np.arange(out_len), idx.shape[1])
    np.add.at(m, (rows, idx.ravel()), w.ravel())
    m.setflags(write=False)
    return m


def output_size(
    in_hw: tuple[int, int], scale: float | tuple[float, float] | None, size: tuple[int, int] | None
) -> tuple[tuple[int, int], tuple[float, float]]:
    """Output ``(H, W)`` and per-axis scale factors, as MATLAB derives them."""
    h, w = in_hw
    if size is not None:
        oh, ow = int(size[0]), int(size[1])
        if oh <= 0 or ow <= 0:
            raise InputError(f"output size must be positive, got {size}")
        return (oh, ow), (oh / h, ow / w)
    if scale is None:
        raise InputError("imresize needs either a scale or an output size")
    sh, sw = (scale, scale) if isinstance(scale, int | float) else scale
    if sh <= 0 or sw <= 0:
        raise InputError(f"scale must be positive, got {scale}")
    oh, ow = math.ceil(h * sh - 1e-9), math.ceil(w * sw - 1e-9)
    if oh < 1 or ow < 1:
        raise InputError(f"scale {scale} turns a {h}x{w} image into an empty one")
    return (oh, ow), (float(sh), float(sw))


_DENSE_LIMIT = 4096 * 1024  # torch: use a dense matrix product when out_len * in_len is at most this


def _resize_axis_np(x: np.ndarray, axis: int, out_len: int, scale: float, kernel: str) -> np.ndarray:
    # A sum over the kernel's taps in tap order, as MATLAB's imresize computes it: no BLAS call, so the
    # result is the same on every machine whatever its thread count (a multi-threaded matrix product was
    # not: OpenBLAS's result depended on its threads) and faster for face-sized images.
    idx, w = _cached_weights(x.shape[axis], out_len, scale, kernel)
    xs = np.moveaxis(x, axis, 0)
    shape = (-1,) + (1,) * (xs.ndim - 1)
    y = w[:, 0].reshape(shape) * xs[idx[:, 0]]
    for p in range(1, idx.shape[1]):
        y += w[:, p].reshape(shape) * xs[idx[:, p]]
    return np.moveaxis(y, 0, axis)


def _resize_axis_torch(x, axis: int, out_len: int, scale: float, kernel: str):
    import torch

    in_len = x.shape[axis]
    if in_len * out_len <= _DENSE_LIMIT:
        m = torch.tensor(resize_matrix(in_len, out_len, scale, kernel), dtype=x.dtype, device=x.device)
        if axis == x.dim() - 1:
            return torch.matmul(x, m.t())
        return torch.matmul(m, x)  # axis == dim - 2
    idx_np, w_np = resize_weights(in_len, out_len, scale, kernel)
    idx = torch.tensor(idx_np, device=x.device)
    w = torch.tensor(w_np, dtype=x.dtype, device=x.device)
    xs = x.movedim(axis, 0)
    y = torch.zeros((out_len,) + tuple(xs.shape[1:]), dtype=x.dtype, device=x.device)
    for p in range(idx.shape[1]):
        y += w[:, p].view((-1,) + (1,) * (xs.dim() - 1)) * xs.index_select(0, idx[:, p])
    return y.movedim(0, axis)


def _order(scales: tuple[float, float], kernel: Kernel) -> tuple[int, int]:
    # MATLAB resizes along the dimension with the smaller scale factor first (rows on ties);
    # Pillow and OpenCV do the horizontal pass first.
    if kernel.width_first:
        return (1, 0)
    return (0, 1) if scales[0] <= scales[1] else (1, 0)


@overload
def imresize(
    image: np.ndarray, scale=..., *, size=..., kernel: str = ..., round_each_pass: bool | None = ...
) -> np.ndarray: ...
@overload
def imresize(image, scale=..., *, size=..., kernel: str = ..., round_each_pass: bool | None = ...): ...


def imresize(
    image,
    scale: float | tuple[float, float] | None = None,
    *,
    size: tuple[int, int] | None = None,
    kernel: str = "matlab",
    round_each_pass: bool | None = None,
):
    """Resize like MATLAB's ``imresize`` (default) or Pillow / OpenCV (``kernel``).

    ``image``: numpy ``H x W`` / ``H x W x C`` (any float range, or uint8), or a torch tensor
    ``... x H x W`` (e.g. ``[0,1] float32 NCHW``). ``scale``: output/input factor (a number or
    ``(sh, sw)``); or ``size=(H, W)``. Float inputs keep their dtype and are not clipped. uint8
    inputs are computed in float64, rounded and clipped to uint8; with
    ``round_each_pass`` (default for uint8, as MATLAB stores the intermediate image in the input
    class) the intermediate image is rounded too.
    """
    is_torch = type(image).__module__.startswith("torch")
    if is_torch:
        import torch

        if image.dim() < 2:
            raise InputError(f"imresize needs at least 2 dimensions, got shape {tuple(image.shape)}")
        hw = (int(image.shape[-2]), int(image.shape[-1]))
        axes = (image.dim() - 2, image.dim() - 1)
        integer = not image.dtype.is_floating_point
        x = image.to(torch.float64) if integer else image
    else:
        arr = np.asarray(image)
        if arr.ndim not in (2, 3):
            raise InputError(f"imresize expects H x W or H x W x C arrays, got shape {arr.shape}")
        hw = (arr.shape[0], arr.shape[1])
        axes = (0, 1)
        integer = not np.issubdtype(arr.dtype, np.floating)
        x = arr.astype(np.float64) if integer else arr
    if min(hw) < 1:
        raise InputError(f"cannot resize an empty image of size {hw}")
    (oh, ow), scales = output_size(hw, scale, size)
    outs = (oh, ow)
    rnd = integer if round_each_pass is None else round_each_pass
    resize_axis = _resize_axis_torch if is_torch else _resize_axis_np
    for i, dim in enumerate(_order(scales, get_kernel(kernel))):
        x = resize_axis(x, axes[dim], outs[dim], scales[dim], kernel)
        if rnd and integer and i == 0:
            x = x.round().clamp(0, 255) if is_torch else np.clip(np.rint(x), 0, 255)
    if integer:
        if is_torch:
            return x.round().clamp(0, 255).to(image.dtype)
        return np.clip(np.rint(x), 0, 255).astype(arr.dtype)
    return x


def pil_resize_uint8(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Pillow's own ``BICUBIC`` on a uint8 ``H x W x 3`` array to ``size=(H, W)``, bit for bit."""
    from PIL import Image

    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise InputError(f"pil_resize_uint8 expects uint8 pixels, got {arr.dtype}")
    img = Image.fromarray(arr)
    return np.asarray(img.resize((int(size[1]), int(size[0])), Image.Resampling.BICUBIC))
