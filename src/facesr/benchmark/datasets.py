"""Benchmark test sets: the named ones under the data root, or any folder of HR faces."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..paths import DATA_ENV, data_root

#: name -> (folder of HR images relative to the data root, description)
NAMED = {
    "celeba1000": ("celeba1000/HR", "FSRNet's CelebA test set, 1,000 faces, 128x128"),
    "helen50": ("helen50/HR", "FSRNet's Helen test set, 50 faces, 128x128"),
}


def resolve_dataset(name: str) -> tuple[str, Path]:
    """``(label, folder)`` for a named test set or a folder path."""
    if name in NAMED:
        folder = data_root() / NAMED[name][0]
        if not folder.is_dir():
            raise InputError(f"{folder}: test set {name!r} not found (set {DATA_ENV} to the data root)")
        return name, folder
    folder = Path(name)
    if not folder.is_dir():
        known = ", ".join(NAMED)
        raise InputError(f"{name}: neither a known test set ({known}) nor a folder")
    return folder.name, folder
