"""Numeric precision and memory layout of a training run: bf16 autocast and channels-last.

``train.precision`` is ``auto``, ``fp32`` or ``bf16``; ``train.channels_last`` is ``auto``, true or
false. bf16 runs the networks' forward and backward passes under ``torch.autocast`` with bfloat16 while
the master weights, the optimiser state, the EMA copy, the loss reductions and validation stay
float32. ``auto`` picks bf16 only where the device computes it natively (a CPU with AVX512-BF16 or
AMX-BF16, a CUDA GPU that supports bf16) *and* a short probe of the generator's training step at
start-up measures it at least :data:`MARGIN` times faster; the choice is recorded in the checkpoint, so
a resumed run keeps it. With ``train.deterministic`` ``auto`` means fp32 (a timed choice is not
reproducible).
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..hardware import cpu_flags, native_bf16  # noqa: F401  (cpu_flags: re-exported for benchmarks)

PRECISIONS = ("auto", "fp32", "bf16")
#: how much faster (ratio of ms per step) a candidate must be than fp32 / default layout to be chosen
MARGIN = 1.15


@dataclass(frozen=True)
class Precision:
    """The settings a run trains with: ``dtype`` (``fp32`` or ``bf16``), ``channels_last`` and how
    they were chosen (``how``: ``config``, ``probe`` with the measured ms per step, or ``checkpoint``)."""

    dtype: str = "fp32"
    channels_last: bool = False
    how: str = "config"

    def autocast(self, device: torch.device):
        """A context that runs the enclosed forward passes in this precision."""
        if self.dtype == "bf16":
            return torch.autocast(device.type, dtype=torch.bfloat16)
        return nullcontext()

    def layout(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` in this run's memory layout (4-D tensors only)."""
        if self.channels_last and x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def as_dict(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "channels_last": self.channels_last, "how": self.how}


def check_setting(precision: str, channels_last: Any) -> None:
    """Raise ``ConfigError`` for values the config may not hold."""
    from ..errors import ConfigError

    if precision not in PRECISIONS:
        raise ConfigError(f"train.precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if channels_last not in ("auto", True, False):
        raise ConfigError(f"train.channels_last must be auto, true or false, got {channels_last!r}")


def _candidates(precision: str, channels_last: Any, device: torch.device) -> list[tuple[str, bool]]:
    dtypes = [precision] if precision != "auto" else (["fp32", "bf16"] if native_bf16(device) else ["fp32"])
    layouts = [bool(channels_last)] if channels_last != "auto" else [False, True]
    if precision == "auto" and channels_last == "auto" and len(dtypes) == 2:
        return [("fp32", False), ("bf16", True)]  # the measured pair (bf16 gains most in channels-last)
    return [(d, c) for d in dtypes for c in layouts]


def choose(precision: str, channels_last: Any, device: torch.device, net: nn.Module,
           sample: torch.Tensor, repeats: int = 2) -> tuple[Precision, dict[str, float]]:
    """The run's :class:`Precision`: the configured one, or the fastest candidate of a probe.

    The probe times ``repeats`` forward + backward passes of ``net`` (after one warm-up) on ``sample``
    (the network input of one training batch) per candidate; weights, buffers (batch-norm statistics),
    gradients and the random number generators are as before afterwards. Returns the choice and the
    measured ms per pass of each candidate (``{}`` when nothing was probed).
    """
    check_setting(precision, channels_last)
    cands = _candidates(precision, channels_last, device)
    if len(cands) == 1:
        d, c = cands[0]
        return Precision(d, c, "config"), {}
    saved = {k: v.detach().clone() for k, v in net.state_dict().items()}
    cpu_rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if device.type == "cuda" else None
    timings: dict[str, float] = {}
    try:
        for d, c in cands:
            p = Precision(d, c)
            net.to(memory_format=torch.channels_last if c else torch.contiguous_format)
            x = p.layout(sample)
            best = float("inf")
            for i in range(repeats + 1):
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                t0 = time.perf_counter()
                with p.autocast(device):
                    out = net(x)
                    out = out[0] if isinstance(out, (tuple, list)) else out
                    if isinstance(out, dict):
                        out = out["sr"]
                out.float().square().mean().backward()
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                if i:
                    best = min(best, time.perf_counter() - t0)
            timings[f"{d}{'+channels_last' if c else ''}"] = best * 1e3
    finally:
        for prm in net.parameters():
            prm.grad = None
        net.to(memory_format=torch.contiguous_format)
        net.load_state_dict(saved)
        torch.set_rng_state(cpu_rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)
    # the first candidate (fp32 / default layout) unless another is clearly faster: a choice that flips
    # with timing noise would make two runs of one config differ
    keys = list(timings)
    best = min(keys, key=timings.get)
    if timings[best] * MARGIN > timings[keys[0]]:
        best = keys[0]
    d, c = cands[keys.index(best)]
    return Precision(d, c, "probe"), timings


def apply_layout(nets: dict[str, nn.Module], precision: Precision) -> None:
    """Put every network in ``precision``'s memory layout (same Parameter objects: optimisers keep them)."""
    fmt = torch.channels_last if precision.channels_last else torch.contiguous_format
    for net in nets.values():
        net.to(memory_format=fmt)
