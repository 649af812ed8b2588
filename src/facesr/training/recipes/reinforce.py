"""The reinforcement-learning recipe (``recipe: reinforce``; Attention-FH, survey §4.1.3): a generator
whose ``forward(x, aux=True)`` samples a sequence of actions and returns ``sr``, ``log_probs`` and
``entropy`` (``N x T``) and ``frames`` (``N x (T + 1) x 3 x H x W``, the image before each action and the
result) is trained by

``loss = sum of the config's losses (on sr, ...) + policy_weight * L_PG - entropy_weight * mean(entropy)``

with REINFORCE ``L_PG = -mean_{n,t} log pi(a_t) (G_t - b_t)``: the reward of step t is the PSNR (dB, RGB,
[0,1] data range) the face gains at that step, ``r_t = PSNR(frame_{t+1}, hr) - PSNR(frame_t, hr)``; the
return ``G_t = sum_{k >= t} discount^(k-t) r_k`` (with discount 1 the total gain of the rest of the
episode, i.e. the final PSNR minus the PSNR before step t); ``b_t`` a running mean of ``G_t`` per step
(``baseline_momentum``), kept in the checkpoint's recipe state only for the run (it restarts at a resume).
Critics are not supported. Validation, data checks and the model record are those of the ``sr`` recipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ...errors import ConfigError
from .base import NonFinite
from .sr import SRRecipe


@dataclass
class ReinforceOptions:
    """``policy_weight``: weight of the REINFORCE term; ``entropy_weight``: entropy bonus; ``discount``
    in (0, 1]; ``baseline_momentum`` in [0, 1) (0: the batch mean alone)."""

    policy_weight: float = 1.0
    entropy_weight: float = 0.01
    discount: float = 1.0
    baseline_momentum: float = 0.9


def frame_psnr(frames: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
    """PSNR in dB (data range 1, RGB) of every frame ``N x F x 3 x H x W`` against ``hr`` -> ``N x F``."""
    mse = (frames - hr[:, None]).pow(2).flatten(2).mean(dim=2).clamp_min(1e-10)
    return -10.0 * torch.log10(mse)


def discounted_returns(rewards: torch.Tensor, discount: float) -> torch.Tensor:
    """``G_t = sum_{k >= t} discount^(k-t) r_k`` of rewards ``N x T``."""
    out = torch.zeros_like(rewards)
    acc = torch.zeros_like(rewards[:, 0])
    for t in range(rewards.shape[1] - 1, -1, -1):
        acc = rewards[:, t] + discount * acc
        out[:, t] = acc
    return out


class ReinforceRecipe(SRRecipe):
    name = "reinforce"
    batch_keys = ("lr", "hr")
    Options = ReinforceOptions

    def setup(self) -> None:
        super().setup()
        o = self.options
        if not 0 < o.discount <= 1 or not 0 <= o.baseline_momentum < 1:
            raise ConfigError(f"recipe reinforce needs discount in (0, 1] and baseline_momentum in [0, 1), got "
                              f"{o.discount}, {o.baseline_momentum}")
        need = {"log_probs", "entropy", "frames"}
        if not need <= set(self.aux_outputs):
            raise ConfigError(f"recipe reinforce needs a generator with outputs {', '.join(sorted(need))} "
                              f"({self.info['display']} has {', '.join(self.aux_outputs) or 'none'})")
        if self.critics:
            raise ConfigError("recipe reinforce does not train critics (remove them from nets)")
        self.baseline: torch.Tensor | None = None

    def advantages(self, frames: torch.Tensor, hr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(advantages ``N x T``, rewards ``N x T``) of a rollout; updates the running baseline."""
        with torch.no_grad():
            rewards = frame_psnr(frames.float(), hr.float()).diff(dim=1)
            returns = discounted_returns(rewards, self.options.discount)
            mean = returns.mean(dim=0)
            m = self.options.baseline_momentum
            if self.baseline is None or self.baseline.shape != mean.shape:
                self.baseline = mean
            else:
                self.baseline = m * self.baseline.to(mean) + (1 - m) * mean
            return returns - self.baseline, rewards

    def step(self, batch: dict[str, Any], it: int) -> dict[str, torch.Tensor]:
        from ...losses import Context
        from ..data import collate_to

        tr, o = self.trainer, self.options
        batch = collate_to(batch, tr.device)
        x = self._input(batch["lr"])
        if tr.precision is not None:
            x = tr.precision.layout(x)
        hr = batch["hr"]
        with tr.autocast():
            out = dict(tr.wrapped["generator"](x, aux=True))
        sr = out.pop("sr").float()
        adv, rewards = self.advantages(out["frames"].detach(), hr)
        ctx = Context({**batch, **out, "input": x, "sr": sr})
        with tr.autocast():
            total, parts = self.loss(ctx)
        policy = -(out["log_probs"].float() * adv).mean()
        entropy = out["entropy"].float().mean()
        total = total + o.policy_weight * policy - o.entropy_weight * entropy
        if not torch.isfinite(total):
            raise NonFinite(it, "generator loss (pixel or policy term)")
        tr.update(total, ["generator"])
        return {**parts, "policy": policy.detach(), "entropy": entropy.detach(),
                "reward": rewards.sum(dim=1).mean(), "loss": total.detach()}


RECIPE = ReinforceRecipe
