"""The pages in headless Chromium against a real ``facesr serve`` process (acceptance tests of issue 9)."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from facesr.cli.main import main
from facesr.mos import Store
from facesr_testing import require_data

pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PHOTO = "realworld/surveillance_whu_scf/Near_01.jpg"  # 352x288 CCTV frame, one face about 40 px wide


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def _text(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def test_enhance_page_upload_realworld_photo(browser, serve, tmp_path):
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection")
    photo = require_data(PHOTO)
    server = serve(tmp_path / "mos.sqlite", "--max-upload-mb", "1")
    d = browser()
    d.get(server.url + "/enhance")
    model = d.find_element(By.ID, "model").get_attribute("value")  # the default: a bundled model when installed
    d.find_element(By.CSS_SELECTOR, "#model option[value='bicubic']").click()  # the scales follow the model
    assert [o.text for o in d.find_elements(By.CSS_SELECTOR, "#scale option")] == ["x2", "x3", "x4", "x8"]
    d.find_element(By.CSS_SELECTOR, f"#model option[value='{model}']").click()
    d.find_element(By.CSS_SELECTOR, "#scale option[value='4']").click()
    d.find_element(By.ID, "image").send_keys(str(photo))
    d.find_element(By.ID, "go").click()
    WebDriverWait(d, 180).until(lambda x: x.find_element(By.ID, "result").is_displayed()
                                or x.find_element(By.ID, "error").is_displayed())
    assert not d.find_element(By.ID, "error").is_displayed(), _text(d, "#error")
    job = json.loads(_get(f"{server.url}/api/jobs/{d.find_element(By.ID, 'result').get_attribute('data-job')}"))
    out = np.asarray(Image.open(io.BytesIO(_get(d.find_element(By.ID, "download").get_attribute("href")))))
    src = np.asarray(Image.open(photo).convert("RGB"))
    assert out.shape == (4 * src.shape[0], 4 * src.shape[1], 3)  # larger: x4 of the upload
    # "before" is the plain bicubic upscale of the whole photo; the face region must differ from it.
    # With the bicubic fallback restorer the difference comes from aligning, restoring at the
    # model's LR size and pasting back (about 1.3 grey levels); with rcan-lite it is about 3.6.
    bicubic = np.asarray(Image.fromarray(src).resize((out.shape[1], out.shape[0]), Image.BICUBIC))
    assert np.array_equal(bicubic, np.asarray(Image.open(io.BytesIO(_get(server.url + job["bicubic"])))))
    assert job["faces_restored"] >= 1 and len(d.find_elements(By.CSS_SELECTOR, "#boxes .face-box")) == len(job["boxes"])
    l, t, r, b = (int(v) for v in job["boxes"][0])
    diff = np.abs(out.astype(int) - bicubic.astype(int))[t:b, l:r].mean()
    assert diff > 0.5, f"face region differs from bicubic by only {diff:.2f} grey levels (model {model})"
    d.execute_script("var s=document.getElementById('slider'); s.value=20; s.dispatchEvent(new Event('input'));")
    assert "80%" in d.find_element(By.ID, "after-wrap").get_attribute("style")


def test_enhance_page_bad_uploads(browser, serve, tmp_path):
    """A non-image file and an oversized file: one-line messages in the page; the server refuses too."""
    server = serve(tmp_path / "mos.sqlite", "--max-upload-mb", "1")
    d = browser()
    txt = tmp_path / "notes.txt"
    txt.write_text("not an image")
    big = tmp_path / "big.png"
    big.write_bytes(np.random.default_rng(0).integers(0, 256, 2 << 20, dtype=np.uint8).tobytes())
    for path, message in ((txt, "notes.txt: not a recognised image"), (big, "big.png: upload refused")):
        d.get(server.url + "/enhance")
        d.find_element(By.ID, "image").send_keys(str(path))
        d.find_element(By.ID, "go").click()
        WebDriverWait(d, 30).until(lambda x: x.find_element(By.ID, "error").is_displayed())
        assert message in _text(d, "#error")
    req = urllib.request.Request(server.url + "/api/enhance", data=b"x" * (2 << 20), method="POST",
                                 headers={"Content-Type": "multipart/form-data; boundary=zz"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 413 and "larger than the limit of 1 MB" in json.loads(err.value.read())["error"]


def _rate(d, base: str, study: str, scores: dict[str, int], rng, *, stop_after: int | None = None) -> str:
    """Rate with the keyboard until done (or ``stop_after`` items); ``scores`` gets item -> score."""
    if not d.find_elements(By.ID, "stimulus"):
        d.get(f"{base}/s/{study}")
        resume = d.find_elements(By.ID, "resume")
        (resume[0] if resume else d.find_element(By.ID, "start")).click()
    n = 0
    while stop_after is None or n < stop_after:
        WebDriverWait(d, 30).until(lambda x: x.find_elements(By.ID, "stimulus") or x.find_elements(By.ID, "done"))
        if d.find_elements(By.ID, "done"):
            break
        item = d.find_element(By.NAME, "item").get_attribute("value")
        score = int(rng.integers(1, 6))
        d.find_element(By.TAG_NAME, "body").send_keys(str(score))
        WebDriverWait(d, 30).until(
            lambda x, old=item: x.find_elements(By.ID, "done")
            or (x.find_elements(By.NAME, "item") and x.find_element(By.NAME, "item").get_attribute("value") != old))
        scores[item] = score
        n += 1
    return d.current_url.split("/r/")[-1] if "/r/" in d.current_url else ""


def _stored(db, study: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in Store(db).ratings(study):
        assert r["item"] not in out.setdefault(r["rater"], {})
        out[r["rater"]][r["item"]] = r["score"]
    return out


def test_two_raters_in_parallel_every_rating_counted_once(browser, serve, make_study, tmp_path):
    db, study = make_study(reference=True)  # 3 images x (2 methods + hidden HR) = 9 items, 2 raters
    server = serve(db)
    drivers = [browser(), browser()]
    results: list[tuple[str, dict[str, int]]] = []
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            scores: dict[str, int] = {}
            _rate(drivers[k], server.url, study, scores, np.random.default_rng(k))
            results.append((drivers[k].current_url, scores))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    stored = _stored(db, study)
    assert len(stored) == 2 and all(len(v) == 9 for v in stored.values())
    by_rater = {url.split("/r/")[-1]: scores for url, scores in results}
    assert by_rater == stored  # every key press stored, under the right rater and item
    assert "All 9 images are rated" in _text(drivers[0], "#done")
    out = tmp_path / "report"
    assert main(["mos", "--db", str(db), "report", study, "-o", str(out), "--no-html"]) == 0
    rep = json.loads((out / "mos.json").read_text())
    assert rep["ratings"] == 18 and rep["unique_pairs"] == 18 and rep["items_complete"] == 9
    assert sorted(rep["raters"].values()) == [9, 9]
    assert sum(r["ratings"] for r in rep["methods"]) == 18


def test_server_killed_mid_study_loses_nothing_and_rater_resumes(browser, serve, make_study):
    db, study = make_study(reference=True)
    server = serve(db)
    d = browser()
    rng = np.random.default_rng(5)
    scores: dict[str, int] = {}
    _rate(d, server.url, study, scores, rng, stop_after=4)
    server.kill()
    stored = _stored(db, study)
    assert list(stored.values()) == [scores]  # every acknowledged rating survived the SIGKILL
    server = serve(db)  # a new process (and port) on the same database
    d.get(f"{server.url}/s/{study}")
    d.find_element(By.ID, "resume").click()  # the cookie remembers the rater
    assert _text(d, "#count") == "5 / 9"
    assert d.find_element(By.NAME, "item").get_attribute("value") not in scores
    # bad input from the page: a rating outside 1-5, a replayed submission
    d.execute_script("document.getElementById('score-5').value = '7'; document.getElementById('score-5').click();")
    WebDriverWait(d, 30).until(lambda x: x.find_elements(By.ID, "message"))
    assert "rating must be from 1 (bad) to 5 (excellent), got 7" in _text(d, "#message")
    d.back()
    d.refresh()
    status = d.execute_script(
        "var f=document.getElementById('rate-form'); var b=new URLSearchParams();"
        f"b.append('item','{next(iter(scores))}'); b.append('score','1');"
        "var x=new XMLHttpRequest(); x.open('POST', f.action, false); x.send(b); return [x.status, x.responseText];")
    assert status[0] == 409 and "already rated" in status[1]
    d.get(f"{server.url}/s/no-such-study")
    assert "no study with id 'no-such-study'" in _text(d, "#message")
    d.get(f"{server.url}/s/{study}")
    d.find_element(By.ID, "resume").click()
    _rate(d, server.url, study, scores, rng)
    assert list(_stored(db, study).values()) == [scores] and len(scores) == 9
