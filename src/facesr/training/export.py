"""Trained weights for inference: a training checkpoint's generator as a ``.safetensors`` file whose
metadata says how to rebuild the network (:func:`facesr.models.weights.load_weights` reads it back)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .checkpoint import load_checkpoint

WEIGHTS_FORMAT = "facesr-weights-1"


def export_weights(checkpoint: str | os.PathLike[str], out: str | os.PathLike[str], *, ema: bool = True,
                   extra: dict[str, str] | None = None) -> Path:
    """Write the generator of ``checkpoint`` (its EMA copy when it has one and ``ema``) to ``out``.

    Metadata (all strings): ``format``, ``model`` (zoo name), ``scale``, ``options`` (JSON of the
    constructor overrides), ``iteration``, ``weights`` (``ema`` or ``raw``), ``config`` (the run's
    YAML), ``attributes`` (JSON list of the given attributes' names, when the network takes them),
    plus ``extra``. Written atomically; float32 tensors as trained.
    """
    from safetensors.torch import save_file

    from ..io import atomic_write

    state = load_checkpoint(checkpoint)
    use_ema = ema and "generator" in state.get("ema", {})
    weights = state["ema"]["generator"] if use_ema else state["nets"]["generator"]
    model = state.get("model", {})
    meta = {
        "format": WEIGHTS_FORMAT,
        "model": str(model.get("name", "")),
        "scale": str(model.get("scale", "")),
        "options": json.dumps(model.get("options", {}), sort_keys=True),
        "iteration": str(state.get("iteration", "")),
        "weights": "ema" if use_ema else "raw",
        "config": str(state.get("config", "")),
        **({"attributes": json.dumps(model["attributes"])} if model.get("attributes") else {}),
        **(extra or {}),
    }
    final = Path(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in weights.items()}
    with atomic_write(final) as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return final
