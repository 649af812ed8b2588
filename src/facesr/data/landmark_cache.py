"""An on-disk cache of landmarks estimated for the faces of a source (reference groups, pose pairs), so a run
does not re-run the landmark network over its training faces at every start.

The file is an ``.npz`` of ``keys`` (one per face: the sample key of a prepared cache, the record key of a
dataset reader, else the index), ``size`` (HR pixels of the faces the points belong to) and ``landmarks``
(``K x P x D`` float, HR pixels: 2-D landmarks, or the 3-D face meshes of :mod:`facesr.data.face_clouds`).
Faces are matched by key, so a cache written for a subset serves a larger source for the faces it holds.
:func:`auto_cache_path` names a file under the cache directory from a digest of the source (keys, size, crop,
root), for callers that cache without being given a path.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError


def sample_key(source: Any, index: int) -> str:
    """The key of face ``index`` of ``source`` without reading its image: a prepared cache's entry key, a
    dataset reader's record key, else the index."""
    entries = getattr(source, "entries", None)
    if entries is not None:
        return str(entries[index].get("key", index))
    dataset = getattr(getattr(source, "source", source), "dataset", None)
    records = getattr(dataset, "records", None)
    return str(records[index].key) if records is not None else str(index)


def auto_cache_path(source: Any, size: int, tag: str) -> Path:
    """``cache_dir("landmarks")/<tag>-<digest>.npz``: the digest covers the source's kind, root, crop box,
    face size and every face's key, so another dataset, framing or size gets another file."""
    from ..paths import cache_dir

    inner = getattr(source, "source", source)
    dataset = getattr(inner, "dataset", None)
    h = hashlib.sha256()
    for part in (type(inner).__name__, getattr(inner, "root", None), getattr(dataset, "root", None),
                 getattr(inner, "box", None), int(size)):
        h.update(repr(part).encode() + b"\0")
    for i in range(len(source)):
        h.update(sample_key(source, i).encode() + b"\0")
    return cache_dir("landmarks") / f"{tag}-{h.hexdigest()[:16]}.npz"


class LandmarkCache:
    """Landmarks of ``size``-pixel faces stored at ``path`` (module doc)."""

    def __init__(self, path: str | os.PathLike[str], size: int) -> None:
        self.path = Path(path)
        self.size = int(size)

    def load(self, source: Any) -> dict[int, np.ndarray]:
        """``index -> P x D`` float64 landmarks of the faces of ``source`` found in the file (empty when the file
        does not exist). A file that is not such a cache, or one of another face size, is an :class:`InputError`."""
        if not self.path.is_file():
            return {}
        try:
            with np.load(self.path) as data:
                keys, pts, size = [str(k) for k in data["keys"]], data["landmarks"], int(data["size"])
        except Exception as exc:  # a foreign or broken file
            raise InputError(f"{self.path}: not a landmark cache ({type(exc).__name__}: {exc})") from None
        if size != self.size:
            raise InputError(f"{self.path}: landmarks of {size} px faces, the data is {self.size} px")
        where = {k: i for i, k in enumerate(keys)}
        out = {}
        for i in range(len(source)):
            j = where.get(sample_key(source, i))
            if j is not None:
                out[i] = pts[j].astype(np.float64)
        return out

    def save(self, source: Any, landmarks: dict[int, np.ndarray]) -> None:
        """Write ``index -> P x D`` landmarks of ``source``'s faces (atomically; the folder is created)."""
        from ..io import atomic_write

        if not landmarks:
            return
        idx = sorted(landmarks)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(self.path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=np.array([sample_key(source, i) for i in idx]), size=np.array(self.size),
                         landmarks=np.stack([np.asarray(landmarks[i], dtype=np.float64) for i in idx]))
