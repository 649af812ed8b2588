"""Paired LR/HR data: reproducible per (seed, epoch, index), consistent flips, priors, official LR."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from data_fixtures import celeba

from facesr.data.celeba import CelebA
from facesr.data.paired import PairedFaceDataset
from facesr.data.source import FaceSample, FaceSource
from facesr.data.testlist import TestList
from facesr.errors import InputError
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.priors.heatmaps import heatmaps_to_landmarks
from facesr.priors.parsing import CLASS_ID
from facesr_testing import require_data


class SyntheticFaces(FaceSource):
    """Asymmetric synthetic faces with landmarks, identities and attributes (no files needed)."""

    def __init__(self, n: int = 6, size: int = 64):
        self.n, self.size = n, size

    def __len__(self) -> int:
        return self.n

    def identity_of(self, index: int) -> str:
        return str(index // 2)

    def sample(self, index: int) -> FaceSample:
        rng = np.random.default_rng(index)
        hr = rng.integers(0, 256, (self.size, self.size, 3), dtype=np.uint8)
        hr[: self.size // 2, : self.size // 4] = 0  # asymmetric content: dark block on the left
        return FaceSample(key=f"s{index}", hr=hr, landmarks=synthetic_landmarks68(self.size, 1.0),
                          scheme="ibug68", attributes={"Male": float(index % 2), "Young": 1.0},
                          identity=self.identity_of(index))


PRIORS = ("landmarks", "heatmaps", "parsing", "attributes", "identity", "reference")


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_items_reproducible_and_epoch_dependent():
    ds = PairedFaceDataset(SyntheticFaces(), scale=4, degradation="blind", priors=PRIORS, seed=3)
    a = ds[2]
    assert a["hr"].shape == (3, 64, 64) and a["lr"].dtype == torch.float32
    assert 0 <= float(a["lr"].min()) and float(a["lr"].max()) <= 1
    assert _equal(a, ds[2])  # same (seed, epoch, index) -> same item, whatever came before
    other = PairedFaceDataset(SyntheticFaces(), scale=4, degradation="blind", priors=PRIORS, seed=3)
    _ = other[5], other[0]
    assert _equal(a, other[2])
    ds.set_epoch(1)
    changed = [not torch.equal(ds[i]["lr"], a["lr"]) for i in [2]]
    assert any(changed)
    assert a["heatmaps"].shape == (68, 64, 64) and a["parsing"].dtype == torch.int64
    assert a["identity"].item() == 1 and a["attributes"].tolist() == [0.0, 1.0]
    # the reference is the other image of identity "1" (indices 2 and 3), not the sample itself
    assert a["reference"].shape == (3, 64, 64)
    other_hr = torch.from_numpy(SyntheticFaces().sample(3).hr.transpose(2, 0, 1).copy()).float() / 255
    assert torch.equal(a["reference"], other_hr)


def test_dataloader_workers_give_same_items():
    ds = PairedFaceDataset(SyntheticFaces(), scale=4, degradation="blind", priors=("landmarks",), seed=0)
    single = [ds[i] for i in range(len(ds))]
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, shuffle=False)
    batches = list(loader)
    for i, item in enumerate(single):
        b = batches[i // 2]
        assert torch.equal(b["lr"][i % 2], item["lr"])
        assert torch.equal(b["landmarks"][i % 2], item["landmarks"])


def test_flip_keeps_annotations_consistent():
    src = SyntheticFaces(n=1)
    never = PairedFaceDataset(src, scale=4, flip=0.0, priors=("landmarks", "heatmaps", "parsing"))
    always = PairedFaceDataset(src, scale=4, flip=1.0, priors=("landmarks", "heatmaps", "parsing"))
    a, b = never[0], always[0]
    assert torch.equal(b["hr"], torch.flip(a["hr"], dims=[2]))
    # heatmap peaks follow the (re-ordered) flipped landmarks
    peaks = heatmaps_to_landmarks(b["heatmaps"].numpy())
    np.testing.assert_allclose(peaks, b["landmarks"].numpy(), atol=1e-3)
    # the image-left eye of the flipped face is the mirror of the original image-right eye
    mirrored = 63 - a["landmarks"][42:48, 0].mean()
    np.testing.assert_allclose(b["landmarks"][36:42, 0].mean(), mirrored, atol=1e-4)
    # parsing: mirrored with the left/right classes (eyes, brows) swapped
    pa, pb = a["parsing"].numpy(), b["parsing"].numpy()
    swapped = pa[:, ::-1].copy()
    for left, right in (("l_eye", "r_eye"), ("l_brow", "r_brow")):
        swapped[pa[:, ::-1] == CLASS_ID[left]] = CLASS_ID[right]
        swapped[pa[:, ::-1] == CLASS_ID[right]] = CLASS_ID[left]
    assert np.mean(swapped != pb) < 0.01
    # LR is the degradation of the flipped HR (bicubic: flip commutes up to rounding)
    assert torch.allclose(b["lr"], torch.flip(a["lr"], dims=[2]), atol=2 / 255)


def test_heatmap_stride_and_bad_priors():
    ds = PairedFaceDataset(SyntheticFaces(), scale=4, priors=("heatmaps",), heatmap_stride=4,
                           heatmap_sigma=1.0)
    assert ds[0]["heatmaps"].shape == (68, 16, 16)
    with pytest.raises(InputError, match="unknown prior"):
        PairedFaceDataset(SyntheticFaces(), priors=("depth",))


def test_reader_source_celeba_fixture(tmp_path):
    ds = PairedFaceDataset(CelebA(celeba(tmp_path)), scale=8, size=128, priors=("identity", "reference"))
    item = ds[0]
    assert item["hr"].shape == (3, 128, 128) and item["lr"].shape == (3, 16, 16)
    assert item["identity"].item() in (0, 1)
    with pytest.raises(InputError, match="no landmarks"):
        PairedFaceDataset(CelebA(celeba(tmp_path / "b", landmarks=False)), priors=("heatmaps",))[0]


def test_official_lr_of_a_test_set():
    root = require_data("celeba1000")
    ds = PairedFaceDataset(TestList(root), degradation="dataset", lr_size=16, flip=0.0)
    item = ds[0]
    assert item["hr"].shape == (3, 128, 128) and item["lr"].shape == (3, 16, 16)
    full = PairedFaceDataset(TestList(root), degradation="dataset", flip=0.0)[0]
    assert full["lr"].shape == (3, 128, 128)


def test_preload_keeps_items_identical_and_caches_bicubic_lr():
    plain = PairedFaceDataset(SyntheticFaces(4, 64), scale=4, size=64, seed=3)
    held = PairedFaceDataset(SyntheticFaces(4, 64), scale=4, size=64, seed=3)
    held.preload(progress=False)
    for epoch in (0, 1):
        plain.set_epoch(epoch)
        held.set_epoch(epoch)
        for i in range(4):
            a, b = plain[i], held[i]
            assert torch.equal(a["hr"], b["hr"]) and torch.equal(a["lr"], b["lr"])
    assert held._lr_cache  # bicubic draws nothing: LR images were kept


def test_preload_does_not_cache_random_degradations():
    ds = PairedFaceDataset(SyntheticFaces(2, 64), scale=4, size=64, degradation="blind")
    ds.preload(progress=False)
    assert ds._lr_cache is None
    from facesr.degradation import build_degradation

    assert build_degradation("bicubic", scale=4).deterministic((64, 64))
    assert not build_degradation("blind", scale=4).deterministic((64, 64))


def test_crop_box_overrides_framing(tmp_path):
    from facesr.data.celeba import CELEBA_FSRNET_BOX
    from facesr.training.data import resolve_box

    root = celeba(tmp_path / "celeba", n=2)
    from PIL import Image

    noise = np.random.default_rng(0).integers(0, 256, (218, 178, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / "img_align_celeba" / "000001.jpg", quality=95)
    reader = CelebA(root)
    default = PairedFaceDataset(reader, scale=8, size=128, flip=0)[0]["hr"]
    boxed = PairedFaceDataset(reader, scale=8, size=128, flip=0, crop_box=CELEBA_FSRNET_BOX)[0]["hr"]
    assert default.shape == boxed.shape and not torch.equal(default, boxed)
    assert resolve_box("fsrnet") == CELEBA_FSRNET_BOX and resolve_box([1, 2, 30, 40]) == (1, 2, 30, 40)
    from facesr.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown crop_box"):
        resolve_box("fsrnett")
    with pytest.raises(ConfigError, match="empty"):
        resolve_box([5, 5, 5, 9])


def test_framing_jitter_moves_the_crop_per_epoch_and_keeps_landmarks_consistent(tmp_path):
    from facesr.data.augment import jitter_box

    rng = np.random.default_rng(0)
    boxes = [jitter_box((16, 60, 159, 203), (178, 218), (5, 3), 0.04, rng) for _ in range(200)]
    lefts = np.array([b[0] for b in boxes])
    widths = np.array([b[2] - b[0] for b in boxes])
    assert lefts.min() >= 16 - 5 - 3 and lefts.max() <= 16 + 5 + 3 and len(set(lefts)) > 5
    assert widths.min() >= round(143 * 0.96) and widths.max() <= round(143 * 1.04)
    assert all(0 <= b[0] < b[2] <= 178 and 0 <= b[1] < b[3] <= 218 for b in boxes)
    # a box at the image edge stays inside the image
    edge = jitter_box((0, 0, 178, 218), (178, 218), (10, 10), 0.2, np.random.default_rng(1))
    assert 0 <= edge[0] and edge[2] <= 178 and 0 <= edge[1] and edge[3] <= 218

    root = celeba(tmp_path / "celeba", n=2)
    from PIL import Image

    noise = np.random.default_rng(0).integers(0, 256, (218, 178, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / "img_align_celeba" / "000001.jpg", quality=95)
    ds = PairedFaceDataset(CelebA(root), scale=8, size=128, flip=0, crop_box=(16, 60, 159, 203),
                           jitter=[5, 3, 0.04], priors=("landmarks",))
    first = ds[0]
    assert torch.equal(first["hr"], ds[0]["hr"])  # same epoch, same crop
    ds.set_epoch(1)
    second = ds[0]
    assert not torch.equal(first["hr"], second["hr"])
    assert not torch.equal(first["landmarks"], second["landmarks"])  # landmarks follow the crop
    held = PairedFaceDataset(CelebA(root), scale=8, size=128, flip=0, crop_box=(16, 60, 159, 203),
                             jitter=[5, 3, 0.04], priors=("landmarks",))
    held.preload(progress=False)
    held.set_epoch(1)
    assert torch.equal(held[0]["hr"], second["hr"]) and held._lr_cache is None
    with pytest.raises(InputError, match="jitter"):
        PairedFaceDataset(CelebA(root), jitter=[5, 3])
    with pytest.raises(InputError, match="dataset reader"):
        PairedFaceDataset(SyntheticFaces(2, 64), scale=4, size=64, jitter=[1, 1, 0])


def test_roll_jitter_turns_the_face_per_epoch_and_its_landmarks_with_it(tmp_path):
    root = celeba(tmp_path / "celeba", n=1)
    from PIL import Image

    noise = np.random.default_rng(0).integers(0, 256, (218, 178, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / "img_align_celeba" / "000001.jpg", quality=95)
    box = (16, 60, 159, 203)
    plain = PairedFaceDataset(CelebA(root), scale=8, size=128, flip=0, crop_box=box, priors=("landmarks",))[0]
    ds = PairedFaceDataset(CelebA(root), scale=8, size=128, flip=0, crop_box=box, rotate=8.0, priors=("landmarks",))
    first = ds[0]
    assert torch.equal(first["hr"], ds[0]["hr"])  # same epoch, same angle
    ds.set_epoch(1)
    second = ds[0]
    assert not torch.equal(first["hr"], second["hr"])
    for item in (first, second):
        # the eye line turns by the drawn angle: its slope differs from the upright crop's
        eye_l, eye_r = item["landmarks"][0].numpy(), item["landmarks"][1].numpy()
        up_l, up_r = plain["landmarks"][0].numpy(), plain["landmarks"][1].numpy()
        turned = np.degrees(np.arctan2(*(eye_r - eye_l)[::-1]) - np.arctan2(*(up_r - up_l)[::-1]))
        assert 0.01 < abs(turned) < 24.0
        # the turn is about the crop centre: distances from it are kept (up to the 143 -> 128 resize)
        c = np.array([63.5, 63.5])
        assert np.linalg.norm(eye_l - c) == pytest.approx(np.linalg.norm(up_l - c), abs=1e-3)
    held = PairedFaceDataset(CelebA(root), scale=8, size=128, flip=0, crop_box=box, rotate=8.0)
    held.preload(progress=False)
    held.set_epoch(1)
    assert torch.equal(held[0]["hr"], second["hr"]) and held._lr_cache is None
    for bad in (-1, 45, "x"):
        with pytest.raises(InputError, match="rotate"):
            PairedFaceDataset(CelebA(root), rotate=bad)
    with pytest.raises(InputError, match="dataset reader"):
        PairedFaceDataset(SyntheticFaces(2, 64), scale=4, size=64, rotate=5.0)


def test_unlabelled_images_get_unknown_attributes(tmp_path):
    from facesr.data.utkface import UTKFace

    root = tmp_path / "utkface"
    (root / "crop_part1").mkdir(parents=True)
    from PIL import Image

    names = ["61_1_20170109142408075.jpg.chip.jpg", "25_0_2_20170116174525125.jpg.chip.jpg"]  # first: malformed
    for name in names:
        Image.fromarray(np.full((200, 200, 3), 120, np.uint8)).save(root / "crop_part1" / name)
    reader = UTKFace(root)
    ds = PairedFaceDataset(reader, scale=8, size=128, priors=("attributes",), flip=0)
    keys = [r.key for r in reader.records]
    unlabelled = keys.index(next(k for k in keys if "61_1_2017" in k))
    item = ds[unlabelled]
    assert torch.isnan(item["attributes"]).all() and len(item["attributes"]) == len(ds.attribute_names) > 0
    assert not torch.isnan(ds[1 - unlabelled]["attributes"]).any()
