"""Face restorers: turn an aligned LR face (uint8, ``128/s`` px) into a 128 px face at one scale.

A restorer offers ``scales`` and ``restore(faces, scale)``; :class:`ModelRestorer` wraps zoo networks
with their weights (one per scale), :class:`BicubicRestorer` is the baseline (and the fallback when no
weights are available). Names, weights and networks come from :mod:`facesr.models.weights`; the batched
inference loop is its :func:`~facesr.models.weights.super_resolve_batched`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..models.weights import DEFAULT, MethodSpec, get_pretrained, parse_method, weights_description


class Restorer:
    """Base class: ``name``, the supported ``scales`` and ``restore``."""

    name = "base"
    scales: tuple[int, ...] = ()
    #: flip self-ensemble: each face and its mirror image, outputs averaged (networks only; twice the cost)
    flip: bool = False

    def restore(self, faces: np.ndarray, scale: int) -> np.ndarray:  # pragma: no cover - interface
        """uint8 ``N x h x w x 3`` LR faces -> uint8 ``N x (h*scale) x (w*scale) x 3``."""
        raise NotImplementedError

    def check_scale(self, scale: int) -> int:
        if scale not in self.scales:
            raise InputError(f"{self.name} has no x{scale} model (available: "
                             f"{', '.join(f'x{s}' for s in self.scales)})")
        return scale


class BicubicRestorer(Restorer):
    """MATLAB-bicubic upsampling (the baseline), any integer scale."""

    name = "bicubic"
    scales = (2, 3, 4, 8, 16)

    def restore(self, faces: np.ndarray, scale: int) -> np.ndarray:
        from ..ops import imresize

        return np.stack([imresize(f, scale) for f in faces])


class ModelRestorer(Restorer):
    """Zoo networks with weights: ``{scale: (model name, checkpoint path)}``, or ``{scale: MethodSpec}``
    (a bundled model's spec: its catalogued file at each scale)."""

    def __init__(self, weights: Mapping[int, tuple[str, str | Path] | MethodSpec], *, name: str = "model",
                 device: str = "cpu", batch_size: int = 16, kernel: str = "matlab"):
        if not weights:
            raise InputError("ModelRestorer needs at least one (model, checkpoint) per scale")
        self.specs = {int(s): w if isinstance(w, MethodSpec) else MethodSpec(w[0], Path(w[1]))
                      for s, w in weights.items()}
        self.scales = tuple(sorted(self.specs))
        self.name = name
        self.device = device
        self.batch_size = batch_size
        self.kernel = kernel
        self._nets: dict[int, object] = {}

    @property
    def weights(self) -> dict[int, tuple[str, Path | None]]:
        """``{scale: (model name, weights path)}``."""
        return {s: (spec.name, spec.checkpoint or spec.weights_for(s)) for s, spec in self.specs.items()}

    def _net(self, scale: int):
        if scale not in self._nets:
            from ..models.base import for_inference
            from ..models.weights import build_network

            spec = self.specs[scale]
            if spec.checkpoint is not None and not spec.checkpoint.is_file():
                raise InputError(f"{spec.checkpoint}: weights of the x{scale} model not found")
            self._nets[scale] = for_inference(build_network(spec, scale), self.device)
        return self._nets[scale]

    def restore(self, faces: np.ndarray, scale: int) -> np.ndarray:
        from ..models.weights import super_resolve_batched

        self.check_scale(scale)
        return super_resolve_batched(self._net(scale), faces, kernel=self.kernel, batch_size=self.batch_size,
                                     device=self.device, flip=self.flip)


def bundled_restorer(name: str = DEFAULT, *, device: str = "cpu", batch_size: int = 16) -> ModelRestorer:
    """A :class:`ModelRestorer` with every scale of bundled model ``name`` (missing weights: one-line
    :class:`~facesr.models.weights.MissingWeightsError`)."""
    entry = get_pretrained(name)
    if not entry.installed:
        raise entry.missing()
    spec = MethodSpec(entry.model, bundled=entry.name)
    return ModelRestorer({s: spec for s in entry.scales}, name=entry.name, device=device, batch_size=batch_size)


def make_restorer(model: str | Restorer = "rcan-lite", *, scale: int | None = None, device: str = "cpu",
                  batch_size: int = 16) -> Restorer:
    """A restorer from a method name as ``facesr bench`` takes it (:func:`facesr.models.weights.parse_method`):
    ``bicubic``, a bundled model (``rcan-lite``, every scale it ships), or ``NAME:CHECKPOINT`` (one zoo
    network; its scale from the file's metadata, else ``scale``)."""
    if isinstance(model, Restorer):
        return model
    spec = parse_method(str(model))
    if spec.name == "bicubic":
        return BicubicRestorer()
    r = _spec_restorer(spec, scale=scale, device=device, batch_size=batch_size)
    r.flip = spec.flip
    return r


def _spec_restorer(spec: MethodSpec, *, scale: int | None, device: str, batch_size: int) -> ModelRestorer:
    if spec.bundled:
        return bundled_restorer(spec.bundled, device=device, batch_size=batch_size)
    from ..models import model_info

    info = model_info(spec.name)
    if info.get("prior_weights"):  # a search over a prior's weights (PULSE): the file serves every scale
        return ModelRestorer({s: (spec.name, spec.checkpoint) for s in info["scales"]}, name=spec.name,
                             device=device, batch_size=batch_size)
    have = weights_description(spec.checkpoint).get("scale")
    s = int(have) if have else scale
    if s is None:
        raise InputError(f"{spec.checkpoint}: the file does not say its scale; give the scale it was trained for")
    return ModelRestorer({s: (spec.name, spec.checkpoint)}, name=spec.name, device=device, batch_size=batch_size)
