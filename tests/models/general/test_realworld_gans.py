"""The real-world (unpaired) GANs of survey §4.1.2: LRGAN, CR and RWSR. Networks (shapes, parts, the parameter
counts the registry states), the recipes' stages on in-memory faces (which network each stage trains), the
smoke configs for one iteration of each stage, and RWSR's degradation mixture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, create_part, model_info
from facesr.training import Trainer, load_config
from realworld_testing import SmoothFaces

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "general"


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def test_stated_parameter_counts():
    for name, scale, n in [("lrgan", 8, 16_011_171), ("lrgan", 4, 15_478_019), ("cr", 8, 9_355_270),
                           ("rwsr", 8, 16_734_915), ("rwsr", 4, 16_697_987)]:
        assert _count(create(name, scale, device="meta")) == n and f"{n:,}" in model_info(name)["notes"], name
    assert 15_478_019 + 128 * 96 + 96 == 15_490_403  # the released x4 Low-to-High with its unused 1x1 conv
    for name, part, n in [("lrgan", "degrader", 2_587_331), ("lrgan", "discriminator", 1_398_529),
                          ("lrgan", "lr_discriminator", 1_348_993), ("cr", "to_real", 7_837_699),
                          ("rwsr", "discriminator", 14_499_401)]:
        assert _count(create_part(name, part, 8, device="meta")) == n and f"{n:,}" in model_info(name)["notes"]
    spectral = create_part("lrgan", "discriminator", 8)  # spectral norm keeps the plain layer's parameters
    assert _count(spectral) == 1_398_529 and any("parametrizations" in n for n, _ in spectral.named_parameters())
    for name in ("lrgan", "cr", "rwsr"):
        info = model_info(name)
        assert info["family"] == "general" and info["recipe"] == name and info["table7"] is None
        assert info["category"] == "real-world GAN" and {4, 8, 16} <= set(info["scales"])


# -- networks --------------------------------------------------------------------------------------------
def test_lrgan_networks():
    g = create("lrgan", 8, seed=0, widths=(8, 8, 8), blocks=(1, 1), head=8).eval()
    assert g(torch.rand(2, 3, 16, 16)).shape == (2, 3, 128, 128)
    h2l = create_part("lrgan", "degrader", 4, seed=0, size=32, features=8, noise_dim=4, blocks=1).eval()
    hr = torch.rand(2, 3, 32, 32)
    z = torch.randn(2, 4)
    out = h2l(hr, z)
    assert out.shape == (2, 3, 8, 8) and out.min() >= 0 and out.max() <= 1
    torch.testing.assert_close(h2l(hr, z), out)
    assert not torch.allclose(h2l(hr, z + 1.0), out)  # the noise channel changes the degradation
    with pytest.raises(InputError, match="built for N x 3 x 32 x 32"):
        h2l(torch.rand(1, 3, 64, 64))
    with pytest.raises(ConfigError, match="multiple of 16"):
        create_part("lrgan", "degrader", 4, size=72)
    for part, side in (("discriminator", 128), ("lr_discriminator", 16)):
        d = create_part("lrgan", part, 8, seed=0, width=8)
        assert d(torch.rand(2, 3, side, side)).shape == (2, 1)
    with pytest.raises(InputError, match="N x 3 x 16 x 16"):
        d(torch.rand(1, 3, 32, 32))
    with pytest.raises(ConfigError, match="supported: x2, x4, x8, x16"):
        create("lrgan", 3)


def test_cr_translates_then_super_resolves():
    net = create("cr", 8, seed=0, features=4, blocks=1, sr_features=8, sr_lr_blocks=1, sr_stage_blocks=1).eval()
    x = torch.rand(2, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(net(x), net.sr(net.translator(x)))
        for p in net.translator.body[-2].parameters():  # the last conv at zero: the global skip passes the face
            p.zero_()
        torch.testing.assert_close(net.translator(x), x)
    with pytest.raises(InputError, match="multiples of 4"):
        net(torch.rand(1, 3, 18, 18))
    for scale, side in ((4, 32), (8, 16), (16, 8)):
        d = create_part("cr", "real_discriminator", scale, seed=0, features=4)
        assert d(torch.rand(1, 3, side, side)).dim() == 4
    assert create_part("cr", "to_real", 8, features=4, blocks=1)(x).shape == x.shape


def test_rwsr_networks():
    g = create("rwsr", 4, seed=0, features=8, blocks=1, growth=4).eval()
    assert g(torch.rand(1, 3, 8, 8)).shape == (1, 3, 32, 32)
    d = create_part("rwsr", "discriminator", 8, seed=0, features=4)
    assert d(torch.rand(2, 3, 128, 128)).shape == (2, 1)
    with pytest.raises(InputError, match="128 x 128"):
        d(torch.rand(1, 3, 64, 64))


# -- recipes on in-memory faces ---------------------------------------------------------------------------
def _trainer(name: str, tmp_path, *extra: str, data=None) -> Trainer:
    cfg = load_config(CONFIGS / f"{name}_cpu_smoke.yaml", [f"output={tmp_path}", "train.threads=1",
                                                            "data.val.enabled=false", "train.progress=false",
                                                            "train.precision=fp32", *extra])
    return Trainer(cfg, train_set=data if data is not None else SmoothFaces())


def _changed(module: torch.nn.Module, before: list[torch.Tensor]) -> bool:
    return any(not torch.equal(a, p) for a, p in zip(before, module.parameters()))


def _stages(tr: Trainer, parts: dict[str, torch.nn.Module], iterations=(1, 2)) -> list[set[str]]:
    data = tr.train_set
    batch = {k: torch.stack([data[i][k] for i in range(2)]) for k in data[0]}
    seen = []
    for it in iterations:
        before = {k: [p.detach().clone() for p in m.parameters()] for k, m in parts.items()}
        values = tr.recipe.step(batch, it)
        assert int(values["stage"]) == tr.recipe.stage(it) and torch.isfinite(values["loss"])
        seen.append({k for k, m in parts.items() if _changed(m, before[k])})
    return seen


def test_lrgan_stages_train_the_right_networks(tmp_path):
    tr = _trainer("lrgan", tmp_path)
    n = tr.nets
    parts = {"l2h": n["generator"], "h2l": n["degrader"], "d_lr": n["lr_discriminator"], "d_hr": n["discriminator"]}
    assert _stages(tr, parts) == [{"h2l", "d_lr"}, {"l2h", "d_hr"}]
    assert not n["degrader"].training  # stage 2 runs the degrader fixed, in eval mode


def test_cr_stages_train_the_right_networks(tmp_path):
    tr = _trainer("cr", tmp_path)
    n = tr.nets
    g = n["generator"]
    parts = {"translator": g.translator, "sr": g.sr, "to_real": n["to_real"], "d_real": n["real_discriminator"],
             "d_art": n["art_discriminator"], "d_hr": n["discriminator"]}
    assert _stages(tr, parts) == [{"translator", "sr", "to_real", "d_real", "d_art"}, {"sr", "d_hr"}]
    assert all(p.requires_grad for p in g.translator.parameters())  # fixed for stage 2's step only


@pytest.mark.parametrize("name", ["lrgan", "cr", "rwsr"])
def test_smoke_config_runs_each_stage(name, tmp_path):
    tr = _trainer(name, tmp_path, "train.iterations=2")
    result = tr.fit()
    assert result.iteration == 2 and not result.interrupted
    rows = (tmp_path / "train_log.csv").read_text().splitlines()
    assert len(rows) == 3 and "nan" not in "".join(rows[1:]).lower()
    if name != "rwsr":
        assert [r.split(",")[rows[0].split(",").index("stage")] for r in rows[1:]] == ["1.0", "2.0"]


def test_recipe_checks(tmp_path):
    with pytest.raises(ConfigError, match="lr_real"):
        _trainer("lrgan", tmp_path / "a", data=SmoothFaces(real=False))
    with pytest.raises(ConfigError, match="names no loss term 'nope'"):
        _trainer("lrgan", tmp_path / "b", "recipe.degrader_terms=[nope]")
    with pytest.raises(ConfigError, match="translate is an iteration count"):
        _trainer("cr", tmp_path / "c", "recipe.translate=-1")
    with pytest.raises(ConfigError, match="joint network 'maker'"):
        _trainer("lrgan", tmp_path / "d", "recipe.degrader=maker")


def test_configs_load():
    for name in ("lrgan", "cr", "rwsr"):
        for s in (4, 8, 16):
            cfg = load_config(CONFIGS / f"{name}_x{s}.yaml")
            assert (cfg.scale, cfg.name, cfg.generator.model) == (s, f"{name}_x{s}", name)
            assert cfg.recipe["type"] == name and cfg.data.val.degradation == "realworld"
    assert load_config(CONFIGS / "lrgan_x8.yaml").losses["lr_adversarial"]["mode"] == "hinge"
    assert load_config(CONFIGS / "cr_x8.yaml").losses["cycle"]["inputs"] == ["lr_real", "lr_real_cycle", "lr",
                                                                            "lr_cycle"]


# -- RWSR: estimates -> a degradation mixture ---------------------------------------------------------------
def test_rwsr_mixture_draws_one_estimate_per_sample(tmp_path):
    from facesr.training.recipes.rwsr import mixture_of

    records = [{"key": "cmu_mit/a.GIF", "blur": 1.1, "noise": 6.0, "quality": None, "grey": True},
               {"key": "surveillance/b.JPG", "blur": 0.0, "noise": 0.0, "quality": 80, "grey": True}]
    mix = mixture_of(records, 8)
    hr = (np.random.default_rng(0).random((128, 128, 3)) * 255).astype(np.uint8)
    seen = set()
    for seed in range(12):
        lr, record = mix(hr, seed)
        assert lr.shape == (16, 16, 3)
        seen.add(record["preset"])
        assert np.array_equal(mix.replay(hr, record), lr)
    assert seen == {"mix:rwsr:cmu_mit/a.GIF", "mix:rwsr:surveillance/b.JPG"}
    with pytest.raises(ConfigError, match="no degradation estimates"):
        mixture_of([], 8)


def test_rwsr_estimates_file_is_reused(tmp_path):
    path = tmp_path / "est.json"
    path.write_text(json.dumps({"lr_size": 16, "faces": [{"key": "k", "blur": 0.5, "noise": 2.0}]}))
    tr = _trainer("rwsr", tmp_path / "run", f"recipe.estimates={path}")
    assert tr.recipe._estimates() == [{"key": "k", "blur": 0.5, "noise": 2.0}]
    (tmp_path / "bad.json").write_text("[]")
    tr.recipe.options.estimates = str(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="not a file of estimates"):
        tr.recipe._estimates()


def test_rwsr_estimates_real_faces():
    """The estimate of the realworld crops at 16 px, calibrated on smooth faces (no CelebA needed)."""
    from facesr.data.real_lr import realworld_faces
    from facesr.training.recipes.rwsr import estimate_faces
    from facesr_testing import require_data

    require_data("realworld/cmu_mit_lowres_gray")
    faces = realworld_faces("cmu_mit", 16)[:4]
    g = np.random.default_rng(0)
    clean = [np.clip(np.kron(g.uniform(40, 215, (8, 8, 3)), np.ones((16, 16, 1))), 0, 255).astype(np.uint8)
             for _ in range(4)]
    records = estimate_faces(faces, clean, 16)
    assert [r["key"] for r in records] == [f.key for f in faces]
    assert all(r["grey"] and r["quality"] is None and r["blur"] >= 0 and r["noise"] >= 0 for r in records)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lrgan", "cr", "rwsr"])
def test_smoke_config_trains_on_real_data(name, tmp_path):
    from facesr_testing import require_data

    for sub in ("celeba", "celeba1000", "utkface", "realworld"):
        require_data(sub)
    cfg = load_config(CONFIGS / f"{name}_cpu_smoke.yaml", [f"output={tmp_path}", "train.progress=false"])
    result = Trainer(cfg).fit()
    assert result.iteration == 3 and "psnr" in result.last_val
    if name == "rwsr":
        est = json.loads((tmp_path / "rwsr_estimates.json").read_text())
        assert est["lr_size"] == 16 and len(est["faces"]) == 7 + 19 + 8 + 8
