"""The steps of the degradation model (survey Eq. 1, 4, 5): blur, resize, noise, JPEG.

Every step maps a ``uint8 H x W x 3`` image to a ``uint8`` image (rounding and clipping after the
step, as when each stage is stored as an 8-bit image). A step's parameters are plain values;
``sample`` draws them from their specification (fixed value, grid or choice) and ``apply`` uses the
concrete values, so the JSON record of a degradation regenerates it bit for bit.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..ops.resize import KERNELS, imresize, pil_resize_uint8
from .kernels import gaussian_kernel, motion_kernel, sinc_kernel


def sample_value(spec: Any, rng: np.random.Generator) -> Any:
    """Draw one value from a spec: a number/string (fixed), ``{"grid": [lo, hi, step]}`` (uniform over
    ``lo, lo+step, ..., hi``) or ``{"choice": [...]}``."""
    if isinstance(spec, dict):
        if "grid" in spec:
            lo, hi, step = spec["grid"]
            n = int(round((hi - lo) / step)) + 1
            return round(lo + step * int(rng.integers(n)), 10)
        if "choice" in spec:
            options = list(spec["choice"])
            return options[int(rng.integers(len(options)))]
        raise InputError(
            f"unknown value spec {spec!r} (use a value, {{'grid': [lo, hi, step]}} or {{'choice': [...]}})"
        )
    return spec


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


@dataclass
class Step:
    """Base class: ``spec`` holds the parameter specifications of the step."""

    kind: ClassVar[str] = ""
    spec: dict[str, Any]

    def sample(self, rng: np.random.Generator, context: dict[str, Any]) -> dict[str, Any]:
        return {k: sample_value(v, rng) for k, v in self.spec.items()}

    def apply(self, img: np.ndarray, params: dict[str, Any], context: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError


class Blur(Step):
    """Convolution with a Gaussian or motion kernel (``k`` of Eq. 5); symmetric border.

    Params: ``kernel`` = ``gaussian`` (``sigma``, optional ``sigma_y``, ``theta`` in degrees),
    ``aniso`` (anisotropic Gaussian: ``sigma``, ``sigma_y``, ``theta``), ``motion`` (``length`` px,
    ``angle`` degrees) or ``sinc`` (circular low-pass: ``cutoff`` radians per pixel, ``size`` px).
    """

    kind = "blur"
    KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "gaussian": ("sigma", "sigma_y", "theta"), "aniso": ("sigma", "sigma_y", "theta"),
        "motion": ("length", "angle"), "sinc": ("cutoff", "size")}

    def sample(self, rng, context):
        params = {"kernel": sample_value(self.spec.get("kernel", "gaussian"), rng)}
        kernels = self.spec.get("kernel")
        has_aniso = isinstance(kernels, dict) and "aniso" in kernels.get("choice", ())
        keys = self.KEYS.get(params["kernel"], ())
        if params["kernel"] == "aniso":
            params["kernel"] = "gaussian"  # recorded as the Gaussian it is
        elif params["kernel"] == "gaussian" and has_aniso:
            keys = ("sigma",)  # beside "aniso", "gaussian" is the isotropic one
        for key in keys:
            if key in self.spec:
                params[key] = sample_value(self.spec[key], rng)
        return params

    @staticmethod
    def kernel_of(params: dict[str, Any]) -> np.ndarray:
        if params["kernel"] == "gaussian":
            return gaussian_kernel(float(params["sigma"]), params.get("sigma_y"),
                                   math.radians(float(params.get("theta", 0.0))))
        if params["kernel"] == "motion":
            return motion_kernel(float(params["length"]), float(params.get("angle", 0.0)))
        if params["kernel"] == "sinc":
            return sinc_kernel(float(params["cutoff"]), int(params.get("size", 21)))
        raise InputError(f"unknown blur kernel {params['kernel']!r} (gaussian, motion or sinc)")

    def apply(self, img, params, context):
        k = self.kernel_of(params)
        x = img.astype(np.float64)
        ry, rx = k.shape[0] // 2, k.shape[1] // 2
        if min(x.shape[:2]) > 2 * max(ry, rx) + 1 and k.shape[0] % 2 and k.shape[1] % 2:
            # FFT correlation of the mirror-padded image: scipy.ndimage's "reflect" result (to 1e-12), 3.5x faster
            from scipy.signal import fftconvolve

            padded = np.pad(x, ((ry, ry), (rx, rx), (0, 0)), mode="symmetric")
            out = fftconvolve(padded, k[::-1, ::-1, None], mode="valid", axes=(0, 1))
        else:
            from scipy.ndimage import correlate

            out = np.stack([correlate(x[..., c], k, mode="reflect") for c in range(x.shape[2])], axis=2)
        return _to_uint8(out)


class Resize(Step):
    """Downsampling ``↓s`` (Eq. 4/5) by a float ``scale`` >= 1 with a resize ``kernel``.

    Output size is ``ceil(H / scale)`` as MATLAB's ``imresize(I, 1/scale)``. ``kernel="pil"`` runs
    Pillow itself (bit-exact), the others :func:`facesr.ops.imresize` with MATLAB's uint8 passes.
    """

    kind = "resize"

    def apply(self, img, params, context):
        scale = float(params["scale"])
        kernel = params.get("kernel", "matlab")
        if kernel not in KERNELS:
            raise InputError(f"unknown resize kernel {kernel!r} (known: {', '.join(KERNELS)})")
        if scale <= 0:
            raise InputError(f"scale must be positive, got {scale}")
        h, w = img.shape[:2]
        if min(h, w) / scale < 1:
            raise InputError(f"scale x{scale:g} does not fit a {h}x{w} image (LR would be empty)")
        if scale == 1:
            return img.copy()
        if kernel == "pil":
            size = (math.ceil(h / scale - 1e-9), math.ceil(w / scale - 1e-9))
            return pil_resize_uint8(img, size)
        return imresize(img, 1.0 / scale, kernel=kernel)


class ResizeBack(Step):
    """Upsample to the original HR size (for methods that take a pre-upsampled input)."""

    kind = "resize_back"

    def apply(self, img, params, context):
        size = tuple(context["hr_size"])
        kernel = params.get("kernel", "matlab")
        if kernel == "pil":
            return pil_resize_uint8(img, size)
        return imresize(img, size=size, kernel=kernel)


class Noise(Step):
    """Additive noise ``n`` (Eq. 5): ``dist`` = ``gaussian`` with ``sigma`` on the 0..255 scale, or
    ``poisson`` with ``peak`` (photon count at white). ``gray``: the same noise on all channels.

    Randomness comes from ``noise_seed``, drawn when sampling and kept in the record.
    """

    kind = "noise"

    def sample(self, rng, context):
        params = super().sample(rng, context)
        params.setdefault("dist", "gaussian")
        params["noise_seed"] = int(rng.integers(2**63 - 1))
        return params

    def apply(self, img, params, context):
        rng = np.random.default_rng(int(params["noise_seed"]))
        x = img.astype(np.float64)
        shape = x.shape[:2] + ((1,) if params.get("gray", False) else (x.shape[2],))
        if params["dist"] == "gaussian":
            sigma = float(params.get("sigma", 0.0))
            if sigma == 0:
                return img.copy()
            out = x + rng.standard_normal(shape) * sigma
        elif params["dist"] == "poisson":
            peak = float(params["peak"])
            if params.get("gray", False):
                lum = x.mean(axis=2, keepdims=True) / 255.0
                out = x + (rng.poisson(lum * peak) / peak - lum) * 255.0
            else:
                out = rng.poisson(x / 255.0 * peak) / peak * 255.0
        else:
            raise InputError(f"unknown noise distribution {params['dist']!r} (gaussian or poisson)")
        return _to_uint8(out)


class JPEG(Step):
    """JPEG compression ``J`` (Eq. 5) at ``quality`` 1..100 with Pillow (4:2:0 chroma)."""

    kind = "jpeg"

    def apply(self, img, params, context):
        from PIL import Image

        q = int(params["quality"])
        if not 1 <= q <= 100:
            raise InputError(f"JPEG quality must be 1..100, got {q}")
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=q, subsampling=2)
        buf.seek(0)
        with Image.open(buf) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


class ResizeTo(Step):
    """Resize to the size that a total ``scale`` of the HR image gives (``round(H / scale)``, at least
    1 px), whatever the current size: the second resize of a second-order chain, which fixes the
    chain's overall factor. ``kernel`` as :class:`Resize` (up or down)."""

    kind = "resize_to"

    def apply(self, img, params, context):
        scale = float(params["scale"])
        if not 1 <= scale <= 64:
            raise InputError(f"resize_to: total scale must be in [1, 64], got {scale}")
        kernel = params.get("kernel", "matlab")
        if kernel not in KERNELS:
            raise InputError(f"unknown resize kernel {kernel!r} (known: {', '.join(KERNELS)})")
        hr_h, hr_w = context["hr_size"]
        size = (max(1, round(hr_h / scale)), max(1, round(hr_w / scale)))
        if size == img.shape[:2]:
            return img.copy()
        if kernel == "pil":
            return pil_resize_uint8(img, size)
        return imresize(img, size=size, kernel=kernel)


