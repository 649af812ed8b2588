"""Degradations are seeded, replayable, and the blind preset draws from the Table 8 ranges."""

from __future__ import annotations

import numpy as np
import pytest

from facesr.degradation import build_degradation, gaussian_kernel, image_seed, motion_kernel
from facesr.errors import InputError, UnknownNameError
from facesr.metrics import get_protocol


@pytest.fixture
def face():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    from facesr.ops import imresize

    return imresize(base, 8)


def test_bicubic_preset_equals_protocol_lr(face):
    lr, rec = build_degradation("bicubic", 8)(face, 0)
    assert lr.shape == (16, 16, 3) and lr.dtype == np.uint8
    assert np.array_equal(lr, get_protocol("facesr").make_lr(face, 8))
    assert rec["steps"] == [{"type": "resize", "scale": 8, "kernel": "matlab"}]
    lr_pil, _ = build_degradation("bicubic", 8, kernel="pil")(face, 0)
    assert np.array_equal(lr_pil, get_protocol("survey").make_lr(face, 8))


def test_same_seed_same_bytes_different_seed_differs(face):
    deg = build_degradation("blind", 4)
    a, ra = deg(face, 123)
    b, rb = deg(face, 123)
    c, rc = deg(face, 124)
    assert a.tobytes() == b.tobytes() and ra == rb
    assert ra != rc and (a.shape != c.shape or a.tobytes() != c.tobytes())
    assert np.array_equal(deg.replay(face, ra), a)


def test_blind_ranges(face):
    deg = build_degradation("blind")
    scales, sigmas, qualities, kernels = set(), set(), set(), set()
    for seed in range(300):
        rec = deg.sample(face.shape[:2], np.random.default_rng(seed))
        blur, resize, noise, jpeg = rec["steps"]
        kernels.add(blur["kernel"])
        if blur["kernel"] == "gaussian":
            assert 1.0 <= blur["sigma"] <= 3.0
        else:
            assert 5 <= blur["length"] <= 15 and 0 <= blur["angle"] <= 345
        assert 1.0 <= resize["scale"] <= 8.0
        assert abs(resize["scale"] * 10 - round(resize["scale"] * 10)) < 1e-9
        assert noise["sigma"] in range(16)
        assert 10 <= jpeg["quality"] <= 60
        scales.add(resize["scale"])
        sigmas.add(noise["sigma"])
        qualities.add(jpeg["quality"])
    assert kernels == {"gaussian", "motion"}
    assert min(scales) < 1.5 and max(scales) > 7.5 and len(scales) > 50
    assert sigmas == set(range(16))
    assert min(qualities) <= 12 and max(qualities) >= 58
    fixed = build_degradation("blind", 4).sample(face.shape[:2], np.random.default_rng(0))
    assert fixed["steps"][1]["scale"] == 4


def test_blind_output_size_and_back(face):
    lr, rec = build_degradation("blind", 8)(face, 5)
    assert lr.shape == (16, 16, 3)
    back, _ = build_degradation("blind", 8, back=True)(face, 5)
    assert back.shape == face.shape


def test_kernels_are_normalised():
    for k in (gaussian_kernel(1.5), gaussian_kernel(2.0, 0.7, 0.5), motion_kernel(9, 30), motion_kernel(1, 0)):
        assert abs(k.sum() - 1) < 1e-12 and k.shape[0] % 2 == 1
    g = gaussian_kernel(1.0)
    c = g.shape[0] // 2
    assert g[c, c] == g.max() and np.allclose(g, g.T)


def test_errors(face):
    with pytest.raises(UnknownNameError, match="did you mean blind"):
        build_degradation("blnd", 4)
    with pytest.raises(InputError, match="needs a scale"):
        build_degradation("bicubic")
    with pytest.raises(InputError, match="does not fit"):
        build_degradation("bicubic", 200)(face, 0)
    with pytest.raises(InputError, match="uint8"):
        build_degradation("bicubic", 2)(face.astype(np.float32), 0)
    with pytest.raises(InputError, match="unknown degradation step"):
        build_degradation([{"type": "sharpen"}])


def test_image_seed_is_order_independent():
    assert image_seed(3, "a/b.png") == image_seed(3, "a/b.png")
    assert image_seed(3, "a/b.png") != image_seed(4, "a/b.png") != image_seed(3, "a/c.png")
