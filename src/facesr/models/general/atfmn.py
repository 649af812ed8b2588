"""ATMFN (Jiang et al., TMM'20, "ATMFN: Adaptive-Threshold-based Multi-Model Fusion Network for Compressed
Face Hallucination"; the survey writes ATFMN): three super-resolvers - CNN, GAN and RNN - give candidate
faces; an attention network per candidate learns a fusion weight map, and a fusion-and-reconstruction
module merges the weighted candidates (survey §4.1.4, ensemble learning).

Layout as the released TensorFlow code (``kuijiang94/ATMFN @ 12300ed2: src/ATMFN.py``, x8 from 16x16;
its ``conv_layer``/``deconv_layer`` have no bias, ``prelu`` is per channel, initialised to 0):

* CNN and GAN branches (same layout, separate weights): conv 3x3 (3 -> 128) + PReLU, conv (128 -> 64)
  + PReLU, 6 :class:`MultiPathBlock`, then per x2 stage conv 3x3 (-> 128) + PixelShuffle(2) (-> 32) +
  PReLU, conv (32 -> 3); plus the bicubic-upsampled LR.
* RNN branch: the same stem, 5 recurrences with their own convs around one shared ConvLSTM cell (3x3,
  256 hidden): conv (64 -> 256) + PReLU, LSTM, conv (256 -> 64) + PReLU, conv (64 -> 256) + PReLU, LSTM,
  conv (256 -> 64) + PReLU, accumulated; long skip; conv (64 -> 64) + PReLU; the same upsampler.
* One mask U-Net per candidate (:class:`FusionMask`): 5 convs (32/64/128/256/512, 4 of stride 2), 5
  transposed convs with additive skips, transposed conv (-> 3), sigmoid: the "adaptive threshold"
  weight map; each candidate is multiplied by its map.
* Fusion: concat(3 weighted candidates, 3 maps) (18 channels) -> conv (-> 128) + PReLU, 3 residual
  units [conv (-> 64) + PReLU, conv (-> 128) + PReLU] accumulated with a long skip, conv (-> 3), plus
  the bicubic LR.

``aux=True`` returns the candidates ``sr_cnn``, ``sr_gan``, ``sr_rnn`` and the maps ``mask_cnn``,
``mask_gan``, ``mask_rnn`` with ``sr`` (the fused face). The released losses (Charbonnier pixel loss on
the CNN and RNN candidates and 0.01 x on the fused face, Charbonnier Laplacian edge loss on all four,
VGG-19 feature loss and the adversarial loss on the GAN candidate only) are the config's; the
``ensemble`` recipe shows the discriminator (:class:`ATFMNDiscriminator`) the GAN candidate.
Ours: x4 and x16 (one PixelShuffle stage fewer / more; the code is x8 only); the ConvLSTM state starts
at zero each forward pass.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from ..blocks import upsampler_factors
from .spgan import bicubic_up


def conv_prelu(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    """Bias-free k x k conv ("same" padding) + per-channel PReLU initialised to 0 (a ReLU at first)."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.PReLU(cout, init=0.0))


class MultiPathBlock(nn.Module):
    """ATMFN block: 3 x [three parallel conv 3x3 + PReLU paths, each path fused with the concatenation
    of all three by a 1x1 conv + PReLU], conv 3x3 (3c -> c) + PReLU, self-gating ``y * sigmoid(conv(y)) +
    y``, added to the input."""

    def __init__(self, c: int = 64, rounds: int = 3) -> None:
        super().__init__()
        self.paths = nn.ModuleList(nn.ModuleList(conv_prelu(c, c) for _ in range(3)) for _ in range(rounds))
        self.fuse = nn.ModuleList(nn.ModuleList(conv_prelu(4 * c, c, 1) for _ in range(3)) for _ in range(rounds))
        self.merge = conv_prelu(3 * c, c)
        self.gate = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xs = [x, x, x]
        for paths, fuse in zip(self.paths, self.fuse):
            s = torch.cat([p(xi) for p, xi in zip(paths, xs)], dim=1)
            xs = [f(torch.cat([s, xi], dim=1)) for f, xi in zip(fuse, xs)]
        y = self.merge(torch.cat(xs, dim=1))
        return x + y * torch.sigmoid(self.gate(y)) + y


