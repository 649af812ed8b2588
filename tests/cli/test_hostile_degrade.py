"""``facesr degrade`` with hostile input: outputs that are inputs, crafted ``--replay`` sidecars, a negative
seed, unwritable outputs. Every case gives exit status 2 and one line, and leaves the inputs as they were."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from facesr.cli.main import main
from facesr.io import write_image


def _hr(folder: Path, n: int = 2) -> Path:
    rng = np.random.default_rng(0)
    for i in range(n):
        write_image(folder / f"face_{i}.png", rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("facesr: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("case", ["same", "inside", "holds", "symlink", "file", "file-symlink"])
def test_output_that_is_an_input_is_refused(tmp_path, capsys, case):
    hr = _hr(tmp_path / "hr")
    (tmp_path / "hr" / "sub").mkdir()
    write_image(tmp_path / "hr" / "sub" / "x.png", np.zeros((32, 32, 3), np.uint8))
    os.symlink(hr, tmp_path / "link")
    os.symlink(hr / "face_0.png", tmp_path / "face.png")
    before = _snapshot(hr)
    src, dst = {"same": (hr, hr), "inside": (hr, hr / "lr"), "holds": (hr / "sub", hr),
                "symlink": (hr, tmp_path / "link"), "file": (hr / "face_0.png", hr / "face_0.png"),
                "file-symlink": (tmp_path / "face.png", hr / "face_0.png")}[case]
    assert main(["degrade", str(src), str(dst), "--scale", "2", "--overwrite", "--quiet", "--format", "keep"]) == 2
    assert "output" in _one_error(capsys)
    assert _snapshot(hr) == before


def test_output_beside_the_input_is_fine(tmp_path):
    hr = _hr(tmp_path / "hr")
    assert main(["degrade", str(hr / "face_0.png"), str(hr / "face_0_x2.png"), "--scale", "2", "--quiet"]) == 0
    assert main(["degrade", str(hr), str(tmp_path / "lr"), "--scale", "2", "--quiet"]) == 0


def _lines(capsys) -> list[str]:
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(line.startswith("facesr: ") for line in err) and "Traceback" not in "".join(err), err
    return err


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "--seed must be 0 or more"),
    (["--kernel", "nosuch"], "--kernel must be one of"),
])
def test_bad_options_give_one_line(tmp_path, capsys, args, message):
    hr = _hr(tmp_path / "hr")
    assert main(["degrade", str(hr), str(tmp_path / "lr"), "--scale", "2", "--quiet", *args]) == 2
    assert message in _one_error(capsys)
    assert not (tmp_path / "lr").exists()


def _sidecar(tmp_path: Path, content) -> Path:
    path = tmp_path / "crafted.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _record(*steps) -> dict:
    return {"images": {"face_0.png": {"steps": list(steps)}, "face_1.png": {"steps": list(steps)}}}


@pytest.mark.parametrize("content, message", [
    ("{not json", "not a facesr degradation sidecar"),
    ([1, 2], "no 'images' object"),
    ({"images": ["face_0.png"]}, "no 'images' object"),
    ({"images": {"face_0.png": {"seed": 1}}}, "no list of steps"),
    ({"images": {"face_0.png": {"steps": [{"kernel": "gaussian"}]}}}, "no list of steps"),
    ({"images": {"face_0.png": {"steps": "blur"}}}, "no list of steps"),
    (_record({"type": "resize", "scale": 1e-9}), "resize scale"),
    (_record({"type": "resize", "scale": "2"}), "resize scale"),
    (_record({"type": "resize", "scale": float("nan")}), "resize scale"),
])
def test_crafted_replay_is_refused_before_any_work(tmp_path, capsys, content, message):
    hr = _hr(tmp_path / "hr")
    replay = _sidecar(tmp_path, content)
    assert main(["degrade", str(hr), str(tmp_path / "lr"), "--replay", str(replay), "--quiet"]) == 2
    assert message in _one_error(capsys)


@pytest.mark.parametrize("step, message", [
    ({"type": "blur", "kernel": "gaussian", "sigma": 1e6}, "sigma"),
    ({"type": "blur", "kernel": "gaussian", "sigma": "big"}, "not valid"),
    ({"type": "blur", "sigma": 2}, "not valid"),
    ({"type": "blur", "kernel": "motion", "length": 1e9}, "length"),
    ({"type": "noise", "sigma": 3}, "not valid"),
    ({"type": "noise", "dist": "gaussian", "sigma": 3, "noise_seed": -5}, "not valid"),
    ({"type": "jpeg", "quality": [1]}, "not valid"),
    ({"type": "resize", "scale": 2, "kernel": 7}, "kernel"),
    ({"type": "teleport"}, "unknown degradation step"),
])
def test_crafted_replay_records_give_a_line_per_image(tmp_path, capsys, step, message):
    hr = _hr(tmp_path / "hr")
    replay = _sidecar(tmp_path, _record(step))
    assert main(["degrade", str(hr), str(tmp_path / "lr"), "--replay", str(replay), "--quiet"]) == 2
    err = _lines(capsys)
    assert len(err) == 3 and "face_0.png" in err[0] and message in err[0] and "2 of 2 image(s) failed" in err[-1]
    assert not list((tmp_path / "lr").glob("*.png"))


@pytest.mark.parametrize("where", ["proc", "under-a-file"])
def test_unwritable_outputs_give_one_line(tmp_path, capsys, where):
    hr = _hr(tmp_path / "hr")
    (tmp_path / "plain").write_text("x")
    base = Path("/proc") if where == "proc" else tmp_path / "plain"
    for src, dst in ((hr / "face_0.png", base / "x.png"), (hr, base / "lr")):
        assert main(["degrade", str(src), str(dst), "--scale", "2", "--quiet"]) == 2
        assert str(dst) in _one_error(capsys)
    assert (tmp_path / "plain").read_text() == "x"
