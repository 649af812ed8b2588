"""``facesr bench --reference``: the survey's Table 8 (reference FSR, §4.5) on a test set's identity groups.

Test set: a folder in the FSRNet/DIC layout (``HR/`` with ``identity_groups.json`` beside it, as
celeba1000's: 265 identities, 657 faces); every face of a group is a target with the other faces of its
group as references (:func:`facesr.data.reference.group_pairs`).

Protocol (the survey's Table 8 at this project's face size): every method gets the same degraded faces,
the ``blind`` track of ``facesr bench --degradation blind`` (Eq. 5 with Table 8's ranges at the fixed scale
of ``scales``, each face seeded from ``seed`` and its file name, so the two modes make the same LR and the
records replay it); reference methods get the group's other faces, single-face ones only the guide that
ASFFNet's selection picks (:mod:`facesr.evaluation.reference_groups`); bicubic and single-image methods
(``rcan-lite``, ``bfr-lite``, any ``NAME:CHECKPOINT`` without reference input) get only the LR face. Rows
are grouped by subfamily (no reference, single-face, multi-face, dictionary-guided); the metrics default to
PSNR, SSIM, LPIPS and identity similarity. Outputs are not cached (the groups' landmarks are, under
``$FACESR_CACHE/reference``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..metrics.protocols import Protocol, get_protocol
from .datasets import Track
from .methods import MethodSpec
from .rows import add_rows, runnable
from .runner import BenchResult, _complexity, _digest

#: Table 8's metrics (PSNR, SSIM, LPIPS) and the identity similarity the issue asks for
TABLE8_METRICS = ("psnr", "ssim", "lpips", "identity_cos")
#: the registry's reference subfamilies -> table groups (:mod:`facesr.benchmark.table`)
SUBFAMILIES = {"single-face guided": "single_face", "multi-face guided": "multi_face",
               "dictionary-guided": "dictionary"}


def groups_root(folder: str | os.PathLike[str]) -> Path:
    """The test set's root (the folder holding ``HR/`` and ``identity_groups.json``) from the root or its
    ``HR`` folder (what :func:`~facesr.benchmark.datasets.resolve_dataset` gives for a named set)."""
    folder = Path(folder)
    root = folder.parent if not (folder / "HR").is_dir() else folder
    if not (root / "HR").is_dir():
        raise InputError(f"{folder}: the reference benchmark needs a test set with an HR folder and "
                         "identity_groups.json (celeba1000's layout)")
    if not (root / "identity_groups.json").is_file() and not (root / "identity.txt").is_file():
        raise InputError(f"{root}: no identity_groups.json (or identity.txt): the reference benchmark needs "
                         "identity groups")
    return root


def load_groups(folder: str | os.PathLike[str], *, limit: int | None = None, progress: bool = False
                ) -> tuple[Any, list[str]]:
    """``(ReferenceGroups, files)`` of the test set at ``folder`` (:func:`groups_root`): the first ``limit``
    targets (all by default) with their references and landmarks (hourglass estimates, cached), and each
    target's file name relative to ``HR/`` (what seeds its degradation)."""
    from ..data.reference import ReferenceGroupDataset, group_pairs
    from ..data.testlist import TestList
    from ..evaluation.reference_groups import freeze_groups

    root = groups_root(folder)
    dataset = TestList(root)
    pairs = group_pairs(dataset)
    if limit is not None:
        if limit < 1:
            raise InputError(f"limit must be >= 1, got {limit}")
        pairs = pairs[:limit]
    records = dataset.records
    hr_dir = dataset.root / dataset.hr_dir
    data = ReferenceGroupDataset(dataset, groups=pairs, scale=None, degradation=_undegraded,
                                 landmark_cache=landmark_cache_path(dataset))
    data.precompute_landmarks(progress=progress)
    names = [records[t].key for t in data.targets]
    files = [records[t].path.relative_to(hr_dir).as_posix() for t in data.targets]
    return freeze_groups(data, names=names, progress=progress), files


def landmark_cache_path(dataset: Any) -> Path:
    """Where the estimated landmarks of a test set's faces (a :class:`~facesr.data.testlist.TestList`) are kept:
    ``$FACESR_CACHE/reference/<set>-<digest of its folder and files>.npz``, shared by the reference and pose
    tracks. The folder's own path is part of the key: two folders of like-named files never share points."""
    import hashlib

    from ..paths import cache_dir

    root = Path(dataset.root)
    where = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]
    return cache_dir("reference") / f"{root.name}-{where}{_digest([r.path for r in dataset.records])}.npz"


def _undegraded(hr: Any, rng: Any = None) -> tuple[Any, dict[str, Any]]:
    """No degradation: the groups' LR faces are made per scale by the benchmark's track."""
    return hr, {}


