"""SRDSI (Zhao et al., PR'19, super-resolution by definition-scalable inference; survey §4.1.1, local
methods): the face is split by PCA into a *basic face* (its projection on the leading principal
components: low frequencies) and a *compensation face* (the rest: high frequencies); a VDSR restores
the basic face, sparse representation over coupled dictionaries restores the compensation face, and
the two are fused (added).

Input: the bicubic-upsampled face (``upsampled``), ``size`` x ``size`` (128 by default; the PCA basis
is tied to it). Paper's: the PCA split, VDSR for the basic face, sparse coding for the compensation
face, the fusion. Ours: the VDSR works on RGB (``channels=3``, 20 layers, 64 features); sparse coding
is ``iters`` ISTA steps (soft threshold ``lam``) on ``patch`` x ``patch`` patches of each channel of
the compensation face (stride ``stride``, overlaps averaged) over the LR dictionary, reconstructed with
the HR dictionary (the coupled-dictionary scheme of Yang et al., TIP'10); fusion = sum.

The PCA mean and basis and the two dictionaries are buffers (saved with the weights, not trained).
Before fitting they are the ``components`` lowest-frequency 2-D DCT images per channel and an
over-complete DCT patch dictionary for both sides (the compensation face then passes through, shrunk).
:func:`facesr.models.general.srdsi_fit.fit_bases` learns them from training faces and writes a
safetensors file; ``bases=FILE`` loads it (``python -m facesr.training.srdsi_bases``).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F

from ...errors import ConfigError, InputError
from ..base import SRNet
from .vdsr import VDSR

BASES_KEYS = ("pca_mean", "pca_basis", "dict_lr", "dict_hr")


def dct_1d(n: int) -> torch.Tensor:
    """Orthonormal DCT-II matrix ``n x n`` (row k: frequency k)."""
    i = torch.arange(n, dtype=torch.float64)
    m = torch.cos(math.pi * (i[None, :] + 0.5) * i[:, None] / n) * math.sqrt(2.0 / n)
    m[0] /= math.sqrt(2.0)
    return m.float()


def dct_face_basis(size: int, components: int) -> torch.Tensor:
    """The ``components`` lowest-frequency orthonormal DCT images of a ``3 x size x size`` face, one
    channel each (frequencies by ``u + v``, then ``u``; channels innermost): ``components x 3 size^2``."""
    if not 1 <= components <= 3 * size * size:
        raise ConfigError(f"SRDSI components must be in 1..{3 * size * size}, got {components}")
    d = dct_1d(size)
    freqs = sorted(((u, v) for u in range(size) for v in range(size)), key=lambda f: (f[0] + f[1], f[0]))
    rows = []
    for u, v in freqs:
        img = torch.outer(d[u], d[v])
        for c in range(3):
            full = torch.zeros(3, size, size)
            full[c] = img
            rows.append(full.flatten())
            if len(rows) == components:
                return torch.stack(rows)
    return torch.stack(rows)


def dct_patch_dictionary(patch: int, atoms: int) -> torch.Tensor:
    """Over-complete 2-D DCT dictionary ``patch^2 x atoms`` (unit-norm columns; Elad & Aharon's)."""
    k = math.ceil(math.sqrt(atoms))
    i = torch.arange(patch, dtype=torch.float64)
    d = torch.cos(math.pi * i[:, None] * torch.arange(k, dtype=torch.float64)[None, :] / k)
    d[:, 1:] -= d[:, 1:].mean(dim=0)
    d = d / d.norm(dim=0)
    full = torch.kron(d, d)[:, :atoms]
    return (full / full.norm(dim=0)).float()


def spectral_bound(gram: torch.Tensor, iters: int = 30) -> torch.Tensor:
    """Largest eigenvalue of the PSD matrix ``gram`` by power iteration from all-ones, times 1.01 (ISTA's
    Lipschitz constant ``||D||_2^2``; no SVD, so it also runs on the meta device and under export)."""
    v = torch.ones(gram.shape[0], 1, dtype=gram.dtype, device=gram.device)
    for _ in range(iters):
        v = gram @ v
        v = v / v.norm().clamp_min(1e-12)
    return ((v.T @ gram @ v).squeeze() * 1.01).clamp_min(1e-8)


def ista(y: torch.Tensor, dictionary: torch.Tensor, lam: float, iters: int) -> torch.Tensor:
    """Sparse codes ``M x atoms`` of signals ``y`` (``M x dim``) over ``dictionary`` (``dim x atoms``):
    ``iters`` steps of ISTA for ``min 1/2 ||y - D a||^2 + lam ||a||_1`` from zero."""
    gram = dictionary.T @ dictionary
    lip = spectral_bound(gram)
    dty = y @ dictionary
    a = y.new_zeros(y.shape[0], dictionary.shape[1])
    for _ in range(iters):
        z = a - (a @ gram - dty) / lip
        a = torch.sign(z) * torch.clamp(z.abs() - lam / lip, min=0.0)
    return a


class SRDSI(SRNet):
    """SRDSI: bicubic-upsampled ``[0,1] N x 3 x size x size`` -> same size."""

    upsamples = False

    def __init__(self, scale: int = 8, size: int = 128, components: int = 64, patch: int = 8, stride: int = 4,
                 atoms: int = 256, lam: float = 0.005, iters: int = 20, depth: int = 20, features: int = 64,
                 bases: str | None = None) -> None:
        super().__init__(scale)
        if size % scale or patch > size or stride < 1 or (size - patch) % stride or iters < 1 or lam < 0:
            raise ConfigError(f"SRDSI needs size divisible by the scale, (size - patch) divisible by stride, "
                              f"iters >= 1 and lam >= 0; got size {size}, patch {patch}, stride {stride}, "
                              f"iters {iters}, lam {lam}")
        self.size, self.patch, self.stride, self.lam, self.iters = size, patch, stride, float(lam), int(iters)
        self.size_multiple = self.min_size = size
        self.lr_size = size // scale
        self.vdsr = VDSR(scale, channels=3, depth=depth, features=features)
        self.register_buffer("pca_mean", torch.zeros(3 * size * size))
        self.register_buffer("pca_basis", dct_face_basis(size, components))
        d = dct_patch_dictionary(patch, atoms)
        self.register_buffer("dict_lr", d.clone())
        self.register_buffer("dict_hr", d.clone())
        if bases is not None:
            self.load_bases(bases)

    def load_bases(self, path: str | Path) -> None:
        """Replace the PCA mean/basis and dictionaries by those of a :mod:`srdsi_fit` safetensors file."""
        from safetensors.torch import load_file

        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"SRDSI bases file not found: {p} (make it with python -m "
                              "facesr.training.srdsi_bases)")
        t = load_file(str(p))
        missing = [k for k in BASES_KEYS if k not in t]
        if missing:
            raise ConfigError(f"{p}: not an SRDSI bases file (missing {', '.join(missing)})")
        want = {"pca_mean": (3 * self.size**2,), "dict_lr": (self.patch**2, None), "dict_hr": (self.patch**2, None)}
        for k, shape in want.items():
            if t[k].shape[0] != shape[0]:
                raise ConfigError(f"{p}: {k} has shape {tuple(t[k].shape)}, this SRDSI needs size {self.size} "
                                  f"and patch {self.patch}")
        if t["pca_basis"].shape[1] != 3 * self.size**2 or t["dict_lr"].shape != t["dict_hr"].shape:
            raise ConfigError(f"{p}: PCA basis or dictionaries do not fit size {self.size}")
        for k in BASES_KEYS:  # shapes may change (components, atoms): replace the buffers
            setattr(self, k, t[k].float().to(self.pca_mean.device))

    def split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(basic face, compensation face) of ``x``: PCA projection and residual, same shape as ``x``."""
        flat = x.flatten(1) - self.pca_mean
        basic = (flat @ self.pca_basis.T) @ self.pca_basis + self.pca_mean
        basic = basic.view_as(x)
        return basic, x - basic

    def compensate(self, comp: torch.Tensor) -> torch.Tensor:
        """Sparse-representation restoration of a compensation face ``N x 3 x H x W``."""
        n, c, h, w = comp.shape
        p, s = self.patch, self.stride
        cols = F.unfold(comp.reshape(n * c, 1, h, w), p, stride=s)  # (n c) x p^2 x L
        y = cols.transpose(1, 2).reshape(-1, p * p)
        a = ista(y, self.dict_lr, self.lam, self.iters)
        rec = (a @ self.dict_hr.T).reshape(n * c, -1, p * p).transpose(1, 2)
        ones = torch.ones_like(cols)
        out = F.fold(rec, (h, w), p, stride=s) / F.fold(ones, (h, w), p, stride=s)
        return out.reshape(n, c, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        if tuple(x.shape[-2:]) != (self.size, self.size):
            raise InputError(f"SRDSI is built for {self.size}x{self.size} faces (its PCA basis), got "
                             f"{tuple(x.shape[-2:])}; it expects {self.input_hint()}")
        basic, comp = self.split(x)
        return self.vdsr(basic) + self.compensate(comp)
