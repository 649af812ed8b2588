"""Heatmap peaks sit on their landmarks; heatmaps -> points; grouping."""

from __future__ import annotations

import numpy as np
import pytest

from facesr.errors import InputError
from facesr.faces.schemes import IBUG68_GROUPS
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.priors.heatmaps import group_heatmaps, heatmaps_to_landmarks, landmark_heatmaps


def test_peaks_within_half_pixel():
    rng = np.random.default_rng(0)
    pts = rng.uniform(2, 61, size=(50, 2))
    hm = landmark_heatmaps(pts, 64, sigma=1.5)
    assert hm.shape == (50, 64, 64) and hm.dtype == np.float32
    for k in range(50):
        y, x = divmod(int(np.argmax(hm[k])), 64)
        assert abs(x - pts[k, 0]) <= 0.5 and abs(y - pts[k, 1]) <= 0.5
    assert hm.max() <= 1.0
    np.testing.assert_allclose(heatmaps_to_landmarks(hm), pts, atol=1e-4)


def test_integer_points_peak_one_and_sigma():
    hm = landmark_heatmaps(np.array([[10.0, 20.0]]), (40, 30), sigma=2.0)
    assert hm.shape == (1, 40, 30)
    assert hm[0, 20, 10] == pytest.approx(1.0)
    assert hm[0, 20, 12] == pytest.approx(np.exp(-4 / 8), rel=1e-6)  # 2 px = 1 sigma
    np.testing.assert_allclose(heatmaps_to_landmarks(hm)[0], [10, 20], atol=1e-9)


def test_stride_maps_hr_points_to_small_maps():
    lm = synthetic_landmarks68(128)
    small = landmark_heatmaps(lm, 32, sigma=1.0, scale=4)
    back = (heatmaps_to_landmarks(small) + 0.5) * 4 - 0.5
    assert np.abs(back - lm).max() < 1e-3


def test_outside_and_nan_points_and_errors():
    hm = landmark_heatmaps(np.array([[np.nan, 3.0], [500.0, 500.0]]), 16)
    assert np.all(hm == 0)
    assert np.isnan(heatmaps_to_landmarks(hm)).all()
    with pytest.raises(InputError):
        landmark_heatmaps(np.zeros((3, 3)), 16)
    with pytest.raises(InputError):
        landmark_heatmaps(np.zeros((3, 2)), 16, sigma=0)


def test_grouped_heatmaps():
    lm = synthetic_landmarks68(64)
    hm = landmark_heatmaps(lm, 64)
    g = group_heatmaps(hm, IBUG68_GROUPS)
    assert g.shape == (5, 64, 64)
    np.testing.assert_array_equal(g[3], hm[48:68].max(0))
