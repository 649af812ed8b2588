"""Face backends by name: dlib (HOG/CNN, 68 points) and MediaPipe (478 points)."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from facesr.errors import MissingDependencyError, UnknownNameError
from facesr.faces.backends import FACE_BACKENDS, MediaPipeBackend, create_backend
from facesr.faces.schemes import flip_landmarks
from facesr.io import read_image
from facesr_testing import require_data

HAVE_DLIB = importlib.util.find_spec("dlib") is not None and importlib.util.find_spec(
    "face_recognition_models") is not None


def _mediapipe_usable() -> bool:
    try:
        from mediapipe.python.solutions import face_mesh  # noqa: F401
    except ImportError:
        return False
    return True


def test_registry_names():
    assert {"dlib-hog", "dlib-cnn", "mediapipe"} <= set(FACE_BACKENDS.names())
    assert FACE_BACKENDS.entry("dlib").name == "dlib-hog"
    assert "pip install" in FACE_BACKENDS.entry("mediapipe").meta["requires"]
    with pytest.raises(UnknownNameError, match="did you mean"):
        create_backend("dlib-hgo")


def test_mediapipe_missing_names_pip_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)
    monkeypatch.setitem(sys.modules, "mediapipe.python", None)
    monkeypatch.setitem(sys.modules, "mediapipe.python.solutions", None)
    with pytest.raises(MissingDependencyError, match="pip install --no-deps mediapipe==0.10.21"):
        MediaPipeBackend().detect(np.zeros((32, 32, 3), np.uint8))


@pytest.mark.skipif(not HAVE_DLIB, reason="dlib not installed")
def test_dlib_finds_face_and_flip_consistent_landmarks():
    img = read_image(require_data("celeba1000") / "HR" / "201601.jpg")
    with create_backend("dlib-hog") as backend:
        faces = backend.detect(img)
        assert len(faces) == 1 and faces[0].landmarks.shape == (68, 2) and faces[0].scheme == "ibug68"
        flipped = backend.detect(np.ascontiguousarray(img[:, ::-1]))[0].landmarks
    # landmarks of the mirrored photo = mirrored landmarks of the photo, point by point
    err = np.hypot(*(flipped - flip_landmarks(faces[0].landmarks, img.shape[1])).T)
    assert np.median(err) < 2.0
    assert backend.detect(np.full((128, 128, 3), 128, np.uint8)) == []


@pytest.mark.skipif(not _mediapipe_usable(), reason="mediapipe 0.10.21 not usable")
def test_mediapipe_mesh_478():
    img = read_image(require_data("celeba1000") / "HR" / "201601.jpg")
    with create_backend("mediapipe") as backend:
        faces = backend.detect(img)
        assert len(faces) >= 1
        face = faces[0]
        assert face.landmarks.shape == (478, 2) and face.scheme == "mediapipe478" and face.score > 0.5
        flipped = backend.detect(np.ascontiguousarray(img[:, ::-1]))[0].landmarks
    err = np.hypot(*(flipped - flip_landmarks(face.landmarks, img.shape[1])).T)
    assert np.median(err) < 2.0
    left, top, right, bottom = face.box
    assert 0 <= left < right <= 128 and 0 <= top < bottom <= 128


@pytest.mark.skipif(not HAVE_DLIB, reason="dlib not installed")
def test_cnn_fallback_finds_what_hog_misses():
    img = read_image(require_data("celeba1000") / "HR" / "201657.jpg")  # a turned face HOG misses
    assert create_backend("dlib-hog").detect(img) == []
    faces = create_backend("dlib-hog-cnn").detect(img)
    assert len(faces) == 1 and faces[0].landmarks.shape == (68, 2)
