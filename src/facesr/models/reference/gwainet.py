"""GWAInet (Dogan, Gu & Timofte, CVPRW 2019): exemplar-guided face SR without facial landmarks.

A transcription of the released TF1 test code (``berkdogan2/GWAInet @ e3e2333d: model.py``, ``warper_11``
and ``model_guidance_9``; methods.md §7.2), at this project's 128 px faces (the paper: 32 -> 256):

* **Warper**: concat(bicubic-upsampled LR, guide) -> 6 x [conv 3x3, 64, ReLU] with strides 1,2,1,2,1,2
  (1/8 size) -> conv, 8 EDSR residual blocks, conv, global skip -> 3 x [conv 64->256 + PixelShuffle(2)]
  -> conv 3x3 -> a dense flow (pixels); the guide is warped by bilinear sampling. It is trained end to
  end through the SR loss, without landmarks.
* **Generator**: a guide feature extractor (GFENet: the same 6-conv encoder on the warped guide, strided
  down to the LR size, + conv) beside the LR branch (conv 3->64); three fusion stages of 4 residual
  blocks on each branch, concatenated and merged by a conv 128->64; 4 more residual blocks, conv,
  skip from the head, log2(scale) x [conv + PixelShuffle(2)], conv 64->3.

Inputs are centred on a face RGB mean and the output is ``(g + 1) / 2`` as in the released code.
4,293,445 parameters at x8 (warper 1,297,154 + generator 2,996,291) = methods.md's 4.29M; the count
does not depend on the face size. Strides of the guide encoder: log2(scale) of them are 2 (x8: the
paper's 1,2,1,2,1,2; x16 also the first).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from ..blocks import PixelRange, ResBlock, Upsampler, conv
from .common import ReferenceNet
from .geometry import flow_warp

#: RGB mean of aligned CelebA faces on the [0,1] scale (ours; GWAInet centres on its training set's mean).
FACE_MEAN: tuple[float, float, float] = (0.51, 0.42, 0.37)


#: order in which the 6 encoder convs take stride 2 (x8: the released 1,2,1,2,1,2)
_STRIDE_ORDER = (1, 3, 5, 0)


def strided_encoder(cin: int, features: int, downs: int) -> nn.Sequential:
    """6 x [conv 3x3 + ReLU], ``downs`` of them with stride 2 (convs 2, 4, 6, then 1)."""
    strided = set(_STRIDE_ORDER[:downs])
    layers: list[nn.Module] = []
    c = cin
    for i in range(6):
        stride = 2 if i in strided else 1
        layers += [nn.Conv2d(c, features, 3, stride, 1), nn.ReLU(inplace=True)]
        c = features
    return nn.Sequential(*layers)


class GWAInetWarper(nn.Module):
    """concat(upsampled LR, guide) -> flow N x 2 x S x S (pixel displacements; S a multiple of 8)."""

    def __init__(self, features: int = 64, n_resblocks: int = 8) -> None:
        super().__init__()
        f = features
        self.encoder = strided_encoder(6, f, 3)
        self.head = conv(f, f, 3)
        self.body = nn.Sequential(*[ResBlock(f) for _ in range(n_resblocks)], conv(f, f, 3))
        self.decoder = Upsampler(f, 8)
        self.flow = conv(f, 2, 3)

    def forward(self, lr_up: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
        h = self.head(self.encoder(torch.cat([lr_up, guide], dim=1)))
        return self.flow(self.decoder(h + self.body(h)))


class GWAInet(ReferenceNet):
    """LR face N x 3 x h x w + reference (N x 3 x S x S, S = scale * h) -> N x 3 x S x S."""

    upsamples = True

    def __init__(self, scale: int = 8, features: int = 64, warper_features: int = 64, warper_blocks: int = 8,
                 merge_blocks: int = 4, stages: int = 3, res_scale: float = 1.0) -> None:
        super().__init__(scale)
        if scale not in (2, 4, 8, 16):
            raise ConfigError(f"GWAInet supports x2, x4, x8 and x16 (a stride-2 guide encoder conv per x2), "
                              f"not x{scale}")
        self.size_multiple = max(1, 8 // scale)  # the warper works at 1/8 of the HR size
        f = features
        self.range = PixelRange(FACE_MEAN, pixel_range=1.0)
        self.warper = GWAInetWarper(warper_features, warper_blocks)
        self.guide_encoder = nn.Sequential(strided_encoder(3, f, {2: 1, 4: 2, 8: 3, 16: 4}[scale]), conv(f, f, 3))
        self.head = conv(3, f, 3)
        self.lr_blocks = nn.ModuleList(
            nn.Sequential(*[ResBlock(f, res_scale=res_scale) for _ in range(merge_blocks)]) for _ in range(stages)
        )
        self.guide_blocks = nn.ModuleList(
            nn.Sequential(*[ResBlock(f, res_scale=res_scale) for _ in range(merge_blocks)]) for _ in range(stages)
        )
        self.merge = nn.ModuleList(conv(2 * f, f, 3) for _ in range(stages))
        self.tail_blocks = nn.Sequential(*[ResBlock(f, res_scale=res_scale) for _ in range(merge_blocks)],
                                         conv(f, f, 3))
        self.upsample = Upsampler(f, scale)
        self.out = conv(f, 3, 3)

    def warp_guide(self, x: torch.Tensor, guide: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(warped guide, flow) for LR faces ``x`` and guides at the HR size."""
        from ...ops import imresize

        lr_up = imresize(x, self.scale, kernel="matlab")
        flow = self.warper(self.range.normalize(lr_up), self.range.normalize(guide))
        return flow_warp(guide, flow), flow

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        refs, _, _ = self.references(x, reference)
        warped, _ = self.warp_guide(x, refs[:, 0])
        g = self.guide_encoder(self.range.normalize(warped))
        h = head = self.head(self.range.normalize(x))
        for lr_blocks, guide_blocks, merge in zip(self.lr_blocks, self.guide_blocks, self.merge):
            h, g = lr_blocks(h), guide_blocks(g)
            h = merge(torch.cat([h, g], dim=1))
        h = self.tail_blocks(h) + head
        return (self.out(self.upsample(h)) + 1.0) / 2.0
