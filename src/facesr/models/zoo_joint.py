"""Zoo entries of the joint tasks (survey §4.7: completion, deblurring, illumination, alignment,
frontalization) and of the pre-prior / parallel-prior leaves of the prior-guided family (§4.2.1-4.2.2).
Metadata only (no torch): the registry imports this module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))
