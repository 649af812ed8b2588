"""BRISQUE (Mittal et al. 2012) through OpenCV contrib's quality module, with the LIVE model files.

Needs ``cv2.quality`` (``opencv-contrib-python-headless``; the plain opencv wheels lack it) and
the LIVE model ``brisque_model_live.yml`` / ``brisque_range_live.yml``, shipped by the Debian
package ``opencv-data`` (``/usr/share/opencv4/quality``) or any folder named by
``$FACESR_BRISQUE_DIR``. The image is rounded to uint8 and given to OpenCV as BGR; OpenCV converts
it to grey (0.299 R + 0.587 G + 0.114 B). Scores are clamped by OpenCV to [0, 100] and do **not**
equal the reference MATLAB BRISQUE (baboon: 29.14; see ``docs/metrics.md``): use them as a relative
no-reference score. Lower is better. Images need at least 32 px per side.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import torch

from ..errors import InputError, MissingDependencyError
from .base import Metric

PIP_LINE = "pip install opencv-contrib-python-headless==5.0.0.93"
APT_LINE = "apt-get install opencv-data"
MODEL_FILES = ("brisque_model_live.yml", "brisque_range_live.yml")
SEARCH_DIRS = ("/usr/share/opencv4/quality", "/usr/local/share/opencv4/quality", "/usr/share/opencv/quality")
MIN_SIZE = 32


def model_dir() -> Path:
    """Folder holding the two LIVE model files (``$FACESR_BRISQUE_DIR`` first)."""
    env = os.environ.get("FACESR_BRISQUE_DIR")
    candidates = ([Path(env)] if env else []) + [Path(d) for d in SEARCH_DIRS]
    for d in candidates:
        if all((d / f).is_file() for f in MODEL_FILES):
            return d
    raise MissingDependencyError(
        f"BRISQUE model files {' and '.join(MODEL_FILES)} not found (looked in "
        f"{', '.join(str(c) for c in candidates)}); run: {APT_LINE} (or set FACESR_BRISQUE_DIR), "
        f"with OpenCV contrib from: {PIP_LINE}"
    )


@functools.cache
def _scorer():
    try:
        import cv2
    except ImportError:
        raise MissingDependencyError(f"OpenCV is not installed; run: {PIP_LINE}") from None
    if not hasattr(cv2, "quality"):
        raise MissingDependencyError(f"this OpenCV build has no 'quality' module (contrib); run: {PIP_LINE}")
    d = model_dir()
    return cv2.quality.QualityBRISQUE_create(str(d / MODEL_FILES[0]), str(d / MODEL_FILES[1]))


def brisque(image_uint8: np.ndarray) -> float:
    """BRISQUE of one uint8 ``H x W x 3`` RGB (or ``H x W`` grey) image, OpenCV's LIVE model."""
    arr = np.asarray(image_uint8)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise InputError(f"BRISQUE expects uint8 H x W x 3 or H x W images, got {arr.dtype} {arr.shape}")
    if min(arr.shape[:2]) < MIN_SIZE:
        raise InputError(f"BRISQUE needs images of at least {MIN_SIZE}x{MIN_SIZE} px, got "
                         f"{arr.shape[0]}x{arr.shape[1]}")
    bgr = np.ascontiguousarray(arr[..., ::-1] if arr.ndim == 3 else arr)
    return float(_scorer().compute(bgr)[0])


class BRISQUE(Metric):
    """No-reference BRISQUE (OpenCV contrib, LIVE model; lower is better) of ``[0,1]`` SR images."""

    name = "brisque"
    higher_better = False
    needs_hr = False

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu") -> None:
        super().__init__(protocol=protocol, scale=scale, device=device)
        _scorer()  # fail early with the install lines

    def score(self, sr: torch.Tensor, hr: torch.Tensor | None = None) -> torch.Tensor:
        u8 = (sr.detach().to("cpu", torch.float64).clamp(0, 1) * 255).round().to(torch.uint8)
        return torch.tensor([brisque(a) for a in u8.permute(0, 2, 3, 1).numpy()], dtype=torch.float64)

    def describe(self) -> str:
        return ("BRISQUE via OpenCV contrib cv2.quality with the LIVE model (opencv-data), uint8 grey "
                f"(0.299/0.587/0.114), clamped to [0,100], not equal to MATLAB BRISQUE; protocol {self.protocol.name}")
