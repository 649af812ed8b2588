"""``facesr bench --reference`` (Table 8 mode): identity groups of a test folder, the same seeded blind LR as
``--degradation blind``, rows by subfamily, reports with the reference in the grids, clear errors."""

from __future__ import annotations

import json

import pytest

from facesr.cli.main import main
from reference_testing import reference_checkpoint, write_group_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_group_folder(tmp_path_factory.mktemp("groups") / "set")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ckpt")
    return (reference_checkpoint(tmp / "gw.pt", "gwainet", features=8, warper_features=8, warper_blocks=1,
                                 merge_blocks=1),
            reference_checkpoint(tmp / "me.pt", "mefsr", features=8, blocks=1))


def test_table8_rows_outputs_and_lr(folder, checkpoints, tmp_path):
    from facesr.benchmark import run_bench

    gw, me = checkpoints
    out = {k: tmp_path / f"t8.{k}" for k in ("json", "md", "html")}
    assert main(["bench", "--reference", "--dataset", str(folder), "--methods", f"gwainet:{gw},mefsr:{me}",
                 "--metrics", "psnr,ssim", "--json", str(out["json"]), "--markdown", str(out["md"]),
                 "--html", str(out["html"]), "--quiet"]) == 0
    data = json.loads(out["json"].read_text())
    assert data["scales"] == [8] and data["n"] == 5 and data["names"] == ["000", "001", "002", "003", "004"]
    fam = {r["method"]: r["family"] for r in data["rows"]}
    assert fam == {"bicubic": "baseline", "gwainet:gw": "single_face", "mefsr:me": "multi_face"}
    notes = {r["method"]: r.get("note", "") for r in data["rows"]}
    assert "guide" in notes["gwainet:gw"] and "all references" in notes["mefsr:me"]
    assert set(data["per_image"]["mefsr:me"]["8"]) == set(data["names"])
    assert "Single-face guided" in out["md"].read_text() and "Multi-face guided" in out["md"].read_text()
    assert (tmp_path / "t8_grid_x8.png").is_file()
    page = out["html"].read_text()
    assert "Table 8 layout" in page and "Table 7 layout" not in page
    # every method's LR is the blind track of facesr bench --degradation blind (same seed, same file names)
    plain, _ = run_bench(folder / "HR", [], scales=[8], degradation="blind", metrics=["psnr"], cache=False,
                         progress=False)
    recs = data["degradation"]["records"]["8"]
    assert recs == {n: plain.degradation["records"]["8"][n] for n in recs}


def test_grid_shows_the_reference(folder):
    from facesr.benchmark.figures import grid_for_scale, pick_images
    from facesr.benchmark.methods import parse_methods
    from facesr.benchmark.reference import run_reference_bench

    result, images = run_reference_bench(folder, parse_methods("bicubic"), metrics=["psnr"], limit=3,
                                         progress=False, keep_images=True)
    assert result.n == 3 and images["reference"][8].shape == (3, 128, 128, 3)
    grid = grid_for_scale(result, images, 8, pick_images(result, 8))
    assert grid.shape[1] == 4 * (128 + 2)  # LR, reference, bicubic, HR


def test_errors(folder, tmp_path, capsys):
    (tmp_path / "HR").mkdir()
    for argv, message in ((["--dataset", str(tmp_path)], "no identity_groups.json"),
                          (["--replay", str(tmp_path / "b.json"), "--dataset", str(folder)], "leave out --replay"),
                          (["--degradation", "fog", "--dataset", str(folder)], "fog"),
                          (["--scales", "8,8", "--dataset", str(folder)], "distinct integers")):
        assert main(["bench", "--reference", *argv, "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err
    assert main(["bench", "--limit", "0", "--dataset", str(folder), "--quiet"]) == 2
    assert "--limit must be 1 or more" in capsys.readouterr().err
