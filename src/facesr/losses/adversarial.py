"""Adversarial losses (survey Eq. 11-12 and the variants it names), WGAN-GP's gradient penalty and
SPGAN's supervised pixel-wise discriminator loss (Eq. 19-20).

Discriminator outputs are raw scores (logits), any shape ``N x ...``; every loss is a mean over
all elements. ``GANLoss.generator(fake)`` is what the generator minimises, and
``GANLoss.discriminator(real, fake)`` what the discriminator minimises.

Every loss that trains a critic answers one interface, ``critic_loss(critic)``, on a :class:`Critic`: the
critic's outputs on real and generated images, and the critic itself for losses that need more of it
(Eq. 16's real faces with mismatched attributes). The training engine calls only that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError

GAN_MODES = ("vanilla", "lsgan", "wgan", "wgan_gp", "hinge")


class Critic:
    """A critic as the loss that trains it sees it in one iteration (the argument of ``critic_loss``).

    ``run(images, conditions)`` runs the critic; ``real`` and ``fake``: the real (HR) and generated (SR,
    detached) images; ``conditions``: the critic's keyword inputs besides the image (e.g. ``attributes``).
    ``d_real`` and ``d_fake``, its outputs on ``real`` and on ``fake``, are computed on construction, in
    this order. ``critic(images, **changes)`` runs it on other images or with some conditions replaced.
    ``name`` (the network's config key) and ``term`` (its loss term) name it in messages.
    """

    def __init__(self, run: Callable[[torch.Tensor, dict[str, Any]], torch.Tensor], real: torch.Tensor,
                 fake: torch.Tensor, conditions: Mapping[str, Any] | None = None, *, name: str = "critic",
                 term: str | None = None) -> None:
        self._run = run
        self.real, self.fake = real, fake
        self.conditions = dict(conditions or {})
        self.name, self.term = name, term
        self.d_real = run(real, self.conditions)
        self.d_fake = run(fake, self.conditions)

    def __call__(self, images: torch.Tensor, **changes: Any) -> torch.Tensor:
        return self._run(images, {**self.conditions, **changes})


class GANLoss(nn.Module):
    """Adversarial loss of one of :data:`GAN_MODES` on discriminator logits.

    * ``vanilla`` (Eq. 11-12, cross entropy with ``D = sigmoid(logit)``):
      ``L_G = -log D(sr)``; ``L_D = -log D(hr) - log(1 - D(sr))``.
    * ``lsgan``: ``L_G = (D(sr) - 1)^2``; ``L_D = (D(hr) - 1)^2 + D(sr)^2``.
    * ``wgan`` / ``wgan_gp``: ``L_G = -D(sr)``; ``L_D = D(sr) - D(hr)`` (add
      :func:`gradient_penalty` for ``wgan_gp``).
    * ``hinge``: ``L_G = -D(sr)``; ``L_D = relu(1 - D(hr)) + relu(1 + D(sr))``.

    ``probabilities=True``: the discriminator already ends in a sigmoid (URDGN's); ``vanilla``
    then takes logs of its outputs directly (clamped away from 0 and 1 by ``1e-7``).
    """

    def __init__(self, mode: str = "vanilla", probabilities: bool = False) -> None:
        super().__init__()
        if mode not in GAN_MODES:
            raise ConfigError(f"unknown GAN mode {mode!r} (known: {', '.join(GAN_MODES)})")
        self.mode = mode
        self.probabilities = bool(probabilities)

    def _nlog(self, x: torch.Tensor, real: bool) -> torch.Tensor:
        """``-log D`` (``real``) or ``-log(1 - D)`` of logits or probabilities ``x``, averaged."""
        if self.probabilities:  # in float32: in bf16 1 - 1e-7 rounds to 1 and log(1 - p) is -inf
            p = x.float().clamp(1e-7, 1 - 1e-7)
            return -(torch.log(p) if real else torch.log1p(-p)).mean()
        return F.softplus(-x if real else x).mean()

    def generator(self, fake: torch.Tensor) -> torch.Tensor:
        if self.mode == "vanilla":
            return self._nlog(fake, True)  # -log D(sr)
        if self.mode == "lsgan":
            return ((fake - 1.0) ** 2).mean()
        return -fake.mean()

    def discriminator(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        if self.mode == "vanilla":
            return self._nlog(real, True) + self._nlog(fake, False)  # -log D(hr) - log(1 - D(sr))
        if self.mode == "lsgan":
            return ((real - 1.0) ** 2).mean() + (fake**2).mean()
        if self.mode == "hinge":
            return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
        return fake.mean() - real.mean()

    def critic_loss(self, critic: Critic) -> torch.Tensor:
        return self.discriminator(critic.d_real, critic.d_fake)

    def forward(self, fake: torch.Tensor) -> torch.Tensor:
        return self.generator(fake)


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     *, eps: torch.Tensor | None = None, generator: torch.Generator | None = None,
                     target: float = 1.0) -> torch.Tensor:
    """WGAN-GP: ``mean_n (||grad_x D(x_n)||_2 - target)^2`` at ``x = eps real + (1 - eps) fake``.

    ``eps``: ``N`` mixing weights (drawn uniformly with ``generator`` when omitted). The penalty
    is differentiable w.r.t. the critic's parameters (``create_graph``).
    """
    n = real.shape[0]
    if eps is None:
        eps = torch.rand(n, generator=generator, device=real.device, dtype=real.dtype)
    eps = eps.reshape(n, *([1] * (real.dim() - 1))).to(real.dtype)
    x = (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(True)
    out = critic(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - target) ** 2).mean()


def pixel_distance(hr: torch.Tensor, sr: torch.Tensor) -> torch.Tensor:
    """Per-pixel Euclidean distance across channels ``||hr - sr||_2`` -> ``N x 1 x H x W``."""
    return (hr - sr).pow(2).sum(dim=1, keepdim=True).sqrt()


def spgan_maps(d_real: torch.Tensor, d_fake: torch.Tensor, hr: torch.Tensor,
               sr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """SPGAN's difference and attention maps (Eq. 19-21), ``N x 1 x H x W`` each, no gradient.

    ``E = D(lr, hr) - D(lr, sr)``; ``M_D = -min(0, E - ||hr - sr||_2)``; ``M_G = alpha * E + 1``
    with ``alpha = [E >= 0]`` (the survey's "identity matrix" ``b`` read as all ones).
    """
    with torch.no_grad():
        e = d_real - d_fake
        m_d = -torch.clamp(e - pixel_distance(hr, sr), max=0.0)
        m_g = (e >= 0).to(e.dtype) * e + 1.0
    return e, m_d, m_g


class SupervisedPixelGANLoss(nn.Module):
    """SPGAN's supervised pixel-wise adversarial loss (Eq. 19-20).

    The discriminator ``D(lr, x)`` outputs a score map of the image's size. The discriminator
    minimises ``mean(M_D) = mean(relu(||hr - sr||_2 - (D(lr,hr) - D(lr,sr))))``: the real/fake margin
    must reach the pixel distance at every pixel. The generator minimises ``mean(D(lr,hr) - D(lr,sr))``
    with the real map held fixed.
    """

    def discriminator(self, d_real: torch.Tensor, d_fake: torch.Tensor, hr: torch.Tensor,
                      sr: torch.Tensor) -> torch.Tensor:
        margin = pixel_distance(hr.detach(), sr.detach())
        return F.relu(margin - (d_real - d_fake)).mean()

    def critic_loss(self, critic: Critic) -> torch.Tensor:
        return self.discriminator(critic.d_real, critic.d_fake, critic.real, critic.fake)

    def generator(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        return (d_real.detach() - d_fake).mean()

    def forward(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        return self.generator(d_real, d_fake)
