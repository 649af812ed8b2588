"""UTKFace: age, gender and race from the file names (and, when present, a ``labels.tsv``).

File names: ``<age>_<gender>_<race>_<date&time>.jpg.chip.jpg`` (gender 0 male / 1 female; race 0
White, 1 Black, 2 Asian, 3 Indian, 4 Others). A few files of the public release have malformed
names (a field missing, gender 3); they are kept with ``attributes=None`` and listed in
:attr:`UTKFace.unlabelled` so that labelled analyses can exclude them.

``labels.tsv`` (optional, tab-separated, header ``path age gender race``): rows are matched to the
files by base name (the ``path`` column may carry a stale prefix); ``NA`` marks a missing label.
When present it must agree with the file names.
"""

from __future__ import annotations

import os
import re

from ..io import list_images
from ..priors.attributes import UTKFACE_ATTRIBUTES, utkface_attributes
from .annotations import AnnotationError, fail, numbered_lines, split_fields
from .records import FaceDataset, FaceRecord, key_of

_NAME = re.compile(r"^(\d+)_(\d+)_(\d+)_\d+")


def labels_from_name(name: str) -> tuple[int, int, int] | None:
    """``(age, gender, race)`` from a UTKFace file name, or ``None`` when malformed or out of range."""
    m = _NAME.match(name)
    if not m:
        return None
    age, gender, race = (int(g) for g in m.groups())
    if gender not in (0, 1) or race not in range(5) or not 0 <= age <= 130:
        return None
    return age, gender, race


def read_utkface_labels(path: str | os.PathLike[str]) -> dict[str, tuple[int, int, int] | None]:
    """``labels.tsv`` -> base name -> ``(age, gender, race)``, or ``None`` (``NA`` or out of range)."""
    out: dict[str, tuple[int, int, int] | None] = {}
    lines = numbered_lines(path)
    try:
        number, header = next(lines)
    except StopIteration:
        raise AnnotationError(f"{path}: empty label file") from None
    if not header.lower().startswith("path"):
        raise fail(path, number, "expected a header line starting with 'path'")
    for number, text in lines:
        fields = split_fields(path, number, text, 4, "path, age, gender, race", sep="\t")
        base = fields[0].replace("\\", "/").rsplit("/", 1)[-1]
        values = []
        for what, v in zip(("age", "gender", "race"), fields[1:]):
            if v.upper() == "NA":
                values.append(None)
            elif v.isdigit():
                values.append(int(v))
            else:
                raise fail(path, number, f"{what} must be an integer or NA, got {v!r}")
        if None in values:
            out[base] = None
            continue
        age, gender, race = values
        ok = gender in (0, 1) and race in range(5) and 0 <= age <= 130
        out[base] = (age, gender, race) if ok else None
    return out


class UTKFace(FaceDataset):
    """UTKFace's aligned 200 x 200 crops (``crop_part1/`` or ``UTKFace/``) with attribute labels."""

    name = "utkface"
    framing = "aligned"
    attribute_names = UTKFACE_ATTRIBUTES

    def __init__(self, root: str | os.PathLike[str], *, images: str | None = None):
        self.images_dir = images
        self.unlabelled: list[str] = []
        super().__init__(root)

    def _folder(self):
        if self.images_dir is not None:
            return self.root / self.images_dir
        for sub in ("crop_part1", "UTKFace", "utkface_aligned_cropped"):
            if (self.root / sub).is_dir():
                return self.root / sub
        return self.root

    def _scan(self) -> list[FaceRecord]:
        folder = self._folder()
        tsv = self.root / "labels.tsv"
        table = read_utkface_labels(tsv) if tsv.is_file() else None
        records = []
        for f in list_images(folder):
            labels = labels_from_name(f.name)
            if table is not None and f.name in table:
                row = table[f.name]
                if row is not None and labels is not None and row != labels:
                    raise AnnotationError(f"{tsv}: labels {row} for {f.name} disagree with its file name")
                labels = row if labels is None else labels
            if labels is None:
                self.unlabelled.append(f.name)
            attrs = utkface_attributes(*labels) if labels is not None else None
            records.append(FaceRecord(key=key_of(f, self.root), path=f, attributes=attrs))
        return records
