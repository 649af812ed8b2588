"""Parsing maps drawn from landmarks cover the regions their landmarks enclose."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from facesr.errors import InputError
from facesr.faces.schemes import IBUG68_REGIONS
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.priors.parsing import (
    CLASS_ID,
    LANDMARK_CLASSES,
    convex_hull,
    flip_parsing,
    parsing_from_landmarks,
    parsing_onehot,
)


def _geometry(poly: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(inside by the even-odd rule, distance to the outline) at every pixel centre."""
    ys, xs = np.mgrid[:size, :size].astype(float)
    inside = np.zeros(xs.shape, bool)
    dist = np.full(xs.shape, np.inf)
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        inside ^= ((y1 > ys) != (y2 > ys)) & (xs < (x2 - x1) * (ys - y1) / (y2 - y1 + 1e-12) + x1)
        d = np.array([x2 - x1, y2 - y1])
        t = np.clip(((xs - x1) * d[0] + (ys - y1) * d[1]) / max(d @ d, 1e-12), 0, 1)
        dist = np.minimum(dist, np.hypot(xs - x1 - t * d[0], ys - y1 - t * d[1]))
    return inside, dist


def _inside(poly: np.ndarray, size: int, margin: float) -> np.ndarray:
    inside, dist = _geometry(poly, size)
    return inside & (dist > margin)


def _outside(poly: np.ndarray, size: int, margin: float) -> np.ndarray:
    inside, dist = _geometry(poly, size)
    return ~inside & (dist > margin)


@pytest.mark.parametrize("size", [64, 128, 256])
def test_regions_cover_their_landmark_polygons(size):
    lm = synthetic_landmarks68(size, asymmetry=1.0)
    p = parsing_from_landmarks(lm, size)
    assert p.dtype == np.uint8 and p.shape == (size, size)
    assert set(np.unique(p)) <= set(LANDMARK_CLASSES)
    r = IBUG68_REGIONS
    for name, idx in (("l_eye", r["l_eye"]), ("r_eye", r["r_eye"]), ("mouth", r["inner_lips"]),
                      ("u_lip", r["u_lip"]), ("l_lip", r["l_lip"])):
        mask = _inside(lm[idx], size, margin=0.75)
        assert mask.sum() > 0
        assert np.all(p[mask] == CLASS_ID[name]), name
        # and the class does not spill far outside its outline
        assert not np.any(p[_outside(lm[idx], size, 1.0)] == CLASS_ID[name]), name
    hull = convex_hull(lm[r["nose"]])
    assert np.all(np.isin(p[_inside(hull, size, 0.75)], [CLASS_ID["nose"]]))
    # the face region: everything inside the jaw line is face (skin or a facial part), outside is background
    face = _inside(lm[0:17], size, 0.75)
    assert np.all(p[face] != 0)
    assert p[0, 0] == 0 and p[-1, -1] == 0


def test_flip_swaps_sides_and_onehot():
    lm = synthetic_landmarks68(64)
    p = parsing_from_landmarks(lm, 64)
    f = flip_parsing(p)
    assert (f == CLASS_ID["l_eye"]).sum() == (p == CLASS_ID["r_eye"]).sum()
    oh = parsing_onehot(p)
    assert oh.shape == (19, 64, 64) and np.all(oh.sum(0) == 1)
    with pytest.raises(InputError):
        parsing_from_landmarks(np.zeros((5, 2)), 64, "dlib5")


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe not installed")
def test_478_regions_from_mesh():
    from facesr.faces.mediapipe_mesh import mesh_regions

    r = mesh_regions()
    # a synthetic mesh: place each region's outline on a circle/ellipse where its 68-point twin is
    lm68 = synthetic_landmarks68(128)
    pts = np.full((478, 2), 64.0)

    def ring(idx, centre, rx, ry):
        t = np.linspace(0, 2 * np.pi, len(idx), endpoint=False)
        pts[idx] = np.stack([centre[0] + rx * np.cos(t), centre[1] + ry * np.sin(t)], 1)

    ring(r["face_oval"], (64, 60), 50, 58)
    ring(r["l_eye"], lm68[36:42].mean(0), 9, 4)
    ring(r["r_eye"], lm68[42:48].mean(0), 9, 4)
    ring(r["l_brow"], lm68[17:22].mean(0), 12, 2)
    ring(r["r_brow"], lm68[22:27].mean(0), 12, 2)
    ring(r["outer_lips"], (64, 95), 18, 8)
    ring(r["inner_lips"], (64, 95), 12, 3)
    ring(r["nose"], (64, 68), 7, 10)
    p = parsing_from_landmarks(pts, 128, "mediapipe478")
    el, er = lm68[36:42].mean(0).round().astype(int), lm68[42:48].mean(0).round().astype(int)
    assert p[el[1], el[0]] == CLASS_ID["l_eye"] and p[er[1], er[0]] == CLASS_ID["r_eye"]
    assert p[95, 64] == CLASS_ID["mouth"]
    assert p[89, 64] == CLASS_ID["u_lip"] and p[101, 64] == CLASS_ID["l_lip"]
    assert p[68, 64] == CLASS_ID["nose"] and p[2, 2] == 0 and p[80, 30] == CLASS_ID["skin"]
