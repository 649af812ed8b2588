"""Dataset readers on fixtures written in each dataset's real format, and on the real local copies."""

from __future__ import annotations

import json

import numpy as np
import pytest
from data_fixtures import celeba, image, pts_text

from facesr.data import DATASETS, AnnotationError, open_dataset
from facesr.data.celeba import CelebA
from facesr.data.celebamask import CelebAMaskHQ
from facesr.data.ffhq import FFHQ
from facesr.data.folders import LFW, IdentityFolders, ImageFolder
from facesr.data.landmark_files import Helen, PtsFolder, read_pts
from facesr.data.testlist import TestList
from facesr.data.utkface import UTKFace
from facesr.errors import InputError
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.priors.parsing import CLASS_ID
from facesr_testing import require_data


def test_celeba_all_label_files(tmp_path):
    ds = CelebA(celeba(tmp_path), require=("identity", "attributes", "landmarks", "partition"))
    assert len(ds) == 4 and ds.keys() == ["000001", "000002", "000003", "000004"]
    r = ds[0]
    assert r.identity == "10" and r.split == "train" and r.landmark_scheme == "celeba5"
    np.testing.assert_array_equal(r.landmarks[0], [69, 109])
    assert len(r.attributes) == 40 and r.attributes["5_o_Clock_Shadow"] == 1.0
    assert ds.identities() == {"10": [0, 2], "11": [1, 3]}
    assert [x.key for x in CelebA(tmp_path, split="val")] == ["000002"]
    assert ds.image(0).shape == (218, 178, 3)


