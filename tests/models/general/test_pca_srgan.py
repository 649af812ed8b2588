"""PCA-SRGAN (survey §4.1.2): the critic's orthogonal projection onto the leading principal components, the
schedule of components shown, and the pca_srgan recipe (PCA fitted from the training faces at its first
iteration, the critic's components set each iteration) on in-memory faces."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, create_part, model_info
from facesr.training import Trainer, load_config
from facesr.training.recipes.pca_srgan import components_at
from realworld_testing import SmoothFaces

CONFIG = Path(__file__).resolve().parents[3] / "configs" / "general" / "pca_srgan_cpu_smoke.yaml"


def test_registry_entry_and_counts():
    info = model_info("pcasrgan")
    assert info["name"] == "pca_srgan" and info["recipe"] == "pca_srgan" and info["family"] == "general"
    assert sum(p.numel() for p in create("pca_srgan", 8, device="meta").parameters()) == 16_734_915
    d = create_part("pca_srgan", "discriminator", 8, device="meta")
    assert sum(p.numel() for p in d.parameters()) == 14_499_401 and "14,499,401" in info["notes"]
    assert d.pca_basis.shape == (128, 3 * 128 * 128)  # buffers, not parameters


def test_projection_onto_the_first_components():
    d = create_part("pca_srgan", "discriminator", 8, seed=0, size=32, features=4, components=6)
    x = torch.rand(2, 3, 32, 32)
    assert torch.equal(d.project(x), x)  # k = -1: the whole face
    d.set_components(3)
    with pytest.raises(InputError, match="no PCA basis yet"):
        d(x)
    q, _ = torch.linalg.qr(torch.randn(3 * 32 * 32, 6))
    mean = torch.rand(3 * 32 * 32)
    d.set_basis(mean, q.T.contiguous())
    p = d.project(x)
    u = q[:, :3]
    expected = ((x.flatten(1) - mean) @ u @ u.T + mean).view_as(x)
    torch.testing.assert_close(p, expected)
    torch.testing.assert_close(d.project(p), p, atol=1e-5, rtol=0)  # a projection
    assert d(x).shape == (2, 1)
    with pytest.raises(ConfigError, match="-1 or 1..6"):
        d.set_components(7)
    with pytest.raises(ConfigError, match="holds a"):
        d.set_basis(mean, q.T[:4])


def test_schedule_grows_geometrically_then_shows_whole_faces():
    ks = [components_at(it, 4, 128, 11) for it in range(1, 13)]
    assert ks[0] == 4 and ks[10] == 128 and ks[11] == -1
    assert all(a <= b for a, b in zip(ks[:11], ks[1:11]))
    assert components_at(1, 4, 128, 0) == -1 and components_at(1, 4, 128, 1) == 128


def test_recipe_fits_the_pca_and_sets_the_components(tmp_path):
    cfg = load_config(CONFIG, [f"output={tmp_path}", "train.threads=1", "data.val.enabled=false",
                               "train.progress=false", "nets.discriminator.options.components=4",
                               "train.iterations=2", "recipe.grow=2"])
    tr = Trainer(cfg, train_set=SmoothFaces(6, real=False))
    critic = tr.nets["discriminator"]
    assert not bool(critic.fitted)
    result = tr.fit()
    assert result.iteration == 2 and bool(critic.fitted) and int(critic.k) == 4
    b = critic.pca_basis
    torch.testing.assert_close(b @ b.T, torch.eye(4), atol=1e-4, rtol=0)
    torch.testing.assert_close(critic.pca_mean, SmoothFaces(6, real=False).hr.flatten(1).mean(0), atol=1e-5, rtol=0)
    rows = (tmp_path / "train_log.csv").read_text().splitlines()
    col = rows[0].split(",").index("pca_components")
    assert [r.split(",")[col] for r in rows[1:]] == ["2.0", "4.0"]
    bad = load_config(CONFIG, [f"output={tmp_path}/b", "recipe.fit_faces=2"])
    with pytest.raises(ConfigError, match="fit_faces >= 8"):
        Trainer(bad, train_set=SmoothFaces(6, real=False))


@pytest.mark.slow
def test_smoke_config_trains_on_real_data(tmp_path):
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    cfg = load_config(CONFIG, [f"output={tmp_path}", "train.progress=false"])
    result = Trainer(cfg).fit()
    assert result.iteration == 3 and "psnr" in result.last_val
