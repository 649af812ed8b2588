"""Paired LR/HR face data for training, with priors, made reproducibly on the fly.

Each item is a dict of tensors:

==============  ==========================================  ===================================
key             value                                       when
==============  ==========================================  ===================================
``hr``          ``float32 (3, S, S)`` in ``[0, 1]``, RGB      always
``lr``          ``float32 (3, S/scale, S/scale)`` ``[0, 1]``  always (size of the degradation output)
``landmarks``   ``float32 (n, 2)`` ``(x, y)`` HR pixels       ``"landmarks"`` in ``priors``
``heatmaps``    ``float32 (n, Sh, Sh)`` in ``[0, 1]``         ``"heatmaps"`` (``Sh = S / heatmap_stride``)
``parsing``     ``int64 (S, S)`` CelebAMask-HQ ids            ``"parsing"``
``attributes``  ``float32 (k,)`` 0/1 in ``attribute_names``   ``"attributes"``
``identity``    ``int64 ()`` contiguous id (-1: unknown)      ``"identity"``
``descriptor``  ``float32 (128,)`` dlib identity descriptor  ``"descriptor"`` (cached by ``prepare
                of the HR face                              --identity``, else computed)
``reference``   ``float32 (3, S, S)`` another image of the    ``"reference"`` (the sample itself when
                same identity                                 its identity has no other image)
``index``       ``int64 ()`` sample index                     always
``seed``        ``int64 ()`` seed of the degradation draw     always (``Degradation`` replays it)
==============  ==========================================  ===================================

Randomness (flip, degradation, reference choice) comes from generators derived from
``(seed, epoch, index)`` (:mod:`facesr.data.seeding`): the same item every time, in any worker.
Call :meth:`PairedFaceDataset.set_epoch` at the start of each epoch for fresh draws.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..io import read_image
from ..ops import imresize
from .augment import Augment, jitter_box
from .records import FaceDataset
from .seeding import sample_rngs
from .source import CacheSource, FaceSample, FaceSource, ReaderSource

PRIORS = ("landmarks", "heatmaps", "parsing", "attributes", "identity", "descriptor", "reference")


def as_source(source: FaceSource | FaceDataset | str | os.PathLike[str], size: int,
              kernel: str, box: tuple[int, int, int, int] | None = None) -> FaceSource:
    """A :class:`FaceSource` from a source, a dataset reader (``box``: its crop instead of the
    dataset's framing), or a prepared-cache folder."""
    if isinstance(source, FaceSource):
        return source
    if isinstance(source, FaceDataset):
        return ReaderSource(source, size=size, kernel=kernel, box=box)
    return CacheSource(source)


def _tensor(img: np.ndarray) -> torch.Tensor:
    """uint8 H x W x 3 -> float32 3 x H x W in [0, 1] (x / 255 in float32, as torch's ``div``)."""
    return torch.from_numpy(np.divide(img.transpose(2, 0, 1), np.float32(255.0), dtype=np.float32))


class PairedFaceDataset(torch.utils.data.Dataset):
    """LR/HR pairs (plus priors) from a dataset reader or a prepared cache.

    ``degradation``: a preset name of :func:`facesr.degradation.build_degradation` (``bicubic``,
    ``blind``, ...), a ``Degradation`` object, or ``"dataset"`` to read the dataset's own LR images
    (``lr_folder``: or an explicit folder of LR images named like the HR keys). ``scale``: the SR
    factor. ``size``: HR size (ignored for caches, which fix it). ``priors``: any of
    :data:`PRIORS`. ``heatmap_sigma`` in heatmap pixels; ``heatmap_stride``: HR pixels per
    heatmap pixel (e.g. 4 for FSRNet's 32 x 32 priors at 128). ``flip``: horizontal-flip
    probability. ``attribute_names``: which attributes to stack (default: those of the first
    sample). ``lr_size``: resize official LR images to this size (e.g. 16 for FSRNet's pre-upsampled
    128-pixel LR; MATLAB bicubic). ``crop_box``: crop of a dataset reader's images instead of
    its own framing. ``jitter``: ``(shift_x, shift_y, zoom)`` framing jitter of a dataset reader's crop
    (source pixels, fraction of the box size; :func:`facesr.data.augment.jitter_box`), drawn per
    sample and epoch. ``rotate``: roll jitter, the face turned about the crop centre by a normal angle
    of this standard deviation (degrees, cut at 3 deviations), drawn per sample and epoch: crops that
    were not roll-aligned (FSRNet's CelebA test faces: 8.7 degrees) differ from eye-aligned ones.

    :meth:`preload` holds decoded faces in memory; a degradation that draws nothing (``bicubic``)
    then also keeps each LR image (flipped and not) after its first use.
    """

    def __init__(self, source: FaceSource | FaceDataset | str | os.PathLike[str], *, scale: int = 8,
                 size: int = 128, degradation: Any = "bicubic", kernel: str = "matlab",
                 lr_folder: str | os.PathLike[str] | None = None, lr_size: int | None = None,
                 priors: Sequence[str] = (), heatmap_sigma: float = 1.5, heatmap_stride: int = 1,
                 flip: float = 0.5, seed: int = 0, attribute_names: Sequence[str] | None = None,
                 crop_box: tuple[int, int, int, int] | None = None,
                 jitter: Sequence[float] | None = None, rotate: float = 0.0):
        unknown = set(priors) - set(PRIORS)
        if unknown:
            raise InputError(f"unknown prior(s) {sorted(unknown)} (known: {', '.join(PRIORS)})")
        self.source = as_source(source, size, kernel, crop_box)
        self.size = self.source.size
        self.scale = scale
        self.priors = tuple(priors)
        self.heatmap_sigma = heatmap_sigma
        if self.size % heatmap_stride:
            raise InputError(f"heatmap_stride {heatmap_stride} does not divide the HR size {self.size}")
        self.heatmap_stride = heatmap_stride
        self.augment = Augment(flip)
        self.jitter = _check_jitter(jitter)
        self.rotate = _check_rotate(rotate)
        if self.reframes and not isinstance(self.source, ReaderSource):
            raise InputError("framing jitter and rotation need a dataset reader (they re-crop the source images); a "
                             "prepared cache or other source holds fixed crops")
        self.seed = int(seed)
        self.epoch = 0
        self.lr_folder = Path(lr_folder) if lr_folder is not None else None
        self.lr_size = lr_size
        if isinstance(degradation, str) and degradation == "dataset":
            self.degradation = None
            if self.lr_folder is None and not isinstance(self.source, ReaderSource):
                raise InputError("degradation='dataset' needs a dataset with its own LR images or lr_folder")
        elif isinstance(degradation, str):
            from ..degradation import build_degradation

            self.degradation = build_degradation(degradation, scale=scale, kernel=kernel)
        else:
            self.degradation = degradation
        self.attribute_names = list(attribute_names) if attribute_names is not None else None
        self._identity_index = None
        self._groups: dict[str, list[int]] | None = None
        self._lr_cache: dict[tuple[int, bool], tuple[np.ndarray, int]] | None = None
        if "identity" in self.priors or "reference" in self.priors:
            from ..priors.identity import IdentityIndex

            labels = [self.source.identity_of(i) for i in range(len(self.source))]
            self._identity_index = IdentityIndex(labels)
            self._groups = {}
            for i, lab in enumerate(labels):
                if lab is not None:
                    self._groups.setdefault(lab, []).append(i)

    def __len__(self) -> int:
        return len(self.source)

    def preload(self, indices=None, progress: bool = True) -> None:
        """Decode the faces at ``indices`` (all by default) once and keep them in memory, and keep
        LR images once made when the degradation draws nothing (the same LR for every epoch)."""
        from .source import MemorySource

        if self.reframes:  # crops change every epoch: keep the source images instead
            self.source.hold_images(range(len(self.source)) if indices is None else indices, progress=progress)
            return
        self.source = MemorySource(self.source, indices, progress=progress)
        deterministic = self.degradation is not None and self.degradation.deterministic((self.size, self.size))
        self._lr_cache = {} if deterministic else None

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose random draws ``__getitem__`` makes."""
        self.epoch = int(epoch)

    def _first_attributes(self) -> dict[str, float] | None:
        """The attributes of the first labelled image (the names to stack), from the records."""
        records = _records_of(self.source)
        for rec in records or ():
            if rec.attributes is not None:
                return rec.attributes
        return None

    @property
    def reframes(self) -> bool:
        """Whether each epoch re-crops the source images (framing or roll jitter)."""
        return self.jitter is not None or bool(self.rotate)

    @property
    def identity_index(self):
        return self._identity_index

    def _lr(self, sample: FaceSample, rng: np.random.Generator) -> tuple[np.ndarray, int]:
        seed = int(rng.integers(0, 2**62))
        if self.degradation is not None:
            from ..degradation import Degradation

            face = {"landmarks": sample.landmarks} if isinstance(self.degradation, Degradation) else {}
            lr, _ = self.degradation(sample.hr, rng=np.random.default_rng(seed), **face)  # placed steps follow the face
            return lr, seed
        lr = sample.lr
        if self.lr_folder is not None:
            lr = read_image(_find_lr(self.lr_folder, sample.key))
            if sample.extra.get("flipped"):
                lr = np.ascontiguousarray(lr[:, ::-1])
        if lr is None:
            raise InputError(f"no LR image for {sample.key} (the dataset has none; use a degradation preset)")
        if self.lr_size is not None and lr.shape[0] != self.lr_size:
            lr = imresize(lr, size=(self.lr_size, self.lr_size), kernel="matlab")
        return lr, seed

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        aug_rng, deg_rng, ref_rng = sample_rngs(self.seed, self.epoch, index)
        if not self.reframes:
            sample = self.source.sample(index)
        else:
            reframe = None
            if self.jitter is not None:
                shift, zoom = self.jitter[:2], self.jitter[2]

                def reframe(box, size):
                    return jitter_box(box, size, shift, zoom, aug_rng)

            angle = 0.0
            if self.rotate:
                angle = float(np.clip(aug_rng.normal(0.0, self.rotate), -3 * self.rotate, 3 * self.rotate))
            sample = self.source.sample(index, reframe=reframe, angle=angle)
        sample = self.augment(sample, aug_rng)
        if self._lr_cache is None:
            lr, seed = self._lr(sample, deg_rng)
        else:
            key = (index, bool(sample.extra.get("flipped")))
            if key not in self._lr_cache:
                self._lr_cache[key] = self._lr(sample, deg_rng)
            lr, seed = self._lr_cache[key]
        item: dict[str, Any] = {"hr": _tensor(sample.hr), "lr": _tensor(lr),
                                "index": torch.tensor(index), "seed": torch.tensor(seed)}
        needs_lm = {"landmarks", "heatmaps"} & set(self.priors)
        if needs_lm and sample.landmarks is None:
            raise InputError(f"{sample.key}: no landmarks (run 'facesr data prepare --landmarks' first)")
        if "landmarks" in self.priors:
            item["landmarks"] = torch.from_numpy(sample.landmarks.astype(np.float32))
        if "heatmaps" in self.priors:
            from ..priors.heatmaps import landmark_heatmaps

            hsize = self.size // self.heatmap_stride
            item["heatmaps"] = torch.from_numpy(landmark_heatmaps(sample.landmarks, hsize, self.heatmap_sigma,
                                                                  scale=self.heatmap_stride))
        if "parsing" in self.priors:
            parsing = sample.parsing
            if parsing is None:
                if sample.landmarks is None:
                    raise InputError(f"{sample.key}: no parsing map and no landmarks to draw one from")
                from ..priors.parsing import parsing_from_landmarks

                parsing = parsing_from_landmarks(sample.landmarks, self.size, sample.scheme)
            item["parsing"] = torch.from_numpy(parsing.astype(np.int64))
        if "attributes" in self.priors:
            from ..priors.attributes import attribute_vector

            if self.attribute_names is None:
                labelled = sample.attributes if sample.attributes is not None else self._first_attributes()
                if labelled is None:
                    raise InputError(f"{sample.key}: the dataset has no attributes (none of its images is labelled)")
                self.attribute_names = [k for k in labelled if k != "age"]
            # an unlabelled image (e.g. UTKFace's malformed file names) gets NaN: unknown attributes
            item["attributes"] = torch.from_numpy(attribute_vector(sample.attributes, self.attribute_names))
        if "identity" in self.priors:
            ident = -1 if sample.identity is None else self._identity_index.index(sample.identity)
            item["identity"] = torch.tensor(ident, dtype=torch.int64)
        if "descriptor" in self.priors:
            desc = sample.extra.get("descriptor")
            if desc is None or sample.extra.get("flipped"):
                from ..priors.identity import identity_embedding

                desc = identity_embedding(sample.hr)
            item["descriptor"] = torch.from_numpy(np.asarray(desc, dtype=np.float32))
        if "reference" in self.priors:
            group = self._groups.get(sample.identity, []) if sample.identity is not None else []
            others = [i for i in group if i != index]
            ref_index = int(ref_rng.choice(others)) if others else index
            ref = self.source.sample(ref_index).hr
            item["reference"] = _tensor(ref)
        return item


def _records_of(source: FaceSource):
    """The dataset records behind a reader-based source (held in memory or not), else ``None``."""
    inner = getattr(source, "source", source)
    dataset = getattr(inner, "dataset", None)
    return getattr(dataset, "records", None)


def _check_jitter(jitter: Sequence[float] | None) -> tuple[float, float, float] | None:
    if jitter is None:
        return None
    try:
        sx, sy, zoom = (float(v) for v in jitter)
    except (TypeError, ValueError):
        raise InputError(f"jitter must be [shift_x, shift_y, zoom], got {jitter!r}") from None
    if sx < 0 or sy < 0 or not 0 <= zoom < 0.5:
        raise InputError(f"jitter {list(jitter)}: shifts must be >= 0 pixels and zoom in [0, 0.5)")
    return (sx, sy, zoom) if (sx or sy or zoom) else None


def _check_rotate(rotate: float | None) -> float:
    try:
        value = float(rotate or 0.0)
    except (TypeError, ValueError):
        raise InputError(f"rotate must be a standard deviation in degrees, got {rotate!r}") from None
    if not 0.0 <= value <= 30.0:
        raise InputError(f"rotate {value}: the roll jitter's standard deviation must be in [0, 30] degrees")
    return value


def _find_lr(folder: Path, key: str) -> Path:
    for suffix in (".png", ".jpg", ".jpeg", ".bmp", ".webp"):
        path = folder / f"{key}{suffix}"
        if path.is_file():
            return path
    raise InputError(f"{folder}: no LR image named {key}.*")
