"""One face at the training size with its annotations (the unit of every face source)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass
class FaceSample:
    """One face at training size. ``landmarks``: ``float64 (n, 2)`` HR pixels in ``scheme`` order;
    ``parsing``: ``uint8 (H, W)`` CelebAMask-HQ ids; ``lr``: the dataset's own LR (``uint8``) if any."""

    key: str
    hr: np.ndarray
    landmarks: np.ndarray | None = None
    scheme: str | None = None
    parsing: np.ndarray | None = None
    attributes: dict[str, float] | None = None
    identity: str | None = None
    lr: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def replace(self, **changes) -> FaceSample:
        return replace(self, **changes)
