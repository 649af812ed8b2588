"""Face restorers: turn an aligned LR face (uint8, ``128/s`` px) into a 128 px face at one scale.

A restorer offers ``scales`` and ``restore(faces, scale)``; :class:`ModelRestorer` wraps zoo networks
with their weights (one per scale), :class:`BicubicRestorer` is the baseline (and the fallback when no
weights are available).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import InputError


class Restorer:
    """Base class: ``name``, the supported ``scales`` and ``restore``."""

    name = "base"
    scales: tuple[int, ...] = ()

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
    """Zoo networks with weights: ``{scale: (model name, checkpoint path)}``."""

    def __init__(self, weights: Mapping[int, tuple[str, str | Path]], *, name: str = "model",
                 device: str = "cpu", batch_size: int = 16, kernel: str = "matlab"):
        if not weights:
            raise InputError("ModelRestorer needs at least one (model, checkpoint) per scale")
        self.weights = {int(s): (m, Path(p)) for s, (m, p) in weights.items()}
        self.scales = tuple(sorted(self.weights))
        self.name = name
        self.device = device
        self.batch_size = batch_size
        self.kernel = kernel
        self._nets: dict[int, object] = {}

    def _net(self, scale: int):
        if scale not in self._nets:
            from ..benchmark.methods import MethodSpec, build_network

            model, path = self.weights[scale]
            if not path.is_file():
                raise InputError(f"{path}: weights of the x{scale} model not found")
            from ..models.base import for_inference

            self._nets[scale] = for_inference(build_network(MethodSpec(model, path), scale), self.device)
        return self._nets[scale]

    def restore(self, faces: np.ndarray, scale: int) -> np.ndarray:
        import torch

        from ..io import tensor_to_uint8, uint8_to_tensor
        from ..models import super_resolve

        self.check_scale(scale)
        net = self._net(scale)
        out = []
        with torch.inference_mode():
            for i in range(0, len(faces), self.batch_size):
                x = uint8_to_tensor(faces[i : i + self.batch_size]).to(self.device)
                out.append(tensor_to_uint8(super_resolve(net, x, kernel=self.kernel).clamp(0, 1)))
        return np.concatenate(out)


def make_restorer(model: str | Restorer = "rcan-lite", *, scale: int | None = None, device: str = "cpu",
                  batch_size: int = 16) -> Restorer:
    """A restorer from a method name as ``facesr bench`` takes it (:func:`facesr.benchmark.methods.parse_method`):
    ``bicubic``, a bundled model (``rcan-lite``, every scale it ships), or ``NAME:CHECKPOINT`` (one zoo
    network; its scale from the file's metadata, else ``scale``)."""
    if isinstance(model, Restorer):
        return model
    from ..benchmark.methods import parse_method, weights_description

    spec = parse_method(str(model))
    if spec.name == "bicubic":
        return BicubicRestorer()
    if spec.bundled:
        from ..models.bundled import bundled_restorer

        return bundled_restorer(spec.bundled, device=device, batch_size=batch_size)
    have = weights_description(spec.checkpoint).get("scale")
    s = int(have) if have else scale
    if s is None:
        raise InputError(f"{spec.checkpoint}: the file does not say its scale; give the scale it was trained for")
    return ModelRestorer({s: (spec.name, spec.checkpoint)}, name=spec.name, device=device, batch_size=batch_size)
