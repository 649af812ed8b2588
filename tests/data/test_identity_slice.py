"""A face-source slice in identity order keeps whole groups and the source's indices."""

from __future__ import annotations

from facesr.data.identity_slice import IdentitySlice, identity_order
from reference_testing import Faces


def test_slice_counts_faces_in_identity_order():
    src = Faces(6, 2)  # identities 0, 1, 0, 1, 0, 1
    assert identity_order(src) == [0, 2, 4, 1, 3, 5]
    cut = IdentitySlice(src, 0, 4)
    assert len(cut) == 6 and cut.sample(3).key == "3"
    assert [cut.identity_of(i) for i in range(6)] == ["0", "1", "0", None, "0", None]
    assert [IdentitySlice(src, 3).identity_of(i) for i in range(6)] == [None, "1", None, "1", None, "1"]
