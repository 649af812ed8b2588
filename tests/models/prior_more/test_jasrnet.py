"""JASRNet (parallel prior, survey §4.2.2): shapes at every scale, the stated parameter count, one shared
encoder trained by both tasks (each loss reaches the trunk, neither reaches the other branch), bad input, and
its smoke config trains with both loss terms on a prepared cache."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, model_info
from facesr.models.prior.jasrnet import JASRNet
from facesr.training import load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "prior"
TINY = {"features": 8, "groups": 1, "blocks": 1, "reduction": 4, "hourglass_features": 16, "hourglasses": 2}


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def test_registered_as_parallel_prior():
    info = model_info("jasrnet")
    assert info["family"] == "prior" and info["prior_category"] == "parallel-prior" and info["input"] == "lr"


@pytest.mark.parametrize("scale", [4, 8, 16])
def test_shapes(scale):
    net = JASRNet(scale, **TINY).eval()
    lr = torch.rand(2, 3, 128 // scale, 128 // scale)
    out = net(lr, aux=True)
    assert out["sr"].shape == (2, 3, 128, 128) and out["heatmaps_pred"].shape == (2, 68, 32, 32)
    assert torch.equal(net(lr), out["sr"])


def test_parameter_count_as_stated():
    assert _count(create("jasrnet", 8, device="meta")) == 4_292_683
    assert _count(create("jasrnet", 4, device="meta")) == 3_997_259
    assert "4,292,683" in model_info("jasrnet")["notes"]


def test_both_tasks_train_the_shared_encoder():
    from facesr.losses import LandmarkHeatmapLoss

    torch.manual_seed(0)
    net = JASRNet(8, **TINY)
    lr, hr = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 128, 128)
    landmarks = torch.rand(2, 68, 2) * 100 + 14
    for which in ("pixel", "heatmap"):
        net.zero_grad(set_to_none=True)
        out = net(lr, aux=True)
        loss = (torch.mean((out["sr"] - hr) ** 2) if which == "pixel"
                else LandmarkHeatmapLoss(sigma=1.0, image_size=128)(out["heatmaps_pred"], landmarks))
        loss.backward()
        trunk = net.trunk.fuse[0].weight.grad
        assert trunk is not None and float(trunk.abs().sum()) > 0
        other = net.align_branch if which == "pixel" else net.sr_branch
        assert all(p.grad is None for p in other.parameters())


def test_bad_input_and_options():
    net = JASRNet(8, **TINY)
    with pytest.raises(InputError):
        net(torch.rand(1, 3, 10, 10))
    with pytest.raises(InputError):
        net(torch.rand(1, 1, 16, 16))
    with pytest.raises(ConfigError):
        JASRNet(2)
    with pytest.raises(ConfigError):
        JASRNet(8, features=8, reduction=16)


def test_configs_build():
    from zoo_configs import build_config

    paths = sorted(CONFIGS.glob("jasrnet_*.yaml"))
    assert {p.stem for p in paths} >= {"jasrnet_x4", "jasrnet_x8", "jasrnet_x16", "jasrnet_cpu_smoke"}
    assert {build_config(p).scale for p in paths} == {4, 8, 16}


def test_smoke_config_trains_with_both_losses(tmp_path, prepared):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba1000")
    torch.set_num_threads(2)
    cfg = load_config(CONFIGS / "jasrnet_cpu_smoke.yaml",
                      [f"output={tmp_path / 'run'}", f"data.train.root={prepared}", "data.train.limit=4",
                       "data.val.limit=2", "train.iterations=2", "train.checkpoint_every=2", "train.progress=false",
                       "train.tensorboard=false"])
    result = Trainer(cfg).fit()
    assert result.iteration == 2 and "psnr" in result.last_val
    with open(tmp_path / "run" / "train_log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert all(float(r["heatmap"]) > 0 and float(r["pixel"]) > 0 for r in rows)
