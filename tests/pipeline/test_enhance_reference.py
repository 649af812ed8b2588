"""``facesr enhance IN --reference DIR`` (facesr.pipeline.reference): reference faces found and aligned as
enhance aligns input faces, chosen per face (identity, then landmarks), run by a reference-family network
(random-weight gfrnet / jsrfc written by export_weights); the warning for another person; the errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from facesr.cli.main import main
from facesr.errors import InputError
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.io import read_image, write_image
from facesr.log import get_logger
from facesr.ops import imresize
from facesr.pipeline.reference import ReferenceFace, select_references
from facesr_testing import require_data

# only the astronaut's face (the full portrait also has a face-like patch low on the left)
GFRNET = {"features": 4, "depth": 5}
JSRFC = {"features": 4, "lr_blocks": 1, "fused_blocks": 1}


def _export(tmp: Path, name: str, scale: int, options: dict) -> Path:
    """A random-weight network written as training would: a checkpoint, then export_weights."""
    from facesr.models import create
    from facesr.training.checkpoint import FORMAT, save_checkpoint
    from facesr.training.export import export_weights

    net = create(name, scale=scale, seed=0, **options)
    ckpt = save_checkpoint(tmp / f"{name}.pt", {"format": FORMAT, "iteration": 0, "config": "", "ema": {},
                                                 "model": {"name": name, "scale": scale, "options": options},
                                                 "nets": {"generator": net.state_dict()}})
    return export_weights(ckpt, tmp / f"{name}_x{scale}.safetensors")


def _ref(file: str, emb: list[float], shift: float = 0.0, squash: float = 1.0) -> ReferenceFace:
    lm = synthetic_landmarks68(128).copy()
    lm[:, 1] = 64 + (lm[:, 1] - 64) * squash  # another pose: not a similarity of the frontal face
    return ReferenceFace(Path(file), 0, np.zeros((128, 128, 3), np.uint8), lm + shift,
                         np.array(emb + [0.0] * (128 - len(emb))))


def test_selection_identity_first_then_landmarks():
    face = np.zeros(128)
    lm = synthetic_landmarks68(128)
    refs = [_ref("far.png", [0.9]), _ref("tilted.png", [0.3], squash=0.7), _ref("aligned.png", [0.5], shift=3.0),
            _ref("close.png", [0.1], squash=0.8)]
    picks, dist = select_references(face, lm, refs, k=1)
    assert dist == pytest.approx([0.9, 0.3, 0.5, 0.1])
    assert picks == [2]  # same person (<= 0.6) and best aligned (a shift is a similarity: residual 0)
    picks, _ = select_references(face, lm, refs, k=10)
    assert picks == [2, 3, 1]  # every verified reference, best aligned first; the other person left out
    picks, _ = select_references(face, lm, [refs[0], _ref("far2.png", [0.8])], k=3)
    assert picks == [1]  # nobody verified: the closest one only
    with pytest.raises(InputError, match="no reference faces"):
        select_references(face, lm, [], k=1)


# -- on real faces (dlib) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from reference_testing import write_astronaut_photos

    tmp = tmp_path_factory.mktemp("reference")
    write_astronaut_photos(tmp, mirrored="more/mirrored.jpg")
    refs, photo = tmp / "refs", tmp / "photo.png"
    (refs / "notes.txt").write_text("not an image")
    return {"tmp": tmp, "refs": refs, "photo": photo, "gfrnet": _export(tmp, "gfrnet", 8, GFRNET),
            "jsrfc": _export(tmp, "jsrfc", 4, JSRFC)}


def test_cli_full_size_network_names_references_per_face(setup, capsys):
    s = setup
    out, report = s["tmp"] / "out.png", s["tmp"] / "out.json"
    code = main(["enhance", str(s["photo"]), "-o", str(out), "--scale", "4", "--reference", str(s["refs"]),
                 "--model", f"gfrnet:{s['gfrnet']}", "--json", str(report)])
    assert code == 0, capsys.readouterr().err
    assert read_image(out).shape == (384, 384, 3)
    rec = json.loads(report.read_text())
    assert rec["reference"] == str(s["refs"]) and rec["reference_faces"] == 2 and rec["full_size"] is True
    image = rec["images"][0]
    assert image["faces_restored"] == 1 and len(image["faces"]) == 1
    (used,) = image["faces"][0]["references"]  # single-face method: one reference
    assert Path(used["file"]).parent.name in ("refs", "more")
    assert used["identity_similarity"] > 0.9 and used["identity_distance"] < 0.6  # the same person
    printed = capsys.readouterr()
    assert "face 0: " in printed.out and "looks like another person" not in printed.err


def test_api_with_a_network_that_enlarges_lr_faces(setup):
    import facesr
    from facesr.pipeline.reference import enhance_with_reference

    s = setup
    photo = read_image(s["photo"])
    model = f"jsrfc:{s['jsrfc']}"
    out = facesr.enhance(photo, 4, reference=s["refs"], model=model)
    assert out.shape == (384, 384, 3) and out.dtype == np.uint8
    out, faces = enhance_with_reference(photo, 4, s["refs"], model=model, source="photo.png")
    (chosen,) = faces
    assert sorted(Path(f).name for f in chosen.files) == ["front.png", "mirrored.jpg"]  # multi-face: both
    with pytest.raises(InputError, match=r"has no x2 model \(scales: x4\)"):
        facesr.enhance(photo, 2, reference=s["refs"], model=model)


class _CopyGuide:
    """A stand-in reference network whose output is its guide: shows what the network is given."""

    conditions = ("reference",)
    max_references = 1
    scale = 1
    training = False

    def __call__(self, x, reference):
        return reference[:, 0]

    def parameters(self):
        return iter(())

    def eval(self):
        return self

    def train(self, mode=True):
        return self


def test_references_are_aligned_as_enhance_aligns_faces(setup):
    """The guide given to the network, pasted back as the restored face, lines up with the photo's face."""
    from facesr.pipeline import Enhancer
    from facesr.pipeline.reference import ReferenceRestorer, load_references

    refs = load_references(setup["refs"])
    assert sorted((r.file.name, r.index) for r in refs) == [("front.png", 0), ("mirrored.jpg", 0)]
    assert all(r.face.shape == (128, 128, 3) and r.landmarks.shape == (68, 2) for r in refs)
    restorer = ReferenceRestorer(_CopyGuide(), "copy", refs, full_size=True, scale=1)
    photo = read_image(setup["photo"])
    out, report = Enhancer(restorer).enhance_array(photo, 2)
    assert report.faces_restored == 1 and len(restorer.selections) == 1
    left, top, right, bottom = (int(v * 2) for v in report.boxes[0])
    base = imresize(photo, 2).astype(int)
    err = np.abs(out.astype(int) - base)[top:bottom, left:right].mean()
    shifted = np.abs(np.roll(base, 4, axis=1) - base)[top:bottom, left:right].mean()
    assert err < shifted / 2  # the sharper guide differs in detail, not in place (measured 8.3 vs 26.4)


