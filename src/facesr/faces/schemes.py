"""Landmark schemes: point order, facial regions and the horizontal-flip correspondence.

Coordinates everywhere in facesr are ``(x, y)`` pixels with ``(0, 0)`` the centre of the top-left
pixel. "Left"/"right" in region names are the **image's** left/right (viewer's side) for an
unflipped photo, the convention of the parsing classes (:mod:`facesr.priors.parsing`).

Schemes:

* ``ibug68`` — iBUG 300-W / dlib 68 points: jaw 0-16, brows 17-21 / 22-26, nose 27-35, eyes
  36-41 / 42-47, outer lips 48-59, inner lips 60-67.
* ``dlib5`` — dlib's 5 points: eye corners (image-right eye outer, inner; image-left eye outer,
  inner), nose base.
* ``celeba5`` — CelebA's 5 points: left eye, right eye, nose, left mouth corner, right mouth corner
  (image sides).
* ``mediapipe478`` — MediaPipe face mesh with irises; regions and flip are read from the installed
  ``mediapipe`` package (see :mod:`facesr.faces.mediapipe_mesh`).
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def _mirror(pairs: list[tuple[int, int]], n: int) -> np.ndarray:
    perm = np.arange(n)
    for a, b in pairs:
        perm[a], perm[b] = b, a
    return perm


_IBUG68_PAIRS = (
    [(i, 16 - i) for i in range(8)]                                     # jaw
    + [(17 + i, 26 - i) for i in range(5)]                              # brows
    + [(31, 35), (32, 34)]                                              # nostrils
    + [(36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]      # eyes
    + [(48, 54), (49, 53), (50, 52), (55, 59), (56, 58)]                # outer lips
    + [(60, 64), (61, 63), (65, 67)]                                    # inner lips
)

#: Index of the mirrored point for each point, per scheme (``flip_landmarks`` uses these).
FLIP_PERMUTATIONS: dict[str, np.ndarray] = {
    "ibug68": _mirror(_IBUG68_PAIRS, 68),
    "dlib5": _mirror([(0, 2), (1, 3)], 5),
    "celeba5": _mirror([(0, 1), (3, 4)], 5),
}

#: Facial regions of the 68-point scheme (image sides).
IBUG68_REGIONS: dict[str, list[int]] = {
    "jaw": list(range(0, 17)),
    "l_brow": list(range(17, 22)),
    "r_brow": list(range(22, 27)),
    "nose": list(range(27, 36)),
    "l_eye": list(range(36, 42)),
    "r_eye": list(range(42, 48)),
    "outer_lips": list(range(48, 60)),
    "inner_lips": list(range(60, 68)),
    "u_lip": [48, 49, 50, 51, 52, 53, 54, 64, 63, 62, 61, 60],
    "l_lip": [54, 55, 56, 57, 58, 59, 48, 60, 67, 66, 65, 64],
}

#: Heatmap groups in the style of DIC (eyes, nose, mouth, contour), 68-point scheme.
IBUG68_GROUPS: dict[str, list[int]] = {
    "l_eye": list(range(17, 22)) + list(range(36, 42)),
    "r_eye": list(range(22, 27)) + list(range(42, 48)),
    "nose": list(range(27, 36)),
    "mouth": list(range(48, 68)),
    "contour": list(range(0, 17)),
}

SCHEME_SIZES = {"ibug68": 68, "dlib5": 5, "celeba5": 5, "mediapipe478": 478, "helen194": 194}


def scheme_of(n_points: int, scheme: str | None = None) -> str:
    """``scheme`` checked against the point count, or the default scheme for that count."""
    if scheme is not None:
        expected = SCHEME_SIZES.get(scheme)
        if expected is not None and expected != n_points:
            raise InputError(f"landmark scheme {scheme} has {expected} points, got {n_points}")
        return scheme
    defaults = {68: "ibug68", 478: "mediapipe478", 194: "helen194"}
    if n_points not in defaults:
        raise InputError(f"cannot tell the scheme of {n_points} landmarks; name it (e.g. dlib5, celeba5)")
    return defaults[n_points]


def flip_permutation(scheme: str) -> np.ndarray:
    """Index array ``p`` such that ``flipped[i] = mirrored(points[p[i]])`` for the scheme."""
    if scheme == "mediapipe478":
        from .mediapipe_mesh import mesh_flip_permutation

        return mesh_flip_permutation()
    if scheme not in FLIP_PERMUTATIONS:
        raise InputError(f"no flip correspondence known for landmark scheme {scheme!r} "
                         f"(known: {', '.join([*FLIP_PERMUTATIONS, 'mediapipe478'])})")
    return FLIP_PERMUTATIONS[scheme]


def flip_landmarks(landmarks: np.ndarray, width: int, scheme: str | None = None) -> np.ndarray:
    """Landmarks of the horizontally flipped image (``width`` pixels wide): ``x -> width - 1 - x``,
    and points re-ordered so each index keeps its meaning (left eye stays "left eye")."""
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InputError(f"landmarks must be an (n, 2) array, got shape {pts.shape}")
    perm = flip_permutation(scheme_of(len(pts), scheme))
    mirrored = pts.copy()
    mirrored[:, 0] = (width - 1) - mirrored[:, 0]
    return mirrored[perm]
