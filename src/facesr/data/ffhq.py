"""FFHQ: ``images1024x1024/`` (or ``thumbnails128x128/``), flat or in thousand-image sub-folders.

``ffhq-dataset-v2.json`` (optional) gives each image's 68 landmarks in the aligned 1024 x 1024
frame (``image.face_landmarks``) and its split (``category``: training / validation); landmarks
are rescaled to the variant's size. Images are already aligned (FFHQ alignment), so no crop.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..io import list_images
from .annotations import AnnotationError
from .records import FaceDataset, FaceRecord, key_of

VARIANTS = {"images1024x1024": 1024, "thumbnails128x128": 128}


class FFHQ(FaceDataset):
    """FFHQ images of one variant; ``metadata``: ``ffhq-dataset-v2.json`` (default: in root, if present)."""

    name = "ffhq"
    framing = "aligned"

    def __init__(self, root: str | os.PathLike[str], *, variant: str = "images1024x1024",
                 metadata: str | os.PathLike[str] | None = None):
        if variant not in VARIANTS:
            raise AnnotationError(f"unknown FFHQ variant {variant!r} (known: {', '.join(VARIANTS)})")
        self.variant = variant
        self.metadata = metadata
        super().__init__(root)

    def _read_metadata(self) -> dict[str, dict]:
        path = self.root / "ffhq-dataset-v2.json" if self.metadata is None else self.metadata
        if self.metadata is None and not os.path.isfile(path):
            return {}
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            raise AnnotationError(f"{path}: FFHQ metadata file not found") from None
        except json.JSONDecodeError as exc:
            raise AnnotationError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        by_name = {}
        for idx, entry in data.items():
            by_name[f"{int(idx):05d}"] = entry
        return by_name

    def _scan(self) -> list[FaceRecord]:
        folder = self.root / self.variant
        if not folder.is_dir():
            folder = self.root  # a plain folder of FFHQ images
        meta = self._read_metadata()
        scale = VARIANTS[self.variant] / 1024.0
        records = []
        for f in list_images(folder, recursive=True):
            entry = meta.get(f.stem)
            lm = split = None
            if entry is not None:
                pts = entry.get("image", {}).get("face_landmarks")
                if pts is not None:
                    lm = np.asarray(pts, dtype=np.float64).reshape(-1, 2) * scale
                split = entry.get("category")
            records.append(FaceRecord(key=key_of(f, self.root), path=f, landmarks=lm,
                                      landmark_scheme="ibug68" if lm is not None else None, split=split))
        return records
