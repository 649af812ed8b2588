"""Contact sheets: before/after pairs of many images in one labelled PNG."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def focus_region(shape: tuple[int, int], boxes: Sequence[tuple[float, float, float, float]], scale: int,
                 margin: float = 0.6) -> tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` in the upscaled image around the first face ``box`` (input
    pixels) with ``margin`` x its size on every side; the whole image when there is no face."""
    h, w = shape
    if not boxes:
        return 0, 0, w, h
    left, top, right, bottom = (v * scale for v in boxes[0])
    m = margin * max(right - left, bottom - top)
    return (int(max(0, left - m)), int(max(0, top - m)), int(min(w, right + m)), int(min(h, bottom + m)))


def _fit(img: np.ndarray, cell: int) -> np.ndarray:
    from ..ops.resize import pil_resize_uint8

    h, w = img.shape[:2]
    f = cell / max(h, w)
    if f < 1:
        img = pil_resize_uint8(img, (max(1, round(h * f)), max(1, round(w * f))))
    out = np.full((cell, cell, 3), 255, np.uint8)
    y, x = (cell - img.shape[0]) // 2, (cell - img.shape[1]) // 2
    out[y : y + img.shape[0], x : x + img.shape[1]] = img
    return out


def contact_sheet(items: Sequence[tuple[str, np.ndarray, np.ndarray]], *, cell: int = 160, columns: int = 4,
                  titles: tuple[str, str] = ("bicubic", "enhanced")) -> np.ndarray:
    """uint8 sheet of ``(label, before, after)`` pairs (each fitted into ``cell`` px, downscaled
    only), ``columns`` pairs per row, each pair labelled ``label: titles``."""
    from ..benchmark.figures import _label

    if not items:
        raise ValueError("a contact sheet needs at least one image")
    pairs = []
    for label, before, after in items:
        pair = np.concatenate([_fit(before, cell), np.full((cell, 2, 3), 255, np.uint8), _fit(after, cell)], 1)
        pairs.append(np.pad(_label(pair, f"{label}: {titles[0]} | {titles[1]}"), ((0, 6), (0, 6), (0, 0)),
                            constant_values=255))
    blank = np.full_like(pairs[0], 255)
    rows = []
    for i in range(0, len(pairs), columns):
        row = pairs[i : i + columns]
        row += [blank] * (columns - len(row))
        rows.append(np.concatenate(row, 1))
    return np.concatenate(rows, 0)
