"""Pose pairs for joint frontalization and super-resolution (survey §4.7.5, TANN): a non-frontal face degraded to
LR as the input, a near-frontal face of the same person at HR as the target.

Yaw comes from five landmarks (eye centres, nose tip, mouth corners: CelebA's ``celeba5`` points, or derived from
68 iBUG points; estimated by the package's hourglass network when the source has none): with the eyes at +-e
and the nose tip a depth h in front of them, a head turned by yaw t puts the nose at h sin t and the eyes at
+-e cos t, so ``(d_left - d_right) / (d_left + d_right) = (h / e) tan t`` for the horizontal nose-to-eye
distances. :func:`yaw_from_landmarks` inverts this with h / e = :data:`NOSE_DEPTH` (an anthropometric guess,
so the angle is a proxy: monotonic in the true yaw, roughly degrees). Positive: nose towards the image's right.

Every identity with at least one face of ``|yaw| <= frontal_max`` and one of ``|yaw| >= profile_min`` gives one
pair per such non-frontal face, its target the identity's most frontal face. Items (S the HR size)::

    hr          float32 3 x S x S        the frontal target
    lr          float32 3 x S/s x S/s    the non-frontal face, degraded (``degradation`` at scale s)
    lr_frontal  float32 3 x S/s x S/s    the target degraded the same way (TANN's frontal LR)
    yaw         float32 ()               yaw proxy of the input (degrees; sign flips with the mirror)
    yaw_frontal float32 ()               of the target
    index, seed int64                    sample index, seed of the degradation draws

``flip``: probability of mirroring input and target together. Randomness per ``(seed, epoch, index)``.

Estimated landmarks are kept on disk (``landmark_cache``: a file, ``"auto"`` (default) for one under the cache
directory named by a digest of the source, or ``None``), so a restart does not run the landmark network again
(:class:`facesr.data.landmark_cache.LandmarkCache`, shared with the reference groups).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from .paired import _tensor, as_source
from .records import FaceDataset
from .seeding import sample_rngs
from .source import FaceSource

#: assumed nose-tip depth in front of the eyes, in half inter-ocular distances
NOSE_DEPTH = 1.0
#: the five points taken from 68 iBUG landmarks: eye centres (means), nose tip, mouth corners
_IBUG_FIVE = (tuple(range(36, 42)), tuple(range(42, 48)), (30,), (48,), (54,))


def five_points(landmarks: np.ndarray) -> np.ndarray:
    """``(5, 2)`` eye centres, nose tip, mouth corners from 5 points (``celeba5`` order) or 68 (iBUG)."""
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.shape == (5, 2):
        return pts
    if pts.shape == (68, 2):
        return np.stack([pts[list(idx)].mean(axis=0) for idx in _IBUG_FIVE])
    raise InputError(f"yaw needs 5 (celeba5) or 68 (iBUG) landmarks, got shape {pts.shape}")


def yaw_from_landmarks(landmarks: np.ndarray, nose_depth: float = NOSE_DEPTH) -> float:
    """Yaw proxy in degrees (module doc) of a face's 5 or 68 landmarks (pixels). NaN points give NaN."""
    p = five_points(landmarks)
    left, right = sorted((p[0, 0], p[1, 0]))
    d_left, d_right = p[2, 0] - left, right - p[2, 0]
    total = d_left + d_right
    if not np.isfinite(total) or total <= 0:
        return float("nan")
    return math.degrees(math.atan((d_left - d_right) / total / nose_depth))


def pose_pairs(yaws: dict[int, float], identities: dict[int, str], frontal_max: float,
               profile_min: float) -> list[tuple[int, int]]:
    """``(input, target)`` index pairs: each face with ``|yaw| >= profile_min`` and the most frontal face of its
    identity, if that one has ``|yaw| <= frontal_max``; sorted by input index."""
    groups: dict[str, list[int]] = {}
    for i, ident in identities.items():
        if ident is not None and np.isfinite(yaws.get(i, np.nan)):
            groups.setdefault(str(ident), []).append(i)
    pairs = []
    for members in groups.values():
        target = min(members, key=lambda i: (abs(yaws[i]), i))
        if abs(yaws[target]) > frontal_max:
            continue
        pairs += [(i, target) for i in members if abs(yaws[i]) >= profile_min]
    return sorted(pairs)


