"""Behaviour of every registered network: shapes, gradients, tracing, seeding, input errors.

Output shapes are checked on the full-size networks on the meta device at every supported scale.
Gradient, export and seed checks use reduced widths/depths for the large networks (SMALL below;
same code paths, fewer blocks); SRCNN, VDSR and URDGN run forward/backward at full size on small
images (test_full_size_forward_backward).
"""

from __future__ import annotations

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, list_models, model_info, super_resolve
from facesr.models.base import model_input
from facesr.models.blocks import split_luma

#: the reference family (networks fed a degraded face and guide faces) has its own behaviour tests in
#: tests/models/reference/, the joint tasks and applications theirs in tests/models/joint/ and
#: tests/models/application/
#: PSFR-GAN and JASRNet (prior family, registered with the joint tasks) have theirs in tests/models/prior_more/;
#: the generative-prior leaf (an unconditional prior, a latent search, GAN-prior restorers) in tests/models/generative/
NAMES = [m["name"] for m in list_models()
         if m["family"] not in ("reference", "joint", "application") and m["name"] not in ("psfrgan", "jasrnet")
         and m.get("category") != "generative prior"]

# Reduced configurations for behaviour tests (same architecture code, fewer/narrower blocks).
SMALL = {
    "srcnn": {},
    "vdsr": {"depth": 5, "features": 8},
    "rcan": {"n_resgroups": 2, "n_resblocks": 2, "n_feats": 16, "reduction": 4},
    "nlsn": {"n_resblocks": 2, "n_feats": 16, "attention_every": 1, "chunk_size": 16},
    "urdgn": {"head_channels": 4},
    "wasrnet": {"widths": (8, 8, 16, 16, 16, 32), "wavelet_width": 2},
    "sparnet": {"res_depth": 1, "min_ch": 8, "max_ch": 16},
    "sparnet_light": {"min_ch": 8, "max_ch": 16},
    "fsrnet": {"features": 8, "prior_features": 16, "coarse_blocks": 1, "encoder_blocks": 1, "decoder_blocks": 1,
               "hourglasses": 1},
    "superfan": {"features": 8, "lr_blocks": 1, "stage_blocks": (1,)},
    "dic": {"features": 8, "groups": 2, "fusion_blocks": 1, "hg_features": 16},
    "fsrsa": {"width": 0.125, "n_attributes": 4},
    "fsrsa_est": {"width": 0.125, "n_attributes": 4},
    "aacnn": {"n_attributes": 4},
    "aacnn_est": {"n_attributes": 4},
    "sicnn": {"first": 8, "growth": 4, "layers": 2},
    "sigan": {"widths": (8,), "blocks": (1,), "head_width": 8, "embedding": 8},
    "wasrgan": {"widths": (8, 8, 16, 16, 16, 32), "wavelet_width": 2},
    "bfr": {"n_resgroups": 1, "n_resblocks": 1, "n_feats": 8, "reduction": 4},
    "srdsi": {"size": 64, "components": 8, "atoms": 16, "iters": 2, "depth": 3, "features": 8},
    "dpdfn": {"features": 8, "growth": 4, "steps": 2, "dense_layers": 2, "local_blocks": 1, "fusion_blocks": 1},
    "spgan": {"features": 8, "lr_blocks": 1, "stage_blocks": 1},
    "attention_fh": {"steps": 2, "grid": 4, "hidden": 8, "enh_features": 8, "enh_depth": 3, "policy_widths": (8, 8)},
    "atfmn": {"blocks": 1, "rnn_steps": 1, "hidden": 8, "mask_widths": (4, 4, 4, 4, 4), "fusion_units": 1},
    "iadfh": {"features": 8, "lr_blocks": 1, "stage_blocks": 1},
    "lrgan": {"widths": (8, 8, 8), "blocks": (1, 1), "head": 8},
    "cr": {"features": 4, "downs": 1, "blocks": 1, "sr_features": 8, "sr_lr_blocks": 1, "sr_stage_blocks": 1},
    "rwsr": {"features": 8, "blocks": 1, "growth": 4},
    "pca_srgan": {"features": 8, "blocks": 1, "growth": 4},
}
SMALL.update(fsrgan=SMALL["fsrnet"], dicgan=SMALL["dic"])

