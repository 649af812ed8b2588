"""``facesr degrade``: same names, a sidecar that regenerates the LR set bit for bit."""

from __future__ import annotations

import json

import numpy as np

from facesr.cli.main import main
from facesr.io import read_image, write_image


def _hr(folder, n=3):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        write_image(folder / f"face_{i}.jpg", rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    return folder


def test_blind_degrade_and_replay(tmp_path, capsys):
    hr = _hr(tmp_path / "hr")
    out = tmp_path / "lr"
    assert main(["degrade", str(hr), str(out), "--preset", "blind", "--seed", "7", "--quiet"]) == 0
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == ["face_0.png", "face_1.png", "face_2.png"]
    side = json.loads((out / "degradation.json").read_text())
    assert side["preset"] == "blind" and side["seed"] == 7 and set(side["images"]) == {
        "face_0.jpg", "face_1.jpg", "face_2.jpg"}
    again = tmp_path / "again"
    assert main(["degrade", str(hr), str(again), "--replay", str(out / "degradation.json"), "--quiet"]) == 0
    for n in names:
        assert (out / n).read_bytes() == (again / n).read_bytes()
    # a second run with the same seed gives identical bytes, another seed differs
    third = tmp_path / "third"
    assert main(["degrade", str(hr), str(third), "--preset", "blind", "--seed", "7", "--quiet"]) == 0
    assert all((out / n).read_bytes() == (third / n).read_bytes() for n in names)
    other = tmp_path / "other"
    assert main(["degrade", str(hr), str(other), "--preset", "blind", "--seed", "8", "--quiet"]) == 0
    assert any((out / n).read_bytes() != (other / n).read_bytes() for n in names)


def test_bicubic_single_file_and_errors(tmp_path, capsys):
    hr = _hr(tmp_path / "hr", n=1)
    out = tmp_path / "one.png"
    assert main(["degrade", str(hr / "face_0.jpg"), str(out), "--scale", "4", "--quiet"]) == 0
    assert read_image(out).shape == (16, 16, 3)
    assert (tmp_path / "one.json").exists()
    capsys.readouterr()
    assert main(["degrade", str(hr / "face_0.jpg"), str(out), "--scale", "4", "--quiet"]) == 2
    assert "output exists" in capsys.readouterr().err
    assert main(["degrade", str(hr), str(tmp_path / "x"), "--scale", "100", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "face_0.jpg" in err and "does not fit" in err
    assert main(["degrade", str(tmp_path / "missing"), str(tmp_path / "y"), "--scale", "2"]) == 2
    assert main(["degrade", str(hr), str(tmp_path / "z"), "--preset", "blnd", "--scale", "2"]) == 2
    assert "did you mean" in capsys.readouterr().err