class Tone(Step):
    """Old-photo toning: ``mode`` = ``gray`` (BT.601 luma in all channels) or ``sepia`` (luma tinted
    brown), blended with the image by ``strength`` in [0, 1]."""

    kind = "tone"

    def apply(self, img, params, context):
        x = img.astype(np.float64)
        y = x @ np.array([0.299, 0.587, 0.114])
        mode = params.get("mode", "gray")
        if mode == "gray":
            toned = np.repeat(y[..., None], 3, axis=2)
        elif mode == "sepia":
            toned = np.stack([y * 1.07 + 20.0, y * 0.95 + 8.0, y * 0.78 - 5.0], axis=2)
        else:
            raise InputError(f"unknown tone mode {mode!r} (gray or sepia)")
        a = float(params.get("strength", 1.0))
        if not 0 <= a <= 1:
            raise InputError(f"tone strength must be in [0, 1], got {a}")
        return _to_uint8(a * toned + (1 - a) * x)


class Fade(Step):
    """Faded print: contrast ``contrast`` in (0, 1] about mid-grey, black level lifted by ``lift``
    (0..255) and a ``gamma`` curve."""

    kind = "fade"

    def apply(self, img, params, context):
        c, lift, gamma = float(params.get("contrast", 1.0)), float(params.get("lift", 0.0)), \
            float(params.get("gamma", 1.0))
        if not (0 < c <= 1 and 0 <= lift <= 255 and 0.2 <= gamma <= 5):
            raise InputError(f"fade: contrast in (0, 1], lift in [0, 255], gamma in [0.2, 5]; got {c}, {lift}, {gamma}")
        x = img.astype(np.float64) / 255.0
        x = np.power(x, gamma)
        x = (x - 0.5) * c + 0.5
        return _to_uint8(lift + x * (255.0 - lift))


