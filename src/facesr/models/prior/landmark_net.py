"""The standalone 68-landmark heatmap network as a file: save / load (safetensors with the
constructor options in the metadata) and landmark prediction in HR pixels.

Weights are written by the training engine's landmark recipe (:mod:`facesr.training.recipes.landmarks`,
``facesr train configs/landmarks/hourglass_landmarks.yaml``); no pretrained FAN can be obtained offline, so none
is bundled until one is trained here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...errors import InputError
from .hourglass import StackedHourglass

FORMAT = "facesr-landmarks-1"


def save_landmark_net(net: StackedHourglass, options: dict[str, Any], path: str | os.PathLike[str],
                      **meta: Any) -> Path:
    """Write ``net``'s weights and constructor ``options`` (plus string-able ``meta``) atomically."""
    from safetensors.torch import save_file

    from ...io import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {"format": FORMAT, "options": json.dumps(options), **{k: str(v) for k, v in meta.items()}}
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    with atomic_write(path) as tmp:
        save_file(state, str(tmp), metadata=info)
    return path


#: name of the landmark network shipped in the package (``facesr/weights/hourglass_landmarks.safetensors``)
BUNDLED_NAME = "bundled"


def bundled_landmark_weights() -> Path:
    """Path of the shipped 68-landmark hourglass (its card: ``hourglass_landmarks.md`` beside it)."""
    from ..bundled import weights_dir

    return weights_dir() / "hourglass_landmarks.safetensors"


def resolve_landmark_weights(path: str | os.PathLike[str] | None) -> Path:
    """``None`` or ``"bundled"``: the shipped network; otherwise the given file."""
    if path is None or str(path) == BUNDLED_NAME:
        return bundled_landmark_weights()
    return Path(path).expanduser()


def load_landmark_net(path: str | os.PathLike[str] | None = None, device: Any = "cpu") -> StackedHourglass:
    """A :class:`StackedHourglass` from a file written by :func:`save_landmark_net` (``None`` or
    ``"bundled"``: the network shipped in the package), in eval mode."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    p = resolve_landmark_weights(path)
    if not p.is_file():
        raise InputError(f"{p}: landmark network weights not found (train them with 'facesr train "
                         "configs/landmarks/hourglass_landmarks.yaml')")
    try:
        with safe_open(str(p), "pt") as fh:
            meta = fh.metadata() or {}
        state = load_file(str(p))
    except Exception as exc:  # corrupt or foreign files
        raise InputError(f"{p}: cannot read landmark weights ({type(exc).__name__}: {exc})") from None
    if meta.get("format") != FORMAT:
        raise InputError(f"{p}: not a facesr landmark network file (format {meta.get('format')!r})")
    net = StackedHourglass(**json.loads(meta.get("options") or "{}"))
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise InputError(f"{p}: weights do not fit the stored options ({str(exc).splitlines()[0]})") from None
    return net.to(device).eval()


@torch.no_grad()
def predict_landmarks(net: StackedHourglass, faces: torch.Tensor) -> np.ndarray:
    """``[0,1]`` RGB N x 3 x S x S faces -> ``float64 (N, K, 2)`` ``(x, y)`` in face pixels (maximum of
    each heatmap, sub-pixel refined, :func:`facesr.priors.heatmaps.heatmaps_to_landmarks`)."""
    from ...priors.heatmaps import heatmaps_to_landmarks

    was = net.training
    net.eval()
    hm = net(faces).float().cpu().numpy()
    net.train(was)
    stride = faces.shape[-1] / hm.shape[-1]
    pts = np.stack([heatmaps_to_landmarks(h) for h in hm])
    n, k, _, w = hm.shape
    peak = hm.reshape(n, k, -1).argmax(axis=-1)
    argmax = np.stack([peak % w, peak // w], axis=-1).astype(np.float64)
    pts = np.where(np.isnan(pts), argmax, pts)  # maps without a positive peak: their highest pixel
    return (pts + 0.5) * stride - 0.5
