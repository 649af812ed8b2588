"""DIC / DICGAN (Ma et al., CVPR'20, Deep Iterative Collaboration): recurrent SR and landmark
estimation that help each other over ``steps`` iterations (x8 only, raw 16 x 16 LR input).

* head: conv 3x3 (3 -> 4F) + PReLU, PixelShuffle(2) -> F features at 2x LR size (F = 48);
* step 0: a feedback block (SRFBN): 1x1 compression, ``groups`` projection groups, each an
  up-projection (transposed conv 12x12 stride 8 padding 2: the reference passes the SR factor 8 to
  SRFBN's block, so projections run at 8x the 32 x 32 feature size) and a down-projection (conv
  12x12 stride 8), with
  1x1 "transition" convs over all earlier projections (dense), then a 1x1 output compression;
* recovery: transposed conv 8x8 stride 4 (F -> F) + PReLU, conv 3x3 (F -> 3), plus the bilinear x8
  LR -> SR_t;
* landmark branch: :class:`~facesr.models.prior.hourglass.FeedbackHourglass` (256 features, 68
  heatmaps at 32 x 32) on SR_t, its hidden state carried to the next step;
* steps 1..: one shared attention feedback block: concat(LR features, last block output) -> 1x1,
  attentive fusion (1x1 F -> 5F, ``fusion_blocks`` residual blocks of 5 groups, LReLU; the 68
  heatmaps merged into 5 part maps - eyes, nose, mouth, contour - each divided by its maximum (at
  least 0.05), softmax over the parts, weighting the 5 feature groups, which are summed), then
  the same projection groups.

Every conv has a bias and (but the fusion block, LReLU 0.2, and the output conv) a one-parameter
PReLU (init 0.2); no normalisation. Output SR_t and heatmaps_t for every step; the last SR is the
result. DICGAN adds a LightCNN-style discriminator (:class:`LightCNNDiscriminator`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from .hourglass import FeedbackHourglass

#: DIC's part groups of the 68 iBUG landmarks (0-based index ranges): image-left eye, right eye,
#: nose, mouth, face contour (with the brows).
PART_RANGES: tuple[tuple[int, int], ...] = ((36, 42), (42, 48), (27, 36), (48, 68), (0, 27))


def _act(conv: nn.Module) -> nn.Sequential:
    return nn.Sequential(conv, nn.PReLU(num_parameters=1, init=0.2))


def _conv(cin: int, cout: int, k: int, stride: int = 1, padding: int | None = None) -> nn.Sequential:
    return _act(nn.Conv2d(cin, cout, k, stride, k // 2 if padding is None else padding))


def _deconv(cin: int, cout: int, k: int = 8, stride: int = 4, padding: int = 2) -> nn.Sequential:
    return _act(nn.ConvTranspose2d(cin, cout, k, stride, padding))


def merge_parts(heatmaps: torch.Tensor) -> torch.Tensor:
    """N x 68 x h x w heatmaps -> N x 5 part maps: each map divided by its maximum (at least 0.05),
    then summed over the landmarks of each part (:data:`PART_RANGES`)."""
    if heatmaps.shape[1] != 68:
        raise InputError(f"DIC part attention needs 68 landmark heatmaps, got {heatmaps.shape[1]}")
    peak = heatmaps.amax(dim=(2, 3), keepdim=True).clamp(min=0.05)
    hm = heatmaps / peak
    return torch.stack([hm[:, a:b].sum(dim=1) for a, b in PART_RANGES], dim=1)


class ProjectionGroups(nn.Module):
    """The feedback block body: ``groups`` dense up/down projections at ``features`` channels."""

    def __init__(self, features: int, groups: int, kernel: int = 12, stride: int = 8, padding: int = 2) -> None:
        super().__init__()
        f, k = features, kernel
        self.up = nn.ModuleList(_deconv(f, f, k, stride, padding) for _ in range(groups))
        self.down = nn.ModuleList(_conv(f, f, k, stride, padding) for _ in range(groups))
        self.up_transition = nn.ModuleList(_conv(f * (i + 1), f, 1) for i in range(1, groups))
        self.down_transition = nn.ModuleList(_conv(f * (i + 1), f, 1) for i in range(1, groups))
        self.compress_out = _conv(groups * f, f, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lows, highs = [x], []
        for i, (up, down) in enumerate(zip(self.up, self.down)):
            low = torch.cat(lows, dim=1)
            highs.append(up(low if i == 0 else self.up_transition[i - 1](low)))
            high = torch.cat(highs, dim=1)
            lows.append(down(high if i == 0 else self.down_transition[i - 1](high)))
        return self.compress_out(torch.cat(lows[1:], dim=1))


class GroupedResBlock(nn.Module):
    """x + conv(LReLU(conv(x))), 3x3 convs in ``groups`` groups."""

    def __init__(self, channels: int, groups: int) -> None:
        super().__init__()
        c = channels
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, groups=groups), nn.LeakyReLU(0.2, inplace=True),
                                  nn.Conv2d(c, c, 3, padding=1, groups=groups))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class AttentionFusion(nn.Module):
    """DIC's attentive fusion: features -> ``parts`` feature groups weighted by softmax part maps."""

    def __init__(self, features: int, parts: int = 5, blocks: int = 7) -> None:
        super().__init__()
        c = features * parts
        self.parts = parts
        self.expand = nn.Sequential(nn.Conv2d(features, c, 1), nn.LeakyReLU(0.2, inplace=True))
        self.body = nn.Sequential(*[GroupedResBlock(c, parts) for _ in range(blocks)])

    def forward(self, x: torch.Tensor, part_maps: torch.Tensor) -> torch.Tensor:
        f = self.body(self.expand(x))
        n, _, h, w = f.shape
        attention = F.softmax(part_maps, dim=1).unsqueeze(2)
        return (f.view(n, self.parts, -1, h, w) * attention).sum(dim=1)


