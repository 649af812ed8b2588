"""A small lazy registry shared by every kind of named thing (models, metrics, protocols, ...).

Entries are registered with an import path (``"facesr.metrics.psnr:PSNR"``) and metadata, so that
listing never imports heavy modules; the object is imported the first time it is asked for.
Unknown names raise :class:`~facesr.errors.UnknownNameError` with the closest known names.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered name: where its object lives and what is known about it without importing."""

    name: str
    target: str  # "package.module:attribute"
    meta: dict[str, Any] = field(default_factory=dict)

    def load(self) -> T:
        module_name, _, attr = self.target.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module  # type: ignore[return-value]


class Registry(Generic[T]):
    """Name -> lazily imported object, with aliases and did-you-mean suggestions."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
        self._aliases: dict[str, str] = {}

    def add(self, name: str, target: str, *, aliases: tuple[str, ...] = (), **meta: Any) -> None:
        key = self._norm(name)
        if key in self._entries or key in self._aliases:
            raise ValueError(f"{self.kind} {name!r} registered twice")
        self._entries[key] = Entry(name=name, target=target, meta=dict(meta))
        for alias in aliases:
            self._aliases[self._norm(alias)] = key

    @staticmethod
    def _norm(name: str) -> str:
        return name.strip().lower().replace("-", "_")

    def entry(self, name: str) -> Entry[T]:
        key = self._norm(name)
        key = self._aliases.get(key, key)
        if key not in self._entries:
            known = sorted(self._entries) + sorted(self._aliases)
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}{hint} (known: {', '.join(sorted(e.name for e in self))})"
            )
        return self._entries[key]

    def get(self, name: str) -> T:
        return self.entry(name).load()

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = self._norm(name)
        return key in self._entries or key in self._aliases

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(self._entries.values())

    def names(self) -> list[str]:
        return [e.name for e in self._entries.values()]
