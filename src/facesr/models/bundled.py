"""The pretrained models shipped inside the package (older spelling of :mod:`facesr.models.weights`).

The catalogue, its name rule and the loaders live in :mod:`facesr.models.weights`; this module keeps the
names other code and older scripts import: ``BUNDLED``, ``DEFAULT``, ``BundledModel``,
``MissingWeightsError``, ``weights_dir()``, ``get_bundled(name)``, ``is_bundled(name)``,
``bundled_weights(name, scale)``, ``model_card(name, scale)`` and ``list_bundled()``.
``bundled_restorer(name)`` (a restorer over every scale of a bundled model) lives with the restorers in
:mod:`facesr.pipeline.restorers`; it is resolved from there on first use, so this module imports no
pipeline code.
"""

from __future__ import annotations

from typing import Any

from .weights import DEFAULT, PRETRAINED, MissingWeightsError, Pretrained, model_card, weights_dir
from .weights import get_pretrained as get_bundled
from .weights import is_pretrained as is_bundled
from .weights import list_pretrained as list_bundled
from .weights import pretrained_weights as bundled_weights

BundledModel = Pretrained
BUNDLED = PRETRAINED

__all__ = ["BUNDLED", "DEFAULT", "BundledModel", "MissingWeightsError", "bundled_weights", "get_bundled",
           "is_bundled", "list_bundled", "model_card", "weights_dir"]


def __getattr__(name: str) -> Any:
    if name == "bundled_restorer":  # the model cards' spelling; defined in the pipeline layer
        import importlib

        return importlib.import_module("facesr.pipeline.restorers").bundled_restorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
