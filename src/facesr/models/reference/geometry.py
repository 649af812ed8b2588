"""Differentiable geometry shared by the reference family: flow warping, points, MLS and WLS alignment.

Coordinates are ``(x, y)`` pixels with ``(0, 0)`` the centre of the top-left pixel (the project's
convention, :mod:`facesr.faces.schemes`); sampling uses ``grid_sample(align_corners=False)``, for which
pixel ``p`` of an ``n``-pixel axis sits at ``(2p + 1) / n - 1``. Everything is plain tensor algebra
(no Python value taken from a tensor), so the networks built on it run on the meta device, trace and
export. Coordinates are computed in float32 whatever the inputs' precision (under bf16 autocast a
pixel position near 128 would otherwise be rounded to half a pixel).

* :func:`flow_warp` - backward warping of an image by a dense flow (GFRNet's and GWAInet's warpers).
* :func:`sample_points` - a field's values at sub-pixel points (GFRNet's landmark loss).
* :func:`flow_differences` - horizontal and vertical differences of a flow (its total variation).
* :func:`mls_affine_grid` - moving-least-squares affine deformation (Schaefer et al. 2006) as a
  sampling grid (ASFFNet's alignment of guidance features).
* :func:`similarity_fit` / :func:`wls_residual` - weighted least-squares similarity alignment of
  point sets and its residual (ASFFNet's guidance selection, JSRFC's component alignment).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pixel_grid(h: int, w: int, like: torch.Tensor) -> torch.Tensor:
    """``(h, w, 2)`` ``(x, y)`` pixel coordinates of every pixel, on ``like``'s device and dtype."""
    ys = torch.arange(h, device=like.device, dtype=like.dtype)
    xs = torch.arange(w, device=like.device, dtype=like.dtype)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx, gy], dim=-1)