def _group(spec: MethodSpec) -> str:
    """The table group of a method: baseline, no_reference, single_face, multi_face or dictionary."""
    if spec.name == "bicubic":
        return "baseline"
    from ..models import model_info

    info = model_info(spec.name)
    if info["family"] != "reference":
        return "no_reference"
    return SUBFAMILIES.get(info.get("subfamily", ""), "no_reference")


def _inputs_note(net: Any, k: int, group: str) -> str:
    """What a network was given besides the LR face (a row's note)."""
    from ..evaluation.reference_groups import network_inputs

    if not network_inputs(net):
        return "LR face only" + (" (and its offline component dictionaries)" if group == "dictionary" else "")
    if getattr(net, "max_references", None) == 1:
        return "the guide picked by ASFFNet's selection (WLS landmark alignment to the degraded face)"
    return f"all references of the group (up to {k}, with their landmarks where the network reads them)"


def run_reference_bench(
    folder: str | os.PathLike[str],
    methods: Sequence[MethodSpec],
    *,
    scales: Sequence[int] = (8,),
    seed: int = 0,
    protocol: str | Protocol = "facesr",
    metrics: Sequence[str] | None = None,
    dataset: str | None = None,
    limit: int | None = None,
    batch_size: int = 16,
    device: str = "cpu",
    progress: bool = True,
    keep_images: bool = False,
    degradation: str = "blind",
) -> tuple[BenchResult, dict[str, Any]]:
    """Table 8 of ``methods`` on the identity groups at ``folder`` (module doc) at each of ``scales``.

    ``degradation``: the track that makes the targets' LR (Table 8: ``blind``; another track of
    :data:`~facesr.benchmark.datasets.TRACKS`, e.g. ``illumination`` for CPGAN's guided relighting).

    Returns the result (rows grouped by subfamily; ``degradation`` holds the blind track's records, every
    face's) and, when ``keep_images``, ``{"hr": HR, "reference": {scale: guides}, scale: {"lr": LR, label:
    SR}}`` (uint8 arrays) for the report's grids.
    """
    from ..evaluation.reference_groups import guides, score_reference_groups
    from ..evaluation.runner import parse_metric_names
    from ..models.base import for_inference
    from ..models.weights import build_network

    proto = get_protocol(protocol)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}")
    metric_names = parse_metric_names(list(metrics) if metrics else list(TABLE8_METRICS), proto)
    groups, files = load_groups(folder, limit=limit, progress=progress)
    from .datasets import check_track

    track = Track(check_track(degradation), seed, proto.lr_kernel)
    h, w = groups.hr.shape[1:3]
    for scale in scales:
        if int(scale) < 2 or h % int(scale) or w % int(scale):
            raise InputError(f"{folder}: {w}x{h} faces cannot be downscaled by x{scale} (scales: integers >= 2 "
                             "that divide the face size)")
    label = dataset or f"{groups_root(folder).name} identity groups"
    result = BenchResult(label, proto.name, proto.convention(), [int(s) for s in scales], metric_names, len(groups),
                         names=list(groups.names))
    images: dict[Any, Any] = {"hr": groups.hr, "reference": {}} if keep_images else {}
    info = {spec.label: {**_complexity(spec, scales), "family": _group(spec)} for spec in methods}
    scores: dict[str, dict[str, dict[str, float]]] = {spec.label: {} for spec in methods}
    records: dict[str, Any] = {}
    for scale in map(int, scales):
        lr, records[str(scale)] = track.make_lr(groups.hr, groups.names, files, scale)
        at = groups.with_lr(lr)
        if keep_images:
            images[scale] = {"lr": lr}
            images["reference"][scale] = guides(at, scale, kernel=proto.up_kernel)
        for spec in methods:
            if not runnable(spec, scale, info[spec.label], references=True):
                continue
            net: Any = "bicubic"
            if spec.name != "bicubic":
                net = for_inference(build_network(spec, scale), device)
                info[spec.label]["note"] = _inputs_note(net, groups.k, info[spec.label]["family"])
            s = score_reference_groups(at, net, scale, metrics=metric_names, protocol=proto, batch_size=batch_size,
                                       device=device, progress=progress, label=f"{spec.label} x{scale}")
            scores[spec.label][str(scale)] = s.metrics
            result.per_image.setdefault(spec.label, {})[str(scale)] = s.per_face
            if keep_images:
                images[scale][spec.label] = s.sr
    add_rows(result, methods, info, scores)
    refs = int(groups.reference_mask.sum(1).min()), int(groups.reference_mask.sum(1).max())
    result.degradation = {
        "name": track.name, "seed": track.seed, "kernel": track.kernel,
        "description": f"{track.describe()}; references: the other faces of each identity group "
                       f"({refs[0]}-{refs[1]} per face, identity_groups.json), single-face methods given "
                       "the guide ASFFNet's selection picks",
        "replayed_from": None, "steps": {str(s): track.degradation(int(s)).specs for s in scales},
        "records": records,
    }
    return result, images
