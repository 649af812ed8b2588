"""Identity priors (survey §3.4): contiguous identity labels and dlib 128-d face descriptors.

No ArcFace-class network is obtainable offline (offline_weights.md §7); descriptors come from
dlib's ResNet (:mod:`facesr.faces.dlib_models`): same person when the Euclidean distance is
below about 0.6.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..errors import InputError


class IdentityIndex:
    """Identity label (string) <-> contiguous class index ``0 .. n-1`` (labels sorted, numerically
    when they are all integers)."""

    def __init__(self, labels: Iterable[str | None]):
        unique = {str(x) for x in labels if x is not None}
        key = (lambda s: (0, int(s), s)) if all(s.isdigit() for s in unique) else (lambda s: (0, 0, s))
        self.labels: list[str] = sorted(unique, key=key)
        self._index = {label: i for i, label in enumerate(self.labels)}

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, label: object) -> bool:
        return str(label) in self._index

    def index(self, label: str) -> int:
        try:
            return self._index[str(label)]
        except KeyError:
            raise InputError(f"unknown identity {label!r}") from None

    def label(self, index: int) -> str:
        return self.labels[index]


def identity_embedding(image: np.ndarray, box: tuple[int, int, int, int] | None = None,
                       landmarks: np.ndarray | None = None) -> np.ndarray:
    """``float64 (128,)`` dlib descriptor of the face in ``image`` (``uint8 H x W x 3`` RGB).

    ``box``: the face box ``(left, top, right, bottom)``; default: the whole image (for aligned,
    tightly cropped faces). ``landmarks``: 5 or 68 points used to align the face
    chip; default: dlib's 5-point model inside ``box``.
    """
    from ..faces import dlib_models

    if box is None:
        h, w = np.asarray(image).shape[:2]
        box = (0, 0, w - 1, h - 1)
    return dlib_models.face_descriptor(image, box, landmarks)


def descriptor_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance of two 128-d descriptors (dlib: same person below about 0.6)."""
    return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
