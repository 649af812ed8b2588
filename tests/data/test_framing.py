"""Crop geometry: rotating a face about a point moves its pixels and its landmarks alike."""

from __future__ import annotations

import numpy as np
import pytest

from facesr.data.framing import rotate_crop, rotate_image, rotate_points


def _centroid(img: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(img > 0)
    w = img[ys, xs].astype(np.float64)
    return float((xs * w).sum() / w.sum()), float((ys * w).sum() / w.sum())


@pytest.mark.parametrize("angle", [10.0, -25.0, 3.5])
def test_a_bright_dot_lands_where_rotate_points_puts_it(angle):
    img = np.zeros((218, 178), np.uint8)
    img[40:42, 120:122] = 255  # a 2 x 2 dot centred on (120.5, 40.5) in pixel-centre coordinates
    centre = (89.0, 131.0)
    x, y = _centroid(rotate_image(img, angle, centre))
    px, py = rotate_points(np.array([[120.5, 40.5]]), angle, centre)[0]
    assert abs(x - px) < 0.1 and abs(y - py) < 0.1
    # counter-clockwise on screen: a point above the centre moves left for a positive angle
    assert (px < 120.5) == (angle > 0)


def test_rotation_keeps_size_fills_corners_from_the_image_and_zero_is_identity():
    rng = np.random.default_rng(0)
    img = rng.integers(100, 200, (60, 50, 3), dtype=np.uint8)
    out = rotate_image(img, 20.0, (25.0, 30.0))
    assert out.shape == img.shape and out.dtype == np.uint8
    assert out.min() >= 60  # mirrored border, no black wedges in the corners (bicubic may undershoot a little)
    assert np.array_equal(rotate_image(img, 0.0, (25.0, 30.0)), img)
    labels = rng.integers(0, 5, (60, 50), dtype=np.uint8)
    assert set(np.unique(rotate_image(labels, 12.0, (25.0, 30.0), nearest=True))) <= set(range(5))
    back = rotate_points(rotate_points(np.array([[3.0, 4.0], [40.0, 7.5]]), 17.0, (9.0, 2.0)), -17.0, (9.0, 2.0))
    assert np.allclose(back, [[3.0, 4.0], [40.0, 7.5]])


def _rotate_whole(img: np.ndarray, angle: float, centre: tuple[float, float]) -> np.ndarray:
    """Reference: the whole image mirrored by a wide margin and turned (bicubic), then cut back."""
    from PIL import Image

    m = int(np.ceil(max(img.shape[:2]) * abs(np.sin(np.radians(angle))))) + 2
    padded = np.pad(img, ((m, m), (m, m), (0, 0)), mode="symmetric")
    out = Image.fromarray(padded).rotate(angle, resample=Image.Resampling.BICUBIC,
                                         center=(centre[0] + m, centre[1] + m))
    return np.asarray(out)[m:m + img.shape[0], m:m + img.shape[1]]


def test_rotate_crop_equals_the_crop_of_the_whole_rotated_image():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)
    for _ in range(40):  # boxes near every border, angles well past the training roll
        left, top = int(rng.integers(0, 40)), int(rng.integers(0, 60))
        right, bottom = int(rng.integers(120, 179)), int(rng.integers(150, 219))
        angle = float(rng.normal(0.0, 12.0))
        centre = ((left + right) / 2 + rng.uniform(-5, 5), (top + bottom) / 2 + rng.uniform(-5, 5))
        whole = _rotate_whole(img, angle, centre)
        crop = rotate_crop(img, angle, centre, (left, top, right, bottom))
        assert np.array_equal(crop, whole[top:bottom, left:right])
        assert np.array_equal(rotate_image(img, angle, centre), whole)
    assert np.array_equal(rotate_crop(img, 0.0, (89.0, 109.0), (10, 20, 50, 60)), img[20:60, 10:50])
