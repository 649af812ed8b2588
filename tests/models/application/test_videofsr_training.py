"""Training data and recipe of VideoFSR: clips made from still faces (smooth similarity motion, one blind
degradation draw per clip, the centre HR frame = the still face), the ``video`` recipe's configs, and a CPU
smoke run of a few iterations with clip validation (centre-frame PSNR/SSIM and flicker)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from facesr.data.video_clips import Motion, VideoClipDataset, frame_record, make_clip, random_trajectory
from facesr.degradation import build_degradation
from facesr.errors import InputError
from facesr.samples import astronaut_face
from facesr.training import Trainer, load_config
from facesr.training.video_eval import flicker

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "application"


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    """Four 128 px faces: the bundled astronaut, mirrored and tinted."""
    f = astronaut_face(128)
    return np.stack([f, f[:, ::-1], np.clip(f * 0.8, 0, 255).astype(np.uint8), f[:, :, ::-1]])


def test_trajectory_is_smooth_and_still_at_the_centre():
    traj = random_trajectory(7, 3, Motion(shift=2.0, rotate=1.0, zoom=0.02, accel=0.5), np.random.default_rng(0))
    assert traj.shape == (7, 4) and np.all(traj[3] == 0)
    second = np.diff(traj, n=2, axis=0)  # constant acceleration: equal second differences
    # per-frame steps v + a (d + 1/2) stay within bound * (1 + accel * 2.5) for |d + 1/2| <= 2.5
    assert np.allclose(second, second[0]) and np.all(np.abs(np.diff(traj, axis=0)) <= [4.5, 4.5, 2.25, 0.045])
    assert np.any(traj != 0)


def test_clip_shares_one_degradation_draw(faces):
    deg = build_degradation("blind", 8.0)
    hr, lr, record = make_clip(faces[0], 5, deg, np.random.default_rng(3))
    assert len(hr) == len(lr) == 5 and lr[0].shape == (16, 16, 3)
    assert np.array_equal(hr[2], faces[0])  # the centre frame is the still face
    assert not np.array_equal(hr[0], faces[0])  # the others moved
    assert len(record["trajectory"]) == 5
    recs = [frame_record(record, i) for i in range(5)]
    strip = [[{k: v for k, v in s.items() if k != "noise_seed"} for s in r["steps"]] for r in recs]
    assert all(s == strip[0] for s in strip)  # blur, scale, noise level, JPEG quality: the clip's
    seeds = {s.get("noise_seed") for r in recs for s in r["steps"] if s["type"] == "noise"}
    assert len(seeds) in (0, 5)  # a fresh noise pattern per frame (when the draw has noise)
    assert np.array_equal(deg.replay(hr[1], recs[1]), lr[1])  # replayable frame by frame


def test_dataset_items_are_reproducible(faces):
    ds = VideoClipDataset(faces, scale=8, frames=5, seed=4)
    a, b = ds[1], ds[1]
    assert a["lr"].shape == (5, 3, 16, 16) and a["hr"].shape == (3, 128, 128)
    assert a["lr"].dtype == torch.float32 and torch.equal(a["lr"], b["lr"]) and torch.equal(a["hr"], b["hr"])
    ds.set_epoch(1)
    assert not torch.equal(ds[1]["lr"], a["lr"])
    with pytest.raises(InputError, match="odd"):
        VideoClipDataset(faces, scale=8, frames=4)
    with pytest.raises(InputError, match="does not divide"):
        VideoClipDataset(faces, scale=3, frames=3)


def test_flicker_is_zero_for_the_true_frames_and_grows_with_noise():
    hr = torch.rand(2, 3, 3, 8, 8)
    assert torch.all(flicker(hr, hr) == 0) and torch.all(flicker(hr + 0.1, hr) < 1e-4)
    noisy = hr + 0.05 * torch.randn_like(hr)
    assert torch.all(flicker(noisy, hr) > 5)


def test_configs_load_and_scales_differ_only_in_name():
    x4, x8 = (load_config(CONFIGS / f"videofsr_x{s}.yaml") for s in (4, 8))
    assert (x4.scale, x8.scale) == (4, 8) and x8.generator.model == "videofsr"
    assert x8.recipe["type"] == "video" and x8.data.train.degradation == "blind"
    a, b = x4.__dict__.copy(), x8.__dict__.copy()
    for key in ("name", "output", "scale"):
        a.pop(key), b.pop(key)
    assert a == b
    smoke = load_config(CONFIGS / "videofsr_cpu_smoke.yaml")
    assert smoke.train.device == "cpu" and smoke.train.iterations == 3 and smoke.generator.options["frames"] == 3


def test_smoke_config_trains_and_validates_on_clips(tmp_path, faces):
    out = tmp_path / "run"
    cfg = load_config(CONFIGS / "videofsr_cpu_smoke.yaml",
                      [f"output={out}", "train.iterations=2", "train.checkpoint_every=2", "train.threads=1",
                       "data.val.batch_size=2"])
    train = VideoClipDataset(faces, scale=cfg.scale, frames=3, seed=0)
    result = Trainer(cfg, train_set=train, val_faces=faces[:2]).fit()
    assert result.iteration == 2 and not result.interrupted
    assert (out / "checkpoints" / "last.pt").is_file()
    log = (out / "train_log.csv").read_text().splitlines()
    assert len(log) == 3 and "nan" not in "".join(log[1:]).lower()
    scores = result.last_val
    assert set(scores) >= {"psnr", "ssim", "flicker"}
    assert all(math.isfinite(v) for v in scores.values()) and 5 < scores["psnr"] < 50 and scores["flicker"] >= 0


def test_clips_from_celeba_as_the_configs_read_it():
    from facesr.data import open_dataset
    from facesr_testing import require_data

    root = require_data("celeba")  # skips with the reason when $FACESR_DATA has no CelebA
    ds = VideoClipDataset(open_dataset("celeba", str(root)), scale=4, frames=5, seed=0)
    item = ds[0]
    assert item["lr"].shape == (5, 3, 32, 32) and item["hr"].shape == (3, 128, 128)
    assert 0.0 <= float(item["lr"].min()) and float(item["lr"].max()) <= 1.0
