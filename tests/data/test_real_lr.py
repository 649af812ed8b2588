"""Real LR faces for the real-world GANs (facesr.data.real_lr): JPEG quality estimates, the low-quality
selection by NIQE, the unpaired training items, and the realworld crops and low-quality faces of the local
data (skipped without it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from facesr.data.real_lr import (
    RealFace,
    UnpairedFaces,
    jpeg_quality,
    load_real_lr,
    low_quality_faces,
    realworld_faces,
    select_low_quality,
)
from facesr.errors import InputError
from facesr_testing import require_data


@pytest.mark.parametrize("quality", [10, 35, 50, 75, 95])
def test_jpeg_quality_reads_the_ijg_quality_of_a_file(tmp_path, quality):
    path = tmp_path / "face.jpg"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(path, quality=quality)
    assert jpeg_quality(path) == quality
    png = tmp_path / "face.png"
    Image.open(path).save(png)
    assert jpeg_quality(png) is None


def test_low_quality_selection_is_worst_first_with_ties_by_key():
    scores = {"a": 3.0, "b": 9.0, "c": 9.0, "d": 1.0}
    assert select_low_quality(scores, 3) == ["b", "c", "a"]
    assert select_low_quality(scores, 0) == [] and select_low_quality(scores, 10)[-1] == "d"


class _Pairs(torch.utils.data.Dataset):
    def __init__(self) -> None:
        self.epochs = []

    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int) -> dict:
        return {"hr": torch.zeros(3, 8, 8), "index": torch.tensor(i)}

    def set_epoch(self, epoch: int) -> None:
        self.epochs.append(epoch)


def _faces(n: int = 5, size: int = 4) -> list[RealFace]:
    rng = np.random.default_rng(1)
    return [RealFace(rng.integers(0, 256, (size, size, 3), dtype=np.uint8), f"x/{i}", "cmu_mit", (size, size), False)
            for i in range(n)]


def test_unpaired_items_draw_a_real_face_per_seed_epoch_and_index():
    pairs = _Pairs()
    data = UnpairedFaces(pairs, _faces(), seed=3, flip=0.5)
    a = [data[i]["lr_real"] for i in range(6)]
    again = UnpairedFaces(_Pairs(), _faces(), seed=3, flip=0.5)
    assert all(torch.equal(x, again[i]["lr_real"]) for i, x in enumerate(a))  # the same in any worker
    assert a[0].shape == (3, 4, 4) and a[0].dtype == torch.float32 and 0 <= a[0].min() and a[0].max() <= 1
    stack = data.real.flatten(1)
    for x in a:  # each item is one of the faces, mirrored or not
        assert any(torch.equal(x, f) or torch.equal(x.flip(-1), f) for f in data.real)
    assert stack.shape == (5, 48)
    data.set_epoch(1)
    assert pairs.epochs == [1]
    assert any(not torch.equal(a[i], data[i]["lr_real"]) for i in range(6))
    with pytest.raises(InputError, match="one H x W x 3 size"):
        UnpairedFaces(pairs, [np.zeros((4, 4, 3), np.uint8), np.zeros((5, 5, 3), np.uint8)])
    with pytest.raises(InputError, match="at least one"):
        UnpairedFaces(pairs, [])


def test_bad_requests_are_one_line_errors():
    with pytest.raises(InputError, match="sources must be some of"):
        load_real_lr(16, ["webcam"])
    with pytest.raises(InputError, match="at least 4 px"):
        load_real_lr(2)
    with pytest.raises(InputError, match="unknown realworld source"):
        realworld_faces("celeba_lq", 16)


def test_realworld_crops():
    require_data("realworld/surveillance_whu_scf")
    require_data("realworld/cmu_mit_lowres_gray")
    surv = realworld_faces("surveillance", 16)
    assert len(surv) == 7 and not any("Far_02" in f.key for f in surv)  # the truncated crop is skipped
    assert all(f.image.shape == (16, 16, 3) and f.grey and f.quality == 80 for f in surv)  # the frames' quality
    assert min(f.native[0] for f in surv) == 38 and max(f.native[0] for f in surv) == 71
    cmu = realworld_faces("cmu_mit", 12)
    assert len(cmu) == 19 and all(f.quality is None and f.image.shape == (12, 12, 3) for f in cmu)
    assert not any(f.key.endswith(".gif.gif") for f in cmu)


def test_low_quality_faces_of_celeba_by_niqe(tmp_path, monkeypatch):
    require_data("celeba/img_align_celeba")
    monkeypatch.setenv("FACESR_CACHE", str(tmp_path))
    faces = low_quality_faces("celeba_lq", 16, count=3, limit=10, progress=False)
    assert len(faces) == 3 and all(f.image.shape == (16, 16, 3) for f in faces)
    scores = [f.score for f in faces]
    assert scores == sorted(scores, reverse=True) and all(f.quality == 75 for f in faces)
    cached = (tmp_path / "real_lr" / "niqe_celeba.json").read_text()
    assert cached.count(":") == 10  # the 10 scored images, nothing else
    assert [f.key for f in low_quality_faces("celeba_lq", 16, count=3, limit=10, progress=False)] == \
        [f.key for f in faces]
