"""Parameter and multiply-accumulate (MAC) counts in the survey's convention (methods.md §1.1).

* Params: every ``nn.Parameter`` (buffers such as BN statistics, fixed wavelet filters or the
  dataset mean are not parameters); the survey's unit is ``count / 2**20``.
* "FLOPs": multiply-accumulates of one image at the network's native input for the scale
  (the raw LR face for ``lr`` networks, the HR-size face for ``upsampled`` ones), counting only
  convolution, transposed-convolution and linear modules, as thop-style module hooks do.
  Attention matrix products, normalisation, activations and bias additions are not counted.

  - convolution: ``weight.numel() * out_H * out_W`` (weights hold ``C_out * C_in/groups * k*k``);
  - transposed convolution: ``weight.numel() * in_H * in_W`` (every input pixel meets every tap);
  - linear: ``weight.numel() * rows`` (rows = input elements / in_features).

The counts come from forward hooks during one pass, normally on the ``meta`` device (shapes only,
no arithmetic, no memory). :func:`cached_complexity` keeps the results in the cache directory,
keyed by a digest of the zoo's source files, so listing the zoo again needs neither torch nor a
pass. This module imports torch only inside the functions that count.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn

#: The survey's parameter unit: "M" = 2**20 (methods.md §1.1).
SURVEY_PARAM_UNIT = 2**20
#: The survey's "G" for FLOPs (MACs / 1e9).
SURVEY_FLOP_UNIT = 10**9


def _layer_types() -> tuple[tuple[type, ...], tuple[type, ...], type]:
    from torch import nn

    conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
    convt = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
    return conv, convt, nn.Linear


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameter elements (shared parameters counted once)."""
    seen: set[int] = set()
    total = 0
    for p in model.parameters():
        if id(p) in seen or (trainable_only and not p.requires_grad):
            continue
        seen.add(id(p))
        total += p.numel()
    return total


def module_macs(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> int:
    """MACs of one call of a conv / transposed-conv / linear module, for the whole batch."""
    conv, convt, linear = _layer_types()
    w = module.weight
    if isinstance(module, convt):
        x = inputs[0]
        return w.numel() * math.prod(x.shape[2:]) * x.shape[0]
    if isinstance(module, conv):
        return w.numel() * math.prod(output.shape[2:]) * output.shape[0]
    if isinstance(module, linear):
        x = inputs[0]
        return w.numel() * (x.numel() // module.in_features)
    return 0


@dataclass
class MacCount:
    """MACs of one forward pass: ``total`` and per counted module (``name -> MACs``)."""

    total: int
    batch: int
    per_module: dict[str, int] = field(default_factory=dict)

    @property
    def per_image(self) -> int:
        return self.total // self.batch


def count_macs(model: nn.Module, *inputs: torch.Tensor, **kwargs: Any) -> MacCount:
    """Run ``model(*inputs, **kwargs)`` once under no_grad with counting hooks; return the MACs.

    Use meta-device inputs with a meta-device model to count without computing.
    """
    import torch

    conv, convt, linear = _layer_types()
    counted = (*conv, *convt, linear)
    per_module: dict[str, int] = {}
    handles = []
    for name, m in model.named_modules():
        if isinstance(m, counted):
            label = name or type(m).__name__

            def hook(mod, inp, out, _name=label):
                per_module[_name] = per_module.get(_name, 0) + module_macs(mod, inp, out)

            handles.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(*inputs, **kwargs)
    finally:
        for h in handles:
            h.remove()
    batch = int(inputs[0].shape[0]) if inputs and isinstance(inputs[0], torch.Tensor) else 1
    return MacCount(total=sum(per_module.values()), batch=batch, per_module=per_module)


@dataclass(frozen=True)
class Complexity:
    """Params and MACs of one zoo network at one scale, in exact numbers and survey units."""

    name: str
    scale: int
    params: int
    trainable_params: int
    input_shape: tuple[int, ...]
    macs: int

    @property
    def params_survey(self) -> float:
        """Params in the survey's unit (count / 2**20)."""
        return self.params / SURVEY_PARAM_UNIT

    @property
    def gmacs(self) -> float:
        return self.macs / SURVEY_FLOP_UNIT

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["input_shape"] = list(self.input_shape)
        d["params_survey"] = self.params_survey
        d["gmacs"] = self.gmacs
        return d


def native_input_shape(input_mode: str, scale: int, hr_size: int = 128) -> tuple[int, int, int, int]:
    """1 x 3 x H x W input of a network for an ``hr_size`` result: LR size or HR size."""
    if hr_size % scale:
        from ..errors import ConfigError

        raise ConfigError(f"HR size {hr_size} is not divisible by scale {scale}")
    side = hr_size // scale if input_mode == "lr" else hr_size
    return (1, 3, side, side)


def model_complexity(name: str, scale: int = 8, hr_size: int = 128, **overrides: Any) -> Complexity:
    """Params and MACs of registered model ``name`` for one ``hr_size`` face at ``scale``.

    Builds the network on the meta device (no memory, no weights) and runs one hook pass.
    """
    import torch

    from .registry import create, model_info

    info = model_info(name)
    model = create(name, scale=scale, device="meta", **overrides)
    shape = native_input_shape(info["input"], scale, hr_size)
    x = torch.zeros(shape, device="meta")
    if hasattr(model, "example_input"):  # a network whose input is not a face image (a point cloud)
        x = model.example_input(x)
        shape = tuple(x.shape)
    model.eval()
    # networks with inputs besides the face (given attributes) provide neutral example values
    extra = model.example_conditions(x) if hasattr(model, "example_conditions") else {}
    macs = count_macs(model, x, **extra)
    return Complexity(
        name=info["name"],
        scale=scale,
        params=count_params(model),
        trainable_params=count_params(model, trainable_only=True),
        input_shape=shape,
        macs=macs.per_image,
    )


def source_digest() -> str:
    """Digest of every source file of the zoo (``facesr/models/**.py``): the cache key's version."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:20]


def cached_complexity(name: str, scale: int = 8, hr_size: int = 128) -> Complexity:
    """:func:`model_complexity` with default options, memoised in ``cache_dir("complexity")``.

    Entries are keyed by model, scale, HR size and :func:`source_digest`, so any change to the
    zoo's code recomputes them; an unreadable cache file is ignored and rewritten.
    """
    from ..io import atomic_write
    from ..paths import cache_dir
    from .registry import model_info

    key = f"{model_info(name)['name']}/x{scale}/{hr_size}"
    path = cache_dir("complexity") / f"zoo-{source_digest()}.json"
    try:
        table = json.loads(path.read_text())
    except (OSError, ValueError):
        table = {}
    if isinstance(table, dict) and isinstance(table.get(key), dict):
        try:
            d = table[key]
            return Complexity(d["name"], int(d["scale"]), int(d["params"]), int(d["trainable_params"]),
                              tuple(d["input_shape"]), int(d["macs"]))
        except (KeyError, TypeError, ValueError):
            pass
    c = model_complexity(name, scale=scale, hr_size=hr_size)
    table = table if isinstance(table, dict) else {}
    table[key] = c.as_dict()
    try:
        with atomic_write(path) as tmp:
            tmp.write_text(json.dumps(table, indent=1))
    except OSError:  # a read-only cache only costs speed
        pass
    return c
