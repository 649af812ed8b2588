"""BFR: this project's blind face restorer (real-world FSR, survey §4.1.2; joint deblurring §4.7.2).

One network for every scale 1..16 and every damage: it works at the aligned face's full size (128 px),
on the LR face bicubic-upsampled there (or on the face itself, for restoration only). The input is
folded into a quarter-size grid by pixel-unshuffle (4 x 4 x 3 = 48 channels, no pixel lost), passed
through an RCAN trunk at that size (residual groups of channel-attention blocks, long skip), and
brought back by a x4 sub-pixel upsampler; the result is added to the input (global residual), so an
untrained network is the identity (bicubic) and the trunk only learns what the damage took away.
At 6 groups x 8 blocks x 32 features the trunk costs what the bundled ``rcan-lite`` x4 does.

``from_rcan(state)`` starts the trunk and upsampler from an RCAN of the same width (the bundled
``rcan-lite`` x4): the head sees each 4 x 4 block's average where RCAN saw an LR pixel, the last conv
starts at zero (identity output).
"""

from __future__ import annotations

import torch
from torch import nn

from ..base import SRNet
from ..blocks import PixelRange, Upsampler, conv
from .rcan import ResidualGroup


class BFR(SRNet):
    """Bicubic-upsampled (or undamaged-size) face [0,1] RGB N x 3 x H x W -> restored N x 3 x H x W.

    H and W must be multiples of ``fold`` (4). ``scale`` only says which LR size the caller upsamples
    from; the weights are the same for every scale.
    """

    upsamples = False

    def __init__(self, scale: int = 4, n_resgroups: int = 6, n_resblocks: int = 8, n_feats: int = 32,
                 reduction: int = 8, fold: int = 4, pixel_range: float = 255.0) -> None:
        super().__init__(scale)
        self.size_multiple = int(fold)
        self.fold = int(fold)
        self.range = PixelRange(pixel_range=pixel_range)
        self.unfold = nn.PixelUnshuffle(self.fold)
        self.head = conv(3 * self.fold**2, n_feats, 3)
        groups = [ResidualGroup(n_feats, n_resblocks, reduction) for _ in range(n_resgroups)]
        self.body = nn.Sequential(*groups, conv(n_feats, n_feats, 3))
        self.tail = nn.Sequential(Upsampler(n_feats, self.fold), conv(n_feats, 3, 3))
        nn.init.zeros_(self.tail[-1].weight)
        nn.init.zeros_(self.tail[-1].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        xn = self.range.normalize(x)
        f = self.head(self.unfold(xn))
        f = f + self.body(f)
        return self.range.denormalize(self.tail(f).float() + xn.float())

    @torch.no_grad()
    def from_rcan(self, state: dict[str, torch.Tensor]) -> list[str]:
        """Copy an RCAN state (same width, x``fold`` upsampler) into the trunk and upsampler; the head
        gets RCAN's head weights spread over the ``fold**2`` sub-pixel phases. Returns the keys copied."""
        own = self.state_dict()
        copied = []
        for k, v in state.items():
            if (k.startswith("body.") or (k.startswith("tail.") and not k.startswith(f"tail.{len(self.tail) - 1}."))) \
                    and k in own and own[k].shape == v.shape:
                own[k].copy_(v)
                copied.append(k)
        w, b = state.get("head.weight"), state.get("head.bias")
        if w is not None and own["head.weight"].shape[0] == w.shape[0] and w.shape[1] == 3:
            r2 = self.fold**2
            own["head.weight"].copy_(w.repeat_interleave(r2, dim=1) / r2)
            own["head.bias"].copy_(b)
            copied += ["head.weight", "head.bias"]
        self.load_state_dict(own)
        return copied


class PatchDiscriminator(nn.Module):
    """A patch critic for restoration GANs (PatchGAN layout, Isola et al. CVPR 2017, with spectral norm):
    [0,1] RGB N x 3 x H x W -> N x 1 x H/8 x W/8 logits, one per overlapping patch (about 46 px wide).
    Strided 4x4 convs 3 -> 32 -> 64 -> 128, a 3x3 conv 128 -> 128 and a 3x3 conv to one map; LeakyReLU 0.2."""

    def __init__(self, channels: tuple[int, ...] = (32, 64, 128)) -> None:
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        layers: list[nn.Module] = []
        cin = 3
        for cout in channels:
            layers += [sn(nn.Conv2d(cin, cout, 4, stride=2, padding=1)), nn.LeakyReLU(0.2, inplace=True)]
            cin = cout
        layers += [sn(nn.Conv2d(cin, cin, 3, padding=1)), nn.LeakyReLU(0.2, inplace=True),
                   nn.Conv2d(cin, 1, 3, padding=1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x * 2.0 - 1.0)
