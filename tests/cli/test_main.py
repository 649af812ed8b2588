import subprocess
import sys

from facesr import __version__
from facesr.cli.main import main


def test_version():
    out = subprocess.run([sys.executable, "-m", "facesr.cli.main", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_demo_writes_images_report_and_table(tmp_path, capsys):
    import json

    assert main(["demo", "-o", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "Bicubic" in out and "rcan-lite" in out and "protocol facesr" in out
    for name in ("hr/astronaut.png", "lr.png", "bicubic.png", "rcan-lite.png", "comparison.png", "metrics.json",
                 "report.html", "report_grid_x8.png"):
        assert (tmp_path / "demo" / name).exists(), name
    scores = json.loads((tmp_path / "demo" / "metrics.json").read_text())["methods"]
    assert scores["rcan-lite"]["psnr"] > scores["bicubic"]["psnr"] + 1.0
    assert main(["demo", "-o", str(tmp_path / "d3"), "--scale", "3"]) == 2


def test_closed_pipe_is_not_a_traceback(tmp_path):
    # `facesr evaluate --list-metrics | head -1`: stdout is a pipe whose reader has gone
    code = (
        "import os, sys\n"
        "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"
        "from facesr.cli.main import main\n"
        "sys.exit(main(['evaluate', '--list-metrics']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr
