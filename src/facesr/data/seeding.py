"""Reproducible randomness for data loading: per-sample generators that do not depend on workers.

Every sample draws from generators derived from ``(base seed, epoch, sample index)`` with numpy's
``SeedSequence``, so any number of DataLoader workers, in any order, produce the same samples.
"""

from __future__ import annotations

import numpy as np


def sample_rngs(seed: int, epoch: int, index: int, n: int = 3) -> list[np.random.Generator]:
    """``n`` independent generators for one sample (e.g. augmentation, degradation, reference pick)."""
    ss = np.random.SeedSequence([int(seed), int(epoch), int(index)])
    return [np.random.default_rng(child) for child in ss.spawn(n)]


def seed_worker(worker_id: int) -> None:
    """``worker_init_fn`` for ``torch.utils.data.DataLoader``: seeds Python's and numpy's global
    generators from torch's per-worker seed, for any third-party code that uses them."""
    import random

    import torch

    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)
