"""Training the generative-prior leaf: the ``stylegan`` recipe (the prior, FID validation, lazy R1, its
checkpoint read back as a prior for PULSE) and the ``gan_prior`` recipe (GPEN, GFP-GAN with a loaded, frozen
prior, component discriminators, component style, pyramid removal), each smoke config on in-memory faces."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from facesr.errors import ConfigError
from facesr.training import Trainer, load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "generative"
SIZE = 64


class Faces(torch.utils.data.Dataset):
    """Smooth 64 px "faces" with their x8 LR and 68 landmarks spread over the face's middle."""

    def __init__(self, n: int = 4, scale: int = 8) -> None:
        g = torch.Generator().manual_seed(0)
        self.hr = F.interpolate(torch.rand(n, 3, 8, 8, generator=g), size=(SIZE, SIZE), mode="bicubic",
                                align_corners=False).clamp(0, 1)
        self.landmarks = torch.rand(n, 68, 2, generator=g) * 32 + 16
        self.scale = scale

    def __len__(self) -> int:
        return len(self.hr)

    def __getitem__(self, i: int) -> dict:
        return {"hr": self.hr[i], "lr": F.avg_pool2d(self.hr[i][None], self.scale)[0], "landmarks": self.landmarks[i],
                "index": torch.tensor(i), "seed": torch.tensor(i)}


def _val_faces(n: int = 4) -> np.ndarray:
    return (Faces(n).hr.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)


def _log(run: Path) -> list[dict]:
    with open(run / "train_log.csv") as fh:
        return list(csv.DictReader(fh))


def _config(name: str, tmp_path: Path, *more: str):
    return load_config(CONFIGS / f"{name}.yaml", [f"output={tmp_path / 'run'}", "train.threads=1",
                                                 "train.progress=false", "train.tensorboard=false", *more])


def _params(net: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _changed(before: list[torch.Tensor], net: torch.nn.Module) -> bool:
    return any(not torch.equal(a, p) for a, p in zip(before, net.parameters()))


def test_stylegan_smoke_config_trains_and_its_checkpoint_is_a_prior(tmp_path):
    cfg = _config("stylegan2_cpu_smoke", tmp_path)
    tr = Trainer(cfg, train_set=Faces(), val_faces=_val_faces())
    g, d = _params(tr.nets["generator"]), _params(tr.nets["discriminator"])
    result = tr.fit()
    assert result.iteration == 3 and result.best["metric"] == "fid" and result.last_val["fid"] > 0
    assert _changed(g, tr.nets["generator"]) and _changed(d, tr.nets["discriminator"]) and "generator" in tr.ema
    rows = _log(tmp_path / "run")
    assert [r["r1"] for r in rows][0] == "" and float(rows[1]["r1"]) > 0  # lazy R1 every 2nd step
    assert all(np.isfinite(float(r["adversarial"])) and float(r["discriminator_loss"]) > 0 for r in rows)
    assert "fid" in (tmp_path / "run" / "val_log.csv").read_text()
    # the run's checkpoint is a prior: rebuilt with its options (EMA weights), and searched by PULSE
    from facesr.models import load_model
    from facesr.models.generative.prior import build_prior

    ckpt = tmp_path / "run" / "checkpoints" / "last.pt"
    prior = build_prior(ckpt)
    assert prior.size == SIZE and torch.equal(prior.input.input, tr.ema["generator"].module.input.input)
    pulse = load_model("pulse", 8, weights=ckpt, steps=2, fit_samples=256)
    assert pulse(Faces(1).__getitem__(0)["lr"][None]).shape == (1, 3, 64, 64)


def test_stylegan_recipe_checks_its_config(tmp_path):
    with pytest.raises(ConfigError, match="metrics: \\[fid\\]"):
        Trainer(_config("stylegan2_cpu_smoke", tmp_path, "data.val.metrics=[psnr]"), train_set=Faces(),
                val_faces=_val_faces())
    with pytest.raises(ConfigError, match="must be the generator's"):
        Trainer(_config("stylegan2_cpu_smoke", tmp_path, "data.train.size=32", "data.val.enabled=false"),
                train_set=Faces())
    with pytest.raises(ConfigError, match="nets.critic"):
        Trainer(_config("stylegan2_cpu_smoke", tmp_path, "recipe.critic=critic"), train_set=Faces())


def _prior_file(path: Path, **options) -> Path:
    from safetensors.torch import save_file

    from facesr.models.generative.stylegan2 import StyleGAN2Generator

    torch.manual_seed(1)
    net = StyleGAN2Generator(**options)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path),
              metadata={"model": "stylegan2", "scale": "1", "options": json.dumps(options)})
    return path


