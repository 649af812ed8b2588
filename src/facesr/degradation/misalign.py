"""Misalignment for joint alignment and SR (survey §4.7.4): a random similarity transform of the HR face
before downscaling, so that the LR face is no longer in the canonical frame.

``similarity``: rotation ``angle`` (degrees, counter-clockwise on the screen), uniform ``zoom`` and a shift
(``shift_x``, ``shift_y``: fractions of the width/height) about the image centre; bilinear sampling with
mirrored borders (no black corners for the network to key on). Ranges are ours (TDN/MTDN train on
CelebA faces turned, shifted and scaled at random; the papers' exact ranges are not used).
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .steps import Step, _to_uint8


def similarity_matrix(shape: tuple[int, ...], angle: float, zoom: float, shift: tuple[float, float]) -> np.ndarray:
    """``float64 (2, 3)``: output pixel ``(x, y)`` -> the input pixel it samples (the inverse map) of the
    similarity that turns by ``angle`` degrees and zooms by ``zoom`` about the centre, then shifts by
    ``shift`` (fractions of width/height)."""
    h, w = shape[:2]
    c = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    t = np.array([shift[0] * w, shift[1] * h])
    a = np.radians(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]) * zoom  # forward map (y down)
    inv = np.linalg.inv(rot)
    m = np.zeros((2, 3))
    m[:, :2] = inv
    m[:, 2] = c - inv @ (c + t)
    return m


def warp_points(points: np.ndarray, shape: tuple[int, ...], params: dict) -> np.ndarray:
    """Where ``(n, 2)`` ``(x, y)`` pixels of the input land in the output of a ``similarity`` step."""
    m = similarity_matrix(shape, float(params["angle"]), float(params["zoom"]),
                          (float(params.get("shift_x", 0.0)), float(params.get("shift_y", 0.0))))
    full = np.vstack([m, [0.0, 0.0, 1.0]])
    fwd = np.linalg.inv(full)
    pts = np.asarray(points, dtype=np.float64)
    return pts @ fwd[:2, :2].T + fwd[:2, 2]


class Similarity(Step):
    """A similarity transform (``angle`` in [-90, 90] degrees, ``zoom`` in [0.5, 2], shifts in
    [-0.5, 0.5]), mirrored borders, bilinear."""

    kind = "similarity"

    def apply(self, img, params, context):
        from scipy.ndimage import map_coordinates

        angle, zoom = float(params.get("angle", 0.0)), float(params.get("zoom", 1.0))
        sx, sy = float(params.get("shift_x", 0.0)), float(params.get("shift_y", 0.0))
        if not (-90 <= angle <= 90 and 0.5 <= zoom <= 2 and abs(sx) <= 0.5 and abs(sy) <= 0.5):
            raise InputError(f"similarity: angle in [-90, 90], zoom in [0.5, 2], shifts in [-0.5, 0.5]; "
                             f"got {angle}, {zoom}, {sx}, {sy}")
        h, w = img.shape[:2]
        m = similarity_matrix(img.shape, angle, zoom, (sx, sy))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        src_x = m[0, 0] * xx + m[0, 1] * yy + m[0, 2]
        src_y = m[1, 0] * xx + m[1, 1] * yy + m[1, 2]
        x = img.astype(np.float64)
        out = np.stack([map_coordinates(x[..., ch], [src_y, src_x], order=1, mode="mirror")
                        for ch in range(x.shape[2])], axis=2)
        return _to_uint8(out)


MISALIGN_KINDS: dict[str, type[Step]] = {Similarity.kind: Similarity}
