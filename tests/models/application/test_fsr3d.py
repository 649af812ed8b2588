"""FSR3D (survey §4.8.4): the point-cloud network (counts, shapes, errors), the Chamfer distance and normal error,
the face clouds (MediaPipe meshes -> normalised clouds, cached; sparse noisy LR), and a few training iterations
of the recipe on synthetic clouds. MediaPipe itself is exercised only where mediapipe 0.10.21 is installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from facesr.data.face_clouds import FaceCloudDataset, normalise, source_clouds, sparse_noisy
from facesr.data.face_sample import FaceSample
from facesr.data.source import FaceSource
from facesr.errors import InputError
from facesr.metrics.point_cloud import chamfer_distance, normal_error, point_normals
from facesr.models import create, model_complexity
from facesr.models.complexity import count_params
from facesr.training import Trainer, load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "application"


def _face_clouds(n: int = 6, points: int = 478, seed: int = 0) -> np.ndarray:
    """Normalised clouds on bumpy sheets (a face-like height field), one per face."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        xy = rng.uniform(-1, 1, (points, 2))
        z = 0.3 * np.exp(-(xy**2).sum(1) * rng.uniform(1, 3)) + 0.05 * np.sin(3 * xy[:, 0])
        out.append(normalise(np.c_[xy, z]))
    return np.stack(out)


def test_counts_and_shapes():
    assert count_params(create("fsr3d", 4, device="meta")) == 518_723
    assert count_params(create("fsr3d", 8, device="meta")) == 913_475
    c = model_complexity("fsr3d", scale=4)
    assert c.input_shape == (1, 120, 3) and c.macs > 0  # 478 / 4 points, not an image
    net = create("fsr3d", 4, seed=0, k=8, features=8, width=16, branch=8)
    x = torch.from_numpy(_face_clouds(2, 40))
    y = net(x)
    assert y.shape == (2, 160, 3) and torch.isfinite(y).all()
    with pytest.raises(InputError, match="N x P x 3"):
        net(torch.rand(2, 3, 16, 16))
    with pytest.raises(InputError, match="at least 8 input points"):
        net(torch.rand(1, 5, 3))


def test_chamfer_distance():
    a = torch.tensor([[[0.0, 0, 0], [1, 0, 0]]])
    b = torch.tensor([[[0.0, 0, 0], [1, 0, 0], [1, 2, 0]]])
    assert chamfer_distance(a, a).item() == 0.0
    # a -> b: 0, 0; b -> a: 0, 0, 4 (squared distance of (1, 2, 0) to (1, 0, 0))
    assert chamfer_distance(a, b).item() == pytest.approx(4 / 3)
    assert chamfer_distance(b, a).item() == pytest.approx(4 / 3)
    with pytest.raises(InputError, match="N x P x 3"):
        chamfer_distance(a[0], b)


def test_normals_and_normal_error_on_planes():
    g = torch.linspace(-1, 1, 7)
    xx, yy = torch.meshgrid(g, g, indexing="ij")
    plane_z = torch.stack([xx.flatten(), yy.flatten(), torch.zeros(49)], dim=1)[None]  # normal (0, 0, 1)
    plane_x = plane_z[..., [2, 1, 0]]  # the same grid in the y-z plane: normal (1, 0, 0)
    n = point_normals(plane_z)
    assert torch.allclose(n[..., 2].abs(), torch.ones(1, 49), atol=1e-5)
    assert normal_error(plane_z, plane_z).item() == pytest.approx(0.0, abs=1e-3)
    assert normal_error(plane_x, plane_z).item() == pytest.approx(90.0, abs=1e-3)


def test_clouds_normalised_and_lr_drawn_per_epoch():
    c = normalise(np.random.default_rng(0).normal(5, 2, (478, 3)))
    assert np.allclose(c.mean(0), 0, atol=1e-5) and np.sqrt((c**2).sum(1).mean()) == pytest.approx(1.0, rel=1e-5)
    with pytest.raises(InputError, match="no extent"):
        normalise(np.ones((10, 3)))
    lr = sparse_noisy(c, 60, 0.0, np.random.default_rng(1))
    assert lr.shape == (60, 3) and all(any(np.allclose(p, q) for q in c) for p in lr[:5])
    ds = FaceCloudDataset(_face_clouds(3), scale=8, noise=0.01, seed=2)
    a, b = ds[1], ds[1]
    assert a["hr"].shape == (478, 3) and a["lr"].shape == (60, 3) and torch.equal(a["lr"], b["lr"])
    ds.set_epoch(1)
    assert not torch.equal(ds[1]["lr"], a["lr"])
    with pytest.raises(InputError):
        FaceCloudDataset(np.zeros((2, 478)), scale=4)


