"""Landmark annotation files: iBUG ``.pts`` (300-W, Menpo, AFLW in 300-W format) and Helen's ``.txt``.

``.pts``::

    version: 1
    n_points: 68
    {
    x y
    ...
    }

300-W coordinates follow MATLAB's 1-based pixel convention; :func:`read_pts` subtracts
``origin`` (default 1) so that ``(0, 0)`` is the centre of the top-left pixel, as everywhere in
facesr. Helen's annotation files hold the image name on the first line, then ``x , y`` lines
(194 points), already 0-based.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..io import list_images
from .annotations import AnnotationError, fail, numbered_lines, parse_field, require_file, split_fields
from .records import FaceDataset, FaceRecord, key_of


def read_pts(path: str | os.PathLike[str], origin: float = 1.0) -> np.ndarray:
    """An iBUG ``.pts`` file -> ``float64 (n, 2)`` ``(x, y)`` (0-based pixels: ``origin`` subtracted)."""
    path = require_file(path, "landmark file (.pts)")
    n_points = None
    points: list[tuple[float, float]] = []
    state = "header"
    last = 0
    for number, text in numbered_lines(path):
        last = number
        if state == "header":
            if text.startswith("version"):
                continue
            if text.startswith("n_points"):
                _, _, value = text.partition(":")
                n_points = parse_field(path, number, value.strip(), int, "n_points")
                continue
            if text == "{":
                state = "points"
                continue
            raise fail(path, number, f"unexpected header line {text!r} (expected version, n_points or '{{')")
        elif state == "points":
            if text == "}":
                state = "done"
                continue
            x, y = split_fields(path, number, text, 2, "x y")
            points.append((parse_field(path, number, x, float, "x"),
                           parse_field(path, number, y, float, "y")))
        else:
            raise fail(path, number, "text after the closing '}'")
    if state != "done":
        raise fail(path, last, "missing closing '}'" if state == "points" else "no '{' found")
    if n_points is None:
        raise AnnotationError(f"{path}: missing 'n_points:' header")
    if len(points) != n_points:
        raise fail(path, last, f"n_points says {n_points} but {len(points)} points are listed")
    return np.asarray(points, dtype=np.float64).reshape(-1, 2) - origin


def scheme_for(n_points: int) -> str | None:
    """The landmark scheme name for a point count (68 -> ``ibug68``, 194 -> ``helen194``, ...)."""
    return {68: "ibug68", 5: "dlib5", 194: "helen194", 478: "mediapipe478", 468: "mediapipe468",
            39: "menpo39", 19: "aflw19", 21: "aflw21"}.get(n_points)


class PtsFolder(FaceDataset):
    """Images with a sibling ``.pts`` file of the same stem (300-W, Menpo, AFLW in 300-W format).

    Images without a ``.pts`` file are kept with ``landmarks=None`` unless ``require_landmarks``.
    """

    name = "pts"
    framing = "wild"

    def __init__(self, root: str | os.PathLike[str], *, origin: float = 1.0, require_landmarks: bool = True):
        self.origin = origin
        self.require_landmarks = require_landmarks
        super().__init__(root)

    def _scan(self) -> list[FaceRecord]:
        records = []
        for f in list_images(self.root, recursive=True):
            pts = f.with_suffix(".pts")
            if not pts.is_file():
                if self.require_landmarks:
                    raise AnnotationError(f"{pts}: landmark file missing for {f.name}")
                records.append(FaceRecord(key=key_of(f, self.root), path=f))
                continue
            lm = read_pts(pts, self.origin)
            records.append(FaceRecord(key=key_of(f, self.root), path=f, landmarks=lm,
                                      landmark_scheme=scheme_for(len(lm)), extra={"pts": str(pts)}))
        return records


def read_helen_annotation(path: str | os.PathLike[str]) -> tuple[str, np.ndarray]:
    """A Helen annotation file -> ``(image name without suffix, float64 (194, 2))``."""
    path = require_file(path, "Helen annotation file")
    lines = numbered_lines(path)
    try:
        _, name = next(lines)
    except StopIteration:
        raise AnnotationError(f"{path}: empty annotation file") from None
    points = []
    for number, text in lines:
        x, y = split_fields(path, number, text, 2, "x , y", sep=",")
        points.append((parse_field(path, number, x, float, "x"),
                       parse_field(path, number, y, float, "y")))
    if len(points) != 194:
        raise AnnotationError(f"{path}: expected 194 Helen landmarks, got {len(points)}")
    return name, np.asarray(points, dtype=np.float64)


class Helen(FaceDataset):
    """Helen: photos (any sub-folders) plus ``annotation/*.txt`` with 194 landmarks each.

    ``annotations``: folder of the annotation files (default ``root/annotation``). Every
    annotation must name an image that exists; images without annotation get ``landmarks=None``.
    """

    name = "helen"
    framing = "wild"

    def __init__(self, root: str | os.PathLike[str], *, annotations: str | os.PathLike[str] | None = None):
        self.annotations = Path(annotations) if annotations is not None else None
        super().__init__(root)

    def _scan(self) -> list[FaceRecord]:
        ann_dir = self.annotations or self.root / "annotation"
        if not ann_dir.is_dir():
            raise AnnotationError(f"{ann_dir}: Helen annotation folder not found")
        images = {f.stem: f for f in list_images(self.root, recursive=True)}
        marks: dict[str, np.ndarray] = {}
        for txt in sorted(ann_dir.glob("*.txt")):
            name, lm = read_helen_annotation(txt)
            if name not in images:
                raise AnnotationError(f"{txt}:1: image {name!r} not found under {self.root}")
            marks[name] = lm
        return [FaceRecord(key=key_of(f, self.root), path=f, landmarks=marks.get(stem),
                           landmark_scheme="helen194" if stem in marks else None)
                for stem, f in sorted(images.items(), key=lambda kv: kv[1].as_posix())]
