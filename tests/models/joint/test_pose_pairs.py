"""Pose pairs for frontalization (survey §4.7.5): the yaw proxy inverts the projection it models (5 and 68
points), pairs take each identity's most frontal face as the target of its non-frontal faces, items carry the
degraded input and frontal LR, a mirror flips both faces and the yaw's sign, and bad sources are one-line errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from facesr.data.face_sample import FaceSample
from facesr.data.pose_pairs import PosePairDataset, pose_pairs, yaw_from_landmarks
from facesr.data.source import FaceSource
from facesr.errors import InputError


def _project(yaw_deg: float, e: float = 20.0) -> np.ndarray:
    """celeba5 points of a head with eyes at +-e and the nose tip e in front of them, turned by ``yaw_deg``."""
    t = math.radians(yaw_deg)
    pts3 = np.array([[-e, 0, 0], [e, 0, 0], [0, 15, e], [-12, 35, 0.3 * e], [12, 35, 0.3 * e]], dtype=np.float64)
    x = pts3[:, 0] * math.cos(t) + pts3[:, 2] * math.sin(t)
    return np.stack([x + 64, pts3[:, 1] + 50], axis=1)


@pytest.mark.parametrize("yaw", [0.0, 12.0, -30.0, 45.0])
def test_yaw_proxy_inverts_the_projection(yaw):
    assert yaw_from_landmarks(_project(yaw)) == pytest.approx(yaw, abs=1e-6)


def test_yaw_from_68_points_uses_eye_centres_nose_tip_and_mouth_corners():
    five = _project(25.0)
    pts = np.zeros((68, 2))
    pts[36:42] = five[0] + np.array([[-3, 0], [-1, -1], [1, -1], [3, 0], [1, 1], [-1, 1]])
    pts[42:48] = five[1] + np.array([[-3, 0], [-1, -1], [1, -1], [3, 0], [1, 1], [-1, 1]])
    pts[30], pts[48], pts[54] = five[2], five[3], five[4]
    assert yaw_from_landmarks(pts) == pytest.approx(25.0, abs=1e-6)
    with pytest.raises(InputError):
        yaw_from_landmarks(np.zeros((7, 2)))
    assert math.isnan(yaw_from_landmarks(np.full((5, 2), np.nan)))


def test_pairs_target_the_most_frontal_face_of_each_identity():
    yaws = {0: 2.0, 1: 20.0, 2: -25.0, 3: 8.0, 4: 12.0, 5: 30.0, 6: 40.0}
    ids = {0: "a", 1: "a", 2: "a", 3: "a", 4: "b", 5: "b", 6: None}
    assert pose_pairs(yaws, ids, frontal_max=10.0, profile_min=15.0) == [(1, 0), (2, 0)]
    assert pose_pairs(yaws, ids, frontal_max=12.0, profile_min=15.0) == [(1, 0), (2, 0), (5, 4)]


class FakeSource(FaceSource):
    """Smooth 32-px faces; identity ``i // 3``; yaw 0 for every third face, else +-20 degrees."""

    def __init__(self, n: int = 6, identities: bool = True) -> None:
        rng = np.random.default_rng(0)
        small = rng.integers(0, 256, (n, 4, 4, 3)).astype(np.float32)
        self.faces = [np.kron(f, np.ones((8, 8, 1))).astype(np.uint8) for f in small]
        self.yaws = [0.0 if i % 3 == 0 else (20.0 if i % 3 == 1 else -20.0) for i in range(n)]
        self.identities = identities
        self.size = 32

    def __len__(self) -> int:
        return len(self.faces)

    def identity_of(self, index: int) -> str | None:
        return str(index // 3) if self.identities else None

    def sample(self, index: int) -> FaceSample:
        return FaceSample(key=str(index), hr=self.faces[index], landmarks=_project(self.yaws[index]) / 4,
                          scheme="celeba5")


def test_items_pair_a_degraded_profile_with_its_frontal_target():
    from facesr.ops import imresize

    src = FakeSource()
    data = PosePairDataset(src, scale=4, size=32, frontal_max=5.0, profile_min=15.0)
    assert data.pairs == [(1, 0), (2, 0), (4, 3), (5, 3)]
    item = data[0]
    assert set(item) >= {"hr", "lr", "lr_frontal", "yaw", "yaw_frontal", "index", "seed"}
    hr = torch.from_numpy(src.faces[0]).permute(2, 0, 1).float() / 255
    assert torch.allclose(item["hr"], hr)
    profile = torch.from_numpy(src.faces[1]).permute(2, 0, 1).float()[None] / 255
    assert item["lr"].shape == (3, 8, 8)
    err = (item["lr"] - imresize(profile, 0.25)[0]).abs()  # uint8 rounding of each resize pass aside
    assert float(err.max()) < 4 / 255 and float(err.mean()) < 1 / 255
    assert float((item["lr"] - imresize(hr[None], 0.25)[0]).abs().mean()) > 10 / 255  # not the target's LR
    assert float((item["lr_frontal"] - imresize(hr[None], 0.25)[0]).abs().max()) < 4 / 255
    assert float(item["yaw"]) == pytest.approx(20.0, abs=1e-4) and abs(float(item["yaw_frontal"])) < 1e-4
    flipped = PosePairDataset(src, scale=4, size=32, frontal_max=5.0, profile_min=15.0, flip=1.0)[0]
    assert torch.allclose(flipped["hr"], hr.flip(-1)) and float(flipped["yaw"]) == pytest.approx(-20.0, abs=1e-4)


def test_bad_sources_are_one_line_errors():
    with pytest.raises(InputError, match="identity labels"):
        PosePairDataset(FakeSource(identities=False), scale=4, size=32)
    with pytest.raises(InputError, match="no identity"):
        PosePairDataset(FakeSource(), scale=4, size=32, frontal_max=5.0, profile_min=30.0)
    with pytest.raises(InputError):
        PosePairDataset(FakeSource(), scale=4, size=32, frontal_max=20.0, profile_min=15.0)
    one = PosePairDataset(FakeSource(), scale=4, size=32, frontal_max=5.0, profile_min=15.0, max_identities=1)
    assert one.pairs == [(1, 0), (2, 0)]
