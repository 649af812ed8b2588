"""Fixtures of the web tests: a small benchmark folder, a study, a server process, headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import facesr

SRC = Path(facesr.__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def bench_dir(tmp_path_factory) -> Path:
    """A ``bench --save-images`` folder made without running models: 4 faces, bicubic and a blurred
    'model' at x4, with per-image PSNR/SSIM that differ between methods."""
    from facesr.benchmark.images import save_images
    from facesr.benchmark.runner import BenchResult
    from facesr.ops import imresize
    from facesr.samples import astronaut_face

    root = tmp_path_factory.mktemp("bench")
    rng = np.random.default_rng(0)
    names = [f"face{i}" for i in range(4)]
    hr = np.stack([np.clip(astronaut_face(64).astype(int) + rng.integers(-20, 20), 0, 255).astype(np.uint8)
                   for _ in names])
    lr = np.stack([imresize(h, 0.25) for h in hr])
    bic = np.stack([imresize(x, 4) for x in lr])
    blur = np.stack([imresize(imresize(x, 0.5), 8) for x in lr])
    result = BenchResult("faces", "facesr", "test", [4], ["psnr", "ssim"], len(names), names=names)
    result.per_image = {m: {"4": {n: {"psnr": float(p + i), "ssim": float(s + i / 100)} for i, n in enumerate(names)}}
                        for m, p, s in (("bicubic", 25.0, 0.7), ("blurnet", 21.0, 0.5))}
    save_images(result, {"hr": hr, 4: {"lr": lr, "bicubic": bic, "blurnet": blur}}, root)
    return root


@pytest.fixture
def make_study(tmp_path, bench_dir):
    """``make_study(**options) -> (db path, study id)`` in a fresh database."""
    from facesr.mos import Store, create_study

    def make(study_id: str = "t1", **kw):
        db = tmp_path / "mos.sqlite"
        kw.setdefault("images", 3)
        kw.setdefault("raters_per_image", 2)
        create_study(Store(db), bench_dir, study_id=study_id, folder=tmp_path / study_id, **kw)
        return db, study_id

    return make


class ServerProcess:
    """``facesr serve --port 0`` in a subprocess; ``url`` is read from its first output line."""

    def __init__(self, db: Path, *extra: str):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen([sys.executable, "-m", "facesr", "serve", "--port", "0", "--db", str(db), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        lines: list[str] = []

        def read_banner() -> None:  # warnings may come first; the banner is the line with the URL
            for text in self.proc.stdout:
                lines.append(text)
                if "http://" in text:
                    return

        reader = threading.Thread(target=read_banner, daemon=True)
        reader.start()
        reader.join(60)
        if not lines or "http://" not in lines[-1]:
            self.kill()
            raise RuntimeError(f"facesr serve did not start: {''.join(lines)[-2000:]}")
        self.url = "http://" + lines[-1].split("http://")[1].split()[0].rstrip("/")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep draining the log

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def serve():
    started: list[ServerProcess] = []

    def start(db: Path, *extra: str) -> ServerProcess:
        started.append(ServerProcess(db, *extra))
        return started[-1]

    yield start
    for s in started:
        s.kill()


def _chromium() -> tuple[str | None, str | None]:
    browser = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
    fallback = Path("/usr/bin/chromedriver")
    driver = shutil.which("chromedriver") or (str(fallback) if fallback.exists() else None)
    return browser, driver


@pytest.fixture
def browser():
    """``browser() -> selenium WebDriver`` (headless Chromium); skips without chromium, chromedriver or selenium."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _chromium()
    if binary is None or driver_path is None:
        pytest.skip("headless browser tests need Debian's chromium and chromium-driver "
                    "(apt-get install -y chromium chromium-driver; scripts/setup.sh test does it)")
    drivers = []

    def make():
        opts = webdriver.ChromeOptions()
        opts.binary_location = binary
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                  "--window-size=1200,900", "--no-first-run", "--disable-extensions"):
            opts.add_argument(a)
        d = webdriver.Chrome(service=Service(driver_path), options=opts)
        d.set_page_load_timeout(60)
        drivers.append(d)
        return d

    yield make
    for d in drivers:
        d.quit()
