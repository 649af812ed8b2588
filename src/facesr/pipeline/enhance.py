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
                 max_face: int = 96, crop_max: int = 128, feather: float = 0.08,
                 max_megapixels: float | None = None, background: str = "bicubic", progress: bool = False):
        self.restorer = restorer or BicubicRestorer()
        if background not in BACKGROUNDS:
            raise InputError(f"background must be one of {', '.join(BACKGROUNDS)}, got {background!r}")
        if background == "restore" and not getattr(self.restorer, "full_size", False):
            raise InputError(f"--background restore needs a full-size restorer (bfr-lite); {self.restorer.name} "
                             "restores aligned faces only")
        self.background = background
        self.progress = progress
        self.detector_name = detector
        self.upsample = upsample
        self.max_face = max_face
        self.crop_max = crop_max
        self.feather = feather
        self.max_megapixels = max_megapixels
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

    @property
    def full_size(self) -> bool:
        """Whether the restorer works on the aligned face at full size (any scale, any face size)."""
        return bool(getattr(self.restorer, "full_size", False))

    def enhance_crop(self, image: np.ndarray, scale: int) -> np.ndarray:
        """An aligned face crop: restore at ``scale`` directly (resized to the model's LR size if needed)."""
        from ..ops import imresize

        h, w = image.shape[:2]
        if self.full_size:
            # the crop at the working size, restored; the correction is resized onto the bicubic result,
            # which keeps the crop's own detail beyond the working size (a crop larger than 128 px)
            face = image if (h, w) == (ALIGNED_SIZE, ALIGNED_SIZE) else imresize(image, size=(ALIGNED_SIZE,) * 2)
            restored = self.restorer.restore_full(face[None])[0]
            target = (h * scale, w * scale)
            if target == (ALIGNED_SIZE, ALIGNED_SIZE):
                return restored
            corr = restored.astype(np.float64) - face.astype(np.float64)
            base = image.astype(np.float64) if scale == 1 else imresize(image.astype(np.float64), size=target)
            return np.clip(np.rint(base + imresize(corr, size=target)), 0, 255).astype(np.uint8)
        s = self.restorer.check_scale(scale) if scale in self.restorer.scales else None
        if s is None:
            s = self._model_scale(max(h, w))
        lr_size = ALIGNED_SIZE // s
        face = image if (h, w) == (lr_size, lr_size) else imresize(image, size=(lr_size, lr_size))
        restored = self.restorer.restore(face[None], s)[0]
        target = (h * scale, w * scale)
        return restored if restored.shape[:2] == target else imresize(restored, size=target)

    def detect(self, image: np.ndarray) -> list:
        """The faces of uint8 ``H x W x 3`` ``image`` that have landmarks (:class:`facesr.faces.backends.Face`)."""
        return [f for f in self._detector().detect(image) if f.landmarks is not None]

    def enhance_array(self, image: np.ndarray, scale: int, *, aligned: bool | None = None, faces: list | None = None
                      ) -> tuple[np.ndarray, EnhanceReport]:
        """uint8 ``H x W x 3`` -> uint8 ``(H*scale) x (W*scale) x 3`` and a report. ``faces``: the faces to
        restore (e.g. tracked across video frames) instead of those detected."""
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise InputError(f"enhance expects uint8 H x W x 3 images, got {image.dtype} {image.shape}")
        if scale < 1 or scale != int(scale):
            raise InputError(f"scale must be a positive integer, got {scale}")
        check_output_size(image.shape[:2], int(scale), self.max_megapixels)
        out, report = self._enhance(image, int(scale), aligned, faces)
        if self.full_size:
            toned = keep_tone(image, out)
            if toned is not out:
                report.notes.append("grey/toned photo: colours kept from the input")
            out = toned
        return out, report

    def _enhance(self, image: np.ndarray, scale: int, aligned: bool | None, faces: list | None = None
                 ) -> tuple[np.ndarray, EnhanceReport]:
        from ..faces.align import align_face

        h, w = image.shape[:2]
        if aligned:
            return self.enhance_crop(image, scale), EnhanceReport("crop", notes=["treated as an aligned crop"])
        if faces is None:
            faces = self.detect(image)
        if not faces:
            if aligned is None and max(h, w) <= self.crop_max:
                return self.enhance_crop(image, scale), EnhanceReport(
                    "crop", notes=["no face detected; small image treated as an aligned crop"])
            if self.background == "restore":
                return self._restored_background(background(image, scale)), EnhanceReport(
                    "photo", notes=["no face found; background restored in tiles"])
            return background(image, scale), EnhanceReport("photo", notes=["no face found; upscaled with bicubic"])
        out = background(image, scale)
        report = EnhanceReport("photo", faces_found=len(faces))
        if self.full_size:
            bic = out.copy() if self.background == "restore" else None
            alpha = np.zeros_like(out) if bic is not None else None
            for f in faces:
                report.boxes.append(tuple(float(v) for v in f.box))
                self._paste_full(image, out, f, scale, report, alpha)
            if bic is not None:
                out = blend_by_mask(self._restored_background(bic), out, alpha)
                report.notes.append("background restored in tiles")
            return out, report
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
            self.paste_restored(out, restored, aligned_face.matrix, lr_size, scale)
            report.faces_restored += 1
            report.model_scales.append(s)
            report.faces.append(restored)
        return out, report

    def paste_restored(self, out: np.ndarray, restored: np.ndarray, matrix: np.ndarray, lr_size: int,
                       scale: int) -> None:
        """Paste a restored face (uint8, any size) into ``out``, the source upscaled by ``scale``, in place;
        ``matrix``: source -> aligned ``(2, 3)`` of the face aligned at ``lr_size`` px."""
        from ..faces.align import invert, paste_back, scale_matrix

        # source -> aligned, for the source upscaled by `scale`: compose with the pixel-centre scaling
        up = scale_matrix(np.array([[1.0, 0, 0], [0, 1.0, 0]]), scale)
        m_up = matrix @ np.vstack([_invert(up), [0, 0, 1]])
        paste_back(out, restored, invert(m_up), aligned_size=lr_size, feather=self.feather, inplace=True)

    def _restored_background(self, upscaled: np.ndarray) -> np.ndarray:
        from .tiles import restore_tiles

        return restore_tiles(upscaled, self.restorer.restore_full, progress=self.progress)

    def _paste_full(self, image: np.ndarray, out: np.ndarray, face, scale: int, report: EnhanceReport,
                    alpha: np.ndarray | None = None) -> None:
        """Restore one detected face at the working size and add the correction to ``out`` (in place):
        ``out += warp(restored - aligned input)`` under a feathered mask. Faces of every size: a small face
        gets the restored face; a large one keeps its own detail above the working size. ``alpha`` (uint8,
        the size of ``out``): the face's mask is added to it (255 = fully the face)."""
        from ..faces.align import alignment_matrix, invert, paste_back, scale_matrix

        m = alignment_matrix(face.landmarks, "dic", ALIGNED_SIZE, face.scheme)
        aligned = aligned_view(image, m, ALIGNED_SIZE)
        restored = self.restorer.restore_full(aligned[None])[0]
        corr = restored.astype(np.float32) - aligned.astype(np.float32)
        up = scale_matrix(np.array([[1.0, 0, 0], [0, 1.0, 0]]), scale)  # source -> output pixel centres
        m_out = m @ np.vstack([invert(up), [0, 0, 1]])  # output -> aligned
        paste_back(out, corr, invert(m_out), feather=self.feather, inplace=True, residual=True)
        if alpha is not None:
            paste_back(alpha, np.full_like(corr, 255.0), invert(m_out), feather=self.feather, inplace=True,
                       residual=True)
        crop_px = ALIGNED_SIZE / math.sqrt(abs(np.linalg.det(m[:, :2])))
        report.faces_restored += 1
        report.model_scales.append(max(1, round(ALIGNED_SIZE / max(crop_px, 1.0))))
        report.faces.append(restored)


