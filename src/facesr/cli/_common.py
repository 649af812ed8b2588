"""Small helpers shared by subcommands: tables, JSON output, parsing of lists."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io import atomic_write


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, floatfmt: str = ".4f") -> str:
    """A plain-text table with right-aligned numbers."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            if not math.isfinite(v):
                return "inf" if v > 0 else ("-inf" if v < 0 else "nan")
            return format(v, floatfmt)
        return "" if v is None else str(v)

    text = [[cell(v) for v in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in text)) if text else len(str(h)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(r[i], int | float) for r in rows) if rows else False for i in range(len(headers))]

    def line(vals: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(vals, widths)))

    out = [line([str(h) for h in headers]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in text]
    return "\n".join(x.rstrip() for x in out)


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write strict JSON (no NaN/Infinity) atomically."""
    p = Path(path)
    with atomic_write(p) as tmp:
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return p


def parse_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"scale must be a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"scale must be positive, got {text!r}")
    return int(value) if value == int(value) else value


class Failures:
    """Collects one-line errors of a folder run; each line names the file. ``report()`` -> exit status."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: object, exc: Exception, *also: object) -> None:
        msg = str(exc)
        named = any(str(p) in msg for p in (path, *also))
        self.lines.append(msg if named else f"{path}: {msg}")

    def report(self, total: int, what: str = "image(s)") -> int:
        import sys

        for line in self.lines:
            print(f"facesr: error: {line}", file=sys.stderr)
        if self.lines:
            print(f"facesr: {len(self.lines)} of {total} {what} failed", file=sys.stderr)
            return 2
        return 0


def check_device(name: str, option: str = "--device") -> str:
    """A torch device name the machine has (``cpu``, ``cuda``, ``cuda:1``, ...), else one clear error."""
    import torch

    try:
        dev = torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        raise InputError(f"{option} {name!r} is not a device (cpu, cuda, cuda:N)") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(f"{option} {name!r}: CUDA is not available on this machine (use cpu)")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f"{option} {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    elif dev.type != "cpu":
        raise InputError(f"{option} {name!r}: only cpu and cuda devices are supported")
    return name
