"""Training clips for face video SR (survey §4.8.1) made from still faces: smooth random motion and a
per-clip blind degradation.

A clip of ``n`` frames is the still HR face moved along a smooth trajectory of similarity transforms
(shift, rotation, zoom about the face centre: constant velocity plus constant acceleration per
parameter, drawn per clip, zero at the centre frame so that the centre HR frame is the aligned face
itself), each frame then degraded by **one** draw of a degradation preset (``blind`` by default: the
same blur kernel, scale, noise level and JPEG quality for every frame of the clip). Only the sensor
noise pattern is drawn again for each frame (its level stays the clip's): a camera's noise is
independent from frame to frame. Borders uncovered by the motion are filled by reflecting the face.

:func:`make_clip` builds one clip; :class:`VideoClipDataset` serves ``{"lr": T x 3 x h x w, "hr": 3 x H x W}``
items (float32 ``[0,1]`` RGB, HR = the centre frame) from any face source, with draws that depend only on
``(seed, epoch, index)``.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from .augment import Augment
from .records import FaceDataset
from .seeding import sample_rngs
from .source import FaceSample, FaceSource

#: steps of a degradation record whose random pattern is drawn again for every frame
PER_FRAME_NOISE = ("noise", "grain")


@dataclass(frozen=True)
class Motion:
    """Bounds of a clip's motion per frame: ``shift`` (HR pixels), ``rotate`` (degrees), ``zoom`` (fraction);
    velocities are drawn in ``[-bound, bound]``, accelerations in ``[-accel * bound, accel * bound]``."""

    shift: float = 1.5
    rotate: float = 1.0
    zoom: float = 0.01
    accel: float = 0.25

    def __post_init__(self) -> None:
        for name in ("shift", "rotate", "zoom", "accel"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise InputError(f"motion {name} must be a finite number >= 0, got {v!r}")


def random_trajectory(n: int, centre: int, motion: Motion, rng: np.random.Generator) -> np.ndarray:
    """``(n, 4)`` per-frame ``(dx, dy, angle_deg, log_zoom)``, zero at frame ``centre``: for each parameter
    ``v * d + a * d^2 / 2`` with ``d = frame - centre`` and per-clip velocity ``v`` and acceleration ``a``."""
    bounds = np.array([motion.shift, motion.shift, motion.rotate, math.log1p(motion.zoom)])
    v = rng.uniform(-1.0, 1.0, 4) * bounds
    a = rng.uniform(-1.0, 1.0, 4) * bounds * motion.accel
    d = (np.arange(n) - centre)[:, None].astype(np.float64)
    return v * d + 0.5 * a * d * d


def similarity_matrix(params: np.ndarray, size: int) -> np.ndarray:
    """The ``(2, 3)`` source -> frame matrix of ``(dx, dy, angle_deg, log_zoom)`` about the centre of a
    ``size`` px image (pixel-centre coordinates)."""
    dx, dy, angle, log_zoom = (float(v) for v in params)
    s, t = math.exp(log_zoom), math.radians(angle)
    rot = s * np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    c = np.array([(size - 1) / 2.0] * 2)
    return np.hstack([rot, (c - rot @ c + np.array([dx, dy]))[:, None]])


def move_face(hr: np.ndarray, params: np.ndarray, pad: int = 24) -> np.ndarray:
    """``uint8 S x S x 3`` face moved by ``params`` (:func:`similarity_matrix`), bicubic, borders reflected."""
    from ..faces.align import warp_affine

    if not np.any(params):
        return hr
    size = hr.shape[0]
    padded = np.pad(hr, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    m = similarity_matrix(params, size)
    m_padded = m.copy()
    m_padded[:, 2] -= m[:, :2] @ np.array([pad, pad], dtype=np.float64)  # padded source -> frame
    return warp_affine(padded, m_padded, (size, size))


def frame_record(record: dict[str, Any], frame: int) -> dict[str, Any]:
    """The clip's degradation ``record`` for ``frame``: the same parameters, the noise pattern's seed derived
    from the clip's and the frame index (frame-independent noise of the clip's level)."""
    rec = copy.deepcopy(record)
    for step in rec["steps"]:
        if step["type"] in PER_FRAME_NOISE and "noise_seed" in step:
            ss = np.random.SeedSequence([int(step["noise_seed"]), int(frame)])
            step["noise_seed"] = int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
    return rec


def make_clip(hr: np.ndarray, n: int, degradation: Any, rng: np.random.Generator, motion: Motion = Motion(),
              centre: int | None = None) -> tuple[list[np.ndarray], list[np.ndarray], dict[str, Any]]:
    """A clip of ``n`` frames from the still ``uint8 S x S x 3`` face ``hr``: ``(hr_frames, lr_frames, record)``
    with the record of the clip's degradation draw (``record["trajectory"]``: the motion, :func:`random_trajectory`).
    ``degradation``: a :class:`facesr.degradation.Degradation`; ``centre``: the still frame (default ``n // 2``)."""
    centre = n // 2 if centre is None else int(centre)
    traj = random_trajectory(n, centre, motion, rng)
    record = degradation.sample(hr.shape[:2], rng)
    hr_frames = [move_face(hr, p) for p in traj]
    lr_frames = [degradation.replay(f, frame_record(record, i)) for i, f in enumerate(hr_frames)]
    sizes = {f.shape for f in lr_frames}
    if len(sizes) != 1:
        raise InputError(f"degradation {degradation.name!r} made LR frames of several sizes ({sorted(sizes)})")
    return hr_frames, lr_frames, {**record, "trajectory": traj.round(6).tolist()}


def frames_tensor(frames: list[np.ndarray]) -> torch.Tensor:
    """uint8 frames -> float32 ``T x 3 x H x W`` in [0, 1]."""
    arr = np.stack(frames).transpose(0, 3, 1, 2)
    return torch.from_numpy(np.divide(arr, np.float32(255.0), dtype=np.float32))


class ArraySource(FaceSource):
    """Faces held in memory (``uint8 N x S x S x 3``) as a :class:`FaceSource` (keys ``"0"``, ``"1"``, ...)."""

    def __init__(self, faces: np.ndarray, keys: list[str] | None = None) -> None:
        arr = np.asarray(faces)
        if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[3] != 3 or arr.shape[1] != arr.shape[2] or not len(arr):
            raise InputError(f"faces must be uint8 N x S x S x 3 with N >= 1, got {arr.dtype} {arr.shape}")
        self.faces, self.size = arr, int(arr.shape[1])
        self.keys = keys if keys is not None else [str(i) for i in range(len(arr))]

    def __len__(self) -> int:
        return len(self.faces)

    def sample(self, index: int) -> FaceSample:
        return FaceSample(key=self.keys[index], hr=self.faces[index])

    def identity_of(self, index: int) -> str | None:
        return None


class VideoClipDataset(torch.utils.data.Dataset):
    """Clips of ``frames`` LR frames from still faces (module doc), for the ``video`` recipe.

    ``source``: a :class:`FaceSource`, a dataset reader, a prepared-cache folder, or ``uint8 N x S x S x 3``
    faces; ``scale``: the SR factor (the preset's fixed scale); ``degradation``: a preset name of
    :func:`facesr.degradation.build_degradation` (``blind`` default, ``bicubic``, ``realworld``, a mixture)
    or a ``Degradation``; ``flip``: probability of mirroring the clip. Items: ``lr`` float32 ``T x 3 x h x w``,
    ``hr`` float32 ``3 x S x S`` (the centre frame), ``index``, ``seed`` (the clip's draw).
    """

    def __init__(self, source: FaceSource | FaceDataset | str | os.PathLike[str] | np.ndarray, *, scale: int,
                 frames: int = 5, size: int = 128, degradation: Any = "blind", kernel: str = "matlab",
                 motion: Motion = Motion(), flip: float = 0.5, seed: int = 0) -> None:
        from ..degradation import build_degradation
        from .paired import as_source

        if int(frames) != frames or frames < 1 or frames % 2 == 0:
            raise InputError(f"a clip needs an odd number of frames (2k + 1), got {frames!r}")
        self.source = ArraySource(source) if isinstance(source, np.ndarray) else as_source(source, size, kernel)
        self.size, self.scale, self.frames = self.source.size, int(scale), int(frames)
        if self.size % self.scale:
            raise InputError(f"scale x{scale} does not divide the face size {self.size}")
        self.degradation = (build_degradation(degradation, float(scale), kernel=kernel)
                            if isinstance(degradation, str) else degradation)
        self.motion, self.augment = motion, Augment(flip)
        self.seed, self.epoch = int(seed), 0

    def __len__(self) -> int:
        return len(self.source)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        aug_rng, clip_rng = sample_rngs(self.seed, self.epoch, index, 2)
        sample = self.augment(self.source.sample(index), aug_rng)
        seed = int(clip_rng.integers(0, 2**62))
        hr_frames, lr_frames, _ = make_clip(sample.hr, self.frames, self.degradation, np.random.default_rng(seed),
                                            self.motion)
        lr = frames_tensor(lr_frames)
        if lr.shape[-1] * self.scale != self.size:
            raise InputError(f"degradation {self.degradation.name!r} made {lr.shape[-1]} px LR frames, not "
                             f"{self.size // self.scale} px (x{self.scale}): use a preset with a fixed scale")
        return {"lr": lr, "hr": frames_tensor([hr_frames[self.frames // 2]])[0],
                "index": torch.tensor(index), "seed": torch.tensor(seed)}
