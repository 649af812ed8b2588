"""Real low-resolution faces for the real-world (unpaired) GANs of survey §4.1.2 (LRGAN, CR, RWSR).

These faces have no HR counterpart: LRGAN's high-to-low GAN learns to make LR faces like them, CR's
CycleGAN maps them to artificial (bicubic) LR faces, RWSR estimates their blur, noise and compression.
Every face is brought to the training LR size (``size`` px square: a centre crop of the longer side,
then MATLAB bicubic with antialiasing) and kept in memory as ``uint8 size x size x 3`` RGB (grey
sources repeat their one channel).

Sources (under the data root, ``$FACESR_DATA``; ``docs/models.md`` and ``reference/datasets.md``):

* ``surveillance``: the WHU-SCF face crops ``realworld/surveillance_whu_scf/*_test.JPG``, 8 grey crops of
  33x38 to 59x71 px cut from 352x288 surveillance frames; ``Far_02_test.JPG`` is truncated and is
  skipped: **7 faces**. Their JPEG quality is the one of the frame they were cut from (the crops
  themselves were re-saved at quality 100).
* ``cmu_mit``: the CMU+MIT grey crops ``realworld/cmu_mit_lowres_gray/*.GIF`` (26-41 px wide), without
  the six whole source photos (``*.gif.gif``): **19 faces**, lossless (no JPEG quality).
* ``celeba_lq`` and ``utkface_lq``: the ``low_quality`` faces (default :data:`LOW_QUALITY`, 200 each) with
  the highest NIQE (no-reference, lower is better; :func:`facesr.metrics.niqe.niqe` on the stored image,
  BT.601 Y, as BasicSR) among CelebA's 5,430 aligned images (178x218, then the dataset's DIC framing)
  and UTKFace's 9,780 200x200 chips: real faces whose blur, noise and JPEG (both sets: IJG quality
  75) are the camera's and the web's, not a simulation. Scoring all 15,210 images took about four minutes
  on two busy cores; the scores are cached in ``<facesr cache>/real_lr/niqe_<dataset>.json`` (keys and
  scores only, never images).

Measured on this project's data (all 15,210 images scored): NIQE of CelebA's images spans 3.0 to 27.2
(median 6.6) and the 200 selected score 14.0 and more; UTKFace's span 2.5 to 16.3 (median 7.8), the 200
selected 11.2 and more. What NIQE picks: UTKFace's are mostly blurry, upscaled chips (many of infants;
one chip shows printed digits, a fault of the dataset); CelebA's are mostly smooth studio portraits on flat
backgrounds (NIQE reads missing texture as low quality) besides some blurred or noisy photos. With the
defaults a run sees 7 + 19 + 200 + 200 = **426 real LR faces**, 27 of them grey (the 26 realworld crops
and one CelebA face). They are unpaired training inputs only; CelebA's low-quality faces may also appear
among the HR training faces of the same run (an unpaired model never sees a pair of them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ImageReadError, InputError
from ..paths import cache_dir, data_root

#: the real-LR sources, in the order they are listed
SOURCES = ("surveillance", "cmu_mit", "celeba_lq", "utkface_lq")
#: low-quality faces taken from each of CelebA and UTKFace by default
LOW_QUALITY = 200
_LQ_DATASETS = {"celeba_lq": "celeba", "utkface_lq": "utkface"}
#: the IJG (libjpeg) luminance quantisation table at quality 50, row by row (Pillow reports tables in this order)
_IJG_LUMA_50 = (16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
                14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
                49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99)


@dataclass
class RealFace:
    """One real LR face: ``image`` (``uint8 size x size x 3`` RGB), its ``key`` (``source/file``),
    ``source`` (one of :data:`SOURCES`), ``native`` size ``(h, w)`` before resizing, whether it is
    ``grey``, its JPEG ``quality`` (IJG estimate; ``None`` for lossless files) and, for the low-quality
    sets, its NIQE ``score``."""

    image: np.ndarray
    key: str
    source: str
    native: tuple[int, int]
    grey: bool
    quality: int | None = None
    score: float | None = None


def jpeg_quality(path: str | os.PathLike[str]) -> int | None:
    """The IJG quality (1..100) whose scaled standard luminance table is closest to the file's, or
    ``None`` when the file is not a JPEG. Pillow's quantisation tables are read without decoding."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            tables = getattr(im, "quantization", None)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{path}: cannot read the image header ({exc})") from None
    if not tables or 0 not in tables:
        return None
    table = np.asarray(list(tables[0]), dtype=np.float64)
    std = np.asarray(_IJG_LUMA_50, dtype=np.float64)
    best, err = None, np.inf
    for q in range(1, 101):
        scale = 5000.0 / q if q < 50 else 200.0 - 2.0 * q
        ref = np.clip(np.floor((std * scale + 50.0) / 100.0), 1, 255)
        e = float(np.abs(ref - table).sum())
        if e < err:
            best, err = q, e
    return best


