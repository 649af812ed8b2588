"""Shared test helpers: the data root and skipping when a dataset is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from facesr_testing import PROJECT_ROOT, data_root, require_data  # noqa: F401


@pytest.fixture
def celeba1000() -> Path:
    return require_data("celeba1000")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep converted weights and statistics out of the user's cache unless FACESR_CACHE is set."""
    if "FACESR_CACHE" not in os.environ:
        os.environ["FACESR_CACHE"] = str(tmp_path_factory.mktemp("facesr-cache"))
    yield


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> Path:
    """Six CelebA faces prepared with dlib 68-point landmarks and landmark-drawn parsing maps (the
    ``dataset: prepared`` training data of the prior-guided methods)."""
    require_data("celeba")
    from facesr.data import open_dataset
    from facesr.data.prepare import PrepareOptions, prepare

    out = tmp_path_factory.mktemp("prepared")
    opts = PrepareOptions(dataset="celeba", landmarks=True, parsing=True, backend="dlib-hog")
    counts = prepare(open_dataset("celeba"), out, opts, limit=6, progress=False)
    if counts.get("ok", 0) < 2:
        pytest.skip(f"dlib found too few faces to train on ({counts})")
    return out
