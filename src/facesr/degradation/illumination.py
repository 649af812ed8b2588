"""Illumination steps for joint illumination compensation and SR (survey §4.7.3): gamma, low light,
directional shading placed from landmarks, colour casts.

Each step maps ``uint8 H x W x 3`` to ``uint8`` (:mod:`facesr.degradation.steps`); curves work on
``[0, 1]`` values. Ranges are ours (CPGAN's shaded faces are real captures and renderings; these are
their synthetic stand-ins).
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .face_geometry import eye_centres, landmarks68
from .steps import Step, _to_uint8, sample_value


def _unit(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float64) / 255.0


class Gamma(Step):
    """``x ** gamma`` per channel (``gamma`` in [0.2, 5]; > 1 darkens the mid-tones)."""

    kind = "gamma"

    def apply(self, img, params, context):
        g = float(params["gamma"])
        if not 0.2 <= g <= 5:
            raise InputError(f"gamma must be in [0.2, 5], got {g}")
        return _to_uint8(np.power(_unit(img), g) * 255.0)


class LowLight(Step):
    """An under-exposed capture: linear light (sRGB decoded with gamma 2.2) times ``exposure`` in
    (0, 1], encoded again; ``black`` (0..255) lifts the black level as a sensor's offset does."""

    kind = "low_light"

    def apply(self, img, params, context):
        e, black = float(params["exposure"]), float(params.get("black", 0.0))
        if not (0 < e <= 1 and 0 <= black <= 64):
            raise InputError(f"low_light: exposure in (0, 1] and black in [0, 64]; got {e}, {black}")
        lin = np.power(_unit(img), 2.2) * e
        return _to_uint8(black + np.power(lin, 1 / 2.2) * (255.0 - black))


class Shading(Step):
    """Light from one side: the image is multiplied by ``1 - strength * s(d)``, ``d`` the signed distance
    (along the light direction ``angle``, degrees, 0 = light from image-left) from a line through the
    face centre (the mid-point of the eyes and the mouth, from landmarks, moved by ``offset`` x the
    inter-ocular distance), ``s`` a logistic ramp ``softness`` x inter-ocular distance wide. The
    record keeps the centre and the ramp width as fractions of the image width."""

    kind = "shading"

    def sample(self, rng, context):
        pts = landmarks68(context)
        h, w = (int(v) for v in context["hr_size"])
        left, right = eye_centres(pts)
        iod = float(np.hypot((right[0] - left[0]) * w, (right[1] - left[1]) * h))
        centre = (left + right + pts[48] + pts[54]) / 4
        angle = float(sample_value(self.spec.get("angle", {"grid": [0, 345, 15]}), rng))
        offset = float(sample_value(self.spec.get("offset", {"grid": [-0.5, 0.5, 0.1]}), rng))
        soft = float(sample_value(self.spec.get("softness", {"grid": [0.2, 1.0, 0.1]}), rng))
        strength = float(sample_value(self.spec.get("strength", {"grid": [0.4, 0.9, 0.05]}), rng))
        d = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
        c = centre * [w, h] + offset * iod * d
        return {"centre": [round(float(c[0] / w), 6), round(float(c[1] / h), 6)], "angle": angle,
                "width": round(soft * iod / w, 6), "strength": strength}

    def apply(self, img, params, context):
        h, w = img.shape[:2]
        strength, width = float(params["strength"]), float(params["width"])
        if not (0 <= strength <= 1 and width > 0):
            raise InputError(f"shading: strength in [0, 1] and width > 0; got {strength}, {width}")
        a = np.radians(float(params["angle"]))
        cx, cy = float(params["centre"][0]) * w - 0.5, float(params["centre"][1]) * h - 0.5
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        dist = (xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)  # > 0: away from the light
        ramp = 1.0 / (1.0 + np.exp(-dist / (width * w / 4.0)))
        return _to_uint8(img.astype(np.float64) * (1.0 - strength * ramp)[..., None])


class ColorCast(Step):
    """A colour cast: channel gains ``[r, g, b]`` (each in [0.3, 2]), or a ``temperature`` shift in
    [-1, 1] (warm > 0: red up, blue down, by up to 35 %) when ``gains`` is not given."""

    kind = "color_cast"

    def sample(self, rng, context):
        params = super().sample(rng, context)
        if "gains" not in params:
            t = float(params.get("temperature", 0.0))
            tint = float(params.get("tint", 0.0))
            params["gains"] = [round(1 + 0.35 * t, 6), round(1 + 0.2 * tint, 6), round(1 - 0.35 * t, 6)]
        return params

    def apply(self, img, params, context):
        gains = np.asarray(params["gains"], dtype=np.float64)
        if gains.shape != (3,) or not ((gains >= 0.3) & (gains <= 2)).all():
            raise InputError(f"color_cast: gains must be [r, g, b] in [0.3, 2], got {params['gains']!r}")
        return _to_uint8(img.astype(np.float64) * gains)


ILLUMINATION_KINDS: dict[str, type[Step]] = {c.kind: c for c in (Gamma, LowLight, Shading, ColorCast)}
