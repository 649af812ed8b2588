"""``train.compile``: ``torch.compile`` of the networks a recipe trains.

The compiled wrapper replaces the network in ``trainer.wrapped`` (what recipes call in ``step``); the
network itself (``trainer.nets``: checkpoints, EMA, validation, export) stays the eager module, so a
checkpoint of a compiled run is an ordinary one and resumes with or without compiling.

``auto`` compiles only where it was measured to pay: on CUDA (``reduce-overhead``: CUDA graphs remove
the kernel-launch cost that bounds small networks) for runs of at least :data:`AUTO_MIN_ITERATIONS`
iterations. On the CPU inductor's compile (about a minute for the bundled network, and again for each
new input shape) did not pay back on this project's CPU (``benchmarks/train_speed.py --sections
compile``, docs/training.md), so ``auto`` stays eager there; ``true`` or a mode name compiles anyway.
"""

from __future__ import annotations

from typing import Any

from torch import nn

MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
#: the shortest run (iterations) that ``auto`` compiles on CUDA
AUTO_MIN_ITERATIONS = 2000


def check_compile(value: Any) -> None:
    """Raise ``ConfigError`` unless ``value`` is false, true, ``auto`` or a mode of :data:`MODES`."""
    from ..errors import ConfigError

    if value in (False, True, "auto") or value in MODES:
        return
    raise ConfigError(f"train.compile must be false, true, auto or a mode ({', '.join(MODES)}), got {value!r}")


def compile_mode(value: Any, device_type: str, iterations: int) -> str | None:
    """The ``torch.compile`` mode that ``train.compile = value`` means for a run of ``iterations`` on
    ``device_type`` (``cpu``, ``cuda``), or ``None`` for eager."""
    check_compile(value)
    if value is False:
        return None
    if value is True:
        return "default"
    if value == "auto":
        return "reduce-overhead" if device_type == "cuda" and iterations >= AUTO_MIN_ITERATIONS else None
    return str(value)


def compile_networks(wrapped: dict[str, nn.Module], names: list[str], mode: str) -> dict[str, nn.Module]:
    """``wrapped`` with the networks ``names`` replaced by their ``torch.compile`` wrappers (``mode``)."""
    import torch

    out = dict(wrapped)
    for n in names:
        out[n] = torch.compile(wrapped[n], mode=None if mode == "default" else mode)
    return out
