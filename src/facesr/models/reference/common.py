"""What every reference network shares: the reference inputs, landmarks, and the family's discriminator.

Inputs besides the face (keyword arguments of ``forward``; the training engine passes the batch keys
named in ``conditions`` and, in training, ``training_inputs``):

=======================  =========================================  =======================================
key                      value                                      notes
=======================  =========================================  =======================================
``reference``            ``N x 3 x S x S`` or ``N x K x 3 x S x S``  high-quality faces, ``[0,1]`` RGB at the
                                                                    HR size ``S``; single-face methods use
                                                                    the first of ``K``
``reference_landmarks``  ``N x 68 x 2`` or ``N x K x 68 x 2``       iBUG-68 ``(x, y)`` pixels of each reference
``landmarks``            ``N x 68 x 2``                             of the face being restored, at the HR size
``reference_mask``       ``N x K`` bool                             which of the ``K`` references are real
                                                                    (groups padded by repetition)
=======================  =========================================  =======================================

Landmarks that are not given are estimated by the package's 68-point hourglass network
(``facesr/weights/hourglass_landmarks.md``; frozen, not part of the method's weights): on the
(bicubic-upsampled) degraded input for the face being restored, on the references themselves. This
is how they are obtained at test time, so training does the same unless a dataset provides them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...errors import InputError
from ..base import SRNet
from .layers import sn_conv

_LANDMARK_NETS: dict[str, nn.Module] = {}
LANDMARK_SIZE = 128  # the hourglass network's input size


def _landmark_net(device: torch.device) -> nn.Module:
    key = str(device)
    if key not in _LANDMARK_NETS:
        from ..prior.landmark_net import load_landmark_net

        _LANDMARK_NETS[key] = load_landmark_net(None, device=device).requires_grad_(False)
    return _LANDMARK_NETS[key]


@torch.no_grad()
def estimate_landmarks(faces: torch.Tensor) -> torch.Tensor:
    """iBUG-68 landmarks ``N x 68 x 2`` (pixels of the faces) of ``[0,1]`` RGB faces ``N x 3 x S x S``
    by the package's hourglass network (faces resized to its 128 px; no gradient)."""
    from ..prior.landmark_net import predict_landmarks

    if faces.shape[0] == 0:
        return faces.new_zeros(0, 68, 2)
    s = faces.shape[-1]
    x = faces.detach().float().clamp(0, 1)
    if s != LANDMARK_SIZE or faces.shape[-2] != LANDMARK_SIZE:
        x = F.interpolate(x, size=(LANDMARK_SIZE, LANDMARK_SIZE), mode="bilinear", align_corners=False,
                          antialias=s > LANDMARK_SIZE)
    pts = predict_landmarks(_landmark_net(x.device), x)
    pts = torch.from_numpy(pts).to(device=faces.device, dtype=faces.dtype)
    return (pts + 0.5) * (s / LANDMARK_SIZE) - 0.5


def example_landmarks(n: int, size: int, like: torch.Tensor, k: int | None = None) -> torch.Tensor:
    """The procedural frontal face's 68 points (:func:`facesr.faces.synthetic.synthetic_landmarks68`)
    at ``size``, repeated to ``n`` (x ``k``) faces: neutral example inputs."""
    from ...faces.synthetic import synthetic_landmarks68

    pts = torch.as_tensor(synthetic_landmarks68(size).astype(np.float32), device=like.device)
    shape = (n, 68, 2) if k is None else (n, k, 68, 2)
    return pts.expand(shape).clone()


