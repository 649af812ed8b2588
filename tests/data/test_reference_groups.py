"""Reference groups (facesr.data.reference): targets with K same-identity references and landmarks, seeded
draws, padding of small groups, Table 8 LR, test groups of celeba1000, landmark estimation and its cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from facesr.data.reference import ReferenceGroupDataset, group_pairs, identity_groups
from facesr.data.source import FaceSample, FaceSource
from facesr.errors import InputError
from facesr.faces.synthetic import synthetic_landmarks68


class Faces(FaceSource):
    """``n`` random 32 px faces; identity ``i % ids``; landmarks unless ``landmarks=False``."""

    def __init__(self, n: int = 12, ids: int = 3, size: int = 32, landmarks: bool = True) -> None:
        rng = np.random.default_rng(0)
        self.images = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)]
        self.ids, self.size, self.landmarks = ids, size, landmarks

    def __len__(self) -> int:
        return len(self.images)

    def identity_of(self, index: int) -> str | None:
        return None if index == 0 else f"id{index % self.ids}"  # face 0 has no label

    def sample(self, index: int) -> FaceSample:
        lm = synthetic_landmarks68(self.size) + index if self.landmarks else None
        return FaceSample(key=f"f{index}", hr=self.images[index], landmarks=lm, scheme="ibug68",
                          identity=self.identity_of(index))


def test_items_hold_same_identity_references_with_landmarks():
    src = Faces(ids=2)
    ds = ReferenceGroupDataset(src, k=3, scale=4, seed=1)
    assert len(ds) == 11  # face 0 has no identity
    item = ds[2]
    assert item["hr"].shape == (3, 32, 32) and item["lr"].shape == (3, 8, 8)
    assert item["reference"].shape == (3, 3, 32, 32) and item["reference_landmarks"].shape == (3, 68, 2)
    assert item["landmarks"].shape == (68, 2) and item["reference_mask"].all()
    target = ds.targets[2]
    refs = {int(round(float(r[0, 0, 0] * 255))) for r in item["reference"]}
    same = {int(src.images[i][0, 0, 0]) for i in identity_groups(src)[src.identity_of(target)] if i != target}
    assert refs <= same
    torch.testing.assert_close(item["landmarks"], torch.from_numpy((synthetic_landmarks68(32) + target)
                                                                     .astype(np.float32)))


def test_draws_are_seeded_per_epoch():
    ds = ReferenceGroupDataset(Faces(), k=2, scale=4, seed=1, flip=0.5)
    a, b = ds[4], ds[4]
    assert all(torch.equal(a[k], b[k]) for k in a)
    changed = False
    for epoch in range(1, 6):
        ds.set_epoch(epoch)
        changed |= not torch.equal(ds[4]["reference"], a["reference"])
    assert changed
    other = ReferenceGroupDataset(Faces(), k=2, scale=4, seed=2, flip=0.5)[4]
    assert not torch.equal(other["lr"], a["lr"])


def test_small_groups_are_padded_and_masked():
    ds = ReferenceGroupDataset(Faces(n=7, ids=3), k=5, scale=4)
    item = ds[0]  # identity with faces 1, 4 (7 % 3 == 1): one other face
    assert item["reference"].shape[0] == 5 and item["reference_mask"].tolist() == [True, False, False, False, False]
    assert all(torch.equal(item["reference"][0], r) for r in item["reference"])


def test_fixed_groups_and_sampled_scale():
    groups = [(1, [4, 7]), (4, [1]), (2, [5, 8, 11])]
    ds = ReferenceGroupDataset(Faces(), groups=groups, scale=None, seed=0)
    assert len(ds) == 3 and ds.k == 3
    item = ds[1]
    assert item["lr"].shape == (3, 32, 32)  # s in {1:0.1:8}, brought back to the HR size
    assert item["reference_mask"].tolist() == [True, False, False]
    with pytest.raises(InputError, match="at least one reference"):
        ReferenceGroupDataset(Faces(), groups=[(1, [])])


def test_no_identities_is_a_clear_error():
    class Unlabelled(Faces):
        def identity_of(self, index):
            return None

    with pytest.raises(InputError, match="identity labels"):
        ReferenceGroupDataset(Unlabelled(), k=1)
    with pytest.raises(InputError, match="no 68 landmarks"):
        ReferenceGroupDataset(Faces(landmarks=False), k=1, landmarks="data")[0]


def test_estimated_landmarks_are_cached(tmp_path, monkeypatch):
    calls = []

    def fake(faces):
        calls.append(len(faces))
        return np.stack([synthetic_landmarks68(32)] * len(faces))

    monkeypatch.setattr(ReferenceGroupDataset, "_estimate", staticmethod(fake))
    cache = tmp_path / "lm.npz"
    ds = ReferenceGroupDataset(Faces(landmarks=False), k=2, scale=4, landmark_cache=cache)
    assert ds.precompute_landmarks(batch_size=4, progress=False) == 11 and sum(calls) == 11
    assert cache.is_file()
    again = ReferenceGroupDataset(Faces(landmarks=False), k=2, scale=4, landmark_cache=cache)
    assert again.precompute_landmarks(progress=False) == 0 and sum(calls) == 11
    torch.testing.assert_close(again[3]["landmarks"], torch.from_numpy(synthetic_landmarks68(32).astype(np.float32)))


def test_celeba1000_groups(celeba1000):
    from facesr.data import open_dataset
    from facesr_testing import require_data

    test = open_dataset("celeba1000")
    groups = group_pairs(test)
    assert len(groups) == 657 and max(len(r) for _, r in groups) == 6 and min(len(r) for _, r in groups) == 1
    ident = [test.records[t].identity for t, _ in groups]
    assert all(test.records[r].identity == i for (_, refs), i in zip(groups, ident) for r in refs)
    require_data("celeba")
    train = {r.identity for r in open_dataset("celeba").records}
    assert not train & set(ident)


def test_guide_first_picks_the_best_aligned_reference():
    from facesr.data.reference import guide_first

    target = torch.from_numpy(synthetic_landmarks68(32).astype(np.float32))
    other = torch.from_numpy(synthetic_landmarks68(32, asymmetry=3.0).astype(np.float32))
    lms = torch.stack([other, target * 1.1 + 1.0, other])
    item = {"landmarks": target, "reference_landmarks": lms, "reference": torch.arange(3.0).view(3, 1),
            "reference_mask": torch.tensor([True, True, True])}
    out = guide_first(item)
    assert out["reference"].flatten().tolist() == [1.0, 0.0, 2.0]
    batch = {k: v.unsqueeze(0) for k, v in item.items()}
    batch["reference_mask"] = torch.tensor([[True, False, True]])
    assert guide_first(batch)["reference"][0, 0].item() in (0.0, 2.0)
