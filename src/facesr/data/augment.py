"""Augmentations that keep annotations consistent with the pixels.

A horizontal flip mirrors the HR (and LR) image, mirrors landmarks *and re-orders them* so that
each index keeps its meaning (:func:`facesr.faces.schemes.flip_landmarks`), and swaps left/right
parsing classes (:func:`facesr.priors.parsing.flip_parsing`).
"""

from __future__ import annotations

import numpy as np

from ..faces.schemes import flip_landmarks
from ..priors.parsing import flip_parsing
from .source import FaceSample


def hflip(sample: FaceSample) -> FaceSample:
    """The horizontally mirrored sample (image, LR, landmarks, parsing)."""
    w = sample.hr.shape[1]
    return sample.replace(
        hr=np.ascontiguousarray(sample.hr[:, ::-1]),
        lr=None if sample.lr is None else np.ascontiguousarray(sample.lr[:, ::-1]),
        landmarks=None if sample.landmarks is None else flip_landmarks(sample.landmarks, w, sample.scheme),
        parsing=None if sample.parsing is None else np.ascontiguousarray(flip_parsing(sample.parsing)),
        extra={**sample.extra, "flipped": not sample.extra.get("flipped", False)},
    )


class Augment:
    """Random augmentation drawn from a per-sample generator: horizontal flip with probability ``flip``."""

    def __init__(self, flip: float = 0.5):
        if not 0.0 <= flip <= 1.0:
            raise ValueError(f"flip probability must be in [0, 1], got {flip}")
        self.flip = flip

    def __call__(self, sample: FaceSample, rng: np.random.Generator) -> FaceSample:
        if self.flip > 0 and rng.random() < self.flip:
            sample = hflip(sample)
        return sample


def jitter_box(box: tuple[int, int, int, int], image_size: tuple[int, int], shift: tuple[float, float],
               zoom: float, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """``box`` (left, top, right, bottom) moved by ``U(-shift, shift)`` pixels along x and y and scaled
    by ``1 + U(-zoom, zoom)`` about its centre, rounded to whole pixels and kept inside the
    ``(width, height)`` image (framing jitter: test crops are not all framed alike)."""
    left, top, right, bottom = box
    width, height = image_size
    f = 1.0 + rng.uniform(-zoom, zoom) if zoom > 0 else 1.0
    dx = rng.uniform(-shift[0], shift[0]) if shift[0] > 0 else 0.0
    dy = rng.uniform(-shift[1], shift[1]) if shift[1] > 0 else 0.0
    bw = min(max(1, round((right - left) * f)), width)
    bh = min(max(1, round((bottom - top) * f)), height)
    cx, cy = (left + right) / 2 + dx, (top + bottom) / 2 + dy
    x0 = int(min(max(round(cx - bw / 2), 0), width - bw))
    y0 = int(min(max(round(cy - bh / 2), 0), height - bh))
    return x0, y0, x0 + bw, y0 + bh
