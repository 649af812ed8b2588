"""Folder-structured sets: any plain folder, identity-per-folder sets (VGGFace2, CASIA-WebFace) and LFW.

Identity per folder::

    root/<identity>/<image>          VGGFace2: train/n000002/0001_01.jpg; CASIA-WebFace: 0000045/001.jpg

LFW / LFWA::

    root/<First_Last>/<First_Last>_0001.jpg     identity = the person's name
    root/lfw_attributes.txt                     optional (Kumar et al.'s 73 attribute scores)
"""

from __future__ import annotations

import os
from pathlib import Path

from ..io import IMAGE_SUFFIXES, list_images
from .annotations import AnnotationError, fail, numbered_lines, parse_field, require_file
from .records import FaceDataset, FaceRecord, key_of


class ImageFolder(FaceDataset):
    """Every image under ``root`` (recursively); no labels. Faces are detected and aligned when prepared."""

    name = "folder"
    framing = "wild"

    def __init__(self, root: str | os.PathLike[str], *, recursive: bool = True, framing: str | None = None):
        self.recursive = recursive
        if framing is not None:
            self.framing = framing  # type: ignore[misc]
        super().__init__(root)

    def _scan(self) -> list[FaceRecord]:
        files = list_images(self.root, recursive=self.recursive)
        return [FaceRecord(key=key_of(f, self.root), path=f) for f in files]


class IdentityFolders(FaceDataset):
    """One sub-folder per identity (VGGFace2, CASIA-WebFace); the folder name is the identity label.

    ``min_images``: leave out identities with fewer images (e.g. 2 for reference-based training).
    """

    name = "identity-folders"
    framing = "wild"

    def __init__(self, root: str | os.PathLike[str], *, min_images: int = 1, framing: str | None = None):
        self.min_images = min_images
        if framing is not None:
            self.framing = framing  # type: ignore[misc]
        super().__init__(root)

    def _scan(self) -> list[FaceRecord]:
        records = []
        for sub in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            files = sorted(f for f in sub.iterdir() if f.is_file() and not f.name.startswith(".")
                           and f.suffix.lower() in IMAGE_SUFFIXES)
            if len(files) < self.min_images:
                continue
            records.extend(FaceRecord(key=key_of(f, self.root), path=f, identity=self.identity_of(sub))
                           for f in files)
        return records

    def identity_of(self, folder: Path) -> str:
        return folder.name


def read_lfw_attributes(path: str | os.PathLike[str]) -> dict[tuple[str, int], dict[str, float]]:
    """``lfw_attributes.txt`` -> (person, image number) -> {attribute: 0/1} (score > 0 is 1)."""
    path = require_file(path, "LFW attribute file")
    names: list[str] | None = None
    out: dict[tuple[str, int], dict[str, float]] = {}
    for number, text in numbered_lines(path):
        fields = [f.strip() for f in text.split("\t")]
        if names is None:
            if fields[0] == "#" and len(fields) > 3 and fields[1] == "person" and fields[2] == "imagenum":
                names = fields[3:]
            continue
        if len(fields) != len(names) + 2:
            raise fail(path, number, f"expected {len(names) + 2} tab-separated fields "
                                     f"(person, imagenum, {len(names)} scores), got {len(fields)}")
        num = parse_field(path, number, fields[1], int, "imagenum")
        scores = [parse_field(path, number, v, float, "attribute score") for v in fields[2:]]
        out[(fields[0], num)] = {n: float(s > 0) for n, s in zip(names, scores)}
    if names is None:
        raise AnnotationError(f"{path}: no header line '#<TAB>person<TAB>imagenum<TAB>...' found")
    return out


class LFW(IdentityFolders):
    """LFW (any of its alignments: original, deep-funneled, LFW-a): identities are person names.

    ``attributes``: ``lfw_attributes.txt`` (default ``root/lfw_attributes.txt`` when present; LFWA
    usage); scores are binarised at 0.
    """

    name = "lfw"
    framing = "wild"

    def __init__(self, root: str | os.PathLike[str], *, min_images: int = 1,
                 attributes: str | os.PathLike[str] | None = None):
        self.attributes_file = attributes
        super().__init__(root, min_images=min_images)

    def identity_of(self, folder: Path) -> str:
        return folder.name.replace("_", " ")

    def _scan(self) -> list[FaceRecord]:
        records = super()._scan()
        attr_path = Path(self.attributes_file) if self.attributes_file else self.root / "lfw_attributes.txt"
        if self.attributes_file is None and not attr_path.is_file():
            return records
        table = read_lfw_attributes(attr_path)
        for r in records:
            stem = r.path.stem
            person, _, num = stem.rpartition("_")
            if num.isdigit():
                r.attributes = table.get((person.replace("_", " "), int(num)))
        return records

