"""The reference family (survey §4.5): registry entries, parameter counts against methods.md, output
shapes, gradients, export, seeding and input errors of GFRNet, GWAInet, ASFFNet, MEFSR, JSRFC, DFDNet."""

from __future__ import annotations

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, create_part, list_models, model_info
from facesr.models.complexity import count_params, model_complexity

NAMES = ["gfrnet", "gwainet", "asffnet", "mefsr", "jsrfc", "dfdnet"]

#: reduced widths (same code paths); DFDNet's widths are VGG's, so it runs on 64 px faces instead
SMALL = {
    "gfrnet": {"features": 4, "depth": 5},
    "gwainet": {"features": 8, "warper_features": 8, "warper_blocks": 1, "merge_blocks": 1},
    "asffnet": {"features": 8, "fusion_blocks": 1},
    "mefsr": {"features": 8, "blocks": 1},
    "jsrfc": {"features": 8, "lr_blocks": 1, "fused_blocks": 1},
    "dfdnet": {"face_size": 64, "atoms": 8, "vgg_pretrained": False},
}
HR = {"gfrnet": 32, "gwainet": 32, "asffnet": 32, "mefsr": 32, "jsrfc": 64, "dfdnet": 64}


def net_input(name: str, model, scale: int, n: int = 2, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    hr = HR[name]
    side = hr // scale if model.upsamples else hr
    return torch.rand(n, 3, side, side, generator=g)


def inputs(model, x: torch.Tensor, training: bool = False) -> dict:
    kw = model.example_conditions(x)
    if training and model.aux_outputs:
        kw.update(model.example_training_inputs(x) if hasattr(model, "example_training_inputs") else {})
        kw["aux"] = True
    return kw


def test_registry_entries():
    rows = {r["name"]: r for r in list_models("reference")}
    assert set(rows) == set(NAMES)
    for r in rows.values():
        assert r["family"] == "reference" and r["table7"] is None and r["section"] == "Reference FSR Methods"
        assert {4, 8, 16} <= set(r["scales"]) and r["paper"] and r["venue"] and r["code"] and r["notes"]
        assert "128 px" in r["notes"] and "256" in r["notes"]
        assert r["subfamily"] in ("single-face guided", "multi-face guided", "dictionary-guided")
    assert rows["gfrnet"]["table8"].celeba == (25.93, 0.901, 0.227)
    assert rows["asffnet"]["table8"].scores("vggface2")["psnr"] == 24.34
    assert rows["mefsr"]["table8"] is None
    assert "VGG-19" in rows["dfdnet"]["notes"] and "VGGFace" in rows["dfdnet"]["notes"]


def test_parameter_counts_match_methods_md():
    """methods.md §7.2: GWAInet 4.29M (warper 1.30M + generator 3.00M); §7.3: ASFFNet512 23.63M;
    §8.5: DFDNet 96.45M trainable besides the frozen VGG-19 (~20M). Widths do not depend on face size."""
    gw = create("gwainet", 8, device="meta")
    assert count_params(gw) == 4_293_445
    assert round(count_params(gw.warper) / 1e6, 2) == 1.30
    assert round((count_params(gw) - count_params(gw.warper)) / 1e6, 2) == 3.00
    asff = create("asffnet", 8, device="meta")
    assert round((count_params(asff) - 68) / 1e6, 2) == 23.63
    assert round(count_params(asff.lq_encoder) / 1e6, 2) == 3.76
    dfd = create("dfdnet", 8, device="meta")
    assert round(count_params(dfd, trainable_only=True) / 1e6, 2) == 96.45
    assert round(count_params(dfd.vgg) / 1e6, 1) == 20.0
    assert count_params(create("gfrnet", 8, device="meta")) == 72_520_069  # methods.md: n/a (inside the .t7)


@pytest.mark.parametrize("name", NAMES)
def test_full_size_shapes_on_meta(name):
    info = model_info(name)
    for scale in (4, 8):
        model = create(name, scale=scale, device="meta").eval()
        x = torch.zeros(1, 3, 128 // scale, 128 // scale, device="meta")
        if info["input"] == "upsampled":
            x = torch.zeros(1, 3, 128, 128, device="meta")
        assert model.upsamples == (info["input"] == "lr")
        with torch.no_grad():
            assert tuple(model(x, **model.example_conditions(x)).shape) == (1, 3, 128, 128)


def test_complexity_counts_the_references():
    c = model_complexity("gwainet", 8)
    assert c.params == 4_293_445 and c.input_shape == (1, 3, 16, 16)
    assert 3.0 < c.gmacs < 3.6  # methods.md: 3.27G at 16 -> 128


@pytest.mark.parametrize("name", NAMES)
def test_one_backward_step_reaches_every_parameter(name):
    scale = 4
    model = create(name, scale=scale, seed=0, **SMALL[name]).train()
    x = net_input(name, model, scale)
    out = model(x, **inputs(model, x, training=True))
    outs = out if isinstance(out, dict) else {"sr": out}
    assert outs["sr"].shape == (2, 3, HR[name], HR[name])
    sum((v - 0.5).square().mean() for v in outs.values() if v.requires_grad).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and
               (p.grad is None or not torch.isfinite(p.grad).all() or p.grad.abs().sum() == 0)]
    assert not missing


def test_export_matches_eager():
    """torch.export captures the networks with their reference inputs (eval mode) and runs new ones."""
    for name in ("gwainet", "asffnet", "jsrfc", "mefsr"):
        model = create(name, scale=4, seed=0, **SMALL[name]).eval()
        first, second = (net_input(name, model, 4, 1, seed) for seed in (1, 2))
        graph = torch.export.export(model, (first,), inputs(model, first)).module()
        with torch.no_grad():
            expected = model(second, **inputs(model, second))
        torch.testing.assert_close(graph(second, **inputs(model, second)), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_weights(name):
    a = create(name, scale=4, seed=3, **SMALL[name]).state_dict()
    b = create(name, scale=4, seed=3, **SMALL[name]).state_dict()
    c = create(name, scale=4, seed=4, **SMALL[name]).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_several_references_and_a_mask():
    model = create("mefsr", scale=4, seed=0, **SMALL["mefsr"]).eval()
    x = net_input("mefsr", model, 4, 1)
    refs = torch.rand(1, 4, 3, 32, 32)
    with torch.no_grad():
        full = model(x, reference=refs)
        masked = model(x, reference=refs, reference_mask=torch.tensor([[True, True, False, False]]))
        two = model(x, reference=refs[:, :2])
    torch.testing.assert_close(masked, two)
    assert not torch.allclose(full, two)


def test_single_face_methods_read_the_first_reference():
    model = create("gwainet", scale=4, seed=0, **SMALL["gwainet"]).eval()
    x = net_input("gwainet", model, 4, 1)
    refs = torch.rand(1, 3, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(x, reference=refs), model(x, reference=refs[:, 0]))


@pytest.mark.parametrize("kw,match", [
    ({}, "pass reference="),
    ({"reference": torch.rand(1, 3, 16, 16)}, "does not fit"),
    ({"reference": torch.rand(3, 32, 32)}, "N x 3 x H x W"),
])
def test_missing_or_wrong_reference_is_a_clear_error(kw, match):
    model = create("gwainet", scale=4, **SMALL["gwainet"]).eval()
    with pytest.raises(InputError, match=match):
        model(torch.rand(1, 3, 8, 8), **kw)


def test_bad_options_and_scales():
    with pytest.raises(ConfigError, match="landmarks"):
        create("gfrnet", 8, landmarks="guess")
    with pytest.raises(ConfigError, match="does not support scale"):
        create("jsrfc", 3)
    with pytest.raises(InputError, match="128 x 128"):
        create("dfdnet", 8, atoms=2, vgg_pretrained=False)(torch.rand(1, 3, 64, 64),
                                                           landmarks=torch.zeros(1, 68, 2))


def test_discriminator_part():
    d = create_part("asffnet", "discriminator", seed=0, features=8).eval()
    assert d(torch.rand(2, 3, 64, 64)).shape == (2, 1, 6, 6)


def test_gfrnet_training_outputs():
    """Landmark loss inputs: the flow at the face's landmarks should point at the guide's landmarks; with a
    zero flow (untrained WarpNet's last layer zeroed) the prediction is the face's own landmarks."""
    model = create("gfrnet", scale=4, seed=0, **SMALL["gfrnet"]).train()
    torch.nn.init.zeros_(model.warpnet.ups[-1].body[1].weight)
    torch.nn.init.zeros_(model.warpnet.ups[-1].body[1].bias)
    x = torch.rand(2, 3, 32, 32)
    lms = torch.rand(2, 68, 2) * 31
    ref_lms = lms + 2.0
    out = model(x, reference=torch.rand(2, 3, 32, 32), landmarks=lms, reference_landmarks=ref_lms, aux=True)
    torch.testing.assert_close(out["guide_points_pred"], lms / 32)
    torch.testing.assert_close(out["guide_points"], ref_lms / 32)
    assert out["flow_diff"].abs().max() == 0 and out["flow_zero"].shape == out["flow_diff"].shape


def test_mefsr_base_starts_at_the_restorer_and_keeps_it_frozen(tmp_path):
    """MEFSR ``base='bfr-lite'`` (the bundled reference model's design): untrained, it returns the frozen
    restorer's output on the MATLAB-bicubic upsampled face; a training step moves the MEFSR layers only; the
    restorer's weights travel in the state dict."""
    from facesr.models.general.bfr import BFR
    from facesr.ops.resize import imresize

    torch.manual_seed(0)
    net = create("mefsr", scale=4, features=8, blocks=1, base="bfr-lite")
    assert isinstance(net.base, BFR) and not any(p.requires_grad for p in net.base.parameters())
    x, refs = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 3, 32, 32)
    want = net.base(imresize(x, 4.0).clamp(0, 1)).clamp(0, 1)
    assert torch.equal(net(x, reference=refs), want)
    net.train()
    assert not net.base.training
    frozen = {k: v.clone() for k, v in net.base.state_dict().items()}
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-2)
    (net(x, reference=refs) - torch.rand(2, 3, 32, 32)).abs().mean().backward()
    opt.step()
    assert all(torch.equal(v, net.base.state_dict()[k]) for k, v in frozen.items())
    assert not torch.equal(net(x, reference=refs), want)
    assert any(k.startswith("base.") for k in net.state_dict())
    with pytest.raises(ConfigError, match="not of a bfr restorer"):
        from safetensors.torch import save_file

        save_file({"w": torch.zeros(1)}, str(tmp_path / "x.safetensors"),
                  metadata={"format": "facesr-weights-1", "model": "rcan", "scale": "4", "options": "{}"})
        create("mefsr", scale=4, features=8, blocks=1, base=str(tmp_path / "x.safetensors"))
