"""Hostile benchmark folders and outputs for ``facesr mos``: crafted ``bench.json`` paths and types, a
``report_html`` that names some other file, unwritable outputs, a ``--db`` that is not a database.

Each case ends with exit status 2 and one line on stderr, and nothing outside the named folders is read
as data or written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from facesr.cli.main import main
from facesr.io import write_image
from facesr.mos import Store

NAMES = ["a", "b", "c"]


def _bench(root: Path, **changes) -> Path:
    """A minimal ``--save-images`` folder (3 images, bicubic at x4) with ``changes`` applied to bench.json."""
    rng = np.random.default_rng(0)
    for sub in ("HR", "x4/bicubic"):
        for n in NAMES:
            write_image(root / sub / f"{n}.png", rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    data = {"dataset": "faces", "metrics": ["psnr"], "names": list(NAMES),
            "per_image": {"bicubic": {"4": {n: {"psnr": 20.0 + i} for i, n in enumerate(NAMES)}}},
            "images": {"files": {n: f"{n}.png" for n in NAMES}, "hr": "HR",
                       "scales": {"4": {"lr": "x4/LR", "methods": {"bicubic": "x4/bicubic"}}}},
            "report_html": None}
    for key, value in changes.items():
        target = data
        *parents, last = key.split(".")
        for k in parents:
            target = target[k]
        target[last] = value
    (root / "bench.json").write_text(json.dumps(data))
    return root


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("facesr: error: ") and "\n" not in err, err
    assert "Traceback" not in err
    return err


def _create(db: Path, bench: Path, *extra: str) -> int:
    return main(["mos", "--db", str(db), "create", "--from", str(bench), "--id", "s1", *extra])


@pytest.fixture
def secret(tmp_path) -> Path:
    """A readable file outside every folder the tests name, which must never end up in a study."""
    path = tmp_path / "private" / "secret.png"
    write_image(path, np.full((16, 16, 3), 7, np.uint8))
    return path


@pytest.mark.parametrize("field, value", [
    ("images.files.a", "../../../private/secret.png"),
    ("images.hr", "../private"),
    ("images.scales.4.methods.bicubic", "../private"),
    ("images.hr", "/"),
])
def test_paths_leaving_the_bench_folder_are_refused(tmp_path, secret, capsys, field, value):
    bench = _bench(tmp_path / "bench", **{field: value})
    for n in NAMES:  # the files the index names exist out there
        write_image(tmp_path / "private" / f"{n}.png", np.zeros((16, 16, 3), np.uint8))
    assert _create(tmp_path / "mos.sqlite", bench, "--reference") == 2
    err = _one_error(capsys)
    assert "outside" in err and "refused" in err
    assert not (bench / "mos").exists() or not any((bench / "mos").rglob("*.png"))


def test_a_symlink_out_of_the_folder_is_refused(tmp_path, secret, capsys):
    bench = _bench(tmp_path / "bench")
    (bench / "HR" / "a.png").unlink()
    os.symlink(secret, bench / "HR" / "a.png")
    assert _create(tmp_path / "mos.sqlite", bench, "--reference", "--images", "3") == 2
    assert "outside" in _one_error(capsys)
    assert not (bench / "mos").exists() or not any((bench / "mos").rglob("*.png"))


def test_files_that_are_not_images_are_refused(tmp_path, capsys):
    bench = _bench(tmp_path / "bench", **{"images.files.a": "notes.txt"})
    (bench / "x4" / "bicubic" / "notes.txt").write_text("password=hunter2")
    assert _create(tmp_path / "mos.sqlite", bench, "--images", "3") == 2
    assert "not an image file" in _one_error(capsys)
    # an image suffix on something else: the decoder says so, and the study folder is left empty
    bench2 = _bench(tmp_path / "bench2")
    (bench2 / "x4" / "bicubic" / "c.png").write_text("password=hunter2")
    assert _create(tmp_path / "mos2.sqlite", bench2, "--images", "3") == 2
    assert "c.png" in _one_error(capsys)
    assert not (bench2 / "mos" / "s1").exists()
    assert Store(tmp_path / "mos2.sqlite").studies() == []


@pytest.mark.parametrize("field, value", [
    ("images", [1, 2]), ("images.files", ["a.png"]), ("images.hr", 5), ("images.scales", {}),
    ("images.scales.4", "x4"), ("images.scales.4.methods", {"bicubic": 3}), ("names", "abc"),
    ("names", ["a", "zzz"]), ("names", ["a", "a"]), ("report_html", 12),
])
def test_index_of_the_wrong_shape(tmp_path, capsys, field, value):
    bench = _bench(tmp_path / "bench", **{field: value})
    assert _create(tmp_path / "mos.sqlite", bench) == 2
    assert "bench.json" in _one_error(capsys)


def test_stimuli_are_pngs_written_by_facesr(tmp_path, capsys):
    """A legitimate benchmark still works; the stimuli are decoded and written again as PNG."""
    bench = _bench(tmp_path / "bench")
    assert _create(tmp_path / "mos.sqlite", bench, "--reference") == 0
    items = list((bench / "mos" / "s1" / "items").iterdir())
    assert len(items) == 6 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in items)


# -- mos report ---------------------------------------------------------------------------------------


def _study(tmp_path: Path, report_html: str | None) -> tuple[Path, Path]:
    bench = _bench(tmp_path / "bench", report_html=report_html)
    db = tmp_path / "mos.sqlite"
    assert _create(db, bench) == 0
    store = Store(db)
    store.join("s1", "r1")
    for item in store.order("s1", "r1"):
        store.rate("s1", "r1", item.item, 3)
    return db, bench


def test_report_html_naming_another_file_is_refused(tmp_path, capsys):
    victim = tmp_path / "site" / "index.html"
    victim.parent.mkdir()
    victim.write_text("<!DOCTYPE html><html><body>mine</body></html>")
    db, _ = _study(tmp_path, str(victim))
    capsys.readouterr()
    assert main(["mos", "--db", str(db), "report", "s1", "-o", str(tmp_path / "rep")]) == 2
    err = _one_error(capsys)
    assert "is not a facesr benchmark report" in err and "--no-html" in err
    assert victim.read_text() == "<!DOCTYPE html><html><body>mine</body></html>"
    # the user can still get the report without touching any HTML
    assert main(["mos", "--db", str(db), "report", "s1", "-o", str(tmp_path / "rep"), "--no-html"]) == 0
    assert (tmp_path / "rep" / "mos.json").is_file()
    assert victim.read_text() == "<!DOCTYPE html><html><body>mine</body></html>"


@pytest.mark.parametrize("kind", ["relative", "not-html", "symlink", "missing"])
def test_report_html_other_tricks(tmp_path, capsys, kind):
    real = tmp_path / "real.html"
    real.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>facesr benchmark</title></head>"
                    "<body></body></html>")
    value = {"relative": "real.html", "not-html": str(tmp_path / "notes.txt"),
             "symlink": str(tmp_path / "link.html"), "missing": str(tmp_path / "gone.html")}[kind]
    (tmp_path / "notes.txt").write_text("<!DOCTYPE html><title>facesr benchmark</title>")
    os.symlink(real, tmp_path / "link.html")
    db, _ = _study(tmp_path, value)
    capsys.readouterr()
    assert main(["mos", "--db", str(db), "report", "s1", "-o", str(tmp_path / "rep")]) == 2
    _one_error(capsys)
    assert "MOS study" not in real.read_text()


def test_report_into_a_real_bench_report(tmp_path, capsys):
    real = tmp_path / "report.html"
    real.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>facesr benchmark</title></head>"
                    "<body><h1>facesr benchmark: faces</h1></body></html>")
    db, bench = _study(tmp_path, str(real))
    assert main(["mos", "--db", str(db), "report", "s1"]) == 0
    assert "MOS study s1" in real.read_text()
    assert (bench / "mos" / "s1" / "mos.json").is_file()


def test_crafted_scores_in_bench_json(tmp_path, capsys):
    """Scores that are not numbers are left out of the report instead of crashing it."""
    db, bench = _study(tmp_path, None)
    data = json.loads((bench / "bench.json").read_text())
    data["per_image"] = {"bicubic": {"4": {"a": {"psnr": "high"}, "b": [1], "c": {"psnr": None}}}, "x": 3}
    data["metrics"] = ["psnr", 7]
    (bench / "bench.json").write_text(json.dumps(data))
    assert main(["mos", "--db", str(db), "report", "s1", "--no-html"]) == 0
    rep = json.loads((bench / "mos" / "s1" / "mos.json").read_text())
    assert rep["metrics"] == ["psnr"] and rep["methods"][0]["psnr"] is None
    (bench / "bench.json").write_text("[1, 2")
    assert main(["mos", "--db", str(db), "report", "s1", "--no-html"]) == 2
    assert "not readable JSON" in _one_error(capsys)


@pytest.mark.parametrize("where", ["/proc/facesr-x", "under-a-file"])
def test_unwritable_outputs(tmp_path, capsys, where):
    db, bench = _study(tmp_path, None)
    (tmp_path / "plain").write_text("x")
    out = str(tmp_path / "plain" / "sub") if where == "under-a-file" else where
    capsys.readouterr()
    assert main(["mos", "--db", str(db), "report", "s1", "-o", out, "--no-html"]) == 2
    assert out in _one_error(capsys)
    assert main(["mos", "--db", str(db), "create", "--from", str(bench), "--id", "s2", "--folder", out]) == 2
    assert out in _one_error(capsys)
    assert [s["id"] for s in Store(db).studies()] == ["s1"]


def test_db_that_is_not_a_database(tmp_path, capsys):
    bench = _bench(tmp_path / "bench")
    (tmp_path / "notes.sqlite").write_text("not a database")
    (tmp_path / "folder").mkdir()
    for db in (tmp_path / "notes.sqlite", tmp_path / "folder", tmp_path / "notes.sqlite" / "x.sqlite",
               Path("/proc/facesr.sqlite")):
        assert _create(db, bench) == 2
        assert str(db) in _one_error(capsys)
    assert main(["mos", "--db", str(tmp_path / "notes.sqlite"), "list"]) == 2
    assert "not a usable ratings database" in _one_error(capsys)
    assert (tmp_path / "notes.sqlite").read_text() == "not a database"


def test_explicit_html_must_be_a_bench_report_too(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><body>mine</body></html>")
    db, _ = _study(tmp_path, None)
    capsys.readouterr()
    for html in (page, Path("/etc/passwd"), tmp_path / "gone.html"):
        assert main(["mos", "--db", str(db), "report", "s1", "--html", str(html), "-o", str(tmp_path / "r")]) == 2
        assert str(html) in _one_error(capsys)
    assert page.read_text() == "<!DOCTYPE html><html><body>mine</body></html>"


def test_negative_seed_is_refused(tmp_path, capsys):
    assert _create(tmp_path / "mos.sqlite", _bench(tmp_path / "bench"), "--seed", "-1") == 2
    assert "--seed must be 0 or more" in _one_error(capsys)