class ReferenceNet(SRNet):
    """Base of the reference family's networks (survey §4.5).

    ``max_references``: how many references the method reads (1: single-face guided; ``None``: any).
    ``needs_landmarks``: whether ``forward`` uses landmarks (given or estimated).
    """

    #: batch keys passed at every call (training and inference)
    conditions: tuple[str, ...] = ("reference",)
    #: batch keys passed in training only, with ``aux=True``
    training_inputs: tuple[str, ...] = ()
    #: extra context keys returned with ``aux=True``
    aux_outputs: tuple[str, ...] = ()
    max_references: int | None = 1
    needs_landmarks: bool = False
    face_size_multiple: int = 1

    def hr_size(self, x: torch.Tensor) -> tuple[int, int]:
        h, w = int(x.shape[-2]), int(x.shape[-1])
        return (h * self.scale, w * self.scale) if self.upsamples else (h, w)

    def references(self, x: torch.Tensor, reference: torch.Tensor | None,
                   reference_landmarks: torch.Tensor | None = None,
                   reference_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None,
                                                                         torch.Tensor | None]:
        """The references as ``N x K x 3 x S x S`` (checked against the face), their landmarks as
        ``N x K x 68 x 2`` (or None) and the mask ``N x K`` (or None); single-face methods keep the first."""
        name = type(self).__name__
        if reference is None:
            raise InputError(f"{name} restores a face with a reference face: pass reference= (N x 3 x H x W, "
                             "or N x K x 3 x H x W for several) of the HR size")
        if not isinstance(reference, torch.Tensor) or reference.dim() not in (4, 5):
            shape = tuple(reference.shape) if isinstance(reference, torch.Tensor) else type(reference).__name__
            raise InputError(f"{name}: reference must be N x 3 x H x W or N x K x 3 x H x W, got {shape}")
        refs = reference.unsqueeze(1) if reference.dim() == 4 else reference
        h, w = self.hr_size(x)
        if refs.shape[0] != x.shape[0] or refs.shape[2] != 3 or tuple(refs.shape[-2:]) != (h, w):
            raise InputError(f"{name}: reference batch {tuple(reference.shape)} does not fit the faces "
                             f"{tuple(x.shape)}: expected {x.shape[0]} x [K x] 3 x {h} x {w}")
        lms = None
        if reference_landmarks is not None:
            lms = reference_landmarks.unsqueeze(1) if reference_landmarks.dim() == 3 else reference_landmarks
            if tuple(lms.shape[:2]) != tuple(refs.shape[:2]) or tuple(lms.shape[-2:]) != (68, 2):
                raise InputError(f"{name}: reference_landmarks {tuple(reference_landmarks.shape)} do not fit the "
                                 f"references {tuple(refs.shape)} (68 x 2 per reference)")
            lms = lms.to(refs.dtype)
        if self.max_references is not None:
            refs = refs[:, : self.max_references]
            lms = None if lms is None else lms[:, : self.max_references]
            reference_mask = None if reference_mask is None else reference_mask[:, : self.max_references]
        return refs.to(x.dtype), lms, reference_mask

    def face_landmarks(self, faces: torch.Tensor, given: torch.Tensor | None) -> torch.Tensor:
        """``given`` landmarks (N x 68 x 2) or the hourglass network's on ``faces`` (N x 3 x S x S)."""
        if given is not None:
            if tuple(given.shape) != (faces.shape[0], 68, 2):
                raise InputError(f"{type(self).__name__}: landmarks must be N x 68 x 2 (iBUG-68 pixels), got "
                                 f"{tuple(given.shape)}")
            return given.to(faces.dtype)
        return estimate_landmarks(faces)

    def reference_landmarks(self, refs: torch.Tensor, given: torch.Tensor | None) -> torch.Tensor:
        """``given`` (N x K x 68 x 2) or the hourglass network's on every reference."""
        if given is not None:
            return given
        n, k = refs.shape[:2]
        return estimate_landmarks(refs.flatten(0, 1)).reshape(n, k, 68, 2)

    def example_conditions(self, x: torch.Tensor, k: int | None = None) -> dict[str, torch.Tensor]:
        """Neutral inputs for a trial run on ``x`` (complexity counting, tests): grey ramps as references
        (``k`` of them for multi-face methods, default 3, each a little brighter) and the procedural face's
        landmarks (each reference's a little larger and shifted)."""
        n = x.shape[0]
        h, w = self.hr_size(x)
        k = 1 if self.max_references == 1 else (k or 3)
        ramp = torch.linspace(0.25, 0.75, w, device=x.device, dtype=x.dtype)
        step = torch.arange(k, device=x.device, dtype=x.dtype).view(1, k, 1, 1, 1)
        out: dict[str, Any] = {"reference": (ramp + 0.05 * step).expand(n, k, 3, h, w).clone()}
        if self.needs_landmarks:
            out["landmarks"] = example_landmarks(n, h, x)
            out["reference_landmarks"] = example_landmarks(n, h, x, k) * (1 + 0.02 * step[..., 0]) + step[..., 0]
        return out


class ReferenceDiscriminator(nn.Module):
    """Spectral-norm PatchGAN critic for the family's adversarial losses (ASFFNet's "SN discriminator",
    GFRNet's global discriminator; the layout is pix2pix's 70 x 70 PatchGAN): 4 x 4 convs, stride 2
    x 3 then 1, LReLU 0.2, widths ``features`` x (1, 2, 4, 8) -> one logit map."""

    def __init__(self, scale: int = 8, features: int = 64, in_channels: int = 3) -> None:
        super().__init__()
        f = features
        chans = [in_channels, f, 2 * f, 4 * f, 8 * f]
        layers: list[nn.Module] = []
        for i in range(4):
            layers += [sn_conv(chans[i], chans[i + 1], k=4, stride=2 if i < 3 else 1, padding=1), nn.LeakyReLU(0.2)]
        layers.append(sn_conv(chans[-1], 1, k=4, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2.0 - 1.0)
