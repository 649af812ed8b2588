"""The bundled pretrained models: present, small, loadable, better than bicubic, usable by name."""

from __future__ import annotations

import numpy as np
import pytest

from facesr.errors import FacesrError
from facesr.models.bundled import bundled_weights, list_bundled, model_card
from facesr_testing import require_data


def test_catalogue_files_and_size():
    (row,) = [r for r in list_bundled() if r["name"] == "rcan-lite"]
    assert row["scales"] == [4, 8, 16] and row["installed"]
    total = sum(bundled_weights("rcan-lite", s).stat().st_size for s in row["scales"])
    assert total <= 30 * 2**20
    for s in row["scales"]:
        card = model_card("rcan-lite", s).read_text(encoding="utf-8")
        assert f"x{s}" in card and "celeba1000" in card and "PSNR" in card
    with pytest.raises(FacesrError, match="no x3 weights"):
        bundled_weights("rcan-lite", 3)
    with pytest.raises(FacesrError, match="no bundled model"):
        bundled_weights("rcan-huge", 8)


@pytest.mark.parametrize("scale", [4, 8, 16])
def test_bundled_network_rebuilds_from_its_file(scale):
    from facesr.benchmark.methods import MethodSpec, build_network
    from facesr.models import count_params

    net = build_network(MethodSpec("rcan", bundled="rcan-lite"), scale)
    assert 0.9e6 < count_params(net) < 1.2e6  # 6 groups x 8 RCABs x 32 features


def _psnr_gain(hr: np.ndarray, scale: int) -> float:
    from facesr.evaluation import evaluate_arrays
    from facesr.metrics import get_protocol
    from facesr.pipeline.restorers import make_restorer

    proto = get_protocol("facesr")
    lr = np.stack([proto.make_lr(h, scale) for h in hr])
    sr = make_restorer("rcan-lite").restore(lr, scale)
    names = [str(i) for i in range(len(hr))]
    ours = evaluate_arrays(list(sr), list(hr), names, scale=scale, protocol=proto, metrics=["psnr"]).metrics["psnr"]
    bic = [proto.upsample(x, scale) for x in lr]
    base = evaluate_arrays(bic, list(hr), names, scale=scale, protocol=proto, metrics=["psnr"]).metrics["psnr"]
    return ours - base


def test_beats_bicubic_on_the_demo_face():
    from facesr.samples import astronaut_face

    assert _psnr_gain(astronaut_face(128)[None], 8) > 1.0


@pytest.mark.parametrize("scale,gain", [(4, 2.0), (8, 1.5), (16, 1.0)])
def test_beats_bicubic_on_celeba1000_sample(scale, gain):
    root = require_data("celeba1000")
    from facesr.io import list_images, read_image

    hr = np.stack([read_image(p) for p in list_images(root / "HR")[:40]])
    assert _psnr_gain(hr, scale) > gain


def test_enhance_api_and_bench_names():
    import facesr
    from facesr.benchmark.methods import parse_methods

    lr = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    out = facesr.enhance(lr, scale=8, aligned=True)
    assert out.shape == (128, 128, 3) and out.dtype == np.uint8
    with pytest.raises(FacesrError, match="no x3 model"):
        facesr.enhance(lr, scale=3, aligned=True, model="rcan-lite")
    assert facesr.enhance(lr, scale=3, aligned=True).shape == (48, 48, 3)  # bfr-lite: any scale 1..16
    specs = parse_methods("rcan-lite")
    assert [s.label for s in specs] == ["bicubic", "rcan-lite"] and specs[1].weights_for(16).is_file()


def test_channels_last_inference_matches_plain():
    import torch

    from facesr.benchmark.methods import MethodSpec, build_network
    from facesr.models import super_resolve
    from facesr.models.base import for_inference

    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    plain = build_network(MethodSpec("rcan", bundled="rcan-lite"), 8)
    fast = for_inference(build_network(MethodSpec("rcan", bundled="rcan-lite"), 8), precision="fp32")
    with torch.inference_mode():
        a, b = super_resolve(plain, x), super_resolve(fast, x)
    assert fast._facesr_channels_last and b.is_contiguous(memory_format=torch.channels_last)
    assert (a - b).abs().max().item() < 1e-4


@pytest.mark.parametrize("scale", [4, 8, 16])
def test_bundled_rcan_lite_runs_in_bf16_where_the_cpu_has_it(scale):
    """The shipped weights were measured on all 1,000 celeba1000 faces (INFERENCE_BF16): bf16 where the
    CPU computes it natively, fp32 elsewhere; the output stays close to fp32's either way."""
    import torch

    from facesr.benchmark.methods import MethodSpec, build_network
    from facesr.hardware import native_bf16
    from facesr.models import super_resolve
    from facesr.models.base import bf16_acceptable, for_inference, inference_policy

    net = build_network(MethodSpec("rcan", bundled="rcan-lite"), scale)
    entry = inference_policy(net)
    assert entry is not None and bf16_acceptable(entry)
    auto = for_inference(net, precision="auto")
    native = native_bf16(torch.device("cpu"))
    assert auto._facesr_precision == ("bf16" if native else "fp32")
    g = torch.Generator().manual_seed(0)  # smooth, face-like input (white noise exaggerates bf16's rounding)
    x = torch.nn.functional.interpolate(torch.rand(2, 3, 4, 4, generator=g), size=128 // scale, mode="bilinear")
    with torch.inference_mode():
        a = super_resolve(for_inference(build_network(MethodSpec("rcan", bundled="rcan-lite"), scale),
                                        precision="fp32"), x)
        b = super_resolve(auto, x)
    assert (a - b).abs().max().item() < 4 / 255
