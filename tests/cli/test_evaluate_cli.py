"""``facesr evaluate``: results, JSON, and one-line errors (exit 2) for every kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facesr.cli.main import main
from facesr.io import write_image


def _faces(folder, n=3, size=64, seed=0, suffix=".png"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        base = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        img = np.repeat(np.repeat(base, size // 8, 0), size // 8, 1)
        write_image(folder / f"{i:03d}{suffix}", img)
    return folder


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_scores_and_writes_json(tmp_path, capsys):
    hr = _faces(tmp_path / "hr")
    sr = _faces(tmp_path / "sr", seed=0)
    code, out, _ = _run(capsys, "evaluate", "--sr", str(sr), "--hr", str(hr), "--scale", "4",
                        "--protocol", "basicsr", "--metrics", "psnr,ssim", "--json", str(tmp_path / "r.json"),
                        "--quiet")
    assert code == 0 and "protocol basicsr" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["protocol"] == "basicsr" and data["scale"] == 4 and data["n"] == 3
    assert data["metrics"]["psnr"] is None  # identical images: infinite PSNR is stored as null
    assert data["metrics"]["ssim"] == pytest.approx(1.0)
    assert set(data["per_image"]) == {"000", "001", "002"}


def test_baseline_bicubic(tmp_path, capsys):
    hr = _faces(tmp_path / "hr", size=128)
    code, out, _ = _run(capsys, "evaluate", "--hr", str(hr), "--scale", "8", "--baseline", "bicubic", "--quiet",
                        "--json", str(tmp_path / "b.json"))
    assert code == 0 and "bicubic" in out
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["method"] == "bicubic" and 10 < data["metrics"]["psnr"] < 40


def test_list_protocols_and_metrics(capsys):
    code, out, _ = _run(capsys, "evaluate", "--list-protocols")
    assert code == 0
    for name in ("survey", "dic", "basicsr", "sparnet", "pyiqa", "facesr"):
        assert name in out
    code, out, _ = _run(capsys, "evaluate", "--list-metrics")
    assert code == 0 and "ms_ssim" in out


def _expect_error(capsys, argv, *fragments):
    code, _, err = _run(capsys, *argv)
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("facesr")]
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def test_bad_inputs(tmp_path, capsys):
    hr = _faces(tmp_path / "hr")
    sr = _faces(tmp_path / "sr")
    base = ["evaluate", "--quiet", "--scale", "4"]
    # missing and empty folders
    _expect_error(capsys, base + ["--sr", str(tmp_path / "nope"), "--hr", str(hr)], "nope", "folder not found")
    (tmp_path / "empty").mkdir()
    _expect_error(capsys, base + ["--sr", str(tmp_path / "empty"), "--hr", str(hr)], "empty", "no image files")
    # unpaired names
    unpaired = _faces(tmp_path / "unpaired", n=4)
    _expect_error(capsys, base + ["--sr", str(unpaired), "--hr", str(hr)], "unpaired", "003")
    # different sizes
    small = _faces(tmp_path / "small", size=32)
    _expect_error(capsys, base + ["--sr", str(small), "--hr", str(hr)], "000.png", "32x32", "64x64")
    # unknown protocol / metric
    _expect_error(capsys, base + ["--sr", str(sr), "--hr", str(hr), "--protocol", "survy"], "survey")
    _expect_error(capsys, base + ["--sr", str(sr), "--hr", str(hr), "--metrics", "psnr,sim"], "sim", "ssim")
    # corrupt and truncated images
    bad = _faces(tmp_path / "bad")
    (bad / "001.png").write_bytes(b"garbage")
    _expect_error(capsys, base + ["--sr", str(bad), "--hr", str(hr)], "001.png", "not a recognised image")
    cut = _faces(tmp_path / "cut", size=64, suffix=".png")
    data = (cut / "002.png").read_bytes()
    (cut / "002.png").write_bytes(data[: len(data) // 2])
    _expect_error(capsys, base + ["--sr", str(cut), "--hr", str(hr)], "002.png")
    # scale that does not fit the image
    _expect_error(capsys, ["evaluate", "--quiet", "--hr", str(hr), "--scale", "3", "--baseline", "bicubic"],
                  "000.png", "x3")
    _expect_error(capsys, ["evaluate", "--quiet", "--sr", str(sr), "--hr", str(hr), "--scale", "40"],
                  "000.png", "does not fit x40")
    _expect_error(capsys, ["evaluate", "--quiet", "--sr", str(sr), "--hr", str(hr), "--scale", "abc"], "scale")
    _expect_error(capsys, ["evaluate", "--quiet", "--sr", str(sr), "--hr", str(hr)], "--scale")


def test_metric_options_and_conventions(tmp_path, capsys):
    from facesr.errors import InputError
    from facesr.evaluation.runner import parse_metric_options

    assert parse_metric_options(["fid.ref=s.npz", "niqe.crop=4", "x.flag=true", "x.r=0.5"]) == {
        "fid": {"ref": "s.npz"}, "niqe": {"crop": 4}, "x": {"flag": True, "r": 0.5}}
    with pytest.raises(InputError, match="METRIC.KEY=VALUE"):
        parse_metric_options(["fid=3"])
    hr = _faces(tmp_path / "hr")
    sr = _faces(tmp_path / "sr", seed=1)
    base = ["evaluate", "--quiet", "--sr", str(sr), "--hr", str(hr), "--scale", "4"]
    _expect_error(capsys, base + ["--metric-option", "ssim.window=3"], "ssim", "bad option")
    _expect_error(capsys, base + ["--metric-option", "lpips.x=1"], "not requested")
    code, out, _ = _run(capsys, *base, "--json", str(tmp_path / "c.json"))
    assert code == 0
    data = json.loads((tmp_path / "c.json").read_text())
    assert set(data["metric_conventions"]) == {"psnr", "ssim"}
