"""MTDN and TDAE (joint alignment and SR, survey §4.7.4): shapes, the spatial transformer (identity at the
start, learns a warp), TDAE's intermediate outputs, the stated parameter counts, and their smoke configs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from facesr.errors import ConfigError
from facesr.models import model_info
from facesr.models.joint.mtdn import MTDN
from facesr.models.joint.stn import SpatialTransformer
from facesr.models.joint.tdae import TDAE
from facesr.training import Trainer, load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "joint"
TINY = {"widths": (8, 8, 8, 8)}


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("scale", [4, 8])
def test_shapes(scale):
    lr = torch.rand(2, 3, 128 // scale, 128 // scale)
    assert MTDN(scale, **TINY)(lr).shape == (2, 3, 128, 128)
    out = TDAE(scale, **TINY)(lr, aux=True)
    assert out["sr"].shape == out["sr_coarse"].shape == (2, 3, 128, 128)
    assert out["lr_aligned"].shape == lr.shape


def test_spatial_transformer_starts_as_identity_and_can_warp():
    stn = SpatialTransformer(4, hidden=4)
    x = torch.rand(2, 4, 16, 16)
    assert torch.allclose(stn(x), x, atol=1e-5)
    target = torch.roll(x, 2, dims=-1)
    opt = torch.optim.Adam(stn.parameters(), lr=1e-2)
    first = F.mse_loss(stn(x), target).item()
    for _ in range(30):
        opt.zero_grad()
        loss = F.mse_loss(stn(x), target)
        loss.backward()
        opt.step()
    assert loss.item() < 0.8 * first


def test_stn_sits_at_small_sizes_only():
    stns = [m for m in MTDN(8, **TINY).modules() if isinstance(m, SpatialTransformer)]
    assert len(stns) == 2  # the 16 and 32 px stages
    assert sum(isinstance(m, SpatialTransformer) for m in TDAE(8, **TINY).modules()) == 6


def test_stated_parameter_counts():
    assert (_count(MTDN(8)), _count(MTDN(4))) == (1_666_575, 1_518_345)
    assert (_count(TDAE(8)), _count(TDAE(4))) == (4_225_133, 3_817_371)
    for name, counts in (("mtdn", ("1,666,575", "1,518,345")), ("tdae", ("4,225,133", "3,817,371"))):
        assert all(c in model_info(name)["notes"] for c in counts) and model_info(name)["family"] == "joint"
    with pytest.raises(ConfigError, match="x2"):
        MTDN(2)
    with pytest.raises(ConfigError, match="widths"):
        MTDN(8, widths=(8, 8))


class Turned(torch.utils.data.Dataset):
    def __init__(self, n: int = 2) -> None:
        g = torch.Generator().manual_seed(0)
        self.hr = F.interpolate(torch.rand(n, 3, 8, 8, generator=g), size=(128, 128), mode="bicubic",
                                align_corners=False).clamp(0, 1)

    def __len__(self) -> int:
        return len(self.hr)

    def __getitem__(self, i: int) -> dict:
        lr = torch.roll(F.avg_pool2d(self.hr[i][None], 8)[0], 1, dims=-1)
        return {"hr": self.hr[i], "lr": lr, "index": torch.tensor(i), "seed": torch.tensor(i)}


@pytest.mark.parametrize("method", ["mtdn", "tdae"])
def test_smoke_config_trains_one_iteration(method, tmp_path):
    cfg = load_config(CONFIGS / f"{method}_cpu_smoke.yaml", [f"output={tmp_path}", "train.iterations=1",
                                                              "train.threads=1", "data.val.enabled=false"])
    assert cfg.data.train.degradation == "misalign" and cfg.data.val.degradation == "misalign"
    result = Trainer(cfg, train_set=Turned()).fit()
    assert result.iteration == 1 and not result.interrupted
    log = (tmp_path / "train_log.csv").read_text().splitlines()
    assert "adversarial" in log[0] and "nan" not in log[1].lower()
    if method == "tdae":
        assert "coarse" in log[0]
    for s in (4, 8):
        assert load_config(CONFIGS / f"{method}_x{s}.yaml").scale == s
