"""The 'nme' metric: landmark error of the shipped hourglass, SR vs HR."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from facesr.errors import InputError
from facesr.metrics import create_metric, list_metrics
from facesr_testing import require_data


def _faces(n: int = 4) -> torch.Tensor:
    from facesr.io import read_image

    root = require_data("celeba1000")
    files = sorted((root / "HR").iterdir())[:n]
    return torch.stack([torch.from_numpy(read_image(f).transpose(2, 0, 1).copy()) for f in files]).float() / 255


def test_nme_is_registered_without_extra_packages():
    row = next(r for r in list_metrics() if r["name"] == "nme")
    assert row["higher_better"] is False and not row.get("requires")


def test_nme_zero_on_identical_faces_and_grows_with_blur():
    hr = _faces()
    metric = create_metric("nme")
    same = metric(hr, hr)
    assert same.shape == (4,) and torch.allclose(same, torch.zeros(4, dtype=same.dtype))
    small = torch.nn.functional.interpolate(hr, size=(16, 16), mode="area")
    blurred = torch.nn.functional.interpolate(small, size=(128, 128), mode="bilinear", align_corners=False)
    err = metric(blurred, hr)
    assert float(err.mean()) > 0.01
    # faces given at another size are resized to the network's 128 px: points compare alike
    big = torch.nn.functional.interpolate(hr, size=(256, 256), mode="bilinear", align_corners=False)
    assert float(metric(big, big).max()) == 0.0
    pts = metric.landmarks(hr)
    assert pts.shape == (4, 68, 2) and np.isfinite(pts).all()
    assert 20 < pts[:, 36:48, 1].mean() < 70  # eyes in the upper half of a 128-px face


def test_nme_bad_weights_and_size(tmp_path):
    with pytest.raises(InputError, match="landmark network weights not found"):
        create_metric("nme", weights=str(tmp_path / "missing.safetensors"))
    with pytest.raises(InputError, match="multiple of 4"):
        create_metric("nme", size=30)


def test_shipped_landmark_network_has_a_card():
    from facesr.models.prior.landmark_net import bundled_landmark_weights, load_landmark_net

    path = bundled_landmark_weights()
    card = path.with_suffix(".md")
    assert path.is_file() and card.is_file() and "NME" in card.read_text()
    net = load_landmark_net("bundled")
    assert sum(p.numel() for p in net.parameters()) == 434184
