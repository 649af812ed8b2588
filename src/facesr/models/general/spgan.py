"""SPGAN (Zhang & Ling, TMM'20, "Supervised Pixel-Wise GAN for Face Super-Resolution"): a generator
trained against a *pixel-wise* discriminator that outputs a score map the size of the image (survey
Eq. 19-20, loss ``spgan``) conditioned on the LR face and on identity features of a pretrained face
recognition network fed at several scales; the attention-weighted identity loss Eq. 21-22
(``identity_sp``) uses the same score maps.

Paper's: a pixel-wise discriminator ``D(lr, x) -> N x 1 x H x W`` (LR condition, identity features at
several scales), Eq. 19-22, one framework for x2-x16 with 16x16 or smaller inputs. The released
repository (``Merle314/Supervised-Pixel-Wise-GAN``) has a README only, so every layer below is ours:

* generator (raw LR in): conv 3x3 (3 -> ``features``), ``lr_blocks`` EDSR residual blocks at LR size
  with a long skip, then per x2 stage conv (-> 4 ``features``) + PixelShuffle(2) + ReLU +
  ``stage_blocks`` residual blocks, conv 3x3 (-> 3), plus the bicubic-upsampled LR (global residual);
* discriminator (:class:`SPGANDiscriminator`): U-Net on concat(bicubic-upsampled LR, face) (6 channels,
  the engine's ``condition: lr``); 4 stride-2 encoder stages (64/128/256/256) with LeakyReLU(0.2); the
  128-d dlib face descriptor of the face (frozen, no gradient) is projected by one linear layer per
  stage and added to that stage's features; the decoder (nearest x2 + conv, skips) ends in a 1-channel
  map of the input's size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from ..blocks import ResBlock, conv, upsampler_factors


def bicubic_up(x: torch.Tensor, scale: int) -> torch.Tensor:
    """Bicubic x``scale`` enlargement (PyTorch's kernel, half-pixel centres), for global residuals."""
    return F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False)


class SPGAN(SRNet):
    """SPGAN generator: raw LR ``[0,1] N x 3 x h x w`` -> ``N x 3 x sh x sw`` (scales 2^n)."""

    upsamples = True

    def __init__(self, scale: int = 8, features: int = 64, lr_blocks: int = 8, stage_blocks: int = 2) -> None:
        super().__init__(scale)
        if features < 1 or lr_blocks < 0 or stage_blocks < 0:
            raise ConfigError(f"SPGAN needs features >= 1 and block counts >= 0, got {features}, {lr_blocks}, "
                              f"{stage_blocks}")
        factors = upsampler_factors(scale)
        if 3 in factors:
            raise ConfigError("SPGAN supports scales 2, 4, 8, 16, not 3")
        c = features
        self.head = conv(3, c, 3)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(lr_blocks)], conv(c, c, 3))
        stages: list[nn.Module] = []
        for _ in factors:
            stages.append(nn.Sequential(conv(c, 4 * c, 3), nn.PixelShuffle(2), nn.ReLU(inplace=True),
                                        *[ResBlock(c) for _ in range(stage_blocks)]))
        self.stages = nn.Sequential(*stages)
        self.tail = conv(c, 3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        f = self.head(x)
        f = f + self.body(f)
        return self.tail(self.stages(f)) + bicubic_up(x, self.scale)


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True))


def _up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(cin, cout, 3),
                         nn.LeakyReLU(0.2, inplace=True))


class SPGANDiscriminator(nn.Module):
    """Pixel-wise discriminator: ``N x in_channels x H x W`` (H, W multiples of 16) -> ``N x 1 x H x W``.

    ``in_channels`` 6: the bicubic-upsampled LR and the face (config ``condition: lr``); the face is the
    last 3 channels. ``identity_net``: ``dlib_resnet`` (the paper's identity prior; 128-d descriptors of
    the face, frozen, computed without gradient) or ``none``. The recognition network is not a
    submodule, so the critic's optimiser never sees it.
    """

    def __init__(self, in_channels: int = 6, widths: tuple[int, ...] = (64, 128, 256, 256),
                 identity_net: str = "dlib_resnet", identity_dim: int = 128) -> None:
        super().__init__()
        if identity_net not in ("dlib_resnet", "none"):
            raise ConfigError(f"SPGAN discriminator identity_net must be dlib_resnet or none, got {identity_net!r}")
        widths = tuple(int(w) for w in widths)
        self.in_channels = int(in_channels)
        self.identity_net = identity_net
        self.stem = nn.Sequential(conv(self.in_channels, widths[0], 3), nn.LeakyReLU(0.2, inplace=True))
        chans = (widths[0], *widths)
        self.down = nn.ModuleList(_down(chans[i], chans[i + 1]) for i in range(len(widths)))
        self.inject = nn.ModuleList(nn.Linear(identity_dim, w) for w in widths) if identity_net != "none" else None
        self.up = nn.ModuleList(_up(chans[i + 1] if i == len(widths) - 1 else 2 * chans[i + 1], chans[i])
                                for i in reversed(range(len(widths))))
        self.out = conv(2 * widths[0], 1, 3)
        self._recogniser: list[nn.Module] = []  # lazily loaded, kept out of the parameters

    def _identity(self, face: torch.Tensor) -> torch.Tensor:
        if not self._recogniser:
            from ...nets.identity import dlib_face_resnet

            net = dlib_face_resnet()
            net.requires_grad_(False)
            self._recogniser.append(net.eval())
        net = self._recogniser[0].to(face.device)
        with torch.no_grad():
            return net(face.detach().float().clamp(0, 1)).to(face.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = 2 ** len(self.down)
        if x.dim() != 4 or x.shape[1] != self.in_channels or x.shape[-1] % m or x.shape[-2] % m:
            raise InputError(f"SPGAN discriminator expects N x {self.in_channels} x H x W with H, W multiples of "
                             f"{m}, got {tuple(x.shape)}")
        ident = self._identity(x[:, -3:]) if self.inject is not None else None
        skips = [self.stem(x)]
        f = skips[0]
        for i, stage in enumerate(self.down):
            f = stage(f)
            if ident is not None:
                f = f + self.inject[i](ident)[:, :, None, None]
            skips.append(f)
        for j, stage in enumerate(self.up):
            f = stage(f if j == 0 else torch.cat([f, skips[-1 - j]], dim=1))
        return self.out(torch.cat([f, skips[0]], dim=1))
