"""Horizontal flip of landmarks keeps each index's meaning (68, 5 and 478-point schemes)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from facesr.errors import InputError
from facesr.faces.schemes import FLIP_PERMUTATIONS, flip_landmarks, flip_permutation
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.priors.parsing import flip_parsing, parsing_from_landmarks


@pytest.mark.parametrize("scheme", sorted(FLIP_PERMUTATIONS))
def test_permutations_are_involutions(scheme):
    p = flip_permutation(scheme)
    assert np.array_equal(p[p], np.arange(len(p)))


def test_flip_asymmetric_face():
    size = 128
    lm = synthetic_landmarks68(size, asymmetry=1.0)
    fl = flip_landmarks(lm, size)
    # each region keeps its meaning: the image-left eye (36-41) is still the left one after flipping,
    # and it is the mirror image of the original image-right eye (which sat lower: asymmetric face)
    assert fl[36:42, 0].mean() < fl[42:48, 0].mean()
    mirrored_right_eye = lm[[45, 44, 43, 42, 47, 46]].copy()
    mirrored_right_eye[:, 0] = size - 1 - mirrored_right_eye[:, 0]
    np.testing.assert_allclose(fl[36:42], mirrored_right_eye)
    assert fl[36:42, 1].mean() > lm[36:42, 1].mean()  # the higher eye moved to the right side
    # jaw order runs from image left to image right in both
    assert np.all(np.diff(fl[0:9, 1]) >= 0) and fl[0, 0] < fl[16, 0]
    # mouth corner 48 is the image-left corner
    assert fl[48, 0] < fl[54, 0]
    np.testing.assert_allclose(flip_landmarks(fl, size), lm)


def test_flip_matches_flipped_drawing():
    size = 96
    lm = synthetic_landmarks68(size, asymmetry=1.0)
    drawn_then_flipped = flip_parsing(parsing_from_landmarks(lm, size))
    flipped_then_drawn = parsing_from_landmarks(flip_landmarks(lm, size), size)
    assert np.mean(drawn_then_flipped != flipped_then_drawn) < 0.01


def test_flip_errors():
    with pytest.raises(InputError, match="scheme"):
        flip_landmarks(np.zeros((194, 2)), 100)
    with pytest.raises(InputError, match="name it"):
        flip_landmarks(np.zeros((7, 2)), 100)
    with pytest.raises(InputError, match="has 5 points"):
        flip_landmarks(np.zeros((68, 2)), 100, "dlib5")


def test_celeba5_flip():
    pts = np.array([[40, 50], [90, 52], [65, 80], [45, 100], [85, 104]], dtype=float)
    fl = flip_landmarks(pts, 128, "celeba5")
    assert fl[0, 0] < fl[1, 0] and fl[3, 0] < fl[4, 0]
    np.testing.assert_allclose(fl[0], [127 - 90, 52])


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe not installed")
def test_mesh_flip_respects_regions():
    from facesr.faces.mediapipe_mesh import MESH_FLIP, mesh_connections, mesh_regions

    p = flip_permutation("mediapipe478")
    assert np.array_equal(p, MESH_FLIP) and np.array_equal(p[p], np.arange(478))
    r = mesh_regions()
    for a, b in (("l_eye", "r_eye"), ("l_brow", "r_brow"), ("l_iris", "r_iris")):
        assert sorted(p[r[a]]) == sorted(r[b])
    assert sorted(p[r["outer_lips"]]) == sorted(r["outer_lips"])
    edges = {tuple(sorted(e)) for e in mesh_connections()["FACEMESH_TESSELATION"]}
    kept = sum(tuple(sorted((p[a], p[b]))) in edges for a, b in edges)
    assert kept / len(edges) > 0.99
