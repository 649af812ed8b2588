"""Checkpoints that never lose work: atomic writes, hard-linked ``last.pt``/``best.pt``, RNG states,
and clear errors for missing, corrupted or foreign checkpoints.

A checkpoint is a dict of tensors and plain data (loaded with ``weights_only=True``):
``format``, ``iteration``, ``config`` (YAML text), ``model`` (name, scale, options), ``nets``
(state dicts), ``optimizers``, ``schedulers``, ``scalers``, ``ema``, ``rng`` (one entry per rank),
``best`` and ``rollbacks``.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..io import atomic_write

FORMAT = "facesr-train-1"


class CheckpointError(ConfigError):
    """A checkpoint is missing, unreadable, or belongs to another model."""


def save_checkpoint(path: str | os.PathLike[str], state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically (a failed save leaves an existing file untouched)."""
    final = Path(path)
    with atomic_write(final) as tmp:
        torch.save(state, tmp)
    return final


def link_as(src: Path, dst: Path) -> None:
    """Make ``dst`` name the same file as ``src`` (hard link, else copy), replaced atomically."""
    tmp = dst.with_name(f".{dst.name}.link")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        import shutil

        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`, or raise :class:`CheckpointError`."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: checkpoint not found")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a damaged zip/pickle
        raise CheckpointError(f"{p}: corrupted or truncated checkpoint, cannot be read "
                              f"({type(exc).__name__}); use an older one from its folder") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{p}: not a facesr training checkpoint (format {FORMAT})")
    return state


def check_same_model(state: dict[str, Any], model: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Raise :class:`CheckpointError` unless ``state`` was written for the network ``model`` describes."""
    have = state.get("model", {})
    if have.get("name") != model["name"] or have.get("scale") != model["scale"] or \
            have.get("options", {}) != model["options"]:
        raise CheckpointError(
            f"{path}: checkpoint is of model {have.get('name')} x{have.get('scale')} {have.get('options', {})}, "
            f"but the config builds {model['name']} x{model['scale']} {model['options']}")


def load_state_checked(module: torch.nn.Module, state: dict[str, torch.Tensor], what: str, path: Any) -> None:
    """``load_state_dict`` with a one-line error naming mismatched keys or shapes."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    shapes = [k for k in own if k in state and tuple(own[k].shape) != tuple(state[k].shape)]
    if missing or extra or shapes:
        parts = []
        if missing:
            parts.append(f"missing {missing[:3]}")
        if extra:
            parts.append(f"unexpected {extra[:3]}")
        if shapes:
            k = shapes[0]
            parts.append(f"shape of {k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)}")
        raise CheckpointError(f"{path}: {what} weights do not fit this network ({'; '.join(parts)})")
    module.load_state_dict(state)


# -- RNG states ----------------------------------------------------------------------------------
def rng_state() -> dict[str, Any]:
    """Every global generator's state as tensors and plain data."""
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {"key": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                  "has_gauss": int(np_state[3]), "gauss": float(np_state[4])},
        "python": _py_state(random.getstate()),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", n["key"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    random.setstate(_py_state(state["python"], back=True))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _py_state(s: Any, back: bool = False) -> Any:
    if back:
        return (s[0], tuple(s[1]), s[2])
    return [s[0], list(s[1]), s[2]]


# -- files of a run ------------------------------------------------------------------------------
_ITER = re.compile(r"^iter_(\d+)\.pt$")


def numbered(folder: Path) -> list[tuple[int, Path]]:
    """``iter_*.pt`` files of ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _ITER.match(p.name))]
    return sorted(found)


def prune(folder: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` numbered checkpoints (``last``/``best`` links stay)."""
    files = numbered(folder)
    for _, p in files[: max(0, len(files) - max(keep, 1))]:
        p.unlink(missing_ok=True)
