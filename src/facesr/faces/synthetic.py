"""A procedural 68-point face (iBUG order) for drawings, documentation and tests.

The face is laid out in a 128 x 128 frame and scaled to ``size``; ``asymmetry`` > 0 moves the
image-left eye and brow up and the image-right mouth corner down, so left and right differ.
"""

from __future__ import annotations

import numpy as np

_EYE = np.array([[-10, 0], [-4, -4], [4, -4], [10, 0], [4, 4], [-4, 4]], dtype=np.float64)


def synthetic_landmarks68(size: int = 128, asymmetry: float = 0.0) -> np.ndarray:
    """``float64 (68, 2)`` ``(x, y)`` landmarks of a frontal synthetic face in a ``size`` frame."""
    t = np.linspace(np.pi, 0.0, 17)
    jaw = np.stack([64 + 44 * np.cos(t), 50 + 62 * np.sin(t)], axis=1)
    u = np.linspace(0.0, 1.0, 5)
    brow_l = np.stack([30 + 26 * u, 40 - 4 * np.sin(np.pi * u)], axis=1)
    brow_r = np.stack([72 + 26 * u, 40 - 4 * np.sin(np.pi * u)], axis=1)
    bridge = np.stack([np.full(4, 64.0), [48.0, 56.0, 64.0, 72.0]], axis=1)
    nostrils = np.array([[54, 76], [59, 78], [64, 79], [69, 78], [74, 76]], dtype=np.float64)
    eye_l = _EYE + [44, 54]
    eye_r = _EYE + [84, 54]
    outer = np.array([[46, 94], [52, 90], [58, 88], [64, 89], [70, 88], [76, 90], [82, 94],
                      [76, 99], [70, 101], [64, 102], [58, 101], [52, 99]], dtype=np.float64)
    inner = np.array([[49, 94], [57, 92], [64, 92], [71, 92], [79, 94], [71, 96], [64, 97], [57, 96]],
                     dtype=np.float64)
    lm = np.concatenate([jaw, brow_l, brow_r, bridge, nostrils, eye_l, eye_r, outer, inner])
    if asymmetry:
        lm[36:42, 1] -= 4 * asymmetry       # image-left eye higher
        lm[17:22, 1] -= 5 * asymmetry       # and its brow
        lm[36:42, 0] -= 2 * asymmetry       # and further out
        lm[54, 1] += 3 * asymmetry          # image-right mouth corner lower
        lm[64, 1] += 3 * asymmetry
    return (lm + 0.5) * (size / 128.0) - 0.5
