"""MEFSR (Wang, Oramas & Tuytelaars, ACCV 2020, "Multiple Exemplars-based Hallucination for Face
Super-resolution and Editing"; the survey's Fig. 8 lists it as WACV 2020): several exemplars of the
same person combined by pixel-wise weighted averaging (PWAve).

No code is public; the layout follows the paper's description, widths and depths ours:

* the LR face (16 x 16 at x8) is enlarged in log2(scale) stages of [residual blocks -> fusion ->
  conv + PixelShuffle(2)], then a last fusion at the HR size and a conv to RGB (plus the bilinearly
  upsampled LR: a global residual, ours);
* every exemplar goes through one shared encoder that gives its features at each stage's size (the HR
  size, then stride-2 convs down to the LR size);
* **PWAve** at each stage: a small weight network scores each exemplar's features against the
  current features, pixel by pixel; a softmax over the exemplars (padding masked out) gives the
  weights of their average, which is concatenated with the current features and merged by a conv.

No landmarks and no explicit alignment (Table 6: "-"): the weights choose, per pixel, the exemplar
whose features fit.

Option ``base`` (ours, for the bundled reference model): the global residual is a frozen single-image
restorer's output instead of the bilinear upsampling - ``"bfr-lite"`` (the package's blind restorer, its
fidelity end) or a ``bfr`` weights file - and the tail starts at zero, so the untrained network *is* that
restorer and training learns only what the exemplars add. The restorer's weights are part of the state
dict (an exported file is self-contained).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from ...ops.resize import imresize
from ..blocks import ResBlock, conv
from .common import ReferenceNet


class PWAve(nn.Module):
    """Pixel-wise weighted average of K exemplar feature maps, weights from [current, exemplar]."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.weight = nn.Sequential(conv(2 * c, c, 3), nn.LeakyReLU(0.2), conv(c, 1, 3))
        self.merge = conv(2 * c, c, 3)

    def forward(self, h: torch.Tensor, ex: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        n, k = ex.shape[:2]
        hk = h.unsqueeze(1).expand(-1, k, -1, -1, -1)
        logits = self.weight(torch.cat([hk, ex], dim=2).flatten(0, 1)).reshape(n, k, 1, *h.shape[-2:])
        if mask is not None:
            logits = logits.masked_fill(~mask.bool()[:, :, None, None, None], float("-inf"))
        fused = (torch.softmax(logits, dim=1) * ex).sum(1)
        return h + self.merge(torch.cat([h, fused], dim=1))


class ExemplarEncoder(nn.Module):
    """HR exemplar -> features at the HR size and at each halving down to the LR size."""

    def __init__(self, c: int, levels: int) -> None:
        super().__init__()
        self.head = nn.Sequential(conv(3, c, 3), nn.LeakyReLU(0.2), ResBlock(c))
        self.downs = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, c, 3, 2, 1), nn.LeakyReLU(0.2), ResBlock(c)) for _ in range(levels)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = [self.head(x)]
        for down in self.downs:
            feats.append(down(feats[-1]))
        return feats  # HR size first


class MEFSR(ReferenceNet):
    """LR face N x 3 x h x w + K exemplars (N x K x 3 x S x S, S = scale * h) -> N x 3 x S x S."""

    upsamples = True
    max_references = None

    def __init__(self, scale: int = 8, features: int = 64, blocks: int = 4, base: str | None = None) -> None:
        super().__init__(scale)
        if scale not in (2, 4, 8, 16):
            raise ConfigError(f"MEFSR enlarges in x2 stages: scales 2, 4, 8, 16, not x{scale}")
        c = features
        self.levels = {2: 1, 4: 2, 8: 3, 16: 4}[scale]
        self.head = conv(3, c, 3)
        self.encoder = ExemplarEncoder(c, self.levels)
        self.stages = nn.ModuleList(nn.Sequential(*[ResBlock(c) for _ in range(blocks)]) for _ in range(self.levels))
        self.fuse = nn.ModuleList(PWAve(c) for _ in range(self.levels + 1))
        self.ups = nn.ModuleList(nn.Sequential(conv(c, 4 * c, 3), nn.PixelShuffle(2)) for _ in range(self.levels))
        self.tail = nn.Sequential(ResBlock(c), conv(c, 3, 3))
        self.base = _frozen_restorer(base, scale) if base else None
        if self.base is not None:
            nn.init.zeros_(self.tail[-1].weight)
            nn.init.zeros_(self.tail[-1].bias)

    def train(self, mode: bool = True) -> MEFSR:
        super().train(mode)
        if self.base is not None:
            self.base.eval()
        return self

    def upsampled(self, x: torch.Tensor) -> torch.Tensor:
        """The global residual: the LR face bilinearly upsampled, or (``base``) the frozen restorer's output
        on its MATLAB-bicubic upsampling; [0,1] N x 3 x S x S."""
        if self.base is None:
            return F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
        with torch.no_grad():
            up = imresize(x.float(), float(self.scale)).clamp(0, 1)
            return self.base(up).float().clamp(0, 1)

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None,
                reference_mask: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        refs, _, mask = self.references(x, reference, None, reference_mask)
        n, k = refs.shape[:2]
        pyramid = [f.reshape(n, k, *f.shape[1:]) for f in self.encoder(refs.flatten(0, 1) * 2 - 1)]
        h = self.head(x * 2 - 1)
        for i in range(self.levels):
            h = self.stages[i](h)
            h = self.fuse[i](h, pyramid[self.levels - i], mask)
            h = self.ups[i](h)
        h = self.fuse[-1](h, pyramid[0], mask)
        return self.upsampled(x) + self.tail(h)


def _frozen_restorer(base: str, scale: int) -> nn.Module:
    """The ``bfr`` network of ``base`` (``"bfr-lite"`` or a weights file), weights loaded, frozen."""
    from ..general.bfr import BFR
    from ..weights import is_pretrained, load_weights, pretrained_weights

    path = pretrained_weights(base, 1) if is_pretrained(base) else base
    state, desc = load_weights(path)
    if desc.get("model") not in (None, "bfr"):
        raise ConfigError(f"MEFSR base {base!r}: weights of {desc['model']!r}, not of a bfr restorer")
    net = BFR(scale=scale, **desc.get("options", {}))
    net.load_state_dict(state)
    return net.eval().requires_grad_(False)
