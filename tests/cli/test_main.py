import subprocess
import sys

from facesr import __version__
from facesr.cli.main import main


def test_version():
    out = subprocess.run([sys.executable, "-m", "facesr.cli.main", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_demo_writes_images_and_table(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "bicubic" in out and "protocol facesr" in out
    for name in ("hr.png", "lr.png", "bicubic.png", "comparison.png", "metrics.json"):
        assert (tmp_path / "demo" / name).exists()
