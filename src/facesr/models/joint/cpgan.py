"""CPGAN (Zhang et al., CVPR 2020) with the landmark estimation of its recursive version Re-CPGAN
(TPAMI 2021): face SR of shaded thumbnails with a normally lit guide face (survey §4.7.3).

* **Internal CPnet** (at the LR size): conv 3->f, then ``internal_blocks`` x [residual block, copy-and-
  paste block on the map itself], conv; a global skip.
* **Guide encoder**: the HR guide face (``reference``, ``N x 3 x S x S``) through a conv and stride-2 convs
  to the size of every upsampling stage.
* **External CPnet**, coarse to fine, one stage per x2: [landmark heatmaps estimated from the current
  features and merged back into them by a 1x1 conv (Re-CPGAN), external copy-and-paste from the guide
  features of that size, residual block, 4x4 deconvolution x2]; conv f->3 at the HR size.

Training (``aux=True``) returns ``heatmaps_pred`` (the last stage's estimate, resized to
``heatmap_size``) and ``landmarks_hr`` (the package's hourglass network on the HR face, a training
input, as their target) besides ``sr``. Losses (configs/joint/cpgan*): pixel, identity (perceptual),
structure (heatmaps of SR vs HR), illumination compensation (Gram matrices of SR vs guide) and
adversarial. Widths, depths and the pooled guide keys are ours.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from ..blocks import ResBlock, conv
from ..reference.common import ReferenceNet, estimate_landmarks
from .copy_paste import CopyPaste


class InternalCPNet(nn.Module):
    """LR ``N x 3 x h x w`` -> ``N x f x h x w`` features enhanced by self-similarity."""

    def __init__(self, features: int, blocks: int) -> None:
        super().__init__()
        self.head = conv(3, features, 3)
        self.blocks = nn.ModuleList(nn.ModuleList([ResBlock(features), CopyPaste(features)]) for _ in range(blocks))
        self.tail = conv(features, features, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x * 2.0 - 1.0)
        y = h
        for res, cp in self.blocks:
            y = cp(res(y))
        return h + self.tail(y)


class GuideEncoder(nn.Module):
    """HR guide ``N x 3 x S x S`` -> features at ``S / 2**k`` for ``k = 1 .. stages`` (coarsest first)."""

    def __init__(self, features: int, stages: int) -> None:
        super().__init__()
        self.head = nn.Sequential(conv(3, features, 3), nn.LeakyReLU(0.2, inplace=True))
        self.downs = nn.ModuleList(
            nn.Sequential(nn.Conv2d(features, features, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True))
            for _ in range(stages))

    def forward(self, guide: torch.Tensor) -> list[torch.Tensor]:
        h, out = self.head(guide * 2.0 - 1.0), []
        for down in self.downs:
            h = down(h)
            out.append(h)
        return out[::-1]


class ExternalStage(nn.Module):
    """One coarse-to-fine stage: landmark estimate merged in, external copy-and-paste, residual block, x2."""

    def __init__(self, features: int, landmarks: int) -> None:
        super().__init__()
        self.heatmaps = nn.Sequential(conv(features, features, 3), nn.ReLU(inplace=True),
                                      nn.Conv2d(features, landmarks, 1))
        self.merge = nn.Conv2d(features + landmarks, features, 1)
        self.copy_paste = CopyPaste(features)
        self.res = ResBlock(features)
        self.up = nn.Sequential(nn.ConvTranspose2d(features, features, 4, 2, 1), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor, guide: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hm = self.heatmaps(x)
        y = self.merge(torch.cat([x, hm], dim=1))
        return self.up(self.res(self.copy_paste(y, guide))), hm


class CPGAN(ReferenceNet):
    """Shaded LR face ``N x 3 x h x w`` + normally lit guide ``reference`` ``N x 3 x S x S`` (``S = scale h``)
    -> ``N x 3 x S x S``. ``landmarks``: heatmaps estimated per stage (68: iBUG)."""

    upsamples = True
    training_inputs = ("hr",)
    aux_outputs = ("heatmaps_pred", "landmarks_hr")

    def __init__(self, scale: int = 8, features: int = 64, internal_blocks: int = 2, landmarks: int = 68,
                 heatmap_size: int = 32) -> None:
        super().__init__(scale)
        if scale not in (2, 4, 8, 16):
            raise ConfigError(f"CPGAN supports x2, x4, x8 and x16 (one deconvolution stage per x2), not x{scale}")
        if landmarks != 68:
            raise ConfigError(f"CPGAN estimates the 68 iBUG landmarks (its targets come from the 68-point "
                              f"hourglass), got landmarks={landmarks}")
        stages = {2: 1, 4: 2, 8: 3, 16: 4}[scale]
        self.internal = InternalCPNet(features, internal_blocks)
        self.guide = GuideEncoder(features, stages)
        self.stages = nn.ModuleList(ExternalStage(features, landmarks) for _ in range(stages))
        self.tail = conv(features, 3, 3)
        self.heatmap_size = int(heatmap_size)

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None, hr: torch.Tensor | None = None,
                aux: bool = False):
        self.check_input(x)
        refs, _, _ = self.references(x, reference)
        guides = self.guide(refs[:, 0])
        y = self.internal(x)
        hm = None
        for stage, g in zip(self.stages, guides):
            y, hm = stage(y, g)
        sr = (self.tail(y) + 1.0) / 2.0
        if not aux:
            return sr
        if hr is None:
            raise ConfigError("CPGAN trains its landmark estimates on the HR face: pass hr= with aux=True")
        s = self.heatmap_size
        pred = F.interpolate(hm, size=(s, s), mode="bilinear", align_corners=False)
        return {"sr": sr, "heatmaps_pred": pred, "landmarks_hr": estimate_landmarks(hr)}
