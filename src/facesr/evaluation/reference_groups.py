"""Scoring on reference groups (survey §4.5, Table 8): :func:`score_reference_groups` and what it reads.

The implementation is :mod:`facesr.training.reference_groups` (the reference recipe validates with it, and
``training`` cannot import ``evaluation``, which imports ``training``); this is its public name beside
:func:`facesr.evaluation.evaluate`.
"""

from ..training.reference_groups import (
    GroupScores,
    ReferenceGroups,
    freeze_groups,
    guide_order,
    guides,
    network_inputs,
    score_reference_groups,
    target_landmarks,
)

__all__ = ["GroupScores", "ReferenceGroups", "freeze_groups", "guide_order", "guides", "network_inputs",
           "score_reference_groups", "target_landmarks"]
