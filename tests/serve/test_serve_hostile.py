"""``facesr serve`` under hostile use: a flood of enhance jobs (bounded queue, 503 + Retry-After), the number
of results kept, bad limits and databases (one line, exit 2), the temporary folder removed at shutdown and
after a failed bind, error pages that do not show server paths."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import facesr
from facesr.cli.main import main
from facesr.serve import create_app
from facesr.serve.jobs import JobQueue, QueueFullError

SRC = Path(facesr.__file__).resolve().parents[1]

IMG = np.zeros((8, 8, 3), np.uint8)


class GatedQueue(JobQueue):
    """Jobs wait for ``gate``; each writes one file into its folder, as the real jobs do."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.gate = threading.Event()

    def _process(self, job):
        self.gate.wait(10)
        (self.workdir / job.id).mkdir(parents=True, exist_ok=True)
        (self.workdir / job.id / "result.png").write_bytes(b"x")
        job.output_size = (1, 1)


def _settle(q: JobQueue, timeout: float = 10.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with q._lock:
            if all(j.state in ("done", "error") for j in q.jobs.values()):
                return
        time.sleep(0.01)
    raise AssertionError("jobs did not finish")


def test_queue_is_bounded_and_says_when_to_retry(tmp_path):
    q = GatedQueue(tmp_path, lambda name: None, max_pending=3)
    jobs = [q.submit(IMG, name=f"{i}.png", model="bicubic", scale=2) for i in range(3)]
    with pytest.raises(QueueFullError) as err:
        q.submit(IMG, name="more.png", model="bicubic", scale=2)
    assert "busy" in str(err.value) and 1 <= err.value.retry_after <= 300
    assert len(q.jobs) == 3
    q.gate.set()
    _settle(q)
    assert all(j.state == "done" for j in jobs)
    q.submit(IMG, name="later.png", model="bicubic", scale=2)  # room again once they ran
    _settle(q)


def test_newest_twenty_results_are_kept(tmp_path):
    q = GatedQueue(tmp_path, lambda name: None, max_pending=100)
    q.gate.set()
    for i in range(45):
        q.submit(IMG, name=f"{i}.png", model="bicubic", scale=2)
    _settle(q)
    with q._lock:
        q._prune()
    assert len(q.jobs) == 20 and [j.name for j in q.jobs.values()] == [f"{i}.png" for i in range(25, 45)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(q.jobs)


def test_flood_of_uploads_gets_503_with_retry_after(tmp_path, make_study):
    db, _ = make_study()
    app = create_app(db, workdir=tmp_path / "work", max_queue=2)
    q = GatedQueue(tmp_path / "work", lambda name: None, max_pending=2)
    app.extensions["facesr_jobs"] = q
    c = app.test_client()
    answers = [c.post("/api/enhance", data={"sample": "astronaut-face", "model": "bicubic", "scale": "2"})
               for _ in range(6)]
    assert [r.status_code for r in answers] == [202, 202, 503, 503, 503, 503]
    busy = answers[-1]
    assert int(busy.headers["Retry-After"]) >= 1 and "try again in" in busy.get_json()["error"]
    q.gate.set()
    _settle(q)
    again = c.post("/api/enhance", data={"sample": "astronaut-face", "model": "bicubic", "scale": "2"})
    assert again.status_code == 202
    _settle(q)


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("facesr: error: "), err
    return err[0]


@pytest.fixture
def tmp_root(tmp_path, monkeypatch) -> Path:
    """Temporary folders of this process go here, so the test sees what is left behind."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.mark.parametrize("args, message", [
    (["--max-upload-mb", "nan"], "--max-upload-mb must be a positive number"),
    (["--max-upload-mb", "inf"], "--max-upload-mb must be a positive number"),
    (["--max-upload-mb", "-1"], "--max-upload-mb must be a positive number"),
    (["--max-pixels", "nan"], "--max-pixels must be a positive number"),
    (["--max-queue", "0"], "--max-queue must be at least 1"),
    (["--detector", "nosuch"], "unknown face backend 'nosuch'"),
])
def test_bad_limits_are_refused(tmp_path, tmp_root, capsys, args, message):
    assert main(["serve", "--port", "0", "--db", str(tmp_path / "mos.sqlite"), *args]) == 2
    assert message in _one_error(capsys)
    assert list(tmp_root.iterdir()) == []


def test_bad_databases_are_refused(tmp_path, tmp_root, capsys):
    (tmp_path / "notes.txt").write_text("not a database")
    (tmp_path / "folder").mkdir()
    for db in (tmp_path / "notes.txt", tmp_path / "folder", tmp_path / "notes.txt" / "mos.sqlite",
               Path("/proc/facesr-mos.sqlite")):
        assert main(["serve", "--port", "0", "--db", str(db)]) == 2
        assert str(db) in _one_error(capsys)
    assert (tmp_path / "notes.txt").read_text() == "not a database"
    assert list(tmp_root.iterdir()) == []


def test_failed_bind_leaves_no_temp_folder(tmp_path, tmp_root, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port), "--db", str(tmp_path / "mos.sqlite")]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    assert list(tmp_root.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_shutdown_removes_the_temp_folder(tmp_path, sig):
    root = tmp_path / "tmp"
    root.mkdir()
    env = {**os.environ, "TMPDIR": str(root),
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, "-m", "facesr", "serve", "--port", "0", "--db", str(tmp_path / "m.sqlite")]
    # a suite started in the background (nohup, &) ignores SIGINT, and children inherit that: give the
    # server the default disposition, as a terminal would
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in proc.stdout:
            if "http://" in line:
                break
        assert [p.name[:13] for p in root.iterdir()] == ["facesr-serve-"]
        proc.send_signal(sig)
        assert proc.wait(60) == 0  # generous: a loaded 2-core CI machine
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert list(root.iterdir()) == []


def test_error_pages_do_not_show_server_paths(tmp_path, make_study):
    db, study = make_study()
    app = create_app(db, workdir=tmp_path / "work")
    c = app.test_client()
    private = {str(db), str(Path(db).resolve()), str(tmp_path)}
    for url in ("/s/nope", "/s/nope/r/x", f"/s/{study}/r/nobody", "/api/jobs/nope", "/nothing/here",
                f"/s/{study}/i/nope.png"):
        r = c.get(url)
        assert r.status_code == 404, url
        text = r.get_data(as_text=True)
        assert not any(p in text for p in private), (url, text)


def test_crafted_item_file_is_not_served(tmp_path, make_study):
    db, study = make_study()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    app = create_app(db, workdir=tmp_path / "work")
    store = app.extensions["facesr_store"]
    with store.transaction() as con:
        con.execute("UPDATE items SET file=? WHERE study=?", ("../secret.png", study))
    item = store.items(study)[0].item
    r = app.test_client().get(f"/s/{study}/i/{item}.png")
    assert r.status_code == 404 and b"secret" not in r.data
