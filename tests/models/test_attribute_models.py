"""FSRSA and AACNN: paper parameter counts, both attribute modes, unknown attributes, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.evaluation.missing_attributes import hide_attributes, missing_attribute_drop
from facesr.models import create, create_part, model_complexity, model_info


def _params(m: torch.nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def test_paper_parameter_counts():
    # methods.md §5: PyTorch transcriptions of the reference code at x8 (18 / 38 attributes)
    assert _params(create("fsrsa", 8, device="meta")) == 43_120_291
    aacnn = _params(create("aacnn", 8, n_attributes=38, device="meta"))
    assert abs(aacnn - 2_991_000) < 3_000  # "2,991k" (the TF PReLUs' exact layout is not recorded)
    c = model_complexity("fsrsa", 8)
    assert round(c.macs / 1e9, 2) == 2.24
    assert round(model_complexity("aacnn", 8, n_attributes=38).macs / 1e9, 2) == 3.77


@pytest.mark.parametrize("name", ["fsrsa", "aacnn"])
@pytest.mark.parametrize("scale", [4, 8, 16])
def test_shapes_both_modes(name, scale):
    side = 128 // scale
    x = torch.rand(2, 3, side, side)
    given = create(name, scale, n_attributes=5, seed=0, **({"width": 0.125} if name == "fsrsa" else {}))
    assert given(x, attributes=torch.ones(2, 5)).shape == (2, 3, 128, 128)
    est = create(f"{name}_est", scale, n_attributes=5, seed=0, **({"width": 0.125} if name == "fsrsa" else {}))
    out = est(x, aux=True)
    assert out["sr"].shape == (2, 3, 128, 128) and out["attr_pred"].shape == (2, 5)
    p = out["attr_pred"].detach()
    assert float(p.min()) >= 0.0 and float(p.max()) <= 1.0
    assert est(x).shape == (2, 3, 128, 128)  # no attributes needed at test time


@pytest.mark.parametrize("name", ["fsrsa", "aacnn"])
def test_attributes_change_the_output_and_nan_means_unknown(name):
    opts = {"width": 0.125} if name == "fsrsa" else {}
    net = create(name, 8, n_attributes=4, seed=1, **opts).eval()
    x = torch.rand(1, 3, 16, 16)
    a0, a1 = torch.zeros(1, 4), torch.ones(1, 4)
    assert not torch.allclose(net(x, attributes=a0), net(x, attributes=a1))
    nan = torch.full((1, 4), float("nan"))
    torch.testing.assert_close(net(x, attributes=nan), net(x, attributes=torch.full((1, 4), 0.5)))


@pytest.mark.parametrize("name", ["fsrsa", "aacnn"])
def test_missing_or_wrong_attributes_are_clear_errors(name):
    opts = {"width": 0.125} if name == "fsrsa" else {}
    net = create(name, 8, n_attributes=9, **opts)
    x = torch.rand(2, 3, 16, 16)
    with pytest.raises(InputError, match=r"data.train.priors: \[attributes\].*utkface"):
        net(x)
    with pytest.raises(InputError, match="n_attributes"):
        net(x, attributes=torch.zeros(2, 40))
    with pytest.raises(InputError, match="16x16"):
        net(torch.rand(2, 3, 32, 32), attributes=torch.zeros(2, 9))
    with pytest.raises(ConfigError, match="mode"):
        create(name, 8, mode="guessed")


def test_fsrsa_discriminator_is_attribute_conditional():
    d = create_part("fsrsa", "discriminator", 8, n_attributes=3, widths=(8, 8, 8, 8, 16), seed=0).eval()
    x = torch.rand(2, 3, 128, 128)
    s0, s1 = d(x, attributes=torch.zeros(2, 3)), d(x, attributes=torch.ones(2, 3))
    assert s0.shape == (2, 1) and not torch.allclose(s0, s1)
    with pytest.raises(InputError, match="attributes"):
        d(x)


def test_registry_metadata():
    for name in ("fsrsa", "aacnn"):
        info = model_info(name)
        assert info["family"] == "attribute" and info["table7"].method.upper() == name.upper()
        assert info["train_inputs"] == ("attributes",) and info["input"] == "lr"
    assert model_info("fsrsa_est")["defaults"] == {"mode": "estimated"}


def test_hide_attributes_fraction():
    a = torch.ones(4, 5)
    assert torch.isnan(hide_attributes(a, 1.0)).all()
    assert not torch.isnan(hide_attributes(a, 0.0)).any()
    assert int(torch.isnan(hide_attributes(a, 0.5, seed=3)).sum()) == 10
    with pytest.raises(InputError):
        hide_attributes(a, 1.5)


def test_missing_attribute_drop_rows():
    net = create("aacnn", 8, n_attributes=3, seed=0)
    hr = np.random.default_rng(0).integers(0, 256, (3, 128, 128, 3), dtype=np.uint8)
    rows = missing_attribute_drop(net, hr, torch.tensor([[1.0, 0, 1], [0, 1, 0], [1, 1, 0]]),
                                  fractions=(0.0, 1.0), metrics=("psnr",))
    assert [r["hidden"] for r in rows] == [0.0, 1.0, "bicubic"]
    assert rows[0]["drop_psnr"] == 0.0 and rows[1]["drop_psnr"] == pytest.approx(rows[0]["psnr"] - rows[1]["psnr"])
    with pytest.raises(InputError, match="given"):
        missing_attribute_drop(create("aacnn_est", 8, n_attributes=3), hr, torch.zeros(3, 3))
