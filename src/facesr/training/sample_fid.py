"""Validation of an unconditional face generator: FID (:mod:`facesr.metrics.fid`, Inception pool3, Pillow
bicubic resize, float64 statistics) of ``samples`` generated faces against fixed real faces. The latents are
drawn once under a seed, so every validation scores the same latents; generation and embedding are split over
the processes and the features gathered, so every process computes the same value. FID depends on the
number of faces: the value is comparable only at equal ``samples`` and real faces."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..io import uint8_to_tensor
from ..metrics.fid import FeatureEmbedder, RunningStats, frechet_distance
from .distributed import DistInfo, gather_objects


class SampleFIDValidator:
    """``__call__(generator) -> {"fid": value}`` for a generator mapping ``N x style_dim`` latents to ``[0,1]``
    faces; ``real``: ``uint8 N x S x S x 3`` faces (embedded once)."""

    higher_better = False
    baseline: dict[str, float] = {}

    def __init__(self, real: np.ndarray, *, samples: int, style_dim: int, batch_size: int, dist: DistInfo,
                 device: torch.device, seed: int = 0, resize: str = "pil") -> None:
        self.dist, self.device, self.batch_size = dist, device, max(1, int(batch_size))
        self.embed = FeatureEmbedder(resize, str(device), self.batch_size)
        self.real = self._stats([self.embed(uint8_to_tensor(list(real[i: i + self.batch_size])))
                                 for i in range(0, len(real), self.batch_size)], "real face set")
        g = torch.Generator().manual_seed(int(seed))
        self.latents = torch.randn(int(samples), style_dim, generator=g)
        self.samples = int(samples)

    @staticmethod
    def _stats(feats: list[np.ndarray], what: str):
        stats = RunningStats()
        for f in feats:
            stats.add(f)
        return stats.result(what)

    @torch.no_grad()
    def __call__(self, net: nn.Module) -> dict[str, float]:
        was = net.training
        net.eval()
        mine = self.latents[self.dist.rank:: self.dist.world_size]
        feats = []
        for i in range(0, len(mine), self.batch_size):
            faces = net(mine[i: i + self.batch_size].to(self.device)).float().clamp(0, 1)
            feats.append(self.embed(faces))
        net.train(was)
        parts = gather_objects(np.concatenate(feats) if feats else np.zeros((0, 2048)), self.dist)
        fake = self._stats(parts, "generated face set")
        return {"fid": frechet_distance(fake, self.real)}
