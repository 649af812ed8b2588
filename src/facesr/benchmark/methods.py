"""Methods in a benchmark: ``bicubic``, a zoo name, or ``NAME:CHECKPOINT``; running them on LR faces."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class MethodSpec:
    """One row of the benchmark: ``name`` (``bicubic`` or a zoo name), optional ``checkpoint`` (one
    file for every scale), or ``bundled`` (a bundled model: its own file per scale)."""

    name: str
    checkpoint: Path | None = None
    bundled: str | None = None

    @property
    def label(self) -> str:
        if self.bundled:
            return self.bundled
        return self.name if self.checkpoint is None else f"{self.name}:{self.checkpoint.stem}"

    def weights_for(self, scale: int) -> Path | None:
        """The weights file used at ``scale`` (``None`` for bicubic / untrained)."""
        if self.bundled:
            from ..models.bundled import bundled_weights

            return bundled_weights(self.bundled, scale)
        return self.checkpoint

    def cache_key(self, scale: int | None = None) -> str:
        """Changes whenever the weights change (file digest), so cached outputs stay valid."""
        path = self.weights_for(scale) if (self.bundled and scale is not None) else self.checkpoint
        if path is None:
            return self.name
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return f"{self.name}-{h.hexdigest()[:16]}"


def parse_method(item: str) -> MethodSpec:
    """One method: ``bicubic``, a bundled model (``rcan-lite``: its own weights at each scale) or
    ``NAME:CHECKPOINT`` (a zoo network with one weights file)."""
    from ..models import model_info
    from ..models.bundled import BUNDLED, get_bundled, is_bundled

    name, _, ckpt = item.strip().partition(":")
    name = name.strip().lower()
    if is_bundled(name) and not ckpt:
        entry = get_bundled(name)
        return MethodSpec(entry.model, bundled=entry.name)
    if name == "bicubic" and not ckpt:
        return MethodSpec("bicubic")
    model_info(name)  # unknown names raise with suggestions
    if not ckpt:
        raise InputError(f"method {name!r} needs trained weights: give {name}:CHECKPOINT "
                         "(.safetensors state dict or a facesr training checkpoint), or a bundled model "
                         f"({', '.join(BUNDLED)})")
    path = Path(ckpt).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: checkpoint for method {name!r} not found")
    return MethodSpec(name, path)


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


def load_state(path: Path) -> dict[str, Any]:
    """A state dict from ``.safetensors`` or a torch checkpoint (``ema``/``params_ema``/``generator``...)."""
    return load_weights(path)[0]


def weights_description(path: Path) -> dict[str, Any]:
    """The ``description`` of :func:`load_weights` without loading the tensors when the file is a
    ``.safetensors`` (its metadata only)."""
    if path.suffix != ".safetensors":
        return load_weights(path)[1]
    import json

    try:
        from safetensors import safe_open

        with safe_open(str(path), "pt") as fh:
            meta = fh.metadata() or {}
    except Exception as exc:  # corrupt or foreign files
        raise InputError(f"{path}: cannot read checkpoint ({type(exc).__name__}: {exc})") from None
    if not meta.get("model"):
        return {}
    desc = {"model": meta["model"], "scale": int(meta["scale"]) if meta.get("scale") else None,
            "options": json.loads(meta.get("options") or "{}")}
    if meta.get("attributes"):
        desc["attributes"] = json.loads(meta["attributes"])
    return desc


def load_weights(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(state_dict, description)`` from ``.safetensors`` or a torch checkpoint. ``description``
    has ``model``, ``scale`` and ``options`` (network constructor overrides), and ``attributes`` (the
    given attributes' names, in input order) when the file says them (files from
    :func:`facesr.training.export.export_weights`, facesr training checkpoints), else it is empty."""

    import torch

    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path)), weights_description(path)
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt or foreign files
        raise InputError(f"{path}: cannot read checkpoint ({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict):
        raise InputError(f"{path}: not a state dict or training checkpoint")
    desc = {}
    model = obj.get("model")
    if isinstance(model, dict) and "name" in model:  # a facesr training checkpoint
        desc = {"model": model["name"], "scale": model.get("scale"), "options": dict(model.get("options", {}))}
        if model.get("attributes"):
            desc["attributes"] = list(model["attributes"])
        ema = obj.get("ema", {}).get("generator")
        if isinstance(ema, dict) and ema:
            return ema, desc
        return obj["nets"]["generator"], desc
    for key in ("ema", "params_ema", "generator", "params", "state_dict", "model"):
        inner = obj.get(key)
        if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
            return inner, desc
    nets = obj.get("networks")
    if isinstance(nets, dict) and isinstance(nets.get("generator"), dict):
        return nets["generator"], desc
    if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj, desc
    raise InputError(f"{path}: no network weights found (keys: {', '.join(list(obj)[:8])})")


def build_network(spec: MethodSpec, scale: int):
    """The zoo network of ``spec`` for ``scale``, with its checkpoint loaded (eval mode). A checkpoint
    that records its network (model, scale, options) is rebuilt with those options."""
    from ..models import create

    path = spec.weights_for(scale)
    if path is None:
        return create(spec.name, scale=scale).eval()
    state, desc = load_weights(path)
    if desc.get("model") and desc["model"] != spec.name:
        raise InputError(f"{path}: weights of {desc['model']!r}, not {spec.name!r}")
    if desc.get("scale") and int(desc["scale"]) != scale:
        raise InputError(f"{path}: weights for x{desc['scale']}, asked for x{scale}")
    model = create(spec.name, scale=scale, **desc.get("options", {}))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise InputError(
            f"{path}: weights do not fit {spec.name} x{scale} "
            f"({len(missing)} missing, {len(unexpected)} unexpected keys, e.g. "
            f"{(missing or unexpected)[0]})"
        )
    return model.eval()


def run_method(spec: MethodSpec, lr: np.ndarray, scale: int, protocol, *, batch_size: int = 16,
               device: str = "cpu", progress: bool = False, attributes: np.ndarray | None = None) -> np.ndarray:
    """SR results (uint8 ``N x H x W x 3``) of one method for uint8 LR faces ``N x h x w x 3``.
    ``attributes``: ``float32 N x k`` (0/1, NaN unknown) for a network conditioned on given attributes."""
    if spec.name == "bicubic":
        return protocol.upsample(lr, scale)
    import torch

    from ..io import tensor_to_uint8, uint8_to_tensor
    from ..models import super_resolve
    from ..models.base import for_inference

    model = for_inference(build_network(spec, scale), device)
    out = []
    it = range(0, len(lr), batch_size)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"{spec.label} x{scale}", unit="batch", leave=False)
    with torch.inference_mode():
        for i in it:
            x = uint8_to_tensor(lr[i : i + batch_size]).to(device)
            extra = {}
            if attributes is not None:
                extra["attributes"] = torch.from_numpy(attributes[i : i + batch_size]).to(device)
            y = super_resolve(model, x, kernel=protocol.up_kernel, **extra)
            out.append(tensor_to_uint8(y.clamp(0, 1)))
    return np.concatenate(out)
