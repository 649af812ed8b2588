"""Helpers shared by the tests (importable as ``facesr_testing``; ``tests`` is on pytest's path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    env = os.environ.get("FACESR_DATA")
    return Path(env) if env else (PROJECT_ROOT / ".." / "shared" / "data").resolve()


def require_data(sub: str) -> Path:
    """Path of ``sub`` under the data root, or skip the test with a message naming it."""
    path = data_root() / sub
    if not path.exists():
        pytest.skip(f"{sub} not found under {data_root()} (set FACESR_DATA); skipping")
    return path


def stop_after(trainer, n: int) -> None:
    """Make ``trainer`` stop as after a SIGTERM once iteration ``n`` is done (it checkpoints and returns)."""
    import signal

    step = trainer.step

    def stepped(batch, it):
        values = step(batch, it)
        if it == n:
            trainer._stop = signal.SIGTERM
        return values

    trainer.step = stepped
