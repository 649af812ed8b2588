"""Face samples at the training size, from a dataset reader or from a prepared cache.

A source turns index ``i`` into a :class:`FaceSample`: the HR face (``uint8 size x size x 3``) with
its annotations in HR pixels. :class:`ReaderSource` applies the dataset's own framing (the DIC
crop for CelebA, a resize for already aligned sets); :class:`CacheSource` reads what
``facesr data prepare`` wrote (aligned faces with landmarks, parsing maps, identities).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io import read_image
from .celeba import CELEBA_DIC_BOX
from .face_sample import FaceSample  # noqa: F401  (re-exported)
from .framing import crop_resize, rotate_crop, rotate_image, rotate_points
from .records import FaceDataset


class FaceSource:
    """Base: ``len``, ``sample(i)``, ``identity_of(i)`` and ``size``."""

    size: int

    def __len__(self) -> int:  # pragma: no cover
        raise NotImplementedError

    def sample(self, index: int) -> FaceSample:  # pragma: no cover
        raise NotImplementedError

    def identity_of(self, index: int) -> str | None:  # pragma: no cover
        raise NotImplementedError


class ReaderSource(FaceSource):
    """A dataset reader at ``size`` x ``size`` using the dataset's own framing.

    ``celeba-dic`` framing: crop :data:`CELEBA_DIC_BOX` then bicubic resize; ``aligned``: resize the
    whole image. Datasets of ``wild`` photos must be prepared first (``facesr data prepare``).
    ``kernel``: resize kernel (``matlab`` default; ``pil`` for the PIL-bicubic protocol).
    ``box``: ``(left, top, right, bottom)`` crop instead of the dataset's own framing (e.g.
    :data:`~facesr.data.celeba.CELEBA_FSRNET_BOX`).
    """

    def __init__(self, dataset: FaceDataset, size: int = 128, kernel: str = "matlab", read_lr: bool = True,
                 box: tuple[int, int, int, int] | None = None):
        if dataset.framing == "wild":
            raise InputError(f"{dataset.root}: {dataset.name} holds unaligned photos; run "
                             f"'facesr data prepare --dataset {dataset.name}' and train on the cache")
        self.dataset = dataset
        self.size = size
        self.kernel = kernel
        self.read_lr = read_lr
        self.box = None if box is None else tuple(int(v) for v in box)
        self._images: dict[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.dataset)

    def identity_of(self, index: int) -> str | None:
        return self.dataset.records[index].identity

    def hold_images(self, indices, progress: bool = True) -> None:
        """Keep the decoded source images at ``indices`` in memory (for re-cropping each epoch)."""
        from tqdm.auto import tqdm

        keys = list(indices)
        self._images = {i: self.dataset.image(i)
                        for i in tqdm(keys, desc="preload images", disable=not progress, leave=False, mininterval=2.0)}

    def image(self, index: int) -> np.ndarray:
        """The decoded source image ``index`` (uint8 H x W x 3), from memory when held."""
        held = None if self._images is None else self._images.get(index)
        return held if held is not None else self.dataset.image(index)

    def sample(self, index: int, reframe: Callable[[tuple[int, int, int, int], tuple[int, int]],
                                                    tuple[int, int, int, int]] | None = None,
               angle: float = 0.0) -> FaceSample:
        """Face ``index``. ``reframe(box, (width, height))`` returns the crop to use instead of the
        usual one (the whole image when there is none), e.g. a framing jitter; ``angle``: degrees by
        which the face turns (counter-clockwise on screen) about the crop's centre (roll jitter)."""
        rec = self.dataset.records[index]
        img = self.image(index)
        box = self.box or (CELEBA_DIC_BOX if self.dataset.framing == "celeba-dic" else None)
        h, w = img.shape[:2]
        if reframe is not None:
            box = reframe(box or (0, 0, w, h), (w, h))
        landmarks, parsing = rec.landmarks, self.dataset.parsing(index)
        if angle:
            left, top, right, bottom = box or (0, 0, w, h)
            centre = ((left + right) / 2, (top + bottom) / 2)
            landmarks = None if landmarks is None else rotate_points(landmarks, angle, centre)
            if parsing is not None:
                img = rotate_image(img, angle, centre)
                ph, pw = parsing.shape[:2]
                parsing = rotate_image(parsing, angle, (centre[0] * pw / w, centre[1] * ph / h), nearest=True)
            else:  # only the crop is rotated: the same pixels, a third of the work
                img = rotate_crop(img, angle, centre, (left, top, right, bottom))
                box = None
                landmarks = None if landmarks is None else landmarks - np.array([left, top], dtype=np.float64)
        hr, lm, parsing = crop_resize(img, box, self.size, kernel=self.kernel, landmarks=landmarks, parsing=parsing)
        lr = read_image(rec.lr_path) if (self.read_lr and rec.lr_path is not None) else None
        return FaceSample(key=rec.key, hr=hr, landmarks=lm, scheme=rec.landmark_scheme, parsing=parsing,
                          attributes=rec.attributes, identity=rec.identity, lr=lr)


class CacheSource(FaceSource):
    """Faces prepared by ``facesr data prepare`` (entries with status ``ok`` only)."""

    def __init__(self, root: str | os.PathLike[str]):
        from .cache import read_manifest, read_options

        self.root = Path(root)
        self.options = read_options(self.root)
        self.entries = [e for e in read_manifest(self.root).values() if e.get("status") == "ok"]
        if not self.entries:
            raise InputError(f"{self.root}: prepared cache holds no usable faces")
        self.size = int(self.options["size"])

    def __len__(self) -> int:
        return len(self.entries)

    def identity_of(self, index: int) -> str | None:
        return self.entries[index].get("identity")

    def sample(self, index: int) -> FaceSample:
        from .cache import load_entry

        return load_entry(self.root, self.entries[index])


class MemorySource(FaceSource):
    """``source``'s samples at ``indices`` decoded once and held in memory; other indices are read
    through. ``threads``: decoding threads (image decoding and resizing release the GIL).
    Memory: about ``3 * size**2`` bytes per face (267 MB for 5,430 faces at 128 px)."""

    def __init__(self, source: FaceSource, indices=None, threads: int | None = None,
                 progress: bool = True) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from tqdm.auto import tqdm

        self.source = source
        self.size = source.size
        keys = list(range(len(source)) if indices is None else indices)
        threads = threads or min(8, os.cpu_count() or 1)
        with ThreadPoolExecutor(threads) as pool:
            samples = list(tqdm(pool.map(source.sample, keys), total=len(keys), desc="preload faces",
                                disable=not progress, leave=False, mininterval=2.0))
        self.samples = dict(zip(keys, samples))

    def __len__(self) -> int:
        return len(self.source)

    def identity_of(self, index: int) -> str | None:
        return self.source.identity_of(index)

    def sample(self, index: int) -> FaceSample:
        held = self.samples.get(index)
        return held if held is not None else self.source.sample(index)

