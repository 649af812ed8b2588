"""Validation curves: reading run logs, summaries and the PNG of ``facesr curves``."""

from __future__ import annotations

import pytest
from PIL import Image

from facesr.cli.main import main
from facesr.errors import InputError
from facesr.training.curves import plot_curves, read_val_log, summarize


def _run(folder, rows):
    folder.mkdir(parents=True)
    lines = ["iteration,psnr,ssim,bicubic_psnr,bicubic_ssim"]
    lines += [f"{it},{p},0.7,23.5,0.62" for it, p in rows]
    (folder / "val_log.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_read_and_summarize(tmp_path):
    run = _run(tmp_path / "a", [(100, 21.0), (200, 23.9), (200, 24.1), (300, 24.0)])
    rows = read_val_log(run)
    assert [r["iteration"] for r in rows] == [100, 200, 300]  # a resumed run's repeat: the last row wins
    s = summarize(rows)
    assert s["last"] == (300, 24.0) and s["best"] == (200, 24.1) and s["bicubic"] == 23.5
    with pytest.raises(InputError, match="no column"):
        summarize(rows, "lpips")
    with pytest.raises(InputError, match="no validation log"):
        read_val_log(tmp_path / "missing")


def test_plot_and_cli(tmp_path, capsys):
    a = _run(tmp_path / "a", [(100, 21.0), (200, 24.1)])
    b = _run(tmp_path / "b", [(50, 22.0)])
    img = plot_curves({"a": read_val_log(a), "b": read_val_log(b)}, columns=1, size=(300, 200))
    assert img.size == (300, 400)
    # the curve is drawn in colour (not only black axes and grey grid)
    import numpy as np

    px = np.asarray(img).reshape(-1, 3).astype(int)
    assert ((px[:, 0] != px[:, 1]) | (px[:, 1] != px[:, 2])).any()
    out = tmp_path / "curves.png"
    assert main(["curves", f"first={a}", str(b), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "first" in text and "24.1000" in text and "23.5000" in text
    assert Image.open(out).size == (840, 300)
    assert main(["curves", str(a), "-o", str(out)]) == 2  # exists: refuse without --overwrite
    assert "exists" in capsys.readouterr().err
