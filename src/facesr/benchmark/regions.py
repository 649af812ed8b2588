"""Scores on part of the face: PSNR over the pixels an occluder covered (the completion track, survey
§4.7.1), where a completion method must invent what the LR face does not show, beside the whole-face
scores that mostly reward the untouched rest.

The region comes from each face's degradation record (:func:`facesr.degradation.occlusion.occlusion_mask`,
at the HR size); it is scored on the protocol's plane (border crop, SR rounding, luma), so that a face's
``psnr_occ`` and its ``psnr`` differ only in which pixels count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: the metric name of PSNR over the occluded region (dB; higher is better)
OCCLUDED_PSNR = "psnr_occ"


def occluded_psnr(sr: Sequence[np.ndarray], hr: Sequence[np.ndarray], names: Sequence[str],
                  records: Mapping[str, Mapping[str, Any]], scale: int, proto: Any) -> dict[str, float | None]:
    """``{image name: PSNR (dB) over its occluded pixels}`` of uint8 ``H x W x 3`` SR faces against their
    HR faces; ``None`` for a face whose record covers no pixel inside the protocol's border crop. A
    region restored exactly scores ``inf`` (as whole-face PSNR does)."""
    import torch

    from ..degradation.occlusion import occlusion_mask

    out: dict[str, float | None] = {}
    c = proto.crop_for(scale)
    for img, ref, name in zip(sr, hr, names):
        mask = occlusion_mask(dict(records[name]), ref.shape[:2])
        if c:
            mask = mask[c:-c, c:-c]
        if not mask.any():
            out[name] = None
            continue
        x, y = (proto.plane(torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1)[None].float() / 255.0,
                            scale)[0] for a in (img, ref))
        m = torch.from_numpy(mask)
        mse = float(((x - y) ** 2)[:, m].mean())
        out[name] = math.inf if mse == 0 else 10.0 * math.log10(proto.data_range ** 2 / mse)
    return out


def mean_score(per_image: Mapping[str, float | None]) -> float | None:
    """Mean of the faces that have a score (``None`` when none has)."""
    vals = [v for v in per_image.values() if v is not None]
    return float(np.mean(vals)) if vals else None
