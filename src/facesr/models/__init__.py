"""The model zoo: every method of the survey's taxonomy behind one registry.

``create(name, scale=8, **overrides)`` builds a network with fresh weights; ``list_models()``
lists the registry with its metadata (family, paper, input handling, scales, the survey's Table 7
row); ``super_resolve(model, lr)`` / ``model_input(lr, spec, scale)`` turn an LR face into what a
network needs; ``model_complexity(name, scale)`` counts Params and MACs in the survey's convention.
``load_model(name, scale, weights=None)`` builds a network with trained weights (a pretrained tag such as
``rcan-lite``, or a weights file), ``list_pretrained()`` lists the tags, ``super_resolve_batched`` runs a
network over many faces (:mod:`facesr.models.weights`).
Networks take and return ``[0,1] float32 NCHW RGB``. Importing this package does not import torch.
"""

from __future__ import annotations

from typing import Any

from .registry import FAMILIES, MODELS, create, create_part, list_models, model_info, not_implemented
from .table7 import TABLE7, Table7Row

_LAZY = {
    "SRNet": "base", "model_input": "base", "super_resolve": "base",
    "count_params": "complexity", "count_macs": "complexity", "model_complexity": "complexity",
    "Complexity": "complexity",
    "load_model": "weights", "list_pretrained": "weights", "super_resolve_batched": "weights",
    "load_weights": "weights", "parse_method": "weights", "MethodSpec": "weights",
}

__all__ = [
    "FAMILIES", "MODELS", "TABLE7", "Table7Row", "create", "create_part", "list_models", "model_info",
    "not_implemented", *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
