"""The distance criteria the survey's ``||.||_F`` (F = 1 or 2) stands for, shared by several losses."""

from __future__ import annotations

import torch

from ..errors import ConfigError

CRITERIA = ("l1", "l2", "mse", "fro")


def check_criterion(name: str) -> str:
    if name not in CRITERIA:
        raise ConfigError(f"unknown distance {name!r} (known: {', '.join(CRITERIA)})")
    return name


def distance(a: torch.Tensor, b: torch.Tensor, criterion: str) -> torch.Tensor:
    """Scalar distance of two tensors of equal shape.

    ``l1``: mean absolute difference; ``l2``/``mse``: mean squared difference; ``fro``: the
    Frobenius (Euclidean) norm of each sample's difference, averaged over the batch.
    """
    d = a - b
    if criterion == "l1":
        return d.abs().mean()
    if criterion in ("l2", "mse"):
        return (d * d).mean()
    if criterion == "fro":
        return d.flatten(1).norm(dim=1).mean()
    raise ConfigError(f"unknown distance {criterion!r} (known: {', '.join(CRITERIA)})")
