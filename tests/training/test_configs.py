"""Every shipped config loads, its losses build and its networks accept their options."""

from __future__ import annotations

from pathlib import Path

import pytest

from facesr.losses import WeightedLoss
from facesr.models import create, create_part
from facesr.training import load_config

ROOT = Path(__file__).resolve().parents[2] / "configs"
CONFIGS = sorted(ROOT.glob("*.yaml"))
#: every training config: the zoo's, the short CPU runs' and the bundled models'
ALL = CONFIGS + sorted(ROOT.glob("short/*.yaml")) + sorted(ROOT.glob("bundled/*.yaml"))
METHODS = ("srcnn", "vdsr", "rcan", "nlsn", "urdgn", "wasrnet", "sparnet")


def test_every_method_has_three_scales_and_a_smoke_config():
    names = {p.stem for p in CONFIGS}
    for m in METHODS:
        assert {f"{m}_x4", f"{m}_x8", f"{m}_x16", f"{m}_x8_cpu_smoke"} <= names, m


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_config_is_valid(path):
    cfg = load_config(path)
    WeightedLoss(cfg.losses)
    create(cfg.generator.model, cfg.scale, device="meta", **cfg.generator.options)
    for net in cfg.nets.values():
        if net.part:
            create_part(net.model, net.part, cfg.scale, device="meta", **net.options)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in CONFIGS if p.stem.endswith("_cpu_smoke")], ids=lambda p: p.stem)
def test_smoke_config_trains(path, tmp_path, request):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    extra = []
    if load_config(path).data.train.dataset == "prepared":  # prior-guided methods: aligned faces + landmarks
        extra.append(f"data.train.root={request.getfixturevalue('prepared')}")
    cfg = load_config(path, [f"output={tmp_path / 'run'}", "train.progress=false", "train.tensorboard=false", *extra])
    result = Trainer(cfg).fit()
    assert result.iteration == cfg.train.iterations and "psnr" in result.last_val
