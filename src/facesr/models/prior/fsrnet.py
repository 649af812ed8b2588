"""FSRNet / FSRGAN (Chen, Tai et al., CVPR'18): coarse SR, prior estimation (landmark heatmaps and
parsing maps) from the coarse face, and a fine SR encoder/decoder fed with both.

Works on the bicubic-upsampled face (128 x 128 at x8), data in [-1,1] inside:

* coarse SR: conv 3x3 (3 -> 64) + BN + ReLU, 3 residual blocks, conv 3x3 (64 -> 3), tanh -> y_c;
* fine SR encoder on y_c: conv 3x3 stride 2 (3 -> 64) + BN + ReLU, 12 residual blocks, conv 3x3
  (64 -> 64), tanh: features at half size;
* prior estimation on y_c: conv 7x7 stride 2 (3 -> 64) + BN + ReLU, a pre-activation bottleneck
  (64 -> 128), 2 residual blocks (128), 2 hourglasses (128 ch, depth 3, pre-activation bottlenecks,
  nearest upsampling); 1x1 convs give 68 landmark heatmaps and 11 parsing maps at half size;
* fine SR decoder on [encoder features, prior features] (192 ch): conv 3x3 (192 -> 64) + BN +
  ReLU, transposed conv 3x3 stride 2 (output padding 1) + BN + ReLU, 3 residual blocks, conv 3x3
  (64 -> 3), tanh -> y_f.

Residual blocks: reflection-padded conv 3x3 - BN - ReLU - conv 3x3 - BN, plus the input; every
block has its own weights (one PyTorch re-implementation shares them by list repetition, which
gives 2.15M instead of the paper design's 3,272k parameters). Convs followed by BN have no bias.
Parsing maps use Helen's 11 classes (:data:`PARSING_CLASSES`). Init N(0, 0.02) for convs,
N(1, 0.02) for BN weights.

FSRGAN adds a discriminator (:class:`FSRNetDiscriminator`, SRGAN-style, conditioned on the
upsampled LR via the engine's ``condition: lr``) and perceptual + adversarial losses.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from .hourglass import Bottleneck, Hourglass

#: FSRNet's 11 parsing channels (Helen's classes) as CelebAMask-HQ class names, in channel order.
PARSING_CLASSES: tuple[str, ...] = ("background", "skin", "l_brow", "r_brow", "l_eye", "r_eye", "nose",
                                    "u_lip", "mouth", "l_lip", "hair")


def _conv_bn_relu(cin: int, cout: int, k: int, stride: int = 1, reflect: bool = False) -> list[nn.Module]:
    pad: list[nn.Module] = [nn.ReflectionPad2d(k // 2)] if reflect else []
    conv = nn.Conv2d(cin, cout, k, stride, padding=0 if reflect else k // 2, bias=False)
    return [*pad, conv, nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


def _to_image(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3, bias=False), nn.Tanh())


class ResidualBlock(nn.Module):
    """x + BN(conv(ReLU(BN(conv(x))))) with reflection-padded 3x3 convs without bias."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.body = nn.Sequential(*_conv_bn_relu(c, c, 3, reflect=True), nn.ReflectionPad2d(1),
                                  nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _blocks(channels: int, n: int) -> list[nn.Module]:
    return [ResidualBlock(channels) for _ in range(n)]


class FSRNet(SRNet):
    """FSRNet generator: bicubic-upsampled [0,1] RGB N x 3 x H x W -> same size (H, W multiples of 16).

    ``forward(x)`` returns the fine SR face; ``forward(x, aux=True)`` a dict with ``sr`` and the
    auxiliary outputs :attr:`aux_outputs`: ``sr_coarse`` (N x 3 x H x W, [0,1]),
    ``heatmaps_pred`` (N x landmarks x H/2 x W/2) and ``parsing_pred`` (N x parsing x H/2 x W/2).
    """

    upsamples = False
    aux_outputs = ("sr_coarse", "heatmaps_pred", "parsing_pred")

    def __init__(self, scale: int = 8, features: int = 64, prior_features: int = 128, coarse_blocks: int = 3,
                 encoder_blocks: int = 12, decoder_blocks: int = 3, hourglasses: int = 2, hourglass_depth: int = 3,
                 landmarks: int = 68, parsing: int = 11) -> None:
        super().__init__(scale)
        if landmarks < 1 or parsing < 0 or hourglasses < 1:
            raise ConfigError("FSRNet needs landmarks >= 1, parsing >= 0 and hourglasses >= 1")
        self.size_multiple = 2 * 2**hourglass_depth
        self.min_size = self.size_multiple
        c, p = features, prior_features
        self.coarse = nn.Sequential(*_conv_bn_relu(3, c, 3, reflect=True), *_blocks(c, coarse_blocks),
                                    _to_image(c, 3))
        self.encoder = nn.Sequential(*_conv_bn_relu(3, c, 3, stride=2), *_blocks(c, encoder_blocks),
                                     nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), nn.Tanh())
        pre = lambda a, b: Bottleneck(a, b, order="pre")  # noqa: E731
        self.prior = nn.Sequential(*_conv_bn_relu(3, c, 7, stride=2), pre(c, p), *_blocks(p, 2),
                                   *[Hourglass(hourglass_depth, p, pre) for _ in range(hourglasses)])
        self.to_heatmaps = nn.Conv2d(p, landmarks, 1)
        self.to_parsing = nn.Conv2d(p, parsing, 1) if parsing else None
        self.decoder = nn.Sequential(
            *_conv_bn_relu(c + p, c, 3),
            nn.ConvTranspose2d(c, c, 3, stride=2, padding=1, output_padding=1, bias=False),
            nn.BatchNorm2d(c), nn.ReLU(inplace=True), *_blocks(c, decoder_blocks), _to_image(c, 3))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        y_c = self.coarse(x * 2.0 - 1.0)
        prior = self.prior(y_c)
        y_f = self.decoder(torch.cat([self.encoder(y_c), prior], dim=1))
        sr = (y_f + 1.0) / 2.0
        if not aux:
            return sr
        out = {"sr": sr, "sr_coarse": (y_c + 1.0) / 2.0, "heatmaps_pred": self.to_heatmaps(prior)}
        if self.to_parsing is not None:
            out["parsing_pred"] = self.to_parsing(prior)
        return out


class FSRNetDiscriminator(nn.Module):
    """FSRGAN's discriminator (SRGAN layout): 4 x [conv 3x3 (BN but in the first) LReLU(0.2), conv 3x3
    stride 2 + BN + LReLU] with 64/128/256/512 channels, conv 3x3 -> 1: a patch map of logits
    (N x 1 x S/16 x S/16). ``in_channels`` 6 for the LR-conditioned D (engine ``condition: lr``);
    [0,1] inputs are mapped to [-1,1]."""

    def __init__(self, in_channels: int = 6, widths: tuple[int, ...] = (64, 128, 256, 512)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = in_channels
        for i, w in enumerate(widths):
            layers.append(nn.Conv2d(cin, w, 3, padding=1))
            layers += [] if i == 0 else [nn.BatchNorm2d(w)]
            layers += [nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(w, w, 3, 2, 1), nn.BatchNorm2d(w),
                       nn.LeakyReLU(0.2, inplace=True)]
            cin = w
        layers.append(nn.Conv2d(cin, 1, 3, padding=1))
        self.net = nn.Sequential(*layers)
        self.in_channels = in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise InputError(f"FSRGAN discriminator expects N x {self.in_channels} x H x W, got {tuple(x.shape)}")
        return self.net(x * 2.0 - 1.0)
