"""Which restorers the enhance page offers: the bundled pretrained models when present, and bicubic."""

from __future__ import annotations

from typing import Any

#: whole-image scales offered with the bicubic baseline (a model offers the scales it ships)
BICUBIC_SCALES = (2, 3, 4, 8)


def available_models() -> list[dict[str, Any]]:
    """``[{"name", "label", "scales"}]``; the first entry is the default (an installed bundled model if any).

    ``scales`` are the whole-image scales offered: a model's own scales (as ``facesr enhance`` requires).
    """
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
    models.append({"name": "bicubic", "label": "bicubic (no model: the baseline)", "scales": list(BICUBIC_SCALES)})
    return models


def make_restorer(name: str):
    """A pipeline :class:`~facesr.pipeline.Restorer` for one of :func:`available_models`."""
    from ..pipeline.restorers import make_restorer as build

    return build(name, device="cpu")
