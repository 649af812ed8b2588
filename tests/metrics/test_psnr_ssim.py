"""PSNR, SSIM and MS-SSIM: definitions, scikit-image cross-checks, protocol planes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from facesr.errors import InputError, UnknownNameError
from facesr.metrics import create_metric, get_protocol, list_metrics
from facesr.metrics.psnr import psnr
from facesr.metrics.ssim import ms_ssim, ssim


def _pair(seed=0, n=2, size=48):
    rng = np.random.default_rng(seed)
    hr = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    noise = rng.normal(0, 12, hr.shape)
    sr = np.clip(hr + noise, 0, 255).round().astype(np.uint8)
    to_t = lambda a: torch.from_numpy(a).permute(0, 3, 1, 2).float() / 255  # noqa: E731
    return sr, hr, to_t(sr), to_t(hr)


def test_psnr_definition():
    x = torch.zeros(1, 1, 4, 4, dtype=torch.float64)
    y = torch.full_like(x, 10.0)
    assert psnr(x, y).item() == pytest.approx(10 * math.log10(255**2 / 100))
    assert math.isinf(psnr(x, x).item())


def test_y601_minus_full_range_is_1_3219_db():
    _, _, s, h = _pair()
    p601 = get_protocol("basicsr")  # Y601 float
    from dataclasses import replace

    pfull = replace(p601, name="tmp", color="yfull")
    a = create_metric("psnr", p601, 4)(s, h)
    b = create_metric("psnr", pfull, 4)(s, h)
    assert torch.allclose(a - b, torch.full_like(a, 20 * math.log10(255 / 219)), atol=1e-6)


def test_ssim_identical_is_one_and_symmetric():
    _, _, s, h = _pair()
    metric = create_metric("ssim", "facesr", 4)
    assert torch.allclose(metric(h, h), torch.ones(2, dtype=torch.float64))
    assert torch.allclose(metric(s, h), metric(h, s))
    assert (metric(s, h) < 0.99).all()


def _y(a, mode="round"):
    y = 16 + a.astype(np.float64) @ np.array([65.481, 128.553, 24.966]) / 255
    return np.round(y) if mode == "round" else (y.astype(np.uint8).astype(np.float64) if mode == "trunc" else y)


def test_survey_ssim_equals_skimage_default():
    sr, hr, s, h = _pair(1)
    ours = create_metric("ssim", "survey", 4)(s, h).numpy()
    ref = [structural_similarity(_y(a)[8:-8, 8:-8], _y(b)[8:-8, 8:-8], data_range=255) for a, b in zip(sr, hr)]
    assert np.abs(ours - ref).max() < 1e-10


def test_sparnet_ssim_equals_skimage_gaussian():
    sr, hr, s, h = _pair(2)
    ours = create_metric("ssim", "sparnet", 8)(s, h).numpy()
    ref = [structural_similarity(_y(a, "trunc"), _y(b, "trunc"), data_range=255, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False) for a, b in zip(sr, hr)]
    assert np.abs(ours - ref).max() < 1e-8


def test_ms_ssim_properties():
    _, _, s, h = _pair(3, size=128)
    x = get_protocol("facesr").plane(s, 8)
    y = get_protocol("facesr").plane(h, 8)
    v = ms_ssim(x, y)
    assert ((v > 0) & (v < 1)).all()
    assert torch.allclose(ms_ssim(y, y), torch.ones(2, dtype=torch.float64))
    # one scale is plain SSIM
    assert torch.allclose(ms_ssim(x, y, levels=1), ssim(x, y))
    with pytest.raises(InputError, match="MS-SSIM"):
        ms_ssim(x[..., :20, :20], y[..., :20, :20], levels=3)


def test_bad_inputs():
    _, _, s, h = _pair()
    m = create_metric("psnr", "facesr", 4)
    with pytest.raises(InputError, match="differ in shape"):
        m(s, h[..., :40, :40])
    with pytest.raises(InputError, match="needs HR"):
        m(s, None)
    with pytest.raises(InputError, match="crop"):
        create_metric("psnr", "facesr", 8)(s[..., :16, :16], h[..., :16, :16])
    with pytest.raises(UnknownNameError, match="did you mean psnr"):
        create_metric("psrn")
    with pytest.raises(UnknownNameError, match="unknown protocol"):
        create_metric("psnr", "matlab2")
    assert {"psnr", "ssim", "ms_ssim"} <= {m["name"] for m in list_metrics()}


def test_numpy_uint8_inputs_are_accepted():
    sr, hr, s, h = _pair(4)
    m = create_metric("psnr", "facesr", 4)
    assert torch.allclose(m(sr, hr), m(s, h))
    assert torch.allclose(m(sr[0], hr[0]), m(s[:1], h[:1]))
    with pytest.raises(InputError, match="uint8"):
        m(sr.astype(np.float32), hr)
