"""FSRSA (Yu et al., CVPR'18, "Super-resolving very low-resolution face images with supplementary
attributes"): attributes concatenated into an encoder-decoder bottleneck, an attribute-conditional
discriminator (survey Eq. 16).

Generator (``XinYuANU/FaceAttr @ 0650116b``, ngf = 32; methods.md §5.1), raw LR in, data in
[-1,1] inside:

* encoder: conv 4x4 s2 + BN + LReLU(0.2) 16 -> 8 (32 ch) -> 4 (128) -> 2 (512); conv 2x2 valid
  -> 1x1 (2048) + BN + LReLU;
* the ``k`` attributes concatenated at 1x1 (2048 + k);
* decoder: ConvT 2x2 -> 2x2 (1024), then U-Net skips: [1024 || e3 512] -> ConvT 4x4 s2 -> 4x4
  (768); [768 || e2 128] -> 8x8 (512); [512 || e1 32] -> 16x16 (256), BN + ReLU;
* upsampling: per x2 stage nearest x2 -> (STN, first two stages) -> conv 3x3 + BN + ReLU,
  widths 256 -> 128 -> 64 -> 32 at x8; last conv 5x5 (32 -> 3).

The encoder-decoder always works on the 16x16 face the paper uses; other scales change the
number of upsampling stages (x4: 8x8 LR would break the 2x2 bottleneck, so x4 takes a 32x32 LR
face and adds one encoder level; x16: 8x8 LR, one encoder level fewer). STN: similarity-transform
spatial transformer (scale, rotation, translation) with a localisation net conv 3x3 (-> 128),
max-pool 2, conv 3x3 (-> 20), max-pool 2, conv 3x3 (-> 20), average-pooled to 2x2, FC 80 -> 20
-> 4, initialised near the identity transform (bias = identity, weights N(0, 1e-3)). The
reference Lua's pooling sizes are not recorded in methods.md; the adaptive 2x2 pool keeps its
FC 80 -> 20 -> 4 at every input size (ours).

Discriminator (:class:`FSRSADiscriminator`): conv 5x5 (3 -> 32) + max-pool, conv 5x5 (32 -> 64)
+ max-pool -> 32x32; the attributes replicated to 32x32 and concatenated (64 + k); conv 5x5 ->
128 + max-pool, conv 3x3 -> 256 + max-pool; FC 8*8*256 -> 1024 -> 1 (a logit; Eq. 16 applies
the sigmoid). LReLU(0.2).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError, InputError
from ..base import SRNet
from .conditioning import UNKNOWN, AttributeConditioned, AttributeHead, prepare_attributes

#: encoder widths from the LR size down to 2x2, per scale (the LR side is 128 / scale).
ENCODER: dict[int, tuple[int, ...]] = {4: (32, 64, 128, 512), 8: (32, 128, 512), 16: (128, 512)}
#: decoder widths back up to the LR size (mirroring the encoder).
DECODER: dict[int, tuple[int, ...]] = {4: (768, 512, 384, 256), 8: (768, 512, 256), 16: (768, 256)}
#: (width, spatial transformer?) of the nearest-x2 + conv stages after the decoder.
UPSAMPLE: dict[int, tuple[tuple[int, bool], ...]] = {
    4: ((128, True), (32, True)),
    8: ((128, True), (64, True), (32, False)),
    16: ((128, True), (64, True), (32, False), (32, False)),
}


class SimilaritySTN(nn.Module):
    """Spatial transformer with a similarity transform ``[[a, -b, tx], [b, a, ty]]`` (identity at init)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.loc = nn.Sequential(
            nn.Conv2d(channels, 128, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(inplace=True),
            nn.Conv2d(128, 20, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(inplace=True),
            nn.Conv2d(20, 20, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(2),
            nn.Flatten(), nn.Linear(80, 20), nn.ReLU(inplace=True), nn.Linear(20, 4),
        )
        last = self.loc[-1]  # starts at the identity transform, small weights so gradients reach the loc net
        nn.init.normal_(last.weight, 0.0, 1e-3)
        with torch.no_grad():
            last.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b, tx, ty = self.loc(x).unbind(dim=1)
        theta = torch.stack([torch.stack([a, -b, tx], 1), torch.stack([b, a, ty], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def _down(cin: int, cout: int, k: int = 4, stride: int = 2, pad: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, True))


def _up(cin: int, cout: int, k: int = 4, stride: int = 2, pad: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, k, stride, pad), nn.BatchNorm2d(cout), nn.ReLU(True))


class FSRSA(AttributeConditioned, SRNet):
    """FSRSA generator: raw LR [0,1] RGB ``N x 3 x h x w`` (+ ``attributes N x k``) -> ``N x 3 x sh x sw``.

    ``width``: multiplies every channel count (1: the paper's; smaller for CPU runs); ``stn``:
    spatial transformers on (paper) or off. ``mode``: ``given`` (attributes are an input; NaN
    entries become ``unknown``) or
    ``estimated`` (a head on the 2048-d bottleneck predicts them; :mod:`.conditioning`).
    ``forward(x, attributes=None, aux=False)``; ``aux=True`` returns ``{"sr", "attr_pred"}``.
    """

    upsamples = True
    lr_size_reason = "its encoder collapses them to 1x1"

    def __init__(self, scale: int = 8, n_attributes: int = 18, mode: str = "given", unknown: float = UNKNOWN,
                 width: float = 1.0, stn: bool = True) -> None:
        super().__init__(scale)
        if scale not in ENCODER:
            raise ConfigError(f"FSRSA supports scales {', '.join(f'x{s}' for s in ENCODER)}, not x{scale}")
        self.setup_attributes("FSRSA", mode, n_attributes, unknown)
        self.lr_size = 128 // scale
        self.size_multiple = self.min_size = self.lr_size  # the encoder collapses exactly to 1x1
        k = self.n_attributes
        if not 0 < width <= 4:
            raise ConfigError(f"FSRSA width must be in (0, 4], got {width}")

        def w(c: int) -> int:
            return max(1, int(round(c * width)))

        enc = [w(c) for c in ENCODER[scale]]
        bottleneck, top = w(2048), w(1024)
        self.encoder = nn.ModuleList()
        cin = 3
        for cout in enc:
            self.encoder.append(_down(cin, cout))
            cin = cout
        self.bottom = _down(cin, bottleneck, 2, 1, 0)
        self.head = AttributeHead(bottleneck, k) if self.mode == "estimated" else None
        self.top = _up(bottleneck + k, top, 2, 1, 0)
        self.decoder = nn.ModuleList()
        cin = top
        for skip, cout in zip(reversed(enc), DECODER[scale]):
            self.decoder.append(_up(cin + skip, w(cout)))
            cin = w(cout)
        stages: list[nn.Module] = []
        for cout, use_stn in UPSAMPLE[scale]:
            stages.append(nn.Upsample(scale_factor=2, mode="nearest"))
            if use_stn and stn:
                stages.append(SimilaritySTN(cin))
            stages += [nn.Conv2d(cin, w(cout), 3, padding=1), nn.BatchNorm2d(w(cout)), nn.ReLU(True)]
            cin = w(cout)
        stages.append(nn.Conv2d(cin, 3, 5, padding=2))
        self.upsample = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor, attributes: torch.Tensor | None = None, aux: bool = False):
        self.check_input(x)
        skips = []
        f = x * 2.0 - 1.0
        for layer in self.encoder:
            f = layer(f)
            skips.append(f)
        z = self.bottom(f)
        attrs = self.resolve(attributes, x.shape[0], lambda: self.head(z))
        f = self.top(torch.cat([z, attrs[:, :, None, None].to(z)], dim=1))
        for layer, skip in zip(self.decoder, reversed(skips)):
            f = layer(torch.cat([f, skip], dim=1))
        sr = (self.upsample(f) + 1.0) / 2.0
        return self.finish(sr, attrs, aux, self.mode)


class FSRSADiscriminator(nn.Module):
    """FSRSA's attribute-conditional discriminator: ([0,1] RGB ``N x 3 x 128 x 128``, attributes ``N x k``)
    -> ``N x 1`` logits of "real face with these attributes" (Eq. 16)."""

    def __init__(self, n_attributes: int = 18, image_size: int = 128, unknown: float = UNKNOWN,
                 widths: tuple[int, ...] = (32, 64, 128, 256, 1024)) -> None:
        super().__init__()
        if image_size % 16:
            raise ConfigError(f"FSRSA discriminator image_size must be a multiple of 16, got {image_size}")
        if len(widths) != 5:
            raise ConfigError(f"FSRSA discriminator widths: 4 conv widths and the FC width, got {list(widths)}")
        c1, c2, c3, c4, fc = (int(c) for c in widths)
        self.n_attributes, self.image_size, self.unknown = int(n_attributes), image_size, float(unknown)
        self.conditions: tuple[str, ...] = ("attributes",)
        act = nn.LeakyReLU(0.2, inplace=True)
        self.image = nn.Sequential(nn.Conv2d(3, c1, 5, padding=2), nn.MaxPool2d(2), act,
                                   nn.Conv2d(c1, c2, 5, padding=2), nn.MaxPool2d(2), act)
        self.joint = nn.Sequential(nn.Conv2d(c2 + self.n_attributes, c3, 5, padding=2), nn.MaxPool2d(2), act,
                                   nn.Conv2d(c3, c4, 3, padding=1), nn.MaxPool2d(2), act)
        side = image_size // 16
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(side * side * c4, fc), act, nn.Linear(fc, 1))

    def forward(self, x: torch.Tensor, attributes: torch.Tensor | None = None) -> torch.Tensor:
        s = self.image_size
        if x.dim() != 4 or tuple(x.shape[1:]) != (3, s, s):
            raise InputError(f"FSRSA discriminator expects N x 3 x {s} x {s} faces, got {tuple(x.shape)}")
        a = prepare_attributes("FSRSA discriminator", attributes, x.shape[0], self.n_attributes, self.unknown)
        f = self.image(x * 2.0 - 1.0)
        a = a.to(f)[:, :, None, None].expand(-1, -1, f.shape[-2], f.shape[-1])
        return self.classifier(self.joint(torch.cat([f, a], dim=1)))
