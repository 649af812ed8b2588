"""Pairing SR and HR files by name stem, with errors that name what does not match."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from ..io import list_images


def _by_stem(folder: Path, recursive: bool) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for p in list_images(folder, recursive=recursive):
        key = p.relative_to(folder).with_suffix("").as_posix()
        if key in out:
            raise InputError(f"{p}: two images share the name stem {key!r} in {folder} ({out[key].name})")
        out[key] = p
    return out


def pair_folders(
    sr_dir: str | os.PathLike[str], hr_dir: str | os.PathLike[str], *, recursive: bool = False
) -> list[tuple[str, Path, Path]]:
    """``[(stem, sr_path, hr_path)]`` sorted by stem; every image must have a partner."""
    sr = _by_stem(Path(sr_dir), recursive)
    hr = _by_stem(Path(hr_dir), recursive)
    only_sr = sorted(set(sr) - set(hr))
    only_hr = sorted(set(hr) - set(sr))
    if only_sr or only_hr:
        parts = []
        if only_sr:
            parts.append(f"{len(only_sr)} SR image(s) without HR partner (e.g. {sr[only_sr[0]]})")
        if only_hr:
            parts.append(f"{len(only_hr)} HR image(s) without SR partner (e.g. {hr[only_hr[0]]})")
        raise InputError("unpaired names: " + "; ".join(parts))
    return [(k, sr[k], hr[k]) for k in sorted(sr)]


def single_folder(folder: str | os.PathLike[str], *, recursive: bool = False) -> list[tuple[str, Path]]:
    """``[(stem, path)]`` of one folder (for no-reference metrics and the bicubic baseline)."""
    return sorted(_by_stem(Path(folder), recursive).items())