# LR side per scale so that HR sizes suit every network (multiples of 8, at least 64 for SPARNet).
LR_SIDE = {2: 32, 3: 24, 4: 16, 8: 8, 16: 4}


def lr_batch(scale: int, n: int = 2, seed: int = 0, side: int | None = None) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    s = side or LR_SIDE[scale]
    return torch.rand(n, 3, s, s, generator=g)


def net_input(name: str, scale: int, lr: torch.Tensor) -> torch.Tensor:
    """Cheap stand-in for the bicubic pre-upsampling (nearest), enough for shape/grad checks."""
    if model_info(name)["input"] == "lr":
        return lr
    return torch.nn.functional.interpolate(lr, scale_factor=scale, mode="nearest")


def side_of(model, default: int) -> int:
    """LR side for ``model``: networks built for one LR size (FSRSA, AACNN) say so in ``lr_size``."""
    return getattr(model, "lr_size", None) or default


def extra_inputs(model, x: torch.Tensor, training: bool = False) -> dict:
    """Keyword inputs besides the face: neutral conditions (given attributes), and in training the
    training inputs with ``aux=True`` (SiGAN's identity pairs)."""
    kw = model.example_conditions(x) if hasattr(model, "example_conditions") else {}
    if training and getattr(model, "aux_outputs", ()):
        kw.update(model.example_training_inputs(x) if hasattr(model, "example_training_inputs") else {})
        kw["aux"] = True
    return kw


def test_registry_covers_small_configs():
    assert set(SMALL) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_every_scale(name):
    """Full size (meta device) at the survey's x4/x8/x16 for 128x128 faces; reduced at other scales."""
    info = model_info(name)
    for scale in info["scales"]:
        full = scale in (4, 8, 16)
        device = "meta" if full else "cpu"
        model = create(name, scale=scale, device=device, **({} if full else SMALL[name])).eval()
        side = 128 // scale if full else side_of(model, LR_SIDE.get(scale, 8))
        hr = side * scale
        x = torch.zeros(1, 3, side, side, device=device)
        if info["input"] == "upsampled":
            x = torch.zeros(1, 3, hr, hr, device=device)
        assert model.upsamples == (info["input"] == "lr")
        assert model.scale == scale
        with torch.no_grad():
            assert tuple(model(x, **extra_inputs(model, x)).shape) == (1, 3, hr, hr), (name, scale)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_reach_every_parameter(name):
    scale = 4 if 4 in model_info(name)["scales"] else 8  # DIC implements x8 only
    model = create(name, scale=scale, seed=0, **SMALL[name]).train()
    if name == "bfr":  # its last conv starts at zero (identity output): no gradient reaches the trunk yet
        torch.nn.init.normal_(model.tail[-1].weight, std=0.01)
    side = side_of(model, LR_SIDE[scale])
    x = net_input(name, scale, lr_batch(scale, side=side))
    out = model(x, **extra_inputs(model, x, training=True))
    outs = out if isinstance(out, dict) else {"sr": out}
    assert outs["sr"].shape == (2, 3, side * scale, side * scale)
    sum((v - 0.5).square().mean() for v in outs.values() if v.requires_grad).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()
               or p.grad.abs().sum() == 0]
    assert not missing


@pytest.mark.parametrize("name", NAMES)
def test_export_matches_eager(name):
    """torch.export captures the whole network (eval mode); the exported graph runs new inputs."""
    scale = 8
    model = create(name, scale=scale, seed=0, **SMALL[name]).eval()
    side = 16 if name == "nlsn" else side_of(model, LR_SIDE[scale])
    x1 = net_input(name, scale, lr_batch(scale, 1, 1, side))
    x2 = net_input(name, scale, lr_batch(scale, 1, 2, side))
    exported = torch.export.export(model, (x1,), extra_inputs(model, x1))
    with torch.no_grad():
        kw = extra_inputs(model, x2)
        torch.testing.assert_close(exported.module()(x2, **kw), model(x2, **kw), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_weights(name):
    a = create(name, scale=8, seed=123, **SMALL[name]).state_dict()
    b = create(name, scale=8, seed=123, **SMALL[name]).state_dict()
    c = create(name, scale=8, seed=124, **SMALL[name]).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)
    torch.manual_seed(5)
    d = create(name, scale=8, **SMALL[name]).state_dict()
    torch.manual_seed(5)
    e = create(name, scale=8, **SMALL[name]).state_dict()
    assert all(torch.equal(d[k], e[k]) for k in d)


