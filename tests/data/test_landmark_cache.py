"""The shared on-disk landmark cache: keyed by face, checked for size, and used by pose pairs so that a second
start estimates nothing (issue 24 leftover)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from facesr.data.face_sample import FaceSample
from facesr.data.landmark_cache import LandmarkCache, auto_cache_path, sample_key
from facesr.data.pose_pairs import PosePairDataset
from facesr.data.source import FaceSource
from facesr.errors import InputError


class Faces(FaceSource):
    """Six 32-px faces of two identities, no landmarks."""

    size = 32

    def __len__(self) -> int:
        return 6

    def identity_of(self, index: int) -> str:
        return str(index // 3)

    def sample(self, index: int) -> FaceSample:
        return FaceSample(key=str(index), hr=np.full((32, 32, 3), 40 * index, np.uint8))


def _fake_estimator(monkeypatch):
    """Replace the landmark network: face i gets 68 points whose nose sits left for i % 3 != 0 (yaw ~ 20)."""
    calls = []

    def estimate(x: torch.Tensor) -> torch.Tensor:
        calls.append(x.shape[0])
        pts = torch.zeros(x.shape[0], 68, 2)
        for n in range(x.shape[0]):
            i = int(round(float(x[n, 0, 0, 0]) * 255 / 40))
            pts[n, 36:42, 0], pts[n, 42:48, 0] = 10.0, 22.0
            pts[n, 30, 0] = 16.0 if i % 3 == 0 else 18.0
        return pts

    monkeypatch.setattr("facesr.models.reference.common.estimate_landmarks", estimate)
    return calls


def test_cache_round_trip_by_key_and_size(tmp_path):
    src = Faces()
    cache = LandmarkCache(tmp_path / "lm.npz", 32)
    assert cache.load(src) == {}
    pts = {1: np.ones((68, 2)), 4: np.full((68, 2), 2.0)}
    cache.save(src, pts)
    back = cache.load(src)
    assert set(back) == {1, 4} and np.array_equal(back[4], pts[4]) and back[1].dtype == np.float64
    with pytest.raises(InputError, match="landmarks of 32 px faces, the data is 64 px"):
        LandmarkCache(tmp_path / "lm.npz", 64).load(src)
    (tmp_path / "bad.npz").write_bytes(b"not a cache")
    with pytest.raises(InputError, match="bad.npz: not a landmark cache"):
        LandmarkCache(tmp_path / "bad.npz", 32).load(src)
    assert sample_key(src, 3) == "3"


def test_pose_pairs_estimate_once_then_read_the_cache(tmp_path, monkeypatch):
    calls = _fake_estimator(monkeypatch)
    path = tmp_path / "pose.npz"
    first = PosePairDataset(Faces(), scale=4, size=32, landmarks="estimate", landmark_cache=path)
    assert sum(calls) == 6 and path.is_file() and len(first) == 4
    again = PosePairDataset(Faces(), scale=4, size=32, landmarks="estimate", landmark_cache=path)
    assert sum(calls) == 6  # nothing estimated on the second start
    assert again.yaws == first.yaws and again.pairs == first.pairs
    PosePairDataset(Faces(), scale=4, size=32, landmarks="estimate", landmark_cache=None)
    assert sum(calls) == 12  # no cache: estimated again


def test_auto_cache_lives_in_the_cache_dir_and_depends_on_the_source(tmp_path, monkeypatch):
    monkeypatch.setenv("FACESR_CACHE", str(tmp_path))
    calls = _fake_estimator(monkeypatch)
    PosePairDataset(Faces(), scale=4, size=32, landmarks="estimate")
    PosePairDataset(Faces(), scale=4, size=32, landmarks="estimate")
    assert sum(calls) == 6
    path = auto_cache_path(Faces(), 32, "pose_pairs")
    assert path.is_file() and path.parent == tmp_path / "landmarks"
    assert auto_cache_path(Faces(), 64, "pose_pairs") != path