def aligned_view(image: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """``image`` warped by ``matrix`` (source -> aligned) to ``size`` px, antialiased when the warp
    shrinks: the source is first reduced by a whole factor (box filter) so the warp shrinks by < 2."""
    from PIL import Image

    from ..faces.align import scale_matrix, warp_affine

    zoom = math.sqrt(abs(np.linalg.det(matrix[:, :2])))  # aligned px per source px
    k = int(1.0 / zoom) if zoom < 0.5 else 1
    if k > 1:
        small = np.asarray(Image.fromarray(image).reduce(k))
        matrix = matrix @ np.vstack([scale_matrix(np.array([[1.0, 0, 0], [0, 1.0, 0]]), k), [0, 0, 1]])
        image = small
    return warp_affine(image, matrix, (size, size))


def keep_tone(image: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Grey and sepia photos stay so: when the input's chroma is (nearly) a function of its luma, as in a
    grey or toned print (Cb, Cr = a + b Y, fitted by least squares), the output keeps its own luma and
    gets the chroma that the same tone curve gives it. A colour photo is returned as it is (``out``)."""
    from ..ops import rgb2ycbcr, ycbcr2rgb

    ycc = rgb2ycbcr(image.astype(np.float64)).reshape(-1, 3)
    design = np.stack([np.ones(len(ycc)), ycc[:, 0]], axis=1)
    coef, *_ = np.linalg.lstsq(design, ycc[:, 1:], rcond=None)
    if float((ycc[:, 1:] - design @ coef).std(axis=0).max()) > TONED_CHROMA_STD:
        return out
    y_out = rgb2ycbcr(out.astype(np.float64))[..., :1]
    chroma = coef[0] + y_out * coef[1]
    merged = np.concatenate([y_out, chroma], axis=2)
    return np.clip(np.rint(ycbcr2rgb(merged)), 0, 255).astype(np.uint8)


#: chroma spread about the luma's tone curve (std of Cb and of Cr, 0..255 scale) below which a photo
#: counts as grey or toned
TONED_CHROMA_STD = 3.0


#: the largest output enhance makes, in megapixels (a uint8 RGB image of 200 MP is 600 MB)
MAX_OUTPUT_MEGAPIXELS = 200.0


def check_output_size(size: tuple[int, int], scale: int, limit: float | None = None) -> None:
    """Refuse, before any work, an output too large for memory, naming the size it would have."""
    limit = MAX_OUTPUT_MEGAPIXELS if limit is None else limit
    h, w = size[0] * scale, size[1] * scale
    mp = h * w / 1e6
    if mp > limit:
        raise InputError(f"the output would be {w}x{h} px ({mp:.0f} MP, {h * w * 3 / 2**30:.1f} GiB as 8-bit RGB), "
                         f"over the {limit:.0f} MP limit: use a smaller --scale or crop the photo")


BACKGROUNDS = ("bicubic", "restore")


def blend_by_mask(back: np.ndarray, front: np.ndarray, alpha: np.ndarray, rows: int = 512) -> np.ndarray:
    """``front * a + back * (1 - a)`` with ``a = alpha / 255`` (uint8 images of one size), in bands of
    ``rows`` rows (float memory stays small for large photos); written into ``back``."""
    for y in range(0, back.shape[0], rows):
        a = alpha[y:y + rows].astype(np.float32) / 255.0
        mixed = front[y:y + rows].astype(np.float32) * a + back[y:y + rows].astype(np.float32) * (1.0 - a)
        back[y:y + rows] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return back


def background(image: np.ndarray, scale: int) -> np.ndarray:
    """The upscaled photo behind the faces: Pillow bicubic on uint8 (no float copy of a large output)."""
    from ..ops.resize import pil_resize_uint8

    h, w = image.shape[:2]
    out = pil_resize_uint8(image, (h * scale, w * scale))
    return out if out.flags.writeable else out.copy()


def _invert(m: np.ndarray) -> np.ndarray:
    a = np.vstack([m, [0, 0, 1]])
    return np.linalg.inv(a)[:2]


def enhance(image: np.ndarray, scale: int = 4, *, model: str | Restorer = "bfr-lite",
            restorer: Restorer | None = None, detector: str = "dlib-hog", aligned: bool | None = None,
            device: str = "cpu", fidelity: float | None = None, background: str = "bicubic",
            flip: bool = False) -> np.ndarray:
    """Python API: restore and upscale a uint8 ``H x W x 3`` face crop or photo by ``scale`` (1..16).

    ``model``: ``bfr-lite`` (bundled blind restorer, default: any scale, any face size, real damage),
    ``rcan-lite`` (bundled clean-bicubic specialist, x4/x8/x16), ``bicubic``, ``NAME:CHECKPOINT`` or a
    :class:`Restorer` (``restorer`` is the older spelling of the same). ``fidelity`` 0..1 (full-size
    restorers): 1 = closest to the input, 0 = most detail. ``background``: ``bicubic`` or ``restore`` (the
    photo around the faces restored by the full-size restorer in tiles, :mod:`facesr.pipeline.tiles`).
    ``flip``: run the network as a flip self-ensemble (faces only; twice the cost, about +0.04..0.12 dB).
    """
    r = build_restorer(restorer if restorer is not None else model, scale=scale, device=device, fidelity=fidelity,
                       flip=flip)
    return Enhancer(r, detector=detector, background=background).enhance_array(image, scale, aligned=aligned)[0]


def build_restorer(model: str | Restorer, *, scale: int, device: str = "cpu", fidelity: float | None = None,
                   model_scale: int | None = None, flip: bool = False) -> Restorer:
    """The restorer ``enhance`` uses for ``model`` at ``scale`` (a scale-specific model must have it).
    ``flip`` (or a ``+flip`` suffix: ``bfr-lite+flip``): a flip self-ensemble of the network, the mean of
    the outputs for each face and its mirror image (twice the cost)."""
    from .fullsize import DEFAULT_FIDELITY, full_size_restorer, is_full_size
    from .restorers import make_restorer

    if is_full_size(model):
        if isinstance(model, Restorer):
            if fidelity is not None:
                model.set_fidelity(fidelity)
            model.flip = model.flip or flip
            return model
        return full_size_restorer(str(model), fidelity=DEFAULT_FIDELITY if fidelity is None else fidelity,
                                  device=device, flip=flip)
    r = make_restorer(model, scale=model_scale or scale, device=device)
    check_scale(r, scale)
    if flip and not isinstance(r, BicubicRestorer):  # bicubic is mirror-symmetric: nothing to average
        r.flip = True
    return r


def check_scale(restorer: Restorer, scale: int) -> None:
    """A model restorer must have an x``scale`` model (bicubic takes any integer scale)."""
    if not isinstance(restorer, BicubicRestorer) and int(scale) not in restorer.scales:
        raise InputError(f"{restorer.name} has no x{scale} model (scales: "
                         f"{', '.join(f'x{s}' for s in restorer.scales)}); choose one of them or --model bicubic")
