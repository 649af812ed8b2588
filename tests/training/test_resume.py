"""Killed runs resume exactly: SIGKILL (no chance to save) and SIGTERM (saves), then --resume; the
loss sequence and final weights equal an uninterrupted run bitwise (CPU, deterministic, 1 thread)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from training_helpers import tiny_config

from facesr.training import Trainer, load_checkpoint, load_config

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def _cmd(config: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "facesr.cli.main", "train", str(config), *extra]


def _rows(run: Path) -> list[dict]:
    with open(run / "train_log.csv", newline="") as fh:
        return [{k: v for k, v in r.items() if k != "sec_per_it"} for r in csv.DictReader(fh)]


def _logged(run: Path) -> int:
    try:
        rows = _rows(run)
    except (FileNotFoundError, KeyError, ValueError):
        return 0
    return int(rows[-1]["iteration"]) if rows else 0


def _run_until(config: Path, run: Path, at: int, sig: int, extra: tuple[str, ...] = ()) -> int:
    proc = subprocess.Popen(_cmd(config, *extra), cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while _logged(run) < at and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(sig)
    proc.wait(timeout=120)
    return proc.returncode


def _write(path: Path, output: Path) -> Path:
    cfg = tiny_config(output, **{"train.iterations": 20, "train.checkpoint_every": 3})
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "celeba").is_dir() and "FACESR_DATA" not in os.environ,
                    reason="celeba data not found")
def test_sigkill_and_sigterm_then_resume_equal_uninterrupted(tmp_path):
    ref_run, cut_run = tmp_path / "ref", tmp_path / "cut"
    ref_cfg = _write(tmp_path / "ref.yaml", ref_run)
    cut_cfg = _write(tmp_path / "cut.yaml", cut_run)
    threads = torch.get_num_threads()
    try:  # the reference run in this process, with the settings the CLI runs use
        Trainer(load_config(ref_cfg)).fit()
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(False)

    # SIGKILL somewhere after the first checkpoints (every 3 iterations)
    rc = _run_until(cut_cfg, cut_run, 7, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    killed_at = _logged(cut_run)
    assert 7 <= killed_at < 20
    saved = load_checkpoint(cut_run / "checkpoints" / "last.pt")["iteration"]
    assert saved % 3 == 0 and 3 <= saved <= killed_at

    # resume, then stop politely with SIGTERM: it checkpoints the iteration it stopped at
    rc = _run_until(cut_cfg, cut_run, killed_at + 2, signal.SIGTERM, ("--resume",))
    assert rc == 143
    stopped = load_checkpoint(cut_run / "checkpoints" / "last.pt")["iteration"]
    assert stopped == _logged(cut_run) and stopped > killed_at

    done = subprocess.run(_cmd(cut_cfg, "--resume"), cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    assert _rows(cut_run) == _rows(ref_run)  # every logged loss, bit for bit (repr of floats)
    a = load_checkpoint(ref_run / "checkpoints" / "last.pt")
    b = load_checkpoint(cut_run / "checkpoints" / "last.pt")
    assert a["iteration"] == b["iteration"] == 20
    for k, v in a["nets"]["generator"].items():
        assert torch.equal(v, b["nets"]["generator"][k]), k
    for sa, sb in zip(a["optimizers"]["generator"]["state"].values(), b["optimizers"]["generator"]["state"].values()):
        assert torch.equal(sa["exp_avg"], sb["exp_avg"]) and torch.equal(sa["exp_avg_sq"], sb["exp_avg_sq"])
