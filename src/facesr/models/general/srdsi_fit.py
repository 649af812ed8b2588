"""Fit SRDSI's PCA basis and coupled dictionaries from training faces and write them as safetensors.

PCA: mean and the leading ``components`` principal directions of the flattened HR faces (randomised
SVD, :func:`torch.svd_lowrank`). Dictionaries: patches of the compensation faces of the
bicubic-upsampled LR faces (input side) and of the HR faces (output side), drawn at random, joint
dictionary learning on the concatenated (each side divided by the root of its dimension) patch pairs
as Yang et al. (TIP'10): alternating ISTA sparse coding and the least-squares (MOD) dictionary update
with unit-norm atoms, then split into the LR and HR dictionaries.

    python -m facesr.training.srdsi_bases --dataset celeba --limit 2000 --scale 8 -o srdsi_x8.safetensors

then ``generator.options.bases: srdsi_x8.safetensors`` in an SRDSI config.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ...errors import ConfigError
from .srdsi import dct_patch_dictionary, ista


def pca(faces: torch.Tensor, components: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean ``D``, orthonormal basis ``components x D``) of faces ``N x 3 x S x S``."""
    x = faces.flatten(1).double()
    if components > min(x.shape):
        raise ConfigError(f"SRDSI: {components} components need at least as many faces (got {x.shape[0]})")
    mean = x.mean(dim=0)
    g = torch.random.fork_rng(devices=[])
    with g:
        torch.manual_seed(seed)
        _, _, v = torch.svd_lowrank(x - mean, q=min(components + 10, min(x.shape)), niter=4)
    return mean.float(), v[:, :components].T.contiguous().float()


def compensation(faces: torch.Tensor, mean: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """``faces`` minus their projection on the PCA ``basis`` (the high-frequency part)."""
    flat = faces.flatten(1) - mean
    return (flat - (flat @ basis.T) @ basis).view_as(faces)


def learn_coupled(y_lr: torch.Tensor, y_hr: torch.Tensor, atoms: int, lam: float, iters: int, rounds: int,
                  patch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Coupled dictionaries (``patch^2 x atoms`` each) from paired patches ``M x patch^2``."""
    dim = y_lr.shape[1]
    scale = 1.0 / np.sqrt(2.0 * dim)
    y = torch.cat([y_lr, y_hr], dim=1) * scale
    d0 = dct_patch_dictionary(patch, atoms)
    d = torch.cat([d0, d0], dim=0)
    d = d / d.norm(dim=0).clamp_min(1e-8)
    for _ in range(rounds):
        a = ista(y, d, lam * scale, iters)
        used = a.abs().sum(dim=0) > 0
        gram = a.T @ a + 1e-6 * torch.eye(atoms)
        d_new = torch.linalg.solve(gram, a.T @ y).T  # MOD: argmin ||Y - D A||
        d = torch.where(used[None, :], d_new, d)  # unused atoms keep their DCT start
        d = d / d.norm(dim=0).clamp_min(1e-8)
    return d[:dim] / scale, d[dim:] / scale


def fit_bases(hr: torch.Tensor, scale: int, components: int = 64, patch: int = 8, stride: int = 4,
              atoms: int = 256, lam: float = 0.005, patches: int = 20000, iters: int = 30, rounds: int = 10,
              kernel: str = "matlab", seed: int = 0) -> dict[str, torch.Tensor]:
    """SRDSI's buffers from HR faces ``[0,1] N x 3 x S x S``: ``pca_mean``, ``pca_basis``, ``dict_lr``,
    ``dict_hr`` (the LR side is the ``scale`` x bicubic-down-and-up face, ``kernel`` as the run)."""
    from ...ops import imresize

    if hr.dim() != 4 or hr.shape[1] != 3 or hr.shape[-1] % scale:
        raise ConfigError(f"SRDSI fit needs N x 3 x S x S faces with S divisible by {scale}, got {tuple(hr.shape)}")
    up = imresize(imresize(hr, 1.0 / scale, kernel=kernel), float(scale), kernel=kernel)
    mean, basis = pca(hr, components, seed)
    gen = torch.Generator().manual_seed(seed)
    c_lr, c_hr = compensation(up, mean, basis), compensation(hr, mean, basis)
    n, c, h, w = hr.shape
    cols_lr = F.unfold(c_lr.reshape(n * c, 1, h, w), patch, stride=stride).transpose(1, 2).reshape(-1, patch**2)
    cols_hr = F.unfold(c_hr.reshape(n * c, 1, h, w), patch, stride=stride).transpose(1, 2).reshape(-1, patch**2)
    idx = torch.randperm(cols_lr.shape[0], generator=gen)[:patches]
    d_lr, d_hr = learn_coupled(cols_lr[idx], cols_hr[idx], atoms, lam, iters, rounds, patch)
    return {"pca_mean": mean, "pca_basis": basis, "dict_lr": d_lr.contiguous(), "dict_hr": d_hr.contiguous()}


def save_bases(tensors: dict[str, torch.Tensor], path: str | Path, **meta: object) -> Path:
    """Write fitted bases (and ``meta`` as JSON strings) to ``path`` (safetensors)."""
    from safetensors.torch import save_file

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(p),
              metadata={k: json.dumps(v) for k, v in meta.items()})
    return p
