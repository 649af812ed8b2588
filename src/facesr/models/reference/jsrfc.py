"""JSRFC (Li et al., ICTAI 2019, "Recovering Extremely Degraded Faces by Joint Super-Resolution and Facial
Composite"): components of reference faces (any identity) composited onto the LR face and fed beside it.

No code is public; the steps are the survey's (§4.5.3, Table 6: alignment by landmarks, use by
concatenation), the layers ours:

1. **Component selection**: for each component (eyes with brows, nose, mouth: the boxes of
   :mod:`.components`) and each reference, the reference's component is aligned to the LR face's by a
   least-squares similarity of the component's landmarks and compared, brought to the LR face's
   resolution, with the LR face's component; the closest reference gives that component (the paper
   labels references by which components are similar).
2. **Composite**: the aligned components pasted into their boxes on an HR canvas, with their mask:
   the "component dictionary" of this face.
3. **Reconstruction**: the LR face (conv + residual blocks at LR size) and the composite with its mask
   (stride-2 convs down to the LR size) are concatenated, merged, refined by residual blocks and
   enlarged by log2(scale) x [conv + PixelShuffle(2)]; the output adds the bicubic-upsampled LR.

Landmarks of the LR face are estimated on its bicubic upsampling unless given (``landmarks``, at the HR
size); the references' unless given (``reference_landmarks``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ConfigError
from ..blocks import ResBlock, Upsampler, conv
from .common import ReferenceNet
from .components import PART_POINTS, PARTS, box_points, part_boxes, paste
from .geometry import apply_similarity, sample_grid, similarity_fit

PATCH = 16  # side of the component patches compared and pasted


def _low_pass(patch: torch.Tensor, scale: int) -> torch.Tensor:
    """A patch brought to 1/scale resolution and back (what the LR face can show of it)."""
    small = max(2, patch.shape[-1] // scale)
    down = F.interpolate(patch, size=(small, small), mode="area")
    return F.interpolate(down, size=patch.shape[-2:], mode="bilinear", align_corners=False)


def compose(up: torch.Tensor, lq_pts: torch.Tensor, refs: torch.Tensor, ref_pts: torch.Tensor,
            mask: torch.Tensor | None, scale: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The component composite (N x 3 x S x S), its mask (N x 1 x S x S) and the chosen reference per
    component (N x 4 indices) for upsampled LR faces ``up`` with landmarks ``lq_pts`` and references
    ``refs`` (N x K x 3 x S x S) with landmarks ``ref_pts`` (N x K x 68 x 2)."""
    n, k = refs.shape[:2]
    s = up.shape[-1]
    boxes = part_boxes(lq_pts, s)
    canvas = up.new_zeros(n, 3, s, s)
    weight = up.new_zeros(n, 1, s, s)
    chosen = []
    for p, part in enumerate(PARTS):
        idx = PART_POINTS[part]
        pts = box_points(boxes[:, p], PATCH)                                     # N x P x P x 2 (LR frame)
        a, t = similarity_fit(lq_pts[:, None, idx].expand(-1, k, -1, -1), ref_pts[:, :, idx])
        ref_pos = apply_similarity(a, t, pts.flatten(1, 2)[:, None].expand(-1, k, -1, -1))  # N x K x PP x 2
        patches = sample_grid(refs.flatten(0, 1), ref_pos.reshape(n * k, PATCH, PATCH, 2), padding="border")
        patches = patches.reshape(n, k, 3, PATCH, PATCH)
        lq_patch = _low_pass(sample_grid(up, pts), scale)
        dist = (_low_pass(patches.flatten(0, 1), scale).reshape(n, k, 3, PATCH, PATCH)
                - lq_patch[:, None]).square().mean(dim=(2, 3, 4))                # N x K
        if mask is not None:
            dist = dist.masked_fill(~mask.bool(), float("inf"))
        best = dist.argmin(dim=1)
        chosen.append(best)
        pick = F.one_hot(best, k).to(patches.dtype)[:, :, None, None, None]
        pasted, m = paste((pick * patches).sum(1), boxes[:, p], s, s, float(s))
        canvas, weight = canvas + pasted, weight + m
    return canvas / weight.clamp(min=1.0), weight.clamp(max=1.0), torch.stack(chosen, dim=1)


class JSRFC(ReferenceNet):
    """LR face N x 3 x h x w + K references (N x K x 3 x S x S, any identity) -> N x 3 x S x S."""

    upsamples = True
    max_references = None
    needs_landmarks = True

    def __init__(self, scale: int = 8, features: int = 64, lr_blocks: int = 4, fused_blocks: int = 8) -> None:
        super().__init__(scale)
        if scale not in (2, 4, 8, 16):
            raise ConfigError(f"JSRFC enlarges in x2 stages: scales 2, 4, 8, 16, not x{scale}")
        c = features
        self.lr_branch = nn.Sequential(conv(3, c, 3), *[ResBlock(c) for _ in range(lr_blocks)])
        downs: list[nn.Module] = [conv(4, c, 3), nn.LeakyReLU(0.2)]
        for _ in range({2: 1, 4: 2, 8: 3, 16: 4}[scale]):
            downs += [nn.Conv2d(c, c, 4, 2, 1), nn.LeakyReLU(0.2)]
        self.component_branch = nn.Sequential(*downs, ResBlock(c))
        self.merge = conv(2 * c, c, 3)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(fused_blocks)], conv(c, c, 3))
        self.tail = nn.Sequential(Upsampler(c, scale), conv(c, 3, 3))

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None, landmarks: torch.Tensor | None = None,
                reference_landmarks: torch.Tensor | None = None, reference_mask: torch.Tensor | None = None):
        from ...ops import imresize

        self.check_input(x)
        refs, ref_lms, mask = self.references(x, reference, reference_landmarks, reference_mask)
        up = imresize(x, self.scale, kernel="matlab")
        lq_pts = self.face_landmarks(up, landmarks)
        ref_pts = self.reference_landmarks(refs, ref_lms)
        composite, cmask, _ = compose(up, lq_pts, refs, ref_pts, mask, self.scale)
        h = self.lr_branch(x * 2 - 1)
        g = self.component_branch(torch.cat([composite * 2 - 1, cmask], dim=1))
        h = self.merge(torch.cat([h, g], dim=1))
        h = h + self.body(h)
        return up + self.tail(h)
