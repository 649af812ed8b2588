"""The real-world (second-order) and old-photo presets: seeded, recorded, replayable; LR sizes follow the
sampled overall scale; new kernels and steps; crafted parameters are clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facesr.degradation import build_degradation
from facesr.degradation.kernels import gaussian_kernel, motion_kernel, sinc_kernel
from facesr.errors import InputError


@pytest.fixture(scope="module")
def hr():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (16, 16, 3)).astype(np.uint8)
    return np.kron(base, np.ones((8, 8, 1), np.uint8))  # 128 x 128, some structure


@pytest.mark.parametrize("preset", ["realworld", "oldphoto"])
def test_seeded_recorded_replayable(hr, preset):
    d = build_degradation(preset)
    sizes = set()
    for seed in range(12):
        lr, rec = d(hr, seed)
        lr2, rec2 = d(hr, seed)
        assert np.array_equal(lr, lr2) and rec == rec2
        assert np.array_equal(d.replay(hr, json.loads(json.dumps(rec))), lr)
        total = next(s["scale"] for s in rec["steps"] if s["type"] == "resize_to")
        assert 1.0 <= total <= 8.0 and lr.shape[0] == round(128 / total)
        sizes.add(lr.shape[0])
    assert len(sizes) > 3 and min(sizes) >= 16 and max(sizes) <= 128


def test_steps_with_a_probability_are_sometimes_left_out(hr):
    d = build_degradation("realworld")
    counts = [len(d(hr, s)[1]["steps"]) for s in range(20)]
    assert min(counts) < max(counts) <= 9


def test_back_gives_the_hr_size_and_fixed_scale(hr):
    lr, rec = build_degradation("realworld", 4, back=True)(hr, 1)
    assert lr.shape == hr.shape and rec["steps"][-1]["type"] == "resize_back"
    lr, _ = build_degradation("realworld", 4)(hr, 1)
    assert lr.shape == (32, 32, 3)


def test_oldphoto_is_toned(hr):
    lr, rec = build_degradation("oldphoto", 2)(hr, 0)
    tone = rec["steps"][0]
    assert tone["type"] == "tone" and tone["mode"] in ("gray", "sepia")
    if tone["mode"] == "gray" and tone["strength"] == 1.0:
        assert np.abs(lr.astype(int) - lr[..., :1].astype(int)).max() <= 12  # JPEG chroma noise only


def test_kernels():
    k = sinc_kernel(1.5, 13)
    assert k.shape == (13, 13) and abs(k.sum() - 1) < 1e-9 and np.allclose(k, k.T) and np.allclose(k, k[::-1])
    a = gaussian_kernel(2.0, 0.5, np.pi / 4)
    assert abs(a.sum() - 1) < 1e-9 and np.allclose(a, a.T)  # 45 degrees: symmetric about the diagonal
    with pytest.raises(InputError, match="sigmas in"):
        gaussian_kernel(1e6)
    with pytest.raises(InputError, match="motion blur length"):
        motion_kernel(1e9, 0)
    with pytest.raises(InputError, match="sinc cutoff"):
        sinc_kernel(4.0)


def test_crafted_records_are_clear_errors(hr):
    d = build_degradation("realworld")
    for bad in ({"type": "resize_to", "scale": 1000}, {"type": "fade", "contrast": 0},
                {"type": "tone", "mode": "purple"}, {"type": "grain", "sigma": 1e9, "noise_seed": 1},
                {"type": "blur", "kernel": "gaussian", "sigma": 1e6}):
        with pytest.raises(InputError):
            d.replay(hr, {"steps": [bad]})
    with pytest.raises(InputError, match="prob"):
        build_degradation([{"type": "jpeg", "quality": 50, "prob": 2}])


def test_mixture_draws_each_part_with_its_weight_and_replays():
    from facesr.degradation import build_degradation

    hr = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    mix = build_degradation("realworld:3+blind:1", None, back=True)
    names = []
    for i in range(80):
        lr, record = mix(hr, i)
        assert lr.shape == hr.shape
        assert np.array_equal(mix.replay(hr, record), lr)
        names.append(record["preset"])
    assert set(names) == {"mix:realworld", "mix:blind"}
    assert 0.55 < names.count("mix:realworld") / len(names) < 0.95
    clean = build_degradation("bicubic:1", 4)  # a fixed scale reaches every part
    assert clean(hr, 0)[0].shape == (16, 16, 3)


@pytest.mark.parametrize("text", ["realworld:0", "blind:-1", "blind:x", "+blind", "blind:nan"])
def test_mixture_rejects_bad_weights(text):
    from facesr.degradation import build_degradation
    from facesr.errors import InputError

    with pytest.raises(InputError, match="mixture"):
        build_degradation(text)


def test_fft_blur_matches_direct_correlation():
    from scipy.ndimage import correlate

    from facesr.degradation.steps import make_step

    img = (np.random.default_rng(1).random((40, 48, 3)) * 255).astype(np.uint8)
    step = make_step({"type": "blur"})
    params = {"kernel": "motion", "length": 9, "angle": 30}
    k = step.kernel_of(params)
    direct = np.stack([correlate(img[..., c].astype(np.float64), k, mode="reflect") for c in range(3)], 2)
    want = np.clip(np.round(direct), 0, 255).astype(np.uint8)
    got = step.apply(img, params, {})
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1
