"""Scoring on reference groups (:mod:`facesr.evaluation.reference_groups`): what each kind of method is given
(bicubic and single-image networks the LR face only, single-face networks the guide, multi-face ones every
reference), and the per-face scores."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from facesr.errors import InputError
from facesr.evaluation.reference_groups import freeze_groups, guides, score_reference_groups
from facesr.metrics.protocols import get_protocol
from facesr.models.base import SRNet
from reference_testing import Faces


class Spy(SRNet):
    """Returns its first reference (or the LR face enlarged, without references) and records its inputs."""

    def __init__(self, max_references: int | None, conditions: tuple[str, ...] = ("reference",)) -> None:
        super().__init__(8)
        self.max_references, self.conditions, self.seen = max_references, conditions, []
        self.w = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, reference=None, reference_mask=None):
        self.seen.append({"reference": None if reference is None else tuple(reference.shape),
                          "mask": reference_mask is not None})
        if reference is None:
            return F.interpolate(x, scale_factor=8, mode="nearest")
        return reference[:, 0] + self.w


@pytest.fixture(scope="module")
def groups():
    from facesr.data.reference import ReferenceGroupDataset

    data = ReferenceGroupDataset(Faces(6, 2), groups=[(0, [2, 4]), (1, [3]), (2, [0, 3])], scale=8, seed=0)
    return freeze_groups(data)


def test_frozen_groups_are_padded_uint8(groups):
    assert groups.reference.shape == (3, 2, 128, 128, 3) and groups.reference.dtype == np.uint8
    assert groups.lr.shape == (3, 16, 16, 3) and groups.names == ["0", "1", "2"]
    assert groups.reference_mask.tolist() == [[True, True], [True, False], [True, True]]


def test_each_kind_of_method_gets_its_inputs(groups):
    bicubic = score_reference_groups(groups, "bicubic", 8, metrics=["psnr"])
    assert np.array_equal(bicubic.sr, get_protocol("facesr").upsample(groups.lr, 8))
    assert set(bicubic.per_face) == {"0", "1", "2"} and bicubic.n == 3

    single = Spy(1)
    s = score_reference_groups(groups, single, 8, metrics=["psnr", "ssim"], landmarks="hr")
    assert single.seen[0] == {"reference": (3, 1, 3, 128, 128), "mask": True}
    assert np.array_equal(s.sr, guides(groups, 8, "hr"))  # it output the guide it was given
    # the guide is the reference whose landmarks fit the target's best (face i's asymmetry is i / 2)
    assert s.guide.tolist() == [0, 0, 1]
    assert s.metrics["psnr"] == pytest.approx(np.mean([v["psnr"] for v in s.per_face.values()]))

    multi = Spy(None)
    score_reference_groups(groups, multi, 8, metrics=["psnr"])
    assert multi.seen[0]["reference"] == (3, 2, 3, 128, 128)

    plain = Spy(None, conditions=())
    score_reference_groups(groups, plain, 8, metrics=["psnr"])
    assert plain.seen[0]["reference"] is None


def test_refusals(groups):
    with pytest.raises(InputError, match="attributes"):
        score_reference_groups(groups, Spy(1, conditions=("attributes",)), 8)
    with pytest.raises(InputError, match="x4"):
        score_reference_groups(groups, "bicubic", 4)
    with pytest.raises(InputError, match="dataset-level"):
        score_reference_groups(groups, "bicubic", 8, metrics=["fid"])
