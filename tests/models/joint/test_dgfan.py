"""DGFAN (joint deblurring and SR, survey §4.7.2): shapes and the deblurred-LR output, the stated parameter
count, the gated fusion and the edge input, the deblur recipe's sharp-LR target and blurred training data, and
its smoke config trains with both loss terms."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, model_info
from facesr.models.joint.dgfan import DGFAN, GatedFusion, sobel_magnitude
from facesr.training import load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "joint"
TINY = {"features": 8, "structure_blocks": 1, "detail_blocks": 1, "reconstruction_blocks": 1, "reduction": 4}


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_shapes(scale):
    net = DGFAN(scale, **TINY).eval()
    lr = torch.rand(2, 3, 128 // scale, 128 // scale)
    out = net(lr, aux=True)
    assert out["sr"].shape == (2, 3, 128, 128) and out["lr_deblur"].shape == lr.shape
    assert torch.equal(net(lr), out["sr"])


def test_registered_and_parameter_count_as_stated():
    info = model_info("dgfan")
    assert info["family"] == "joint" and info["input"] == "lr"
    assert _count(create("dgfan", 8, device="meta")) == 12_128_810
    assert _count(create("dgfan", 4, device="meta")) == 11_981_098
    assert "12,128,810" in info["notes"]


def test_sobel_magnitude_sees_edges_only():
    flat = torch.full((1, 3, 8, 8), 0.4)
    assert float(sobel_magnitude(flat).max()) < 1e-5
    step = flat.clone()
    step[..., 4:] = 0.9
    mag = sobel_magnitude(step)[0, 0]
    assert float(mag[:, 3:5].min()) > 0.1 and float(mag[:, :2].max()) < 1e-5


def test_gated_fusion_gates_the_structure_stream():
    torch.manual_seed(0)
    fusion = GatedFusion(8, 4)
    x, s, d = torch.rand(1, 3, 4, 4), torch.rand(1, 8, 4, 4), torch.rand(1, 8, 4, 4)
    assert torch.allclose(fusion(x, torch.zeros_like(s), d), d)
    gate = fusion.gate(torch.cat([x, s, d], dim=1))
    assert torch.allclose(fusion(x, s, d), gate * s + d)


def test_bad_input_and_options():
    net = DGFAN(4, **TINY)
    with pytest.raises(InputError):
        net(torch.rand(1, 3, 30, 30))
    with pytest.raises(ConfigError):
        DGFAN(4, features=8, reduction=16)


def test_sharp_lr_is_the_clean_downscale():
    from facesr.ops import imresize
    from facesr.training.recipes.deblur import sharp_lr

    hr = torch.rand(2, 3, 32, 32)
    assert torch.allclose(sharp_lr(hr, 4, "matlab"), imresize(hr, 0.25, kernel="matlab"), atol=1e-6)


def test_configs_build():
    from zoo_configs import build_config

    paths = sorted(CONFIGS.glob("dgfan_*.yaml"))
    assert {p.stem for p in paths} >= {"dgfan_x4", "dgfan_x8", "dgfan_cpu_smoke"}
    assert all(build_config(p).recipe["type"] == "deblur" for p in paths)


def _smoke(tmp_path: Path, *extra: str):
    return load_config(CONFIGS / "dgfan_cpu_smoke.yaml",
                       [f"output={tmp_path / 'run'}", "data.train.limit=4", "data.val.limit=2", "train.iterations=2",
                        "train.checkpoint_every=2", "train.progress=false", "train.tensorboard=false", *extra])


def test_smoke_config_trains_on_blurred_faces(tmp_path):
    from facesr.ops import imresize
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    torch.set_num_threads(2)
    trainer = Trainer(_smoke(tmp_path))
    item = trainer.train_set[0]
    clean = imresize(item["hr"][None], 0.25, kernel="matlab")[0]
    assert item["lr"].shape == clean.shape and float((item["lr"] - clean).abs().mean()) > 0.005  # blurred
    result = trainer.fit()
    assert result.iteration == 2 and "psnr" in result.last_val
    with open(tmp_path / "run" / "train_log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert all(float(r["deblur"]) > 0 and float(r["pixel"]) > 0 for r in rows)


def test_unknown_blur_is_a_config_error(tmp_path):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba")
    with pytest.raises(ConfigError, match="blur must be one of"):
        Trainer(_smoke(tmp_path, "recipe.blur=sharp"))
