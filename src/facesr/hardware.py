"""What the machine computes natively: CPU feature flags and bf16 support (used by training and inference
precision choices)."""

from __future__ import annotations

import torch


def cpu_flags() -> set[str]:
    """The CPU feature flags of ``/proc/cpuinfo`` (empty where the file does not exist)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def native_bf16(device: torch.device) -> str | None:
    """Why ``device`` computes bf16 natively (``amx_bf16``, ``avx512_bf16``, ``cuda``), else ``None``."""
    if device.type == "cuda":
        return "cuda" if torch.cuda.is_bf16_supported() else None
    if device.type != "cpu":
        return None
    flags = cpu_flags()
    for flag in ("amx_bf16", "avx512_bf16"):
        if flag in flags:
            return flag
    return None
