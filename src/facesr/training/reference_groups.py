"""Scoring on reference groups (survey §4.5, Table 8): each face restored with the other faces of its
identity beside it, scored against its HR face. The one scorer of the reference recipe's validation and of
``facesr bench --reference``; public as :mod:`facesr.evaluation.reference_groups` (it lives in ``training``
because ``evaluation`` imports ``training``, so the recipe could not import it from there).

:func:`freeze_groups` turns reference-group items (:class:`facesr.data.reference.ReferenceGroupDataset`,
e.g. celeba1000's ``identity_groups.json``) into :class:`ReferenceGroups`, uint8 arrays read once;
:func:`score_reference_groups` runs one method on them and scores it per face by the metrics of
:mod:`facesr.metrics` under a named protocol (PSNR/SSIM by the protocol's code, LPIPS, ``identity_cos``, ...;
per-face metrics only, not dataset-level ones such as FID).

What a method gets (the survey's Table 8 rules):

* ``"bicubic"``: the LR face upsampled by the protocol's bicubic kernel;
* a single-image network (no ``reference`` among its ``conditions``: RCAN, the bundled blind restorer,
  DFDNet with its offline dictionaries): the LR face only;
* a reference network: the references in guide-first order (:func:`guide_order`: the one whose 68
  landmarks align best with the degraded face's by weighted least squares, ASFFNet's guidance selection,
  moved first), all ``K`` of them with their landmarks and padding mask for multi-face methods, the first
  only for single-face ones (``max_references == 1``), as the survey gave GFRNet and GWAInet the guide
  that ASFFNet's selection picks.

The target face's landmarks (for the guide selection and for networks that read ``landmarks``) come
from the degraded face by default (``landmarks="degraded"``: the package's hourglass network on the
bicubic-upsampled LR face, what a method sees at test time); ``landmarks="hr"`` uses the items' landmarks
of the HR face instead (an oracle, for ablations). Reference landmarks are the items' (of HQ faces).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..metrics.protocols import Protocol, get_protocol

LANDMARK_SOURCES = ("degraded", "hr")
#: batch keys a reference network may take besides ``reference`` (fed when its ``forward`` names them)
REFERENCE_KEYS = ("reference_landmarks", "reference_mask", "landmarks")


def _uint8(t: torch.Tensor) -> np.ndarray:
    """[0,1] float ``[... x] 3 x H x W`` -> uint8 ``[... x] H x W x 3`` (rounded)."""
    arr = (t.detach().double().clamp(0, 1) * 255.0).round().to(torch.uint8).numpy()
    return np.moveaxis(arr, -3, -1)


def _float(a: np.ndarray) -> torch.Tensor:
    """uint8 ``[... x] H x W x 3`` -> [0,1] float32 ``[... x] 3 x H x W``."""
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(a, -1, -3))).float().div_(255.0)


@dataclass
class ReferenceGroups:
    """Reference groups as arrays: ``N`` target faces, each with ``K`` references (padded by repetition).

    ``hr`` uint8 ``N x S x S x 3``; ``lr`` uint8 ``N x s x s x 3`` (the degraded faces, ``s = S / scale``);
    ``reference`` uint8 ``N x K x S x S x 3``; ``reference_landmarks`` float32 ``N x K x 68 x 2`` (pixels);
    ``reference_mask`` bool ``N x K`` (False: a repeat that pads a small group); ``landmarks`` float32
    ``N x 68 x 2`` of the HR faces; ``names``: one per face (per-face scores are keyed by them).
    """

    names: list[str]
    hr: np.ndarray
    lr: np.ndarray
    reference: np.ndarray
    reference_landmarks: np.ndarray
    reference_mask: np.ndarray
    landmarks: np.ndarray
    _orders: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def k(self) -> int:
        return int(self.reference.shape[1])

    def with_lr(self, lr: np.ndarray) -> ReferenceGroups:
        """The same groups with other degraded faces (uint8 ``N x s x s x 3``, e.g. a seeded benchmark track)."""
        lr = np.asarray(lr)
        if lr.dtype != np.uint8 or lr.ndim != 4 or lr.shape[0] != len(self):
            raise InputError(f"LR faces must be uint8 {len(self)} x h x w x 3, got {lr.dtype} {lr.shape}")
        return replace(self, lr=lr, _orders={})

    def subset(self, index: Sequence[int]) -> ReferenceGroups:
        """Faces ``index`` (e.g. one process's share)."""
        idx = np.asarray(list(index), dtype=np.int64)
        return ReferenceGroups([self.names[i] for i in idx], self.hr[idx], self.lr[idx], self.reference[idx],
                               self.reference_landmarks[idx], self.reference_mask[idx], self.landmarks[idx])


def freeze_groups(items: Any, names: Sequence[str] | None = None, progress: bool = False) -> ReferenceGroups:
    """:class:`ReferenceGroups` of reference-group ``items`` (a sequence or dataset of dicts with ``hr``,
    ``lr``, ``reference``, ``reference_landmarks``, ``reference_mask``, ``landmarks``: the items of
    :class:`facesr.data.reference.ReferenceGroupDataset`, [0,1] float tensors). ``names``: one per item
    (default: the dataset's keys of the targets of a ``ReferenceGroupDataset`` over a dataset reader, e.g.
    celeba1000's file stems, else the items' ``index``)."""
    from tqdm.auto import tqdm

    n = len(items)
    if n == 0:
        raise InputError("no reference groups to score")
    if names is None:
        records = getattr(getattr(getattr(items, "source", None), "dataset", None), "records", None)
        targets = getattr(items, "targets", None)
        if records is not None and targets is not None:
            names = [records[t].key for t in targets]
    if names is not None and len(names) != n:
        raise InputError(f"{len(names)} names for {n} reference groups")
    cols: dict[str, list[Any]] = {k: [] for k in ("hr", "lr", "reference", "reference_landmarks",
                                                  "reference_mask", "landmarks")}
    auto: list[str] = []
    for i in tqdm(range(n), desc="reference groups", unit="face", disable=not progress, leave=False):
        item = items[i]
        missing = [k for k in cols if k not in item]
        if missing:
            raise InputError(f"reference group {i} has no {', '.join(missing)} (items of ReferenceGroupDataset)")
        for k in ("hr", "lr", "reference"):
            cols[k].append(_uint8(item[k]))
        cols["reference_landmarks"].append(np.asarray(item["reference_landmarks"], np.float32))
        cols["reference_mask"].append(np.asarray(item["reference_mask"], bool))
        cols["landmarks"].append(np.asarray(item["landmarks"], np.float32))
        auto.append(str(int(item["index"])) if "index" in item else str(i))
    shapes = {k: {a.shape for a in v} for k, v in cols.items()}
    odd = [k for k, s in shapes.items() if len(s) > 1]
    if odd:
        raise InputError(f"reference groups differ in {odd[0]} shape ({sorted(shapes[odd[0]])[:2]}): pad them "
                         "to one K (ReferenceGroupDataset does)")
    arrays = {k: np.stack(v) for k, v in cols.items()}
    return ReferenceGroups(list(names) if names is not None else auto, **arrays)


# -- guide selection -----------------------------------------------------------------------------------------
def target_landmarks(groups: ReferenceGroups, scale: int, source: str = "degraded", kernel: str = "matlab",
                     batch_size: int = 32, device: str | torch.device = "cpu") -> np.ndarray:
    """float32 ``N x 68 x 2`` landmarks of the faces to restore (HR pixels): the hourglass network's on the
    ``kernel``-upsampled degraded faces (``degraded``) or the groups' HR landmarks (``hr``)."""
    if source not in LANDMARK_SOURCES:
        raise InputError(f"landmarks must be one of {', '.join(LANDMARK_SOURCES)}, got {source!r}")
    if source == "hr":
        return groups.landmarks
    from ..models import model_input
    from ..models.reference.common import estimate_landmarks

    out = []
    for i in range(0, len(groups), batch_size):
        lr = _float(groups.lr[i : i + batch_size]).to(device)
        out.append(estimate_landmarks(model_input(lr, "upsampled", scale, kernel=kernel)).float().cpu().numpy())
    return np.concatenate(out)


def guide_order(groups: ReferenceGroups, scale: int, source: str = "degraded", kernel: str = "matlab",
                device: str | torch.device = "cpu") -> np.ndarray:
    """int64 ``N x K``: each face's reference indices with the guide first (``guide_first`` of
    :mod:`facesr.data.reference`, ASFFNet's WLS selection with equal weights, on the target landmarks of
    :func:`target_landmarks`); computed once per groups, scale, source and kernel."""
    from ..data.reference import guide_first

    key = (int(scale), source, kernel)
    if key not in groups._orders:
        n, k = len(groups), groups.k
        item = {"reference": torch.arange(k).expand(n, k).clone(),
                "reference_landmarks": torch.from_numpy(groups.reference_landmarks),
                "reference_mask": torch.from_numpy(groups.reference_mask),
                "landmarks": torch.from_numpy(target_landmarks(groups, scale, source, kernel, device=device))}
        groups._orders[key] = guide_first(item)["reference"].numpy()
    return groups._orders[key]


def guides(groups: ReferenceGroups, scale: int, source: str = "degraded", kernel: str = "matlab") -> np.ndarray:
    """uint8 ``N x S x S x 3``: each face's guide (the reference a single-face method gets)."""
    first = guide_order(groups, scale, source, kernel)[:, 0]
    return groups.reference[np.arange(len(groups)), first]


# -- what a network takes -----------------------------------------------------------------------------------
def network_inputs(net: Any) -> tuple[str, ...]:
    """Keys of a group a network is fed besides the LR face: ``()`` for single-image networks, else
    ``reference`` and those of :data:`REFERENCE_KEYS` its ``forward`` names."""
    conditions = tuple(getattr(net, "conditions", ()))
    if "reference" not in conditions:
        if conditions:
            raise InputError(f"{type(net).__name__} needs {', '.join(conditions)}, which reference groups do not "
                             "give (they give reference faces and landmarks)")
        return ()
    other = [c for c in conditions if c != "reference" and c not in REFERENCE_KEYS]
    if other:
        raise InputError(f"{type(net).__name__} needs {', '.join(other)}, which reference groups do not give")
    params = inspect.signature(net.forward).parameters
    return ("reference", *(k for k in REFERENCE_KEYS if k in params))


def _conditions(groups: ReferenceGroups, index: np.ndarray, order: np.ndarray, keys: tuple[str, ...],
                limit: int | None, lms: np.ndarray | None) -> dict[str, torch.Tensor]:
    """The inputs ``keys`` of faces ``index``, references in guide-first ``order`` (the first ``limit``)."""
    take = order[index][:, :limit] if limit else order[index]
    rows = index[:, None]
    out: dict[str, torch.Tensor] = {"reference": _float(groups.reference[rows, take])}
    if "reference_landmarks" in keys:
        out["reference_landmarks"] = torch.from_numpy(groups.reference_landmarks[rows, take])
    if "reference_mask" in keys:
        out["reference_mask"] = torch.from_numpy(groups.reference_mask[rows, take])
    if "landmarks" in keys and lms is not None:
        out["landmarks"] = torch.from_numpy(lms[index])
    return out


@dataclass
class GroupScores:
    """Scores of one method on reference groups: ``metrics`` (means), ``per_face`` (name -> metric ->
    value), the protocol, its convention line, the SR faces (uint8 ``N x S x S x 3``) and, per face, the
    index of the guide among its references (``guide``)."""

    metrics: dict[str, float]
    per_face: dict[str, dict[str, float | None]]
    n: int
    protocol: str
    convention: str
    sr: np.ndarray
    guide: np.ndarray


def score_reference_groups(groups: ReferenceGroups | Any, net: Any, scale: int, *,
                           metrics: Sequence[str] = ("psnr", "ssim"), protocol: str | Protocol = "facesr",
                           landmarks: str = "degraded", batch_size: int = 16, device: str | torch.device = "cpu",
                           progress: bool = False, label: str | None = None) -> GroupScores:
    """Score ``net`` on reference ``groups`` at ``scale`` (module doc: what each kind of method gets).

    ``groups``: :class:`ReferenceGroups` or items to :func:`freeze_groups`. ``net``: ``"bicubic"``, a
    single-image network or a reference network (a zoo network prepared for inference, on ``device``).
    ``metrics``: names of :mod:`facesr.metrics` (``psnr``, ``ssim``, ``lpips``, ``identity_cos``, ...),
    scored under ``protocol``. ``landmarks``: where the target landmarks come from (``degraded`` or
    ``hr``). ``label``: the progress bar's.
    """
    from ..models.weights import super_resolve_batched

    if not isinstance(groups, ReferenceGroups):
        groups = freeze_groups(groups)
    proto = get_protocol(protocol)
    scale = int(scale)
    h, w = groups.hr.shape[1:3]
    if tuple(groups.lr.shape[1:3]) != (h // scale, w // scale) or h % scale or w % scale:
        raise InputError(f"reference groups: LR faces of {groups.lr.shape[2]}x{groups.lr.shape[1]} do not fit x{scale} "
                         f"of {w}x{h} HR faces (build the groups at a fixed scale)")
    order = guide_order(groups, scale, landmarks, proto.up_kernel, device)
    keys: tuple[str, ...] = ()
    if isinstance(net, str):
        if net != "bicubic":
            raise InputError(f"net must be a network or 'bicubic', got {net!r}")
        sr = proto.upsample(groups.lr, scale)
    else:
        keys = network_inputs(net)
        if not keys:
            sr = super_resolve_batched(net, groups.lr, kernel=proto.up_kernel, batch_size=batch_size, device=device,
                                       progress=label if progress else None)
        else:
            limit = getattr(net, "max_references", None)
            lms = target_landmarks(groups, scale, landmarks, proto.up_kernel, device=device) \
                if "landmarks" in keys and landmarks == "hr" else None  # else the network finds them itself
            steps = range(0, len(groups), batch_size)
            if progress:
                from tqdm.auto import tqdm

                steps = tqdm(steps, desc=label or type(net).__name__, unit="batch", leave=False)
            parts = []
            for i in steps:
                index = np.arange(i, min(i + batch_size, len(groups)))
                cond = _conditions(groups, index, order, keys, limit, lms)
                parts.append(super_resolve_batched(net, groups.lr[index], kernel=proto.up_kernel,
                                                   batch_size=len(index), device=device, conditions=cond))
            sr = np.concatenate(parts)
    means, per_face = _per_face_scores(sr, groups.hr, groups.names, metrics, proto, scale, batch_size, device)
    return GroupScores(means, per_face, len(groups), proto.name, proto.convention(scale), sr, order[:, 0].copy())


def _per_face_scores(sr: np.ndarray, hr: np.ndarray, names: Sequence[str], metrics: Sequence[str], proto: Protocol,
                     scale: int, batch_size: int, device: str | torch.device
                     ) -> tuple[dict[str, float], dict[str, dict[str, float | None]]]:
    """``(means, {name: {metric: value}})`` of uint8 SR against HR faces, by per-image metrics."""
    from ..io import uint8_to_tensor
    from ..metrics import create_metric

    objs = [create_metric(m, proto, scale, device=str(device)) for m in metrics]
    dataset_level = [o.name for o in objs if o.dataset_level]
    if dataset_level:
        raise InputError(f"reference-group scoring takes per-face metrics; {', '.join(dataset_level)} is "
                         "dataset-level (score the SR faces with facesr evaluate)")
    per_face: dict[str, dict[str, float | None]] = {n: {} for n in names}
    for i in range(0, len(names), max(1, batch_size)):
        s_t = uint8_to_tensor(sr[i : i + batch_size]).to(device)
        h_t = uint8_to_tensor(hr[i : i + batch_size]).to(device)
        for obj in objs:
            for name, v in zip(names[i : i + batch_size], obj(s_t, h_t).tolist()):
                per_face[name][obj.name] = float(v)
    means = {o.name: float(np.mean([per_face[n][o.name] for n in names])) for o in objs}
    return means, per_face
