"""Convert-once cache of pretrained weights as safetensors files under ``cache_dir("weights")``.

The cache directory is ``$FACESR_CACHE/weights`` (default ``~/.cache/facesr/weights``). A cached
file records the size and modification time of the files it was converted from; when they change
(package upgraded or reinstalled) the weights are converted again. Files are written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from ..io.atomic import atomic_write
from ..paths import cache_dir

#: Bump when a conversion changes, so that old cache files are rebuilt.
CONVERSION_VERSION = "1"


def _fingerprint(sources: Sequence[Path]) -> str:
    parts = []
    for p in sources:
        st = os.stat(p)
        parts.append({"file": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    return json.dumps({"version": CONVERSION_VERSION, "sources": parts}, sort_keys=True)


def cached_state_dict(
    name: str, sources: Sequence[Path], convert: Callable[[], dict[str, torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """The state dict ``name``: loaded from the cache, or made by ``convert()`` and cached.

    ``sources`` are the package files the conversion reads (their size/mtime key the cache).
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open, save_file

    path = cache_dir("weights") / f"{name}.safetensors"
    fingerprint = _fingerprint(sources)
    if path.is_file():
        try:
            with safe_open(str(path), framework="pt") as fh:
                meta = fh.metadata() or {}
            if meta.get("fingerprint") == fingerprint:
                return load_file(str(path))
        except (SafetensorError, OSError, ValueError):
            pass  # unreadable or stale: convert again
    state = {k: v.detach().to("cpu").contiguous() for k, v in convert().items()}
    try:
        with atomic_write(path) as tmp:
            save_file(state, str(tmp), metadata={"fingerprint": fingerprint})
    except OSError:
        pass  # a read-only cache only costs the conversion next time
    return state
