"""Similarity-transform face alignment to a template, and pasting a restored face back.

Templates (any output size ``S``):

* ``ffhq`` — FFHQ's alignment: from the eye centres and mouth corners an oriented square is built
  (centre ``eye_avg + 0.1 * eye_to_mouth``, half-side ``max(2 |eye_to_eye|, 1.8 |eye_to_mouth|) / 2``,
  oriented by ``eye_to_eye - rot90(eye_to_mouth)``) and mapped onto the ``S x S`` output.
* ``dic`` — the tight CelebA framing of the FSRNet/DIC benchmarks: a least-squares similarity
  mapping the five key points (eye centres, nose tip, mouth corners) onto :data:`DIC_TEMPLATE_128`
  scaled to ``S``.

Every transform is a ``float64 (2, 3)`` matrix ``M`` mapping source pixel coordinates to aligned
ones (pixel centres at integers): ``[x', y'] = M @ [x, y, 1]``. :func:`invert` gives the way back,
used by :func:`paste_back`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from ..errors import InputError
from .schemes import scheme_of

#: Key points of CelebA faces in the DIC/FSRNet 128 x 128 framing (crop box (20, 62, 154, 196) of
#: ``img_align_celeba`` resized to 128): image-left eye centre, image-right eye centre, nose tip,
#: left and right mouth corners, in pixels. Mean of dlib 68-point estimates (eye centres = mean of the
#: six eye points, nose tip = point 30, mouth corners = points 48/54) over 1,066 CelebA images.
DIC_TEMPLATE_128 = np.array([
    [47.12, 48.37], [83.77, 48.43], [65.00, 69.76], [48.82, 86.67], [82.17, 86.67],
])

TEMPLATES = ("ffhq", "dic")

_MESH_KEYS = {"l_eye": None, "r_eye": None, "nose": 1, "l_mouth": 61, "r_mouth": 291}


def key_points(landmarks: np.ndarray, scheme: str | None = None) -> np.ndarray:
    """``float64 (5, 2)``: image-left eye centre, image-right eye centre, nose tip, image-left and
    image-right mouth corners, from 68-point, 478-point or CelebA 5-point landmarks."""
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.ndim != 2 or lm.shape[1] != 2:
        raise InputError(f"landmarks must be an (n, 2) array, got shape {lm.shape}")
    name = scheme_of(len(lm), scheme)
    if name == "ibug68":
        return np.stack([lm[36:42].mean(0), lm[42:48].mean(0), lm[30], lm[48], lm[54]])
    if name == "celeba5":
        return lm.copy()
    if name == "mediapipe478":
        from .mediapipe_mesh import mesh_regions

        r = mesh_regions()
        return np.stack([lm[r["l_eye"]].mean(0), lm[r["r_eye"]].mean(0), lm[1], lm[61], lm[291]])
    raise InputError(f"alignment needs eye centres and mouth corners: 68, 478 or celeba5 landmarks, "
                     f"got scheme {name}")


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation; no reflection) mapping
    ``src`` ``(n, 2)`` points onto ``dst``: ``float64 (2, 3)`` matrix (Umeyama's method)."""
    s = np.asarray(src, dtype=np.float64)
    d = np.asarray(dst, dtype=np.float64)
    if s.shape != d.shape or s.ndim != 2 or s.shape[1] != 2 or len(s) < 2:
        raise InputError(f"similarity_transform needs matching (n>=2, 2) points, got {s.shape}, {d.shape}")
    ms, md = s.mean(0), d.mean(0)
    sc, dc = s - ms, d - md
    var = (sc**2).sum() / len(s)
    if var <= 0:
        raise InputError("similarity_transform: source points are all the same")
    cov = dc.T @ sc / len(s)
    u, sig, vt = np.linalg.svd(cov)
    fix = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        fix[1, 1] = -1
    rot = u @ fix @ vt
    scale = (sig * np.diag(fix)).sum() / var
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = md - scale * rot @ ms
    return m


