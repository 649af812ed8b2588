"""GFRNet (Li et al., ECCV 2018): learning warped guidance for blind face restoration.

Two sub-networks (methods.md §7.1; the released code is Torch7 test-only with the layer list inside its
``.t7`` files, so the layouts here are the paper's description in pix2pix's terms, ours where it is
silent):

* **WarpNet**: an encoder-decoder on concat(degraded face, guide) -> a dense flow field Φ (2 x S x S).
  The guide is warped by bilinear sampling (the paper's STN sampler). pix2pix encoder (4x4 convs,
  stride 2, LReLU 0.2, batch norm; ``features`` x 1, 2, 4, 8, 8, ... to 1 x 1) and a mirrored
  transposed-conv decoder **without** skip connections (ours: a flow is not an image of the input);
  ``tanh`` output as displacements of up to half the face in each direction; its last layer starts at
  1/100 of its random initialisation, so that training starts near the identity warp (ours).
* **RecNet**: a U-Net with skips (pix2pix ``unet``) on concat(degraded face, warped guide) -> the
  restored face.

The paper runs both at 256 x 256 on the degraded image bicubic-upsampled there; here at the project's
128 px (7 down-sampling stages instead of 8). The degraded input is the bicubic-upsampled LR face
(registry ``input: upsampled``), so one network serves every scale of the blind protocol.

Training (``aux=True``): WarpNet has no ground-truth flow; its surrogate losses are the **landmark loss**
(the flow taken at the 68 ground-truth landmarks must point at the guide's landmarks: outputs
``guide_points_pred`` vs ``guide_points``, in face-size units) and **total variation** of Φ (outputs
``flow_diff`` vs ``flow_zero``: an ``l1`` term gives mean |∇Φ|). ``landmarks="estimate"`` (default)
takes both landmark sets from the package's hourglass network on the HR face (training input ``hr``)
and on the guide; ``"data"`` reads ``landmarks`` and ``reference_landmarks`` from the batch.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from .common import ReferenceNet, estimate_landmarks
from .geometry import flow_differences, flow_warp, sample_points


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "none":
        return nn.Identity()
    raise ConfigError(f"GFRNet norm must be batch, instance or none, got {kind!r}")


def _widths(features: int, depth: int) -> list[int]:
    return [features * min(2**i, 8) for i in range(depth)]


class _Down(nn.Module):
    def __init__(self, cin: int, cout: int, norm: str, first: bool, innermost: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [] if first else [nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=norm != "batch" or first or innermost))
        if not (first or innermost):
            layers.append(_norm(norm, cout))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class _Up(nn.Module):
    def __init__(self, cin: int, cout: int, norm: str, last: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.ReLU(), nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=norm != "batch" or last)]
        if not last:
            layers.append(_norm(norm, cout))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class EncoderDecoder(nn.Module):
    """pix2pix-style encoder-decoder of ``depth`` stride-2 stages; ``skips``: U-Net concatenations."""

    def __init__(self, cin: int, cout: int, features: int = 64, depth: int = 7, norm: str = "batch",
                 skips: bool = True) -> None:
        super().__init__()
        w = _widths(features, depth)
        self.skips = skips
        self.downs = nn.ModuleList(
            _Down(cin if i == 0 else w[i - 1], w[i], norm, i == 0, i == depth - 1) for i in range(depth)
        )
        ups = []
        for i in reversed(range(depth)):
            cin_up = w[i] if (i == depth - 1 or not skips) else 2 * w[i]
            cout_up = cout if i == 0 else w[i - 1]
            ups.append(_Up(cin_up, cout_up, norm, i == 0))
        self.ups = nn.ModuleList(ups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = []
        for down in self.downs:
            x = down(x)
            feats.append(x)
        h = feats[-1]
        for j, up in enumerate(self.ups):
            if j > 0 and self.skips:
                h = torch.cat([h, feats[-1 - j]], dim=1)
            h = up(h)
        return h


class GFRNet(ReferenceNet):
    """Upsampled degraded face N x 3 x S x S + guide (N x 3 x S x S) -> N x 3 x S x S (S: multiple of
    2**depth; 128 with the default depth 7)."""

    upsamples = False

    def __init__(self, scale: int = 8, features: int = 64, depth: int = 7, norm: str = "batch",
                 landmarks: str = "estimate") -> None:
        super().__init__(scale)
        if landmarks not in ("estimate", "data"):
            raise ConfigError(f"GFRNet landmarks must be 'estimate' or 'data', got {landmarks!r}")
        self.size_multiple = 2**depth
        self.landmark_source = landmarks
        self.training_inputs = ("hr",) if landmarks == "estimate" else ("landmarks", "reference_landmarks")
        self.aux_outputs = ("warped_guide", "flow_diff", "flow_zero", "guide_points_pred", "guide_points")
        self.warpnet = EncoderDecoder(6, 2, features, depth, norm, skips=False)
        self.recnet = EncoderDecoder(6, 3, features, depth, norm, skips=True)
        with torch.no_grad():  # start near the identity warp (ours): a random flow would scramble the guide
            self.warpnet.ups[-1].body[1].weight.mul_(0.01)

    def warp(self, x: torch.Tensor, guide: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(warped guide, flow in pixels N x 2 x S x S)."""
        s = torch.tensor([x.shape[-1] / 2.0, x.shape[-2] / 2.0], device=x.device, dtype=x.dtype)
        flow = torch.tanh(self.warpnet(torch.cat([x, guide], dim=1) * 2 - 1)) * s.view(1, 2, 1, 1)
        return flow_warp(guide, flow), flow

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None, hr: torch.Tensor | None = None,
                landmarks: torch.Tensor | None = None, reference_landmarks: torch.Tensor | None = None,
                aux: bool = False):
        self.check_input(x)
        refs, ref_lms, _ = self.references(x, reference, reference_landmarks)
        guide = refs[:, 0]
        warped, flow = self.warp(x, guide)
        out = torch.tanh(self.recnet(torch.cat([x, warped], dim=1) * 2 - 1))
        sr = (out + 1.0) / 2.0
        if not aux:
            return sr
        if landmarks is None:
            if hr is None:
                raise ConfigError("GFRNet's landmark loss needs the HR face (training input 'hr') or 'landmarks'")
            landmarks = estimate_landmarks(hr)
        guide_points = (ref_lms[:, 0] if ref_lms is not None else estimate_landmarks(guide)).float()
        landmarks = landmarks.float()
        pred = landmarks + sample_points(flow.float(), landmarks)
        size = float(x.shape[-1])
        diff = flow_differences(flow.float()) / size
        return {"sr": sr, "warped_guide": warped, "flow_diff": diff, "flow_zero": torch.zeros_like(diff),
                "guide_points_pred": pred / size, "guide_points": guide_points / size}

    def example_training_inputs(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Training inputs for a trial run (tests): the procedural face's landmarks for both faces."""
        from .common import example_landmarks

        n, s = x.shape[0], x.shape[-1]
        lms = example_landmarks(n, s, x)
        return {"landmarks": lms, "reference_landmarks": lms + 1.5}
