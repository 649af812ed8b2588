"""A weighted sum of named loss terms, declared as data (a training config's ``losses:`` block).

Each term is ``{type: <registry name>, weight: <float>, inputs: [<context keys>], <options>}``;
``inputs`` defaults to the registry's (``[sr, hr]`` for image losses) and options go to the loss
class's constructor (unknown options are an error with a suggestion). The sum is evaluated on a
*context*: a mapping from keys (``sr``, ``hr``, ``lr``, ``d_fake``, ``prior_pred``, batch fields)
to tensors; a :class:`Context` computes missing keys on demand from registered producers.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..errors import ConfigError
from .registry import LOSSES


class Context(dict):
    """A dict whose missing keys are computed once by ``producers[key]()`` (e.g. ``d_fake``)."""

    def __init__(self, values: Mapping[str, Any] | None = None,
                 producers: Mapping[str, Callable[[], Any]] | None = None) -> None:
        super().__init__(values or {})
        self.producers = dict(producers or {})

    def __missing__(self, key: str) -> Any:
        if key not in self.producers:
            have = sorted(set(self) | set(self.producers))
            close = difflib.get_close_matches(key, have, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"no input {key!r} for a loss term{hint} (available: {', '.join(have)})")
        value = self.producers[key]()
        self[key] = value
        return value


def build_loss(type: str, **options: Any) -> nn.Module:
    """Instantiate registry loss ``type`` with constructor ``options`` (checked, with suggestions)."""
    entry = LOSSES.entry(type)
    cls = entry.load()
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for key in options:
        if key not in params:
            close = difflib.get_close_matches(key, params, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(params) or "none"
            raise ConfigError(f"loss {entry.name!r} has no option {key!r}{hint} (options: {known})")
    try:
        return cls(**options)
    except TypeError as exc:
        raise ConfigError(f"loss {entry.name!r}: bad option value ({exc})") from None


@dataclass
class LossTerm:
    name: str
    type: str
    weight: float
    inputs: tuple[str, ...]
    module: nn.Module


class WeightedLoss(nn.Module):
    """``sum_i weight_i * loss_i(*context[inputs_i])`` over named terms.

    ``terms``: name -> spec mapping (see module doc). Calling with a context returns
    ``(total, {name: unweighted value})``. Terms of weight 0 are skipped.
    """

    def __init__(self, terms: Mapping[str, Mapping[str, Any]]) -> None:
        super().__init__()
        self.terms: list[LossTerm] = []
        self.modules_ = nn.ModuleDict()
        for name, spec in terms.items():
            spec = dict(spec)
            if "type" not in spec:
                raise ConfigError(f"loss term {name!r} has no 'type' (known: {', '.join(LOSSES.names())})")
            type_ = spec.pop("type")
            weight = float(spec.pop("weight", 1.0))
            inputs = spec.pop("inputs", None)
            entry = LOSSES.entry(type_)
            inputs = tuple(inputs) if inputs is not None else tuple(entry.meta["inputs"])
            module = build_loss(type_, **spec)
            self.modules_[name] = module
            self.terms.append(LossTerm(name, entry.name, weight, inputs, module))

    def term(self, name: str) -> LossTerm:
        for t in self.terms:
            if t.name == name:
                return t
        raise ConfigError(f"no loss term {name!r}")

    def forward(self, context: Mapping[str, Any]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        total: torch.Tensor | None = None
        parts: dict[str, torch.Tensor] = {}
        for t in self.terms:
            if t.weight == 0:
                continue
            value = t.module(*[context[k] for k in t.inputs])
            parts[t.name] = value.detach()
            contrib = t.weight * value
            total = contrib if total is None else total + contrib
        if total is None:
            raise ConfigError("the loss has no term with a non-zero weight")
        return total, parts
