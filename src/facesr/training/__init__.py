"""The training engine: YAML configs into typed dataclasses, one iteration-based loop for pixel,
GAN, prior and identity recipes, exact resume, EMA, AMP, and DDP under ``torchrun``.

``facesr train CONFIG.yaml [--resume] [key=value ...]``, or from Python::

    from facesr.training import load_config, Trainer
    result = Trainer(load_config("configs/srcnn_x8.yaml", ["train.iterations=100"])).fit()
"""

from __future__ import annotations

from typing import Any

from .config import Config, config_from_dict, dump_config, load_config

_LAZY = {"Trainer": "engine", "TrainResult": "engine", "TrainingError": "engine",
         "load_checkpoint": "checkpoint", "CheckpointError": "checkpoint"}

__all__ = ["Config", "config_from_dict", "dump_config", "load_config", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
