"""Occlusion steps for joint face completion and SR (survey §4.7.1): random blocks, random strokes, and
sunglasses and face masks placed from landmarks.

Each step maps ``uint8 H x W x 3`` to ``uint8`` like the other steps (:mod:`facesr.degradation.steps`):
``sample`` draws the shapes, in fractions of the image width/height (so they fit any size the step sees,
before or after the resize), and ``apply`` paints them. ``region`` gives the occluded pixels of a record's
step; :func:`occlusion_mask` the union over a whole record, at any size, for scoring the occluded region.
Fills: ``black``, ``white``, ``gray``, ``color`` (``color`` ``[r, g, b]``) or ``noise`` (uniform colour
noise from ``noise_seed``). Sizes and ranges are ours (FCSR-GAN's paper draws random rectangles; strokes
after free-form inpainting masks).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from .face_geometry import eye_centres, landmarks68, to_pixels
from .steps import Step, _to_uint8, sample_value

FILLS = ("black", "white", "gray", "color", "noise")
_FLAT = {"black": (0, 0, 0), "white": (255, 255, 255), "gray": (128, 128, 128)}


def _r(v: float) -> float:
    return round(float(v), 6)


class Occluder(Step):
    """Base of the occlusion steps: subclasses draw their shapes into an ``L`` mask (``draw``)."""

    #: the default fill spec of the step
    default_fill: ClassVar[Any] = {"choice": list(FILLS)}

    def _fill_params(self, rng: np.random.Generator) -> dict[str, Any]:
        fill = sample_value(self.spec.get("fill", self.default_fill), rng)
        color = [int(v) for v in rng.integers(0, 256, 3)]
        return {"fill": fill, "color": self.spec.get("color", color), "noise_seed": int(rng.integers(2**63 - 1))}

    def draw(self, draw: Any, params: dict[str, Any], shape: tuple[int, ...]) -> None:
        raise NotImplementedError

    def alpha(self, params: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray:
        """``float64 H x W`` opacity of the occluder in ``[0, 1]``."""
        from PIL import Image, ImageDraw

        canvas = Image.new("L", (int(shape[1]), int(shape[0])), 0)
        self.draw(ImageDraw.Draw(canvas), params, shape)
        opacity = float(params.get("opacity", 1.0))
        if not 0 <= opacity <= 1:
            raise InputError(f"{self.kind}: opacity must be in [0, 1], got {opacity}")
        return np.asarray(canvas, dtype=np.float64) / 255.0 * opacity

    def region(self, params: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray:
        """``bool H x W``: the pixels the step covers."""
        return self.alpha(params, shape) > 0

    @staticmethod
    def fill_image(params: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray:
        fill = params.get("fill", "black")
        if fill == "noise":
            rng = np.random.default_rng(int(params["noise_seed"]))
            return rng.integers(0, 256, shape[:2] + (3,)).astype(np.float64)
        if fill == "color":
            color = np.asarray(params["color"], dtype=np.float64)
            if color.shape != (3,) or not ((color >= 0) & (color <= 255)).all():
                raise InputError(f"{params.get('type', 'occlusion')}: color must be [r, g, b] in 0..255, "
                                 f"got {params['color']!r}")
            return np.broadcast_to(color, shape[:2] + (3,))
        if fill not in _FLAT:
            raise InputError(f"unknown occlusion fill {fill!r} (known: {', '.join(FILLS)})")
        return np.broadcast_to(np.asarray(_FLAT[fill], dtype=np.float64), shape[:2] + (3,))

    def apply(self, img, params, context):
        a = self.alpha(params, img.shape)[..., None]
        return _to_uint8(img.astype(np.float64) * (1 - a) + self.fill_image(params, img.shape) * a)


class Block(Occluder):
    """``count`` random rectangles, each side ``size`` (a fraction of the image side, drawn per side),
    inside ``area`` ``[x0, y0, x1, y1]`` (fractions; default the face's central part)."""

    kind = "occlude_block"

    def sample(self, rng, context):
        count = int(sample_value(self.spec.get("count", 1), rng))
        ax0, ay0, ax1, ay1 = (float(v) for v in self.spec.get("area", (0.1, 0.15, 0.9, 0.95)))
        size = self.spec.get("size", {"grid": [0.2, 0.5, 0.05]})
        boxes = []
        for _ in range(count):
            bw = min(float(sample_value(size, rng)), ax1 - ax0)
            bh = min(float(sample_value(size, rng)), ay1 - ay0)
            x0, y0 = rng.uniform(ax0, ax1 - bw), rng.uniform(ay0, ay1 - bh)
            boxes.append([_r(x0), _r(y0), _r(x0 + bw), _r(y0 + bh)])
        return {"boxes": boxes, **self._fill_params(rng)}

    def draw(self, draw, params, shape):
        h, w = shape[:2]
        for x0, y0, x1, y1 in params["boxes"]:
            if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
                raise InputError(f"occlude_block: box {[x0, y0, x1, y1]} is not inside [0, 1] with x0 < x1, y0 < y1")
            draw.rectangle([round(x0 * w), round(y0 * h), round(x1 * w) - 1, round(y1 * h) - 1], fill=255)


class Stroke(Occluder):
    """``count`` free-form strokes: random walks of ``vertices`` points with steps of ``length`` (fraction
    of the side) in random directions, drawn ``width`` wide (fraction of the width) with round joints."""

    kind = "occlude_stroke"

    def sample(self, rng, context):
        strokes = []
        for _ in range(int(sample_value(self.spec.get("count", {"grid": [1, 4, 1]}), rng))):
            n = int(sample_value(self.spec.get("vertices", {"grid": [4, 8, 1]}), rng))
            p = rng.uniform(0.15, 0.85, 2)
            angle = rng.uniform(0, 2 * np.pi)
            pts = [[_r(p[0]), _r(p[1])]]
            for _ in range(n - 1):
                angle += rng.uniform(-np.pi / 2, np.pi / 2)
                step = float(sample_value(self.spec.get("length", {"grid": [0.08, 0.25, 0.01]}), rng))
                p = np.clip(p + step * np.array([np.cos(angle), np.sin(angle)]), 0.0, 1.0)
                pts.append([_r(p[0]), _r(p[1])])
            strokes.append(pts)
        width = float(sample_value(self.spec.get("width", {"grid": [0.03, 0.08, 0.01]}), rng))
        return {"strokes": strokes, "width": _r(width), **self._fill_params(rng)}

    def draw(self, draw, params, shape):
        width = float(params["width"])
        if not 0 < width <= 0.5:
            raise InputError(f"occlude_stroke: width must be in (0, 0.5] of the image width, got {width}")
        px = max(1, round(width * shape[1]))
        for stroke in params["strokes"]:
            pts = to_pixels(stroke, shape)
            draw.line(pts, fill=255, width=px, joint="curve")
            for x, y in pts:  # round caps
                draw.ellipse([x - px / 2, y - px / 2, x + px / 2, y + px / 2], fill=255)


class Sunglasses(Occluder):
    """Two elliptic lenses on the eyes (``size``: lens half-width / inter-ocular distance; ``ratio``:
    height / width; ``shift``: offset of both lenses, fraction of the inter-ocular distance), a bridge and
    temples towards the face sides; dark ``color`` at ``opacity``."""

    kind = "sunglasses"
    default_fill = "color"

    def sample(self, rng, context):
        pts = landmarks68(context)
        h, w = (int(v) for v in context["hr_size"])
        scale = np.array([w, h], dtype=np.float64)
        left, right = (p * scale for p in eye_centres(pts))
        iod = float(np.linalg.norm(right - left))
        size = float(sample_value(self.spec.get("size", {"grid": [0.38, 0.5, 0.02]}), rng))
        ratio = float(sample_value(self.spec.get("ratio", {"grid": [0.65, 0.9, 0.05]}), rng))
        shift = np.array([sample_value(self.spec.get("shift", {"grid": [-0.08, 0.08, 0.02]}), rng),
                          sample_value(self.spec.get("shift", {"grid": [-0.08, 0.08, 0.02]}), rng)]) * iod
        lenses = []
        for c in (left + shift, right + shift):
            lenses.append([_r(c[0] / w), _r(c[1] / h), _r(size * iod / w), _r(size * ratio * iod / h)])
        sides = (pts[0] * scale, pts[16] * scale)
        temples = [[[_r((left[0] + shift[0] - size * iod) / w), _r((left[1] + shift[1]) / h)],
                    [_r(sides[0][0] / w), _r((left[1] + shift[1] - 0.1 * iod) / h)]],
                   [[_r((right[0] + shift[0] + size * iod) / w), _r((right[1] + shift[1]) / h)],
                    [_r(sides[1][0] / w), _r((right[1] + shift[1] - 0.1 * iod) / h)]]]
        shade = int(sample_value(self.spec.get("shade", {"grid": [0, 60, 10]}), rng))
        opacity = float(sample_value(self.spec.get("opacity", {"grid": [0.8, 1.0, 0.05]}), rng))
        params = self._fill_params(rng)
        if "color" not in self.spec:
            params.update(color=[shade, shade, min(255, shade + 10)])
        return {"lenses": lenses, "temples": temples, "line": _r(0.07 * iod / w), "opacity": _r(opacity), **params}

    def draw(self, draw, params, shape):
        h, w = shape[:2]
        px = max(1, round(float(params["line"]) * w))
        (lx, ly, lrx, lry), (rx, ry, rrx, rry) = params["lenses"]
        for cx, cy, ax, ay in params["lenses"]:
            draw.ellipse([(cx - ax) * w - 0.5, (cy - ay) * h - 0.5, (cx + ax) * w - 0.5, (cy + ay) * h - 0.5], fill=255)
        draw.line(to_pixels([[lx + lrx, ly], [rx - rrx, ry]], shape), fill=255, width=px)
        for temple in params["temples"]:
            draw.line(to_pixels(temple, shape), fill=255, width=px)


class FaceMask(Occluder):
    """A face mask over nose and mouth: the jaw line below the cheeks closed over the nose bridge,
    lowered by ``drop`` (fraction of the eye-to-chin height) and widened by ``spread``."""

    kind = "face_mask"
    default_fill = "color"
    COLORS: ClassVar[tuple[tuple[int, int, int], ...]] = ((150, 200, 225), (235, 235, 235), (40, 40, 45),
                                                          (120, 130, 140))

    def sample(self, rng, context):
        pts = landmarks68(context)
        drop = float(sample_value(self.spec.get("drop", {"grid": [-0.05, 0.15, 0.025]}), rng))
        spread = float(sample_value(self.spec.get("spread", {"grid": [0.0, 0.08, 0.02]}), rng))
        eyes_y = np.mean([c[1] for c in eye_centres(pts)])
        height = pts[8, 1] - eyes_y
        top = pts[29] + [0.0, drop * height]
        poly = np.concatenate([pts[1:2] + [0.0, drop * height], top[None], pts[15:16] + [0.0, drop * height],
                               pts[14:1:-1]])
        centre = poly.mean(0)
        poly = centre + (poly - centre) * (1 + spread)
        params = self._fill_params(rng)
        color = list(self.COLORS[int(rng.integers(len(self.COLORS)))])
        if "color" not in self.spec:
            params["color"] = color
        return {"polygon": [[_r(x), _r(y)] for x, y in poly], **params}

    def draw(self, draw, params, shape):
        if len(params["polygon"]) < 3:
            raise InputError("face_mask: a polygon needs at least 3 points")
        draw.polygon(to_pixels(params["polygon"], shape), fill=255)


SHAPES: dict[str, type[Occluder]] = {"block": Block, "stroke": Stroke, "sunglasses": Sunglasses, "mask": FaceMask}


class Occlude(Step):
    """One occluder per sample: ``shape`` (a spec over ``block``, ``stroke``, ``sunglasses``, ``mask``);
    the other keys go to that shape's step. The record keeps ``shape`` and the shape's parameters."""

    kind = "occlude"

    @staticmethod
    def shape_step(shape: str, spec: dict[str, Any] | None = None) -> Occluder:
        if shape not in SHAPES:
            raise InputError(f"unknown occlusion shape {shape!r} (known: {', '.join(SHAPES)})")
        return SHAPES[shape](dict(spec or {}))

    def sample(self, rng, context):
        shape = sample_value(self.spec.get("shape", {"choice": list(SHAPES)}), rng)
        spec = {k: v for k, v in self.spec.items() if k != "shape"}
        return {"shape": shape, **self.shape_step(shape, spec).sample(rng, context)}

    def region(self, params: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray:
        return self.shape_step(params["shape"]).region(params, shape)

    def apply(self, img, params, context):
        return self.shape_step(params["shape"]).apply(img, params, context)


OCCLUSION_KINDS: dict[str, type[Step]] = {c.kind: c for c in (Block, Stroke, Sunglasses, FaceMask, Occlude)}


def occlusion_mask(record: dict[str, Any], size: tuple[int, int] | None = None) -> np.ndarray:
    """``bool H x W``: the pixels any occlusion step of a degradation ``record`` covers, at ``size``
    (default the record's ``hr_size``); all False when the record has none."""
    h, w = (int(v) for v in (size or record["hr_size"]))
    mask = np.zeros((h, w), dtype=bool)
    for params in record.get("steps", ()):
        cls = OCCLUSION_KINDS.get(params.get("type"))
        if cls is not None:
            mask |= cls({}).region(params, (h, w, 3))
    return mask
