"""Stacked-hourglass landmark networks (Newell et al.; FAN-style): the building blocks shared by
FSRNet's prior branch and DIC's landmark branch, and a standalone 68-landmark heatmap network.

* :class:`Bottleneck` - residual unit 1x1 (c_in -> c_out/2) -> 3x3 -> 1x1 (-> c_out), with a 1x1
  projection on the skip path when widths differ. ``order="pre"``: BN-ReLU before each conv
  (FSRNet's ``Residual``); ``order="post"``: conv-BN-ReLU, BN after the last conv and on the
  projection (the hourglass units of DIC's landmark estimator); ``norm=False`` drops every BN.
* :class:`Hourglass` - one recursive hourglass of ``depth`` levels: ``skip(x) + up(inner(pool(x)))``
  with residual units before, inside and after each level; upsampling ``nearest`` (FSRNet) or
  ``bilinear`` with aligned corners (DIC).
* :class:`StackedHourglass` - the standalone landmark network: stem (conv 7x7 stride 2 + BN + ReLU,
  residual to c/2, max-pool 2, two residuals to c) brings a ``[0,1]`` RGB face to 1/4 of its size,
  then ``stacks`` hourglasses each followed by a residual, a 1x1 conv-BN-ReLU and a 1x1 conv to one
  heatmap per landmark; intermediate predictions are mapped back (1x1) and added to the features
  (intermediate supervision). A 128x128 face gives 68 x 32 x 32 heatmaps (Gaussians, sigma 1 heatmap
  pixel, :func:`facesr.priors.heatmaps.landmark_heatmaps`).
* :class:`FeedbackHourglass` - DIC's recurrent landmark estimator (``FeedbackHourGlass``): the stem
  without BN, concatenation with the previous step's hidden state, a 1x1 conv, one hourglass of
  twice the width; the first half of its output gives the heatmaps, the second half the next hidden
  state.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError


class Bottleneck(nn.Module):
    """Residual unit 1x1 -> 3x3 -> 1x1 at half the output width (see module doc for ``order``)."""

    def __init__(self, cin: int, cout: int, *, order: str = "post", norm: bool = True) -> None:
        super().__init__()
        if order not in ("pre", "post"):
            raise ConfigError(f"Bottleneck order must be 'pre' or 'post', got {order!r}")
        mid = cout // 2
        widths = ((cin, mid, 1), (mid, mid, 3), (mid, cout, 1))
        layers: list[nn.Module] = []
        for i, (a, b, k) in enumerate(widths):
            conv = nn.Conv2d(a, b, k, padding=k // 2)
            if order == "pre":
                layers += [nn.BatchNorm2d(a)] if norm else []
                layers += [nn.ReLU(inplace=True), conv]
            else:
                layers.append(conv)
                layers += [nn.BatchNorm2d(b)] if norm else []
                if i < 2:
                    layers.append(nn.ReLU(inplace=True))
        self.body = nn.Sequential(*layers)
        if cin == cout:
            self.skip: nn.Module = nn.Identity()
        elif order == "post" and norm:
            self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1), nn.BatchNorm2d(cout))
        else:
            self.skip = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.body(x)


Unit = Callable[[int, int], nn.Module]


class Hourglass(nn.Module):
    """``depth``-level hourglass at constant width ``channels``; input sides must be multiples of
    ``2**depth``. ``unit(cin, cout)`` builds its residual units; ``upsample``: nearest or bilinear."""

    def __init__(self, depth: int, channels: int, unit: Unit, upsample: str = "nearest") -> None:
        super().__init__()
        if depth < 1:
            raise ConfigError(f"hourglass depth must be >= 1, got {depth}")
        if upsample not in ("nearest", "bilinear"):
            raise ConfigError(f"hourglass upsample must be nearest or bilinear, got {upsample!r}")
        c = channels
        self.upper = unit(c, c)
        self.lower_in = unit(c, c)
        self.inner = Hourglass(depth - 1, c, unit, upsample) if depth > 1 else unit(c, c)
        self.lower_out = unit(c, c)
        self.upsample = upsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low = self.lower_out(self.inner(self.lower_in(F.max_pool2d(x, 2))))
        if self.upsample == "bilinear":
            low = F.interpolate(low, scale_factor=2, mode="bilinear", align_corners=True)
        else:
            low = F.interpolate(low, scale_factor=2, mode="nearest")
        return self.upper(x) + low


def _post(norm: bool) -> Unit:
    return lambda a, b: Bottleneck(a, b, order="post", norm=norm)


def landmark_stem(channels: int, norm: bool) -> nn.Sequential:
    """conv 7x7 stride 2 (3 -> c/4) [+ BN] + ReLU, residual to c/2, max-pool 2, residuals to c/2 and c:
    a face of side S -> ``channels`` features of side S/4."""
    c, unit = channels, _post(norm)
    layers: list[nn.Module] = [nn.Conv2d(3, c // 4, 7, stride=2, padding=3)]
    layers += [nn.BatchNorm2d(c // 4)] if norm else []
    layers += [nn.ReLU(inplace=True), unit(c // 4, c // 2), nn.MaxPool2d(2), unit(c // 2, c // 2), unit(c // 2, c)]
    return nn.Sequential(*layers)


def _head(channels: int, landmarks: int, norm: bool) -> tuple[nn.Module, nn.Module]:
    lin: list[nn.Module] = [nn.Conv2d(channels, channels, 1)]
    lin += [nn.BatchNorm2d(channels)] if norm else []
    lin.append(nn.ReLU(inplace=True))
    return nn.Sequential(_post(norm)(channels, channels), *lin), nn.Conv2d(channels, landmarks, 1)


def _check_face(net: nn.Module, x: torch.Tensor, multiple: int) -> None:
    name = type(net).__name__
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != 3:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(f"{name} expects an N x 3 x H x W [0,1] RGB face batch, got {shape}")
    h, w = int(x.shape[-2]), int(x.shape[-1])
    if h % multiple or w % multiple:
        raise InputError(f"{name} needs height and width multiples of {multiple}, got {h}x{w}")


class StackedHourglass(nn.Module):
    """Standalone landmark network: ``[0,1]`` RGB N x 3 x S x S face -> N x K x S/4 x S/4 heatmaps.

    ``stacks`` hourglasses of ``depth`` levels at ``channels`` features (FAN: 4 stacks, 256; the
    CPU default here: 2 stacks, 128). ``forward(x, all_stacks=True)`` returns every stack's
    heatmaps (a list) for intermediate supervision. Sides must be multiples of ``4 * 2**depth``.
    """

    def __init__(self, landmarks: int = 68, stacks: int = 2, channels: int = 128, depth: int = 4,
                 norm: bool = True) -> None:
        super().__init__()
        if stacks < 1 or channels < 8 or channels % 4:
            raise ConfigError(f"StackedHourglass needs stacks >= 1 and channels a multiple of 4 (>= 8), "
                              f"got {stacks}, {channels}")
        self.landmarks, self.depth = int(landmarks), int(depth)
        self.stem = landmark_stem(channels, norm)
        self.hourglasses = nn.ModuleList(Hourglass(depth, channels, _post(norm)) for _ in range(stacks))
        heads = [_head(channels, landmarks, norm) for _ in range(stacks)]
        self.features = nn.ModuleList(h[0] for h in heads)
        self.predict = nn.ModuleList(h[1] for h in heads)
        self.merge_features = nn.ModuleList(nn.Conv2d(channels, channels, 1) for _ in range(stacks - 1))
        self.merge_predictions = nn.ModuleList(nn.Conv2d(landmarks, channels, 1) for _ in range(stacks - 1))

    def forward(self, x: torch.Tensor, all_stacks: bool = False) -> torch.Tensor | list[torch.Tensor]:
        _check_face(self, x, 4 * 2**self.depth)
        f = self.stem(x * 2.0 - 1.0)
        outs = []
        for i, hg in enumerate(self.hourglasses):
            ll = self.features[i](hg(f))
            out = self.predict[i](ll)
            outs.append(out)
            if i < len(self.merge_features):
                f = f + self.merge_features[i](ll) + self.merge_predictions[i](out)
        return outs if all_stacks else outs[-1]


class FeedbackHourglass(nn.Module):
    """DIC's recurrent landmark estimator: ``(face, hidden or None) -> (heatmaps, hidden)``.

    Face N x 3 x S x S (``[0,1]`` RGB) -> heatmaps N x K x S/4 x S/4 and a hidden state of
    ``channels`` maps at S/4 (the first call uses the stem features twice, as the reference).
    """

    def __init__(self, landmarks: int = 68, channels: int = 256, depth: int = 4) -> None:
        super().__init__()
        c = channels
        self.channels, self.depth = c, depth
        self.stem = landmark_stem(c, norm=False)
        self.compress = nn.Conv2d(2 * c, 2 * c, 1)
        self.hourglass = Hourglass(depth, 2 * c, _post(False), upsample="bilinear")
        features, self.predict = _head(c, landmarks, norm=False)
        self.features = features

    def forward(self, x: torch.Tensor, hidden: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.stem(x)
        f = self.hourglass(self.compress(torch.cat([f, f if hidden is None else hidden], dim=1)))
        c = self.channels
        return self.predict(self.features(f[:, :c])), f[:, c:]