def test_gpen_smoke_config_trains_from_a_prior(tmp_path):
    options = load_config(CONFIGS / "gpen_cpu_smoke.yaml").generator.options
    prior = _prior_file(tmp_path / "prior.safetensors", **options, concat_noise=True)
    cfg = _config("gpen_cpu_smoke", tmp_path, "data.val.enabled=false", "train.iterations=2",
                  f"recipe.prior={prior}")
    tr = Trainer(cfg, train_set=Faces())
    g = tr.nets["generator"]
    from safetensors.torch import load_file

    assert torch.equal(g.prior_network().input.input, load_file(str(prior))["input.input"])
    before = _params(g.prior_network())
    result = tr.fit()
    assert result.iteration == 2 and _changed(before, g.prior_network())  # GPEN fine-tunes its prior
    rows = _log(tmp_path / "run")
    assert {"adversarial", "pixel", "identity", "discriminator_loss", "r1"} <= set(rows[-1])
    assert float(rows[-1]["r1"]) > 0 and all(np.isfinite(float(r["loss"])) for r in rows)


def test_gfpgan_smoke_config_trains_with_frozen_prior_and_components(tmp_path):
    cfg = _config("gfpgan_cpu_smoke", tmp_path, "data.val.enabled=false")
    tr = Trainer(cfg, train_set=Faces())
    g = tr.nets["generator"]
    prior, unet = _params(g.prior_network()), _params(g.down)
    eyes = _params(tr.nets["left_eye"])
    seen = []
    batch = {k: torch.stack([Faces()[i][k] for i in range(2)]) for k in Faces()[0]}
    for it in (1, 2, 3):
        values = tr.step(batch, it)
        seen.append(tr.recipe.pyramid.weight)
        assert torch.isfinite(values["loss"])
    assert seen == [1.0, 1.0, 1e-12]  # the pyramid term removed after pyramid_until (2)
    assert not _changed(prior, g.prior_network()) and _changed(unet, g.down) and _changed(eyes, tr.nets["left_eye"])
    assert {"component_style", "left_eye_gan", "mouth_gan", "identity", "pyramid", "perceptual", "style",
            "left_eye_loss", "discriminator_loss", "r1"} <= set(values)
    assert float(values["component_style"]) > 0


def test_gan_prior_recipe_checks_its_config(tmp_path):
    with pytest.raises(ConfigError, match="component_style needs components"):
        Trainer(_config("gfpgan_cpu_smoke", tmp_path, "data.val.enabled=false", "recipe.components=[nose]"),
                train_set=Faces())
    with pytest.raises(ConfigError, match="r1_critic"):
        Trainer(_config("gpen_cpu_smoke", tmp_path, "data.val.enabled=false", "recipe.r1_critic=d2"),
                train_set=Faces())
    with pytest.raises(Exception, match="prior weights not found"):
        Trainer(_config("gpen_cpu_smoke", tmp_path, "data.val.enabled=false", f"recipe.prior={tmp_path}/no.pt"),
                train_set=Faces())


def test_glean_smoke_config_trains_with_a_frozen_bank(tmp_path):
    cfg = _config("glean_cpu_smoke", tmp_path, "data.val.enabled=false")
    tr = Trainer(cfg, train_set=Faces())
    g = tr.nets["generator"]
    bank, encoder = _params(g.prior_network()), _params(g.encoder)
    result = tr.fit()
    assert result.iteration == 3 and not _changed(bank, g.prior_network()) and _changed(encoder, g.encoder)
    rows = _log(tmp_path / "run")
    assert {"pixel", "perceptual", "adversarial", "discriminator_loss"} <= set(rows[-1]) and "r1" not in rows[-1]
