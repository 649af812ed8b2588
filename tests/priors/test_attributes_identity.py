"""Attribute vectors and identity labels / descriptors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from facesr.errors import InputError
from facesr.priors import (
    CELEBA_ATTRIBUTES,
    UTKFACE_ATTRIBUTES,
    IdentityIndex,
    attribute_vector,
    descriptor_distance,
    identity_embedding,
    utkface_attributes,
)
from facesr_testing import require_data


def test_attribute_names_and_vectors():
    assert len(CELEBA_ATTRIBUTES) == 40 and len(set(CELEBA_ATTRIBUTES)) == 40
    a = utkface_attributes(70, 1, 3)
    assert a["Male"] == 0 and a["Senior"] == 1 and a["Young"] == 0 and a["Indian"] == 1 and a["age"] == 70
    v = attribute_vector(a, UTKFACE_ATTRIBUTES)
    assert v.dtype == np.float32 and v.tolist() == [0, 0, 0, 1, 0, 0, 0, 1, 0]
    with pytest.raises(InputError, match="out of range"):
        utkface_attributes(30, 3, 0)
    with pytest.raises(InputError, match="attributes missing: Smiling"):
        attribute_vector(a, ["Male", "Smiling"])


def test_identity_index():
    idx = IdentityIndex(["10", "9", None, "10", "100"])
    assert idx.labels == ["9", "10", "100"] and idx.index("100") == 2 and idx.label(0) == "9"
    assert IdentityIndex(["bob", "al"]).labels == ["al", "bob"]
    with pytest.raises(InputError, match="unknown identity"):
        idx.index("7")


@pytest.mark.skipif(importlib.util.find_spec("face_recognition_models") is None, reason="dlib models missing")
def test_descriptors_separate_identities():
    import json

    from facesr.io import read_image

    root = require_data("celeba1000")
    groups = json.loads((root / "identity_groups.json").read_text())
    pairs = [v[:2] for v in list(groups.values())[:4]]
    emb = [[identity_embedding(read_image(root / "HR" / f)) for f in p] for p in pairs]
    same = [descriptor_distance(a, b) for a, b in emb]
    other = [descriptor_distance(emb[i][0], emb[j][0]) for i in range(4) for j in range(i + 1, 4)]
    assert np.mean(same) < np.mean(other)
