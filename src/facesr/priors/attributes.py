"""Facial attributes (survey §3.3) as named binary vectors.

CelebA's 40 attributes come from ``list_attr_celeba.txt`` when present (-1 -> 0, 1 -> 1).
UTKFace ships age, gender and race only; :func:`utkface_attributes` maps them to named binary
attributes, reusing CelebA's names where the meaning overlaps (``Male``, ``Young``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import InputError

#: CelebA's 40 binary attributes, in the order of ``list_attr_celeba.txt``.
CELEBA_ATTRIBUTES: tuple[str, ...] = (
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips",
    "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby",
    "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male",
    "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose",
    "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair",
    "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young",
)

#: UTKFace race codes (0..4) as attribute names.
UTKFACE_RACES: tuple[str, ...] = ("White", "Black", "Asian", "Indian", "Other_Race")

#: Binary attributes derived from UTKFace labels. Age bands: Child < 13, Young < 40, Senior >= 60.
UTKFACE_ATTRIBUTES: tuple[str, ...] = ("Male", "Child", "Young", "Senior", *UTKFACE_RACES)


def utkface_attributes(age: int, gender: int, race: int) -> dict[str, float]:
    """UTKFace labels -> {attribute: 0/1} plus ``age`` (years).

    ``gender``: 0 male, 1 female; ``race``: 0 White, 1 Black, 2 Asian, 3 Indian, 4 Others.
    """
    if not 0 <= age <= 130 or gender not in (0, 1) or race not in range(5):
        raise InputError(f"UTKFace labels out of range: age={age}, gender={gender}, race={race}")
    out = {
        "Male": float(gender == 0),
        "Child": float(age < 13),
        "Young": float(age < 40),
        "Senior": float(age >= 60),
    }
    out.update({name: float(race == i) for i, name in enumerate(UTKFACE_RACES)})
    out["age"] = float(age)
    return out


def attribute_vector(attributes: Mapping[str, float] | None, names: Sequence[str]) -> np.ndarray:
    """``float32 (len(names),)`` vector of the named attributes (0/1), in the order of ``names``;
    ``None`` (an unlabelled image) gives all NaN, the "unknown" that conditioning and
    :class:`facesr.losses.structure.AttributeLoss` understand."""
    if attributes is None:
        return np.full(len(names), np.nan, dtype=np.float32)
    missing = [n for n in names if n not in attributes]
    if missing:
        raise InputError(f"attributes missing: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    return np.asarray([attributes[n] for n in names], dtype=np.float32)


def attribute_matrix(rows: Sequence[Mapping[str, float] | None], names: Sequence[str]) -> np.ndarray:
    """``float32 N x len(names)``: one row per face's labels (0/1) in the order of ``names``; NaN
    (unknown) where a face has no labels (``None``) or lacks that attribute. Unlike
    :func:`attribute_vector`, a missing name is not an error: test and validation faces may be
    partly labelled."""
    out = np.full((len(rows), len(names)), np.nan, dtype=np.float32)
    for i, row in enumerate(rows):
        if row:
            out[i] = [row.get(a, np.nan) for a in names]
    return out
