"""Colour conversions exactly as MATLAB's ``rgb2ycbcr`` / ``ycbcr2rgb`` (BT.601, limited range).

Inputs and outputs are on the 0..255 scale for uint8-style data; functions accept numpy arrays
(``... x 3`` channel-last) and torch tensors (``N x 3 x H x W`` channel-first, float).
"""

from __future__ import annotations

import numpy as np

#: BT.601 limited-range matrix for R,G,B in [0,1] -> Y,Cb,Cr on the 0..255 scale (MATLAB rgb2ycbcr).
_M = np.array(
    [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ],
    dtype=np.float64,
)
_OFFSET = np.array([16.0, 128.0, 128.0])
_M_INV = np.linalg.inv(_M)
#: Full-range luma (JPEG / YIQ Y / MATLAB rgb2gray) for R,G,B in [0,1] -> 0..255.
_FULL = np.array([0.299, 0.587, 0.114]) * 255.0


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def _apply(x, mat: np.ndarray, offset: np.ndarray | None, in_scale: float):
    """Apply a 3x3 (or 1x3) colour matrix to [0,255]-scale values."""
    m = mat / in_scale
    if _is_torch(x):
        import torch

        r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
        rows = []
        for i in range(m.shape[0]):
            row = r * float(m[i, 0]) + g * float(m[i, 1]) + b * float(m[i, 2])
            if offset is not None:
                row = row + float(offset[i])
            rows.append(row)
        return torch.cat(rows, dim=1) if len(rows) > 1 else rows[0]
    arr = np.asarray(x, dtype=np.float64)
    y = arr @ m.T
    if offset is not None:
        y = y + offset
    return y


def rgb2ycbcr(x, *, only_y: bool = False):
    """RGB on 0..255 -> YCbCr (BT.601 limited range: Y in [16,235], C in [16,240]), float64/float.

    Same numbers as MATLAB ``rgb2ycbcr`` before its final rounding to uint8 (round the result to
    reproduce MATLAB on uint8 input). numpy: ``... x 3``; torch: ``N x 3 x H x W``.
    """
    if only_y:
        return rgb_to_y(x, "y601")
    return _apply(x, _M, _OFFSET, 255.0)


def ycbcr2rgb(x):
    """Inverse of :func:`rgb2ycbcr`: YCbCr (0..255 scale) -> RGB on 0..255, float, not clipped."""
    if _is_torch(x):
        import torch

        off = torch.as_tensor(_OFFSET, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        return _apply(x - off, _M_INV * 255.0, None, 1.0)
    return _apply(np.asarray(x, dtype=np.float64) - _OFFSET, _M_INV * 255.0, None, 1.0)


def luma_weights(kind: str = "y601") -> tuple[float, float, float, float]:
    """``(wr, wg, wb, offset)`` with ``Y = wr R + wg G + wb B + offset`` for R, G, B on 0..255."""
    if kind == "y601":
        m = _M[0] / 255.0
        return float(m[0]), float(m[1]), float(m[2]), 16.0
    if kind == "full":
        return float(_FULL[0] / 255.0), float(_FULL[1] / 255.0), float(_FULL[2] / 255.0), 0.0
    raise ValueError(f"unknown luma kind {kind!r} (y601 or full)")


def rgb_to_y(x, kind: str = "y601"):
    """Luma from RGB on 0..255: ``y601`` (16..235, MATLAB) or ``full`` (0..255, JPEG/YIQ).

    numpy ``... x 3`` -> ``...``; torch ``N x 3 x H x W`` -> ``N x 1 x H x W``.
    """
    if kind == "y601":
        mat, off = _M[:1], _OFFSET[:1]
    elif kind == "full":
        mat, off = (_FULL / 255.0)[None, :] * 255.0, None
    else:
        raise ValueError(f"unknown luma kind {kind!r} (y601 or full)")
    y = _apply(x, mat, off, 255.0)
    return y if _is_torch(x) else y[..., 0]
