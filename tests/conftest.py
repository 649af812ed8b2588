"""Shared test helpers: the data root and skipping when a dataset is absent."""

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


@pytest.fixture
def celeba1000() -> Path:
    return require_data("celeba1000")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep converted weights and statistics out of the user's cache unless FACESR_CACHE is set."""
    if "FACESR_CACHE" not in os.environ:
        os.environ["FACESR_CACHE"] = str(tmp_path_factory.mktemp("facesr-cache"))
    yield
