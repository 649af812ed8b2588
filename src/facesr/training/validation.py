"""Validation under a named protocol: LR made by the protocol from HR, the network's SR scored by
the protocol's metrics, the bicubic baseline scored once for reference. Images are split over the
ranks and the sums reduced."""

from __future__ import annotations

import numpy as np
import torch

from ..io import uint8_to_tensor
from ..metrics import create_metric
from ..metrics.protocols import get_protocol
from .distributed import DistInfo, all_reduce_sum


class Validator:
    """Scores a generator on fixed validation faces (``uint8 N x H x W x 3`` HR); ``lr``: their LR faces
    (``uint8 N x H/scale x W/scale x 3``) when not the protocol's bicubic downscaling."""

    def __init__(self, hr: np.ndarray, *, scale: int, protocol: str, metrics: tuple[str, ...], input_mode: str,
                 kernel: str, batch_size: int, dist: DistInfo, device: torch.device,
                 conditions: dict[str, torch.Tensor] | None = None, lr: np.ndarray | None = None) -> None:
        self.proto = get_protocol(protocol)
        self.scale, self.input_mode, self.kernel = scale, input_mode, kernel
        self.batch_size, self.dist, self.device = batch_size, dist, device
        self.metric_names = tuple(metrics)
        self.metrics = [create_metric(m, self.proto, scale) for m in metrics]
        self.higher_better = self.metrics[0].higher_better
        if lr is None:  # else given: LR made by a degradation (blind/real-world validation)
            lr = self.proto.make_lr(hr, scale)
        mine = list(range(dist.rank, len(hr), dist.world_size))
        self.hr = uint8_to_tensor([hr[i] for i in mine]) if mine else None
        self.lr = uint8_to_tensor([lr[i] for i in mine]) if mine else None
        self.count = len(hr)
        #: per-face inputs besides the LR face (given attributes), this rank's share
        self.conditions = {k: v[mine] for k, v in (conditions or {}).items()}
        bicubic = self.proto.upsample(lr[mine], scale) if mine else None
        self.baseline = self._score(uint8_to_tensor(list(bicubic)) if mine else None)

    def _score(self, sr: torch.Tensor | None) -> dict[str, float]:
        sums = torch.zeros(len(self.metrics), dtype=torch.float64)
        n = 0
        if sr is not None:
            for i, m in enumerate(self.metrics):
                sums[i] = m(sr, self.hr).sum()
            n = sr.shape[0]
        sums = all_reduce_sum(torch.cat([sums, torch.tensor([float(n)], dtype=torch.float64)]), self.dist)
        return {name: float(sums[i] / sums[-1]) for i, name in enumerate(self.metric_names)}

    @torch.no_grad()
    def __call__(self, net: torch.nn.Module) -> dict[str, float]:
        from ..models import model_input

        was = net.training
        net.eval()
        outs = []
        if self.lr is not None:
            for i in range(0, self.lr.shape[0], self.batch_size):
                lr = self.lr[i : i + self.batch_size].to(self.device)
                x = model_input(lr, self.input_mode, self.scale, kernel=self.kernel)
                cond = {k: v[i : i + self.batch_size].to(self.device) for k, v in self.conditions.items()}
                outs.append(net(x, **cond).float().clamp(0, 1).cpu())
        net.train(was)
        return self._score(torch.cat(outs) if outs else None)
