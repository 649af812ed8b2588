"""Attribute inputs of the attribute-constrained networks (survey §4.3): checks, unknown values, modes.

An attribute batch is ``float N x k`` with 1 = present, 0 = absent (CelebA's -1/1 and UTKFace's
labels are mapped to 0/1 by :mod:`facesr.priors.attributes`). ``NaN`` marks an attribute that is
not known for that face; the networks replace it by :data:`UNKNOWN` (0.5: "either", halfway
between the two states, one of the "unknown" settings the survey's §4.3.2 discusses).

Two modes (registry option ``mode``):

* ``given``: the attributes are an input at training and test time (FSRSA, AACNN as published).
* ``estimated``: an attribute head predicts them from the LR face; the network uses its own
  prediction and the prediction is trained against the true attributes with Eq. 17 (context key
  ``attr_pred``, probabilities in [0,1]); attributes are then needed for training only.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ...priors.hints import prior_hint

#: Value that stands for an unknown attribute (NaN in the input).
UNKNOWN: float = 0.5
MODES: tuple[str, ...] = ("given", "estimated")

#: What a user must set to get attributes into a training batch.
ATTRIBUTE_HINT = prior_hint(["attributes"])


def check_mode(method: str, mode: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"{method}: unknown attribute mode {mode!r} (known: {', '.join(MODES)})")
    return mode


def prepare_attributes(method: str, attributes: torch.Tensor | None, n: int, k: int,
                       unknown: float = UNKNOWN) -> torch.Tensor:
    """Checked ``float N x k`` attributes with NaN (unknown) entries replaced by ``unknown``."""
    if attributes is None:
        raise InputError(f"{method} (given attributes) needs an attribute vector per face: {ATTRIBUTE_HINT}; "
                         "or use mode=estimated")
    if not isinstance(attributes, torch.Tensor) or attributes.dim() != 2 or attributes.shape[0] != n:
        shape = tuple(attributes.shape) if isinstance(attributes, torch.Tensor) else type(attributes).__name__
        raise InputError(f"{method} expects attributes of shape {n} x {k} (one row per face), got {shape}")
    if attributes.shape[1] != k:
        raise InputError(f"{method} was built for {k} attributes (option n_attributes) but got "
                         f"{attributes.shape[1]}; UTKFace gives 9, CelebA's list_attr_celeba.txt 40")
    a = attributes.float()
    return torch.where(torch.isnan(a), torch.full_like(a, unknown), a)


class AttributeHead(nn.Module):
    """Estimates ``k`` attribute probabilities from a feature vector ``N x d`` (mode ``estimated``)."""

    def __init__(self, in_features: int, k: int, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features, hidden), nn.LeakyReLU(0.2, inplace=True),
                                 nn.Linear(hidden, k))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(features.flatten(1)))


class AttributeConditioned(nn.Module):
    """Shared plumbing of the attribute networks: the mode, the attribute count, the training-time
    interface of the engine (``conditions`` to pass, ``aux_outputs`` it can return)."""

    #: the LR side the network is built for, and why it is fixed (error messages)
    lr_size: int = 16
    lr_size_reason: str = ""

    def check_input(self, x: torch.Tensor) -> None:
        """:meth:`SRNet.check_input` plus the fixed LR size of these architectures."""
        super().check_input(x)  # type: ignore[misc]
        n = self.lr_size
        if tuple(x.shape[-2:]) != (n, n):
            raise InputError(f"{self.method} (x{self.scale}) takes {n}x{n} LR faces ({self.lr_size_reason}), "
                             f"got {x.shape[-2]}x{x.shape[-1]}")

    def setup_attributes(self, method: str, mode: str, n_attributes: int, unknown: float) -> None:
        self.method = method
        self.mode = check_mode(method, mode)
        if int(n_attributes) < 1:
            raise ConfigError(f"{method}: n_attributes must be >= 1, got {n_attributes}")
        self.n_attributes = int(n_attributes)
        self.unknown = float(unknown)
        #: batch keys the engine passes as keyword inputs (training, validation)
        self.conditions: tuple[str, ...] = ("attributes",) if mode == "given" else ()
        #: extra context keys returned with ``aux=True``
        self.aux_outputs: tuple[str, ...] = ("attr_pred",) if mode == "estimated" else ()

    def example_conditions(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Keyword inputs for a trial run on ``x`` (complexity counting): all-unknown attributes."""
        if self.mode == "estimated":
            return {}
        return {"attributes": torch.full((x.shape[0], self.n_attributes), self.unknown, device=x.device)}

    def resolve(self, attributes: torch.Tensor | None, n: int, estimate) -> torch.Tensor:
        """The attributes the network uses: given ones (checked, unknowns filled) or ``estimate()``."""
        if self.mode == "estimated":
            return estimate()
        return prepare_attributes(self.method, attributes, n, self.n_attributes, self.unknown)

    @staticmethod
    def finish(sr: torch.Tensor, attrs: torch.Tensor, aux: bool, mode: str):
        if not aux:
            return sr
        out = {"sr": sr}
        if mode == "estimated":
            out["attr_pred"] = attrs
        return out
