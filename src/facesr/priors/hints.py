"""Where each data prior of a training batch comes from, as a one-line hint for errors that name a missing
prior (models that need attributes or identities, and the training engine, share it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Where each data prior comes from (the dataset side of the hint).
PRIOR_SOURCES: dict[str, str] = {
    "attributes": "a dataset that has attribute labels (utkface, or celeba with list_attr_celeba.txt)",
    "identity": "a dataset that has identity labels (celeba with identity_CelebA.txt, or celeba1000)",
    "reference": "a dataset that has identity labels (celeba with identity_CelebA.txt, or celeba1000)",
    "descriptor": "dlib descriptors (cached by 'facesr data prepare --identity')",
    "landmarks": "faces with landmarks ('facesr data prepare --landmarks')",
    "heatmaps": "faces with landmarks ('facesr data prepare --landmarks')",
    "parsing": "faces with parsing maps or landmarks",
}


def prior_hint(keys: Sequence[str], configured: Iterable[str] = ()) -> str:
    """``set data.train.priors: [...]`` with where those priors come from, for missing ``keys``."""
    priors = list(dict.fromkeys([*configured, *keys]))
    sources = list(dict.fromkeys(PRIOR_SOURCES[k] for k in keys if k in PRIOR_SOURCES))
    where = f" with {' and '.join(sources)}" if sources else ""
    return f"set data.train.priors: [{', '.join(priors)}]{where}"
