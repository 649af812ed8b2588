"""Discriminator regularisers of the StyleGAN2 family: the R1 gradient penalty (Mescheder et al., "Which
Training Methods for GANs do actually Converge?", ICML 2018) that StyleGAN2, GPEN and GFP-GAN apply lazily
(every k discriminator steps, scaled by k)."""

from __future__ import annotations

from collections.abc import Callable

import torch


def r1_penalty(d_real: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """``mean_n ||grad_x D(x_n)||^2`` at the real images ``real`` (which must require grad and be the input of
    ``d_real``); differentiable w.r.t. the discriminator's parameters."""
    (grad,) = torch.autograd.grad(d_real.float().sum(), real, create_graph=True)
    return grad.float().square().flatten(1).sum(1).mean()


def lazy_r1(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, gamma: float,
            every: int) -> tuple[torch.Tensor, torch.Tensor]:
    """StyleGAN2's lazy R1 term for one discriminator step: ``(gamma / 2) * R1 * every`` (plus ``0 x`` the first
    output, so that every parameter takes part under DDP) and the unscaled R1; ``real``: ``[0,1]`` faces."""
    x = real.detach().requires_grad_(True)
    out = critic(x)
    r1 = r1_penalty(out, x)
    return gamma / 2.0 * r1 * every + 0.0 * out.flatten()[0].float(), r1.detach()
