"""Losses on facial landmark heatmaps and parsing maps (survey Eq. 15 in the forms of FSRNet, DIC and
Super-FAN).

* :class:`LandmarkHeatmapLoss` - estimated heatmaps against Gaussians drawn from the true landmarks
  at the estimate's own resolution (FSRNet's half-size priors, DIC's 32 x 32 maps, sigma in heatmap
  pixels), so no heatmap size has to be fixed by the data.
* :class:`ParsingMapLoss` - estimated parsing maps (one channel per class) against the true label
  map turned into per-class maps and area-averaged to the estimate's size (FSRNet's MSE), or cross
  entropy on labels resized by nearest neighbour.
* :class:`FANHeatmapLoss` - Super-FAN's heatmap loss: distance of the heatmaps a frozen landmark
  network finds in the SR and in the HR face.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, InputError
from ._norms import check_criterion, distance


def render_heatmaps(landmarks: torch.Tensor, size: tuple[int, int], sigma: float, stride: float) -> torch.Tensor:
    """N x K x 2 ``(x, y)`` image pixels -> N x K x H x W Gaussians peaking at 1, evaluated at pixel
    centres of a map ``stride`` times smaller than the image (the convention of
    :func:`facesr.priors.heatmaps.landmark_heatmaps`). Non-finite points give empty maps."""
    h, w = size
    pts = (landmarks.to(torch.float32) + 0.5) / stride - 0.5
    xs = torch.arange(w, dtype=torch.float32, device=pts.device)
    ys = torch.arange(h, dtype=torch.float32, device=pts.device)
    gx = torch.exp(-((xs - pts[..., :1]) ** 2) / (2 * sigma**2))  # N x K x W
    gy = torch.exp(-((ys - pts[..., 1:]) ** 2) / (2 * sigma**2))  # N x K x H
    maps = gy.unsqueeze(-1) * gx.unsqueeze(-2)
    return torch.nan_to_num(maps, nan=0.0, posinf=0.0, neginf=0.0)


class LandmarkHeatmapLoss(nn.Module):
    """Eq. 15 (prior loss) on landmark heatmaps, ``||H_pred - G(landmarks)||``: ``pred`` N x K x h x w,
    ``landmarks`` N x K x 2 in pixels of an
    ``image_size`` face; ``sigma`` in heatmap pixels (DIC: 1 at 32 x 32); ``criterion`` mse (default),
    l1 or fro."""

    def __init__(self, sigma: float = 1.0, image_size: int = 128, criterion: str = "mse") -> None:
        super().__init__()
        if sigma <= 0 or image_size < 1:
            raise ConfigError(f"heatmap loss needs sigma > 0 and image_size >= 1, got {sigma}, {image_size}")
        self.sigma, self.image_size = float(sigma), int(image_size)
        self.criterion = check_criterion(criterion)

    def forward(self, pred: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        if landmarks.dim() != 3 or landmarks.shape[:2] != pred.shape[:2]:
            raise InputError(f"heatmap loss: {pred.shape[1]} estimated maps but landmarks of shape "
                             f"{tuple(landmarks.shape)} (need N x {pred.shape[1]} x 2)")
        target = render_heatmaps(landmarks.detach(), tuple(pred.shape[-2:]), self.sigma,
                                 self.image_size / pred.shape[-1])
        return distance(pred, target.to(pred.dtype), self.criterion)


class ParsingMapLoss(nn.Module):
    """Eq. 15 (prior loss) on parsing maps: estimated parsing maps (N x C x h x w, channel c = class
    ``classes[c]``) against a label map
    (N x H x W, CelebAMask-HQ ids, :data:`facesr.priors.parsing.CELEBAMASK_CLASSES`).

    ``criterion="mse"`` (FSRNet): per-class indicator maps, area-averaged to h x w; ``"ce"``: cross
    entropy on labels sampled to h x w by nearest neighbour (pixels of classes not listed are
    ignored). Default ``classes``: FSRNet's 11 (Helen's classes).
    """

    def __init__(self, classes: Sequence[str] | None = None, criterion: str = "mse") -> None:
        super().__init__()
        from ..models.prior.fsrnet import PARSING_CLASSES
        from ..priors.parsing import CLASS_ID

        names = tuple(classes) if classes is not None else PARSING_CLASSES
        unknown = [c for c in names if c not in CLASS_ID]
        if unknown:
            raise ConfigError(f"parsing loss: unknown class(es) {unknown} (known: {', '.join(CLASS_ID)})")
        self.criterion = criterion if criterion == "ce" else check_criterion(criterion)
        lookup = torch.full((256,), -1, dtype=torch.long)
        for i, c in enumerate(names):
            lookup[CLASS_ID[c]] = i
        self.register_buffer("lookup", lookup, persistent=False)
        self.classes = names

    def forward(self, pred: torch.Tensor, parsing: torch.Tensor) -> torch.Tensor:
        if pred.shape[1] != len(self.classes) or parsing.dim() != 3:
            raise InputError(f"parsing loss: {pred.shape[1]} estimated maps for {len(self.classes)} classes, "
                             f"labels of shape {tuple(parsing.shape)} (need N x H x W)")
        index = self.lookup.to(parsing.device)[parsing.long().clamp(0, 255)]
        if self.criterion == "ce":
            small = F.interpolate(index[:, None].float(), size=pred.shape[-2:], mode="nearest")[:, 0].long()
            return F.cross_entropy(pred, small, ignore_index=-1)
        onehot = F.one_hot(index.clamp(min=0), len(self.classes)).permute(0, 3, 1, 2).to(pred.dtype)
        onehot = onehot * (index >= 0).unsqueeze(1).to(pred.dtype)
        target = F.adaptive_avg_pool2d(onehot, pred.shape[-2:])
        return distance(pred, target, self.criterion)


class FANHeatmapLoss(nn.Module):
    """Eq. 15 (prior loss) as Super-FAN's heatmap loss ``||FAN(sr) - FAN(hr)||`` with a frozen
    stacked-hourglass landmark net.

    ``weights``: ``"bundled"`` (default: the 68-landmark hourglass shipped in the package) or a file
    written by the landmark trainer (:func:`facesr.models.prior.landmark_net.save_landmark_net`),
    loaded on first use; ``"random"``:
    an untrained network built from ``options`` (for smoke tests only - its heatmaps mean nothing).
    ``criterion``: mse (default), l1 or fro. Gradients flow to ``sr`` only.
    """

    def __init__(self, weights: str | None = "bundled", criterion: str = "mse",
                 options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.weights = str(weights or "bundled")
        self.options = dict(options or {})
        self.criterion = check_criterion(criterion)
        self.net: nn.Module | None = None

    def _network(self, device: torch.device) -> nn.Module:
        if self.net is None:
            if self.weights == "random":
                from ..models.prior.hourglass import StackedHourglass

                try:
                    net = StackedHourglass(**self.options)
                except TypeError as exc:
                    raise ConfigError(f"loss fan_heatmap: bad network option ({exc})") from None
            else:
                from ..models.prior.landmark_net import load_landmark_net

                net = load_landmark_net(self.weights)
            self.net = net.to(device).eval().requires_grad_(False)
        return self.net

    def train(self, mode: bool = True) -> FANHeatmapLoss:
        super().train(mode)
        if self.net is not None:
            self.net.eval()  # frozen, BN statistics included
        return self

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        net = self._network(sr.device)
        with torch.no_grad():
            target = net(hr.detach())
        return distance(net(sr), target, self.criterion)