class PosePairDataset(torch.utils.data.Dataset):
    """Pose pairs (module doc) of ``source`` (a dataset reader with identities, a prepared cache folder written
    with ``--identity``, or a :class:`FaceSource`). ``landmarks``: ``auto`` (the source's, else estimated),
    ``data`` or ``estimate``; ``degradation``: a preset of :func:`facesr.degradation.build_degradation` or a
    ``Degradation`` (default ``bicubic``). ``max_identities``: use only the first identities (by label).
    ``landmark_cache``: where estimated landmarks are kept (module doc)."""

    def __init__(self, source: FaceSource | FaceDataset | str | os.PathLike[str], *, scale: int = 8,
                 size: int = 128, degradation: Any = "bicubic", kernel: str = "matlab", seed: int = 0,
                 flip: float = 0.0, frontal_max: float = 10.0, profile_min: float = 15.0, landmarks: str = "auto",
                 crop_box: tuple[int, int, int, int] | None = None, max_identities: int | None = None,
                 landmark_cache: str | os.PathLike[str] | None = "auto") -> None:
        if landmarks not in ("auto", "data", "estimate"):
            raise InputError(f"landmarks must be auto, data or estimate, got {landmarks!r}")
        if not 0 <= frontal_max < profile_min:
            raise InputError(f"need 0 <= frontal_max < profile_min, got {frontal_max}, {profile_min}")
        if not 0.0 <= flip <= 1.0:
            raise InputError(f"flip must be a probability, got {flip}")
        self.source = as_source(source, size, kernel, crop_box)
        self.landmark_cache = landmark_cache
        self.scale, self.seed, self.flip, self.epoch = int(scale), int(seed), float(flip), 0
        if isinstance(degradation, str):
            from ..degradation import build_degradation

            degradation = build_degradation(degradation, float(scale), kernel=kernel)
        self.degradation = degradation
        identities = {i: self.source.identity_of(i) for i in range(len(self.source))}
        if max_identities is not None:  # the first identities by label, all their faces
            keep = set(sorted({str(v) for v in identities.values() if v is not None})[:max(0, int(max_identities))])
            identities = {i: v for i, v in identities.items() if v is not None and str(v) in keep}
        if not any(v is not None for v in identities.values()):
            raise InputError("pose pairs need identity labels (celeba with identity_CelebA.txt, or a cache prepared "
                             "with --identity)")
        self.yaws = self._yaws([i for i, v in identities.items() if v is not None], landmarks)
        self.pairs = pose_pairs(self.yaws, identities, frontal_max, profile_min)
        if not self.pairs:
            raise InputError(f"no identity has a face with |yaw| <= {frontal_max} and one with |yaw| >= "
                             f"{profile_min} degrees: lower profile_min or use more faces")

    def _yaws(self, indices: list[int], mode: str) -> dict[int, float]:
        out, todo = {}, []
        for i in indices:
            lm = self.source.sample(i).landmarks if mode != "estimate" else None
            if lm is not None and len(lm) in (5, 68):
                out[i] = yaw_from_landmarks(lm)
            elif mode == "data":
                raise InputError(f"face {i} of the source has no landmarks (run 'facesr data prepare --landmarks', "
                                 "or landmarks='estimate')")
            else:
                todo.append(i)
        if todo:
            out.update({i: yaw_from_landmarks(p) for i, p in self._estimated(todo).items()})
        return out

    def _estimated(self, todo: list[int]) -> dict[int, np.ndarray]:
        """Landmarks of faces ``todo`` from the cache file, the missing ones estimated (and the file updated)."""
        from .landmark_cache import LandmarkCache, auto_cache_path

        cache = None
        if self.landmark_cache is not None:
            path = (auto_cache_path(self.source, self.source.size, "pose_pairs") if self.landmark_cache == "auto"
                    else self.landmark_cache)
            cache = LandmarkCache(path, self.source.size)
        stored = cache.load(self.source) if cache is not None else {}
        found = {i: stored[i] for i in todo if i in stored}
        missing = [i for i in todo if i not in found]
        for start in range(0, len(missing), 32):
            chunk = missing[start:start + 32]
            from ..models.reference.common import estimate_landmarks

            faces = np.stack([self.source.sample(i).hr for i in chunk]).transpose(0, 3, 1, 2)
            pts = estimate_landmarks(torch.from_numpy(faces.astype(np.float32) / 255.0)).numpy()
            found.update({i: p.astype(np.float64) for i, p in zip(chunk, pts)})
        if missing and cache is not None:
            cache.save(self.source, {**stored, **found})
        return found

    def __len__(self) -> int:
        return len(self.pairs)

    def set_epoch(self, epoch: int) -> None:
        """Draw the flips and degradations of ``epoch``."""
        self.epoch = int(epoch)

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        src, dst = self.pairs[i]
        aug_rng, deg_rng, _ = sample_rngs(self.seed, self.epoch, i)
        face, target = self.source.sample(src).hr, self.source.sample(dst).hr
        sign = 1.0
        if self.flip and aug_rng.random() < self.flip:
            face, target, sign = face[:, ::-1].copy(), target[:, ::-1].copy(), -1.0
        seed = int(deg_rng.integers(0, 2**62))
        lr, _ = self.degradation(face, rng=np.random.default_rng(seed))
        lr_frontal, _ = self.degradation(target, rng=np.random.default_rng(seed + 1))
        return {"hr": _tensor(target), "lr": _tensor(lr), "lr_frontal": _tensor(lr_frontal),
                "yaw": torch.tensor(sign * self.yaws[src], dtype=torch.float32),
                "yaw_frontal": torch.tensor(sign * self.yaws[dst], dtype=torch.float32),
                "index": torch.tensor(i), "seed": torch.tensor(seed)}
