"""``facesr bench``: Table 7 layout, ranks, caching, report files, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from facesr.benchmark.methods import parse_methods
from facesr.benchmark.runner import BenchResult
from facesr.benchmark.table import ranks, to_latex, to_markdown, to_text
from facesr.cli.main import main
from facesr.errors import InputError, UnknownNameError
from facesr.io import write_image


@pytest.fixture
def faces(tmp_path):
    folder = tmp_path / "hr"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        base = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        from facesr.ops import imresize

        write_image(folder / f"{i}.png", imresize(base, 4))
    return folder


@pytest.fixture
def srcnn_ckpt(tmp_path):
    from facesr.models import create

    model = create("srcnn", scale=4, seed=0)
    with torch.no_grad():  # make it an identity-like filter so its output is close to bicubic
        for p in model.parameters():
            p.zero_()
    path = tmp_path / "srcnn.safetensors"
    save_file(model.state_dict(), str(path))
    return path


def test_parse_methods(srcnn_ckpt):
    specs = parse_methods(f"srcnn:{srcnn_ckpt}")
    assert [s.name for s in specs] == ["bicubic", "srcnn"]
    with pytest.raises(UnknownNameError, match="did you mean"):
        parse_methods("rcann:x.pt")
    with pytest.raises(InputError, match="needs trained weights"):
        parse_methods("rcan")
    with pytest.raises(InputError, match="not found"):
        parse_methods("rcan:missing.safetensors")


def _result():
    rows = [
        {"method": "bicubic", "family": "baseline", "display": "Bicubic", "scores": {"8": {"psnr": 23.0}}},
        {"method": "a", "family": "general", "display": "A", "params_survey": 1.0, "gmacs": 2.0,
         "scores": {"8": {"psnr": 25.0}}},
        {"method": "b", "family": "prior", "display": "B", "params_survey": 1.0, "gmacs": 2.0,
         "scores": {"8": {"psnr": 26.0}}},
        {"method": "c", "family": "general", "display": "C", "params_survey": 1.0, "gmacs": 2.0,
         "scores": {"8": {"psnr": 24.0}}},
        {"method": "d", "family": "general", "display": "D", "params_survey": 1.0, "gmacs": 2.0,
         "scores": {"8": {"psnr": 20.0}}},
    ]
    return BenchResult("t", "facesr", "conv", [8], ["psnr"], 1, rows)


def test_ranks_and_layout():
    r = _result()
    rk = ranks(r)
    assert rk[("b", "8", "psnr")] == 1 and rk[("a", "8", "psnr")] == 2 and rk[("c", "8", "psnr")] == 3
    assert ("d", "8", "psnr") not in rk and ("bicubic", "8", "psnr") not in rk
    text = to_text(r)
    assert text.index("[Baseline]") < text.index("[General FSR]") < text.index("[Prior-guided FSR]")
    assert "26.00\u00b9" in text and "conv" in text
    assert "**26.00**" in to_markdown(r)
    assert "\\textcolor{red}{26.00}" in to_latex(r)


def test_bench_cli_end_to_end(tmp_path, faces, srcnn_ckpt, capsys):
    out = tmp_path / "out"
    argv = ["bench", "--dataset", str(faces), "--scales", "4", "--methods", f"bicubic,srcnn:{srcnn_ckpt}",
            "--json", str(out / "r.json"), "--html", str(out / "r.html"), "--markdown", str(out / "r.md"),
            "--latex", str(out / "r.tex"), "--quiet"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Bicubic" in text and "SRCNN" in text and "protocol facesr" in text
    data = json.loads((out / "r.json").read_text())
    assert data["n"] == 4 and [r["method"] for r in data["rows"]] == ["bicubic", "srcnn:srcnn"]
    assert set(data["per_image"]["bicubic"]["4"]) == {"0", "1", "2", "3"}
    html = (out / "r.html").read_text()
    assert "data:image/png;base64," in html and "sortable" in html
    assert (out / "r_grid_x4.png").exists() and (out / "r.md").exists() and (out / "r.tex").exists()
    # second run reads the cached SR outputs and gives the same numbers
    assert main(argv[:-1] + ["--quiet"]) == 0
    again = json.loads((out / "r.json").read_text())
    assert again["rows"] == data["rows"]


def test_bench_errors(tmp_path, faces, capsys):
    assert main(["bench", "--dataset", str(tmp_path / "nope"), "--quiet"]) == 2
    assert "neither a known test set" in capsys.readouterr().err
    assert main(["bench", "--dataset", str(faces), "--scales", "x8", "--quiet"]) == 2
    bad = tmp_path / "bad.safetensors"
    save_file({"foo": torch.zeros(1)}, str(bad))
    assert main(["bench", "--dataset", str(faces), "--scales", "4", "--methods", f"srcnn:{bad}", "--quiet"]) == 2
    assert "do not fit" in capsys.readouterr().err
    (tmp_path / "junk.pt").write_bytes(b"junk")
    assert main(["bench", "--dataset", str(faces), "--scales", "4", "--methods", f"srcnn:{tmp_path / 'junk.pt'}",
                 "--quiet"]) == 2
    assert "cannot read checkpoint" in capsys.readouterr().err
