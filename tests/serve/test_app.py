"""The web application through Flask's test client: enhance API, study pages, bad input."""

from __future__ import annotations

import html
import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from facesr.mos import Store
from facesr.serve import create_app
from facesr.serve.models import available_models


@pytest.fixture
def app(tmp_path, make_study):
    db, study = make_study(reference=True)
    app = create_app(db, max_upload_mb=0.05, max_pixels=200_000, workdir=tmp_path / "work")
    app.config["TESTING"] = True
    return app


def _png(w: int, h: int, flat: bool = False) -> bytes:
    """A PNG of noise (large file) or of one grey (a few hundred bytes)."""
    buf = io.BytesIO()
    rgb = np.full((h, w, 3), 128, np.uint8) if flat else np.random.default_rng(0).integers(0, 256, (h, w, 3), np.uint8)
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def _text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _wait(client, job_id: str) -> dict:
    for _ in range(300):
        d = client.get(f"/api/jobs/{job_id}").get_json()
        if d["state"] in ("done", "error"):
            return d
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_pages_are_served_from_the_package(app):
    c = app.test_client()
    page = _text(c.get("/enhance"))
    assert "/static/enhance.js" in page and "/static/style.css" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing from the network
    assert c.get("/static/enhance.js").status_code == 200
    assert "t1" in _text(c.get("/"))
    models = [m["name"] for m in available_models()]
    assert models[-1] == "bicubic" and all(f'value="{m}"' in page for m in models)


def test_enhance_api_upload_and_sample(app):
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection")
    c = app.test_client()
    r = c.post("/api/enhance", data={"image": (io.BytesIO(_png(40, 30)), "small.png"), "model": "bicubic",
                                     "scale": "2"}, content_type="multipart/form-data")
    assert r.status_code == 202, r.get_json()
    d = _wait(c, r.get_json()["id"])
    assert d["state"] == "done" and (d["width"], d["height"]) == (80, 60)
    out = Image.open(io.BytesIO(c.get(d["result"]).data))
    assert out.size == (80, 60)
    dl = c.get(d["download"])
    disposition = dl.headers["Content-Disposition"]
    assert "attachment" in disposition and "small_x2_bicubic.png" in disposition
    r = c.post("/api/enhance", data={"sample": "astronaut-face", "model": "bicubic", "scale": "4"})
    d = _wait(c, r.get_json()["id"])
    assert d["state"] == "done" and (d["width"], d["height"]) == (128, 128)


@pytest.mark.parametrize("data, status, message", [
    ({"image": (io.BytesIO(b"hello, not an image"), "notes.txt")}, 400, "notes.txt: not a recognised image"),
    ({"image": (io.BytesIO(_png(500, 500)), "big.png")}, 413, "larger than the limit of 0.05 MB"),
    ({"image": (io.BytesIO(_png(120, 100)), "x.png"), "scale": "5"}, 400, "bicubic must be one of 2, 3, 4, 8, got 5"),
    ({"image": (io.BytesIO(_png(120, 100)), "x.png"), "model": "nope"}, 400, "unknown model 'nope'"),
    ({}, 400, "choose an image file"),
    ({"sample": "nope"}, 400, "unknown sample"),
])
def test_enhance_bad_input(app, data, status, message):
    data = {"model": "bicubic", "scale": "2", **data}
    r = app.test_client().post("/api/enhance", data=data, content_type="multipart/form-data")
    assert r.status_code == status
    assert message in r.get_json()["error"]


def test_model_scales(app):
    models = {m["name"]: m["scales"] for m in available_models()}
    page = _text(app.test_client().get("/enhance"))
    assert 'data-scales="2,3,4,8"' in page
    for name, scales in models.items():
        bad = next(s for s in (2, 3, 5, 17) if s not in scales)  # bfr-lite takes every scale 1..16
        r = app.test_client().post("/api/enhance", data={"sample": "astronaut-face", "model": name, "scale": str(bad)})
        assert r.status_code == 400 and f"scale of {name} must be one of" in r.get_json()["error"]


def test_enhance_pixel_limits(app):
    c = app.test_client()
    r = c.post("/api/enhance", data={"image": (io.BytesIO(_png(600, 400, flat=True)), "wide.png"), "model": "bicubic",
                                     "scale": "2"}, content_type="multipart/form-data")
    assert r.status_code == 400 and "wide.png: image is 600x400" in r.get_json()["error"]
    app.config["FACESR_MAX_OUTPUT_PIXELS"] = 100_000
    r = c.post("/api/enhance", data={"image": (io.BytesIO(_png(100, 100, flat=True)), "a.png"), "model": "bicubic",
                                     "scale": "8"}, content_type="multipart/form-data")
    assert r.status_code == 413 and "800x800 pixels" in r.get_json()["error"]
    assert c.get("/api/jobs/doesnotexist").status_code == 404