class DIC(SRNet):
    """DIC generator: raw 16 x 16-style LR [0,1] RGB N x 3 x h x w -> N x 3 x 8h x 8w.

    ``forward(x)`` returns the last step's SR; ``forward(x, aux=True)`` a dict with ``sr`` and, for
    each step t = 1..steps, ``sr_t`` (N x 3 x 8h x 8w) and ``heatmaps_t`` (N x 68 x 2h x 2w).
    ``detach_attention``: stop gradients from the attention into the landmark branch.
    """

    upsamples = True
    size_multiple = 2

    def __init__(self, scale: int = 8, features: int = 48, groups: int = 6, steps: int = 4, fusion_blocks: int = 7,
                 hg_features: int = 256, landmarks: int = 68, detach_attention: bool = False) -> None:
        super().__init__(scale)
        if scale != 8:
            raise ConfigError(f"DIC is defined for x8 only, not x{scale}")
        if steps < 1:
            raise ConfigError(f"DIC needs steps >= 1, got {steps}")
        f = features
        self.steps, self.detach_attention = int(steps), bool(detach_attention)
        self.aux_outputs = tuple(f"{k}_{t}" for t in range(1, steps + 1) for k in ("sr", "heatmaps"))
        self.head = nn.Sequential(_conv(3, 4 * f, 3), nn.PixelShuffle(2))
        self.first_compress = _conv(f, f, 1)
        self.first_groups = ProjectionGroups(f, groups)
        self.compress = _conv(2 * f, f, 1)
        self.fusion = AttentionFusion(f, len(PART_RANGES), fusion_blocks)
        self.groups = ProjectionGroups(f, groups)
        self.recover = nn.Sequential(_deconv(f, f), nn.Conv2d(f, 3, 3, padding=1))
        self.landmarks = FeedbackHourglass(landmarks, hg_features)
        self.size_multiple = max(2, 4 * 2**self.landmarks.depth // scale)  # the hourglass halves S/4 depth times

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        base = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
        lr_feat = self.head(x)
        out: dict[str, torch.Tensor] = {}
        hidden = heatmaps = block = None
        for t in range(1, self.steps + 1):
            if block is None:
                block = self.first_groups(self.first_compress(lr_feat))
            else:
                parts = merge_parts(heatmaps.detach() if self.detach_attention else heatmaps)
                fused = self.fusion(self.compress(torch.cat([lr_feat, block], dim=1)), parts)
                block = self.groups(fused)
            sr = base + self.recover(block)
            heatmaps, hidden = self.landmarks(sr, hidden)
            out[f"sr_{t}"], out[f"heatmaps_{t}"] = sr, heatmaps
        if not aux:
            return out[f"sr_{self.steps}"]
        return {"sr": out[f"sr_{self.steps}"], **out}


def _mfm(cin: int, cout: int, k: int, stride: int = 1) -> nn.Module:
    return MaxFeatureMap(nn.Conv2d(cin, 2 * cout, k, stride, k // 2))


class MaxFeatureMap(nn.Module):
    """Max-feature-map activation (LightCNN): a layer with 2C outputs -> elementwise max of its halves."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.layer(x).chunk(2, dim=1)
        return torch.maximum(a, b)


class LightCNNDiscriminator(nn.Module):
    """DICGAN's discriminator in the LightCNN-9 layout for [0,1] RGB N x 3 x S x S (S multiple of 16):
    MFM conv 5x5 (48), pool, [MFM 1x1, MFM 3x3] groups to 96, 192, 128, 128 with pools, MFM FC (256),
    FC -> 1 logit (N x 1)."""

    def __init__(self, image_size: int = 128, widths: tuple[int, ...] = (48, 96, 192, 128, 128)) -> None:
        super().__init__()
        if image_size % 16:
            raise ConfigError(f"LightCNN discriminator image_size must be a multiple of 16, got {image_size}")
        w = widths
        self.image_size = image_size
        layers: list[nn.Module] = [_mfm(3, w[0], 5), nn.MaxPool2d(2)]
        for i in range(1, len(w)):
            layers += [_mfm(w[i - 1], w[i - 1], 1), _mfm(w[i - 1], w[i], 3)]
            if i in (1, 2, len(w) - 1):
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        side = image_size // 16
        self.head = nn.Sequential(nn.Flatten(), MaxFeatureMap(nn.Linear(side * side * w[-1], 512)), nn.Linear(256, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.image_size
        if x.dim() != 4 or tuple(x.shape[1:]) != (3, s, s):
            raise InputError(f"DICGAN discriminator expects N x 3 x {s} x {s} faces, got {tuple(x.shape)}")
        return self.head(self.features(x * 2.0 - 1.0))
