"""RWSR's degradation estimate (facesr.degradation.estimate): the noise statistic, the calibrated
analysis-by-synthesis estimate of blur and noise, and the chain that reproduces an estimate."""

from __future__ import annotations

import numpy as np
import pytest

from facesr.degradation import Degradation
from facesr.degradation.estimate import Calibration, Estimate, _degrade, degradation_steps, features, immerkaer_sigma
from facesr.errors import InputError
from facesr.ops import imresize


def _faces(n: int, seed: int) -> list[np.ndarray]:
    """Smooth random 'faces' (bicubic-enlarged 6x6 noise plus a gradient), 64 px."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        small = rng.uniform(40, 215, (6, 6, 3))
        big = np.asarray(imresize(small, size=(64, 64)))
        out.append(np.clip(np.rint(big + np.linspace(-20, 20, 64)[None, :, None]), 0, 255).astype(np.uint8))
    return out


def test_immerkaer_measures_gaussian_noise_on_a_flat_image():
    rng = np.random.default_rng(0)
    y = 128.0 + rng.standard_normal((64, 64)) * 7.0
    assert immerkaer_sigma(y) == pytest.approx(7.0, rel=0.08)
    assert immerkaer_sigma(np.full((16, 16), 90.0)) == 0.0


def test_features_respond_to_blur_and_noise_in_their_own_ways():
    lr = np.asarray(imresize(_faces(1, 0)[0], size=(16, 16)))
    clean, blurred, noisy = features(lr), features(_degrade(lr, 1.5, 0, 0)), features(_degrade(lr, 0, 12, 0))
    assert blurred[0] < clean[0] < noisy[0]  # the noise statistic
    assert blurred[1] < clean[1] and blurred[2] <= clean[2] < noisy[2]  # sharpness, top-band energy
    with pytest.raises(InputError, match="uint8 H x W x 3"):
        features(np.zeros((16, 16), np.uint8))


def test_calibrated_estimate_recovers_blur_and_noise():
    cal = Calibration(_faces(12, 1), 16, blurs=(0.0, 0.7, 1.4, 2.1), noises=(0.0, 5.0, 10.0, 15.0))
    tests = [np.asarray(imresize(f, size=(16, 16))) for f in _faces(6, 2)]
    for blur, noise in [(0.0, 0.0), (1.4, 0.0), (0.7, 10.0), (2.1, 15.0)]:
        est = [cal.estimate(_degrade(lr, blur, noise, 5 + i)) for i, lr in enumerate(tests)]
        assert np.median([e.blur for e in est]) == pytest.approx(blur, abs=0.71)
        assert np.median([e.noise for e in est]) == pytest.approx(noise, abs=5.1)
    e = cal.estimate(tests[0], quality=40, grey=True)
    assert (e.quality, e.grey) == (40, True) and set(e.as_dict()) == {"blur", "noise", "quality", "grey", "distance"}
    with pytest.raises(InputError, match="calibrated for 16 px"):
        cal.estimate(np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(InputError, match="at least one clean face"):
        Calibration([], 16)


def test_degradation_steps_reproduce_an_estimate():
    steps = degradation_steps(Estimate(1.2, 6.0, 30, True), 8)
    assert [s["type"] for s in steps] == ["resize", "blur", "noise", "jpeg"]
    assert steps[2]["gray"] and steps[3]["quality"] == 30
    assert [s["type"] for s in degradation_steps(Estimate(0.0, 0.0), 4)] == ["resize"]
    hr = _faces(1, 3)[0]
    lr, record = Degradation(steps, "est", 8)(hr, 0)
    assert lr.shape == (8, 8, 3) and [s["type"] for s in record["steps"]] == ["resize", "blur", "noise", "jpeg"]
    again = Degradation(steps, "est", 8).replay(hr, record)
    assert np.array_equal(lr, again)
