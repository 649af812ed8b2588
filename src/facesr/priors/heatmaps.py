"""Landmark heatmaps (survey §3.1): one Gaussian per landmark, and the way back to points.

``heatmap[k, y, x] = exp(-((x - x_k)^2 + (y - y_k)^2) / (2 sigma^2))`` evaluated at pixel centres
(integer coordinates), so each map peaks at 1 on its landmark and the highest pixel is the one
nearest to it. ``sigma`` is in pixels of the output size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import InputError


def landmark_heatmaps(landmarks: np.ndarray, size: tuple[int, int] | int, sigma: float = 1.5,
                      scale: float = 1.0) -> np.ndarray:
    """``float32 (n, H, W)`` Gaussian heatmaps in ``[0, 1]``.

    ``landmarks``: ``(n, 2)`` ``(x, y)`` pixels of an image ``scale`` times the heatmap size (e.g.
    landmarks of a 128-px face with ``size=32, scale=4`` for FSRNet-style 32 x 32 priors); the
    points are divided by ``scale`` after moving to pixel-centre coordinates. ``sigma`` in pixels of
    ``size``. Points outside the map give partial or empty maps; NaN points give all-zero maps.
    """
    h, w = (size, size) if isinstance(size, int) else size
    if sigma <= 0:
        raise InputError(f"heatmap sigma must be > 0 pixels, got {sigma}")
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InputError(f"landmarks must be an (n, 2) array, got shape {pts.shape}")
    pts = (pts + 0.5) / scale - 0.5
    xs = np.arange(w, dtype=np.float64)
    ys = np.arange(h, dtype=np.float64)
    gx = np.exp(-((xs[None, :] - pts[:, :1]) ** 2) / (2 * sigma**2))  # (n, W)
    gy = np.exp(-((ys[None, :] - pts[:, 1:]) ** 2) / (2 * sigma**2))  # (n, H)
    maps = gy[:, :, None] * gx[:, None, :]
    maps[~np.isfinite(maps)] = 0.0
    return maps.astype(np.float32)


def heatmaps_to_landmarks(heatmaps: np.ndarray) -> np.ndarray:
    """``(n, H, W)`` heatmaps -> ``float64 (n, 2)`` ``(x, y)``: the maximum pixel, refined to sub-pixel
    precision by a parabola through the logarithm of it and its neighbours along x and along y (exact
    for Gaussian maps as made by :func:`landmark_heatmaps`). Empty maps give NaN."""
    hm = np.asarray(heatmaps, dtype=np.float64)
    if hm.ndim != 3:
        raise InputError(f"heatmaps must be (n, H, W), got shape {hm.shape}")
    n, h, w = hm.shape
    out = np.full((n, 2), np.nan)
    for k in range(n):
        m = hm[k]
        y, x = divmod(int(np.argmax(m)), w)
        if m[y, x] <= 0:
            continue
        out[k] = (x + _vertex(m[y, x - 1:x + 2] if 0 < x < w - 1 else None),
                  y + _vertex(m[y - 1:y + 2, x] if 0 < y < h - 1 else None))
    return out


def _vertex(three: np.ndarray | None) -> float:
    """Offset of the vertex of the parabola through ``log`` of three samples at -1, 0, 1."""
    if three is None or np.any(three <= 0):
        return 0.0
    a, b, c = np.log(three)
    curvature = a - 2 * b + c
    return float(np.clip(0.5 * (a - c) / curvature, -0.5, 0.5)) if curvature < 0 else 0.0


def group_heatmaps(heatmaps: np.ndarray, groups: Mapping[str, Sequence[int]]) -> np.ndarray:
    """Merge per-landmark maps into one map per group (pixel-wise maximum), e.g. DIC's
    eyes / nose / mouth / contour (:data:`facesr.faces.schemes.IBUG68_GROUPS`)."""
    hm = np.asarray(heatmaps)
    return np.stack([hm[list(idx)].max(axis=0) for idx in groups.values()])
