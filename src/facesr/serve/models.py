"""Which restorers the enhance page offers: the installed pretrained models (:func:`facesr.list_pretrained`)
that restore a face on their own, and bicubic (a reference model such as ``ref-lite`` is used when reference
photos are uploaded). Restorers come from :func:`facesr.pipeline.enhance.build_restorer`, which runs the
shared batched loop (:func:`facesr.models.weights.super_resolve_batched`)."""

from __future__ import annotations

from typing import Any

#: whole-image scales offered with the bicubic baseline (a model offers the scales it ships)
BICUBIC_SCALES = (2, 3, 4, 8)


def available_models() -> list[dict[str, Any]]:
    """``[{"name", "label", "scales"}]``; the first entry is the default (an installed bundled model if any).

    ``scales`` are the whole-image scales offered: a model's own scales (as ``facesr enhance`` requires).
    """
    from ..models.weights import format_scales, list_pretrained
    from ..pipeline.reference import reference_models

    needs_photos = set(reference_models())
    models: list[dict[str, Any]] = []
    for m in list_pretrained():
        if not m["installed"]:  # catalogued but its weights are not in this installation
            continue
        if m["model"] in needs_photos:  # ref-lite: used with reference photos, not a model to pick
            continue
        models.append({"name": m["name"], "label": f"{m['name']} ({m['model']} {format_scales(m['scales'])})",
                       "scales": list(m["scales"])})
    models.append({"name": "bicubic", "label": "bicubic (no model: the baseline)", "scales": list(BICUBIC_SCALES)})
    return models


def make_restorer(name: str):
    """A pipeline :class:`~facesr.pipeline.Restorer` for one of :func:`available_models` (a full-size
    restorer such as ``bfr-lite`` at its default fidelity)."""
    from ..pipeline.enhance import build_restorer

    return build_restorer(name, scale=4, device="cpu")
