"""Given attributes for benchmark faces (survey §4.3): a test folder's labels, in the order a network reads them.

A folder of HR faces can carry attribute labels three ways, tried in this order:

* ``list_attr_celeba.txt`` in the folder or its parent (CelebA's 40 attributes, keyed by file name:
  ``celeba1000`` keeps CelebA's names, e.g. ``201600.jpg``);
* ``labels.tsv`` in the folder or its parent (UTKFace's table: path, age, gender, race);
* UTKFace file names (``AGE_GENDER_RACE_date...``), mapped by :func:`facesr.priors.attributes.utkface_attributes`.

A face without labels gets NaN (unknown), which the network replaces by its documented ``unknown``
value (0.5), as it does for every face with ``--attributes none``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

Labels = dict[str, dict[str, float]]


def _key(name: str) -> str:
    """File name without folders (labels are matched on base names)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _stem_variants(name: str) -> list[str]:
    """``a.jpg.chip.png`` -> candidates a label file may list it under (``a.jpg.chip.jpg``, ...)."""
    base = _key(name)
    stem = base.rsplit(".", 1)[0]
    return [base, stem, *(f"{stem}.{ext}" for ext in ("jpg", "png", "jpeg"))]


def folder_labels(folder: str | Path, names: Sequence[str]) -> tuple[Labels, str]:
    """``({image name: {attribute: 0/1}}, source)`` for the images ``names`` of ``folder``; empty with
    source ``"none"`` when no source labels any of them."""
    from ..data.celeba import read_celeba_attributes
    from ..data.utkface import labels_from_name, read_utkface_labels
    from ..priors.attributes import utkface_attributes

    folder = Path(folder)
    for where in (folder, folder.parent):
        path = where / "list_attr_celeba.txt"
        if path.is_file():
            table = read_celeba_attributes(path)
            got = _match(names, table)
            if got:
                return got, f"CelebA attributes ({path})"
    for where in (folder, folder.parent):
        path = where / "labels.tsv"
        if path.is_file():
            table = {k: utkface_attributes(*v) for k, v in read_utkface_labels(path).items() if v is not None}
            got = _match(names, table)
            if got:
                return got, f"UTKFace labels ({path})"
    got = {}
    for n in names:
        parsed = labels_from_name(_key(n))
        if parsed is not None:
            got[n] = utkface_attributes(*parsed)
    if got:
        return got, "UTKFace file names"
    return {}, "none"


def _match(names: Sequence[str], table: Labels) -> Labels:
    out = {}
    for n in names:
        hit = next((table[v] for v in _stem_variants(n) if v in table), None)
        if hit is not None:
            out[n] = hit
    return out


def network_attribute_names(description: dict[str, Any], n_attributes: int, where: str) -> list[str]:
    """The names of a given-attribute network's inputs: recorded in its weights (the engine's
    checkpoints and exported weights record them), else inferred from the count (9 = UTKFace's, 40 = CelebA's)."""
    from ..priors.attributes import CELEBA_ATTRIBUTES, UTKFACE_ATTRIBUTES

    names = description.get("attributes")
    if names:
        if len(names) != n_attributes:
            raise InputError(f"{where}: weights name {len(names)} attributes but the network takes {n_attributes}")
        return list(names)
    for known in (UTKFACE_ATTRIBUTES, CELEBA_ATTRIBUTES):
        if len(known) == n_attributes:
            return list(known)
    raise InputError(f"{where}: the weights do not name their {n_attributes} attributes, so the test faces' "
                     "labels cannot be matched; use --attributes none (every attribute unknown)")


def takes_attributes(spec: Any, scale: int) -> tuple[bool, dict[str, Any], int]:
    """``(needs given attributes, weights description, n_attributes)`` for a benchmark method."""
    if spec.name == "bicubic":
        return False, {}, 0
    from ..models import create, model_info

    if model_info(spec.name)["family"] != "attribute":
        return False, {}, 0
    from .methods import weights_description

    path = spec.weights_for(scale)
    desc = weights_description(path) if path is not None else {}
    net = create(spec.name, scale=scale, device="meta", **desc.get("options", {}))  # no weights allocated
    needs = "attributes" in getattr(net, "conditions", ())
    return needs, desc, int(getattr(net, "n_attributes", 0))


def method_attributes(spec: Any, scale: int, labels: Labels, source: str, names: Sequence[str],
                      mode: str) -> tuple[np.ndarray | None, str | None]:
    """``(N x k attributes or None, note for the table)`` of ``spec`` at ``scale``. ``mode``: ``auto``
    (the folder's labels, unknown where missing) or ``none`` (every attribute unknown)."""
    from ..priors.attributes import attribute_matrix

    needs, desc, k = takes_attributes(spec, scale)
    if not needs:
        return None, None
    if mode == "none" or not labels:
        why = "--attributes none" if mode == "none" else "the test faces have no labels"
        return np.full((len(names), k), np.nan, np.float32), f"attributes unknown (0.5): {why}"
    attr_names = network_attribute_names(desc, k, f"{spec.label} x{scale}")
    mat = attribute_matrix([labels.get(n) for n in names], attr_names)
    known = int((~np.isnan(mat).all(axis=1)).sum())
    return mat, f"attributes given: {source}, {known}/{len(names)} faces labelled"
