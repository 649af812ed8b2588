"""Prior-guided networks (FSRNet/FSRGAN, Super-FAN, DIC/DICGAN) and the hourglass landmark nets:
exact parameter counts against methods.md, MACs, shapes, auxiliary outputs, parts, input errors."""

from __future__ import annotations

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, create_part, model_complexity, model_info
from facesr.models.complexity import count_params
from facesr.models.table7 import agreement

# methods.md §1.1 / §4: exact counts (and survey units) of the x8 networks; MACs at the native input.
EXACT = {"fsrnet": (3_272_463, "3.1", 15.27), "superfan": (1_363_140, "1.3", 1.44),
         "dic": (21_803_849, "20.8", 45.34)}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_params_equal_methods_md_and_survey(name):
    params, survey, gmacs = EXACT[name]
    c = model_complexity(name, 8)
    assert round(c.params / 1000) == round(params / 1000)  # methods.md gives thousands
    assert c.params == params
    assert agreement(c.params_survey, model_info(name)["table7"].params) == "="
    assert model_info(name)["table7"].params == survey
    assert round(c.gmacs, 2) == gmacs


def test_component_counts():
    dic = create("dic", 8, device="meta")
    assert count_params(dic.landmarks) == 11_999_172  # methods.md: HG 12.00M, SR 9.80M
    assert round((count_params(dic) - count_params(dic.landmarks)) / 1e6, 2) == 9.80
    assert model_complexity("superfan", 4).params == 1_297_412  # the x4 paper network, 1,297k


def test_registry_metadata():
    for name, category in (("fsrnet", "in-prior"), ("fsrgan", "in-prior"), ("superfan", "post-prior"),
                           ("dic", "in-prior"), ("dicgan", "in-prior")):
        info = model_info(name)
        assert info["family"] == "prior" and info["prior_category"] == category
        assert info["section"] == "Prior-guided FSR Methods"
    assert model_info("fsrnet")["table7"].method == "FSRNet"
    assert model_info("fsrgan")["table7"] is None and model_info("fsrgan")["variant_of"] == "fsrnet"
    assert set(model_info("dicgan")["parts"]) == {"discriminator", "landmarks"}


def _small(name):
    return {
        "fsrnet": {"features": 8, "prior_features": 16, "coarse_blocks": 1, "encoder_blocks": 1,
                   "decoder_blocks": 1, "hourglasses": 1},
        "superfan": {"features": 8, "lr_blocks": 1, "stage_blocks": (1,)},
        "dic": {"features": 8, "groups": 2, "fusion_blocks": 1, "hg_features": 16},
    }[name]


def test_fsrnet_outputs_and_gradients():
    net = create("fsrnet", 8, seed=0, **_small("fsrnet")).train()
    x = torch.rand(2, 3, 64, 64)
    out = net(x, aux=True)
    assert set(out) == {"sr", *net.aux_outputs}
    assert out["sr"].shape == out["sr_coarse"].shape == (2, 3, 64, 64)
    assert out["heatmaps_pred"].shape == (2, 68, 32, 32) and out["parsing_pred"].shape == (2, 11, 32, 32)
    sum(v.square().mean() for v in out.values()).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.eval()
    with torch.no_grad():
        assert torch.equal(net(x), net(x, aux=True)["sr"])
    with pytest.raises(InputError, match="multiples of 16"):
        net(torch.rand(1, 3, 40, 40))


def test_superfan_scales_and_critic():
    for scale in (2, 4, 8, 16):
        net = create("superfan", scale, seed=0, **_small("superfan"))
        assert net(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8 * scale, 8 * scale)
    critic = create_part("superfan", "critic", 8, seed=0, widths=(4, 4, 4, 4))
    assert critic(torch.rand(2, 3, 128, 128)).shape == (2, 1, 5, 5)
    with pytest.raises(ConfigError):
        create("superfan", 3)


def test_dic_steps_attention_and_scale():
    net = create("dic", 8, seed=0, **_small("dic")).train()
    out = net(torch.rand(2, 3, 16, 16), aux=True)
    assert [k for k in out if k.startswith("sr_")] == ["sr_1", "sr_2", "sr_3", "sr_4"]
    assert out["sr"] is out["sr_4"] and out["sr_1"].shape == (2, 3, 128, 128)
    assert out["heatmaps_3"].shape == (2, 68, 32, 32)
    out["sr"].mean().backward()
    # the last SR depends on the attention block and on the landmark branch through the part maps
    assert net.fusion.expand[0].weight.grad.abs().sum() > 0
    assert net.landmarks.predict.weight.grad.abs().sum() > 0
    with pytest.raises(ConfigError, match="supported: x8"):
        create("dic", 4)
    with pytest.raises(InputError):
        net(torch.rand(1, 3, 12, 12))


def test_discriminators():
    d = create_part("fsrgan", "discriminator", 8, seed=0, widths=(4, 4, 4, 4))
    assert d(torch.rand(2, 6, 128, 128)).shape == (2, 1, 8, 8)
    d = create_part("dicgan", "discriminator", 8, seed=0, widths=(4, 4, 4, 4, 4))
    assert d(torch.rand(2, 3, 128, 128)).shape == (2, 1)
    with pytest.raises(InputError):
        d(torch.rand(2, 3, 64, 64))


def test_hourglass_landmark_net():
    net = create_part("superfan", "landmarks", 8, seed=0, stacks=2, channels=16, depth=2)
    x = torch.rand(2, 3, 64, 64)
    outs = net(x, all_stacks=True)
    assert len(outs) == 2 and outs[-1].shape == (2, 68, 16, 16)
    assert torch.equal(net.eval()(x), net(x, all_stacks=True)[-1])
    with pytest.raises(InputError, match="multiples of 16"):
        net(torch.rand(1, 3, 40, 40))
