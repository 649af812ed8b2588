"""Small helpers shared by subcommands: tables, JSON output, parsing of lists."""

from __future__ import annotations

import math

from ..errors import InputError
from ..io import atomic_write  # noqa: F401  (re-exported for subcommands)
from ..io.atomic import write_json  # noqa: F401  (re-exported)
from ..io.tables import format_table  # noqa: F401  (re-exported)


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
            if total > 1:  # a single input's one line says it all
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


def check_outputs(*, files: dict[str, object] | None = None, folders: dict[str, object] | None = None) -> None:
    """Before any work: every output the user named (option -> path; ``None`` = not given) can be written,
    else a one-line :class:`InputError` naming the option and the path (a finished benchmark is never lost
    to a bad ``--json`` path). Folders are created."""
    from ..io.safety import writable_file, writable_folder

    for option, path in (files or {}).items():
        if path:
            writable_file(path, f"{option} file")
    for option, path in (folders or {}).items():
        if path:
            writable_folder(path, f"{option} folder")