def invert(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a ``(2, 3)`` affine matrix."""
    full = np.vstack([np.asarray(matrix, dtype=np.float64), [0.0, 0.0, 1.0]])
    return np.linalg.inv(full)[:2]


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a ``(2, 3)`` matrix to ``(n, 2)`` points."""
    p = np.asarray(points, dtype=np.float64)
    m = np.asarray(matrix, dtype=np.float64)
    return p @ m[:, :2].T + m[:, 2]


def ffhq_matrix(keys: np.ndarray, size: int) -> np.ndarray:
    """The FFHQ alignment (see module doc) as a ``(2, 3)`` matrix onto an ``size x size`` output."""
    eye_l, eye_r, _, mouth_l, mouth_r = np.asarray(keys, dtype=np.float64)
    eye_avg = (eye_l + eye_r) / 2
    eye_to_eye = eye_r - eye_l
    mouth_avg = (mouth_l + mouth_r) / 2
    eye_to_mouth = mouth_avg - eye_avg
    x = eye_to_eye - np.array([-eye_to_mouth[1], eye_to_mouth[0]])  # eye_to_eye - rot90(eye_to_mouth)
    x = x / np.hypot(*x)
    x = x * max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.array([-x[1], x[0]])
    c = eye_avg + eye_to_mouth * 0.1
    # quad corners (edge coordinates of the source) -> output square corners (edge coordinates)
    quad = np.stack([c - x - y, c - x + y, c + x + y, c + x - y])
    square = np.array([[0, 0], [0, size], [size, size], [size, 0]], dtype=np.float64)
    m_edge = similarity_transform(quad + 0.5, square)
    return _edge_to_centre(m_edge)


def _edge_to_centre(m_edge: np.ndarray) -> np.ndarray:
    """Matrix in pixel-edge coordinates -> the same map in pixel-centre coordinates."""
    m = m_edge.copy()
    m[:, 2] = m_edge[:, :2] @ np.array([0.5, 0.5]) + m_edge[:, 2] - 0.5
    return m


def template_points(name: str, size: int) -> np.ndarray:
    """The 5 key points of a template at output size ``size`` (``dic`` only; ffhq is procedural)."""
    if name != "dic":
        raise InputError(f"template {name!r} has no fixed points (known point templates: dic)")
    return (DIC_TEMPLATE_128 + 0.5) * (size / 128.0) - 0.5


def alignment_matrix(landmarks: np.ndarray, template: str = "ffhq", size: int = 512,
                     scheme: str | None = None) -> np.ndarray:
    """The ``(2, 3)`` source -> aligned matrix for ``template`` at ``size`` x ``size``."""
    if template not in TEMPLATES:
        raise InputError(f"unknown alignment template {template!r} (known: {', '.join(TEMPLATES)})")
    if size < 8:
        raise InputError(f"aligned face size must be >= 8 pixels, got {size}")
    keys = key_points(landmarks, scheme)
    if template == "ffhq":
        return ffhq_matrix(keys, size)
    return similarity_transform(keys, template_points("dic", size))


def warp_affine(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], *,
                resample: str = "bicubic", fill: int = 0) -> np.ndarray:
    """Warp ``uint8 H x W (x C)`` ``image`` by ``matrix`` (source -> output) into ``size`` ``(H, W)``.
    A float image (e.g. a signed correction) is warped channel by channel in float32."""
    arr = np.asarray(image)
    if arr.dtype.kind == "f":
        chans = arr[..., None] if arr.ndim == 2 else arr
        out = [warp_affine_plane(np.ascontiguousarray(chans[..., c], dtype=np.float32), matrix, size, resample)
               for c in range(chans.shape[2])]
        return out[0] if arr.ndim == 2 else np.stack(out, axis=2)
    if resample not in ("bicubic", "bilinear", "nearest"):
        raise InputError(f"resample must be one of bicubic, bilinear, nearest, got {resample!r}")
    return warp_affine_plane(arr, matrix, size, resample, fill)


def warp_affine_plane(arr: np.ndarray, matrix: np.ndarray, size: tuple[int, int], resample: str = "bicubic",
                      fill: float = 0) -> np.ndarray:
    """:func:`warp_affine` of one PIL-representable array (uint8 H x W (x C), or float32 H x W)."""
    inv = invert(matrix)
    # PIL maps output pixel-edge coordinates to input pixel-edge coordinates
    inv_edge = inv.copy()
    inv_edge[:, 2] = inv[:, 2] + 0.5 - inv[:, :2] @ np.array([0.5, 0.5])
    modes = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "nearest": Image.NEAREST}
    h, w = size
    img = Image.fromarray(arr)
    fillcolor = fill if arr.ndim == 2 else (fill,) * arr.shape[2]
    out = img.transform((w, h), Image.AFFINE, tuple(inv_edge.reshape(-1)), resample=modes[resample],
                        fillcolor=fillcolor)
    return np.asarray(out)


