"""Zoo entries of the applications (survey §4.8: face video SR, old photos, audio-guided and 3D FSR).
Metadata only (no torch): the registry imports this module when it is built.
"""

from __future__ import annotations

from .registry import _add  # noqa: F401  (entries call _add(name, "module:Class", family=..., ...))