class Faces(FaceSource):
    """Four 64 px faces; face 2 has no mesh (the fake MediaPipe returns None for it)."""

    size = 64

    def __len__(self) -> int:
        return 4

    def identity_of(self, index: int) -> None:
        return None

    def sample(self, index: int) -> FaceSample:
        return FaceSample(key=f"f{index}", hr=np.full((64, 64, 3), 50 * index, np.uint8))


def test_source_clouds_cache_meshes_and_drop_faces_without_one(tmp_path, monkeypatch):
    calls = []
    clouds = _face_clouds(4)

    def fake_mesh(images, min_confidence=0.5):
        calls.append(len(images))
        return [None if int(img[0, 0, 0]) == 100 else clouds[int(img[0, 0, 0]) // 50] * 30 + 7 for img in images]

    monkeypatch.setattr("facesr.faces.mesh3d.face_mesh_3d", fake_mesh)
    path = tmp_path / "mesh.npz"
    got, kept = source_clouds(Faces(), cache=path)
    assert kept == [0, 1, 3] and got.shape == (3, 478, 3) and np.allclose(got[2], clouds[3], atol=1e-5)
    again, kept2 = source_clouds(Faces(), cache=path)
    assert sum(calls) == 4 and kept2 == kept and np.array_equal(again, got)  # read back, the failure too
    part, kept3 = source_clouds(Faces(), indices=[1, 2], cache=None)
    assert kept3 == [1] and part.shape == (1, 478, 3)


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None,
                    reason="mediapipe 0.10.21 not installed (optional: pip install --no-deps mediapipe==0.10.21)")
def test_mediapipe_mesh_of_a_real_face():
    from facesr.faces.mesh3d import face_mesh_3d
    from facesr.samples import astronaut_face

    mesh = face_mesh_3d([astronaut_face(256)])[0]
    assert mesh is not None and mesh.shape == (478, 3)
    assert 0 <= mesh[:, 0].min() < mesh[:, 0].max() < 256 and np.ptp(mesh[:, 2]) > 1


def test_recipe_trains_and_scores_clouds(tmp_path):
    from facesr.training.recipes.fsr3d import CloudValidator

    cfg = load_config(CONFIGS / "fsr3d_cpu_smoke.yaml", [
        f"output={tmp_path / 'run'}", "train.progress=false", "train.tensorboard=false", "data.val.enabled=false",
        "train.precision=fp32", "train.channels_last=false"])
    trainer = Trainer(cfg, train_set=FaceCloudDataset(_face_clouds(8), scale=8, seed=0))
    result = trainer.fit()
    assert result.iteration == 3
    net = trainer.nets["generator"]
    val = CloudValidator(_face_clouds(3, seed=5), scale=8, noise=0.01, seed=0, metrics=("chamfer", "normal_error"),
                         normal_k=10, batch_size=2, device=torch.device("cpu"))
    assert set(val.baseline) == {"chamfer", "normal_error"} and val.baseline["chamfer"] > 0
    scores = val(net)
    assert all(np.isfinite(v) for v in scores.values()) and not val.higher_better


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None,
                    reason="mediapipe 0.10.21 not installed (optional: pip install --no-deps mediapipe==0.10.21)")
def test_smoke_config_on_celeba_meshes(tmp_path):
    from facesr_testing import require_data

    require_data("celeba")
    require_data("celeba1000")
    cfg = load_config(CONFIGS / "fsr3d_cpu_smoke.yaml", [f"output={tmp_path / 'run'}", "train.progress=false",
                                                          "train.tensorboard=false"])
    result = Trainer(cfg).fit()
    assert result.iteration == 3 and set(result.last_val) == {"chamfer", "normal_error"}
    assert result.baseline["chamfer"] > 0
