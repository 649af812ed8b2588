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
