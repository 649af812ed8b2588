"""``facesr enhance``: super-resolve aligned face crops directly, or every face of a photo.

Photo path: the whole image is upscaled by ``scale`` (bicubic background); faces are detected on the
input, aligned to the DIC/CelebA framing at the LR size of the restorer's model that best fits their
size (``128 / model_scale`` px), restored to 128 px and pasted back into the upscaled background with a
feathered mask. Faces whose aligned crop is larger than ``max_face`` px are left to the bicubic
background (restoring them would first shrink them). An image in which no face is found is upscaled
and reported; a small image (both sides <= ``crop_max`` px) with no detectable face is treated as an
aligned crop and restored directly.

Colour handling: grayscale inputs are restored as RGB and written back as grayscale; an alpha channel
is upscaled (bicubic) and put back; EXIF orientation is applied when reading. Large photos are
upscaled with Pillow's uint8 bicubic (no float copy of the output), so memory grows with the output
size only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .restorers import BicubicRestorer, Restorer

ALIGNED_SIZE = 128  # the framing every restorer works in (DIC/FSRNet CelebA crops)


@dataclass
class EnhanceReport:
    """What happened to one image: mode (``crop`` / ``photo``), faces found and restored, notes."""

    mode: str
    faces_found: int = 0
    faces_restored: int = 0
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    model_scales: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    faces: list[np.ndarray] = field(default_factory=list, repr=False)  # restored aligned faces (uint8)


class Enhancer:
    """Detect -> align -> restore -> paste back, with one restorer and one face backend."""

    def __init__(self, restorer: Restorer | None = None, *, detector: str = "dlib-hog", upsample: int = 1,
                 max_face: int = 96, crop_max: int = 128, feather: float = 0.08):
        self.restorer = restorer or BicubicRestorer()
        self.detector_name = detector
        self.upsample = upsample
        self.max_face = max_face
        self.crop_max = crop_max
        self.feather = feather
        self._backend = None

    def _detector(self):
        if self._backend is None:
            from ..faces import create_backend

            opts = {"upsample": self.upsample} if self.detector_name.startswith("dlib") else {}
            self._backend = create_backend(self.detector_name, **opts)
        return self._backend

    def _model_scale(self, crop_px: float) -> int:
        """The restorer scale whose LR size (128 / s) is closest to the face's crop size (log ratio)."""
        best = min(self.restorer.scales, key=lambda s: abs(math.log((ALIGNED_SIZE / s) / max(crop_px, 1.0))))
        return int(best)

    def enhance_crop(self, image: np.ndarray, scale: int) -> np.ndarray:
        """An aligned face crop: restore at ``scale`` directly (resized to the model's LR size if needed)."""
        from ..ops import imresize

        h, w = image.shape[:2]
        s = self.restorer.check_scale(scale) if scale in self.restorer.scales else None
        if s is None:
            s = self._model_scale(max(h, w))
        lr_size = ALIGNED_SIZE // s
        face = image if (h, w) == (lr_size, lr_size) else imresize(image, size=(lr_size, lr_size))
        restored = self.restorer.restore(face[None], s)[0]
        target = (h * scale, w * scale)
        return restored if restored.shape[:2] == target else imresize(restored, size=target)

    def enhance_array(self, image: np.ndarray, scale: int, *, aligned: bool | None = None
                      ) -> tuple[np.ndarray, EnhanceReport]:
        """uint8 ``H x W x 3`` -> uint8 ``(H*scale) x (W*scale) x 3`` and a report."""
        from ..faces.align import align_face, paste_back, scale_matrix

        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise InputError(f"enhance expects uint8 H x W x 3 images, got {image.dtype} {image.shape}")
        if scale < 1 or scale != int(scale):
            raise InputError(f"scale must be a positive integer, got {scale}")
        scale = int(scale)
        h, w = image.shape[:2]
        if aligned:
            return self.enhance_crop(image, scale), EnhanceReport("crop", notes=["treated as an aligned crop"])
        faces = [f for f in self._detector().detect(image) if f.landmarks is not None]
        if not faces:
            if aligned is None and max(h, w) <= self.crop_max:
                return self.enhance_crop(image, scale), EnhanceReport(
                    "crop", notes=["no face detected; small image treated as an aligned crop"])
            return background(image, scale), EnhanceReport("photo", notes=["no face found; upscaled with bicubic"])
        out = background(image, scale)
        report = EnhanceReport("photo", faces_found=len(faces))
        for f in faces:
            report.boxes.append(tuple(float(v) for v in f.box))
            probe = align_face(image, f.landmarks, template="dic", size=ALIGNED_SIZE, scheme=f.scheme)
            crop_px = ALIGNED_SIZE / math.sqrt(abs(np.linalg.det(probe.matrix[:, :2])))
            if crop_px > self.max_face:
                report.notes.append(f"face at {tuple(round(v) for v in f.box)} is {crop_px:.0f} px wide in the "
                                    f"aligned framing (> {self.max_face}); kept bicubic")
                continue
            s = self._model_scale(crop_px)
            lr_size = ALIGNED_SIZE // s
            aligned_face = align_face(image, f.landmarks, template="dic", size=lr_size, scheme=f.scheme)
            restored = self.restorer.restore(aligned_face.image[None], s)[0]
            # source -> aligned, for the source upscaled by `scale`: compose with the pixel-centre scaling
            up = scale_matrix(np.array([[1.0, 0, 0], [0, 1.0, 0]]), scale)
            m_up = aligned_face.matrix @ np.vstack([_invert(up), [0, 0, 1]])
            from ..faces.align import invert

            out = paste_back(out, restored, invert(m_up), aligned_size=lr_size, feather=self.feather, inplace=True)
            report.faces_restored += 1
            report.model_scales.append(s)
            report.faces.append(restored)
        return out, report


def background(image: np.ndarray, scale: int) -> np.ndarray:
    """The upscaled photo behind the faces: Pillow bicubic on uint8 (no float copy of a large output)."""
    from ..ops.resize import pil_resize_uint8

    h, w = image.shape[:2]
    out = pil_resize_uint8(image, (h * scale, w * scale))
    return out if out.flags.writeable else out.copy()


def _invert(m: np.ndarray) -> np.ndarray:
    a = np.vstack([m, [0, 0, 1]])
    return np.linalg.inv(a)[:2]


def enhance(image: np.ndarray, scale: int = 4, *, model: str | Restorer = "rcan-lite",
            restorer: Restorer | None = None, detector: str = "dlib-hog", aligned: bool | None = None,
            device: str = "cpu") -> np.ndarray:
    """Python API: super-resolve a uint8 ``H x W x 3`` face crop or photo by ``scale``.

    ``model``: ``rcan-lite`` (bundled, x4/x8/x16), ``bicubic``, ``NAME:CHECKPOINT`` or a
    :class:`Restorer` (``restorer`` is the older spelling of the same). Faces are restored by the
    model scale whose LR size fits them; ``scale`` must be one the model has (any for bicubic).
    """
    from .restorers import make_restorer

    r = make_restorer(restorer if restorer is not None else model, scale=scale, device=device)
    check_scale(r, scale)
    return Enhancer(r, detector=detector).enhance_array(image, scale, aligned=aligned)[0]


def check_scale(restorer: Restorer, scale: int) -> None:
    """A model restorer must have an x``scale`` model (bicubic takes any integer scale)."""
    if not isinstance(restorer, BicubicRestorer) and int(scale) not in restorer.scales:
        raise InputError(f"{restorer.name} has no x{scale} model (scales: "
                         f"{', '.join(f'x{s}' for s in restorer.scales)}); choose one of them or --model bicubic")
