"""facesr: face super-resolution toolkit after the survey "Deep Learning-based Face Super-Resolution".

The Python API mirrors the command line; submodules are imported on first use:

* ``facesr.degrade(hr, preset, scale, seed)`` -> ``(lr, record)``
* ``facesr.evaluate(sr=DIR, hr=DIR, scale=S, protocol=NAME, metrics=...)`` -> ``EvalResult``
* ``facesr.create_metric(name, protocol, scale)``, ``facesr.get_protocol(name)``
* ``facesr.enhance(image, scale=4, model="rcan-lite")`` -> uint8 image (faces restored, photo upscaled);
  ``facesr.enhance("in.mp4", scale=4, output="out.mp4")`` -> a video report (faces tracked and restored)
* ``facesr.load_model("rcan-lite", scale=8)`` -> a network in eval mode with its bundled x8 weights;
  ``facesr.load_model("rcan", scale=8, weights=PATH)`` with trained weights (``facesr.models.weights``)
* ``facesr.list_pretrained()`` -> the pretrained models shipped in the package (``list_bundled``: same rows)
"""

from __future__ import annotations

from typing import Any

from ._version import __version__

_LAZY = {
    "evaluate": ("facesr.evaluation", "evaluate"),
    "create_metric": ("facesr.metrics", "create_metric"),
    "list_metrics": ("facesr.metrics", "list_metrics"),
    "get_protocol": ("facesr.metrics", "get_protocol"),
    "list_protocols": ("facesr.metrics", "list_protocols"),
    "build_degradation": ("facesr.degradation", "build_degradation"),
    "imresize": ("facesr.ops", "imresize"),
    "read_image": ("facesr.io", "read_image"),
    "write_image": ("facesr.io", "write_image"),
    "enhance": ("facesr.pipeline.api", "enhance"),
    "load_model": ("facesr.models.weights", "load_model"),
    "list_pretrained": ("facesr.models.weights", "list_pretrained"),
    "list_bundled": ("facesr.models.weights", "list_pretrained"),
}


def degrade(hr, preset: str = "bicubic", scale: float | None = None, seed: int | None = 0, **kwargs: Any):
    """Degrade one ``uint8 H x W x 3`` HR image; returns ``(lr uint8, record)`` (see ``facesr degrade``)."""
    from .degradation import build_degradation

    return build_degradation(preset, scale, **kwargs)(hr, seed)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'facesr' has no attribute {name!r}")


__all__ = ["__version__", "degrade", *_LAZY]