@dataclass
class AlignedFace:
    """An aligned face crop, the transform that made it (``matrix``: source -> aligned, ``(2, 3)``),
    its inverse, and the landmarks in aligned coordinates."""

    image: np.ndarray
    matrix: np.ndarray
    inverse: np.ndarray
    landmarks: np.ndarray | None
    template: str
    source_size: tuple[int, int]


def align_face(image: np.ndarray, landmarks: np.ndarray, template: str = "ffhq", size: int = 512,
               scheme: str | None = None) -> AlignedFace:
    """Align the face given by ``landmarks`` to ``template`` at ``size`` x ``size`` (bicubic)."""
    m = alignment_matrix(landmarks, template, size, scheme)
    crop = warp_affine(image, m, (size, size))
    return AlignedFace(crop, m, invert(m), transform_points(landmarks, m), template,
                       tuple(np.asarray(image).shape[:2]))


def paste_back(background: np.ndarray, face: np.ndarray, inverse: np.ndarray, *,
               aligned_size: int | None = None, feather: float = 0.05, inplace: bool = False,
               residual: bool = False) -> np.ndarray:
    """Paste an aligned (possibly restored) ``face`` back into ``background``.

    ``inverse``: aligned -> source matrix (:attr:`AlignedFace.inverse`); ``aligned_size``: the size
    the face was aligned at, when ``face`` has another size (e.g. 8x larger after SR; the transform
    is rescaled). ``feather``: width of the soft mask border as a fraction of the face size.
    Only the face's bounding box is warped and blended, so the cost does not grow with the photo;
    ``inplace`` writes into ``background`` (uint8, writable) instead of a copy. ``residual``: ``face`` is
    a float correction (aligned face minus the background's aligned view), added under the mask instead
    of replacing: detail of the background finer than the aligned size is kept. Returns ``uint8``.
    """
    bg = np.asarray(background)
    fc = np.asarray(face)
    if bg.ndim != 3 or fc.ndim != 3 or fc.shape[0] != fc.shape[1]:
        raise InputError(f"paste_back needs H x W x 3 images and a square face, got {bg.shape}, {fc.shape}")
    s = fc.shape[0]
    inv = np.asarray(inverse, dtype=np.float64)
    if aligned_size is not None and aligned_size != s:
        inv = invert(scale_matrix(invert(inv), s / aligned_size))
    h, w = bg.shape[:2]
    out = bg if (inplace and bg.flags.writeable) else bg.copy()
    corners = np.array([[-0.5, -0.5], [s - 0.5, -0.5], [-0.5, s - 0.5], [s - 0.5, s - 0.5]])
    mapped = corners @ inv[:, :2].T + inv[:, 2]
    x0, y0 = (max(0, int(np.floor(v)) - 2) for v in mapped.min(0))
    x1, y1 = min(w, int(np.ceil(mapped[:, 0].max())) + 3), min(h, int(np.ceil(mapped[:, 1].max())) + 3)
    if x1 <= x0 or y1 <= y0:
        return out  # the face lies outside the image
    roi = inv.copy()
    roi[:, 2] -= (x0, y0)  # aligned -> ROI coordinates
    size = (y1 - y0, x1 - x0)
    warped = warp_affine(fc, roi, size).astype(np.float32)
    border = max(1, int(round(feather * s)))
    mask = np.zeros((s, s), dtype=np.uint8)
    mask[border:s - border, border:s - border] = 255
    mask_img = Image.fromarray(mask).filter(ImageFilter.GaussianBlur(border / 2))
    alpha = warp_affine(np.asarray(mask_img), roi, size, resample="bilinear").astype(np.float32)[..., None] / 255
    region = out[y0:y1, x0:x1].astype(np.float32)
    blended = region + warped * alpha if residual else warped * alpha + region * (1 - alpha)
    out[y0:y1, x0:x1] = np.clip(np.rint(blended), 0, 255)
    return out


def scale_matrix(matrix: np.ndarray, factor: float) -> np.ndarray:
    """A source -> aligned matrix for an aligned image ``factor`` times larger (e.g. after SR)."""
    m = np.asarray(matrix, dtype=np.float64)
    out = m * factor
    out[:, 2] = (m[:, 2] + 0.5) * factor - 0.5
    return out