class Grain(Step):
    """Film grain: grey Gaussian noise of ``sigma`` (0..255 scale) blurred by a Gaussian of ``size``
    px (the grain size), added to every channel. Randomness from ``noise_seed`` (kept in the record)."""

    kind = "grain"

    def sample(self, rng, context):
        params = super().sample(rng, context)
        params["noise_seed"] = int(rng.integers(2**63 - 1))
        return params

    def apply(self, img, params, context):
        from scipy.ndimage import gaussian_filter

        sigma, size = float(params.get("sigma", 0.0)), float(params.get("size", 0.8))
        if not (0 <= sigma <= 100 and 0 < size <= 10):
            raise InputError(f"grain: sigma in [0, 100] and size in (0, 10] px; got {sigma}, {size}")
        rng = np.random.default_rng(int(params["noise_seed"]))
        g = gaussian_filter(rng.standard_normal(img.shape[:2]), size, mode="reflect")
        g *= sigma / max(float(g.std()), 1e-12)
        return _to_uint8(img.astype(np.float64) + g[..., None])


STEP_TYPES: dict[str, type[Step]] = {cls.kind: cls for cls in (Blur, Resize, ResizeBack, Noise, JPEG, ResizeTo,
                                                                Tone, Fade, Grain)}


#: step kinds defined in other modules of this package, imported when first named: kind -> "module:Class"
LAZY_STEPS: dict[str, str] = {
    "occlude": "occlusion:Occlude", "occlude_block": "occlusion:Block", "occlude_stroke": "occlusion:Stroke",
    "sunglasses": "occlusion:Sunglasses", "face_mask": "occlusion:FaceMask",
    "gamma": "illumination:Gamma", "low_light": "illumination:LowLight", "shading": "illumination:Shading",
    "color_cast": "illumination:ColorCast",
    "similarity": "misalign:Similarity",
}


def step_class(kind: Any) -> type[Step]:
    """The class of step ``kind`` (this module's or one of :data:`LAZY_STEPS`, imported on first use)."""
    if kind in STEP_TYPES:
        return STEP_TYPES[kind]
    if kind not in LAZY_STEPS:
        raise InputError(f"unknown degradation step {kind!r} (known: {', '.join([*STEP_TYPES, *LAZY_STEPS])})")
    import importlib

    module, _, name = LAZY_STEPS[kind].partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def make_step(spec: dict[str, Any]) -> Step:
    """A step from ``{"type": "blur"|"resize"|"resize_to"|"resize_back"|"noise"|"jpeg"|"tone"|"fade"|"grain",
    ...params}`` or a kind of :data:`LAZY_STEPS` (occlusion, illumination, misalignment)."""
    spec = dict(spec)
    kind = spec.pop("type", None)
    return step_class(kind)(spec)
