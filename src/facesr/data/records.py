"""What every dataset reader yields: :class:`FaceRecord`, and the :class:`FaceDataset` base class."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..io import read_image


@dataclass
class FaceRecord:
    """One image of a dataset and the labels the dataset ships for it.

    ``key``: stable name (path relative to the dataset root, no suffix, ``/`` separators), used for
    caches and per-image seeds. ``landmarks``: ``float64 (n, 2)`` ``(x, y)`` pixels of the image file,
    in the order named by ``landmark_scheme`` (see :mod:`facesr.faces.schemes`). ``attributes``:
    name -> value (binary attributes 0/1, ``age`` in years). ``parsing``: a label-map file with
    CelebAMask-HQ class ids, or ``None``. ``lr_path``: the dataset's own LR image, if any.
    """

    key: str
    path: Path
    identity: str | None = None
    attributes: dict[str, float] | None = None
    landmarks: np.ndarray | None = None
    landmark_scheme: str | None = None
    parsing: Any = None
    lr_path: Path | None = None
    split: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def key_of(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` without its (last) suffix, with ``/`` separators."""
    rel = path.relative_to(root).as_posix()
    return rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel


class FaceDataset(Sequence[FaceRecord]):
    """A read-only list of :class:`FaceRecord` built from a dataset's on-disk layout.

    Subclasses set ``name``, ``framing`` (``"aligned"``: faces already aligned and cropped;
    ``"celeba-dic"``: apply :data:`~facesr.data.celeba.CELEBA_DIC_BOX`; ``"wild"``: detect and align)
    and implement :meth:`_scan`.
    """

    name: ClassVar[str] = "faces"
    framing: ClassVar[str] = "aligned"

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        if not self.root.is_dir():
            raise InputError(f"{self.root}: {self.name} dataset folder not found")
        self.records: list[FaceRecord] = self._scan()
        if not self.records:
            raise InputError(f"{self.root}: no {self.name} images found")

    def _scan(self) -> list[FaceRecord]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index):  # type: ignore[override]
        return self.records[index]

    def __iter__(self) -> Iterator[FaceRecord]:
        return iter(self.records)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r}, {len(self)} images)"

    def image(self, index: int) -> np.ndarray:
        """The image of record ``index`` as ``uint8 H x W x 3`` RGB."""
        return read_image(self.records[index].path)

    def parsing(self, index: int) -> np.ndarray | None:
        """The parsing label map (``uint8 H x W``, CelebAMask-HQ ids) of record ``index``, if any."""
        return None

    def identities(self) -> dict[str, list[int]]:
        """Identity label -> indices of its records (records without identity are left out)."""
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(self.records):
            if r.identity is not None:
                groups.setdefault(r.identity, []).append(i)
        return groups

    def keys(self) -> list[str]:
        return [r.key for r in self.records]
