"""TANN (joint frontalization and SR, survey §4.7.5): shapes at x4/x8, the spatial transformers start as the
identity, the frontal LR's code is a target without gradient while its reconstruction trains the shared network,
the discriminator, the configs, and the smoke config trains on CelebA pose pairs with every loss term."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, create_part, model_info
from facesr.models.joint.tann import TANN, SpatialTransformer, TANNDiscriminator
from facesr.training import load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "joint"


@pytest.mark.parametrize("scale", [4, 8])
def test_shapes_and_aux_outputs(scale):
    net = TANN(scale, features=8).eval()
    lr, frontal = torch.rand(2, 3, 128 // scale, 128 // scale), torch.rand(2, 3, 128 // scale, 128 // scale)
    out = net(lr, lr_frontal=frontal, aux=True)
    assert out["sr"].shape == out["sr_frontal"].shape == (2, 3, 128, 128)
    assert out["latent"].shape == out["latent_frontal"].shape == (2, 32, 128 // scale // 4, 128 // scale // 4)
    assert torch.equal(net(lr), out["sr"])


def test_spatial_transformer_starts_as_identity():
    stn = SpatialTransformer(4)
    x = torch.rand(2, 4, 8, 8)
    assert torch.allclose(stn(x), x, atol=1e-5)
    assert torch.allclose(stn.theta(x), torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(2, 2, 3))


def test_frontal_code_is_a_target_and_its_reconstruction_trains():
    torch.manual_seed(0)
    net = TANN(8, features=8)
    out = net(torch.rand(2, 3, 16, 16), lr_frontal=torch.rand(2, 3, 16, 16), aux=True)
    assert not out["latent_frontal"].requires_grad and out["latent"].requires_grad
    out["sr_frontal"].mean().backward()
    assert net.transformer.head[0].weight.grad is not None


def test_discriminator_and_bad_input():
    d = TANNDiscriminator(features=4)
    assert d(torch.rand(3, 3, 128, 128)).shape == (3, 1)
    with pytest.raises(InputError):
        d(torch.rand(1, 3, 64, 64))
    with pytest.raises(InputError):
        TANN(8, features=8)(torch.rand(1, 3, 18, 18))
    with pytest.raises(ConfigError):
        TANN(3)


def test_registered_and_parameter_counts_as_stated():
    info = model_info("tann")
    assert info["family"] == "joint" and info["input"] == "lr" and "lr_frontal" in info["train_inputs"]
    count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert count(create("tann", 8, device="meta")) == 1_437_205
    assert count(create("tann", 4, device="meta")) == 1_420_757
    assert count(create_part("tann", "discriminator", 8, device="meta")) == 706_977
    assert all(n in info["notes"] for n in ("1,437,205", "1,420,757", "706,977"))


def test_configs_build():
    from zoo_configs import build_config

    paths = sorted(CONFIGS.glob("tann_*.yaml"))
    assert {p.stem for p in paths} >= {"tann_x4", "tann_x8", "tann_cpu_smoke"}
    assert all(build_config(p).recipe["type"] == "frontalize" for p in paths)


def test_smoke_config_trains_on_pose_pairs(tmp_path):
    from facesr.training import Trainer
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    torch.set_num_threads(2)
    cfg = load_config(CONFIGS / "tann_cpu_smoke.yaml",
                      [f"output={tmp_path / 'run'}", "data.val.limit=2", "train.iterations=2",
                       "train.checkpoint_every=2", "train.progress=false", "train.tensorboard=false"])
    trainer = Trainer(cfg)
    pairs = trainer.train_set
    assert len(pairs) > 0 and all(abs(pairs.yaws[t]) <= 4.0 for _, t in pairs.pairs)
    result = trainer.fit()
    assert result.iteration == 2 and "psnr" in result.last_val
    with open(tmp_path / "run" / "train_log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for term in ("pixel", "frontal", "latent", "adversarial", "discriminator_loss"):
        assert all(float(r[term]) == float(r[term]) for r in rows), term
    assert float(rows[-1]["latent"]) > 0