def _square(image: np.ndarray, size: int) -> np.ndarray:
    """Centre crop of the longer side to a square, then MATLAB bicubic to ``size``."""
    from .framing import crop_resize

    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return crop_resize(image, (left, top, left + side, top + side), size)[0]


def _is_grey(image: np.ndarray) -> bool:
    return bool(np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 1], image[..., 2]))


def _crops(source: str, root: Path) -> list[tuple[Path, int | None]]:
    """The crop files of a realworld source with their JPEG quality (surveillance: the source frame's)."""
    if source == "surveillance":
        folder = root / "realworld" / "surveillance_whu_scf"
        files = sorted(p for p in folder.glob("*") if p.stem.endswith("_test"))
        out = []
        for p in files:
            frame = next((f for f in folder.glob(p.stem.removesuffix("_test") + ".*") if f != p), None)
            out.append((p, jpeg_quality(frame) if frame is not None else None))
        return out
    folder = root / "realworld" / "cmu_mit_lowres_gray"
    return [(p, None) for p in sorted(folder.glob("*")) if p.suffix == ".GIF" and not p.name.endswith(".gif.gif")]


def realworld_faces(source: str, size: int, root: str | os.PathLike[str] | None = None) -> list[RealFace]:
    """The face crops of ``surveillance`` or ``cmu_mit`` at ``size`` px; unreadable files are skipped
    (WHU-SCF's ``Far_02_test.JPG``). A missing folder is an :class:`InputError` naming it."""
    from ..io import read_image

    if source not in ("surveillance", "cmu_mit"):
        raise InputError(f"unknown realworld source {source!r} (surveillance or cmu_mit)")
    base = data_root(root)
    sub = base / "realworld" / ("surveillance_whu_scf" if source == "surveillance" else "cmu_mit_lowres_gray")
    if not sub.is_dir():
        raise InputError(f"{sub}: real LR faces not found (set FACESR_DATA to the data root)")
    faces = []
    for path, quality in _crops(source, base):
        try:
            img = read_image(path)
        except ImageReadError:
            continue
        faces.append(RealFace(_square(img, size), f"{source}/{path.name}", source, img.shape[:2], _is_grey(img),
                              quality))
    return faces


def quality_scores(dataset: str, root: str | os.PathLike[str] | None = None, *, limit: int | None = None,
                   progress: bool = True, cache: bool = True) -> dict[str, float]:
    """NIQE of the stored images of ``dataset`` (``celeba`` or ``utkface``): key -> score (lower is
    better). ``limit``: only the first images (tests). Scores are cached per dataset and extended when
    more are asked for; unreadable images are left out."""
    from tqdm.auto import tqdm

    from ..metrics.niqe import niqe
    from .registry import open_dataset

    reader = open_dataset(dataset, root)
    n = len(reader) if limit is None else min(limit, len(reader))
    path = cache_dir("real_lr") / f"niqe_{dataset}.json"
    scores = _read_scores(path) if cache and path.is_file() else {}
    todo = [i for i in range(n) if reader.records[i].key not in scores]
    for done, i in enumerate(tqdm(todo, desc=f"NIQE of {dataset}", disable=not progress or not todo,
                                  mininterval=2.0), start=1):
        try:
            scores[reader.records[i].key] = float(niqe(reader.image(i)))
        except (ImageReadError, InputError):
            pass
        if cache and (done % 250 == 0 or done == len(todo)):  # a long scoring keeps what it did when stopped
            _save_scores(path, scores)
    keys = {r.key for r in reader.records[:n]}
    return {k: v for k, v in scores.items() if k in keys}


def _read_scores(path: Path) -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _save_scores(path: Path, scores: dict[str, float]) -> None:
    """Write ``scores`` merged with what the cache holds now (another run may have added some)."""
    from ..io import atomic_write

    scores.update({k: v for k, v in _read_scores(path).items() if k not in scores})
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(scores, indent=0, sort_keys=True), encoding="utf-8")


