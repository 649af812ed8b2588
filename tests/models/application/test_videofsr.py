"""VideoFSR (survey §4.8.1): the zoo entry, shapes at x4/x8 for clips and single frames, a backward pass that
reaches every parameter, the parameter count, and the properties of its alignment and fusion."""

from __future__ import annotations

import pytest
import torch

from facesr.errors import ConfigError, InputError
from facesr.models import create, list_models, model_info

TINY = {"frames": 3, "n_feats": 8, "n_extract": 1, "n_recon": 1, "flow_feats": 8}


def test_registry_entry():
    info = model_info("videofsr")
    assert info["family"] == "application" and info["input"] == "lr" and info["temporal"] is True
    assert info["scales"] == (2, 4, 8, 16) and "[191]" in info["notes"] and "Ours" in info["notes"]
    assert "videofsr" in [m["name"] for m in list_models(family="application")]
    assert model_info("video-fsr")["name"] == "videofsr"


def test_parameter_count_of_the_default_network():
    # default x8: 64 features, 5 frames, 5 encoder + 10 reconstruction residual blocks, 32-wide flow net
    net = create("videofsr", scale=8, device="meta")
    assert sum(p.numel() for p in net.parameters()) == 1_898_661
    x4 = create("videofsr", scale=4, device="meta")  # one sub-pixel stage fewer: 64 * 256 * 9 + 256 weights less
    assert sum(p.numel() for p in x4.parameters()) == 1_898_661 - (64 * 256 * 9 + 256)


@pytest.mark.parametrize("scale", [4, 8])
def test_shapes_for_clips_and_single_frames(scale):
    net = create("videofsr", scale=scale, seed=0, **TINY)
    h = 128 // scale
    clip = torch.rand(2, 3, 3, h, h)
    assert net(clip).shape == (2, 3, 128, 128)
    out = net(clip, aux=True)
    assert out["sr"].shape == (2, 3, 128, 128) and out["flow"].shape == (2, 2, 2, h, h)
    assert net(torch.rand(1, 3, h, h)).shape == (1, 3, 128, 128)


def test_a_single_frame_is_a_still_clip():
    net = create("videofsr", scale=8, seed=1, **TINY).eval()
    frame = torch.rand(2, 3, 16, 16)
    with torch.no_grad():
        assert torch.equal(net(frame), net(frame[:, None].repeat(1, 3, 1, 1, 1)))


def test_alignment_starts_at_the_identity_warp():
    net = create("videofsr", scale=4, seed=0, **TINY)
    with torch.no_grad():
        flow = net(torch.rand(1, 3, 3, 32, 32), aux=True)["flow"]
    assert torch.count_nonzero(flow) == 0


def test_backward_reaches_every_parameter():
    net = create("videofsr", scale=8, seed=0, **TINY)
    clip = torch.rand(2, 3, 3, 16, 16)
    with torch.no_grad():  # move the flow net off its zero start so that gradients reach its earlier layers
        net.align.out.weight.normal_(0, 1e-2)
    loss = (net(clip) - torch.rand(2, 3, 128, 128)).abs().mean()
    loss.backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.count_nonzero(p.grad) > 0, name


def test_neighbours_change_the_centre_frame():
    net = create("videofsr", scale=8, seed=0, **TINY).eval()
    clip = torch.rand(1, 3, 3, 16, 16)
    other = clip.clone()
    other[:, 0] = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        assert not torch.allclose(net(clip), net(other))


def test_bad_inputs():
    net = create("videofsr", scale=8, **TINY)
    with pytest.raises(InputError, match="built for 3 frames"):
        net(torch.rand(1, 5, 3, 16, 16))
    with pytest.raises(InputError, match="multiples of 2"):
        net(torch.rand(1, 3, 3, 15, 15))
    with pytest.raises(ConfigError, match="odd"):
        create("videofsr", scale=8, frames=4)
