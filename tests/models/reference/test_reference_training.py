"""The reference family trains through the engine from its configs: every ``configs/reference/*`` file
loads, the x4/x8 files differ only in name, output and scale, and each smoke config's networks and
losses run one iteration (in-memory faces instead of CelebA, so that the test needs no data); ASFFNet
also trains with K = 3 references per face from a :class:`ReferenceGroupDataset`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from facesr.training import Trainer, load_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "reference"
METHODS = ["gfrnet", "gwainet", "asffnet", "mefsr", "jsrfc", "dfdnet"]


class Pairs(torch.utils.data.Dataset):
    """Smooth random faces of ``size`` px with a reference each (what ``priors: [reference]`` gives)."""

    def __init__(self, n: int = 4, size: int = 128, scale: int = 8) -> None:
        g = torch.Generator().manual_seed(0)
        self.faces = F.interpolate(torch.rand(n + 1, 3, 8, 8, generator=g), size=(size, size), mode="bicubic",
                                   align_corners=False).clamp(0, 1)
        self.scale = scale

    def __len__(self) -> int:
        return len(self.faces) - 1

    def __getitem__(self, i: int) -> dict:
        hr = self.faces[i]
        return {"hr": hr, "lr": F.avg_pool2d(hr[None], self.scale)[0], "reference": self.faces[i + 1],
                "index": torch.tensor(i), "seed": torch.tensor(i)}


def test_configs_load_and_scales_differ_only_in_name():
    for method in METHODS:
        x4, x8 = (load_config(CONFIGS / f"{method}_x{s}.yaml") for s in (4, 8))
        assert (x4.scale, x8.scale) == (4, 8) and x8.generator.model == method
        assert x8.data.val.enabled and x8.recipe["type"] == "reference" and x8.data.train.degradation == "blind"
        a, b = x4.__dict__.copy(), x8.__dict__.copy()
        for key in ("name", "output", "scale"):
            a.pop(key), b.pop(key)
        assert a == b
        smoke = load_config(CONFIGS / f"{method}_cpu_smoke.yaml")
        assert smoke.train.device == "cpu" and smoke.train.iterations == 3 and smoke.generator.model == method
        assert smoke.data.val.enabled is False


@pytest.mark.parametrize("method", METHODS)
def test_smoke_config_trains_one_iteration(method, tmp_path):
    size = 64 if method == "dfdnet" else 128  # DFDNet keeps VGG's widths: smaller faces keep the test short
    overrides = [f"output={tmp_path / method}", "train.iterations=1", "data.train.batch_size=2",
                 "train.checkpoint_every=1", "train.threads=1"]
    if method == "dfdnet":
        overrides.append("generator.options.face_size=64")
    cfg = load_config(CONFIGS / f"{method}_cpu_smoke.yaml", overrides)
    result = Trainer(cfg, train_set=Pairs(size=size, scale=cfg.scale)).fit()
    assert result.iteration == 1 and not result.interrupted
    assert (tmp_path / method / "checkpoints" / "last.pt").is_file()
    log = (tmp_path / method / "train_log.csv").read_text().splitlines()
    assert len(log) == 2 and "nan" not in log[1].lower()


def test_asffnet_trains_with_several_references(tmp_path):
    from facesr.data.reference import ReferenceGroupDataset
    from facesr.data.source import FaceSample, FaceSource
    from facesr.faces.synthetic import synthetic_landmarks68

    class Faces(FaceSource):
        size = 128

        def __init__(self) -> None:
            rng = np.random.default_rng(0)
            self.images = [np.kron(rng.integers(0, 256, (16, 16, 3)), np.ones((8, 8, 1))).astype(np.uint8)
                           for _ in range(6)]

        def __len__(self) -> int:
            return 6

        def identity_of(self, index: int) -> str:
            return str(index % 2)

        def sample(self, index: int) -> FaceSample:
            return FaceSample(key=str(index), hr=self.images[index], landmarks=synthetic_landmarks68(128) + index,
                              scheme="ibug68", identity=self.identity_of(index))

    data = ReferenceGroupDataset(Faces(), k=3, scale=8, seed=0)
    assert data[0]["reference"].shape == (3, 3, 128, 128)
    cfg = load_config(CONFIGS / "asffnet_cpu_smoke.yaml",
                      [f"output={tmp_path}", "train.iterations=1", "data.train.batch_size=2", "train.threads=1"])
    result = Trainer(cfg, train_set=data).fit()
    assert result.iteration == 1