@pytest.mark.parametrize("name,side", [("srcnn", 8), ("vdsr", 4), ("urdgn", 4)])
def test_full_size_forward_backward(name, side):
    model = create(name, scale=8, seed=0).train()
    x = net_input(name, 8, lr_batch(8, 2, 0, side))
    out = model(x)
    out.mean().backward()
    assert out.shape[-1] == side * 8
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name", ["srcnn", "vdsr"])
def test_luma_networks_keep_input_chroma(name):
    model = create(name, seed=0).eval()
    x = lr_batch(8, 1, 3, 32)
    with torch.no_grad():
        y = model(x)
    torch.testing.assert_close(split_luma(y)[1], split_luma(x)[1], rtol=0, atol=1e-5)
    rgb = create(name, seed=0, channels=3).eval()
    assert rgb(x).shape == x.shape


def test_vdsr_is_residual():
    model = create("vdsr", seed=0, channels=3).eval()
    torch.nn.init.zeros_(model.body[-1].weight)
    x = lr_batch(8, 1, 4, 24)
    torch.testing.assert_close(model(x), x)


def test_super_resolve_takes_lr_for_both_input_kinds():
    lr = lr_batch(4, 1, 5, 16)
    for name in ("srcnn", "rcan"):
        model = create(name, scale=4, seed=0, **SMALL[name]).eval()
        with torch.no_grad():
            assert super_resolve(model, lr).shape == (1, 3, 64, 64)


def test_model_input_kernel_is_explicit():
    from facesr.ops import imresize

    lr = lr_batch(4, 1, 6, 16)
    assert model_input(lr, "lr", 4) is lr
    assert model_input(lr, model_info("rcan"), 4) is lr
    up = model_input(lr, model_info("sparnet"), 4, kernel="pil")
    torch.testing.assert_close(up, imresize(lr, 4, kernel="pil"))
    assert not torch.allclose(up, model_input(lr, "upsampled", 4))  # default: MATLAB kernel
    with pytest.raises(ConfigError, match="input handling"):
        model_input(lr, "bicubic", 4)


@pytest.mark.parametrize(
    "name,x,match",
    [
        ("rcan", torch.rand(3, 16, 16), "N x 3 x H x W"),
        ("rcan", torch.rand(1, 1, 16, 16), "N x 3 x H x W"),
        ("rcan", torch.zeros(1, 3, 16, 16, dtype=torch.uint8), "float"),
        ("sparnet", torch.rand(1, 3, 16, 16), "bicubic-upsampled"),
        ("sparnet", torch.rand(1, 3, 100, 100), "multiples of 8"),
    ],
)
def test_bad_input_is_a_clear_error(name, x, match):
    model = create(name, scale=8, **SMALL[name]).eval()
    with pytest.raises(InputError, match=match):
        model(x)


def test_nlsn_chunk_larger_than_input_is_a_clear_error():
    model = create("nlsn", scale=8, **{**SMALL["nlsn"], "chunk_size": 144}).eval()
    with pytest.raises(InputError, match="chunk_size=144"):
        model(torch.rand(1, 3, 8, 8))


def test_nlsn_default_chunk_per_scale_matches_metadata():
    info = model_info("nlsn")
    for scale in info["scales"]:
        model = create("nlsn", scale=scale, device="meta", n_resblocks=1)
        assert model.chunk_size == info["chunk_size"][scale]
        assert model.chunk_size <= (128 // scale if scale in (4, 8, 16) else 32) ** 2


def test_urdgn_discriminator():
    from facesr.models import create_part

    d = create_part("urdgn", "discriminator", seed=0).eval()
    p = d(torch.rand(2, 3, 128, 128))
    assert p.shape == (2, 1) and ((p > 0) & (p < 1)).all()
    with pytest.raises(InputError, match="128 x 128"):
        d(torch.rand(2, 3, 64, 64))
