"""DGFAN (Yang & Chang, ICASSP'20, "Deblurring and super-resolution using deep gated fusion attention
networks for face images"; survey §4.7.2): two feature extractors on the blurred LR face, one for its
structure and one for its details, merged by a gated fusion module with attention, then reconstructed.

No code is public; the layout follows the gated fusion network DGFAN builds on (GFN, Zhang et al.
BMVC'18) with the face streams the survey describes; at LR size, C channels (64), LeakyReLU(0.2):

* structure stream (deblurring): encoder-decoder - conv 7x7 (3 -> C) + R residual blocks, conv 3x3
  stride 2 (C -> 2C) + R blocks, conv 3x3 stride 2 (2C -> 4C) + R blocks, two transposed convs back with
  skip additions; conv 3x3 (C -> 3) gives the deblurred LR face (``lr_deblur``, supervised by the
  sharp LR face in training: recipe ``deblur``);
* detail stream: conv 7x7 on [LR, its Sobel gradient magnitude] (4 -> C) + D residual blocks + conv
  3x3: edges and texture at full LR resolution (the gradient input is ours);
* gated fusion with attention: gate = conv 1x1(LReLU(conv 3x3([LR, structure, detail]))) (3 + 2C -> C),
  then channel attention on the gate; fused = gate * structure + detail;
* reconstruction: N residual channel-attention blocks + conv 3x3, sub-pixel upsampling x ``scale``,
  conv 3x3 (C -> 3).

[0,1] RGB in and out.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from ..base import SRNet
from ..blocks import Upsampler, conv
from ..general.rcan import RCAB, ChannelAttention


def _lrelu() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class _ResBlock(nn.Module):
    """x + conv(LReLU(conv(x))), 3x3 convs with bias."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv(channels, channels, 3), _lrelu(), conv(channels, channels, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _stage(cin: int, cout: int, blocks: int, stride: int = 1, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2), _lrelu(), *[_ResBlock(cout) for _ in range(blocks)])


class StructureStream(nn.Module):
    """Deblurring encoder-decoder: LR N x 3 x h x w (h, w multiples of 4) -> (features N x C x h x w,
    deblurred LR N x 3 x h x w)."""

    def __init__(self, channels: int, blocks: int) -> None:
        super().__init__()
        c = channels
        self.level1 = _stage(3, c, blocks, k=7)
        self.level2 = _stage(c, 2 * c, blocks, stride=2)
        self.level3 = _stage(2 * c, 4 * c, blocks, stride=2)
        self.up3 = nn.Sequential(nn.ConvTranspose2d(4 * c, 2 * c, 4, 2, 1), _lrelu())
        self.up2 = nn.Sequential(nn.ConvTranspose2d(2 * c, c, 4, 2, 1), _lrelu())
        self.to_image = conv(c, 3, 3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f1 = self.level1(x)
        f2 = self.level2(f1)
        feats = self.up2(self.up3(self.level3(f2)) + f2) + f1
        return feats, self.to_image(feats) + x


def sobel_magnitude(x: torch.Tensor) -> torch.Tensor:
    """Gradient magnitude of the grey image of ``x`` (N x 3 x h x w, [0,1]) -> N x 1 x h x w (Sobel, replicate
    padding)."""
    grey = x.mean(dim=1, keepdim=True)
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=x.device, dtype=x.dtype) / 8
    k = torch.stack([kx, kx.t()]).unsqueeze(1)
    g = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), k)
    return torch.sqrt((g * g).sum(dim=1, keepdim=True) + 1e-12)


class DetailStream(nn.Module):
    """[LR, Sobel magnitude] -> detail features N x C x h x w at full LR resolution."""

    def __init__(self, channels: int, blocks: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_stage(4, channels, blocks, k=7), conv(channels, channels, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([x, sobel_magnitude(x)], dim=1))


class GatedFusion(nn.Module):
    """Gate from [LR, structure, detail] with channel attention; returns gate * structure + detail."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        c = channels
        self.gate = nn.Sequential(conv(3 + 2 * c, c, 3), _lrelu(), nn.Conv2d(c, c, 1), ChannelAttention(c, reduction))

    def forward(self, x: torch.Tensor, structure: torch.Tensor, detail: torch.Tensor) -> torch.Tensor:
        return self.gate(torch.cat([x, structure, detail], dim=1)) * structure + detail


class DGFAN(SRNet):
    """Blurred raw LR face N x 3 x h x w (h, w multiples of 4) -> N x 3 x (h*scale) x (w*scale); with
    ``aux=True`` a dict with ``sr`` and ``lr_deblur`` (the structure stream's deblurred LR, N x 3 x h x w)."""

    upsamples = True
    size_multiple = 4
    min_size = 4
    aux_outputs = ("lr_deblur",)

    def __init__(self, scale: int = 8, features: int = 64, structure_blocks: int = 6, detail_blocks: int = 8,
                 reconstruction_blocks: int = 8, reduction: int = 16) -> None:
        super().__init__(scale)
        if min(features, structure_blocks, detail_blocks, reconstruction_blocks) < 1 or features < reduction:
            raise ConfigError("DGFAN needs positive widths and block counts, and features >= reduction")
        c = features
        self.structure = StructureStream(c, structure_blocks)
        self.detail = DetailStream(c, detail_blocks)
        self.fusion = GatedFusion(c, reduction)
        self.reconstruction = nn.Sequential(*[RCAB(c, reduction) for _ in range(reconstruction_blocks)],
                                            conv(c, c, 3))
        self.upsample = nn.Sequential(Upsampler(c, scale), _lrelu(), conv(c, 3, 3))

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        structure, lr_deblur = self.structure(x)
        fused = self.fusion(x, structure, self.detail(x))
        sr = self.upsample(fused + self.reconstruction(fused))
        return {"sr": sr, "lr_deblur": lr_deblur} if aux else sr
