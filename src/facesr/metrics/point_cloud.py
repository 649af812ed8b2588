"""Point-cloud metrics of 3-D face super-resolution (survey §4.8.4): Chamfer distance and normal error.

Clouds are ``float N x P x 3`` torch tensors (a batch of ``P`` points each; the two clouds of a pair may differ in
``P``), in the units of the data (FSR3D's clouds are centred and scaled to unit RMS radius, so the numbers are
fractions of the face's size). These are not image metrics, so they are not in the metric registry: the ``fsr3d``
recipe and its tests call them directly. Both are differentiable (the Chamfer distance is FSR3D's loss).

* :func:`chamfer_distance`: ``mean_a min_b |a - b|^2 + mean_b min_a |a - b|^2`` per cloud pair (squared
  distances, PU-Net's convention).
* :func:`normal_error`: the mean angle (degrees, ``0..90``: normals are unoriented) between each predicted point's
  normal and the normal of its nearest target point; normals by PCA of the ``k`` nearest neighbours.
"""

from __future__ import annotations

import torch

from ..errors import InputError


def _check(a: torch.Tensor, name: str) -> None:
    if not isinstance(a, torch.Tensor) or a.dim() != 3 or a.shape[-1] != 3 or a.shape[1] < 1:
        shape = tuple(a.shape) if isinstance(a, torch.Tensor) else type(a).__name__
        raise InputError(f"{name}: expected an N x P x 3 point cloud batch, got {shape}")


def nearest(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each point of ``a`` (``N x P x 3``) its squared distance to the nearest point of ``b`` (``N x Q x 3``) and
    that point's index: ``(N x P, N x P)``."""
    d = torch.cdist(a.float(), b.float()).pow(2)
    return d.min(dim=2)


def chamfer_distance(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Symmetric Chamfer distance of each pair (module doc): ``N`` values."""
    _check(pred, "chamfer_distance pred")
    _check(target, "chamfer_distance target")
    if pred.shape[0] != target.shape[0]:
        raise InputError(f"chamfer_distance: {pred.shape[0]} predicted clouds, {target.shape[0]} targets")
    return nearest(pred, target)[0].mean(1) + nearest(target, pred)[0].mean(1)


def point_normals(points: torch.Tensor, k: int = 10) -> torch.Tensor:
    """Unit normals ``N x P x 3`` of clouds ``N x P x 3``: the direction of least variance of each point's ``k``
    nearest neighbours (itself included)."""
    _check(points, "point_normals")
    k = min(int(k), points.shape[1])
    if k < 3:
        raise InputError(f"point_normals needs at least 3 neighbours, got k={k} ({points.shape[1]} points)")
    p = points.float()
    idx = torch.cdist(p, p).topk(k, dim=2, largest=False).indices  # N x P x k
    nb = torch.gather(p.unsqueeze(1).expand(-1, p.shape[1], -1, -1), 2, idx.unsqueeze(-1).expand(-1, -1, -1, 3))
    nb = nb - nb.mean(dim=2, keepdim=True)
    cov = nb.transpose(2, 3) @ nb  # N x P x 3 x 3
    return torch.linalg.eigh(cov).eigenvectors[..., 0]  # eigenvalues ascending: the smallest's vector


def normal_error(pred: torch.Tensor, target: torch.Tensor, k: int = 10) -> torch.Tensor:
    """Mean unoriented angle in degrees between predicted and nearest-target normals (module doc): ``N`` values."""
    _check(pred, "normal_error pred")
    _check(target, "normal_error target")
    n_pred, n_tgt = point_normals(pred, k), point_normals(target, k)
    idx = nearest(pred, target)[1]
    matched = torch.gather(n_tgt, 1, idx.unsqueeze(-1).expand(-1, -1, 3))
    cos = (n_pred * matched).sum(-1).abs().clamp(max=1.0)
    return torch.rad2deg(torch.acos(cos)).mean(1)
