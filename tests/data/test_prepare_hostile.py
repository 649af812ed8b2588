"""``facesr data prepare`` against inputs that used to lose data or pass silently: two files with one
cache key, a cache folder inside the dataset folder (the documented resume path), two runs on one
``--out`` at once, and out-of-range options. Aligned folders only: no face detector is needed."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from facesr.cli.main import main
from facesr.data.cache import MANIFEST, read_manifest
from facesr.data.folders import ImageFolder
from facesr.data.prepare import LOCK, PrepareOptions, prepare
from facesr.errors import InputError
from facesr.io import write_image


def _faces(root: Path, names=("a.png", "b.png", "c.jpg")) -> Path:
    rng = np.random.default_rng(0)
    for n in names:
        write_image(root / n, rng.integers(0, 256, (40, 40, 3), dtype=np.uint8))
    return root


def _run(root: Path, out: Path, **kw) -> dict[str, int]:
    return prepare(ImageFolder(root, framing="aligned"), out, PrepareOptions(dataset="folder", size=16),
                   progress=False, **kw)


def _manifest_keys(out: Path) -> list[str]:
    return [json.loads(line)["key"] for line in (out / MANIFEST).read_text().splitlines() if line.strip()]


def test_same_stem_two_suffixes_is_refused_naming_both(tmp_path):
    root = _faces(tmp_path / "faces", ("a.jpg", "a.png", "b.png"))
    with pytest.raises(InputError) as err:
        _run(root, tmp_path / "out")
    assert "a.jpg" in str(err.value) and "a.png" in str(err.value) and "rename" in str(err.value)
    assert not (tmp_path / "out" / MANIFEST).exists()


def test_out_inside_root_is_not_ingested_on_rerun(tmp_path):
    root = _faces(tmp_path / "faces")
    out = root / "cache"
    assert _run(root, out) == {"ok": 3}
    assert _run(root, out) == {"ok": 3}  # the documented resume: nothing new, nothing from cache/images
    assert sorted(read_manifest(out)) == ["a", "b", "c"]
    assert not (out / "images" / "cache").exists()
    assert sorted(_manifest_keys(out)) == ["a", "b", "c"]


@pytest.mark.parametrize("where", ["same", "parent"])
def test_out_that_is_or_holds_the_dataset_is_refused(tmp_path, where):
    root = _faces(tmp_path / "data" / "faces")
    out = root if where == "same" else tmp_path / "data"
    with pytest.raises(InputError, match="is or contains the dataset folder"):
        _run(root, out)
    assert not (out / MANIFEST).exists()


def test_a_second_run_on_a_locked_out_is_refused(tmp_path):
    import fcntl

    root = _faces(tmp_path / "faces")
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(InputError, match="another 'facesr data prepare' is working"):
            _run(root, out)
    assert not (out / MANIFEST).exists()
    assert _run(root, out) == {"ok": 3}  # the lock is gone with the first run


def test_concurrent_runs_write_each_image_once(tmp_path):
    root = _faces(tmp_path / "faces", [f"{i:02d}.png" for i in range(12)])
    out = tmp_path / "out"
    outcomes: list[object] = []

    def run() -> None:
        try:
            outcomes.append(_run(root, out))
        except InputError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert any(o == {"ok": 12} for o in outcomes)
    assert all(o == {"ok": 12} or "another 'facesr data prepare'" in str(o) for o in outcomes)
    keys = _manifest_keys(out)
    assert len(keys) == len(set(keys)) == 12


@pytest.mark.parametrize("args, message", [
    (["--limit", "-1"], "--limit must be at least 1"),
    (["--limit", "0"], "--limit must be at least 1"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--workers", "-3"], "--workers must be at least 1"),
    (["--kernel", "nosuch"], "--kernel must be one of"),
    (["--sigma", "nan"], "--sigma must be > 0"),
    (["--backend", "nosuch"], "unknown face backend 'nosuch'"),
])
def test_out_of_range_options_give_one_line(tmp_path, capsys, args, message):
    root = _faces(tmp_path / "faces")
    argv = ["data", "prepare", "--dataset", "folder", "--root", str(root), "--out", str(tmp_path / "out"),
            "--no-progress", *args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("facesr: error: ") and "\n" not in err and message in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["/proc/facesr-cache", "under-a-file"])
def test_unwritable_out_gives_one_line(tmp_path, capsys, where):
    root = _faces(tmp_path / "faces")
    (tmp_path / "plain").write_text("x")
    out = str(tmp_path / "plain" / "cache") if where == "under-a-file" else where
    argv = ["data", "prepare", "--dataset", "folder", "--root", str(root), "--out", out, "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("facesr: error: ") and "\n" not in err and out in err


def test_faces_limit_must_be_positive(tmp_path, capsys):
    root = _faces(tmp_path / "faces")
    assert main(["data", "faces", "--dataset", "folder", "--root", str(root), "--limit", "-1", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "facesr: error: --limit must be at least 1 image, got -1"
