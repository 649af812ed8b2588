"""CelebAMask-HQ: 30,000 CelebA-HQ faces with 512 x 512 hand-drawn parsing masks (19 classes).

Layout::

    root/CelebA-HQ-img/<i>.jpg                                1024 x 1024
    root/CelebAMask-HQ-mask-anno/<i // 2000>/<i:05d>_<part>.png  one binary mask per part
    root/CelebAMask-HQ-mask/<i>.png                           optional combined label maps
    root/CelebAMask-HQ-attribute-anno.txt                     optional, CelebA format (40 attributes)

Combined maps use the class ids of :data:`facesr.priors.parsing.CELEBAMASK_CLASSES` (part masks
are painted in that order, later classes over earlier ones, as in the dataset's own script).
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from ..errors import ImageReadError
from ..io import list_images
from ..priors.parsing import CELEBAMASK_CLASSES
from .celeba import read_celeba_attributes
from .records import FaceDataset, FaceRecord


def compose_parts(parts: dict[str, str | os.PathLike[str]], size: int = 512) -> np.ndarray:
    """Part-mask files (name -> path) -> ``uint8 (size, size)`` label map with CelebAMask-HQ ids."""
    label = np.zeros((size, size), dtype=np.uint8)
    for class_id, name in enumerate(CELEBAMASK_CLASSES):
        if name not in parts:
            continue
        path = parts[name]
        try:
            with Image.open(path) as im:
                mask = np.asarray(im.convert("L").resize((size, size), Image.NEAREST)) > 127
        except (OSError, ValueError) as exc:
            raise ImageReadError(f"{path}: cannot read parsing mask ({exc})") from None
        label[mask] = class_id
    return label


class CelebAMaskHQ(FaceDataset):
    """CelebA-HQ images with their parsing masks (and attributes when the file is present)."""

    name = "celebamask-hq"
    framing = "aligned"

    def _scan(self) -> list[FaceRecord]:
        images = list_images(self.root / "CelebA-HQ-img")
        anno = self.root / "CelebAMask-HQ-mask-anno"
        combined = self.root / "CelebAMask-HQ-mask"
        attr_file = self.root / "CelebAMask-HQ-attribute-anno.txt"
        attrs = read_celeba_attributes(attr_file) if attr_file.is_file() else {}
        records = []
        for f in images:
            idx = int(f.stem) if f.stem.isdigit() else None
            parsing: object = None
            if (combined / f"{f.stem}.png").is_file():
                parsing = combined / f"{f.stem}.png"
            elif idx is not None and (anno / str(idx // 2000)).is_dir():
                folder = anno / str(idx // 2000)
                parts = {name: folder / f"{idx:05d}_{name}.png" for name in CELEBAMASK_CLASSES[1:]}
                parsing = {k: v for k, v in parts.items() if v.is_file()} or None
            records.append(FaceRecord(key=f.stem, path=f, parsing=parsing, attributes=attrs.get(f.name)))
        return records

    def parsing(self, index: int) -> np.ndarray | None:
        src = self.records[index].parsing
        if src is None:
            return None
        if isinstance(src, dict):
            return compose_parts(src)
        try:
            with Image.open(src) as im:
                return np.asarray(im.convert("L"), dtype=np.uint8)
        except (OSError, ValueError) as exc:
            raise ImageReadError(f"{src}: cannot read parsing map ({exc})") from None