def select_low_quality(scores: dict[str, float], count: int) -> list[str]:
    """The ``count`` keys with the highest score (ties: by key), worst first."""
    return [k for k, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:max(0, int(count))]]


def low_quality_faces(source: str, size: int, count: int = LOW_QUALITY, root: str | os.PathLike[str] | None = None,
                      *, limit: int | None = None, progress: bool = True) -> list[RealFace]:
    """The ``count`` faces of ``celeba_lq`` / ``utkface_lq`` with the highest NIQE, framed as the dataset
    frames its faces (CelebA: the DIC crop) and resized to ``size`` px. ``limit``: score only the first
    images of the dataset."""
    from .registry import open_dataset
    from .source import ReaderSource

    if source not in _LQ_DATASETS:
        raise InputError(f"unknown low-quality source {source!r} ({', '.join(_LQ_DATASETS)})")
    dataset = _LQ_DATASETS[source]
    scores = quality_scores(dataset, root, limit=limit, progress=progress)
    chosen = select_low_quality(scores, count)
    reader = open_dataset(dataset, root)
    frames = ReaderSource(reader, size=size, read_lr=False)
    index = {r.key: i for i, r in enumerate(reader.records)}
    faces = []
    for key in chosen:
        i = index[key]
        face = frames.sample(i).hr
        path = reader.records[i].path
        faces.append(RealFace(face, f"{source}/{key}", source, tuple(reader.image(i).shape[:2]), _is_grey(face),
                              jpeg_quality(path), scores[key]))
    return faces


def load_real_lr(size: int, sources: Sequence[str] = SOURCES, *, low_quality: int = LOW_QUALITY,
                 root: str | os.PathLike[str] | None = None, limit: int | None = None,
                 progress: bool = True) -> list[RealFace]:
    """The real LR faces of ``sources`` (any of :data:`SOURCES`) at ``size`` px, in that order.
    ``low_quality``: faces taken from each low-quality set; ``limit``: images of CelebA / UTKFace scored
    (``None``: all)."""
    if size < 4:
        raise InputError(f"real LR faces need a size of at least 4 px, got {size}")
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise InputError(f"real LR sources must be some of {', '.join(SOURCES)}, got {list(sources)}")
    faces: list[RealFace] = []
    for s in sources:
        if s in _LQ_DATASETS:
            faces += low_quality_faces(s, size, low_quality, root, limit=limit, progress=progress)
        else:
            faces += realworld_faces(s, size, root)
    if not faces:
        raise InputError(f"no real LR faces found in {', '.join(sources)} under {data_root(root)}")
    return faces


class UnpairedFaces(torch.utils.data.Dataset):
    """A paired training set whose items also carry an unpaired real LR face, ``lr_real``
    (``float32 3 x size x size`` in ``[0, 1]``): face ``j`` of ``faces``, ``j`` drawn from
    ``(seed, epoch, index)`` and flipped with probability ``flip`` (the same draw in any worker)."""

    def __init__(self, paired: Any, faces: Sequence[RealFace] | Sequence[np.ndarray], seed: int = 0,
                 flip: float = 0.5) -> None:
        if not len(faces):
            raise InputError("an unpaired training set needs at least one real LR face")
        images = [f.image if isinstance(f, RealFace) else np.asarray(f) for f in faces]
        sizes = {im.shape for im in images}
        if len(sizes) != 1 or images[0].ndim != 3 or images[0].shape[2] != 3:
            raise InputError(f"real LR faces must share one H x W x 3 size, got {sorted(sizes)}")
        self.paired = paired
        self.real = torch.from_numpy(np.stack(images).transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0))
        self.seed, self.flip, self.epoch = int(seed), float(flip), 0

    def __len__(self) -> int:
        return len(self.paired)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        if hasattr(self.paired, "set_epoch"):
            self.paired.set_epoch(epoch)

    def __getitem__(self, index: int) -> dict[str, Any]:
        from .seeding import sample_rngs

        item = dict(self.paired[index])
        (rng,) = sample_rngs(self.seed + 104729, self.epoch, index, n=1)
        face = self.real[int(rng.integers(len(self.real)))]
        if rng.random() < self.flip:
            face = face.flip(-1)
        item["lr_real"] = face.clone()
        return item
