"""Reference groups from identities: a face to restore plus K high-quality faces of the same person,
with 68 landmarks each (the data of the survey's reference FSR, §4.5 and Table 8).

Training groups come from any source with identity labels (CelebA's ``identity_CelebA.txt``: 181
identities x 30 faces locally; a prepared cache written with identities). Each face of an identity that
has at least two faces is a target; its K references are drawn from the other faces of that identity,
afresh each epoch (:meth:`ReferenceGroupDataset.set_epoch`), reproducibly from ``(seed, epoch, index)``.
K = 1 for single-face methods (GFRNet, GWAInet), 3-10 for multi-face ones (ASFFNet, MEFSR). An identity
with fewer than K other faces repeats them; ``reference_mask`` marks the repeats.

Test groups come from celeba1000's ``identity_groups.json`` (265 identities, 657 faces, identity-disjoint
from the CelebA training identities): :func:`group_pairs` makes every face of a group a target with all
the others of its group as references (1 to 6), in a fixed order; :class:`ReferenceGroupDataset` with
``groups=`` serves them padded to the largest group.

LR faces follow the Table 8 protocol: survey Eq. 5 (``build_degradation("blind")``: Gaussian or motion
blur, bicubic down-sampling, noise 0..15, JPEG 10..60) with a per-sample seed. ``scale=None`` samples the
down-sampling factor in {1:0.1:8} and brings the LR face back to the HR size (the survey's protocol, for
networks that take an upsampled face); ``scale=s`` fixes it (the LR face at 1/s size, for networks that
enlarge it themselves).

Landmarks are the source's own 68 points when it has them (a cache of ``facesr data prepare --landmarks``)
or else the package's 68-point hourglass network's on the HR face (``landmarks="estimate"``), computed
once per face, kept in memory and, with ``landmark_cache=FILE``, on disk.

Items (``K`` references; ``S`` the HR size)::

    hr                   float32 3 x S x S         the face to restore
    lr                   float32 3 x s x s         its degraded version (s = S / scale, or S)
    landmarks            float32 68 x 2            of ``hr`` (pixels)
    reference            float32 K x 3 x S x S     references (same identity)
    reference_landmarks  float32 K x 68 x 2
    reference_mask       bool K                    False for repeats that pad a small group
    identity             int64                     contiguous identity id
    index, seed          int64                     sample index, seed of the degradation draw
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from .augment import Augment
from .landmark_cache import LandmarkCache
from .paired import _tensor, as_source
from .records import FaceDataset
from .seeding import sample_rngs
from .source import FaceSample, FaceSource

LANDMARK_MODES = ("auto", "data", "estimate")


def identity_groups(source: FaceSource, min_size: int = 2) -> dict[str, list[int]]:
    """Identity -> indices of its faces in ``source``, for identities with at least ``min_size`` faces."""
    groups: dict[str, list[int]] = {}
    for i in range(len(source)):
        ident = source.identity_of(i)
        if ident is not None:
            groups.setdefault(str(ident), []).append(i)
    return {k: v for k, v in groups.items() if len(v) >= min_size}


def group_pairs(dataset: FaceDataset) -> list[tuple[int, list[int]]]:
    """``(target, references)`` record indices of a test set's identity groups (``identity_groups.json``
    of celeba1000): every face of a group in turn, with the other faces of its group in file order."""
    groups_of = getattr(dataset, "identity_groups", None)
    if groups_of is None:
        raise InputError(f"{dataset.root}: {dataset.name} has no identity groups (identity_groups.json)")
    by_name = {r.path.name: i for i, r in enumerate(dataset.records)}
    out = []
    for ident, names in sorted(groups_of().items(), key=lambda kv: kv[1][0]):
        missing = [n for n in names if n not in by_name]
        if missing:
            raise InputError(f"{dataset.root}: identity {ident} lists {missing[0]}, which is not in the test set")
        idx = [by_name[n] for n in names]
        out.extend((t, [r for r in idx if r != t]) for t in idx)
    return out


class ReferenceGroupDataset(torch.utils.data.Dataset):
    """Reference groups (module doc) from ``source``: a :class:`FaceSource`, a dataset reader (its own
    framing, or ``crop_box``) or a prepared-cache folder.

    ``k``: references per item. ``groups``: fixed ``(target, references)`` pairs (test sets,
    :func:`group_pairs`) instead of drawing from identities; ``k`` then defaults to the largest group.
    ``scale``: None for the survey's sampled factor with the LR brought back to the HR size, else the
    fixed factor. ``degradation``: a preset of :func:`facesr.degradation.build_degradation` (default
    ``blind``, Eq. 5) or a ``Degradation``. ``flip``: probability of mirroring each face (target and
    each reference on their own draws). ``landmarks``: ``auto`` (the source's 68 points, else
    estimated), ``data`` (the source's, required) or ``estimate``.
    """

    def __init__(self, source: FaceSource | FaceDataset | str | os.PathLike[str], *, k: int | None = None,
                 scale: int | None = 8, size: int = 128, degradation: Any = "blind", kernel: str = "matlab",
                 seed: int = 0, flip: float = 0.0, landmarks: str = "auto",
                 groups: Sequence[tuple[int, Sequence[int]]] | None = None,
                 crop_box: tuple[int, int, int, int] | None = None,
                 landmark_cache: str | os.PathLike[str] | None = None) -> None:
        if landmarks not in LANDMARK_MODES:
            raise InputError(f"landmarks must be one of {', '.join(LANDMARK_MODES)}, got {landmarks!r}")
        self.source = as_source(source, size, kernel, crop_box)
        self.size = self.source.size
        self.scale = scale
        self.seed = int(seed)
        self.epoch = 0
        self.augment = Augment(flip)
        self.landmark_mode = landmarks
        self.landmark_cache = Path(landmark_cache) if landmark_cache is not None else None
        self._estimated: dict[int, np.ndarray] = {}
        if isinstance(degradation, str):
            from ..degradation import build_degradation

            degradation = build_degradation(degradation, None if scale is None else float(scale), kernel=kernel,
                                            back=scale is None)
        self.degradation = degradation
        if groups is not None:
            self.targets = [int(t) for t, _ in groups]
            self.fixed = {int(t): [int(r) for r in refs] for t, refs in groups}
            if not self.targets or any(not refs for refs in self.fixed.values()):
                raise InputError("reference groups need at least one target, each with at least one reference")
            self.k = int(k) if k is not None else max(len(v) for v in self.fixed.values())
            self.members: dict[int, list[int]] = {}
        else:
            self.fixed = None
            self.members = {}
            for idx in identity_groups(self.source).values():
                for i in idx:
                    self.members[i] = idx
            if not self.members:
                raise InputError("no identity of the source has two faces: reference groups need identity labels "
                                 "(celeba with identity_CelebA.txt, or a cache prepared with --identity)")
            self.targets = sorted(self.members)
            self.k = int(k) if k is not None else 1
        if self.k < 1:
            raise InputError(f"k (references per face) must be >= 1, got {self.k}")
        labels = sorted({str(self.source.identity_of(t)) for t in self.targets})
        self._identity_ids = {lab: i for i, lab in enumerate(labels)}
        if self.landmark_cache is not None and self.landmark_cache.is_file():
            self._load_landmarks()

    def __len__(self) -> int:
        return len(self.targets)

    def set_epoch(self, epoch: int) -> None:
        """Draw references, flips and degradations of ``epoch``."""
        self.epoch = int(epoch)

    # -- landmarks ---------------------------------------------------------------------------------
    def _with_landmarks(self, index: int, sample: FaceSample) -> FaceSample:
        has = sample.landmarks is not None and len(sample.landmarks) == 68
        if self.landmark_mode == "data" or (self.landmark_mode == "auto" and has):
            if not has:
                raise InputError(f"{sample.key}: no 68 landmarks (run 'facesr data prepare --landmarks', or use "
                                 "landmarks='estimate')")
            return sample
        if index not in self._estimated:
            self._estimated[index] = self._estimate([sample.hr])[0]
        return sample.replace(landmarks=self._estimated[index], scheme="ibug68")

    @staticmethod
    def _estimate(faces: Sequence[np.ndarray]) -> np.ndarray:
        from ..models.reference.common import estimate_landmarks

        x = torch.from_numpy(np.stack(faces).transpose(0, 3, 1, 2).astype(np.float32) / 255.0)
        return estimate_landmarks(x).numpy().astype(np.float64)

    def precompute_landmarks(self, batch_size: int = 32, progress: bool = True) -> int:
        """Estimate the landmarks of every face that needs them now (batched, with a progress bar) and
        write ``landmark_cache`` if set; returns how many were computed."""
        from tqdm.auto import tqdm

        if self.landmark_mode == "data":
            return 0
        used = sorted(set(self.targets) | {r for v in self.members.values() for r in v}
                      | {r for v in (self.fixed or {}).values() for r in v})
        todo = []
        for i in used:
            if i in self._estimated:
                continue
            if self.landmark_mode == "auto":
                lm = self.source.sample(i).landmarks
                if lm is not None and len(lm) == 68:
                    continue
            todo.append(i)
        for start in tqdm(range(0, len(todo), batch_size), desc="landmarks", unit="batch", disable=not progress):
            chunk = todo[start:start + batch_size]
            pts = self._estimate([self.source.sample(i).hr for i in chunk])
            self._estimated.update(zip(chunk, pts))
        if todo and self.landmark_cache is not None:
            self._save_landmarks()
        return len(todo)

    def _save_landmarks(self) -> None:
        LandmarkCache(self.landmark_cache, self.size).save(self.source, self._estimated)

    def _load_landmarks(self) -> None:
        self._estimated.update(LandmarkCache(self.landmark_cache, self.size).load(self.source))

    # -- items -------------------------------------------------------------------------------------
    def _draw_references(self, target: int, rng: np.random.Generator) -> tuple[list[int], list[bool]]:
        others = self.fixed[target] if self.fixed is not None else [i for i in self.members[target] if i != target]
        if self.fixed is None:
            others = list(rng.permutation(others))
        picks = [others[j % len(others)] for j in range(self.k)]
        return picks, [j < len(others) for j in range(self.k)]

    def _face(self, index: int, rng: np.random.Generator) -> FaceSample:
        return self.augment(self._with_landmarks(index, self.source.sample(index)), rng)

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        aug_rng, deg_rng, ref_rng = sample_rngs(self.seed, self.epoch, i)
        target = self.targets[i]
        face = self._face(target, aug_rng)
        seed = int(deg_rng.integers(0, 2**62))
        lr, _ = self.degradation(face.hr, rng=np.random.default_rng(seed))
        picks, valid = self._draw_references(target, ref_rng)
        refs = [self._face(r, ref_rng) for r in picks]
        ident = self._identity_ids[str(self.source.identity_of(target))]
        return {
            "hr": _tensor(face.hr), "lr": _tensor(lr),
            "landmarks": torch.from_numpy(face.landmarks.astype(np.float32)),
            "reference": torch.stack([_tensor(r.hr) for r in refs]),
            "reference_landmarks": torch.from_numpy(np.stack([r.landmarks for r in refs]).astype(np.float32)),
            "reference_mask": torch.tensor(valid, dtype=torch.bool),
            "identity": torch.tensor(ident, dtype=torch.int64),
            "index": torch.tensor(i), "seed": torch.tensor(seed),
        }


def celeba_reference_groups(root: str | os.PathLike[str] | None = None, **options: Any) -> ReferenceGroupDataset:
    """Training groups of the CelebA identities (``identity_CelebA.txt``), DIC framing, 128 px."""
    from . import open_dataset

    return ReferenceGroupDataset(open_dataset("celeba", root), **options)


def celeba1000_reference_groups(root: str | os.PathLike[str] | None = None, **options: Any) -> ReferenceGroupDataset:
    """Test groups of celeba1000's ``identity_groups.json`` (657 targets; references: the rest of the group)."""
    from . import open_dataset

    dataset = open_dataset("celeba1000", root)
    return ReferenceGroupDataset(dataset, groups=group_pairs(dataset), **options)


def guide_first(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` with its references reordered so that the one whose landmarks align best with the
    target's (weighted least-squares similarity, ASFFNet's guidance selection with equal weights) comes
    first: the guide a single-face method gets in the survey's Table 8, for fairness. Works on one item
    (``K x ...``) or a batch (``N x K x ...``); padding (``reference_mask`` False) is never chosen."""
    from ..models.reference.geometry import wls_residual

    refs, lms, mask = item["reference"], item["reference_landmarks"], item["reference_mask"]
    target = item["landmarks"]
    res = wls_residual(lms, target.unsqueeze(-3).expand_as(lms))
    res = res.masked_fill(~mask.bool(), float("inf"))
    best = res.argmin(dim=-1, keepdim=True)
    k = res.shape[-1]
    rest = torch.arange(k, device=res.device).expand_as(res)
    order = torch.cat([best, rest[rest != best].reshape(*res.shape[:-1], k - 1)], dim=-1)

    def take(t: torch.Tensor) -> torch.Tensor:
        idx = order.reshape(*order.shape, *([1] * (t.dim() - order.dim()))).expand_as(t)
        return t.gather(order.dim() - 1, idx)

    return {**item, "reference": take(refs), "reference_landmarks": take(lms), "reference_mask": take(mask)}
