"""PULSE (survey Eq. 14): the latent search lowers its LR loss on a tiny prior, is seeded, keeps its latents on
their spheres, and runs over any prior file as ``pulse:PRIOR`` (load_model, the enhance restorer)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models.generative.pulse import PULSE, SphericalAdam, geocross, schedule_factor
from facesr.models.generative.stylegan2 import StyleGAN2Generator
from facesr.ops import imresize

OPTS = {"size": 32, "style_dim": 16, "n_mlp": 2, "narrow": 0.0625}


@pytest.fixture(scope="module")
def prior() -> StyleGAN2Generator:
    torch.manual_seed(0)
    return StyleGAN2Generator(**OPTS).eval()


@pytest.fixture(scope="module")
def lr_faces(prior) -> torch.Tensor:
    """LR faces the prior can reach: its own samples, bicubic-downscaled x4."""
    with torch.no_grad():
        faces = prior(torch.randn(2, 16, generator=torch.Generator().manual_seed(3))).clamp(0, 1)
    return imresize(faces, size=(8, 8))


def test_search_lowers_the_lr_loss(prior, lr_faces):
    one = PULSE(4, prior=prior, steps=1, fit_samples=512)
    one(lr_faces)
    many = PULSE(4, prior=prior, steps=12, fit_samples=512)
    with torch.inference_mode():  # as the batched SR loop calls it
        out = many(lr_faces)
    assert out.shape == (2, 3, 32, 32) and not out.requires_grad
    assert (many.last_l2 < 0.5 * one.last_l2).all()
    again = PULSE(4, prior=prior, steps=12, fit_samples=512)
    torch.testing.assert_close(again(lr_faces), out)  # seeded: the same face every time
    assert not any(p.requires_grad for p in many.parameters())  # the prior stays frozen


def test_output_follows_the_scale_not_the_prior_size(prior, lr_faces):
    net = PULSE(8, prior=prior, steps=2, fit_samples=512, noise="zero", tile_latent=True)
    assert net(lr_faces).shape == (2, 3, 64, 64)  # the 32 px prior's face resized to 8 x 8
    with pytest.raises(ConfigError, match="noise must be one of"):
        PULSE(4, prior=prior, noise="random")


def test_pieces():
    assert schedule_factor("linear1cycledrop", 0, 100) == pytest.approx(0.1)
    assert schedule_factor("linear1cycledrop", 45, 100) == pytest.approx(1.0)
    assert schedule_factor("linear1cycledrop", 100, 100) == pytest.approx(0.001)
    assert schedule_factor("fixed", 7, 10) == 1.0
    ws = torch.randn(2, 4, 8)
    assert geocross(ws[:, :1]).tolist() == [0.0, 0.0]
    same = ws[:, :1].expand(-1, 4, -1)
    assert geocross(same).max() < 1e-3 < geocross(ws).min()
    p = torch.randn(2, 3, 5, requires_grad=True)
    radii = p.detach().norm(dim=-1)
    opt = SphericalAdam([p], lr=0.5)
    p.sum().backward()
    opt.step()
    torch.testing.assert_close(p.detach().norm(dim=-1), radii)


def _prior_file(path, prior) -> None:
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in prior.state_dict().items()}, str(path),
              metadata={"model": "stylegan2", "scale": "1", "options": json.dumps(OPTS)})


def test_pulse_over_a_prior_file(tmp_path, prior, lr_faces):
    from facesr.models import load_model
    from facesr.pipeline.restorers import ModelRestorer, make_restorer

    path = tmp_path / "prior.safetensors"
    _prior_file(path, prior)
    net = load_model("pulse", 4, weights=path, steps=2, fit_samples=256)
    assert isinstance(net, PULSE) and torch.equal(net.prior.input.input, prior.input.input)
    assert net(lr_faces).shape == (2, 3, 32, 32)
    r = make_restorer(f"pulse:{path}")
    assert isinstance(r, ModelRestorer) and r.scales == (1, 2, 4, 8, 16)
    faces = (lr_faces.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)
    r._nets[4] = load_model("pulse", 4, weights=path, steps=2, fit_samples=256)  # a short search for the test
    assert r.restore(faces, 4).shape == (2, 32, 32, 3)
    from safetensors.torch import save_file

    other = tmp_path / "rcan.safetensors"
    save_file({"w": torch.zeros(1)}, str(other), metadata={"model": "rcan", "scale": "8", "options": "{}"})
    with pytest.raises(InputError, match="pulse runs over a stylegan2 network"):
        load_model("pulse", 8, weights=other)


def test_enhance_with_pulse_over_a_prior(tmp_path, prior):
    """``facesr enhance --model pulse:PRIOR`` (the Python form): an aligned 8 px crop -> 32 px at x4."""
    import facesr

    path = tmp_path / "prior.safetensors"
    _prior_file(path, prior)
    crop = (np.random.default_rng(0).random((8, 8, 3)) * 255).astype(np.uint8)
    out = facesr.enhance(crop, scale=4, model=f"pulse:{path}", aligned=True)
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8


def test_bench_runs_pulse_at_every_scale_of_its_design(tmp_path, prior):
    """A prior file records scale 1; the bench still runs PULSE over it at x4 and x8 (the prior serves
    every scale), where a scale-specific checkpoint would be refused."""
    from facesr.benchmark.methods import parse_methods
    from facesr.benchmark.runner import cannot_run

    path = tmp_path / "prior.safetensors"
    _prior_file(path, prior)
    spec = parse_methods(f"pulse:{path}")[-1]
    assert spec.name == "pulse" and cannot_run(spec, 4) is None and cannot_run(spec, 8) is None
