"""A slice of a face source that keeps whole identities: ``start``/``limit`` count faces in identity order
(the faces of each identity together, identities in the order of their first face), so that a limited run
of reference groups (:class:`facesr.data.reference.ReferenceGroupDataset`) still has faces of the same
person to pair. On CelebA, whose files are not sorted by identity, the first 32 faces in file order
belong to about 32 people; the first 32 in identity order are one person's 30 faces and two of the next.
"""

from __future__ import annotations

from .source import FaceSample, FaceSource


def identity_order(source: FaceSource) -> list[int]:
    """Indices of the faces with an identity label, grouped by identity (identities by first face)."""
    groups: dict[str, list[int]] = {}
    for i in range(len(source)):
        ident = source.identity_of(i)
        if ident is not None:
            groups.setdefault(str(ident), []).append(i)
    return [i for idx in groups.values() for i in idx]


class IdentitySlice(FaceSource):
    """``source`` with identity labels only on the faces ``[start, start + limit)`` of
    :func:`identity_order` (``limit`` None: to the end); other faces keep their indices but have no
    identity, so they are neither targets nor references. Sample keys stay the source's (a landmark cache
    written through a slice serves the whole source)."""

    def __init__(self, source: FaceSource, start: int = 0, limit: int | None = None) -> None:
        self.source = source
        self.size = source.size
        if hasattr(source, "entries"):  # a prepared cache: keys by entry
            self.entries = source.entries
        order = identity_order(source)
        stop = len(order) if limit is None else min(len(order), int(start) + int(limit))
        self.keep = frozenset(order[int(start):stop])

    def __len__(self) -> int:
        return len(self.source)

    def sample(self, index: int) -> FaceSample:
        return self.source.sample(index)

    def identity_of(self, index: int) -> str | None:
        return self.source.identity_of(index) if index in self.keep else None
