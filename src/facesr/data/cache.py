"""The on-disk layout written by ``facesr data prepare`` and read back for training.

::

    out/options.json            how the cache was made (dataset, size, alignment, priors, backend)
    out/manifest.jsonl          one JSON object per source image, appended as work finishes
    out/manifest.json           summary (counts per status), rewritten at the end of each run
    out/images/<key>.png        aligned face, size x size
    out/priors/<key>.npz        landmarks (float32 n x 2), scheme, heatmaps (uint8 n x H x W, value
                                = round(255 * heat)), descriptor (float32 128), matrix (2 x 3)
    out/parsing/<key>.png       label map, CelebAMask-HQ class ids

Every file is written atomically (temporary name, then rename); a manifest line is appended only
after all of an image's files exist, so an interrupted run leaves no half-written file and the next
run redoes only the unfinished images. Manifest entries have ``status`` ``ok``, ``no_face``
(nothing detected), ``unreadable`` (the image file cannot be decoded) or ``error`` (anything else
user-facing, with ``reason``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import atomic_write, read_image
from .annotations import AnnotationError
from .face_sample import FaceSample

OPTIONS = "options.json"
MANIFEST = "manifest.jsonl"
SUMMARY = "manifest.json"


def write_json(path: Path, data: Any) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_options(root: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(root) / OPTIONS
    if not path.is_file():
        raise InputError(f"{path}: not a prepared face cache (run 'facesr data prepare')")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AnnotationError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None


def read_manifest(root: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """key -> latest entry. A trailing partial line (an interrupted append) is ignored; a bad line
    elsewhere is an error naming the line."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").split("\n")
    out: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):  # no newline after it: the append was cut off
                break
            raise AnnotationError(f"{path}:{number}: malformed manifest line") from None
        if not isinstance(entry, dict) or "key" not in entry:
            raise AnnotationError(f"{path}:{number}: manifest entry without 'key'")
        out[entry["key"]] = entry
    return out


class ManifestWriter:
    """Appends entries to ``manifest.jsonl`` after dropping a cut-off last line of an earlier run."""

    def __init__(self, root: str | os.PathLike[str]):
        self.path = Path(root) / MANIFEST
        if self.path.is_file():
            text = self.path.read_text(encoding="utf-8")
            if text and not text.endswith("\n"):
                keep = text[: text.rfind("\n") + 1]
                with atomic_write(self.path) as tmp:
                    tmp.write_text(keep, encoding="utf-8")
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def add(self, entry: dict[str, Any]) -> None:
        self._fh.write(json.dumps(entry, sort_keys=True) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


def entry_files(entry: dict[str, Any]) -> list[str]:
    return [entry[k] for k in ("image", "priors", "parsing") if entry.get(k)]


def is_done(root: Path, entry: dict[str, Any] | None) -> bool:
    """An entry counts as done when it is a recorded failure or all its files exist."""
    if entry is None:
        return False
    if entry.get("status") != "ok":
        return True
    return all((root / f).is_file() for f in entry_files(entry))


def load_entry(root: str | os.PathLike[str], entry: dict[str, Any]) -> FaceSample:
    """The :class:`FaceSample` of one ``ok`` manifest entry."""
    root = Path(root)
    hr = read_image(root / entry["image"])
    landmarks = scheme = parsing = None
    extra: dict[str, Any] = {}
    if entry.get("priors"):
        with np.load(root / entry["priors"], allow_pickle=False) as z:
            if "landmarks" in z:
                landmarks = z["landmarks"].astype(np.float64)
                scheme = str(z["scheme"]) if "scheme" in z else None
            if "descriptor" in z:
                extra["descriptor"] = z["descriptor"]
            if "matrix" in z:
                extra["matrix"] = z["matrix"]
    if entry.get("parsing"):
        from PIL import Image

        with Image.open(root / entry["parsing"]) as im:
            parsing = np.asarray(im, dtype=np.uint8)
    return FaceSample(key=entry["key"], hr=hr, landmarks=landmarks, scheme=scheme, parsing=parsing,
                      attributes=entry.get("attributes"), identity=entry.get("identity"), extra=extra)
