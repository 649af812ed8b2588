"""``facesr bench --track pose``: joint frontalization and super-resolution (survey §4.7.5) on a test set's identity
groups.

Pairs: the test set's identity groups (``identity_groups.json``, celeba1000's layout) and the yaw proxy of
:mod:`facesr.data.pose_pairs` (5 points of the faces' landmarks: hourglass estimates, cached beside the reference
track's); every face with ``|yaw| >= profile_min`` is an input, the most frontal face of its identity the target
when that one has ``|yaw| <= frontal_max`` (:func:`facesr.data.pose_pairs.pose_pairs`). The input is downscaled
by the protocol's bicubic kernel at each scale; every method (bicubic, single-image networks, ``tann``) maps that
LR face to the frontal target and is scored against the frontal HR face (PSNR, SSIM, LPIPS, identity similarity
by default). Outputs are not cached.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.source import ReaderSource
from ..errors import InputError
from ..metrics.protocols import Protocol, get_protocol
from .methods import MethodSpec
from .reference import TABLE8_METRICS, groups_root, landmark_cache_path
from .rows import add_rows, runnable
from .runner import BenchResult, _complexity, _run

#: the pose track's default yaw thresholds (degrees of the yaw proxy): those of the ``frontalize`` recipe
FRONTAL_MAX, PROFILE_MIN = 10.0, 15.0


@dataclass
class PoseSet:
    """Pose pairs of a test set: ``inputs`` (non-frontal) and ``targets`` (frontal) uint8 ``N x S x S x 3`` HR
    faces, ``names`` (the inputs' keys) and one record per pair (files, identity, yaws in degrees)."""

    inputs: np.ndarray
    targets: np.ndarray
    names: list[str]
    records: dict[str, dict[str, Any]]
    identities: int


def load_pose_pairs(folder: str | os.PathLike[str], *, frontal_max: float = FRONTAL_MAX,
                    profile_min: float = PROFILE_MIN, limit: int | None = None) -> PoseSet:
    """The pose pairs (module doc) of the test set at ``folder`` (its root or its ``HR`` folder); ``limit``: the
    first ``limit`` pairs (by input file) only."""
    from ..data.pose_pairs import PosePairDataset
    from ..data.testlist import TestList
    from ..io import read_image

    if limit is not None and limit < 1:
        raise InputError(f"limit must be >= 1, got {limit}")
    root = groups_root(folder)
    dataset = TestList(root)
    by_name = {r.path.name: i for i, r in enumerate(dataset.records)}
    identities: dict[int, str] = {}
    for ident, files in dataset.identity_groups().items():
        for name in files:
            if name not in by_name:
                raise InputError(f"{root}: identity {ident} lists {name}, which is not in the test set")
            identities[by_name[name]] = str(ident)
    if not identities:
        raise InputError(f"{root}: identity_groups.json names no faces")
    first = read_image(dataset.records[0].path)
    if first.shape[0] != first.shape[1]:
        raise InputError(f"{dataset.records[0].path}: the pose track needs square faces, got "
                         f"{first.shape[1]}x{first.shape[0]}")
    source = _GroupSource(dataset, identities, int(first.shape[0]))
    try:
        pairs = PosePairDataset(source, scale=1, size=source.size, frontal_max=frontal_max,
                                profile_min=profile_min, landmark_cache=landmark_cache_path(dataset))
    except InputError as exc:
        raise InputError(f"{root}: {exc}") from None
    chosen = pairs.pairs[:limit] if limit is not None else pairs.pairs
    hr_dir = dataset.root / dataset.hr_dir
    records: dict[str, dict[str, Any]] = {}
    for src, dst in chosen:
        rs, rd = dataset.records[src], dataset.records[dst]
        records[rs.key] = {"input": rs.path.relative_to(hr_dir).as_posix(),
                           "target": rd.path.relative_to(hr_dir).as_posix(), "identity": identities[src],
                           "yaw": round(pairs.yaws[src], 3), "yaw_target": round(pairs.yaws[dst], 3)}
    return PoseSet(np.stack([source.sample(s).hr for s, _ in chosen]),
                   np.stack([source.sample(d).hr for _, d in chosen]), list(records), records,
                   len({identities[s] for s, _ in chosen}))


class _GroupSource(ReaderSource):
    """A test set's faces with the identities of its groups (``None`` outside them)."""

    def __init__(self, dataset: Any, identities: dict[int, str], size: int) -> None:
        super().__init__(dataset, size=size, read_lr=False)
        self.identities = identities

    def identity_of(self, index: int) -> str | None:
        return self.identities.get(index)


def run_pose_bench(
    folder: str | os.PathLike[str],
    methods: Sequence[MethodSpec],
    *,
    scales: Sequence[int] = (4, 8),
    protocol: str | Protocol = "facesr",
    metrics: Sequence[str] | None = None,
    dataset: str | None = None,
    limit: int | None = None,
    frontal_max: float = FRONTAL_MAX,
    profile_min: float = PROFILE_MIN,
    batch_size: int = 16,
    device: str = "cpu",
    progress: bool = True,
    keep_images: bool = False,
) -> tuple[BenchResult, dict[str, Any]]:
    """The pose track (module doc) of ``methods`` at ``scales``. Returns the result (``degradation`` describes
    the pairs and holds every pair's record under ``pairs``) and, when ``keep_images``, ``{"hr": frontal
    targets, scale: {"lr": non-frontal LR, label: SR}}`` (uint8) for the report's grids."""
    from ..evaluation import evaluate_arrays
    from ..evaluation.runner import parse_metric_names

    proto = get_protocol(protocol)
    metric_names = parse_metric_names(list(metrics) if metrics else list(TABLE8_METRICS), proto)
    pose = load_pose_pairs(folder, frontal_max=frontal_max, profile_min=profile_min, limit=limit)
    size = pose.inputs.shape[1]
    for scale in scales:
        if int(scale) < 2 or size % int(scale):
            raise InputError(f"{folder}: {size}x{size} faces cannot be downscaled by x{scale} (scales: integers "
                             ">= 2 that divide the face size)")
    label = dataset or f"{groups_root(folder).name} pose pairs"
    result = BenchResult(label, proto.name, proto.convention(), [int(s) for s in scales], metric_names,
                         len(pose.names), names=list(pose.names))
    images: dict[Any, Any] = {"hr": pose.targets} if keep_images else {}
    info = {spec.label: _complexity(spec, scales) for spec in methods}
    scores: dict[str, dict[str, dict[str, float]]] = {spec.label: {} for spec in methods}
    targets = list(pose.targets)
    for scale in map(int, scales):
        lr = proto.make_lr(pose.inputs, scale)
        if keep_images:
            images[scale] = {"lr": lr}
        for spec in methods:
            if not runnable(spec, scale, info[spec.label]):
                continue
            sr = _run(spec, lr, scale, proto, batch_size=batch_size, device=device, progress=progress)
            r = evaluate_arrays(list(sr), targets, pose.names, scale=scale, protocol=proto, metrics=metric_names,
                                device=device, method=spec.label)
            scores[spec.label][str(scale)] = r.metrics
            result.per_image.setdefault(spec.label, {})[str(scale)] = r.per_image
            if keep_images:
                images[scale][spec.label] = sr
    add_rows(result, methods, info, scores)
    yaws = [abs(r["yaw"]) for r in pose.records.values()]
    result.degradation = {
        "name": "pose", "seed": None, "kernel": proto.lr_kernel, "replayed_from": None,
        "description": f"pose track (frontalization, survey 4.7.5): {len(pose.names)} pairs of {pose.identities} "
                       f"identities (identity_groups.json); input a face with |yaw| >= {profile_min:g} deg "
                       f"(here {min(yaws):.1f}-{max(yaws):.1f}), bicubic down by the scale ({proto.lr_kernel}); "
                       f"target the identity's most frontal face, |yaw| <= {frontal_max:g} deg; yaw proxy from "
                       "5 points of estimated landmarks (facesr.data.pose_pairs)",
        "frontal_max": frontal_max, "profile_min": profile_min, "pairs": pose.records,
    }
    return result, images
