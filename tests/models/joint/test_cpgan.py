"""CPGAN (joint illumination compensation and SR, survey §4.7.3): shapes, the guide face's influence, the
copy-and-paste block, the stated parameter counts, and one training iteration of the smoke config."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from facesr.errors import ConfigError, InputError
from facesr.models import model_info
from facesr.models.joint.copy_paste import CopyPaste
from facesr.models.joint.cpgan import CPGAN
from facesr.training import Trainer, load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "joint"
TINY = {"features": 8, "internal_blocks": 1}


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("scale", [4, 8])
def test_shapes_and_the_guide_matters(scale):
    torch.manual_seed(0)
    net = CPGAN(scale, **TINY).eval()
    lr, guide = torch.rand(2, 3, 128 // scale, 128 // scale), torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        sr = net(lr, reference=guide)
        other = net(lr, reference=guide.flip(-1))
    assert sr.shape == (2, 3, 128, 128) and (sr - other).abs().max() > 1e-6
    with pytest.raises(InputError, match="reference"):
        net(lr)
    with pytest.raises(InputError, match="does not fit"):
        net(lr, reference=torch.rand(2, 3, 64, 64))


def test_training_outputs_heatmaps_and_their_targets():
    net = CPGAN(8, **TINY)
    hr = torch.rand(1, 3, 128, 128)
    out = net(torch.rand(1, 3, 16, 16), reference=torch.rand(1, 3, 128, 128), hr=hr, aux=True)
    assert out["heatmaps_pred"].shape == (1, 68, 32, 32) and out["landmarks_hr"].shape == (1, 68, 2)
    with pytest.raises(ConfigError, match="pass hr="):
        net(torch.rand(1, 3, 16, 16), reference=hr, aux=True)


def test_copy_paste_copies_from_the_source():
    torch.manual_seed(0)
    cp = CopyPaste(4)
    target = torch.rand(1, 4, 8, 8)
    a, b = cp(target, torch.rand(1, 4, 16, 16)), cp(target, torch.rand(1, 4, 16, 16))
    assert a.shape == target.shape and (a - b).abs().max() > 1e-6
    big = torch.rand(1, 4, 64, 64)  # 4096 positions pooled to 1024
    assert cp(target, big).shape == target.shape
    assert torch.allclose(cp(target, big), cp(target, F.avg_pool2d(big, 2)))


def test_stated_parameter_counts():
    notes = model_info("cpgan")["notes"]
    assert (_count(CPGAN(8)), _count(CPGAN(4))) == (1_017_103, 749_707)
    assert "1,017,103" in notes and "749,707" in notes and model_info("cpgan")["family"] == "joint"
    with pytest.raises(ConfigError, match="68 iBUG"):
        CPGAN(8, landmarks=5)


class Shaded(torch.utils.data.Dataset):
    def __init__(self, n: int = 3) -> None:
        g = torch.Generator().manual_seed(0)
        self.hr = F.interpolate(torch.rand(n, 3, 8, 8, generator=g), size=(128, 128), mode="bicubic",
                                align_corners=False).clamp(0, 1)

    def __len__(self) -> int:
        return len(self.hr) - 1

    def __getitem__(self, i: int) -> dict:
        ramp = torch.linspace(1.0, 0.2, 16).view(1, 1, 16)
        lr = F.avg_pool2d(self.hr[i][None], 8)[0] * ramp
        return {"hr": self.hr[i], "lr": lr, "reference": self.hr[i + 1], "index": torch.tensor(i),
                "seed": torch.tensor(i)}


def test_smoke_config_trains_one_iteration(tmp_path):
    cfg = load_config(CONFIGS / "cpgan_cpu_smoke.yaml", [f"output={tmp_path}", "train.iterations=1",
                                                          "train.checkpoint_every=1", "train.threads=1"])
    assert cfg.data.train.priors == ("reference",) and cfg.data.train.degradation == "illumination"
    result = Trainer(cfg, train_set=Shaded()).fit()
    assert result.iteration == 1 and not result.interrupted
    log = (tmp_path / "train_log.csv").read_text().splitlines()
    assert "landmarks" in log[0] and "illumination" in log[0] and "nan" not in log[1].lower()
    for s in (4, 8):
        assert load_config(CONFIGS / f"cpgan_x{s}.yaml").scale == s
