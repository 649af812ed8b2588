"""``facesr degrade`` with hostile input: outputs that are inputs, crafted ``--replay`` sidecars, a negative
seed, unwritable outputs. Every case gives exit status 2 and one line, and leaves the inputs as they were."""

from __future__ import annotations

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
