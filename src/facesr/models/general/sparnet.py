"""SPARNet (Chen et al., TIP'21): face SR with Face Attention Units (spatial attention).

Works on the bicubic-upsampled face (``in_size`` 128). Encoder conv 3x3 (3 -> 32), three
down-sampling FAUs 32 -> 64 -> 128 -> 128 (128 -> 16 px, hourglass depths 4, 3, 2), ``res_depth``
FAUs at 16x16 (depth 2), three up-sampling FAUs 128 -> 128 -> 64 -> 32 (depths 3, 4, 5), conv 3x3
(32 -> 3). No global skip. Channels are clipped to [min_ch, max_ch].

Face Attention Unit: shortcut (identity, or a 3x3 conv when size or width changes) +
A(conv2(conv1(LReLU(BN(x))))), conv1 = conv-BN-LReLU(0.2), conv2 = conv-BN; "down" units stride
conv2, "up" units upsample (nearest x2) before conv1. A multiplies its input by an attention map
from a small hourglass (64 mid channels; each level: a skip conv, a stride-2 conv, the next level,
nearest-x2 + conv; conv-BN-LReLU throughout) followed by conv (64 -> 1) + sigmoid for "spar"
(one 2-D map) or conv (64 -> C) for "spar3d" (a map per channel, the Light-Attn3D variant). All
convs use reflection padding; convs followed by BN have no bias. Data is [-1,1] inside (the
reference loader's range); init N(0, 0.02) for convs, N(1, 0.02) for BN weights.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ConfigError
from ..base import SRNet


def conv_layer(cin: int, cout: int, *, resample: str = "none", norm: bool = True, act: bool = True,
               k: int = 3) -> nn.Sequential:
    """[nearest x2] -> reflection pad -> conv (stride 2 for "down") -> [BN] -> [LeakyReLU 0.2]."""
    layers: list[nn.Module] = []
    if resample == "up":
        layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    stride = 2 if resample == "down" else 1
    layers += [nn.ReflectionPad2d(k // 2), nn.Conv2d(cin, cout, k, stride, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(cout))
    if act:
        layers.append(nn.LeakyReLU(0.2, inplace=True))
    return nn.Sequential(*layers)


class HourglassLevel(nn.Module):
    """One hourglass level: skip(x) + up(inner(down(x))) (inner = next level or one conv)."""

    def __init__(self, depth: int, cin: int, cmid: int) -> None:
        super().__init__()
        self.skip = conv_layer(cin, cmid)
        self.down = conv_layer(cin, cmid, resample="down")
        self.inner = HourglassLevel(depth - 1, cmid, cmid) if depth > 1 else conv_layer(cmid, cmid)
        self.up = conv_layer(cmid, cmid, resample="up")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.skip(x)
        low = self.up(self.inner(self.down(x)))
        if low.shape[-2:] != skip.shape[-2:]:  # odd sizes
            low = nn.functional.interpolate(low, size=skip.shape[-2:], mode="nearest")
        return skip + low


class SpatialAttention(nn.Module):
    """x * sigmoid(conv(hourglass(x))): one map ("spar") or one per channel ("spar3d")."""

    def __init__(self, depth: int, channels: int, maps: int, cmid: int = 64) -> None:
        super().__init__()
        self.hourglass = HourglassLevel(depth, channels, cmid)
        self.to_map = nn.Sequential(conv_layer(cmid, maps, norm=False, act=False), nn.Sigmoid())

    def attention_map(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_map(self.hourglass(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.attention_map(x)


class FaceAttentionUnit(nn.Module):
    """Pre-activation residual block whose residual is weighted by spatial attention."""

    def __init__(self, cin: int, cout: int, resample: str, hg_depth: int, att_name: str) -> None:
        super().__init__()
        if resample == "none" and cin == cout:
            self.shortcut: nn.Module = nn.Identity()
        else:
            self.shortcut = conv_layer(cin, cout, resample=resample, norm=False, act=False)
        self.preact = nn.Sequential(nn.BatchNorm2d(cin), nn.LeakyReLU(0.2, inplace=True))
        self.conv1 = conv_layer(cin, cout, resample="up" if resample == "up" else "none")
        self.conv2 = conv_layer(cout, cout, resample="down" if resample == "down" else "none", act=False)
        maps = {"spar": 1, "spar3d": cout}[att_name]
        self.attention = SpatialAttention(hg_depth, cout, maps) if hg_depth > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.attention(self.conv2(self.conv1(self.preact(x))))


class SPARNet(SRNet):
    """SPARNet: bicubic-upsampled [0,1] RGB N x 3 x H x W -> same size (H, W multiples of 8)."""

    upsamples = False

    def __init__(
        self,
        scale: int = 8,
        min_ch: int = 32,
        max_ch: int = 128,
        in_size: int = 128,
        min_feat_size: int = 16,
        res_depth: int = 10,
        att_name: str = "spar",
        bottleneck_size: int = 4,
    ) -> None:
        super().__init__(scale)
        if att_name not in ("spar", "spar3d"):
            raise ConfigError(f"SPARNet att_name must be 'spar' or 'spar3d', got {att_name!r}")
        steps = int(math.log2(in_size // min_feat_size))
        if steps < 1 or min_feat_size << steps != in_size:
            raise ConfigError(
                f"SPARNet in_size / min_feat_size must be a power of two, got {in_size}/{min_feat_size}"
            )
        self.size_multiple = 2**steps
        self.min_size = max(self.size_multiple, in_size * 2 // bottleneck_size)

        def clip(c: int) -> int:
            return max(min_ch, min(c, max_ch))

        n = clip(max_ch // (steps + 1))
        depth = int(math.log2(64 / bottleneck_size))
        encoder: list[nn.Module] = [conv_layer(3, n, norm=False, act=False)]
        for _ in range(steps):
            encoder.append(FaceAttentionUnit(clip(n), clip(2 * n), "down", depth, att_name))
            n, depth = 2 * n, depth - 1
        depth += 1
        self.encoder = nn.Sequential(*encoder)
        c = clip(n)
        self.body = nn.Sequential(
            *[FaceAttentionUnit(c, c, "none", depth, att_name) for _ in range(res_depth + 3 - steps)]
        )
        decoder: list[nn.Module] = []
        for _ in range(steps):
            depth += 1
            decoder.append(FaceAttentionUnit(clip(n), clip(n // 2), "up", depth, att_name))
            n //= 2
        self.decoder = nn.Sequential(*decoder)
        self.out_conv = conv_layer(clip(n), 3, norm=False, act=False)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        y = self.out_conv(self.decoder(self.body(self.encoder(x * 2.0 - 1.0))))
        return (y + 1.0) / 2.0
