"""FSRNet/DIC test-set layout: ``HR/`` and ``LR_x<s>/`` folders with the same file names.

Used by CelebA-1000 (FSRNet's ``celeba_val_1000``) and Helen-50. Optional files::

    root/identity.txt              <file> <identity id>
    root/identity_groups.json      {identity id: [file, ...]}  (identities with >= 2 images)
    root/<list file>               one file name per line (a subset / order of the test set)

A name in a list or label file that has no image is an error naming the file and line.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..io import list_images
from .annotations import AnnotationError, fail, numbered_lines, read_file_labels, require_file
from .records import FaceDataset, FaceRecord


class TestList(FaceDataset):
    """HR images (``hr`` folder) with their official LR (``lr`` folder, default: the only ``LR_x*``).

    ``list_file``: optional text file with one image name per line, selecting and ordering images.
    ``require_identity``: fail when ``identity.txt`` is missing.
    """

    __test__ = False  # not a pytest class
    name = "testlist"
    framing = "aligned"

    def __init__(self, root: str | os.PathLike[str], *, hr: str = "HR", lr: str | None = None,
                 list_file: str | os.PathLike[str] | None = None, require_identity: bool = False):
        self.hr_dir = hr
        self.lr_dir = lr
        self.list_file = list_file
        self.require_identity = require_identity
        self.scale: int | None = None
        super().__init__(root)

    def _find_lr(self) -> Path | None:
        if self.lr_dir is not None:
            path = self.root / self.lr_dir
            if not path.is_dir():
                raise AnnotationError(f"{path}: LR folder not found")
            return path
        found = sorted(p for p in self.root.glob("LR_x*") if p.is_dir())
        return found[0] if len(found) == 1 else None

    def _scan(self) -> list[FaceRecord]:
        files = {p.name: p for p in list_images(self.root / self.hr_dir)}
        if self.list_file is not None:
            path = require_file(self.list_file, "test list")
            names = []
            for number, text in numbered_lines(path):
                name = text.split()[0]
                if name not in files:
                    raise fail(path, number, f"{name} not found in {self.root / self.hr_dir}")
                names.append(name)
        else:
            names = sorted(files)
        ident_path = self.root / "identity.txt"
        if self.require_identity:
            require_file(ident_path, "identity list (identity.txt)")
        ident = read_file_labels(ident_path, str, "identity") if ident_path.is_file() else {}
        lr_root = self._find_lr()
        if lr_root is not None and (m := re.fullmatch(r"LR_x(\d+)", lr_root.name)):
            self.scale = int(m.group(1))
        records = []
        for name in names:
            lr = lr_root / name if lr_root is not None else None
            if lr is not None and not lr.is_file():
                raise AnnotationError(f"{lr}: LR image missing for {name}")
            stem = name.rsplit(".", 1)[0]
            records.append(FaceRecord(key=stem, path=files[name], identity=ident.get(name), lr_path=lr))
        return records

    def identity_groups(self) -> dict[str, list[str]]:
        """``identity_groups.json`` (identity -> file names), or groups built from ``identity.txt``."""
        path = self.root / "identity_groups.json"
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise AnnotationError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise AnnotationError(f"{path}: expected an object {{identity: [file, ...]}}")
            return {str(k): list(v) for k, v in data.items()}
        groups: dict[str, list[str]] = {}
        for r in self.records:
            if r.identity is not None:
                groups.setdefault(r.identity, []).append(r.path.name)
        return {k: v for k, v in groups.items() if len(v) >= 2}
