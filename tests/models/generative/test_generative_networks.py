"""The generative-prior networks (survey §4.1.2): StyleGAN2's layers, the prior and its discriminator, GPEN, GFP-GAN
and the facial-component discriminators: shapes, gradient flow, the parameter counts of methods.md, priors loaded
into the networks that embed them, input errors."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from facesr.errors import ConfigError, InputError
from facesr.models import create, create_part, model_info
from facesr.models.complexity import count_params
from facesr.models.generative.gfpgan import GFPGAN, FacialComponentDiscriminator
from facesr.models.generative.gpen import GPEN
from facesr.models.generative.layers import ModulatedConv2d, ModulatedConvUp2d, fir_kernel, minibatch_stddev, upfirdn2d
from facesr.models.generative.stylegan2 import StyleGAN2Discriminator, StyleGAN2Generator

TINY = {"size": 32, "style_dim": 16, "n_mlp": 2, "narrow": 0.0625}


def _no_gradient(net: torch.nn.Module) -> list[str]:
    return [n for n, p in net.named_parameters() if p.requires_grad and (p.grad is None or p.grad.abs().sum() == 0)]


def test_fir_resampling_keeps_a_constant_image():
    x = torch.ones(1, 2, 6, 6)
    up = upfirdn2d(x, fir_kernel(gain=4.0), up=2, pad=(2, 1))
    assert up.shape == (1, 2, 12, 12) and torch.allclose(up[..., 2:-2, 2:-2], torch.ones(1, 2, 8, 8))
    down = upfirdn2d(x, fir_kernel(), down=2, pad=(1, 1))
    assert down.shape == (1, 2, 3, 3) and torch.allclose(down[..., 1, 1], torch.ones(1, 2))


@pytest.mark.parametrize("up", [False, True])
def test_modulated_conv_equals_per_sample_weights(up):
    """conv(x * s, w) * d is StyleGAN2's per-sample modulated, demodulated weight (the grouped form)."""
    torch.manual_seed(0)
    conv = (ModulatedConvUp2d if up else ModulatedConv2d)(4, 5, 3, style_dim=6)
    x, style = torch.randn(2, 4, 8, 8), torch.randn(2, 6)
    out = conv(x, style)
    s = conv.modulation(style)
    w = conv.weight * conv.scale
    for n in range(2):
        wn = w * (s[n][:, None, None, None] if up else s[n][None, :, None, None])
        dims = (0, 2, 3) if up else (1, 2, 3)
        d = torch.rsqrt(wn.square().sum(dims) + 1e-8)
        wn = wn * (d[None, :, None, None] if up else d[:, None, None, None])
        ref = F.conv_transpose2d(x[n:n + 1], wn, stride=2) if up else F.conv2d(x[n:n + 1], wn, padding=1)
        if up:
            ref = conv.blur(ref)
        torch.testing.assert_close(out[n:n + 1], ref, rtol=1e-4, atol=1e-5)
    assert out.shape == ((2, 5, 16, 16) if up else (2, 5, 8, 8))


def test_minibatch_stddev_groups():
    x = torch.randn(6, 4, 2, 2)
    y = minibatch_stddev(x, group=4)  # 6 faces: groups of 3 (the largest divisor <= 4)
    assert y.shape == (6, 5, 2, 2)
    g = x.reshape(3, 2, 4, 2, 2)
    expected = torch.sqrt(g.var(0, unbiased=False) + 1e-8).mean((1, 2, 3))
    torch.testing.assert_close(y[:2, 4, 0, 0], expected)
    torch.testing.assert_close(y[2:4, 4, 0, 0], expected)


