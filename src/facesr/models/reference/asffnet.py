"""ASFFNet (Li et al., CVPR 2020): multi-exemplar blind face restoration with adaptive spatial feature fusion.

Pipeline (methods.md §7.3; layers after the authors' 512-px re-implementation ``csxmli2016/ASFFNet512 @
328e1661: models/ASFFNet.py, utils/ROI_MLS.py``, which is test-only and starts after step 1):

1. **Guidance selection**: of the K exemplars, the one whose landmarks align best with the degraded
   face's by weighted least squares (a similarity transform; one learned weight per landmark). The
   choice is hard; in training the weights learn through a straight-through softmax over the residuals
   (ours: the paper learns them, the released code has no training).
2. **Features**: two dilated-ResNet extractors (degraded face, guidance) to 1/4 size, 128 channels.
3. **Alignment**: the guidance features are warped by moving least squares with landmarks 17-67
   (brows, nose, eyes, mouth: the jaw line is left out as in ``roi_mls_whole_final``); **AdaIN** gives them
   the degraded features' channel statistics (illumination).
4. **Fusion**: a landmark-mask condition net and a component condition net feed 4 ASFF blocks and a
   final SFF layer (learned masks mix degraded and guidance features).
5. **Decoder**: multi-scale dilation block, 2 x [bilinear x2 + SN-conv + dilated residual blocks],
   SN-conv, tanh.

At 128 px the features are 32 x 32; the layer widths (and so the parameter count: 23,634,795 of the
512-px generator + 68 landmark weights) do not depend on the face size. The landmark mask (the
condition net's 1-channel input) is the union of Gaussian blobs (sigma 2 % of the face size) at the 68
landmarks (ours; the paper draws a mask from the landmarks).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import ReferenceNet
from .geometry import mls_affine_grid, pixel_grid, sample_grid, wls_residual
from .layers import ASFFBlock, DilatedResBlock, MSDilateBlock, SFFLayer, UpDilateResBlock, adain, lrelu, sn_conv

#: landmarks used to warp guidance features (iBUG-68 indices 17..67: no jaw line)
MLS_POINTS = slice(17, 68)


class DilatedEncoder(nn.Module):
    """3 -> f (2 dilated res blocks) -> 2f at 1/2 (2 blocks) -> 4f at 1/4 (2 blocks) -> 2f channels."""

    def __init__(self, features: int = 64) -> None:
        super().__init__()
        f = features
        self.body = nn.Sequential(
            sn_conv(3, f), lrelu(), DilatedResBlock(f, (7, 5)), DilatedResBlock(f, (7, 5)),
            sn_conv(f, 2 * f, stride=2), lrelu(), DilatedResBlock(2 * f, (5, 3)), DilatedResBlock(2 * f, (5, 3)),
            sn_conv(2 * f, 4 * f, stride=2), lrelu(), DilatedResBlock(4 * f, (3, 1)), DilatedResBlock(4 * f, (3, 1)),
            sn_conv(4 * f, 2 * f), lrelu(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class ResidualUnit(nn.Module):
    """x + [SN-conv, LReLU, SN-conv, LReLU] (the component condition net's unit)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.body = nn.Sequential(sn_conv(c, c), lrelu(), sn_conv(c, c), lrelu())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def mask_condition_net(c: int) -> nn.Sequential:
    """1-channel landmark mask -> c channels at 1/4 size (bias-free convs 9/7/5/3/3, sigmoid)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 9, 2, 4, bias=False), lrelu(), nn.Conv2d(16, 32, 7, 1, 3, bias=False), lrelu(),
        nn.Conv2d(32, 64, 5, 2, 2, bias=False), lrelu(), nn.Conv2d(64, c, 3, 1, 1, bias=False), lrelu(),
        nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.Sigmoid(),
    )


def component_condition_net(c: int) -> nn.Sequential:
    return nn.Sequential(sn_conv(c, c, k=1), lrelu(), ResidualUnit(c), sn_conv(c, c, k=1), lrelu(),
                         ResidualUnit(c), sn_conv(c, c, k=1), lrelu())


def landmark_mask(points: torch.Tensor, h: int, w: int, sigma: float) -> torch.Tensor:
    """N x 1 x h x w: the maximum of Gaussian blobs at ``points`` (N x P x 2 pixels)."""
    points = points.float()
    v = pixel_grid(h, w, points).reshape(1, h * w, 1, 2)
    d2 = (points.unsqueeze(1) - v).square().sum(-1)               # N x HW x P
    return torch.exp(-d2 / (2 * sigma**2)).amax(-1).reshape(-1, 1, h, w)


class ASFFNet(ReferenceNet):
    """Upsampled degraded face N x 3 x S x S + K exemplars (N x K x 3 x S x S) -> N x 3 x S x S
    (S a multiple of 4)."""

    upsamples = False
    size_multiple = 4
    max_references = None
    needs_landmarks = True
    aux_outputs = ("guide",)

    def __init__(self, scale: int = 8, features: int = 64, fusion_blocks: int = 4,
                 selection_temperature: float = 0.01) -> None:
        super().__init__(scale)
        f = features
        c = 2 * f
        self.lq_encoder = DilatedEncoder(f)
        self.ref_encoder = DilatedEncoder(f)
        self.mask_net = mask_condition_net(c)
        self.component_net = component_condition_net(c)
        self.fusion = nn.ModuleList(ASFFBlock(c) for _ in range(fusion_blocks))
        self.fusion_last = SFFLayer(c, last=True)
        self.msdilate = MSDilateBlock(c, (4, 3, 2, 1), variant="asff")
        self.decoder = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), sn_conv(c, c), lrelu(),
            UpDilateResBlock(c, (1, 2)), sn_conv(c, f), lrelu(), UpDilateResBlock(f, (1, 2)),
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), UpDilateResBlock(f, (1, 1)),
            sn_conv(f, 3), nn.Tanh(),
        )
        #: per-landmark weights of the WLS guidance selection (softplus of these)
        self.landmark_weights = nn.Parameter(torch.zeros(68))
        self.temperature = float(selection_temperature)

    def select(self, lq_points: torch.Tensor, ref_points: torch.Tensor, mask: torch.Tensor | None,
               size: float) -> torch.Tensor:
        """Selection weights N x K: one-hot on the exemplar with the smallest weighted LS alignment
        residual (straight-through softmax gradient in training)."""
        w = F.softplus(self.landmark_weights).to(lq_points.dtype)
        k = ref_points.shape[1]
        res = wls_residual(ref_points, lq_points.unsqueeze(1).expand(-1, k, -1, -1), w) / size**2
        if mask is not None:
            res = res.masked_fill(~mask.bool(), float("inf"))
        soft = torch.softmax(-res / self.temperature, dim=1)
        hard = F.one_hot(res.argmin(dim=1), k).to(soft.dtype)
        return hard + soft - soft.detach() if self.training else hard

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None,
                landmarks: torch.Tensor | None = None, reference_landmarks: torch.Tensor | None = None,
                reference_mask: torch.Tensor | None = None, aux: bool = False):
        self.check_input(x)
        refs, ref_lms, mask = self.references(x, reference, reference_landmarks, reference_mask)
        size = float(x.shape[-1])
        lq_pts = self.face_landmarks(x, landmarks)
        ref_pts = self.reference_landmarks(refs, ref_lms)
        sel = self.select(lq_pts, ref_pts, mask, size)                       # N x K
        guide = (sel[:, :, None, None, None] * refs).sum(1)
        guide_pts = (sel[:, :, None, None] * ref_pts).sum(1)

        lq_feat = self.lq_encoder(x * 2 - 1)
        ref_feat = self.ref_encoder(guide * 2 - 1)
        h, w = lq_feat.shape[-2:]
        down = x.shape[-1] / w
        src, dst = ((p[:, MLS_POINTS] + 0.5) / down - 0.5 for p in (guide_pts, lq_pts))  # feature pixels
        grid = mls_affine_grid(src, dst, h, w)
        aligned = sample_grid(adain(ref_feat, lq_feat), grid, padding="border")
        cond_mask = self.mask_net(landmark_mask(lq_pts, x.shape[-2], x.shape[-1], 0.02 * size))
        cond_comp = self.component_net(aligned)
        feat = lq_feat
        for block in self.fusion:
            feat = block(feat, cond_comp, cond_mask)
        feat = self.fusion_last(feat, cond_comp, cond_mask)
        sr = (self.decoder(self.msdilate(feat) + lq_feat) + 1.0) / 2.0
        if aux:
            return {"sr": sr, "guide": guide}
        return sr