def _upsampler(cin: int, stages: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(stages):
        layers += [nn.Conv2d(cin if i == 0 else 32, 128, 3, padding=1, bias=False), nn.PixelShuffle(2),
                   nn.PReLU(32, init=0.0)]
    layers.append(nn.Conv2d(32, 3, 3, padding=1, bias=False))
    return nn.Sequential(*layers)


class CNNBranch(nn.Module):
    """The CNN (and GAN) candidate generator: stem, ``blocks`` multi-path blocks, sub-pixel upsampler."""

    def __init__(self, stages: int, blocks: int = 6, c: int = 64) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_prelu(3, 128), conv_prelu(128, c))
        self.blocks = nn.Sequential(*[MultiPathBlock(c) for _ in range(blocks)])
        self.up = _upsampler(c, stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up(self.blocks(self.stem(x)))


class ConvLSTMCell(nn.Module):
    """Convolutional LSTM: gates from one k x k conv (with bias) of concat(input, h); forget bias 1."""

    def __init__(self, cin: int, hidden: int, k: int = 3) -> None:
        super().__init__()
        self.hidden = hidden
        self.conv = nn.Conv2d(cin + hidden, 4 * hidden, k, padding=k // 2)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        if state is None:
            z = x.new_zeros(x.shape[0], self.hidden, *x.shape[-2:])
            state = (z, z)
        c, h = state
        i, j, f, o = self.conv(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        c = c * torch.sigmoid(f + 1.0) + torch.sigmoid(i) * torch.tanh(j)
        h = torch.tanh(c) * torch.sigmoid(o)
        return h, (c, h)


class RNNBranch(nn.Module):
    """The RNN candidate generator: stem, ``steps`` recurrences around one shared ConvLSTM, upsampler."""

    def __init__(self, stages: int, steps: int = 5, c: int = 64, hidden: int = 256) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_prelu(3, 128), conv_prelu(128, c))
        self.cell = ConvLSTMCell(hidden, hidden)
        self.pre = nn.ModuleList(nn.ModuleList([conv_prelu(c, hidden), conv_prelu(hidden, c)]) for _ in range(steps))
        self.mid = nn.ModuleList(nn.ModuleList([conv_prelu(c, hidden), conv_prelu(hidden, c)]) for _ in range(steps))
        self.post = conv_prelu(c, c)
        self.up = _upsampler(c, stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f0 = acc = self.stem(x)
        state = None
        for (a1, a2), (b1, b2) in zip(self.pre, self.mid):
            h, state = self.cell(a1(acc), state)
            h, state = self.cell(b1(a2(h)), state)
            acc = acc + b2(h)
        return self.up(self.post(acc + f0))


class FusionMask(nn.Module):
    """Weight-map U-Net of one candidate: image ``N x 3 x H x W`` (H, W multiples of 16) -> map in (0, 1)."""

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128, 256, 512), last_prelu: bool = False) -> None:
        super().__init__()
        w = widths
        self.enc = nn.ModuleList(
            nn.Sequential(nn.Conv2d(3 if i == 0 else w[i - 1], w[i], 3, 1 if i == 0 else 2, 1, bias=False),
                          nn.PReLU(w[i], init=0.0)) for i in range(len(w)))
        self.bottom = nn.Sequential(nn.ConvTranspose2d(w[-1], w[-1], 3, 1, 1, bias=False), nn.PReLU(w[-1], init=0.0))
        self.dec = nn.ModuleList(
            nn.Sequential(nn.ConvTranspose2d(w[i], w[i - 1], 3, 2, 1, output_padding=1, bias=False),
                          nn.PReLU(w[i - 1], init=0.0)) for i in reversed(range(1, len(w))))
        out: list[nn.Module] = [nn.ConvTranspose2d(w[0], 3, 3, 1, 1, bias=False)]
        if last_prelu:  # the released CNN mask has one more PReLU before the sigmoid
            out.append(nn.PReLU(3, init=0.0))
        self.out = nn.Sequential(*out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for stage in self.enc:
            x = stage(x)
            skips.append(x)
        x = self.bottom(x) + skips[-1]
        for j, stage in enumerate(self.dec):
            x = stage(x) + skips[-2 - j]
        return torch.sigmoid(self.out(x))


class ATFMN(SRNet):
    """ATMFN: raw (compressed) LR ``[0,1] N x 3 x h x w`` -> fused ``N x 3 x sh x sw``; the HR size must
    be a multiple of 16 (the mask U-Nets halve it four times)."""

    upsamples = True
    aux_outputs: tuple[str, ...] = ("sr_cnn", "sr_gan", "sr_rnn", "mask_cnn", "mask_gan", "mask_rnn")

    def __init__(self, scale: int = 8, blocks: int = 6, rnn_steps: int = 5, hidden: int = 256,
                 mask_widths: tuple[int, ...] = (32, 64, 128, 256, 512), fusion_units: int = 3) -> None:
        super().__init__(scale)
        if scale not in (4, 8, 16):
            raise ConfigError(f"ATFMN supports scales x4, x8, x16, not x{scale}")
        stages = len(upsampler_factors(scale))
        self.size_multiple = max(1, 2 ** (len(mask_widths) - 1) // scale)
        self.cnn = CNNBranch(stages, blocks)
        self.gan = CNNBranch(stages, blocks)
        self.rnn = RNNBranch(stages, rnn_steps, hidden=hidden)
        mw = tuple(int(v) for v in mask_widths)
        self.masks = nn.ModuleDict({"cnn": FusionMask(mw, last_prelu=True), "gan": FusionMask(mw),
                                    "rnn": FusionMask(mw)})
        self.fuse_in = conv_prelu(18, 128)
        self.units = nn.ModuleList(nn.Sequential(conv_prelu(128, 64), conv_prelu(64, 128)) for _ in range(fusion_units))
        self.fuse_out = nn.Conv2d(128, 3, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        if (x.shape[-1] * self.scale) % 16 or (x.shape[-2] * self.scale) % 16:
            raise InputError(f"ATFMN x{self.scale} needs an HR size that is a multiple of 16, got input "
                             f"{tuple(x.shape[-2:])}")
        bic = bicubic_up(x, self.scale)
        cand = {"cnn": self.cnn(x) + bic, "gan": self.gan(x) + bic, "rnn": self.rnn(x) + bic}
        maps = {k: self.masks[k](v) for k, v in cand.items()}
        order = ("gan", "cnn", "rnn")  # the released concatenation order
        f = f0 = self.fuse_in(torch.cat([cand[k] * maps[k] for k in order] + [maps[k] for k in order], dim=1))
        for unit in self.units:
            f = f + unit(f)
        sr = self.fuse_out(f + f0) + bic
        if not aux:
            return sr
        return {"sr": sr, **{f"sr_{k}": v for k, v in cand.items()}, **{f"mask_{k}": v for k, v in maps.items()}}


class ATFMNDiscriminator(nn.Module):
    """The released discriminator: 9 x [conv 3x3 (bias-free) + PReLU + BN] (64, 64 | 128, 128 | 256, 256 |
    512, 512 | 1024; a 2x2 max-pool after each pair), FC (-> 1024) + PReLU, FC (-> 1): one logit per
    ``hr_size`` x ``hr_size`` face."""

    def __init__(self, hr_size: int = 128, widths: tuple[int, ...] = (64, 128, 256, 512, 1024),
                 fc: int = 1024) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for i, w in enumerate(widths):
            for _ in range(1 if i == len(widths) - 1 else 2):
                layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.PReLU(w, init=0.0), nn.BatchNorm2d(w)]
                cin = w
            if i < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.hr_size = int(hr_size)
        side = self.hr_size // 2 ** (len(widths) - 1)
        if side < 1:
            raise ConfigError(f"ATFMN discriminator: hr_size {hr_size} is too small for {len(widths)} stages")
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(cin * side * side, fc), nn.PReLU(fc, init=0.0),
                                  nn.Linear(fc, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3 or tuple(x.shape[-2:]) != (self.hr_size, self.hr_size):
            raise InputError(f"ATFMN discriminator expects N x 3 x {self.hr_size} x {self.hr_size}, got "
                             f"{tuple(x.shape)}")
        return self.head(self.features(x))
