"""Losses on what the super-resolved face implies: cycle consistency (survey Eq. 13), facial priors
(Eq. 15) and attributes (Eq. 16-17)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ._norms import check_criterion, distance

if TYPE_CHECKING:
    from .adversarial import Critic


class CycleLoss(nn.Module):
    """Eq. 13: ``||lr - lr'|| + ||hr - hr'||`` where ``lr' = down(SR(lr))`` and ``hr' = SR(down(hr))``.

    ``criterion``: ``mse`` (default, the survey's L2), ``l1`` or ``fro``. Either pair may be
    omitted (``None``) for a one-sided cycle.
    """

    def __init__(self, criterion: str = "mse") -> None:
        super().__init__()
        self.criterion = check_criterion(criterion)

    def forward(self, lr: torch.Tensor | None, lr_cycle: torch.Tensor | None, hr: torch.Tensor | None = None,
                hr_cycle: torch.Tensor | None = None) -> torch.Tensor:
        terms = [distance(a, b, self.criterion) for a, b in ((lr_cycle, lr), (hr_cycle, hr))
                 if a is not None and b is not None]
        if not terms:
            raise ConfigError("cycle loss needs (lr, lr_cycle) and/or (hr, hr_cycle)")
        return sum(terms)


class PriorLoss(nn.Module):
    """Eq. 15: ``||P_HR - P||_F`` between ground-truth and estimated priors.

    Heatmaps (``N x K x H x W``) and landmarks (``N x K x 2``) use ``criterion`` ``mse`` (F = 2,
    default), ``l1`` (F = 1) or ``fro``. Parsing maps: ``criterion="ce"`` takes class logits
    ``N x C x H x W`` as the estimate and integer labels ``N x H x W`` as the truth.
    """

    def __init__(self, criterion: str = "mse") -> None:
        super().__init__()
        self.criterion = criterion if criterion == "ce" else check_criterion(criterion)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.criterion == "ce":
            return F.cross_entropy(pred, target.long())
        if pred.shape != target.shape:
            raise ConfigError(
                f"prior loss: estimate {tuple(pred.shape)} and truth {tuple(target.shape)} differ")
        return distance(pred, target.to(pred.dtype), self.criterion)


class AttributeLoss(nn.Module):
    """Eq. 17: ``||A_P - A_HR||_F`` between predicted and true attributes (``N x k``).

    ``criterion``: ``mse`` (default), ``l1``, ``fro``, or ``bce`` (binary cross entropy with the
    prediction given as logits, for 0/1 attributes).
    """

    def __init__(self, criterion: str = "mse") -> None:
        super().__init__()
        self.criterion = criterion if criterion == "bce" else check_criterion(criterion)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """NaN entries of ``target`` are unknown attributes (unlabelled images) and do not count; a
        batch without any known attribute gives 0 (with a gradient path, for DDP)."""
        target = target.to(pred.dtype)
        known = ~torch.isnan(target)
        if not bool(known.any()):
            return pred.sum() * 0.0
        if self.criterion == "fro":  # per-sample norms: unknown entries contribute a zero difference
            return distance(pred, torch.where(known, target, pred.detach()), "fro")
        p, t = pred[known], target[known]
        if self.criterion == "bce":
            return F.binary_cross_entropy_with_logits(p, t)
        return distance(p, t, self.criterion)


def mismatched_attributes(attributes: torch.Tensor) -> torch.Tensor:
    """Attributes that do not belong to each image (Eq. 16's ``A~``): the batch rolled by one;
    rows that would equal their own (batch of one, repeated rows) get every 0/1 bit flipped."""
    rolled = attributes.roll(1, dims=0)
    same = (rolled == attributes).all(dim=1, keepdim=True)
    return torch.where(same, 1.0 - attributes, rolled)


class AttributeDiscriminatorLoss(nn.Module):
    """Eq. 16, the attribute-conditional discriminator of FSRSA / AGCycleGAN, on logits:

    ``L_D = -log D(hr, A) - log(1 - D(sr, A)) - log(1 - D(hr, A~))`` (:meth:`discriminator`, and
    :meth:`critic_loss` on an attribute-conditional critic), and the generator's ``-log D(sr, A)``
    (:meth:`generator`).
    """

    def discriminator(self, real_matched: torch.Tensor, fake_matched: torch.Tensor,
                      real_mismatched: torch.Tensor) -> torch.Tensor:
        return (F.softplus(-real_matched).mean() + F.softplus(fake_matched).mean()
                + F.softplus(real_mismatched).mean())

    def critic_loss(self, critic: Critic) -> torch.Tensor:
        if "attributes" not in critic.conditions:
            raise ConfigError(f"{critic.name}: loss {critic.term!r} (Eq. 16) needs an attribute-conditional critic")
        wrong = mismatched_attributes(critic.conditions["attributes"])
        return self.discriminator(critic.d_real, critic.d_fake, critic(critic.real, attributes=wrong))

    def generator(self, fake_matched: torch.Tensor) -> torch.Tensor:
        return F.softplus(-fake_matched).mean()

    def forward(self, fake_matched: torch.Tensor) -> torch.Tensor:
        return self.generator(fake_matched)
