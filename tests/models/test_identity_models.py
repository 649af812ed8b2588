"""SICNN, SiGAN and WaSRGAN: paper parameter counts, SiGAN's identity pairs, clear errors."""

from __future__ import annotations

import pytest
import torch

from facesr.errors import InputError
from facesr.losses import ContrastiveLoss
from facesr.models import create, create_part, model_complexity, model_info


def _params(m: torch.nn.Module, skip: str | None = None) -> int:
    return sum(p.numel() for n, p in m.named_parameters() if skip is None or not n.startswith(skip))


def test_paper_parameter_counts():
    # methods.md §6: transcriptions of the reference code (SICNN CNN-H x4 / x8; SiGAN conv part)
    assert _params(create("sicnn", 4, device="meta")) == 3_079_382  # "3.08M"
    assert _params(create("sicnn", 8, device="meta")) == 4_066_014  # "4,066k"
    assert round(_params(create("sigan", 4, device="meta"), skip="embed") / 1e6, 2) == 14.76
    assert round(_params(create("sigan", 8, device="meta"), skip="embed") / 1e6, 2) == 22.91
    assert _params(create("wasrgan", 8, device="meta")) == 74_999_296  # = WaSRNet, the survey's 71.5
    assert round(model_complexity("sicnn", 8).macs / 1e9, 2) == 9.67
    assert round(model_complexity("sigan", 8).macs / 1e9, 1) == 76.5


@pytest.mark.parametrize("scale", [4, 8, 16])
def test_shapes(scale):
    side = 128 // scale
    x = torch.rand(2, 3, side, side)
    assert create("sicnn", scale, first=8, growth=4, layers=2)(x).shape == (2, 3, 128, 128)
    g = create("sigan", scale, widths=[8] * (scale.bit_length() - 1), blocks=[1] * (scale.bit_length() - 1),
               head_width=8)
    assert g(x).shape == (2, 3, 128, 128)
    d = create_part("wasrgan", "discriminator", scale, widths=(8, 8))
    assert d(torch.rand(2, 3, 128, 128)).shape == (2, 1)


def test_sigan_pairs_from_identity_labels():
    g = create("sigan", 8, widths=[8, 8, 8], blocks=[1, 1, 1], head_width=8, seed=0)
    x, ref = torch.rand(4, 3, 16, 16), torch.rand(4, 3, 128, 128)
    out = g(x, reference=ref, identity=torch.tensor([0, 0, 1, -1]), aux=True)
    assert out["sr"].shape == (4, 3, 128, 128) and out["sr_down"].shape == (4, 3, 16, 16)
    # first half: (face, same-identity reference); second half: (face, previous face in the batch)
    assert out["same"].tolist() == [1, 1, 1, 1, 0, 1, 0, 0]
    assert out["feat1"].shape == out["feat2"].shape == (8, 128)
    torch.testing.assert_close(out["feat1"].sum(dim=1), torch.ones(8))  # softmax embeddings
    torch.testing.assert_close(out["feat2"][4:], out["feat1"][:4].roll(1, dims=0))
    loss = ContrastiveLoss(margin=0.5)(out["feat1"], out["feat2"], out["same"])
    loss.backward()
    assert g.embed.weight.grad is not None and g.stages[0][0].weight.grad.abs().sum() > 0


def test_sigan_without_pairs_names_the_data_option():
    g = create("sigan", 8, widths=[8, 8, 8], blocks=[1, 1, 1], head_width=8)
    with pytest.raises(InputError, match=r"data.train.priors: \[identity, reference\].*identity_CelebA"):
        g(torch.rand(2, 3, 16, 16), aux=True)


def test_discriminators_check_their_input():
    with pytest.raises(InputError, match="multiples of 8"):
        create_part("wasrgan", "discriminator", 8)(torch.rand(1, 3, 100, 100))
    with pytest.raises(InputError, match="N x 3"):
        create_part("sigan", "discriminator", 8)(torch.rand(1, 1, 64, 64))


def test_registry_metadata():
    for name in ("sicnn", "sigan", "wasrgan"):
        info = model_info(name)
        assert info["family"] == "identity" and info["table7"] is not None and info["input"] == "lr"
    assert model_info("sigan")["train_inputs"] == ("identity", "reference")
    assert model_info("wasrgan")["table7"].params == "71.5"
