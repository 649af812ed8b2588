"""LRGAN (Bulat, Yang & Tzimiropoulos, ECCV 2018, "To learn image super-resolution, use a GAN to learn how
to do image degradation first"; survey §4.1.2, real-world GANs): a High-to-Low GAN learns the real
degradation from unpaired real LR faces, then a Low-to-High GAN super-resolves its outputs.

Layers follow the released code (``jingyang2017/Face-and-Image-super-resolution``: ``model.py`` GEN_DEEP,
``H2L.py``, ``Discriminator.py``), which works at 64 px HR / 16 px LR (x4); the scale rules beyond x4 are ours.

* :class:`LRGAN` (Low-to-High, the zoo network): conv 3x3 (3 -> 256, no bias); level 0: 12 pre-activation
  residual blocks (BN-ReLU-conv-BN-ReLU-conv, no biases) at the LR size with a long skip; each further
  level: bilinear x2 (align corners) + BN + ReLU + 1x1 transposed conv, then 3 blocks narrowing to the
  level's width (128, 96, then 96: ours) beside a 1x1 projection; a last x2 stage; then conv 3x3 (-> 96),
  ReLU, 1x1, ReLU, 1x1 (-> 3), tanh. log2(scale) x2 stages. The released x4 net also defines a 1x1 conv
  (128 -> 96) that its forward never calls (12,384 parameters); here that conv is the projection of
  the third level, which x8 uses.
* :class:`HighToLow` (part ``degrader``): the HR face and a 64-d Gaussian noise vector, projected by a
  fully connected layer to one HR-size channel (the paper's), go through conv 3x3 (-> 64), then
  ``log2(scale) + 2`` groups of [2 residual blocks (conv-BN-ReLU-conv-BN), BN, ReLU, stride-2 conv] down
  to a quarter of the LR size, then 2 groups of [2 blocks, conv (-> 256), PixelShuffle(2), ReLU] up to it,
  conv 3x3 (-> 3), tanh. The released ``Gen_h2l_0424`` has these 12 blocks in 6 groups at x4.
* :class:`SNResDiscriminator` (parts ``discriminator`` on HR faces, ``lr_discriminator`` on LR faces):
  SN-GAN residual discriminator, 128 channels, spectral norm on every layer, 5 residual blocks of which
  the first ``log2(size / 4)`` halve the size (average pooling), ReLU, global mean, linear -> one logit.

All networks take and return ``[0,1]`` RGB; inside they work on ``[-1,1]`` as the released code.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet

_SCALES = (2, 4, 8, 16)


def _check_scale(name: str, scale: int) -> int:
    if scale not in _SCALES:
        raise ConfigError(f"{name} supports scales {', '.join(f'x{s}' for s in _SCALES)}, not {scale}")
    return int(math.log2(scale))


class PreActBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3 (no biases) + the input, or its 1x1 projection when the width changes."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
                                  nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout),
                                  nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3, 1, 1, bias=False))
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + (x if self.skip is None else self.skip(x))


def _up(channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), nn.BatchNorm2d(channels),
                         nn.ReLU(inplace=True), nn.ConvTranspose2d(channels, channels, 1))


class LRGAN(SRNet):
    """Low-to-High generator: raw LR ``[0,1] N x 3 x h x w`` -> ``N x 3 x sh x sw`` (scales 2, 4, 8, 16).

    ``widths``: channels of the levels (one per x2 stage; the last repeats for deeper scales); ``blocks``:
    residual blocks of the first level and of each further one; ``head``: channels of the last conv."""

    upsamples = True

    def __init__(self, scale: int = 8, widths: tuple[int, ...] = (256, 128, 96), blocks: tuple[int, int] = (12, 3),
                 head: int = 96) -> None:
        super().__init__(scale)
        levels = _check_scale("LRGAN", scale)
        widths = tuple(int(w) for w in widths)
        if not widths or min(widths) < 1 or len(blocks) != 2 or min(blocks) < 1 or head < 1:
            raise ConfigError(f"LRGAN needs positive widths, two block counts and a head width, got {widths}, "
                              f"{blocks}, {head}")
        w = (widths + (widths[-1],) * levels)[:levels]
        self.head_conv = nn.Conv2d(3, w[0], 3, 1, 1, bias=False)
        self.first = nn.Sequential(*[PreActBlock(w[0], w[0]) for _ in range(blocks[0])])
        self.ups = nn.ModuleList([_up(w[0])])
        self.levels = nn.ModuleList()
        self.projections = nn.ModuleList()
        for i in range(1, levels):
            self.levels.append(nn.Sequential(PreActBlock(w[i - 1], w[i]),
                                             *[PreActBlock(w[i], w[i]) for _ in range(blocks[1] - 1)]))
            self.projections.append(nn.Conv2d(w[i - 1], w[i], 1))
            self.ups.append(_up(w[i]))
        self.tail = nn.Sequential(nn.Conv2d(w[-1], head, 3, 1, 1, bias=False), nn.ReLU(inplace=True),
                                  nn.Conv2d(head, head, 1), nn.ReLU(inplace=True), nn.Conv2d(head, 3, 1), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        f = self.head_conv(x * 2.0 - 1.0)
        f = self.ups[0](f + self.first(f))
        for level, proj, up in zip(self.levels, self.projections, self.ups[1:]):
            f = up(level(f) + proj(f))
        return (self.tail(f) + 1.0) / 2.0


class H2LBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN + the input (the released High-to-Low block)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                                  nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class HighToLow(nn.Module):
    """High-to-Low generator: HR ``[0,1] N x 3 x size x size`` (+ a noise vector, drawn when not given)
    -> LR ``N x 3 x size/scale x size/scale``. ``size``: the HR size it is built for (the noise is
    projected to one channel of that size)."""

    def __init__(self, scale: int = 8, size: int = 128, features: int = 64, noise_dim: int = 64,
                 blocks: int = 2) -> None:
        super().__init__()
        levels = _check_scale("LRGAN's High-to-Low generator", scale)
        downs = levels + 2
        if size % (2 ** downs) or features < 1 or noise_dim < 0 or blocks < 1:
            raise ConfigError(f"LRGAN's High-to-Low generator needs an HR size that is a multiple of {2 ** downs} at "
                              f"x{scale} and positive widths, got size {size}, features {features}")
        c = features
        self.scale, self.size, self.noise_dim = int(scale), int(size), int(noise_dim)
        self.noise = nn.Linear(noise_dim, size * size) if noise_dim else None
        self.head = nn.Conv2d(3 + (1 if noise_dim else 0), c, 3, 1, 1)
        down: list[nn.Module] = []
        for _ in range(downs):
            down += [*[H2LBlock(c) for _ in range(blocks)], nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                     nn.Conv2d(c, c, 3, 2, 1)]
        self.down = nn.Sequential(*down)
        self.up = nn.Sequential(*[nn.Sequential(*[H2LBlock(c) for _ in range(blocks)], nn.Conv2d(c, 4 * c, 3, 1, 1),
                                                nn.PixelShuffle(2), nn.ReLU(inplace=True)) for _ in range(2)])
        self.tail = nn.Sequential(nn.Conv2d(c, 3, 3, 1, 1), nn.Tanh())

    def forward(self, hr: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        if hr.dim() != 4 or hr.shape[1] != 3 or tuple(hr.shape[-2:]) != (self.size, self.size):
            raise InputError(f"LRGAN's High-to-Low generator is built for N x 3 x {self.size} x {self.size} HR faces, "
                             f"got {tuple(hr.shape)}")
        x = hr * 2.0 - 1.0
        if self.noise is not None:
            if noise is None:
                noise = torch.randn(hr.shape[0], self.noise_dim, device=hr.device, dtype=hr.dtype)
            x = torch.cat([x, self.noise(noise).view(-1, 1, self.size, self.size)], dim=1)
        f = F.relu(self.head(x))
        return (self.tail(self.up(self.down(f))) + 1.0) / 2.0


def _sn(layer: nn.Module) -> nn.Module:
    """``layer`` with spectral normalisation; on the meta device (counting) the plain layer, same parameters."""
    return layer if layer.weight.device.type == "meta" else nn.utils.parametrizations.spectral_norm(layer)


class _DiscBlock(nn.Module):
    """SN-GAN discriminator block: [ReLU] conv3x3 ReLU conv3x3 [avg-pool] + a shortcut (1x1 conv and pooling
    when the size or width changes)."""

    def __init__(self, cin: int, cout: int, down: bool, first: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [] if first else [nn.ReLU()]
        layers += [_sn(nn.Conv2d(cin, cout, 3, 1, 1)), nn.ReLU(), _sn(nn.Conv2d(cout, cout, 3, 1, 1))]
        if down:
            layers.append(nn.AvgPool2d(2))
        self.body = nn.Sequential(*layers)
        if cin != cout or down:
            pool = [nn.AvgPool2d(2)] if down else []
            proj = [_sn(nn.Conv2d(cin, cout, 1))]
            self.bypass = nn.Sequential(*(pool + proj if first else proj + pool))
        else:
            self.bypass = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.bypass(x)


class SNResDiscriminator(nn.Module):
    """SN-GAN residual critic: ``[0,1] N x 3 x size x size`` -> ``N x 1`` logits (hinge loss in LRGAN).

    ``image``: ``hr`` (size ``hr_size``) or ``lr`` (size ``hr_size / scale``): the first
    ``log2(size / 4)`` of ``blocks`` blocks halve the size, the rest keep it."""

    def __init__(self, scale: int = 8, image: str = "hr", hr_size: int = 128, width: int = 128,
                 blocks: int = 5) -> None:
        super().__init__()
        if image not in ("hr", "lr"):
            raise ConfigError(f"LRGAN discriminator image must be hr or lr, got {image!r}")
        size = hr_size if image == "hr" else hr_size // scale
        downs = int(math.log2(size / 4)) if size >= 8 else 0
        if size < 4 or 2 ** downs * 4 != size or blocks < max(1, downs):
            raise ConfigError(f"LRGAN discriminator needs a power-of-two size of at least 4 px and at least as many "
                              f"blocks as halvings, got size {size}, {blocks} blocks")
        self.size = size
        self.body = nn.Sequential(*[_DiscBlock(3 if i == 0 else width, width, i < downs, i == 0)
                                    for i in range(blocks)], nn.ReLU())
        self.fc = _sn(nn.Linear(width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3 or tuple(x.shape[-2:]) != (self.size, self.size):
            raise InputError(f"LRGAN discriminator expects N x 3 x {self.size} x {self.size}, got {tuple(x.shape)}")
        return self.fc(self.body(x * 2.0 - 1.0).mean(dim=(2, 3)))


class SNResLRDiscriminator(SNResDiscriminator):
    """:class:`SNResDiscriminator` on LR faces (``hr_size / scale`` px): LRGAN's High-to-Low critic."""

    def __init__(self, scale: int = 8, hr_size: int = 128, width: int = 128, blocks: int = 5) -> None:
        super().__init__(scale, "lr", hr_size, width, blocks)