def test_prior_samples_styles_and_noise():
    torch.manual_seed(0)
    g = StyleGAN2Generator(**TINY)
    assert (g.num_ws, g.num_layers, g.layer_resolutions()) == (8, 7, [4, 8, 8, 16, 16, 32, 32])
    z = torch.randn(3, 16)
    faces = g(z, noise=g.make_noise(3))
    assert faces.shape == (3, 3, 32, 32)
    assert g(torch.zeros(2, 3, 4, 4)).shape == (2, 3, 32, 32)  # a face batch: two drawn faces
    ws = g.styles(z, torch.randn(3, 16), inject=3)
    assert ws.shape == (3, 8, 16) and torch.equal(ws[:, 0], ws[:, 2]) and not torch.equal(ws[:, 2], ws[:, 3])
    noise = g.make_noise(3)
    torch.testing.assert_close(g(z, noise=noise), g(z, noise=noise))
    rgbs: list[torch.Tensor] = []
    g.synthesis(g.styles(z), noise, rgbs=rgbs)
    assert [r.shape[-1] for r in rgbs] == [8, 16, 32]
    with pytest.raises(InputError, match="8 x 16 latents"):
        g.synthesis(torch.zeros(3, 7, 16))
    wide = StyleGAN2Generator(**TINY, concat_noise=True)
    assert [s[1] for s in wide.noise_shapes(1)] == [32, 32, 32, 32, 32, 32, 32]
    with pytest.raises(ConfigError, match="power of two"):
        StyleGAN2Generator(size=48)


def test_prior_and_discriminator_gradients():
    torch.manual_seed(0)
    g, d = StyleGAN2Generator(**TINY), StyleGAN2Discriminator(size=32, narrow=0.0625)
    for m in g.modules():  # noise strengths start at zero: give them a value so their gradient is not zero
        if hasattr(m, "concat"):
            m.weight.data.fill_(0.1)
    d(g(torch.randn(4, 16))).sum().backward()
    assert not _no_gradient(g) and not _no_gradient(d)
    assert d(torch.rand(3, 3, 32, 32)).shape == (3, 1)
    with pytest.raises(InputError, match="32 x 32"):
        d(torch.rand(1, 3, 16, 16))


def test_gpen_and_gfpgan_shapes_and_gradients():
    torch.manual_seed(0)
    gpen = GPEN(8, size=32, style_dim=16, n_mlp=2, narrow=0.0625)
    x = torch.rand(2, 3, 32, 32)
    gpen(x).square().mean().backward()
    assert gpen(x).shape == (2, 3, 32, 32) and not _no_gradient(gpen)
    gfp = GFPGAN(8, size=32, style_dim=16, n_mlp=2, narrow=0.125)
    out = gfp(x, aux=True)
    assert set(out) == {"sr", "rgb_8", "rgb_16", "rgb_32"} and out["rgb_16"].shape == (2, 3, 16, 16)
    sum(v.square().mean() for v in out.values()).backward()
    untouched = _no_gradient(gfp)  # only the prior's mapping network is unused (input_is_latent)
    assert untouched and all(n.startswith("decoder.mapping.") for n in untouched)
    with pytest.raises(InputError, match="32x32"):
        gfp(torch.rand(1, 3, 64, 64))
    full = GFPGAN(8, size=32, style_dim=16, n_mlp=1, narrow=0.125, sft_half=False, different_w=False,
                  input_is_latent=False)  # SFT on every channel, one w through the mapping network
    assert full(x).shape == (2, 3, 32, 32)
    with pytest.raises(ConfigError, match="cannot modulate"):
        GFPGAN(8, size=32, narrow=0.01, sft_half=False)  # 2 x 2 SFT channels for the prior's 5


def test_component_discriminators_crop_by_landmarks():
    torch.manual_seed(0)
    d = create_part("gfpgan", "mouth", 8, face_size=64, width=8)
    assert (d.component, d.crop_size) == ("mouth", 15)
    faces, points = torch.rand(2, 3, 64, 64), torch.rand(2, 68, 2) * 30 + 17
    crop = d.crop(faces, points)
    assert crop.shape == (2, 3, 15, 15)
    logits, feats = d.features(faces.requires_grad_(True), points)
    assert logits.shape[:2] == (2, 1) and len(feats) == 2
    logits.sum().backward()
    assert faces.grad.abs().sum() > 0
    with pytest.raises(InputError, match="68 x 2"):
        d(faces, torch.rand(2, 5, 2))
    with pytest.raises(ConfigError, match="nose"):
        FacialComponentDiscriminator(component="nose")


COUNTS = [  # (model, options, exact, methods.md in millions)
    ("stylegan2", {"size": 512}, 30_276_583, 30.28),  # GFP-GAN's decoder
    ("stylegan2", {"size": 512, "concat_noise": True}, 55_821_735, 55.82),  # GPEN's prior
    ("gpen", {}, 57_069_085, 57.07),
    ("gpen", {"size": 256}, 57_627_170, 57.63),
    ("gpen", {"size": 512, "channel_multiplier": 2}, 71_005_223, 71.01),
    ("gfpgan", {}, 67_325_548, 67.33),
    ("gfpgan", {"size": 512, "channel_multiplier": 2}, 86_444_252, 86.44),
]


