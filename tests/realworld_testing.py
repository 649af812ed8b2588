"""In-memory faces for the tests of the general family's GANs (tests/models/general/): importable as
``realworld_testing`` (``tests`` is on pytest's path)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


class SmoothFaces(torch.utils.data.Dataset):
    """``n`` smooth 128 px 'faces' (bicubic-enlarged 8 x 8 noise) with their x8 LR (area average) and, when
    ``real``, an unpaired noisy 'real' LR face (``lr_real``) made from another face."""

    def __init__(self, n: int = 4, real: bool = True) -> None:
        g = torch.Generator().manual_seed(0)
        small = torch.rand(n, 3, 8, 8, generator=g)
        self.hr = F.interpolate(small, size=(128, 128), mode="bicubic", align_corners=False).clamp(0, 1)
        self.lr = F.avg_pool2d(self.hr, 8)
        self.real = (self.lr.flip(0) + 0.05 * torch.randn(n, 3, 16, 16, generator=g)).clamp(0, 1) if real else None

    def __len__(self) -> int:
        return self.hr.shape[0]

    def __getitem__(self, i: int) -> dict:
        item = {"hr": self.hr[i], "lr": self.lr[i], "index": torch.tensor(i), "seed": torch.tensor(i)}
        if self.real is not None:
            item["lr_real"] = self.real[i]
        return item
