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
    """One row of the benchmark: ``name`` (``bicubic`` or a zoo name), optional ``checkpoint``."""

    name: str
    checkpoint: Path | None = None

    @property
    def label(self) -> str:
        return self.name if self.checkpoint is None else f"{self.name}:{self.checkpoint.stem}"

    def cache_key(self) -> str:
        """Changes whenever the weights change (file digest), so cached outputs stay valid."""
        if self.checkpoint is None:
            return self.name
        h = hashlib.sha256()
        with open(self.checkpoint, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return f"{self.name}-{h.hexdigest()[:16]}"


def parse_methods(text: str) -> list[MethodSpec]:
    """``"bicubic,rcan:runs/x8.safetensors"`` -> specs; bicubic is always included, first."""
    from ..models import model_info

    specs: list[MethodSpec] = []
    for item in (s.strip() for s in text.split(",")):
        if not item:
            continue
        name, _, ckpt = item.partition(":")
        name = name.strip().lower()
        if name != "bicubic":
            model_info(name)  # unknown names raise with suggestions
        path = None
        if name != "bicubic" and not ckpt:
            raise InputError(f"method {name!r} needs trained weights: give {name}:CHECKPOINT "
                             "(.safetensors state dict or a facesr training checkpoint)")
        if ckpt:
            path = Path(ckpt).expanduser()
            if not path.is_file():
                raise InputError(f"{path}: checkpoint for method {name!r} not found")
        specs.append(MethodSpec(name, path))
    if not any(s.name == "bicubic" for s in specs):
        specs.insert(0, MethodSpec("bicubic"))
    labels = [s.label for s in specs]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise InputError(f"method(s) named twice: {', '.join(sorted(dup))}")
    return specs


def load_state(path: Path) -> dict[str, Any]:
    """A state dict from ``.safetensors`` or a torch checkpoint (``ema``/``params_ema``/``generator``...)."""
    import torch

    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt or foreign files
        raise InputError(f"{path}: cannot read checkpoint ({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict):
        raise InputError(f"{path}: not a state dict or training checkpoint")
    for key in ("ema", "params_ema", "generator", "params", "state_dict", "model"):
        inner = obj.get(key)
        if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
            return inner
    nets = obj.get("networks")
    if isinstance(nets, dict) and isinstance(nets.get("generator"), dict):
        return nets["generator"]
    if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    raise InputError(f"{path}: no network weights found (keys: {', '.join(list(obj)[:8])})")


def build_network(spec: MethodSpec, scale: int):
    """The zoo network of ``spec`` for ``scale``, with its checkpoint loaded (eval mode)."""
    from ..models import create

    model = create(spec.name, scale=scale)
    if spec.checkpoint is not None:
        state = load_state(spec.checkpoint)
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise InputError(
                f"{spec.checkpoint}: weights do not fit {spec.name} x{scale} "
                f"({len(missing)} missing, {len(unexpected)} unexpected keys, e.g. "
                f"{(missing or unexpected)[0]})"
            )
    return model.eval()


def run_method(spec: MethodSpec, lr: np.ndarray, scale: int, protocol, *, batch_size: int = 16,
               device: str = "cpu", progress: bool = False) -> np.ndarray:
    """SR results (uint8 ``N x H x W x 3``) of one method for uint8 LR faces ``N x h x w x 3``."""
    if spec.name == "bicubic":
        return protocol.upsample(lr, scale)
    import torch

    from ..io import tensor_to_uint8, uint8_to_tensor
    from ..models import super_resolve

    model = build_network(spec, scale).to(device)
    out = []
    it = range(0, len(lr), batch_size)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"{spec.label} x{scale}", unit="batch", leave=False)
    with torch.inference_mode():
        for i in it:
            x = uint8_to_tensor(lr[i : i + batch_size]).to(device)
            y = super_resolve(model, x, kernel=protocol.up_kernel)
            out.append(tensor_to_uint8(y.clamp(0, 1)))
    return np.concatenate(out)
