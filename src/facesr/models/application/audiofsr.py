"""AudioFSR: audio-guided face SR (survey §4.8.3; "Learning to Have an Ear for Face Super-Resolution", Meishvili
et al., CVPR 2020): an image encoder and an audio encoder, their codes fused, a generator decodes the result.

Layer pattern as the released code's (TF test code, read for its settings; none copied):

* **LR encoder** ``E_l``: 3x3 conv (128, LeakyReLU); per scale two 3x3 convs + IN + LeakyReLU and, except at the
  last, a stride-2 conv to 3x the channels (capped at 1024); as many scales as halvings to 2x2 (3 for the
  paper's 8x8 input); flatten, FC 6144 + LeakyReLU, FC 6144 -> a ``12 x 512`` code (StyleGAN's W+ at 128 px).
* **Audio encoder** ``E_a``: a log-spectrogram ``1 x 257 x 257``; 4x4 stride-2 conv (64); six scales of a 4x4
  conv and a stride-2 4x4 conv doubling the channels (capped at 2048), LeakyReLU, no normalisation; flatten,
  FC 8192 + LeakyReLU, FC 6144 -> ``12 x 512``.
* **Fusion** ``F`` (FC3 residual): ``[E_l, E_a]`` (12288) -> FC 6144 -> FC 6144 -> FC 6144 (LeakyReLU between),
  added to ``E_l``'s code: ``w = E_l(x) + F(E_l(x), E_a(a))``.
* **Generator** ``G``: a StyleGAN synthesis network for 128 px (constant 4x4 input, two 3x3 convs per
  resolution 4..128 with noise inputs and AdaIN from one of the 12 style vectors each, nearest upsampling,
  widths min(8192 / 2^stage, 512): 512 up to 32 px, 256 at 64, 128 at 128; 1x1 conv to RGB). The paper used a
  StyleGAN pretrained on VoxCeleb2 faces; none exists here, so ``G`` is trained with the rest (ours).

Input: ``[0,1] float32 N x 3 x h x w`` LR face (h = 128 / scale) and ``audio`` ``float32 N x 1 x 257 x T``
(``T`` = ``audio_frames``). Output ``N x 3 x 128 x 128`` (``[0,1]``, not clipped). ``audio=None`` (or
``use_audio=False``) runs the image branch alone (``w = E_l(x)``), the paper's LR-only baseline.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet

STYLES, STYLE_DIM = 12, 512


def _lrelu() -> nn.LeakyReLU:
    return nn.LeakyReLU(0.2, inplace=True)


def _conv_in(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.InstanceNorm2d(cout, affine=True), _lrelu()]


class LREncoder(nn.Module):
    """``E_l``: ``[-1,1]`` LR faces ``N x 3 x s x s`` -> codes ``N x styles x dim`` (module doc)."""

    def __init__(self, lr_size: int, width: int = 128, max_width: int = 1024, styles: int = STYLES,
                 dim: int = STYLE_DIM) -> None:
        super().__init__()
        scales = max(1, int(math.log2(lr_size)) - 1)  # halvings to 2x2, plus the last scale
        layers: list[nn.Module] = [nn.Conv2d(3, width, 3, 1, 1), _lrelu()]
        c, side = width, int(lr_size)
        for i in range(scales):
            layers += _conv_in(c, c) + _conv_in(c, c)
            if i < scales - 1:
                nxt = min(c * 3, max_width)
                layers += _conv_in(c, nxt, stride=2)
                c, side = nxt, (side + 1) // 2  # 3x3, stride 2, padding 1
        self.convs = nn.Sequential(*layers, nn.Flatten())
        flat = c * side * side
        self.fc = nn.Sequential(nn.Linear(flat, styles * dim), _lrelu(), nn.Linear(styles * dim, styles * dim))
        self.shape = (styles, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.convs(x)).view(x.shape[0], *self.shape)


class AudioEncoder(nn.Module):
    """``E_a``: log-spectrograms ``N x 1 x bins x frames`` -> codes ``N x styles x dim`` (module doc)."""

    def __init__(self, bins: int = 257, frames: int = 257, width: int = 64, max_width: int = 2048, scales: int = 6,
                 hidden: int = 8192, styles: int = STYLES, dim: int = STYLE_DIM) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(1, width, 4, 2, 1), _lrelu()]
        c, h, w = width, bins // 2, frames // 2  # 4x4, stride 2, padding 1 halves (rounding down)
        for _ in range(scales):
            nxt = min(c * 2, max_width)
            layers += [nn.ZeroPad2d((1, 2, 1, 2)), nn.Conv2d(c, c, 4), _lrelu(), nn.Conv2d(c, nxt, 4, 2, 1), _lrelu()]
            c, h, w = nxt, h // 2, w // 2
        if min(h, w) < 1:
            raise ConfigError(f"AudioFSR: a {bins} x {frames} spectrogram is too small for {scales} audio scales")
        self.convs = nn.Sequential(*layers, nn.Flatten())
        self.input_shape = (1, bins, frames)
        flat = c * h * w
        self.fc = nn.Sequential(nn.Linear(flat, hidden), _lrelu(), nn.Linear(hidden, styles * dim))
        self.shape = (styles, dim)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        if a.dim() != 4 or tuple(a.shape[1:]) != self.input_shape:
            raise InputError(f"AudioFSR's audio encoder expects N x {' x '.join(map(str, self.input_shape))} "
                             f"log-spectrograms, got {tuple(a.shape)}")
        return self.fc(self.convs(a)).view(a.shape[0], *self.shape)


class ResidualFusion(nn.Module):
    """``F``: ``w_l + FC(FC(FC([w_l, w_a])))`` on flattened codes (the code's FC3 residual fuser)."""

    def __init__(self, size: int = STYLES * STYLE_DIM) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2 * size, size), _lrelu(), nn.Linear(size, size), _lrelu(),
                                  nn.Linear(size, size))

    def forward(self, w_lr: torch.Tensor, w_audio: torch.Tensor) -> torch.Tensor:
        n = w_lr.shape[0]
        flat = w_lr.reshape(n, -1)
        return (flat + self.body(torch.cat([flat, w_audio.reshape(n, -1)], dim=1))).view_as(w_lr)


