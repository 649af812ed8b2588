"""Tiny configs and data for the training tests (kept small: 2 shared CPU cores)."""

from __future__ import annotations

import torch

from facesr.training import config_from_dict

TINY_RCAN = {"n_resgroups": 1, "n_resblocks": 2, "n_feats": 8, "reduction": 4}


def tiny_config(output, **changes) -> dict:
    cfg = {
        "name": "tiny",
        "output": str(output),
        "scale": 8,
        "seed": 0,
        "generator": {"model": "rcan", "options": dict(TINY_RCAN), "optimizer": {"type": "adam", "lr": 1e-3}},
        "losses": {"pixel": {"type": "l1", "weight": 1.0}},
        "data": {"train": {"dataset": "celeba", "limit": 16, "size": 32, "batch_size": 2},
                 "val": {"enabled": False}},
        "train": {"iterations": 6, "log_every": 1, "checkpoint_every": 3, "device": "cpu", "progress": False,
                  "tensorboard": False, "threads": 1, "deterministic": True},
    }
    for key, value in changes.items():
        node = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return cfg


class RandomPairs(torch.utils.data.Dataset):
    """``n`` fixed random LR/HR pairs (HR ``size`` px, LR ``size // scale``)."""

    def __init__(self, n: int = 8, size: int = 32, scale: int = 8, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.hr = torch.rand(n, 3, size, size, generator=g)
        self.lr = torch.nn.functional.avg_pool2d(self.hr, scale)

    def __len__(self) -> int:
        return self.hr.shape[0]

    def __getitem__(self, i: int) -> dict:
        return {"lr": self.lr[i], "hr": self.hr[i]}


def build(output, train_set=None, resume=None, **changes):
    from facesr.training import Trainer

    cfg = config_from_dict(tiny_config(output, **changes))
    return Trainer(cfg, train_set=train_set if train_set is not None else RandomPairs(), resume=resume)


class CachedPairs(torch.utils.data.Dataset):
    """The items of ``dataset`` computed once (fixed degradation draws; for short tests)."""

    def __init__(self, dataset, n: int) -> None:
        self.items = [dataset[i] for i in range(min(n, len(dataset)))]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        return self.items[i]
