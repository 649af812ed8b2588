"""Where a face's parts are, for degradation steps placed on the face (sunglasses, masks, shading).

A step reads ``context["landmarks"]`` (``(68, 2)`` iBUG points or ``(5, 2)`` CelebA points: eyes, nose,
mouth corners; ``(x, y)`` HR pixels) when the caller gives them (:func:`degrade_with_landmarks`), else
the procedural frontal face of :func:`facesr.faces.synthetic.synthetic_landmarks68` at the HR size,
which matches aligned crops to a few pixels. Positions go into the record as fractions of the image
width/height, so a replay needs no landmarks and draws the same shapes at any image size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

#: the 5 CelebA points of an iBUG-68 face: eye centres, nose tip, mouth corners
_FIVE = ((36, 37, 38, 39, 40, 41), (42, 43, 44, 45, 46, 47), (30,), (48,), (54,))


def _five_of(lm68: np.ndarray) -> np.ndarray:
    return np.stack([lm68[list(idx)].mean(0) for idx in _FIVE])


def landmarks68(context: dict[str, Any]) -> np.ndarray:
    """``float64 (68, 2)`` points as fractions of the HR width/height for the step ``context`` (its
    ``hr_size`` and optional ``landmarks``); 5 points are completed by a similarity fit of the template."""
    from ..faces.align import similarity_transform
    from ..faces.synthetic import synthetic_landmarks68

    h, w = (int(v) for v in context["hr_size"])
    template = synthetic_landmarks68(128)
    given = context.get("landmarks")
    if given is None:
        pts = (template + 0.5) / 128.0
    else:
        lm = np.asarray(given, dtype=np.float64)
        if lm.ndim != 2 or lm.shape[1] != 2 or lm.shape[0] not in (5, 68) or not np.isfinite(lm).all():
            raise InputError(f"placed degradations need (68, 2) or (5, 2) finite landmarks, got {lm.shape}")
        if lm.shape[0] == 5:
            m = similarity_transform(_five_of(template), lm)
            lm = template @ m[:, :2].T + m[:, 2]
        pts = (lm + 0.5) / np.array([w, h], dtype=np.float64)
    return pts


def eye_centres(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image-left and image-right eye centres of 68 points (any units)."""
    return pts[36:42].mean(0), pts[42:48].mean(0)


def to_pixels(points: Any, shape: tuple[int, ...]) -> list[tuple[float, float]]:
    """Fractions ``[[x, y], ...]`` -> pixel coordinates of an ``H x W`` image (centre convention)."""
    h, w = shape[:2]
    return [(float(x) * w - 0.5, float(y) * h - 0.5) for x, y in points]


def degrade_with_landmarks(degradation: Any, hr: np.ndarray, rng: np.random.Generator | int | None,
                           landmarks: np.ndarray | None) -> tuple[np.ndarray, dict[str, Any]]:
    """``degradation(hr, rng)`` with ``landmarks`` (HR pixels) in the steps' context, so that placed
    steps follow this face; the same random draws as ``degradation(hr, rng)`` otherwise. A
    :class:`~facesr.degradation.pipeline.Mixture` picks its part first, as it does itself."""
    return degradation(hr, rng, landmarks=landmarks)
