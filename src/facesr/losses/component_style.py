"""GFP-GAN's facial-component style loss: for each component discriminator, the L1 distance of the Gram
matrices of its two feature maps on the restored and the real face's component (the real side detached),
the first map weighted 0.5 (``gfpgan_model.py``: ``_comp_style``), summed over the components."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from .perceptual import gram_matrix


class ComponentStyleLoss(nn.Module):
    """``forward(sr, hr, landmarks)``; ``critics()``: the component discriminators (each with ``features``)."""

    def __init__(self, critics: Callable[[], Sequence[nn.Module]]) -> None:
        super().__init__()
        self.critics = critics

    def forward(self, sr: torch.Tensor, hr: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        total = sr.new_zeros(())
        for critic in self.critics():
            _, fake = critic.features(sr, landmarks)
            with torch.no_grad():
                _, real = critic.features(hr, landmarks)
            for weight, f, r in zip((0.5, 1.0), fake, real):
                total = total + weight * (gram_matrix(f.float()) - gram_matrix(r.float())).abs().mean()
        return total
