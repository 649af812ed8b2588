"""PSFR-GAN (pre-prior, survey §4.2.1): parameter counts against the paper's (methods.md), the frozen parsing
network and the SPADE guidance, the multi-scale discriminator, the semantic-aware style loss, loading stage 1's
weights, and both stages train from their smoke configs with every loss term."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, model_info
from facesr.models.prior.parsenet import ParseNet
from facesr.models.prior.psfr_layers import SPADE
from facesr.models.prior.psfr_losses import SemanticStyleLoss, masked_gram
from facesr.models.prior.psfrgan import PSFRGAN, PSFRDiscriminator, PSFRGenerator
from facesr.training import load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "prior"
TINY_P = {"base_channels": 8, "res_depth": 1, "max_channels": 16, "min_channels": 8}


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def test_parameter_counts_match_the_paper():
    with torch.device("meta"):
        assert _count(PSFRGenerator(128)) == 45_502_467  # methods.md: 45.50M at 128 px
        assert _count(PSFRGenerator(512)) == 45_956_995  # 45.96M at 512 px
        assert _count(ParseNet(8, 512)) == 21_303_254  # 21.30M (the paper's 512-px ParseNet)
        assert _count(ParseNet(8, 128)) == 14_220_246
    info = model_info("psfrgan")
    assert info["prior_category"] == "pre-prior" and info["input"] == "upsampled"
    assert "45,502,467" in info["notes"] and "21,303,254" in info["notes"]


def test_parsenet_outputs():
    net = ParseNet(8, 64, **TINY_P).eval()
    x = torch.rand(2, 3, 64, 64)
    out = net(x, aux=True)
    assert out["sr"].shape == x.shape and out["parsing_pred"].shape == (2, 19, 64, 64)
    hot = net.parse(x)
    assert torch.equal(hot.sum(1), torch.ones(2, 64, 64)) and torch.equal(hot.argmax(1), out["parsing_pred"].argmax(1))
    with pytest.raises(InputError):
        net(torch.rand(1, 3, 32, 32))
    with pytest.raises(ConfigError):
        ParseNet(8, 48)


def test_parsing_network_is_frozen_and_guides_the_generator():
    torch.manual_seed(0)
    net = PSFRGAN(8, 64, parsenet_options=TINY_P, max_channels=32).train()
    assert not net.parsenet.training and all(not p.requires_grad for p in net.parsenet.parameters())
    x = torch.rand(2, 3, 64, 64)
    out = net(x, aux=True)
    assert out["sr"].shape == x.shape and out["parsing_lr"].shape == (2, 19, 64, 64)
    out["sr"].mean().backward()
    assert all(p.grad is None for p in net.parsenet.parameters())
    assert net.generator.const.grad is not None
    with pytest.raises(InputError, match="64x64"):
        net(torch.rand(1, 3, 128, 128))


def test_spade_is_scale_invariant_and_follows_the_guidance():
    torch.manual_seed(0)
    spade = SPADE(4, 22)
    x, ref = torch.randn(1, 4, 8, 8), torch.rand(1, 22, 16, 16)
    assert torch.allclose(spade(3.0 * x + 2.0, ref), spade(x, ref), atol=1e-4)
    assert not torch.allclose(spade(x, ref), spade(x, torch.rand(1, 22, 16, 16)), atol=1e-3)


def test_discriminator_scales_and_features():
    d = PSFRDiscriminator(num_d=2, base_channels=4, max_channels=32)
    x, parsing = torch.rand(2, 3, 128, 128), torch.randint(0, 19, (2, 128, 128))
    assert d(x, parsing).shape == (2, 2, 6, 6)
    feats = d.features(x, parsing)
    assert len(feats) == 2 and all(len(f) == 5 for f in feats)
    with pytest.raises(InputError):
        d(torch.rand(1, 3, 64, 64), parsing[:1, :64, :64])
    with pytest.raises(InputError):
        PSFRDiscriminator(num_d=3)(x, parsing)  # a third discriminator would see 2 x 2 maps at 128 px


def test_masked_gram_and_semantic_style_loss():
    from facesr.losses import gram_matrix

    f = torch.rand(2, 5, 4, 4)
    ones = torch.ones(2, 1, 4, 4)
    assert torch.allclose(masked_gram(f, ones)[:, 0], gram_matrix(f), atol=1e-6)
    assert float(masked_gram(f, torch.zeros(2, 1, 4, 4)).abs().max()) == 0.0
    loss = SemanticStyleLoss(pretrained=False)
    hr = torch.rand(1, 3, 64, 64)
    parsing = torch.zeros(1, 64, 64, dtype=torch.long)
    parsing[:, 16:48, 16:48] = 1
    assert float(loss(hr, hr, parsing)) < 1e-10
    assert float(loss(torch.rand(1, 3, 64, 64), hr, parsing)) > 0


def test_stage_one_weights_load(tmp_path):
    from safetensors.torch import save_file

    from facesr.errors import InputError

    torch.manual_seed(1)
    parse = ParseNet(8, 64, **TINY_P)
    save_file(parse.state_dict(), str(tmp_path / "parse.safetensors"))
    net = PSFRGAN(8, 64, parsenet=str(tmp_path / "parse.safetensors"), parsenet_options=TINY_P, max_channels=32)
    assert all(torch.equal(a, b) for a, b in zip(net.parsenet.state_dict().values(), parse.state_dict().values()))
    with pytest.raises(InputError, match="none.pt"):
        PSFRGAN(8, 64, parsenet=str(tmp_path / "none.pt"), parsenet_options=TINY_P)
    save_file(ParseNet(8, 64).state_dict(), str(tmp_path / "wide.safetensors"))
    with pytest.raises(InputError, match="do not fit"):
        PSFRGAN(8, 64, parsenet=str(tmp_path / "wide.safetensors"), parsenet_options=TINY_P)


def test_configs_build():
    from zoo_configs import build_config

    paths = sorted(CONFIGS.glob("psfrgan*.yaml"))
    assert {p.stem for p in paths} >= {"psfrgan_x4", "psfrgan_x8", "psfrgan_cpu_smoke", "psfrgan_parsenet_x4",
                                       "psfrgan_parsenet_x8", "psfrgan_parsenet_cpu_smoke"}
    for p in paths:
        stage2 = not load_config(p).generator.part
        build_config(p, **({"parsenet": None} if stage2 else {}))  # stage 1's weights do not exist here


def _train(name: str, tmp_path: Path, root: Path):
    from facesr.training import Trainer

    cfg = load_config(CONFIGS / f"{name}.yaml",
                      [f"output={tmp_path / name}", f"data.train.root={root}", "data.train.limit=4", "data.val.limit=2",
                       "train.iterations=2", "train.checkpoint_every=2", "train.progress=false",
                       "train.tensorboard=false"])
    result = Trainer(cfg).fit()
    with open(tmp_path / name / "train_log.csv", newline="") as fh:
        return cfg, result, list(csv.DictReader(fh))


@pytest.mark.slow
def test_both_stages_train_from_smoke_configs(tmp_path, prepared):
    from facesr_testing import require_data

    require_data("celeba1000")
    torch.set_num_threads(2)
    _, result, rows = _train("psfrgan_parsenet_cpu_smoke", tmp_path, prepared)
    assert result.iteration == 2 and all(float(r["parsing"]) > 0 for r in rows)
    best = tmp_path / "psfrgan_parsenet_cpu_smoke" / "checkpoints" / "best.pt"
    net = create("psfrgan", 8, parsenet=str(best), parsenet_options=TINY_P, max_channels=32)
    assert net.parsenet.to_parsing.conv.weight.abs().sum() > 0
    cfg, result, rows = _train("psfrgan_cpu_smoke", tmp_path, prepared)
    assert result.iteration == 2 and "psnr" in result.last_val
    for term in ("pixel", "adversarial", "semantic_style", "feature_matching", "discriminator_loss"):
        assert all(float(r[term]) == float(r[term]) for r in rows), term
    assert float(rows[-1]["semantic_style"]) > 0 and float(rows[-1]["feature_matching"]) > 0
