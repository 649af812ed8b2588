"""FCSR-GAN (joint completion and SR, survey §4.7.1): shapes and outputs, the stated parameter counts, and the
fcsrgan recipe's three stages (completion model alone, SR model with it fixed, end to end) on occluded faces."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from facesr.errors import ConfigError, InputError
from facesr.models import create, model_info
from facesr.models.joint.fcsrgan import FCSRGAN, neighbour_differences
from facesr.training import Trainer, load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "joint"
TINY = {"features": 8, "mid_blocks": 1, "sr_features": 8, "sr_blocks": 1}


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("scale", [4, 8])
def test_shapes_and_training_outputs(scale):
    net = FCSRGAN(scale, **TINY)
    lr = torch.rand(2, 3, 128 // scale, 128 // scale)
    out = net(lr, aux=True)
    assert out["sr"].shape == (2, 3, 128, 128) and out["lr_completed"].shape == lr.shape
    assert out["sr_diff"].shape == (2, 6, 128, 128) and not out["diff_zero"].any()
    assert torch.equal(net(lr), out["sr"])
    with pytest.raises(InputError, match="multiples of 4"):
        net(torch.rand(1, 3, 18, 18))


def test_neighbour_differences():
    x = torch.tensor([[[[1.0, 3.0], [2.0, 7.0]]]])
    d = neighbour_differences(x)
    assert d[0, 0].tolist() == [[2.0, 0.0], [5.0, 0.0]] and d[0, 1].tolist() == [[1.0, 4.0], [0.0, 0.0]]


def test_stated_parameter_counts():
    notes = model_info("fcsrgan")["notes"]
    x8, x4 = FCSRGAN(8), FCSRGAN(4)
    assert (_count(x8), _count(x4), _count(x8.fcm)) == (8_069_574, 7_921_862, 6_404_291)
    assert "8,069,574" in notes and "7,921,862" in notes and "6,404,291" in notes
    assert model_info("fcsrgan")["family"] == "joint" and create("fcsrgan", 4, **TINY).scale == 4
    with pytest.raises(ConfigError, match="x3"):
        FCSRGAN(3)


class Occluded(torch.utils.data.Dataset):
    """Smooth faces with a black block in their LR (what the occlusion preset gives)."""

    def __init__(self, n: int = 4) -> None:
        g = torch.Generator().manual_seed(0)
        self.hr = F.interpolate(torch.rand(n, 3, 8, 8, generator=g), size=(128, 128), mode="bicubic",
                                align_corners=False).clamp(0, 1)

    def __len__(self) -> int:
        return len(self.hr)

    def __getitem__(self, i: int) -> dict:
        lr = F.avg_pool2d(self.hr[i][None], 8)[0].clone()
        lr[:, 4:9, 5:11] = 0.0
        return {"hr": self.hr[i], "lr": lr, "index": torch.tensor(i), "seed": torch.tensor(i)}


def _snapshot(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _changed(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(a, p) for a, p in zip(before, module.parameters()))


def test_recipe_stages_train_the_right_parts(tmp_path):
    overrides = [f"output={tmp_path}", "train.threads=1", "losses.perceptual.weight=0", "losses.style.weight=0",
                 "losses.prior.weight=0", "data.val.enabled=false"]
    cfg = load_config(CONFIGS / "fcsrgan_cpu_smoke.yaml", overrides)
    data = Occluded()
    tr = Trainer(cfg, train_set=data)
    g, d = tr.nets["generator"], tr.nets["discriminator"]
    batch = {k: torch.stack([data[i][k] for i in range(2)]) for k in data[0]}
    seen = []
    for it in (1, 2, 3):
        fcm, srm, critic = _snapshot(g.fcm), _snapshot(g.srm), _snapshot(d)
        values = tr.recipe.step(batch, it)
        seen.append((_changed(fcm, g.fcm), _changed(srm, g.srm), _changed(critic, d)))
        assert int(values["stage"]) == it and torch.isfinite(values["loss"])
    assert seen == [(True, False, False), (False, True, True), (True, True, True)]
    assert "completion" in values and "smooth" in values and "adversarial" in values


def test_recipe_smoke_config_runs_and_checks_its_options(tmp_path):
    cfg = load_config(CONFIGS / "fcsrgan_cpu_smoke.yaml", [f"output={tmp_path}", "train.threads=1",
                                                            "data.val.enabled=false"])
    result = Trainer(cfg, train_set=Occluded()).fit()
    assert result.iteration == 3 and not result.interrupted
    log = (tmp_path / "train_log.csv").read_text().splitlines()
    assert len(log) == 4 and "nan" not in "".join(log[1:]).lower()
    bad = load_config(CONFIGS / "fcsrgan_cpu_smoke.yaml", [f"output={tmp_path}/b", "recipe.completion_term=nope"])
    with pytest.raises(ConfigError, match="no loss term 'nope'"):
        Trainer(bad, train_set=Occluded())


def test_configs_load():
    for s in (4, 8):
        cfg = load_config(CONFIGS / f"fcsrgan_x{s}.yaml")
        assert cfg.scale == s and cfg.generator.model == "fcsrgan" and cfg.data.train.degradation == "occlusion"
        assert cfg.recipe["type"] == "fcsrgan" and cfg.data.val.degradation == "occlusion"
