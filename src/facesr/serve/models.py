"""Which restorers the enhance page offers: the bundled pretrained models when present, and bicubic."""

from __future__ import annotations

from typing import Any


def available_models() -> list[dict[str, Any]]:
    """``[{"name", "label", "scales"}]``; the first entry is the default (an installed bundled model if any)."""
    models: list[dict[str, Any]] = []
    try:
        from ..models.bundled import list_bundled
    except ImportError:
        list_bundled = None
    if list_bundled is not None:
        for m in list_bundled():
            if not m.get("installed", True):  # catalogued but its weights are not in this installation
                continue
            scales = ", ".join(f"x{s}" for s in m.get("scales", ()))
            models.append({"name": m["name"], "label": f"{m['name']} ({m.get('model', '')} {scales})".strip(),
                           "scales": list(m.get("scales", ()))})
    from ..pipeline import BicubicRestorer

    models.append({"name": "bicubic", "label": "bicubic (no model: the baseline)",
                   "scales": list(BicubicRestorer.scales)})
    return models


def make_restorer(name: str):
    """A pipeline :class:`~facesr.pipeline.Restorer` for one of :func:`available_models`."""
    from ..pipeline import BicubicRestorer

    if name == "bicubic":
        return BicubicRestorer()
    from ..models.bundled import bundled_restorer

    return bundled_restorer(name, device="cpu")
