"""Zoo entries of the generative-prior leaf of the general family (survey §4.1.2): the project's
StyleGAN2-style face prior and the methods built on it (PULSE, GPEN, GFP-GAN, GLEAN). Metadata only (no
torch): the registry imports this module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))
