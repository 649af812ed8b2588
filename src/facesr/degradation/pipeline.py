"""Composable, seeded degradations: ``I_LR = J((I_HR ⊗ k)↓s + n)`` (survey Eq. 5) and its presets.

A :class:`Degradation` is a list of step specifications. Calling it on a uint8 HR image with a numpy
``Generator`` samples concrete parameters, applies the steps and returns ``(lr, record)``; the
record (JSON-able) regenerates the same LR bit for bit with :meth:`Degradation.replay`.
"""

from __future__ import annotations

import copy
import zlib
from typing import Any

import numpy as np

from ..errors import InputError, UnknownNameError
from .joint_presets import illumination_steps, misalign_steps, occlusion_steps
from .steps import make_step


class Degradation:
    """An ordered list of steps (see :mod:`facesr.degradation.steps`).

    ``name``: preset name for records; ``scale``: the nominal scale (``None`` when sampled).
    """

    def __init__(self, steps: list[dict[str, Any]], name: str = "custom", scale: float | None = None):
        if not steps:
            raise InputError("a degradation needs at least one step")
        self.specs = copy.deepcopy(steps)
        self.steps = [make_step({k: v for k, v in s.items() if k != "prob"}) for s in steps]
        for s in self.specs:
            if not 0.0 <= float(s.get("prob", 1.0)) <= 1.0:
                raise InputError(f"step {s.get('type')!r}: prob must be in [0, 1], got {s['prob']!r}")
        self.name = name
        self.scale = scale

    def __repr__(self) -> str:
        return f"Degradation({self.name!r}, steps={[s['type'] for s in self.specs]})"

    @staticmethod
    def _check(hr: np.ndarray) -> np.ndarray:
        arr = np.asarray(hr)
        if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
            raise InputError(f"degradation expects uint8 H x W x 3 RGB images, got {arr.dtype} {arr.shape}")
        return arr

    def deterministic(self, hr_size: tuple[int, int]) -> bool:
        """True when no step draws a random value for images of ``hr_size`` (e.g. ``bicubic``)."""
        a = self.sample(hr_size, np.random.default_rng(1))
        return all(a == self.sample(hr_size, np.random.default_rng(s)) for s in (2, 3))

    def sample(self, hr_size: tuple[int, int], rng: np.random.Generator,
               landmarks: np.ndarray | None = None) -> dict[str, Any]:
        """Draw concrete parameters for every step; returns the record without applying it.
        ``landmarks`` (HR pixels, 68 or 5 points): where face-placed steps (sunglasses, shading) go."""
        context: dict[str, Any] = {"hr_size": list(hr_size)}
        if landmarks is not None:
            context["landmarks"] = landmarks
        steps = []
        for spec, step in zip(self.specs, self.steps):
            if "prob" in spec and not rng.random() < float(spec["prob"]):
                continue  # a step applied with probability "prob": left out of this draw
            steps.append({"type": spec["type"], **step.sample(rng, context)})
        return {"preset": self.name, "hr_size": list(hr_size), "steps": steps}

    def replay(self, hr: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        """Apply the concrete steps of ``record`` to ``hr``; uint8 in, uint8 out."""
        img = self._check(hr)
        context = {"hr_size": list(img.shape[:2])}
        for params in record["steps"]:
            params = dict(params)
            step = make_step({"type": params.pop("type")})
            img = step.apply(img, params, context)
        return img

    def __call__(self, hr: np.ndarray, rng: np.random.Generator | int | None = None,
                 landmarks: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
        """Degrade one ``uint8 H x W x 3`` HR image; returns ``(lr uint8, record)``. ``landmarks``: the
        face's landmarks in HR pixels for face-placed steps (the same random draws as without)."""
        img = self._check(hr)
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        record = self.sample(img.shape[:2], rng) if landmarks is None else self.sample(img.shape[:2], rng, landmarks)
        return self.replay(img, record), record


def _grid(lo: float, hi: float, step: float) -> dict[str, list[float]]:
    return {"grid": [lo, hi, step]}


def bicubic_steps(scale: float, kernel: str = "matlab", back: bool = False) -> list[dict[str, Any]]:
    """Eq. 4: bicubic downsampling only."""
    steps: list[dict[str, Any]] = [{"type": "resize", "scale": scale, "kernel": kernel}]
    if back:
        steps.append({"type": "resize_back", "kernel": kernel})
    return steps


def blind_steps(scale: float | None = None, kernel: str = "matlab", back: bool = False) -> list[dict[str, Any]]:
    """Eq. 5 with the survey's Table 8 (ASFFNet) ranges.

    Blur: Gaussian with sigma in {1.0:0.1:3.0} or linear motion blur of length {5:1:15} px at an
    angle in {0:15:345} degrees (each with probability 1/2); scale ``s`` in {1.0:0.1:8.0} unless
    fixed; Gaussian noise sigma in {0:1:15} (0..255 scale); JPEG quality in {10:1:60}.
    """
    return [
        {"type": "blur", "kernel": {"choice": ["gaussian", "motion"]}, "sigma": _grid(1.0, 3.0, 0.1),
         "length": _grid(5, 15, 1), "angle": _grid(0, 345, 15)},
        {"type": "resize", "scale": _grid(1.0, 8.0, 0.1) if scale is None else scale, "kernel": kernel},
        {"type": "noise", "sigma": _grid(0, 15, 1)},
        {"type": "jpeg", "quality": _grid(10, 60, 1)},
    ] + ([{"type": "resize_back", "kernel": kernel}] if back else [])


_RESIZE_KERNELS = {"choice": ["matlab", "pil", "bilinear"]}


def realworld_steps(scale: float | None = None, kernel: str = "matlab", back: bool = False) -> list[dict[str, Any]]:
    """A second-order real-world chain (after Real-ESRGAN's high-order model, ranges ours) for faces.

    Two rounds of [blur (isotropic / anisotropic Gaussian, motion, sinc) -> resize (random kernel) ->
    noise (Gaussian or Poisson, colour or grey) -> JPEG], each step applied with a probability, so
    that one-round chains such as Table 8's are part of the mix; the second resize fixes the overall
    factor ``scale`` (sampled in {1:0.1:8}, i.e. LR faces of 16..128 px for a 128 px HR, unless
    given); film grain now and then. ``back``: resize to the HR size again with a random kernel
    (``kernel`` is the resize kernel of the fixed-scale variant's last step when not random).
    """
    blur = {"kernel": {"choice": ["gaussian", "aniso", "motion", "sinc"]}, "sigma": _grid(0.4, 3.0, 0.1),
            "sigma_y": _grid(0.4, 3.0, 0.1), "theta": _grid(0, 165, 15), "length": _grid(3, 13, 1),
            "angle": _grid(0, 345, 15), "cutoff": _grid(0.9, 3.1, 0.1), "size": {"choice": [7, 9, 11, 13, 15]}}
    blur2 = {**blur, "sigma": _grid(0.2, 1.5, 0.1), "sigma_y": _grid(0.2, 1.5, 0.1), "length": _grid(3, 7, 1)}
    noise = {"dist": {"choice": ["gaussian", "gaussian", "poisson"]}, "sigma": _grid(1, 20, 1),
             "peak": {"choice": [30, 50, 100, 200, 400]}, "gray": {"choice": [False, False, True]}}
    total = _grid(1.0, 8.0, 0.1) if scale is None else float(scale)
    steps: list[dict[str, Any]] = [
        {"type": "grain", "prob": 0.1, "sigma": _grid(2, 8, 1), "size": _grid(0.5, 1.5, 0.1)},
        {"type": "blur", "prob": 0.9, **blur},
        {"type": "resize", "scale": _grid(0.8, 2.0, 0.1), "kernel": _RESIZE_KERNELS},
        {"type": "noise", "prob": 0.7, **noise},
        {"type": "jpeg", "prob": 0.7, "quality": _grid(30, 95, 1)},
        {"type": "blur", "prob": 0.5, **blur2},
        {"type": "resize_to", "scale": total, "kernel": _RESIZE_KERNELS if scale is None else kernel},
        {"type": "noise", "prob": 0.5, **noise, "sigma": _grid(1, 12, 1)},
        {"type": "jpeg", "prob": 0.8, "quality": _grid(15, 95, 1)},
    ]
    if back:
        steps.append({"type": "resize_back", "kernel": _RESIZE_KERNELS if scale is None else kernel})
    return steps


def oldphoto_steps(scale: float | None = None, kernel: str = "matlab", back: bool = False) -> list[dict[str, Any]]:
    """An old print: the real-world chain with film grain always, fading (contrast, lifted blacks,
    gamma), a low-pass of the print and grey or sepia toning (survey §4.8.2). The toning changes
    colours the network cannot know: use it for tests and evaluation inputs, not as training pairs."""
    steps = realworld_steps(scale, kernel, back)
    steps[0] = {**steps[0], "prob": 1.0}
    return [
        {"type": "tone", "mode": {"choice": ["gray", "sepia"]}, "strength": _grid(0.7, 1.0, 0.1)},
        {"type": "fade", "contrast": _grid(0.6, 1.0, 0.05), "lift": _grid(0, 40, 5), "gamma": _grid(0.8, 1.25, 0.05)},
        {"type": "blur", "kernel": "gaussian", "sigma": _grid(0.5, 1.5, 0.1)},
        *steps,
    ]


#: the blur of the deblurring track (survey §4.7.2), Table 8's ranges: Gaussian sigma {1.0:0.1:3.0};
#: linear motion of {5:1:15} px at {0:15:345} degrees
DEBLUR_BLUR = {
    "gaussian": {"kernel": "gaussian", "sigma": {"grid": [1.0, 3.0, 0.1]}},
    "motion": {"kernel": "motion", "length": {"grid": [5, 15, 1]}, "angle": {"grid": [0, 345, 15]}},
}


def deblur_steps(scale: int, kernel: str = "matlab", blur: str = "both") -> list[dict[str, Any]]:
    """Joint deblurring and SR (survey §4.7.2): a Gaussian or a motion blur (``blur``: ``gaussian``,
    ``motion`` or ``both``, one of the two per face) then bicubic downsampling by ``scale`` (none at x1:
    deblurring only). No noise, no JPEG: the track isolates the blur."""
    if blur == "both":
        spec = {"kernel": {"choice": ["gaussian", "motion"]}, "sigma": DEBLUR_BLUR["gaussian"]["sigma"],
                **{k: v for k, v in DEBLUR_BLUR["motion"].items() if k != "kernel"}}
    else:
        spec = DEBLUR_BLUR[blur]
    return [{"type": "blur", **spec}, {"type": "resize", "scale": scale, "kernel": kernel}]


PRESETS = {
    "bicubic": ("Eq. 4: bicubic downsampling by the scale", bicubic_steps),
    "blind": ("Eq. 5, Table 8 protocol: Gaussian/motion blur, s in {1:0.1:8}, noise {0..15}, JPEG {10..60}",
              blind_steps),
    "realworld": ("second-order chain: 2 x [blur (Gaussian/aniso/motion/sinc), random resize, Gaussian/Poisson "
                  "noise, JPEG], film grain; s in {1:0.1:8}", realworld_steps),
    "oldphoto": ("old print: grey/sepia toning, fading, low-pass, film grain, then the real-world chain",
                 oldphoto_steps),
    "occlusion": ("§4.7.1: one occluder on the HR face (block, strokes, sunglasses or face mask), then bicubic",
                  occlusion_steps),
    "illumination": ("§4.7.3: low light, gamma, side shading from the face centre, colour cast, then bicubic",
                     illumination_steps),
    "misalign": ("§4.7.4: random similarity (±30°, zoom 0.9-1.1, shift ±8 %) of the HR face, then bicubic",
                 misalign_steps),
}


class Mixture(Degradation):
    """One of several degradations per sample, drawn with fixed weights (e.g. 60 % ``realworld``,
    25 % ``blind``, 15 % clean ``bicubic``), so that a blind restorer also sees the chains it will be
    judged on and clean inputs. Records name the component (``"preset": "mix:blind"``) and replay as
    any record does."""

    def __init__(self, parts: list[tuple[Degradation, float]], name: str):
        self.parts = [d for d, _ in parts]
        w = np.array([float(w) for _, w in parts], dtype=np.float64)
        self.weights = w / w.sum()
        self.specs = [s for d in self.parts for s in d.specs]
        self.steps = [s for d in self.parts for s in d.steps]
        self.name = name
        self.scale = self.parts[0].scale

    def __repr__(self) -> str:
        return f"Mixture({self.name!r})"

    def sample(self, hr_size: tuple[int, int], rng: np.random.Generator,
               landmarks: np.ndarray | None = None) -> dict[str, Any]:
        part = self.parts[int(rng.choice(len(self.parts), p=self.weights))]
        record = part.sample(hr_size, rng, landmarks)
        record["preset"] = f"mix:{part.name}"
        return record


def parse_mixture(text: str) -> list[tuple[str, float]]:
    """``"realworld:0.6+blind:0.25+bicubic:0.15"`` -> ``[("realworld", 0.6), ...]`` (a weight-less
    part weighs 1). Raises :class:`InputError` on an empty part or a weight that is not a positive number."""
    parts = []
    for item in text.split("+"):
        name, _, weight = item.strip().partition(":")
        try:
            w = float(weight) if weight.strip() else 1.0
        except ValueError:
            w = -1.0
        if not name.strip() or not w > 0 or not np.isfinite(w):
            raise InputError(f"degradation mixture {text!r}: each part is preset[:weight] with a positive weight")
        parts.append((name.strip(), w))
    return parts


def build_degradation(
    preset: str | list[dict[str, Any]] = "bicubic",
    scale: float | None = None,
    *,
    kernel: str = "matlab",
    back: bool = False,
) -> Degradation:
    """A preset (``bicubic``, ``blind``, ``realworld``, ``oldphoto``), a weighted mixture of presets
    (``"realworld:0.6+blind:0.25+bicubic:0.15"``, one drawn per sample) or a list of step specs as a
    :class:`Degradation`. A step spec may hold ``prob``: the step is applied with that probability.

    ``scale``: required for ``bicubic``; for the others it fixes the overall ``s`` (otherwise sampled).
    ``kernel``: resize kernel (``matlab``, ``pil``, ``cv2``, ``bilinear``). ``back``: upsample the
    LR back to the HR size with the same kernel.
    """
    if isinstance(preset, list):
        return Degradation(preset, "custom", scale)
    if "+" in preset or ":" in preset:
        parts = parse_mixture(preset)
        sampled = _grid(1.0, 8.0, 0.1)
        built = []
        for name, w in parts:
            if name == "bicubic" and scale is None:  # a clean part of a blind mix: s sampled as the others
                built.append((Degradation(bicubic_steps(sampled, kernel, back), "bicubic", None), w))  # type: ignore[arg-type]
            else:
                built.append((build_degradation(name, scale, kernel=kernel, back=back), w))
        return Mixture(built, preset)
    if preset not in PRESETS:
        import difflib

        close = difflib.get_close_matches(preset, list(PRESETS), n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownNameError(f"unknown degradation preset {preset!r}{hint} (known: {', '.join(PRESETS)})")
    if scale is not None and scale < 1:
        raise InputError(f"scale must be >= 1 (a downscaling factor), got {scale}")
    if preset == "bicubic" and scale is None:
        raise InputError("the bicubic preset needs a scale")
    steps = PRESETS[preset][1](scale, kernel, back)
    return Degradation(steps, preset, scale)


def check_record(record: Any, where: str) -> None:
    """Raise :class:`InputError` (naming ``where``) unless ``record`` has the shape a replay needs: a list
    of steps, each a mapping with a ``type``, resize scales finite and at least 0.5 (``resize``) or 1
    (``resize_to``). The steps check their other values when they are applied."""
    import math

    steps = record.get("steps") if isinstance(record, dict) else None
    if not isinstance(steps, list) or not all(isinstance(st, dict) and isinstance(st.get("type"), str)
                                              for st in steps):
        raise InputError(f"{where} has no list of steps with a 'type'")
    for st in steps:
        value = st.get("scale", 1.0)
        low = {"resize": 0.5, "resize_to": 1.0}.get(st["type"])
        if low is not None and not (isinstance(value, int | float) and not isinstance(value, bool)
                                    and math.isfinite(value) and value >= low):
            raise InputError(f"{where} has a {st['type']} scale {value!r} (a finite number of at least {low:g})")


def image_seed(seed: int, key: str) -> int:
    """A per-image seed from the run seed and the image's relative name (order-independent)."""
    return int(np.random.SeedSequence([int(seed), zlib.crc32(key.encode("utf-8"))]).generate_state(1, np.uint64)[0]
               >> np.uint64(1))


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A per-sample seed for training data (worker- and order-independent)."""
    return int(np.random.SeedSequence([int(seed), int(epoch), int(index)]).generate_state(1, np.uint64)[0]
               >> np.uint64(1))
