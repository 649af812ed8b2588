"""TDAE (Yu & Porikli, CVPR 2017): SR of very low-resolution, unaligned and noisy faces by a
decoder-encoder-decoder (survey §4.7.4).

1. decoder 1 (MTDN's transformative upsampler: STN + conv + deconv stages) upsamples and coarsely aligns
   the LR face: ``I_CSR`` at the HR size;
2. the encoder brings ``I_CSR`` back to the LR size (stride-2 4x4 convs, a spatial transformer on the
   maps of at most 32 px): ``I_CLR``, an aligned LR face with the noise averaged out;
3. decoder 2 (same layout, its own weights) upsamples ``I_CLR`` to the final face.

Training (``aux=True``) also returns ``sr_coarse`` (``I_CSR``, supervised by the HR face as well) and
``lr_aligned`` (``I_CLR``). The discriminator is URDGN's (the same authors'). Widths are ours.
"""

from __future__ import annotations

import torch
from torch import nn

from ..base import SRNet
from .mtdn import TransformativeUpsampler, deconv_stages
from .stn import SpatialTransformer


class AligningEncoder(nn.Module):
    """HR ``N x 3 x S x S`` -> LR ``N x 3 x (S / 2^k)``: k stride-2 convs (widths reversed), an STN on
    maps of at most ``stn_max`` px, conv -> RGB."""

    def __init__(self, stages: int, widths: tuple[int, ...], face_size: int, stn_max: int = 32) -> None:
        super().__init__()
        w = list(widths[: stages + 1])[::-1]
        layers: list[nn.Module] = [nn.Conv2d(3, w[0], 3, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        for k in range(stages):
            side = face_size // 2 ** (k + 1)
            layers += [nn.Conv2d(w[k], w[k + 1], 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
            if side <= stn_max:
                layers.append(SpatialTransformer(w[k + 1]))
        layers.append(nn.Conv2d(w[-1], 3, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.net(x * 2.0 - 1.0) + 1.0) / 2.0


class TDAE(SRNet):
    """Noisy unaligned LR face ``N x 3 x h x w`` -> aligned HR ``N x 3 x sh x sw`` (decoder, encoder, decoder)."""

    upsamples = True
    min_size = 4
    aux_outputs = ("sr_coarse", "lr_aligned")

    def __init__(self, scale: int = 8, widths: tuple[int, ...] = (256, 128, 64, 32, 32), face_size: int = 128) -> None:
        super().__init__(scale)
        n = deconv_stages("TDAE", scale)
        widths = tuple(int(w) for w in widths)
        self.decoder1 = TransformativeUpsampler(n, widths, face_size // scale)
        self.to_rgb1 = nn.Conv2d(widths[n], 3, 3, padding=1)
        self.encoder = AligningEncoder(n, widths, face_size)
        self.decoder2 = TransformativeUpsampler(n, widths, face_size // scale)
        self.to_rgb2 = nn.Conv2d(widths[n], 3, 3, padding=1)

    def forward(self, x: torch.Tensor, aux: bool = False):
        self.check_input(x)
        coarse = (self.to_rgb1(self.decoder1(x)) + 1.0) / 2.0
        aligned = self.encoder(coarse)
        sr = (self.to_rgb2(self.decoder2(aligned)) + 1.0) / 2.0
        return {"sr": sr, "sr_coarse": coarse, "lr_aligned": aligned} if aux else sr
