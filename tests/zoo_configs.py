"""Shared check of zoo training configs: a config loads, its loss terms build and its networks build (on the meta
device, so without weights or data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def build_config(path: Path, **generator_overrides: Any):
    """Load ``path``, build its losses and every network on the meta device; returns the config.
    ``generator_overrides``: options replaced for the generator (e.g. a weights path that a test has not)."""
    from facesr.losses import WeightedLoss
    from facesr.models import create, create_part
    from facesr.training import load_config

    cfg = load_config(path)
    WeightedLoss(cfg.losses)
    g = cfg.generator
    options = {**g.options, **generator_overrides}
    if g.part:
        create_part(g.model, g.part, cfg.scale, device="meta", **options)
    else:
        create(g.model, cfg.scale, device="meta", **options)
    for net in cfg.nets.values():
        create_part(net.model, net.part, cfg.scale, device="meta", **net.options)
    return cfg
