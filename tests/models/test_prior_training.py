"""Prior-guided methods train from their CPU smoke configs with every loss term active, and say which
data option provides a missing prior; the prior losses themselves."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from facesr.errors import ConfigError
from facesr.losses import WeightedLoss
from facesr.training import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SMOKE = ["fsrnet", "fsrgan", "superfan", "dic", "dicgan"]


def _smoke(name: str, tmp_path: Path, root: Path, extra: tuple[str, ...] = ()):
    path = CONFIGS / f"{name}_x8_cpu_smoke.yaml"
    prepared = load_config(path).data.train.dataset == "prepared"
    return load_config(path, [f"output={tmp_path / name}", *([f"data.train.root={root}"] if prepared else []),
                              "data.train.limit=4", "data.val.limit=2", "train.iterations=2",
                              "train.checkpoint_every=2", "train.progress=false", "train.tensorboard=false", *extra])


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in ("dic", "dicgan") else n
                                  for n in SMOKE])
def test_smoke_config_trains_with_every_loss(name, tmp_path, prepared):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba1000")
    torch.set_num_threads(2)
    cfg = _smoke(name, tmp_path, prepared)
    result = Trainer(cfg).fit()
    assert result.iteration == 2 and "psnr" in result.last_val
    with open(tmp_path / name / "train_log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    columns = set(rows[0])
    critics = {f"{n}_loss" for n, nc in cfg.nets.items() if nc.role == "critic"}
    assert set(cfg.losses) | critics <= columns
    for row in rows:
        assert all(float(row[k]) == float(row[k]) for k in set(cfg.losses) | critics)  # finite, logged


def test_missing_priors_name_the_data_option(tmp_path):
    from facesr.training import Trainer

    cfg = load_config(CONFIGS / "fsrnet_x8_cpu_smoke.yaml", [f"output={tmp_path / 'run'}", "data.train.priors=[]"])
    train_set = [{"hr": torch.rand(3, 128, 128), "lr": torch.rand(3, 16, 16), "index": torch.tensor(i),
                  "seed": torch.tensor(0)} for i in range(2)]
    with pytest.raises(ConfigError) as info:
        Trainer(cfg, train_set=train_set, val_faces=torch.zeros(1, 128, 128, 3, dtype=torch.uint8).numpy())
    msg = str(info.value)
    assert "\n" not in msg and "'landmarks'" in msg
    assert "facesr data prepare --landmarks" in msg and "data.train.priors: [landmarks, parsing]" in msg


def test_prepared_dataset_needs_a_root(tmp_path):
    from facesr.training import Trainer

    cfg = load_config(CONFIGS / "dic_x8_cpu_smoke.yaml", [f"output={tmp_path / 'run'}", "data.train.root=null"])
    with pytest.raises(ConfigError, match="facesr data prepare --out"):
        Trainer(cfg)


PRIOR_CONFIGS = sorted([*(p for p in CONFIGS.glob("*.yaml") if p.stem.startswith(("fsrnet", "fsrgan", "superfan",
                                                                                     "dic"))),
                        CONFIGS / "landmarks" / "hourglass_landmarks.yaml"])


def test_every_prior_method_has_paper_and_smoke_configs():
    names = {p.stem for p in PRIOR_CONFIGS}
    assert {f"{m}_x8" for m in SMOKE} | {f"{m}_x8_cpu_smoke" for m in SMOKE} <= names
    assert {"superfan_x4", "hourglass_landmarks"} <= names


@pytest.mark.parametrize("path", PRIOR_CONFIGS, ids=lambda p: p.stem)
def test_configs_build(path):
    if path.stem.startswith("hourglass"):  # the landmark recipe (tests/models/test_landmark_training.py)
        from facesr.models.prior.hourglass import StackedHourglass

        cfg = load_config(path)
        WeightedLoss(cfg.losses)
        StackedHourglass(**cfg.generator.options)
        return
    from facesr.models import create, create_part

    cfg = load_config(path)
    WeightedLoss({k: v for k, v in cfg.losses.items() if v["type"] not in ("perceptual", "identity")})
    create(cfg.generator.model, cfg.scale, device="meta", **cfg.generator.options)
    for net in cfg.nets.values():
        create_part(net.model, net.part, cfg.scale, device="meta", **net.options)


# -- the prior losses ---------------------------------------------------------------------------------
def test_heatmap_loss_matches_numpy_heatmaps():
    import numpy as np

    from facesr.losses import LandmarkHeatmapLoss, render_heatmaps
    from facesr.priors.heatmaps import landmark_heatmaps

    pts = np.array([[10.3, 20.7], [64.0, 64.0], [np.nan, np.nan]], dtype=np.float32)
    ours = render_heatmaps(torch.from_numpy(pts)[None], (32, 32), 1.0, 4.0)[0].numpy()
    np.testing.assert_allclose(ours, landmark_heatmaps(pts, 32, 1.0, scale=4.0), atol=1e-6)
    loss = LandmarkHeatmapLoss(sigma=1.0, image_size=128)
    target = torch.from_numpy(landmark_heatmaps(pts, 32, 1.0, scale=4.0))[None]
    assert float(loss(target, torch.from_numpy(pts)[None])) < 1e-10
    assert float(loss(torch.zeros_like(target), torch.from_numpy(pts)[None])) > 0


def test_parsing_loss_per_class_maps():
    from facesr.losses import ParsingMapLoss

    labels = torch.zeros(1, 4, 4, dtype=torch.long)
    labels[0, :2, :2] = 1  # skin in the top-left quarter
    labels[0, 3, 3] = 13  # hair
    loss = ParsingMapLoss()
    pred = torch.zeros(1, 11, 2, 2)
    pred[0, 0] = torch.tensor([[0.0, 1.0], [1.0, 0.75]])  # background
    pred[0, 1, 0, 0] = 1.0  # skin
    pred[0, 10, 1, 1] = 0.25  # hair
    assert float(loss(pred, labels)) < 1e-12
    ce = ParsingMapLoss(criterion="ce")
    assert float(ce(pred * 50, labels)) < float(ce(torch.zeros_like(pred), labels))
    with pytest.raises(ConfigError):
        ParsingMapLoss(classes=["skin", "whiskers"])


def test_fan_heatmap_loss_is_frozen_and_needs_weights(tmp_path):
    from facesr.errors import InputError
    from facesr.losses import FANHeatmapLoss

    shipped = FANHeatmapLoss()  # default: the network shipped in the package
    assert float(shipped(torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64))) > 0
    loss = FANHeatmapLoss(weights="random", options={"stacks": 1, "channels": 16, "depth": 2})
    sr = torch.rand(2, 3, 64, 64, requires_grad=True)
    value = loss(sr, torch.rand(2, 3, 64, 64))
    value.backward()
    assert sr.grad is not None and not any(p.requires_grad for p in loss.net.parameters())
    with pytest.raises(InputError, match="hourglass_landmarks.yaml"):
        FANHeatmapLoss(weights=str(tmp_path / "none.safetensors"))(sr, sr)
