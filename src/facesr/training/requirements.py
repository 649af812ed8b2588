"""What a run's networks and losses need from the training batch beyond ``lr``/``hr``, checked up front.

Networks declare extra inputs as attributes (all optional):

* ``conditions``: batch keys passed as keyword inputs at every call, validation included (e.g.
  ``attributes`` of a given-attribute network, or of an attribute-conditional critic);
* ``training_inputs``: batch keys passed only in training, together with ``aux=True``;
* ``aux_outputs``: context keys the network returns in training (``aux=True`` makes it
  return a dict with ``sr`` and these), for loss terms such as Eq. 17's ``attr_pred``.

A missing key is a one-line :class:`~facesr.errors.ConfigError` naming the data option that gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..priors.hints import PRIOR_SOURCES, prior_hint  # noqa: F401  (re-exported)

ALWAYS = frozenset({"lr", "hr", "index", "seed"})


def net_inputs(net: Any, training: bool = True) -> tuple[str, ...]:
    """Batch keys network ``net`` takes besides the face (``training``: also its training inputs)."""
    keys = tuple(getattr(net, "conditions", ()))
    if training:
        keys += tuple(getattr(net, "training_inputs", ()))
    return keys


def needed_keys(nets: Mapping[str, Any]) -> dict[str, str]:
    """Batch keys the run's networks take -> which network (loss terms are checked by the engine)."""
    need: dict[str, str] = {}
    for name, net in nets.items():
        for key in net_inputs(net):
            need.setdefault(key, f"network {name!r}")
    return need


def check_keys(need: Mapping[str, str], available: Iterable[str], model: str,
               configured: Iterable[str] = ()) -> None:
    """Raise a one-line :class:`ConfigError` when keys of ``need`` are not ``available``
    (``configured``: the priors the config already sets, repeated in the hint)."""
    have = set(available) | ALWAYS
    missing = [k for k in need if k not in have]
    if missing:
        who = need[missing[0]]
        raise ConfigError(f"{model}: {who} needs {', '.join(repr(k) for k in missing)} in the training data: "
                          f"{prior_hint(missing, [c for c in configured if c not in ALWAYS])}")


def val_conditions(dataset: str, root: str | None, names: Sequence[str], keys: Sequence[str],
                   attribute_names: Sequence[str] | None) -> dict[str, Any]:
    """Condition tensors for validation faces ``names`` (keys of ``dataset``): only ``attributes``
    (``float32 N x k`` in ``attribute_names`` order; NaN, i.e. unknown, where a face lacks a label)."""
    import torch

    from ..data import open_dataset
    from ..priors.attributes import attribute_matrix

    out: dict[str, Any] = {}
    for key in keys:
        if key != "attributes":
            raise ConfigError(f"validation cannot provide '{key}' to the generator (only attributes)")
        if not attribute_names:
            raise ConfigError("validation needs the attribute names of the training data (data.train.priors: "
                              "[attributes])")
        records = {r.key: r for r in open_dataset(dataset, root).records}
        mat = attribute_matrix([records[n].attributes if n in records else None for n in names], attribute_names)
        if np.isnan(mat).all():
            raise ConfigError(f"data.val: {dataset} has no attribute labels for the validation faces; "
                              "validate on a dataset with labels (data.val.dataset: utkface)")
        out[key] = torch.from_numpy(mat)
    return out


def attribute_names_of(train_set: Any) -> list[str] | None:
    """The attribute order of a (sliced) paired training set, or None."""
    obj = train_set
    for _ in range(4):
        names = getattr(obj, "attribute_names", None)
        if names:
            return list(names)
        obj = getattr(obj, "base", None)
        if obj is None:
            return None
    return None
