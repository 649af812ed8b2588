"""The interface every metric implements, so that the evaluator and the Python API treat all alike.

Inputs are ``[0,1] float NCHW RGB`` tensors (``sr`` and, for full-reference metrics, ``hr`` of
the same shape). ``update`` returns per-image scores (float64 ``[N]``) for per-image metrics and
``None`` for dataset-level ones (FID); ``compute`` returns the dataset value (the mean of the
per-image scores, or the dataset statistic).
"""

from __future__ import annotations

from typing import ClassVar

import torch

from ..errors import InputError
from .protocols import DEFAULT_PROTOCOL, Protocol, get_protocol


class Metric:
    """Base class. Subclasses set the class attributes and implement :meth:`score`."""

    name: ClassVar[str] = ""
    higher_better: ClassVar[bool] = True
    needs_hr: ClassVar[bool] = True
    dataset_level: ClassVar[bool] = False
    unit: ClassVar[str] = ""

    def __init__(self, protocol: str | Protocol = DEFAULT_PROTOCOL, scale: float = 1, device: str = "cpu"):
        self.protocol = get_protocol(protocol)
        self.scale = scale
        self.device = torch.device(device)
        self.reset()

    # -- per-image API ---------------------------------------------------------------------------
    def score(self, sr: torch.Tensor, hr: torch.Tensor | None) -> torch.Tensor:
        """Per-image scores, float64 ``[N]``."""
        raise NotImplementedError

    def __call__(self, sr, hr=None) -> torch.Tensor:
        """Per-image scores. ``sr``/``hr``: ``[0,1] float NCHW RGB`` tensors, or uint8 numpy images
        (``H x W x 3`` or ``N x H x W x 3``), which are converted."""
        sr, hr = _as_tensor(sr), _as_tensor(hr)
        self._check(sr, hr)
        return self.score(sr, hr)

    # -- accumulating API --------------------------------------------------------------------------
    def reset(self) -> None:
        self._scores: list[torch.Tensor] = []

    def update(self, sr, hr=None) -> torch.Tensor | None:
        s = self(sr, hr)
        self._scores.append(s.detach().to("cpu", torch.float64))
        return s

    def compute(self) -> float:
        if not self._scores:
            raise InputError(f"metric {self.name}: no images were scored")
        return float(torch.cat(self._scores).mean())

    # -- helpers -----------------------------------------------------------------------------------
    def _check(self, sr: torch.Tensor, hr: torch.Tensor | None) -> None:
        if not isinstance(sr, torch.Tensor) or sr.dim() != 4 or sr.shape[1] != 3:
            shape = tuple(sr.shape) if isinstance(sr, torch.Tensor) else type(sr).__name__
            raise InputError(f"metric {self.name}: expected SR as N x 3 x H x W in [0,1], got {shape}")
        if self.needs_hr:
            if hr is None:
                raise InputError(f"metric {self.name} needs HR images (full-reference metric)")
            if hr.shape != sr.shape:
                raise InputError(
                    f"metric {self.name}: SR {tuple(sr.shape)} and HR {tuple(hr.shape)} differ in shape"
                )

    def describe(self) -> str:
        return self.protocol.convention(self.scale)


def _as_tensor(x):
    """uint8 numpy images -> ``[0,1] float32 NCHW``; tensors and None pass through."""
    if x is None or isinstance(x, torch.Tensor):
        return x
    import numpy as np

    from ..io import uint8_to_tensor

    arr = np.asarray(x)
    if arr.dtype != np.uint8 or arr.ndim not in (3, 4) or arr.shape[-1] != 3:
        raise InputError(f"expected uint8 H x W x 3 (or N x H x W x 3) images, got {arr.dtype} {arr.shape}")
    return uint8_to_tensor(arr)