def test_another_person_is_a_warning_naming_both_files(setup, tmp_path, caplog):
    from facesr.pipeline.reference import enhance_with_reference

    root = require_data("celeba1000")
    other = tmp_path / "other"
    write_image(other / "stranger.png", read_image(root / "HR" / sorted((root / "HR").iterdir())[0].name))
    logger = get_logger()  # the command line's handler may have stopped propagation: listen on it directly
    logger.addHandler(caplog.handler)
    try:
        _, faces = enhance_with_reference(read_image(setup["photo"]), 2, other, model=f"gfrnet:{setup['gfrnet']}",
                                          source="photo.png")
    finally:
        logger.removeHandler(caplog.handler)
    assert faces[0].distance[0] > 0.6
    (msg,) = {r.getMessage() for r in caplog.records if r.levelno == logging.WARNING}  # once (or propagated)
    assert msg.startswith("photo.png: face 0: reference ") and "stranger.png" in msg and "another person" in msg


def test_errors_are_one_line(setup, tmp_path, capsys, monkeypatch):
    s = setup
    base = ["enhance", str(s["photo"]), "-o", str(tmp_path / "o.png"), "--quiet", "--reference"]

    def error(*args: str) -> str:
        assert main([*base, *args]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and not (tmp_path / "o.png").exists()
        return err

    gfrnet = ["--model", f"gfrnet:{s['gfrnet']}"]
    assert f"{tmp_path / 'none'}: reference folder not found" in error(str(tmp_path / "none"), *gfrnet)
    with monkeypatch.context() as m:  # an installation without the bundled ref-lite
        m.setattr("facesr.pipeline.reference.default_reference_model", lambda: None)
        assert "no bundled reference model is installed" in error(str(s["refs"]))
        assert "--model NAME:WEIGHTS" in error(str(s["refs"]))
    assert "needs a reference-family model" in error(str(s["refs"]), "--model", "rcan-lite")
    assert "offline dictionaries" in error(str(s["refs"]), "--model", "dfdnet:anything.safetensors")
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    (unreadable / "broken.png").write_bytes(b"\x89PNG not really")
    (unreadable / "readme.txt").write_text("x")
    assert f"{unreadable}: no readable image" in error(str(unreadable), *gfrnet)
    faceless = tmp_path / "faceless"
    write_image(faceless / "wall.png", np.full((300, 300, 3), 128, np.uint8))
    assert f"{faceless}: no usable face" in error(str(faceless), *gfrnet)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")
    assert main(["enhance", str(video), "-o", str(tmp_path / "o.mp4"), "--reference", str(s["refs"])]) == 2
    assert "--reference applies to photos and face crops, not to videos" in capsys.readouterr().err