def test_celeba_missing_and_malformed(tmp_path):
    root = celeba(tmp_path, attrs=False)
    assert CelebA(root)[0].attributes is None  # optional files may be absent
    with pytest.raises(AnnotationError, match=r"list_attr_celeba.txt: CelebA attributes file not found"):
        CelebA(root, require=("attributes",))
    lines = (root / "identity_CelebA.txt").read_text().splitlines()
    lines[2] = "000003.jpg"
    (root / "identity_CelebA.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(AnnotationError, match=r"identity_CelebA.txt:3: expected 2 fields"):
        CelebA(root)
    root2 = celeba(tmp_path / "b")
    text = (root2 / "list_landmarks_align_celeba.txt").read_text().replace("  77  142", "  77  1x2", 1)
    (root2 / "list_landmarks_align_celeba.txt").write_text(text)
    with pytest.raises(AnnotationError, match=r"list_landmarks_align_celeba.txt:3: coordinate must be float"):
        CelebA(root2)


def test_testlist_with_list_file_and_identities(tmp_path):
    for name in ("1.jpg", "2.jpg", "3.jpg"):
        image(tmp_path / "HR" / name, (128, 128))
        image(tmp_path / "LR_x8" / name, (128, 128))
    (tmp_path / "identity.txt").write_text("1.jpg 7\n2.jpg 7\n3.jpg 9\n")
    (tmp_path / "list.txt").write_text("3.jpg\n1.jpg\n")
    ds = TestList(tmp_path, list_file=tmp_path / "list.txt")
    assert ds.keys() == ["3", "1"] and ds.scale == 8 and ds[0].lr_path.name == "3.jpg"
    assert TestList(tmp_path).identity_groups() == {"7": ["1.jpg", "2.jpg"]}
    (tmp_path / "list.txt").write_text("3.jpg\n4.jpg\n")
    with pytest.raises(AnnotationError, match=r"list.txt:2: 4.jpg not found"):
        TestList(tmp_path, list_file=tmp_path / "list.txt")
    (tmp_path / "identity.txt").unlink()
    with pytest.raises(AnnotationError, match="identity.txt"):
        TestList(tmp_path, require_identity=True)


def test_pts_reader_and_folder(tmp_path):
    lm = synthetic_landmarks68(128)
    image(tmp_path / "indoor_001.png", (128, 128))
    (tmp_path / "indoor_001.pts").write_text(pts_text(lm + 1))
    np.testing.assert_allclose(read_pts(tmp_path / "indoor_001.pts"), lm, atol=1e-3)
    ds = PtsFolder(tmp_path)
    assert ds[0].landmark_scheme == "ibug68" and ds[0].key == "indoor_001"
    bad = pts_text(lm).replace("n_points: 68", "n_points: 67")
    (tmp_path / "indoor_001.pts").write_text(bad)
    with pytest.raises(AnnotationError, match=r"indoor_001.pts:72: n_points says 67 but 68"):
        read_pts(tmp_path / "indoor_001.pts")
    (tmp_path / "indoor_001.pts").write_text(pts_text(lm).replace("\n}\n", "\n"))
    with pytest.raises(AnnotationError, match="missing closing"):
        PtsFolder(tmp_path)
    (tmp_path / "indoor_001.pts").unlink()
    with pytest.raises(AnnotationError, match="indoor_001.pts: landmark file missing"):
        PtsFolder(tmp_path)


def test_helen(tmp_path):
    image(tmp_path / "train" / "100032540_1.jpg", (64, 64))
    image(tmp_path / "train" / "no_annotation.jpg", (64, 64))
    pts = np.random.default_rng(0).uniform(0, 63, (194, 2))
    (tmp_path / "annotation").mkdir()
    body = "\n".join(f"{x:.4f} , {y:.4f}" for x, y in pts)
    (tmp_path / "annotation" / "1.txt").write_text(f"100032540_1\n{body}\n")
    ds = Helen(tmp_path)
    rec = {r.key: r for r in ds}
    np.testing.assert_allclose(rec["train/100032540_1"].landmarks, pts, atol=1e-4)
    assert rec["train/no_annotation"].landmarks is None
    (tmp_path / "annotation" / "1.txt").write_text(f"100032540_1\n{body.replace(' , ', ' ; ', 1)}\n")
    with pytest.raises(AnnotationError, match=r"1.txt:2: expected 2 fields"):
        Helen(tmp_path)


def test_ffhq_with_metadata(tmp_path):
    image(tmp_path / "thumbnails128x128" / "00000" / "00000.png", (128, 128))
    image(tmp_path / "thumbnails128x128" / "00000" / "00001.png", (128, 128))
    lm = synthetic_landmarks68(1024)
    meta = {"0": {"category": "training", "image": {"face_landmarks": lm.tolist()}},
            "1": {"category": "validation", "image": {}}}
    (tmp_path / "ffhq-dataset-v2.json").write_text(json.dumps(meta))
    ds = FFHQ(tmp_path, variant="thumbnails128x128")
    assert [r.split for r in ds] == ["training", "validation"]
    np.testing.assert_allclose(ds[0].landmarks, lm / 8)
    assert ds[1].landmarks is None
    (tmp_path / "ffhq-dataset-v2.json").write_text('{"0": {"category": }')
    with pytest.raises(AnnotationError, match=r"ffhq-dataset-v2.json:1: invalid JSON"):
        FFHQ(tmp_path, variant="thumbnails128x128")


def test_lfw_identities_and_attributes(tmp_path):
    for person, n in (("Aaron_Eckhart", 1), ("Abel_Pacheco", 2)):
        for k in range(1, n + 1):
            image(tmp_path / person / f"{person}_{k:04d}.jpg", (250, 250))
    (tmp_path / "lfw_attributes.txt").write_text(
        "LFW attributes file, version 1.1\n#\tperson\timagenum\tMale\tAsian\n"
        "Aaron Eckhart\t1\t1.56\t-1.88\nAbel Pacheco\t2\t-0.5\t0.25\n")
    ds = LFW(tmp_path)
    assert [r.identity for r in ds] == ["Aaron Eckhart", "Abel Pacheco", "Abel Pacheco"]
    assert ds[0].attributes == {"Male": 1.0, "Asian": 0.0} and ds[1].attributes is None
    assert ds[2].attributes == {"Male": 0.0, "Asian": 1.0}
    assert len(LFW(tmp_path, min_images=2)) == 2
    (tmp_path / "lfw_attributes.txt").write_text("#\tperson\timagenum\tMale\nAaron Eckhart\t1\n")
    with pytest.raises(AnnotationError, match=r"lfw_attributes.txt:2: expected 3 tab-separated fields"):
        LFW(tmp_path)


def test_identity_folders_and_plain_folder(tmp_path):
    image(tmp_path / "n000002" / "0001_01.jpg")
    image(tmp_path / "n000002" / "0002_01.jpg")
    image(tmp_path / "n000003" / "0001_01.jpg")
    (tmp_path / "n000003" / "notes.txt").write_text("not an image")
    ds = IdentityFolders(tmp_path)
    assert [r.identity for r in ds] == ["n000002", "n000002", "n000003"]
    assert [r.key for r in ImageFolder(tmp_path)] == ["n000002/0001_01", "n000002/0002_01", "n000003/0001_01"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no image files"):
        ImageFolder(tmp_path / "empty")


def test_utkface_names_and_tsv(tmp_path):
    names = ["25_0_2_20170116174525125.jpg.chip.jpg", "61_1_20170109142408075.jpg.chip.jpg",
             "3_1_0_20170109191900839.jpg.chip.jpg"]
    for n in names:
        image(tmp_path / "crop_part1" / n, (200, 200))
    (tmp_path / "labels.tsv").write_text(
        "path\tage\tgender\trace\n"
        f"utkface_crop_part1/crop_part1/{names[0]}\t25\t0\t2\n"
        f"utkface_crop_part1/crop_part1/{names[1]}\t61\t1\tNA\n")
    ds = UTKFace(tmp_path)
    rec = {r.path.name: r for r in ds}
    a = rec[names[0]].attributes
    assert a["Male"] == 1 and a["Asian"] == 1 and a["Young"] == 1 and a["age"] == 25
    assert rec[names[2]].attributes["Child"] == 1
    assert ds.unlabelled == [names[1]]
    (tmp_path / "labels.tsv").write_text(f"path\tage\tgender\trace\n{names[0]}\t25\tx\t2\n")
    with pytest.raises(AnnotationError, match=r"labels.tsv:2: gender must be an integer or NA"):
        UTKFace(tmp_path)


def test_celebamask_parts(tmp_path):
    image(tmp_path / "CelebA-HQ-img" / "0.jpg", (64, 64))
    anno = tmp_path / "CelebAMask-HQ-mask-anno" / "0"
    anno.mkdir(parents=True)
    from PIL import Image

    skin = np.zeros((512, 512), np.uint8)
    skin[100:400, 100:400] = 255
    nose = np.zeros((512, 512), np.uint8)
    nose[200:300, 220:280] = 255
    Image.fromarray(skin).save(anno / "00000_skin.png")
    Image.fromarray(nose).save(anno / "00000_nose.png")
    ds = CelebAMaskHQ(tmp_path)
    p = ds.parsing(0)
    assert p.shape == (512, 512) and p[250, 250] == CLASS_ID["nose"] and p[150, 150] == CLASS_ID["skin"]
    assert p[10, 10] == 0


def test_registry_metadata_and_missing_root(tmp_path, monkeypatch):
    assert {"celeba", "celeba1000", "helen50", "utkface", "ffhq", "lfw", "celebamask-hq", "300w", "menpo",
            "aflw", "vggface2", "casia-webface", "folder", "helen"} <= set(DATASETS.names())
    assert DATASETS.entry("lfwa").name == "lfw"
    monkeypatch.setenv("FACESR_DATA", str(tmp_path))
    with pytest.raises(InputError, match="celeba not found .*FACESR_DATA"):
        open_dataset("celeba")
    with pytest.raises(InputError, match="explicit root"):
        open_dataset("folder")


# ---- the real local copies (skipped when absent) ----

def test_real_celeba():
    ds = CelebA(require_data("celeba"), require=("identity",))
    assert len(ds) == 5430
    groups = ds.identities()
    assert len(groups) == 181 and {len(v) for v in groups.values()} == {30}


def test_real_celeba1000_and_helen50():
    ds = open_dataset("celeba1000", require_data("celeba1000"), require_identity=True)
    assert len(ds) == 1000 and ds.scale == 8
    assert len(ds.identities()) == 608 and all(r.identity for r in ds)
    assert len(ds.identity_groups()) == 265
    helen = open_dataset("helen50", require_data("helen50"))
    assert len(helen) == 50 and all(r.lr_path.is_file() for r in helen)


def test_real_utkface():
    ds = open_dataset("utkface", require_data("utkface"))
    assert len(ds) == 9780
    assert len(ds.unlabelled) == 2
    males = sum(r.attributes["Male"] for r in ds if r.attributes)
    assert males == 4372
