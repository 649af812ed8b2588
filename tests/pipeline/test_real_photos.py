"""Real photos without ground truth (facesr.pipeline.real_photos): the same faces for every method, crops
from the enhanced outputs, pooled NIQE, contact sheets and a folder that facesr mos create accepts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facesr.errors import InputError
from facesr_testing import require_data


def test_real_photos_small_run(tmp_path):
    root = require_data("realworld")
    from facesr.pipeline.real_photos import list_inputs, restore_faces, score_faces, write_outputs

    inputs = list_inputs(root, ["cmu_mit_lowres_gray"])
    assert inputs and all(f == "cmu_mit_lowres_gray" for f, _ in inputs)
    # a group photo (3 faces) and two small crops
    pick = [x for x in inputs if x[1].name in ("ew-friends.gif.gif", "ew-friends1.gif.GIF", "wxm_r.GIF")]
    methods = ["bicubic", "bfr-lite"]
    faces, notes = restore_faces(pick, methods, scale=4, root=root, progress=False)
    assert len(faces) >= 4 and len({f.name for f in faces}) == len(faces)
    assert all(f.folder == "cmu_mit_lowres_gray" for f in faces) and any(f.mode == "photo" for f in faces)
    # no face found: a small image is one face (as enhance treats it), a large one is skipped with a note
    from facesr.io import write_image

    rng = np.random.default_rng(0)
    write_image(tmp_path / "small.png", rng.integers(0, 256, (40, 36, 3), dtype=np.uint8))
    write_image(tmp_path / "large.png", rng.integers(0, 256, (200, 200, 3), dtype=np.uint8))
    more, more_notes = restore_faces([("synthetic", tmp_path / "small.png"), ("synthetic", tmp_path / "large.png")],
                                     methods, scale=4, progress=False)
    assert [f.mode for f in more] == ["crop"] and more[0].name == "synthetic/small.png#0"
    assert more_notes == ["synthetic/large.png: no face found; skipped"]
    faces += more
    notes += more_notes
    for f in faces:
        assert set(f.crops) == {"input", *methods}
        assert all(c.shape == (128, 128, 3) and c.dtype == np.uint8 for c in f.crops.values())
    scores = score_faces(faces, methods, fid_ref=None)
    assert set(scores["overall"]) == {"input", *methods} and scores["metrics"] == ["niqe_pooled"]
    assert all(np.isfinite(v["niqe_pooled"]) for v in scores["overall"].values())
    written = write_outputs(faces, methods, scores, tmp_path / "out", scale=4, notes=notes, sheet_faces=2)
    assert (tmp_path / "out" / "sheets" / "cmu_mit_lowres_gray.png").is_file()
    assert (tmp_path / "out" / "sheets" / "summary.png") in written
    data = json.loads((tmp_path / "out" / "real_photos.json").read_text())
    assert len(data["faces"]) == len(faces) and data["methods"] == methods
    # a MOS study is built from the crops (no ratings are made); no reference: there is no ground truth
    from facesr.mos import Store, create_study

    store = Store(tmp_path / "mos.sqlite")
    info = create_study(store, tmp_path / "out" / "mos", images=3, seed=0)
    assert len(store.items(info["id"])) == 3 * len(methods) and not store.ratings(info["id"])
    with pytest.raises(InputError, match="missing"):
        create_study(store, tmp_path / "out" / "mos", images=2, reference=True, study_id="with-ref")


def test_real_photos_bad_input(tmp_path):
    from facesr.pipeline.real_photos import list_inputs, restore_faces

    with pytest.raises(InputError, match="folder not found"):
        list_inputs(tmp_path, ["nope"])
    with pytest.raises(InputError, match="scale must be 1..16"):
        restore_faces([], ["bicubic"], scale=17)