@pytest.mark.parametrize("name,options,exact,doc", COUNTS)
def test_parameter_counts_match_methods_md(name, options, exact, doc):
    net = create(name, 8, device="meta", **options)
    assert count_params(net) == exact and round(exact / 1e6, 2) == doc
    assert f"{exact:,}" in model_info(name)["notes"]


def test_ours_at_128_px_and_parts():
    assert count_params(create("stylegan2", 1, device="meta")) == 29_328_669
    assert count_params(create_part("stylegan2", "discriminator", 1, device="meta")) == 28_389_121
    assert count_params(create_part("gfpgan", "left_eye", 8, device="meta")) == 1_110_785
    gfp = create("gfpgan", 8, device="meta")
    assert count_params(gfp) - count_params(gfp.decoder) == 42_800_335
    for name in ("stylegan2", "pulse", "gpen", "gfpgan"):
        info = model_info(name)
        assert info["family"] == "general" and info["category"] == "generative prior"
        assert "not be obtained offline" in info["notes"]


def _save_prior(path, net: torch.nn.Module, options: dict) -> None:
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path),
              metadata={"model": "stylegan2", "scale": "1", "options": json.dumps(options)})


def test_a_trained_prior_loads_into_gpen_and_gfpgan(tmp_path):
    torch.manual_seed(0)
    opts = {"size": 32, "style_dim": 16, "n_mlp": 2, "narrow": 0.125}
    plain, concat = tmp_path / "plain.safetensors", tmp_path / "concat.safetensors"
    _save_prior(plain, StyleGAN2Generator(**opts), opts)
    _save_prior(concat, StyleGAN2Generator(**opts, concat_noise=True), {**opts, "concat_noise": True})
    gfp = GFPGAN(8, **opts)
    gfp.load_prior(plain)
    src = StyleGAN2Generator(**opts)
    from safetensors.torch import load_file

    state = load_file(str(plain))
    src.load_state_dict(state)
    assert torch.equal(gfp.prior_network().input.input, src.input.input)
    gpen = GPEN(8, **opts)
    gpen.load_prior(concat)
    with pytest.raises(InputError, match="does not fit the embedded"):
        gpen.load_prior(plain)  # a prior without GPEN's concatenated noise
    with pytest.raises(InputError, match="not found"):
        gpen.load_prior(tmp_path / "none.pt")
    from safetensors.torch import save_file

    other = tmp_path / "rcan.safetensors"
    save_file({"w": torch.zeros(1)}, str(other), metadata={"model": "rcan", "scale": "8", "options": "{}"})
    with pytest.raises(InputError, match="not a stylegan2 prior"):
        gfp.load_prior(other)


def test_glean_shapes_gradients_and_counts():
    from facesr.models.generative.glean import GLEAN

    torch.manual_seed(0)
    small = {"size": 32, "rrdb_channels": 8, "num_rrdbs": 1, "growth": 4, "style_dim": 16, "n_mlp": 1,
             "narrow": 0.0625}
    net = GLEAN(4, **small)
    out = net(torch.rand(2, 3, 8, 8))
    assert out.shape == (2, 3, 32, 32)
    out.square().mean().backward()
    assert not any(p.requires_grad for p in net.prior_network().parameters())  # the latent bank is frozen
    # as mmagic's GLEAN: the fused RGB skip never reaches the output (the decoder reads the bank's features)
    assert {n.split(".")[0] for n in _no_gradient(net)} == {"fusion_skip"}
    with pytest.raises(InputError, match="8x8 LR faces"):
        net(torch.rand(1, 3, 16, 16))
    with pytest.raises(ConfigError, match="power of two"):
        GLEAN(3, **small)
    counts = {s: count_params(create("glean", s, device="meta")) for s in (4, 8, 16)}
    assert counts == {4: 151_172_208, 8: 160_595_996, 16: 170_019_784}
    assert count_params(create("glean", 8, device="meta"), trainable_only=True) == 131_267_327
    assert all(f"{n:,}" in model_info("glean")["notes"] for n in counts.values())
