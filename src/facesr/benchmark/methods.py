"""Methods in a benchmark: ``bicubic``, a bundled model, or ``NAME:CHECKPOINT``; running them on LR faces.

Parsing a method, reading weights files and building networks live in :mod:`facesr.models.weights`
(re-exported here under their old names); this module adds what is the benchmark's own: the method list
(bicubic always first, no duplicates) and running a method under a protocol.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..models.weights import (
    MethodSpec,
    build_network,
    load_state,
    load_weights,
    parse_method,
    super_resolve_batched,
    weights_description,
)

__all__ = ["MethodSpec", "build_network", "load_state", "load_weights", "parse_method", "parse_methods",
           "run_method", "weights_description"]


def parse_methods(text: str) -> list[MethodSpec]:
    """``"bicubic,rcan-lite,rcan:runs/x8.safetensors"`` -> specs (:func:`parse_method`); bicubic is
    always included, first."""
    specs = [parse_method(item) for item in text.split(",") if item.strip()]
    if not any(s.name == "bicubic" for s in specs):
        specs.insert(0, MethodSpec("bicubic"))
    labels = [s.label for s in specs]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise InputError(f"method(s) named twice: {', '.join(sorted(dup))}")
    return specs


def run_method(spec: MethodSpec, lr: np.ndarray, scale: int, protocol, *, batch_size: int = 16,
               device: str = "cpu", progress: bool = False, attributes: np.ndarray | None = None) -> np.ndarray:
    """SR results (uint8 ``N x H x W x 3``) of one method for uint8 LR faces ``N x h x w x 3``.
    ``attributes``: ``float32 N x k`` (0/1, NaN unknown) for a network conditioned on given attributes."""
    if spec.name == "bicubic":
        return protocol.upsample(lr, scale)
    from ..models.base import for_inference

    model = for_inference(build_network(spec, scale), device)
    return super_resolve_batched(model, lr, kernel=protocol.up_kernel, batch_size=batch_size, device=device,
                                 flip=spec.flip,
                                 conditions=None if attributes is None else {"attributes": attributes},
                                 progress=f"{spec.label} x{scale}" if progress else None)
