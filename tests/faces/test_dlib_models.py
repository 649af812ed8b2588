"""dlib model access: lazy location by path, caching, shapes, and clear errors when absent."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from facesr.errors import InputError, MissingDependencyError
from facesr.faces import dlib_models as dm
from facesr_testing import require_data

HAVE_DLIB = importlib.util.find_spec("dlib") is not None and importlib.util.find_spec(
    "face_recognition_models") is not None
needs_dlib = pytest.mark.skipif(not HAVE_DLIB, reason=f"dlib models not installed ({dm.PIP_LINE})")


def test_import_is_light():
    code = ("import sys, facesr.faces.dlib_models; "
            "print(int('dlib' in sys.modules), int('face_recognition_models' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0"]


def test_missing_package_names_pip_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "face_recognition_models" else real(name, *a))
    with pytest.raises(MissingDependencyError, match="pip install dlib-bin"):
        dm.model_path("shape68")


def test_missing_dlib_names_pip_line(monkeypatch):
    dm.dlib_module.cache_clear()
    monkeypatch.setitem(sys.modules, "dlib", None)  # makes `import dlib` raise ImportError
    try:
        with pytest.raises(MissingDependencyError, match="pip install dlib-bin"):
            dm.dlib_module()
    finally:
        dm.dlib_module.cache_clear()


def test_bad_arguments():
    with pytest.raises(InputError):
        dm.model_path("nope")
    with pytest.raises(InputError, match="uint8"):
        dm.check_image(np.zeros((8, 8), np.float32))


@needs_dlib
def test_models_cached_and_points_sane():
    assert dm.shape_predictor(68) is dm.shape_predictor(68)
    with pytest.raises(InputError):
        dm.shape_predictor(12)
    hr = require_data("celeba1000") / "HR" / "201600.jpg"
    from facesr.io import read_image

    img = read_image(hr)
    faces = dm.detect_hog(img, upsample=1)
    assert len(faces) == 1
    box = faces[0][0]
    lm68 = dm.landmarks(img, box, 68)
    lm5 = dm.landmarks(img, box, 5)
    assert lm68.shape == (68, 2) and lm5.shape == (5, 2) and lm68.dtype == np.float64
    # points lie in the box region; eyes (36-47) above the mouth (48-67); subject's right eye on image left
    assert lm68[36:48, 1].mean() < lm68[48:68, 1].mean()
    assert lm68[36:42, 0].mean() < lm68[42:48, 0].mean()
    d5 = dm.face_descriptor(img, box)
    d68 = dm.face_descriptor(img, box, lm68)
    assert d5.shape == (128,) and d5.dtype == np.float64
    assert np.linalg.norm(d5 - d68) < 0.3  # same face, different alignment points
    chip = dm.face_chip(img, box)
    assert chip.shape == (150, 150, 3)
    assert np.linalg.norm(dm.face_descriptor_from_chip(chip) - d5) < 1e-6
    with pytest.raises(InputError, match="5 or 68"):
        dm.face_descriptor(img, box, np.zeros((7, 2)))
