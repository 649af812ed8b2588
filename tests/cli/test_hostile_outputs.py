"""An output the user named that cannot be written (a path under a regular file, a folder given for a file)
is one line and exit status 2, found before any work: a finished benchmark is never lost to a bad --json."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from facesr.cli.main import main


@pytest.fixture
def faces(tmp_path):
    hr = tmp_path / "hr"
    hr.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray((rng.random((32, 32, 3)) * 255).astype(np.uint8)).save(hr / f"f{i}.png")
    blocker = tmp_path / "a_file.txt"
    blocker.write_text("not a folder")
    return hr, blocker


def _one_line(capsys, *needles: str) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("facesr: error:"), err
    assert all(n in err[0] for n in needles), err[0]
    return err[0]


@pytest.mark.parametrize("option", ["--json", "--html", "--markdown", "--latex", "--save-images"])
def test_bench_output_under_a_file(faces, capsys, option):
    hr, blocker = faces
    bad = blocker / "out"
    code = main(["bench", "--dataset", str(hr), "--scales", "4", "--methods", "bicubic", option, str(bad), "--quiet"])
    assert code == 2
    _one_line(capsys, option, str(bad))


def test_bench_json_that_is_a_folder(faces, capsys):
    hr, _ = faces
    assert main(["bench", "--dataset", str(hr), "--scales", "4", "--methods", "bicubic", "--json", str(hr),
                 "--quiet"]) == 2
    _one_line(capsys, "--json", "folder")


def test_evaluate_json_under_a_file(faces, capsys):
    hr, blocker = faces
    assert main(["evaluate", "--sr", str(hr), "--hr", str(hr), "--scale", "4", "--json",
                 str(blocker / "x.json"), "--quiet"]) == 2
    _one_line(capsys, "--json")


def test_train_output_under_a_file(faces, capsys):
    from pathlib import Path

    _, blocker = faces
    config = Path(__file__).resolve().parents[2] / "configs" / "srcnn_x8_cpu_smoke.yaml"
    assert main(["train", str(config), f"output={blocker / 'run'}"]) == 2
    _one_line(capsys, "run folder", str(blocker / "run"))


def test_atomic_write_in_an_unwritable_place_is_an_input_error(tmp_path):
    from facesr.errors import InputError
    from facesr.io import atomic_write

    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write"), atomic_write(blocker / "y.json") as tmp:
        tmp.write_text("never")
