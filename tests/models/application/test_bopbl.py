"""BOPBL (survey §4.8.2): the two VAEs, the latent mapping and the critics at the code's settings (counts), the
restorer's contract, the real old faces, and the recipe's two stages on tiny networks (stage 1 moves only the
VAEs, stage 2 only the mapping)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from facesr.errors import InputError
from facesr.models import create, create_part, model_complexity
from facesr.models.complexity import count_params
from facesr.training import Trainer, load_config
from facesr.training.recipes.bopbl import grey

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "application"


def test_counts_at_the_released_settings():
    net = create("bopbl", 8, device="meta")
    assert count_params(net.vae_a) == count_params(net.vae_b) == 872_131
    assert count_params(net.mapping) == 36_135_232 and count_params(net) == 37_879_494
    assert count_params(create_part("bopbl", "discriminator", 8, device="meta")) == 5_529_474
    assert count_params(create_part("bopbl", "latent_discriminator", 8, device="meta")) == 2_827_201
    c = model_complexity("bopbl", scale=8)
    assert c.input_shape == (1, 3, 128, 128) and c.params == 37_879_494


def test_restorer_keeps_the_size_and_checks_its_input():
    net = create("bopbl", 4, seed=0, channels=8, map_width=16, map_blocks=1).eval()
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        y = net(x)
    assert y.shape == x.shape and torch.isfinite(y).all() and y.min() >= -1e-6 and y.max() <= 1 + 1e-6
    z = net.vae_a.encode(x * 2 - 1)
    assert z.shape == (2, 8, 8, 8)  # latent at a quarter of the size
    with pytest.raises(InputError, match="multiples of 4"):
        net(torch.rand(1, 3, 30, 30))
    d = create_part("bopbl", "discriminator", 4, base_channels=8, n_layers=2)
    assert len(d(x)) == 2  # one logit map per scale
    with pytest.raises(InputError):
        create_part("bopbl", "latent_discriminator", 4, channels=8)(x)


def test_grey_is_full_range_luma_in_every_channel():
    x = torch.rand(2, 3, 4, 4)
    g = grey(x)
    want = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    assert torch.allclose(g[:, 0], want, atol=1e-4) and torch.equal(g[:, 0], g[:, 2])


def test_real_old_faces_are_the_solvay_crops():
    from facesr.data.old_photos import SOLVAY_FACES, real_old_faces
    from facesr_testing import require_data

    require_data(SOLVAY_FACES)
    faces = real_old_faces(size=32)
    assert faces.shape == (29, 32, 32, 3) and faces.dtype == np.uint8
    with pytest.raises(InputError, match="FACESR_DATA"):
        real_old_faces(folder="no/such/folder")


class Pairs(torch.utils.data.Dataset):
    """Eight random 32 px faces with their 4 px LR (x8)."""

    def __init__(self) -> None:
        g = torch.Generator().manual_seed(0)
        self.hr = torch.rand(8, 3, 32, 32, generator=g)
        self.lr = torch.nn.functional.avg_pool2d(self.hr, 8)

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> dict:
        return {"lr": self.lr[i], "hr": self.hr[i], "index": torch.tensor(i), "seed": torch.tensor(i)}


def test_two_stages_train_the_vaes_then_the_mapping(tmp_path, monkeypatch):
    monkeypatch.setattr("facesr.data.old_photos.real_old_faces",
                        lambda root=None, size=128, folder="": np.full((3, size, size, 3), 90, np.uint8))
    cfg = load_config(CONFIGS / "bopbl_cpu_smoke.yaml", [
        f"output={tmp_path / 'run'}", "train.progress=false", "train.tensorboard=false", "data.val.enabled=false",
        "data.train.size=32", "train.precision=fp32", "train.channels_last=false", "train.iterations=3"])
    trainer = Trainer(cfg, train_set=Pairs())
    net = trainer.nets["generator"]

    def snap():
        return {k: [p.detach().clone() for p in getattr(net, k).parameters()] for k in ("vae_a", "vae_b", "mapping")}

    def moved(a, b, k):
        return any(not torch.equal(x, y) for x, y in zip(a[k], b[k]))

    before = snap()
    step = trainer.step
    seen = {}

    def spy(batch, it):
        out = step(batch, it)
        seen[it] = snap()
        return out

    trainer.step = spy
    result = trainer.fit()
    assert result.iteration == 3
    assert moved(before, seen[2], "vae_a") and moved(before, seen[2], "vae_b")
    assert not moved(before, seen[2], "mapping")  # stage 1: the mapping rests
    assert moved(seen[2], seen[3], "mapping")
    assert not moved(seen[2], seen[3], "vae_a") and not moved(seen[2], seen[3], "vae_b")  # stage 2: VAEs frozen
    rows = list(csv.DictReader(open(tmp_path / "run" / "train_log.csv")))
    assert [float(r["stage"]) for r in rows] == [1.0, 1.0, 2.0]
    assert all(np.isfinite(float(r["loss"])) for r in rows) and rows[0]["latent_gan"] and rows[2]["latent"]


@pytest.mark.slow
def test_smoke_config_on_celeba_and_the_solvay_crops(tmp_path):
    from facesr.data.old_photos import SOLVAY_FACES
    from facesr_testing import require_data

    for sub in ("celeba", "celeba1000", SOLVAY_FACES):
        require_data(sub)
    cfg = load_config(CONFIGS / "bopbl_cpu_smoke.yaml", [f"output={tmp_path / 'run'}", "train.progress=false",
                                                          "train.tensorboard=false"])
    result = Trainer(cfg).fit()
    assert result.iteration == 3 and {"psnr", "ssim"} <= set(result.last_val)
