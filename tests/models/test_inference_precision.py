"""The inference precision policy of ``for_inference``: bf16 only for measured weights that passed, fp32 else."""

from __future__ import annotations

import pytest
import torch

from facesr.errors import ConfigError
from facesr.models import base, create, super_resolve
from facesr.models.base import bf16_acceptable, for_inference, weights_digest

SMALL = {"n_resgroups": 1, "n_resblocks": 1, "n_feats": 8, "reduction": 4}


def small(seed: int = 0):
    return create("rcan", 8, seed=seed, **SMALL)


def entry_for(net, *, psnr=(25.0, 24.99), lpips=(0.3, 0.3), faces=1000) -> dict:
    return {"label": "test", "params": sum(p.numel() for p in net.parameters()), "faces": faces,
            "psnr": psnr, "lpips": lpips}


@pytest.fixture
def native(monkeypatch):
    """Pretend the CPU computes bf16 natively (or not): returns a setter."""
    import facesr.hardware as precision

    def set_native(value):
        monkeypatch.setattr(precision, "native_bf16", lambda device: value)

    set_native("amx_bf16")
    monkeypatch.delenv(base.PRECISION_ENV, raising=False)
    return set_native


def test_unmeasured_networks_stay_fp32(native, monkeypatch):
    monkeypatch.setattr(base, "INFERENCE_BF16", {})
    net = for_inference(small())
    assert net._facesr_precision == "fp32" and net._facesr_channels_last
    other = small(seed=0)
    monkeypatch.setattr(base, "INFERENCE_BF16", {weights_digest(other): entry_for(other)})
    assert for_inference(small(seed=1))._facesr_precision == "fp32"  # other weights, same size


def test_measured_weights_that_pass_run_in_bf16(native, monkeypatch):
    net = small()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        ref = super_resolve(for_inference(small(), precision="fp32"), x)
    monkeypatch.setattr(base, "INFERENCE_BF16", {weights_digest(net): entry_for(net)})
    fast = for_inference(net)
    assert fast._facesr_precision == "bf16"
    with torch.inference_mode():
        y = super_resolve(fast, x)
    assert y.dtype == torch.float32 and y.shape == ref.shape
    assert 0 < (y - ref).abs().max().item() < 0.05  # bf16 rounding, not another network


def test_policy_needs_native_bf16(native, monkeypatch):
    net = small()
    monkeypatch.setattr(base, "INFERENCE_BF16", {weights_digest(net): entry_for(net)})
    native(None)
    assert for_inference(net)._facesr_precision == "fp32"


@pytest.mark.parametrize("kw", [{"psnr": (25.0, 24.97)}, {"lpips": (0.3, 0.3002)}, {"faces": 50}])
def test_entries_that_fail_stay_fp32(native, monkeypatch, kw):
    net = small()
    monkeypatch.setattr(base, "INFERENCE_BF16", {weights_digest(net): entry_for(net, **kw)})
    assert for_inference(net)._facesr_precision == "fp32"


def test_acceptance_limits():
    assert bf16_acceptable({"faces": 1000, "psnr": (25.0, 24.98), "lpips": (0.3, 0.30004)})  # 0.02 dB, same at 4 dp
    assert not bf16_acceptable({"faces": 1000, "psnr": (25.0, 24.979), "lpips": (0.3, 0.3)})
    assert not bf16_acceptable({"faces": 1000, "psnr": (25.0, 25.0), "lpips": (0.3, 0.3001)})
    assert not bf16_acceptable({"psnr": (25.0, 25.0)})  # incomplete entries: fp32


def test_explicit_and_environment_overrides(native, monkeypatch):
    monkeypatch.setattr(base, "INFERENCE_BF16", {})
    assert for_inference(small(), precision="bf16")._facesr_precision == "bf16"
    monkeypatch.setenv(base.PRECISION_ENV, "bf16")
    assert for_inference(small())._facesr_precision == "bf16"
    assert for_inference(small(), precision="fp32")._facesr_precision == "fp32"  # the argument wins
    monkeypatch.setenv(base.PRECISION_ENV, "half")
    with pytest.raises(ConfigError, match=base.PRECISION_ENV):
        for_inference(small())
    with pytest.raises(ConfigError, match="precision"):
        for_inference(small(), precision="fp16")


def test_digest_identifies_weights():
    a, b = small(seed=0), small(seed=0)
    assert weights_digest(a) == weights_digest(b) != weights_digest(small(seed=1))
    b.load_state_dict(a.state_dict())
    assert weights_digest(for_inference(b)) == weights_digest(a)  # layout does not change it


def test_committed_entries_passed():
    """Every committed entry must have passed; weights without one (the default) run in fp32."""
    for digest, entry in base.INFERENCE_BF16.items():
        assert len(digest) == 16 and bf16_acceptable(entry), entry.get("label")