def _join(c, study="t1") -> str:
    r = c.post(f"/s/{study}/join", data={"name": "tester"})
    assert r.status_code == 303
    return r.headers["Location"].rstrip("/").split("/")[-1]


def _current_item(c, study, rater) -> str | None:
    page = _text(c.get(f"/s/{study}/r/{rater}"))
    m = re.search(r'name="item" value="([^"]+)"', page)
    return m.group(1) if m else None


def test_rating_flow_resume_and_bad_input(app):
    store: Store = app.extensions["facesr_store"]
    c = app.test_client()
    assert c.get("/s/nope").status_code == 404
    assert "no study with id 'nope'" in _text(c.get("/s/nope"))
    rater = _join(c)
    assert store.progress("t1", rater)[1:] == (0, 9)
    item = _current_item(c, "t1", rater)
    img = c.get(f"/s/t1/i/{item}.png")
    assert img.status_code == 200 and Image.open(io.BytesIO(img.data)).size == (64, 64)
    for bad, msg in (("0", "from 1 (bad) to 5"), ("6", "from 1 (bad) to 5"), ("abc", "whole number")):
        r = c.post(f"/s/t1/r/{rater}", data={"item": item, "score": bad})
        assert r.status_code == 400 and msg in _text(r)
    assert c.post(f"/s/t1/r/{rater}", data={"item": item}).status_code == 400
    r = c.post(f"/s/t1/r/{rater}", data={"item": "zzz", "score": "3"})
    assert r.status_code == 400 and "not part of this rater's study set" in _text(r)
    assert store.ratings("t1") == []
    r = c.post(f"/s/t1/r/{rater}", data={"item": item, "score": "4", "shown_at": "1.5"})
    assert r.status_code == 303
    r = c.post(f"/s/t1/r/{rater}", data={"item": item, "score": "2"})  # replayed / changed submission
    assert r.status_code == 409 and "already rated" in _text(r)
    rows = store.ratings("t1")
    assert len(rows) == 1 and rows[0]["score"] == 4 and rows[0]["shown_at"] == 1.5
    # resume: the cookie leads back to the rater, the next item is a new one
    assert f"/s/t1/r/{rater}" in _text(c.get("/s/t1"))
    nxt = _current_item(c, "t1", rater)
    assert nxt != item
    assert "1 of 9 images rated" in _text(c.get(f"/s/t1/r/{rater}/pause"))
    assert c.get("/s/t1/r/unknown-rater").status_code == 404
    for _ in range(8):
        assert c.post(f"/s/t1/r/{rater}", data={"item": _current_item(c, "t1", rater), "score": "3"}).status_code == 303
    assert "All 9 images are rated" in _text(c.get(f"/s/t1/r/{rater}"))
    assert len(store.ratings("t1")) == 9


def test_study_full(app):
    c1, c2, c3 = (app.test_client() for _ in range(3))
    for c in (c1, c2):
        rater = _join(c)
        while (item := _current_item(c, "t1", rater)) is not None:
            assert c.post(f"/s/t1/r/{rater}", data={"item": item, "score": "3"}).status_code == 303
    r = c3.post("/s/t1/join")
    assert r.status_code == 409 and "already has 2 rater(s)" in _text(r)


def test_serve_cli_errors(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    import facesr

    env = {**os.environ, "PYTHONPATH": str(Path(facesr.__file__).resolve().parents[1])}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "facesr", "serve", "--port", str(port), "--db",
                            str(tmp_path / "m.sqlite")], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in r.stderr


@pytest.mark.parametrize("shown_at", ["inf", "nan", "-5", "1e300"])
def test_forged_shown_at_is_kept_out_of_the_times(app, shown_at):
    store: Store = app.extensions["facesr_store"]
    c = app.test_client()
    rater = _join(c)
    item = _current_item(c, "t1", rater)
    assert c.post(f"/s/t1/r/{rater}", data={"item": item, "score": "4", "shown_at": shown_at}).status_code == 303
    rows = store.ratings("t1")
    assert len(rows) == 1 and rows[0]["score"] == 4 and rows[0]["shown_at"] is None

