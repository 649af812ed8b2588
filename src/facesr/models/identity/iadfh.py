"""IADFH (Kazemi, Taherkhani & Nasrabadi, BTAS'19, "Identity-Aware Deep Face Hallucination via
Adversarial Face Verification"): a multi-scale generator with an output at every intermediate
resolution, and a discriminator that judges *pairs* of faces as fake, genuine or imposter (survey
Eq. 25-26, loss ``afvl``), so the generator must keep what tells identities apart.

Paper's: the multi-scale generator with intermediate outputs, the three-way pair discriminator and
its four pair kinds, a perceptual (not pixel) similarity loss. No code is public; the layers are ours:

* generator (raw LR in): conv 3x3 (3 -> ``features``), ``lr_blocks`` residual blocks with a long skip;
  per x2 stage: conv (-> 4 ``features``) + PixelShuffle(2) + ReLU + ``stage_blocks`` residual blocks and
  a to-RGB conv 3x3 whose image (+ the bicubic-upsampled LR of that size) is the stage's output. The
  last stage's is the result; ``aux=True`` also returns the intermediate ones as ``sr_x2``, ``sr_x4``,
  ... (loss ``pyramid`` against the area-averaged HR face).
* pair discriminator (:class:`IADFHDiscriminator`): the two faces of a pair concatenated (6 channels,
  data in [-1,1]), 5 x [conv 4x4 stride 2 + LeakyReLU(0.2)] (64/128/256/512/512; BN from the second),
  global average pooling, FC 512 -> 3 logits (fake, genuine, imposter). In training it takes the
  batch's same-identity references (data prior ``reference``) and identity labels, and returns
  ``N x 2 x 3``: each face paired with its own reference and with the previous face's reference
  (:class:`facesr.losses.AFVLoss` says which pair is which of Eq. 25-26's four).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError, InputError
from ...priors.hints import prior_hint
from ..base import SRNet
from ..blocks import ResBlock, conv, upsampler_factors
from ..general.spgan import bicubic_up


class IADFH(SRNet):
    """IADFH generator: raw LR ``[0,1] N x 3 x h x w`` -> ``N x 3 x sh x sw`` (scales 4, 8, 16)."""

    upsamples = True

    def __init__(self, scale: int = 8, features: int = 64, lr_blocks: int = 8, stage_blocks: int = 2) -> None:
        super().__init__(scale)
        if scale not in (4, 8, 16):
            raise ConfigError(f"IADFH supports scales x4, x8, x16, not x{scale}")
        if features < 1 or lr_blocks < 0 or stage_blocks < 0:
            raise ConfigError(f"IADFH needs features >= 1 and block counts >= 0, got {features}, {lr_blocks}, "
                              f"{stage_blocks}")
        c, n = features, len(upsampler_factors(scale))
        self.head = conv(3, c, 3)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(lr_blocks)], conv(c, c, 3))
        self.stages = nn.ModuleList(
            nn.Sequential(conv(c, 4 * c, 3), nn.PixelShuffle(2), nn.ReLU(inplace=True),
                          *[ResBlock(c) for _ in range(stage_blocks)]) for _ in range(n))
        self.to_rgb = nn.ModuleList(conv(c, 3, 3) for _ in range(n))
        self.aux_outputs: tuple[str, ...] = tuple(f"sr_x{2 ** (k + 1)}" for k in range(n - 1))

    def forward(self, x: torch.Tensor, aux: bool = False) -> torch.Tensor | dict[str, torch.Tensor]:
        self.check_input(x)
        f = self.head(x)
        f = f + self.body(f)
        outs: dict[str, torch.Tensor] = {}
        last = len(self.stages) - 1
        for k, (stage, rgb) in enumerate(zip(self.stages, self.to_rgb)):
            f = stage(f)
            if k == last or aux:
                outs["sr" if k == last else f"sr_x{2 ** (k + 1)}"] = rgb(f) + bicubic_up(x, 2 ** (k + 1))
        return outs if aux else outs["sr"]


class IADFHDiscriminator(nn.Module):
    """Three-way pair discriminator: ``pair(a, b)`` -> ``N x 3`` logits (fake, genuine, imposter).

    ``forward(x, reference, identity)`` (training, faces ``N x 3 x H x W`` in [0,1], H and W at least
    32) returns ``N x 2 x 3``: ``pair(reference, x)`` and ``pair(reference rolled by one, x)``.
    ``identity`` is taken so that the data check asks for labels; the loss reads them.
    """

    conditions: tuple[str, ...] = ()
    training_inputs: tuple[str, ...] = ("identity", "reference")

    def __init__(self, widths: tuple[int, ...] = (64, 128, 256, 512, 512)) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        layers: list[nn.Module] = []
        cin = 6
        for i, w in enumerate(widths):
            layers.append(nn.Conv2d(cin, w, 4, 2, 1, bias=i == 0))
            if i:
                layers.append(nn.BatchNorm2d(w))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            cin = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(cin, 3)
        self.min_size = 2 ** len(widths)

    def pair(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Logits ``N x 3`` of the pairs ``(a_i, b_i)``."""
        if a.shape != b.shape or a.dim() != 4 or a.shape[1] != 3 or min(a.shape[-2:]) < self.min_size:
            raise InputError(f"IADFH discriminator expects two N x 3 x H x W faces of one shape (H, W >= "
                             f"{self.min_size}), got {tuple(a.shape)} and {tuple(b.shape)}")
        f = self.features(torch.cat([a, b], dim=1) * 2.0 - 1.0)
        return self.head(f.mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None,
                identity: torch.Tensor | None = None) -> torch.Tensor:  # noqa: ARG002 - read by the loss
        if reference is None:
            raise InputError("IADFH discriminator needs same-identity references: "
                             f"{prior_hint(['identity', 'reference'])}")
        reference = reference.to(x)
        return torch.stack([self.pair(reference, x), self.pair(reference.roll(1, dims=0), x)], dim=1)
