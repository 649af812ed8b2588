"""What training the standalone 68-landmark hourglass (:class:`~facesr.models.prior.hourglass.StackedHourglass`)
needs besides the training loop: its score, the NME, and the augmentations of its training faces.

The training itself is the ``landmarks`` recipe of the training engine
(:mod:`facesr.training.recipes.landmarks`): ``facesr train configs/landmarks/hourglass_landmarks.yaml``.
"""

from __future__ import annotations

#: Outer eye corners of the 68-point iBUG scheme (inter-ocular normalisation of the NME).
OUTER_EYE_CORNERS = (36, 45)


def nme(pred, truth):
    """Per-face NME ``float64 (N,)``: mean point error / outer-eye-corner distance (68-point faces)."""
    import numpy as np

    pred, truth = np.asarray(pred, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    a, b = OUTER_EYE_CORNERS
    norm = np.linalg.norm(truth[:, a] - truth[:, b], axis=-1)
    return np.linalg.norm(pred - truth, axis=-1).mean(axis=1) / norm


def random_similarity(faces, points, rotate: float, zoom: float, shift: float, generator=None):
    """Warp ``[0,1]`` faces ``N x 3 x S x S`` and their ``(N, K, 2)`` pixel landmarks by a random
    similarity each: rotation ``U(-rotate, rotate)`` degrees, scale ``1 + U(-zoom, zoom)``, shift
    ``U(-shift, shift)`` pixels; borders are replicated. Returns ``(faces, points)``."""
    import torch
    import torch.nn.functional as F

    n, _, h, w = faces.shape
    if not (rotate or zoom or shift):
        return faces, points

    def u(bound: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * bound

    angle, scale = torch.deg2rad(u(rotate)), 1 + u(zoom)
    tx, ty = u(shift), u(shift)
    # forward map in normalised coordinates (align_corners=False): p_out = s R p_in + t
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    fwd = torch.zeros(n, 3, 3, dtype=torch.float64)
    fwd[:, 0, 0], fwd[:, 0, 1], fwd[:, 0, 2] = cos, -sin * h / w, 2 * tx / w
    fwd[:, 1, 0], fwd[:, 1, 1], fwd[:, 1, 2] = sin * w / h, cos, 2 * ty / h
    fwd[:, 2, 2] = 1
    inv = torch.linalg.inv(fwd)  # grid_sample needs output -> input
    grid = F.affine_grid(inv[:, :2].to(faces.dtype), list(faces.shape), align_corners=False)
    warped = F.grid_sample(faces, grid, mode="bilinear", padding_mode="border", align_corners=False)
    p = points.to(torch.float64)
    norm = torch.stack([(p[..., 0] + 0.5) * 2 / w - 1, (p[..., 1] + 0.5) * 2 / h - 1, torch.ones_like(p[..., 0])], -1)
    moved = torch.einsum("nij,nkj->nki", fwd, norm)
    out = torch.stack([(moved[..., 0] + 1) * w / 2 - 0.5, (moved[..., 1] + 1) * h / 2 - 0.5], -1)
    return warped.clamp(0, 1), out.to(points.dtype)


def random_degrade(faces, probability: float, factors=(2, 4, 8), generator=None):
    """Each ``[0,1]`` face of ``N x 3 x S x S`` replaced with ``probability`` by its bicubic
    downscale (antialiased) by a factor drawn from ``factors``, upscaled back to S (bicubic)."""
    import torch
    import torch.nn.functional as F

    if probability <= 0:
        return faces
    n, _, h, w = faces.shape
    pick = torch.rand(n, generator=generator) < probability
    which = torch.randint(len(factors), (n,), generator=generator)
    out = faces.clone()
    for k, f in enumerate(factors):
        idx = torch.nonzero(pick & (which == k)).flatten()
        if len(idx) and h // f >= 1 and w // f >= 1:
            small = F.interpolate(faces[idx], size=(h // f, w // f), mode="bicubic", antialias=True,
                                  align_corners=False)
            out[idx] = F.interpolate(small, size=(h, w), mode="bicubic", align_corners=False).clamp(0, 1)
    return out