def to_grid(points: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Pixel coordinates ``(..., 2)`` of an ``h x w`` image -> ``grid_sample`` units (align_corners=False)."""
    scale = torch.tensor([2.0 / w, 2.0 / h], device=points.device, dtype=points.dtype)
    return (points + 0.5) * scale - 1.0


def sample_grid(image: torch.Tensor, points: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """``image`` N x C x H x W sampled bilinearly at pixel positions ``points`` N x h x w x 2 (in float32;
    the result has ``image``'s dtype)."""
    grid = to_grid(points.float(), image.shape[-2], image.shape[-1])
    out = F.grid_sample(image.float(), grid, mode="bilinear", padding_mode=padding, align_corners=False)
    return out.to(image.dtype)


def flow_warp(image: torch.Tensor, flow: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """Backward warp: ``out(p) = image(p + flow(p))``; ``flow`` N x 2 x H x W in pixels of ``image``
    (``(dx, dy)``), the output has the flow's size."""
    h, w = flow.shape[-2], flow.shape[-1]
    flow = flow.float()
    pos = pixel_grid(h, w, flow).unsqueeze(0) + flow.permute(0, 2, 3, 1)
    return sample_grid(image, pos, padding)


def sample_points(field: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Values of ``field`` N x C x H x W at sub-pixel ``points`` N x P x 2 (pixels) -> N x P x C."""
    out = sample_grid(field, points.unsqueeze(1), padding="border")  # N x C x 1 x P
    return out[:, :, 0].transpose(1, 2)


def flow_differences(flow: torch.Tensor) -> torch.Tensor:
    """Horizontal and vertical neighbour differences of ``flow`` (N x 2 x H x W), flattened per image:
    the mean of their absolute values is the flow's (anisotropic) total variation."""
    dx = flow[..., :, 1:] - flow[..., :, :-1]
    dy = flow[..., 1:, :] - flow[..., :-1, :]
    return torch.cat([dx.flatten(1), dy.flatten(1)], dim=1)


def _inv2x2(a: torch.Tensor, eps: float) -> torch.Tensor:
    """Inverse of a batch of 2 x 2 matrices ``(..., 2, 2)`` by the adjugate (determinant kept away
    from 0 by ``eps``, sign kept)."""
    det = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
    det = torch.where(det >= 0, det + eps, det - eps)
    adj = torch.stack([torch.stack([a[..., 1, 1], -a[..., 0, 1]], -1),
                       torch.stack([-a[..., 1, 0], a[..., 0, 0]], -1)], -2)
    return adj / det[..., None, None]


def mls_affine_grid(src: torch.Tensor, dst: torch.Tensor, h: int, w: int, alpha: float = 1.0,
                    eps: float = 1e-6) -> torch.Tensor:
    """Moving-least-squares affine deformation that takes control points ``dst`` to ``src``.

    ``src``, ``dst``: N x P x 2 pixel positions (``src`` in the image to be warped, ``dst`` where they
    must land). For every pixel ``v`` of an ``h x w`` output, ``f(v) = (v - q*) M_v + p*`` with weights
    ``1 / |q_i - v|^(2 alpha)``, weighted centroids ``q*`` (of ``dst``) and ``p*`` (of ``src``) and
    ``M_v = (sum w q^T q)^-1 sum w q^T p`` on centred points. Returns N x h x w x 2 positions in the
    source image (for :func:`sample_grid`). This is the inverse-mapping form ASFFNet applies to guidance
    features (``roi_mls_whole_final``).
    """
    src, dst = src.float(), dst.float()
    v = pixel_grid(h, w, src).reshape(1, h * w, 1, 2)
    q, p = dst.unsqueeze(1), src.unsqueeze(1)                          # N x 1 x P x 2
    d2 = (q - v).square().sum(-1)                                      # N x HW x P
    wgt = 1.0 / (d2 + eps).pow(alpha)
    wsum = wgt.sum(-1, keepdim=True)
    qstar = (wgt.unsqueeze(-1) * q).sum(-2) / wsum                     # N x HW x 2
    pstar = (wgt.unsqueeze(-1) * p).sum(-2) / wsum
    qh = q - qstar.unsqueeze(-2)                                       # N x HW x P x 2
    ph = p - pstar.unsqueeze(-2)
    wq = wgt.unsqueeze(-1) * qh
    a = wq.transpose(-1, -2) @ qh                                      # N x HW x 2 x 2
    b = wq.transpose(-1, -2) @ ph
    m = _inv2x2(a, eps) @ b
    out = ((v.squeeze(2) - qstar).unsqueeze(-2) @ m).squeeze(-2) + pstar
    return out.reshape(-1, h, w, 2)


def similarity_fit(src: torch.Tensor, dst: torch.Tensor, weights: torch.Tensor | None = None,
                   eps: float = 1e-8) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted least-squares similarity ``T(p) = A p + t`` (rotation, uniform scale, translation)
    taking ``src`` to ``dst`` (``... x P x 2``; ``weights`` ``... x P`` or None). Returns ``A``
    (``... x 2 x 2``) and ``t`` (``... x 2``). Closed form: the points as complex numbers,
    ``a = sum w (q - q*) conj(p - p*) / sum w |p - p*|^2``."""
    src, dst = src.float(), dst.float()
    weights = torch.ones_like(src[..., 0]) if weights is None else weights.float()
    wn = weights / (weights.sum(-1, keepdim=True) + eps)
    ps = (wn.unsqueeze(-1) * src).sum(-2, keepdim=True)
    qs = (wn.unsqueeze(-1) * dst).sum(-2, keepdim=True)
    pc, qc = src - ps, dst - qs
    den = (wn * pc.square().sum(-1)).sum(-1) + eps
    re = (wn * (qc[..., 0] * pc[..., 0] + qc[..., 1] * pc[..., 1])).sum(-1) / den
    im = (wn * (qc[..., 1] * pc[..., 0] - qc[..., 0] * pc[..., 1])).sum(-1) / den
    a = torch.stack([torch.stack([re, -im], -1), torch.stack([im, re], -1)], -2)
    t = qs.squeeze(-2) - (a @ ps.squeeze(-2).unsqueeze(-1)).squeeze(-1)
    return a, t


def apply_similarity(a: torch.Tensor, t: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """``A p + t`` for points ``... x P x 2``."""
    return points @ a.transpose(-1, -2) + t.unsqueeze(-2)


def wls_residual(src: torch.Tensor, dst: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Weighted mean squared distance left after the best similarity alignment of ``src`` to ``dst``
    (``... x P x 2``) -> ``...``: how well a guide's pose and expression can match the input's."""
    src, dst = src.float(), dst.float()
    weights = torch.ones_like(src[..., 0]) if weights is None else weights.float()
    a, t = similarity_fit(src, dst, weights)
    err = (apply_similarity(a, t, src) - dst).square().sum(-1)
    return (weights * err).sum(-1) / (weights.sum(-1) + 1e-8)


def affine_warp(image: torch.Tensor, a: torch.Tensor, t: torch.Tensor, h: int, w: int,
                padding: str = "zeros") -> torch.Tensor:
    """``image`` N x C x H x W sampled at ``A v + t`` for every pixel ``v`` of an ``h x w`` output
    (``A`` N x 2 x 2, ``t`` N x 2, both mapping output pixels to ``image`` pixels)."""
    v = pixel_grid(h, w, a.float()).reshape(1, h * w, 2)
    pos = apply_similarity(a.float(), t.float(), v).reshape(-1, h, w, 2)
    return sample_grid(image, pos, padding)
