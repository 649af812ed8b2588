"""Occlusion, illumination and misalignment steps (survey §4.7): seeded, recorded, replayable, placed
from landmarks, and the occlusion record gives back the occluded region."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facesr.degradation import build_degradation
from facesr.degradation.face_geometry import degrade_with_landmarks
from facesr.degradation.misalign import warp_points
from facesr.degradation.occlusion import occlusion_mask
from facesr.degradation.steps import make_step
from facesr.errors import InputError
from facesr.faces.synthetic import synthetic_landmarks68


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.kron(rng.integers(40, 220, (16, 16, 3)), np.ones((8, 8, 1))).astype(np.uint8)


@pytest.mark.parametrize("preset", ["occlusion", "illumination", "misalign"])
def test_presets_are_seeded_and_replay_from_json(face, preset):
    deg = build_degradation(preset, 8)
    for seed in range(3):
        lr, rec = deg(face, seed)
        assert lr.shape == (16, 16, 3) and lr.dtype == np.uint8
        again, rec2 = deg(face, seed)
        assert rec == rec2 and np.array_equal(lr, again)
        assert np.array_equal(deg.replay(face, json.loads(json.dumps(rec))), lr)
    records = [deg.sample((128, 128), np.random.default_rng(s)) for s in range(8)]
    assert len({json.dumps(r) for r in records}) > 1  # the draws differ between seeds


def test_each_occluder_changes_only_its_region(face):
    ctx = {"hr_size": [128, 128]}
    for kind in ("occlude_block", "occlude_stroke", "sunglasses", "face_mask"):
        step = make_step({"type": kind, "fill": "color", "color": [255, 0, 255], "opacity": 1.0})
        params = step.sample(np.random.default_rng(1), ctx)
        params["opacity"] = 1.0
        out = step.apply(face, params, ctx)
        region = occlusion_mask({"hr_size": [128, 128], "steps": [{"type": kind, **params}]})
        assert 0.01 < region.mean() < 0.5, kind
        changed = (out != face).any(axis=2)
        assert not changed[~region].any(), kind
        if kind != "sunglasses":  # its colour is its own dark tint
            assert (out[region] == [255, 0, 255]).all(), kind


def test_occlusion_mask_scales_to_any_size(face):
    deg = build_degradation("occlusion", 4)
    _, rec = deg(face, 3)
    full, half = occlusion_mask(rec), occlusion_mask(rec, (64, 64))
    assert full.shape == (128, 128) and half.shape == (64, 64)
    assert abs(full.mean() - half.mean()) < 0.03
    assert not occlusion_mask(build_degradation("bicubic", 4)(face, 0)[1]).any()


def test_sunglasses_and_shading_follow_the_given_landmarks(face):
    lm = synthetic_landmarks68(128)
    moved = lm + [20.0, 12.0]
    deg = build_degradation([{"type": "sunglasses"}, {"type": "shading"}])
    _, a = degrade_with_landmarks(deg, face, 5, lm)
    _, b = degrade_with_landmarks(deg, face, 5, moved)
    _, plain = deg(face, 5)
    assert a == plain  # no landmarks = the template face
    la, lb = np.array(a["steps"][0]["lenses"]), np.array(b["steps"][0]["lenses"])
    np.testing.assert_allclose(lb[:, 0] - la[:, 0], 20 / 128, atol=1e-5)
    np.testing.assert_allclose(lb[:, 1] - la[:, 1], 12 / 128, atol=1e-5)
    ca, cb = np.array(a["steps"][1]["centre"]), np.array(b["steps"][1]["centre"])
    np.testing.assert_allclose(cb - ca, [20 / 128, 12 / 128], atol=1e-5)
    five = np.stack([lm[36:42].mean(0), lm[42:48].mean(0), lm[30], lm[48], lm[54]]) + [20.0, 12.0]
    _, c = degrade_with_landmarks(deg, face, 5, five)
    np.testing.assert_allclose(np.array(c["steps"][0]["lenses"]), lb, atol=2e-3)
    with pytest.raises(InputError, match=r"\(68, 2\) or \(5, 2\)"):
        degrade_with_landmarks(deg, face, 5, np.zeros((7, 2)))


def test_illumination_steps_do_what_they_say(face):
    ctx = {"hr_size": [128, 128]}
    dark = make_step({"type": "low_light"}).apply(face, {"exposure": 0.2}, ctx)
    assert dark.mean() < 0.6 * face.mean()
    warm = make_step({"type": "color_cast"}).apply(face, {"gains": [1.3, 1.0, 0.7]}, ctx).astype(float)
    assert warm[..., 0].mean() > face[..., 0].mean() and warm[..., 2].mean() < face[..., 2].mean()
    flat = np.full((128, 128, 3), 200, np.uint8)
    lit = make_step({"type": "shading"}).apply(flat, {"centre": [0.5, 0.5], "angle": 0.0, "width": 0.2,
                                                      "strength": 0.8}, ctx)
    assert lit[64, 5, 0] > 190 and lit[64, 122, 0] < 60  # light from image-left, dark on the right
    g = make_step({"type": "gamma"}).apply(flat, {"gamma": 2.0}, ctx)
    assert g[0, 0, 0] == round(255 * (200 / 255) ** 2)
    with pytest.raises(InputError, match="gamma must be"):
        make_step({"type": "gamma"}).apply(flat, {"gamma": 9.0}, ctx)
    with pytest.raises(InputError, match="color_cast: gains"):
        make_step({"type": "color_cast"}).apply(flat, {"gains": [5, 1, 1]}, ctx)


def test_similarity_moves_points_as_it_moves_pixels():
    img = np.zeros((128, 128, 3), np.uint8)
    img[30:34, 90:94] = 255  # a bright dot at (91.5, 31.5)
    params = {"angle": 20.0, "zoom": 1.1, "shift_x": 0.05, "shift_y": -0.03}
    out = make_step({"type": "similarity"}).apply(img, params, {"hr_size": [128, 128]})
    ys, xs = np.nonzero(out[..., 0] > 60)
    expect = warp_points(np.array([[91.5, 31.5]]), img.shape, params)[0]
    assert abs(xs.mean() - expect[0]) < 1.0 and abs(ys.mean() - expect[1]) < 1.0
    assert expect[1] < 31.5  # counter-clockwise: a point right of the centre moves up
    ident = make_step({"type": "similarity"}).apply(img, {"angle": 0, "zoom": 1.0}, {"hr_size": [128, 128]})
    assert np.array_equal(ident, img)
    with pytest.raises(InputError, match="similarity: angle"):
        make_step({"type": "similarity"}).apply(img, {"angle": 120, "zoom": 1}, {})


def test_unknown_kinds_and_shapes_are_one_line_errors():
    with pytest.raises(InputError, match="unknown degradation step 'nope'.*occlude.*similarity"):
        make_step({"type": "nope"})
    with pytest.raises(InputError, match="unknown occlusion shape 'hat'"):
        make_step({"type": "occlude", "shape": "hat"}).sample(np.random.default_rng(0), {"hr_size": [8, 8]})
