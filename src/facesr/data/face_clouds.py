"""3-D face point clouds for point-cloud FSR (survey §4.8.4): dense clouds from MediaPipe's face landmarker (478
points per face, :func:`facesr.faces.mesh3d.face_mesh_3d`) on the local face images, sparse noisy subsets as LR.

No 3-D face scans exist here: the HR "scan" is MediaPipe's mesh fitted to a 2-D photo, i.e. a smooth template
deformed to the face (its depth is a regression, not a measurement). What a network learns from these pairs is
to densify and denoise MediaPipe-like meshes, not to recover scanner detail.

* HR: the 478 points, centred on their mean and scaled to unit RMS radius (:func:`normalise`), ``float32 478 x 3``.
* LR (per sample, seeded by ``(seed, epoch, index)``): ``ceil(478 / scale)`` points drawn without replacement,
  plus isotropic Gaussian noise of ``noise`` (in units of the RMS radius).

Meshes of a dataset's faces are kept on disk (:class:`facesr.data.landmark_cache.LandmarkCache`, the file named
by a digest of the source unless given); faces where MediaPipe finds none are stored as NaN and left out.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from .seeding import sample_rngs


def normalise(points: np.ndarray) -> np.ndarray:
    """``P x 3`` points centred on their mean and scaled to unit RMS distance from it (float32)."""
    p = np.asarray(points, dtype=np.float64)
    p = p - p.mean(axis=0)
    rms = float(np.sqrt((p**2).sum(axis=1).mean()))
    if not np.isfinite(rms) or rms <= 0:
        raise InputError(f"a point cloud of {len(p)} points has no extent (RMS radius {rms})")
    return (p / rms).astype(np.float32)


def image_clouds(images: np.ndarray | list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Normalised clouds ``K x 478 x 3`` of the ``uint8 H x W x 3`` faces where MediaPipe finds one, and their
    indices among ``images``."""
    from ..faces.mesh3d import face_mesh_3d

    meshes = face_mesh_3d(list(images))
    keep = [i for i, m in enumerate(meshes) if m is not None]
    if not keep:
        raise InputError(f"MediaPipe found no face in any of {len(meshes)} images")
    return np.stack([normalise(meshes[i]) for i in keep]), keep


def source_clouds(source: Any, indices: list[int] | None = None, cache: str | os.PathLike[str] | None = "auto",
                  batch: int = 64) -> tuple[np.ndarray, list[int]]:
    """Like :func:`image_clouds` for faces ``indices`` (default: all) of a :class:`facesr.data.source.FaceSource`
    (``source.sample(i).hr``), the raw meshes read from / written to ``cache`` (a file, ``"auto"`` under the cache
    directory, or ``None``)."""
    from ..faces.mesh3d import MESH_POINTS, face_mesh_3d
    from .landmark_cache import LandmarkCache, auto_cache_path

    store = None
    if cache is not None:
        path = auto_cache_path(source, source.size, "mesh3d") if cache == "auto" else cache
        store = LandmarkCache(path, source.size)
    wanted = list(range(len(source))) if indices is None else [int(i) for i in indices]
    meshes = store.load(source) if store is not None else {}
    todo = [i for i in wanted if i not in meshes]
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        found = face_mesh_3d([source.sample(i).hr for i in chunk])
        meshes.update({i: m if m is not None else np.full((MESH_POINTS, 3), np.nan) for i, m in zip(chunk, found)})
    if todo and store is not None:
        store.save(source, meshes)
    keep = [i for i in wanted if np.isfinite(meshes[i]).all()]
    if not keep:
        raise InputError(f"MediaPipe found no face in any of the {len(wanted)} faces asked for")
    return np.stack([normalise(meshes[i]) for i in keep]), keep


def sparse_noisy(cloud: np.ndarray, points: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``points`` of ``cloud`` (``P x 3``) drawn without replacement, each moved by N(0, ``noise``^2) per axis."""
    if not 1 <= points <= len(cloud):
        raise InputError(f"cannot draw {points} of {len(cloud)} points")
    pick = np.sort(rng.choice(len(cloud), size=points, replace=False))
    return (cloud[pick] + rng.normal(0.0, noise, size=(points, 3))).astype(np.float32)


class FaceCloudDataset(torch.utils.data.Dataset):
    """Pairs of (sparse noisy, dense) face clouds from normalised ``clouds`` (``K x P x 3``; module doc). Items:
    ``hr`` ``P x 3``, ``lr`` ``ceil(P / scale) x 3``, ``index`` and ``seed`` (int64). ``flip``: probability of
    mirroring a pair (x -> -x)."""

    def __init__(self, clouds: np.ndarray, *, scale: int = 4, noise: float = 0.01, seed: int = 0,
                 flip: float = 0.0) -> None:
        clouds = np.asarray(clouds, dtype=np.float32)
        if clouds.ndim != 3 or clouds.shape[-1] != 3 or not len(clouds):
            raise InputError(f"face clouds must be K x P x 3 with K >= 1, got shape {clouds.shape}")
        if int(scale) < 1 or noise < 0 or not 0.0 <= flip <= 1.0:
            raise InputError(f"need scale >= 1, noise >= 0 and flip in [0, 1]; got {scale}, {noise}, {flip}")
        self.clouds, self.scale, self.noise = clouds, int(scale), float(noise)
        self.seed, self.flip, self.epoch = int(seed), float(flip), 0
        self.lr_points = -(-clouds.shape[1] // self.scale)

    def __len__(self) -> int:
        return len(self.clouds)

    def set_epoch(self, epoch: int) -> None:
        """Draw the subsets, noise and flips of ``epoch``."""
        self.epoch = int(epoch)

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        aug, draw, _ = sample_rngs(self.seed, self.epoch, i)
        hr = self.clouds[i]
        if self.flip and aug.random() < self.flip:
            hr = hr * np.array([-1.0, 1.0, 1.0], dtype=np.float32)
        seed = int(draw.integers(0, 2**62))
        lr = sparse_noisy(hr, self.lr_points, self.noise, np.random.default_rng(seed))
        return {"hr": torch.from_numpy(np.ascontiguousarray(hr)), "lr": torch.from_numpy(lr),
                "index": torch.tensor(i), "seed": torch.tensor(seed)}
