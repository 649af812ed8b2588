"""NIQE: MATLAB reference value, colour conventions, the pooled variant, and input errors."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest
import torch

from facesr.errors import InputError, MissingDependencyError
from facesr.io import read_image, uint8_to_tensor
from facesr.metrics import create_metric
from facesr.metrics import niqe as niqe_mod
from facesr_testing import require_data

pytestmark = pytest.mark.skipif(importlib.util.find_spec("basicsr") is None, reason=niqe_mod.PIP_LINE)
BABOON_SHA256 = "275a75fd08d0a7899cbdaa8820ff15869e33bc1d6d07dbc79133374683fe411c"


@pytest.fixture(scope="module")
def baboon() -> np.ndarray:
    path = require_data("metric_refs/niqe") / "baboon.png"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == BABOON_SHA256, f"{path}: wrong fixture copy"
    return read_image(path)


def test_baboon_matches_matlab(baboon):
    assert niqe_mod.niqe(baboon) == pytest.approx(5.7296, abs=1e-3)
    m = create_metric("niqe")
    assert not m.needs_hr
    got = m(uint8_to_tensor(baboon))  # no HR needed
    assert got.dtype == torch.float64 and float(got[0]) == pytest.approx(niqe_mod.niqe(baboon), abs=1e-9)


def test_colour_conventions(baboon):
    y601 = niqe_mod.niqe(baboon, "y601")
    gray = niqe_mod.niqe(baboon, "gray")
    assert abs(y601 - gray) > 1e-3  # the convention matters
    # a grey image replicated to RGB (how facesr.io reads grey files) scores as the grey plane itself
    plane = baboon[..., 1]
    rgb = np.repeat(plane[..., None], 3, axis=2)
    assert niqe_mod.niqe(rgb, "gray") == pytest.approx(niqe_mod.niqe(plane), abs=1e-12)
    with pytest.raises(InputError, match="colour convention"):
        create_metric("niqe", color="lab")


def test_aggd_search_equals_brute_force_argmin():
    from scipy.special import gamma

    g, r = niqe_mod._gamma_table()
    rng = np.random.default_rng(0)
    v = rng.standard_normal((40, 400)) * rng.uniform(0.2, 3, (40, 1)) + rng.uniform(-0.5, 0.5, (40, 1))
    v = np.sign(v) * np.abs(v) ** rng.uniform(0.3, 2.5, (40, 1))
    alpha, bl, br = niqe_mod._aggd(v)
    for row, a, l_, r_ in zip(v, alpha, bl, br):
        left = np.sqrt(np.mean(row[row < 0] ** 2))
        right = np.sqrt(np.mean(row[row > 0] ** 2))
        gh = left / right
        rhat = np.mean(np.abs(row)) ** 2 / np.mean(row**2)
        rn = rhat * (gh**3 + 1) * (gh + 1) / (gh**2 + 1) ** 2
        best = g[np.argmin((r - rn) ** 2)]
        assert a == best
        assert l_ == pytest.approx(left * np.sqrt(gamma(1 / best) / gamma(3 / best)), rel=1e-12)
        assert r_ == pytest.approx(right * np.sqrt(gamma(1 / best) / gamma(3 / best)), rel=1e-12)


def test_sizes_and_flat_images_are_one_line_errors(baboon):
    m = create_metric("niqe")
    with pytest.raises(InputError, match="at least 96x96"):
        m(torch.rand(1, 3, 64, 200))
    with pytest.raises(InputError, match="at least 2 are needed"):
        m(torch.rand(1, 3, 128, 128))  # one block: no covariance; the message points to niqe_pooled
    with pytest.raises(InputError, match="usable"):
        m(torch.full((1, 3, 200, 200), 0.5))
    with pytest.raises(InputError, match="leaves nothing"):
        niqe_mod.niqe(baboon[:100, :100], crop=60)


def test_pooled_variant_for_small_faces(baboon):
    single = create_metric("niqe_pooled")
    assert single.dataset_level and not single.needs_hr
    single.update(uint8_to_tensor(baboon))
    assert single.compute() == pytest.approx(niqe_mod.niqe(baboon), abs=1e-12)  # one image: same MVG
    pooled = create_metric("niqe_pooled")
    faces = uint8_to_tensor([baboon[i:i + 128, j:j + 128] for i in (0, 180, 350) for j in (0, 180, 350)])
    pooled.update(faces[:5])
    pooled.update(faces[5:])
    value = pooled.compute()
    assert np.isfinite(value) and value > 0
    with pytest.raises(InputError, match="no images"):
        create_metric("niqe_pooled").compute()


def test_missing_basicsr_names_the_pip_line(monkeypatch):
    real = importlib.util.find_spec
    fake = lambda name, *a: None if name == "basicsr" else real(name, *a)  # noqa: E731
    monkeypatch.setattr(importlib.util, "find_spec", fake)
    niqe_mod.pristine_params.cache_clear()
    try:
        line = r"pip install --no-deps --no-build-isolation basicsr==1\.4\.2"
        with pytest.raises(MissingDependencyError, match=line):
            create_metric("niqe")
    finally:
        niqe_mod.pristine_params.cache_clear()