class AdaIN(nn.Module):
    """Instance norm, then per-channel scale ``1 + s`` and shift ``b`` from a style vector (StyleGAN)."""

    def __init__(self, channels: int, dim: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.style = nn.Linear(dim, 2 * channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        s, b = self.style(w).unsqueeze(-1).unsqueeze(-1).chunk(2, dim=1)
        return self.norm(x) * (1 + s) + b


class StyleLayer(nn.Module):
    """3x3 conv (after an optional x2 nearest upsampling), per-pixel noise scaled per channel, LeakyReLU, AdaIN."""

    def __init__(self, cin: int, cout: int, dim: int, up: bool) -> None:
        super().__init__()
        self.up = up
        self.conv = nn.Conv2d(cin, cout, 3, 1, 1)
        self.noise = nn.Parameter(torch.zeros(1, cout, 1, 1))
        self.act = _lrelu()
        self.adain = AdaIN(cout, dim)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv(x)
        x = x + self.noise * torch.randn(x.shape[0], 1, *x.shape[-2:], device=x.device, dtype=x.dtype)
        return self.adain(self.act(x), w)


class StyleSynthesis(nn.Module):
    """``G``: codes ``N x 12 x dim`` -> ``[-1,1]``-scaled RGB ``N x 3 x 128 x 128`` (module doc). ``max_width`` caps
    the widths (512); ``size`` 128 (12 style layers = 2 per resolution 4..128)."""

    def __init__(self, size: int = 128, max_width: int = 512, dim: int = STYLE_DIM, base: int = 8192) -> None:
        super().__init__()
        stages = int(math.log2(size)) - 1  # 6 resolutions: 4, 8, ..., size
        widths = [min(base // 2 ** (s + 1), max_width) for s in range(stages)]
        self.const = nn.Parameter(torch.ones(1, widths[0], 4, 4))
        layers, c = [], widths[0]
        for s, w in enumerate(widths):
            # the first layer upsamples (none at 4x4: StyleGAN applies noise + AdaIN to the constant there; ours
            # puts a conv first so that every layer has one form)
            layers += [StyleLayer(c, w, dim, up=s > 0), StyleLayer(w, w, dim, up=False)]
            c = w
        self.layers = nn.ModuleList(layers)
        self.to_rgb = nn.Conv2d(c, 3, 1)
        self.styles = len(layers)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        if w.dim() != 3 or w.shape[1] != self.styles:
            raise InputError(f"StyleSynthesis expects N x {self.styles} x dim codes, got {tuple(w.shape)}")
        x = self.const.expand(w.shape[0], -1, -1, -1)
        for i, layer in enumerate(self.layers):
            x = layer(x, w[:, i])
        return self.to_rgb(x)


class AudioFSR(SRNet):
    """Audio-guided face SR (module doc). ``audio_frames``: spectrogram frames (257); the widths are options so a
    smoke run can shrink them: ``lr_width`` (128), ``audio_width`` (64), ``audio_hidden`` (8192), ``dim`` (512 per
    style), ``g_width`` (512, the generator's cap)."""

    upsamples = True
    conditions = ("audio",)
    size_multiple = 1

    def __init__(self, scale: int = 16, audio_frames: int = 257, lr_width: int = 128, audio_width: int = 64,
                 audio_hidden: int = 8192, dim: int = STYLE_DIM, g_width: int = 512, hr_size: int = 128) -> None:
        super().__init__(scale)
        if hr_size % scale or hr_size // scale < 4:
            raise ConfigError(f"AudioFSR: {hr_size} px faces need a scale leaving >= 4 LR px, got x{scale}")
        self.hr_size, self.lr_size, self.audio_frames = int(hr_size), hr_size // scale, int(audio_frames)
        self.min_size = self.lr_size
        styles = 2 * (int(math.log2(hr_size)) - 1)
        self.lr_encoder = LREncoder(self.lr_size, lr_width, styles=styles, dim=dim)
        self.audio_encoder = AudioEncoder(frames=audio_frames, width=audio_width, hidden=audio_hidden, styles=styles,
                                          dim=dim)
        self.fusion = ResidualFusion(styles * dim)
        self.generator = StyleSynthesis(hr_size, g_width, dim)

    def input_hint(self) -> str:
        return f"a {self.lr_size}x{self.lr_size} LR face and a 1 x 257 x {self.audio_frames} log-spectrogram"

    def example_conditions(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """A silent spectrogram for counting (``audio`` of the right shape on ``x``'s device)."""
        return {"audio": torch.zeros(x.shape[0], 1, 257, self.audio_frames, device=x.device)}

    def codes(self, x: torch.Tensor, audio: torch.Tensor | None) -> torch.Tensor:
        """The fused code ``N x styles x dim`` (``E_l`` alone when ``audio`` is None)."""
        w = self.lr_encoder(x * 2.0 - 1.0)
        return w if audio is None else self.fusion(w, self.audio_encoder(audio))

    def forward(self, x: torch.Tensor, audio: torch.Tensor | None = None, use_audio: bool = True) -> torch.Tensor:
        """``[0,1]`` LR faces (+ spectrograms) -> ``[0,1]`` HR faces."""
        self.check_input(x)
        if tuple(x.shape[-2:]) != (self.lr_size, self.lr_size):
            raise InputError(f"AudioFSR (x{self.scale}) expects {self.input_hint()}, got {tuple(x.shape)}")
        return (self.generator(self.codes(x, audio if use_audio else None)) + 1.0) * 0.5
