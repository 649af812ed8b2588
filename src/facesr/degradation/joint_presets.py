"""Presets of the joint tasks (survey §4.7): occlusion, illumination and misalignment before a bicubic
downscale (Eq. 4). Each builder has the preset signature ``(scale, kernel, back) -> steps``; ``scale``
``None`` samples ``s`` in {1:0.1:8} as the blind preset does. Ranges are ours.
"""

from __future__ import annotations

from typing import Any


def _grid(lo: float, hi: float, step: float) -> dict[str, list[float]]:
    return {"grid": [lo, hi, step]}


def _down(scale: float | None, kernel: str, back: bool) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [{"type": "resize", "scale": _grid(1.0, 8.0, 0.1) if scale is None else scale,
                                    "kernel": kernel}]
    return steps + ([{"type": "resize_back", "kernel": kernel}] if back else [])


def occlusion_steps(scale: float | None = None, kernel: str = "matlab", back: bool = False) -> list[dict[str, Any]]:
    """One occluder on the HR face (a random block, free-form strokes, sunglasses or a face mask, each
    with probability 1/4), then bicubic down-sampling."""
    return [{"type": "occlude", "shape": {"choice": ["block", "stroke", "sunglasses", "mask"]}},
            *_down(scale, kernel, back)]


def illumination_steps(scale: float | None = None, kernel: str = "matlab",
                       back: bool = False) -> list[dict[str, Any]]:
    """Abnormal light on the HR face: under-exposure (p 0.5, exposure 0.1..0.6), a gamma curve (p 0.3,
    1.2..2.5), side light placed from the face centre (p 0.8, strength 0.4..0.9), a colour cast (p 0.5,
    temperature -1..1, tint -0.5..0.5), then bicubic down-sampling."""
    return [
        {"type": "low_light", "prob": 0.5, "exposure": _grid(0.1, 0.6, 0.05), "black": _grid(0, 12, 2)},
        {"type": "gamma", "prob": 0.3, "gamma": _grid(1.2, 2.5, 0.1)},
        {"type": "shading", "prob": 0.8},
        {"type": "color_cast", "prob": 0.5, "temperature": _grid(-1.0, 1.0, 0.1), "tint": _grid(-0.5, 0.5, 0.1)},
        *_down(scale, kernel, back),
    ]


def misalign_steps(scale: float | None = None, kernel: str = "matlab", back: bool = False) -> list[dict[str, Any]]:
    """A random similarity of the HR face (rotation -30..30 degrees, zoom 0.9..1.1, shifts up to 8 % of the
    side), then bicubic down-sampling: the HR target stays aligned."""
    return [{"type": "similarity", "angle": _grid(-30, 30, 1), "zoom": _grid(0.9, 1.1, 0.02),
             "shift_x": _grid(-0.08, 0.08, 0.01), "shift_y": _grid(-0.08, 0.08, 0.01)},
            *_down(scale, kernel, back)]
