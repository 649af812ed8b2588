"""Cropping and resizing a face image together with its annotations.

A crop box is ``(left, top, right, bottom)`` in pixel-edge coordinates (PIL's convention: the box
``(20, 62, 154, 196)`` is 134 x 134 pixels). Landmarks use pixel-centre coordinates, so a point
moves as ``x' = (x + 0.5 - left) * out_w / (right - left) - 0.5``. Parsing maps are resized with
nearest neighbour so that class ids stay valid.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..ops import imresize


def crop_resize(image: np.ndarray, box: tuple[int, int, int, int] | None, size: int | tuple[int, int], *,
                kernel: str = "matlab", landmarks: np.ndarray | None = None,
                parsing: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Crop ``box`` (``None``: whole image) and resize to ``size`` (bicubic, ``kernel`` of
    :func:`facesr.ops.imresize`); returns ``(image uint8, landmarks, parsing)`` moved alike.

    The parsing map may have another resolution than the image (CelebAMask-HQ: 512 vs 1024); the
    box is scaled to it.
    """
    img = np.asarray(image)
    h, w = img.shape[:2]
    out_h, out_w = (size, size) if isinstance(size, int) else size
    left, top, right, bottom = (0, 0, w, h) if box is None else box
    if not (0 <= left < right <= w and 0 <= top < bottom <= h):
        raise InputError(f"crop box {box} does not fit in a {w} x {h} image")
    crop = img[top:bottom, left:right]
    if crop.shape[:2] != (out_h, out_w):
        crop = imresize(crop, size=(out_h, out_w), kernel=kernel)
        crop = np.clip(np.rint(crop), 0, 255).astype(np.uint8) if crop.dtype != np.uint8 else crop
    lm = None
    if landmarks is not None:
        lm = np.asarray(landmarks, dtype=np.float64).copy()
        lm[:, 0] = (lm[:, 0] + 0.5 - left) * out_w / (right - left) - 0.5
        lm[:, 1] = (lm[:, 1] + 0.5 - top) * out_h / (bottom - top) - 0.5
    par = None
    if parsing is not None:
        p = np.asarray(parsing)
        ph, pw = p.shape[:2]
        sx, sy = pw / w, ph / h
        pl, pr = int(round(left * sx)), int(round(right * sx))
        pt, pb = int(round(top * sy)), int(round(bottom * sy))
        pc = p[pt:pb, pl:pr]
        # nearest neighbour, sampling at output pixel centres
        ys = np.minimum(((np.arange(out_h) + 0.5) * pc.shape[0] / out_h).astype(int), pc.shape[0] - 1)
        xs = np.minimum(((np.arange(out_w) + 0.5) * pc.shape[1] / out_w).astype(int), pc.shape[1] - 1)
        par = pc[ys][:, xs]
    return crop, lm, par


def rotate_points(points: np.ndarray, angle: float, centre: tuple[float, float]) -> np.ndarray:
    """``(n, 2)`` (x, y) pixel-centre points moved as by :func:`rotate_image` (``angle`` degrees,
    counter-clockwise on screen, about ``centre`` in pixel-edge coordinates)."""
    p = np.asarray(points, dtype=np.float64)
    t = np.radians(angle)
    c, s = np.cos(t), np.sin(t)
    dx, dy = p[:, 0] + 0.5 - centre[0], p[:, 1] + 0.5 - centre[1]
    return np.stack([centre[0] + c * dx + s * dy - 0.5, centre[1] - s * dx + c * dy - 0.5], axis=1)


def rotate_image(image: np.ndarray, angle: float, centre: tuple[float, float], *, nearest: bool = False) -> np.ndarray:
    """``image`` (uint8 H x W or H x W x C) rotated by ``angle`` degrees counter-clockwise on screen about
    ``centre`` (x, y, pixel-edge coordinates); same size; bicubic (``nearest``: nearest neighbour, for
    label maps). Corners that come from outside the image are filled by mirroring its border, so a
    crop near the edge shows no black wedges."""
    img = np.asarray(image)
    return rotate_crop(img, angle, centre, (0, 0, img.shape[1], img.shape[0]), nearest=nearest)


def rotate_crop(image: np.ndarray, angle: float, centre: tuple[float, float],
                box: tuple[int, int, int, int], *, nearest: bool = False) -> np.ndarray:
    """``rotate_image(image, angle, centre, nearest=nearest)[top:bottom, left:right]`` for an integer
    ``box`` inside the image, computed over the window that the box's pixels come from only (a face
    crop of CelebA: about 2.5 times fewer pixels to rotate than the whole image). The image is
    mirrored beyond its border as far as that window reaches."""
    from PIL import Image

    img = np.asarray(image)
    left, top, right, bottom = (int(v) for v in box)
    if angle == 0:
        return img[top:bottom, left:right].copy()
    h, w = img.shape[:2]
    cx, cy = centre
    t = np.radians(angle)
    c, s = abs(np.cos(t)), abs(np.sin(t))
    # the box turned back about the centre, bounded, plus the bicubic kernel's reach
    hw, hh = max(abs(left - cx), abs(right - cx)), max(abs(top - cy), abs(bottom - cy))
    ex, ey = max(hw * c + hh * s, hw), max(hw * s + hh * c, hh)
    x0, x1 = int(np.floor(cx - ex)) - 3, int(np.ceil(cx + ex)) + 3
    y0, y1 = int(np.floor(cy - ey)) - 3, int(np.ceil(cy + ey)) + 3
    margin = max(0, -x0, -y0, x1 - w, y1 - h)
    if margin:
        pad = ((margin, margin), (margin, margin)) + ((0, 0),) * (img.ndim - 2)
        img = np.pad(img, pad, mode="symmetric")
    window = np.ascontiguousarray(img[y0 + margin:y1 + margin, x0 + margin:x1 + margin])
    resample = Image.Resampling.NEAREST if nearest else Image.Resampling.BICUBIC
    out = np.asarray(Image.fromarray(window).rotate(angle, resample=resample, center=(cx - x0, cy - y0)))
    return out[top - y0:bottom - y0, left - x0:right - x0]
