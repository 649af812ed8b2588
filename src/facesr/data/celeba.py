"""CelebA (``img_align_celeba`` release) and its label files; the DIC/FSRNet-style 128 x 128 crop.

Layout (any of the label files may be absent, unless named in ``require``)::

    root/img_align_celeba/000001.jpg ...           178 x 218 aligned photos
    root/identity_CelebA.txt                       <file> <identity id>
    root/list_attr_celeba.txt                      count; 40 names; <file> <40 x -1/1>
    root/list_landmarks_align_celeba.txt           count; header; <file> <10 ints: 5 (x, y)>
    root/list_eval_partition.txt                   <file> <0 train | 1 val | 2 test>

Lines of the label files that name images not on disk are ignored (a partial copy of CelebA
with the full label files works); a malformed line is an error naming the file and line.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np

from ..io import list_images
from ..priors.attributes import CELEBA_ATTRIBUTES
from .annotations import AnnotationError, fail, numbered_lines, parse_field, read_file_labels, split_fields
from .records import FaceDataset, FaceRecord

#: (left, top, right, bottom) box on the 178 x 218 aligned images whose bicubic resize to 128 x 128
#: approximates the framing of FSRNet's CelebA-1000 crops (the DIC/FSRNet benchmark framing).
CELEBA_DIC_BOX = (20, 62, 154, 196)
#: (left, top, right, bottom) of the aligned 178 x 218 image whose 128 x 128 resize matches the
#: framing of ``celeba1000`` (FSRNet's test crops) on average: fitted here by zoom and shift of the
#: mean training crop to the mean of 400 celeba1000 faces (mean-image MSE 103 -> 35 grey levels^2
#: against CELEBA_DIC_BOX). Training with it removes a framing shift between train and test.
CELEBA_FSRNET_BOX = (16, 60, 159, 203)
#: named crop boxes for ``crop_box`` options
CROP_BOXES = {"dic": CELEBA_DIC_BOX, "fsrnet": CELEBA_FSRNET_BOX}

LABEL_FILES = {
    "identity": "identity_CelebA.txt",
    "attributes": "list_attr_celeba.txt",
    "landmarks": "list_landmarks_align_celeba.txt",
    "partition": "list_eval_partition.txt",
}
SPLITS = {"0": "train", "1": "val", "2": "test"}


def read_celeba_attributes(path: str | os.PathLike[str]) -> dict[str, dict[str, float]]:
    """``list_attr_celeba.txt`` -> file -> {attribute: 0/1} (the file's -1 is read as 0)."""
    lines = numbered_lines(path)
    try:
        _, count_line = next(lines)
        names_no, names_line = next(lines)
    except StopIteration:
        raise AnnotationError(f"{path}: attribute file has no header (count line, names line)") from None
    names = names_line.split()
    if names != list(CELEBA_ATTRIBUTES):
        raise fail(path, names_no, f"expected CelebA's 40 attribute names, got {len(names)} names")
    out: dict[str, dict[str, float]] = {}
    for number, text in lines:
        fields = split_fields(path, number, text, 41, "<file> <40 values of -1/1>")
        values = [parse_field(path, number, v, int, "attribute value") for v in fields[1:]]
        if any(v not in (-1, 1) for v in values):
            raise fail(path, number, "attribute values must be -1 or 1")
        out[fields[0]] = {n: float(v > 0) for n, v in zip(names, values)}
    return out


def read_celeba_landmarks(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """``list_landmarks_align_celeba.txt`` -> file -> ``float64 (5, 2)`` in ``celeba5`` order."""
    lines = numbered_lines(path)
    try:
        next(lines)
        next(lines)
    except StopIteration:
        raise AnnotationError(f"{path}: landmark file has no header (count line, names line)") from None
    out: dict[str, np.ndarray] = {}
    for number, text in lines:
        fields = split_fields(path, number, text, 11, "<file> <5 x (x y)>")
        values = [parse_field(path, number, v, float, "coordinate") for v in fields[1:]]
        out[fields[0]] = np.asarray(values, dtype=np.float64).reshape(5, 2)
    return out


class CelebA(FaceDataset):
    """CelebA's aligned images with whichever label files are present.

    ``require``: label kinds (``identity``, ``attributes``, ``landmarks``, ``partition``) whose file
    must exist; ``split``: keep only ``train``/``val``/``test`` (needs the partition file).
    """

    name = "celeba"
    framing = "celeba-dic"

    def __init__(self, root: str | os.PathLike[str], *, require: Iterable[str] = (), split: str | None = None,
                 images: str = "img_align_celeba"):
        self.require = tuple(require)
        unknown = set(self.require) - set(LABEL_FILES)
        if unknown:
            known = ", ".join(LABEL_FILES)
            raise AnnotationError(f"unknown CelebA label kind(s) {sorted(unknown)} (known: {known})")
        self.split = split
        if split is not None and split not in SPLITS.values():
            raise AnnotationError(f"CelebA split must be train, val or test, got {split!r}")
        if split is not None and "partition" not in self.require:
            self.require += ("partition",)
        self.images_dir = images
        super().__init__(root)

    def _label_file(self, kind: str):
        path = self.root / LABEL_FILES[kind]
        if path.is_file():
            return path
        if kind in self.require:
            raise AnnotationError(f"{path}: CelebA {kind} file not found")
        return None

    def _scan(self) -> list[FaceRecord]:
        files = list_images(self.root / self.images_dir)
        ident = attrs = marks = parts = None
        if (p := self._label_file("identity")) is not None:
            ident = read_file_labels(p, str, "identity")
        if (p := self._label_file("attributes")) is not None:
            attrs = read_celeba_attributes(p)
        if (p := self._label_file("landmarks")) is not None:
            marks = read_celeba_landmarks(p)
        if (p := self._label_file("partition")) is not None:
            parts = read_file_labels(p, str, "partition")
            bad = next((v for v in parts.values() if v not in SPLITS), None)
            if bad is not None:
                raise AnnotationError(f"{p}: partition values must be 0, 1 or 2, got {bad!r}")
        records = []
        for f in files:
            split = SPLITS[parts[f.name]] if parts and f.name in parts else None
            if self.split is not None and split != self.split:
                continue
            lm = marks.get(f.name) if marks else None
            records.append(FaceRecord(
                key=f.stem, path=f,
                identity=ident.get(f.name) if ident else None,
                attributes=attrs.get(f.name) if attrs else None,
                landmarks=lm, landmark_scheme="celeba5" if lm is not None else None,
                split=split,
            ))
        return records
