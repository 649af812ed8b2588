"""Optimisers and iteration-based learning-rate schedules built from the config."""

from __future__ import annotations

import math

import torch

from ..errors import ConfigError
from .config import OptimizerConfig, SchedulerConfig

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULES = ("constant", "step", "multistep", "cosine", "linear")


def build_optimizer(params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ConfigError("a trained network has no trainable parameters")
    t = cfg.type.lower()
    if t == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    if t == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, weight_decay=cfg.weight_decay)
    if t == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay,
                               nesterov=cfg.nesterov)
    if t == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, alpha=cfg.alpha, eps=cfg.eps, momentum=cfg.momentum,
                                   weight_decay=cfg.weight_decay)
    raise ConfigError(f"unknown optimizer {cfg.type!r} (known: {', '.join(OPTIMIZERS)})")


class LRFactor:
    """Learning-rate factor as a pure function of the iteration (picklable, no hidden state)."""

    def __init__(self, cfg: SchedulerConfig, total: int) -> None:
        if cfg.type not in SCHEDULES:
            raise ConfigError(f"unknown scheduler {cfg.type!r} (known: {', '.join(SCHEDULES)})")
        if cfg.type == "step" and cfg.step_size < 1:
            raise ConfigError("scheduler type step needs step_size >= 1")
        self.cfg, self.total = cfg, max(1, int(total))

    def __call__(self, it: int) -> float:
        c = self.cfg
        if c.type == "step":
            f = c.gamma ** (it // c.step_size)
        elif c.type == "multistep":
            f = c.gamma ** sum(1 for m in c.milestones if it >= m)
        elif c.type == "cosine":
            f = c.min_factor + (1 - c.min_factor) * 0.5 * (1 + math.cos(math.pi * min(it, self.total) / self.total))
        elif c.type == "linear":
            span = max(1, self.total - c.start)
            f = 1.0 if it < c.start else 1.0 - (1.0 - c.min_factor) * min(1.0, (it - c.start) / span)
        else:
            f = 1.0
        if c.warmup > 0 and it < c.warmup:
            f *= c.warmup_factor + (1.0 - c.warmup_factor) * it / c.warmup
        return f


def build_scheduler(optimizer: torch.optim.Optimizer, cfg: SchedulerConfig,
                    total: int) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, LRFactor(cfg, total))
